"""The single pass walks libcst's code generation (debtscan/facts/codegen.py, the one module using libcst
internals). These tests fail loudly, naming what changed, when a libcst release breaks what it relies on."""
import ast
from pathlib import Path

import libcst as cst

import debtscan
from debtscan.facts.codegen import PositionedWalk, check_libcst

SOURCE = '''import os

def load(path):
    """Doc."""
    with open(
        path
    ) as f:
        return f.read()


x = load(os.path.join("a", "b"))
'''


def test_the_installed_libcst_has_what_the_walk_overrides_and_reads():
    check_libcst()  # raises LibcstIncompatible naming the missing member and libcst's version


def test_the_walk_sees_every_node_in_source_order_at_its_exact_position():
    module = cst.parse_module(SOURCE)
    seen = []

    class Walk(PositionedWalk):
        __slots__ = ()

    walk = Walk(module)
    for kind in (cst.FunctionDef, cst.With, cst.Call, cst.Name, cst.Return):
        walk._before[kind] = lambda node, kind=kind: seen.append((kind.__name__, walk.line, walk.col,
                                                                  getattr(node, "value", "")))
    walk.walk(module)
    calls = [(line, col) for name, line, col, _ in seen if name == "Call"]
    assert calls == [(5, 9), (8, 15), (11, 4), (11, 9)], "calls at the line and column where they start"
    names = [(value, line, col) for name, line, col, value in seen if name == "Name"]
    assert names[:4] == [("os", 1, 7), ("load", 3, 4), ("path", 3, 9), ("open", 5, 9)]
    assert ("path", 6, 8) in names and ("f", 8, 15) in names
    assert [name for name, *_ in seen if name in ("FunctionDef", "With", "Return")] == ["FunctionDef", "With",
                                                                                        "Return"]
    assert "".join(walk.tokens) == "", "the walk generates no code (positions only)"


def test_only_the_codegen_module_imports_libcst_internals():
    package = Path(debtscan.__file__).resolve().parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        if path.name == "codegen.py" and path.parent.name == "facts":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("libcst._"):
                offenders.append(f"{path.relative_to(package)}:{node.lineno}")
            elif isinstance(node, ast.Attribute) and node.attr == "_codegen":
                offenders.append(f"{path.relative_to(package)}:{node.lineno}")
    assert offenders == []


def test_the_node_classes_the_pass_compares_by_exact_type_have_no_subclasses():
    """The collectors test a node's class with ``type(node) is cst.Name`` (an ``isinstance`` against a libcst
    class is an ABCMeta call each time it fails, in the hottest loop of the pass). That equals ``isinstance``
    only while the class has no subclasses: a libcst release that adds one must fail here, not silently."""
    package = Path(debtscan.__file__).resolve().parent / "facts"
    compared = set()
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Call) \
                    and isinstance(node.left.func, ast.Name) and node.left.func.id == "type":
                for right in node.comparators:
                    for element in right.elts if isinstance(right, ast.Tuple) else [right]:
                        if isinstance(element, ast.Attribute) and isinstance(element.value, ast.Name) \
                                and element.value.id == "cst":
                            compared.add(element.attr)
    assert len(compared) > 50, "the pass compares node classes by type (this test would check nothing)"
    with_subclasses = sorted(name for name in compared if getattr(cst, name).__subclasses__())
    assert with_subclasses == [], (f"libcst classes the pass compares by exact type now have subclasses: "
                                   f"{with_subclasses}; use isinstance for them")
