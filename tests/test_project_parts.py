"""The project stage: a frozen Project built before any rule runs, whose parts rules declare and read.

- every built-in rule declares ``reads`` (parts of ``Project.PARTS``), and running its VALID/INVALID examples
  against a project that refuses every other part still gives the expected findings;
- no rule module imports the project builder (rules never build the project);
- the project's parts cannot be rebound after it is built;
- loading the rule registry and computing metrics needs no console library (``rich`` blocked);
- the metric providers are an explicit list, and importing them registers nothing.
"""
from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import debtscan
from debtscan.config import Config, SharedSignalSettings, parse_section
from debtscan.project.model import Project
from debtscan.rules.base import RuleContext, all_examples, rule_options
from debtscan.rules.registry import load_rules
from debtscan.testing import scan_repo, write_repo
from debtscan.trust import PluginPolicy

PACKAGE = Path(debtscan.__file__).resolve().parent
BUILTIN = load_rules(policy=PluginPolicy.NONE).rules

# what the Project's methods and the plugin API's shortcuts read
DERIVED = {"project_of": ("projects",), "cwd_for": ("paths", "pipeline"), "accesses": ("paths",),
           "handoffs": ("pipeline",)}


class UndeclaredPart(AssertionError):
    pass


class Guarded:
    """A project that answers only the parts a rule declares."""

    def __init__(self, project: Project, code: str, allowed) -> None:
        self._project, self._code, self._allowed = project, code, set(allowed)

    def __getattr__(self, name):
        needed = DERIVED.get(name, (name,) if name in Project.PARTS else ())
        missing = [part for part in needed if part not in self._allowed]
        if missing:
            raise UndeclaredPart(f"{self._code} reads project.{name} ({', '.join(missing)}) but declares "
                                 f"reads = {tuple(sorted(self._allowed))}")
        return getattr(self._project, name)


def builtin_rules():
    return [rule for code, rule in sorted(BUILTIN.items()) if rule.__module__.startswith("debtscan.")]


def test_every_builtin_rule_declares_the_parts_it_reads():
    for rule in builtin_rules():
        assert rule.reads is not None, f"{rule.code} declares no `reads`"
        unknown = set(rule.reads) - set(Project.PARTS)
        assert not unknown, f"{rule.code} reads unknown parts {sorted(unknown)} (parts: {Project.PARTS})"


@pytest.mark.parametrize("rule", builtin_rules(), ids=lambda r: r.code)
def test_a_rule_gives_its_findings_from_its_declared_parts_alone(rule, tmp_path):
    for index, (kind, example) in enumerate(all_examples(rule)):
        root = tmp_path / f"{kind}{index}"
        write_repo(root, example.sources())
        table = {"rules": {rule.code: dict(example.options)}} if example.options else None
        report, project = scan_repo(root, table, select=[rule.code])
        config = parse_section(root / "pyproject.toml", table) if table else Config()
        options = rule_options(rule, config.rule_options(rule.code))
        ctx = RuleContext(Guarded(project, rule.code, rule.reads), options, config)
        found = sorted({(f.path, f.line) for f in rule().check(ctx)})
        assert found == sorted({(f.path, f.line) for f in report.findings if f.code == rule.code}), (kind, index)


def test_the_guard_refuses_an_undeclared_part(tmp_path):
    write_repo(tmp_path, {"a.py": "import pandas as pd\npd.read_csv('data/x.csv')\n"})
    _, project = scan_repo(tmp_path)
    guarded = Guarded(project, "XY001", ("facts",))
    assert guarded.facts is project.facts
    with pytest.raises(UndeclaredPart, match=r"XY001 reads project.accesses \(paths\)"):
        guarded.accesses
    with pytest.raises(UndeclaredPart, match="project.pipeline"):
        guarded.pipeline


def test_no_rule_module_builds_the_project():
    for path in sorted((PACKAGE / "rules").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module != "debtscan.project.graph", f"{path.name}:{node.lineno} imports the builder"
                assert not any(a.name == "build_project" for a in node.names), f"{path.name}:{node.lineno}"


def test_the_project_and_its_parts_are_frozen(tmp_path):
    write_repo(tmp_path, {"a.py": "import pandas as pd\npd.read_csv('data/x.csv').to_csv('data/y.csv')\n",
                          "b.py": "import pandas as pd\npd.read_csv('data/y.csv')\n"})
    _, project = scan_repo(tmp_path)
    for part in ("paths", "pipeline", "signals", "components", "imports", "graph"):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(project, part, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        project.pipeline.steps = ()
    assert isinstance(project.paths.accesses, tuple)
    assert [(g.written, g.read) for g in project.pipeline.handoff_groups] == [("data/y.csv", "data/y.csv")]


def test_one_import_graph_serves_the_networkx_graph_and_the_components(tmp_path):
    write_repo(tmp_path, {"churn/__init__.py": "", "churn/data.py": "X = 1\n",
                          "fraud/train.py": "from churn.data import X\nimport churn.data\n",
                          "billing/report.py": "Z = 2\n",  # no __init__.py: a namespace package
                          "fraud/ghost.py": "from billing.report import Z\n"})
    _, project = scan_repo(tmp_path)
    imports = project.imports
    assert [(e.importer, e.target, e.line) for e in imports.edges] == [
        ("fraud/train.py", "churn/data.py", 1), ("fraud/train.py", "churn/data.py", 2)]
    drawn = sorted((u, v, d["line"]) for u, v, d in project.graph.edges(data=True) if d["kind"] == "imports")
    assert drawn == [("module:fraud/train.py", "module:churn/data.py", 1),
                     ("module:fraud/train.py", "module:churn/data.py", 2)]
    assert imports.imported == {"churn/data.py"} and imports.reaches("fraud/train.py", "churn/data.py")
    # an import names the component it belongs to, also where it resolves to no file (billing has no package)
    assert project.components.links == {"fraud/ghost.py": ("billing",), "fraud/train.py": ("churn",)}
    assert "billing/report.py" in project.components.reach("fraud")
    assert not project.components.disjoint("fraud", "churn") and not project.components.disjoint("fraud", "billing")
    assert project.components.disjoint("churn", "billing")


def test_metrics_and_ds301_read_one_list_of_shared_signals(tmp_path):
    files = {
        "churn/train.py": "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
                          "df = pd.read_csv('data/warehouse/customers.csv')\n"
                          "LogisticRegression().fit(df[['tenure', 'session_len']], df['churned'])\n",
        "fraud/train.py": "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
                          "df = pd.read_csv('data/warehouse/customers.csv')\n"
                          "LogisticRegression().fit(df[['tenure', 'session_len']], df['is_fraud'])\n",
    }
    write_repo(tmp_path, files)
    report, project = scan_repo(tmp_path, {"rules": {"DS301": {"ignore": ["session_*"]}}})
    assert [s.name for s in project.signals.shared] == ["tenure"]
    assert report.metrics["signals"]["shared_signals"] == 1
    assert {(f.path, f.line) for f in report.findings if f.code == "DS301"} == {
        ("churn/train.py", 4), ("fraud/train.py", 4)}
    settings = parse_section(tmp_path / "pyproject.toml", {"rules": {"DS301": {"raw-inputs": True}}}).shared_signals
    assert settings == SharedSignalSettings(raw_inputs=True)


def _run_without_rich(code: str) -> subprocess.CompletedProcess:
    blocker = textwrap.dedent("""
        import sys
        class BlockRich:
            def find_spec(self, name, path=None, target=None):
                if name == "rich" or name.startswith("rich."):
                    raise ImportError("rich is blocked in this test")
                return None
        sys.meta_path.insert(0, BlockRich())
    """)
    return subprocess.run([sys.executable, "-c", blocker + textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=str(PACKAGE.parent))


def test_the_rule_registry_and_the_metrics_load_without_rich(tmp_path):
    write_repo(tmp_path, {"a.py": "import pandas as pd\npd.read_csv('data/x.csv').to_csv('data/y.csv')\n",
                          "b.py": "import pandas as pd\npd.read_csv('data/y.csv')\n"})
    proc = _run_without_rich(f"""
        from pathlib import Path
        from debtscan.rules.registry import load_rules
        from debtscan.testing import scan_repo
        rules = load_rules().rules
        assert "DS201" in rules and "DS101" in rules, sorted(rules)
        report, project = scan_repo(Path({str(tmp_path)!r}))
        assert report.metrics["pipeline"]["handoffs"] == 1, report.metrics["pipeline"]
        assert report.findings and report.rules, (report.findings, report.rules)
        assert "rich" not in sys.modules
        print("ok")
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
    # the blocker itself works: a console renderer does need rich
    proc = _run_without_rich("import debtscan.report.console\n")
    assert proc.returncode != 0 and "rich is blocked" in proc.stderr


def test_the_metric_providers_are_a_list_and_importing_them_registers_nothing():
    from debtscan.metrics import providers

    assert [name for name, _ in providers.PROVIDERS] == [
        "composition", "glue_code_ratio", "ml_code_ratio", "pipeline", "signals"]
    source = (PACKAGE / "metrics").glob("*.py")
    for path in source:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_calls = [n for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
        assert not top_calls, f"{path.name}: a call at import time"
        decorated = [d for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) for d in n.decorator_list]
        assert not decorated, f"{path.name}: a decorator registers a function at import time"
