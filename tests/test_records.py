"""A record is the dataclass ``dataclasses.dataclass`` makes with the same options: each class shape below
is declared twice, once with each, and every behaviour is compared between the two."""
from __future__ import annotations

import ast
import copy
import dataclasses
import inspect
import pickle
import sys
from dataclasses import FrozenInstanceError, field
from pathlib import Path
from typing import Optional, Tuple

import pytest

from debtscan.records import record

PACKAGE = Path(__file__).resolve().parent.parent / "debtscan"
SLOTS = sys.version_info >= (3, 10)


def declare(decorator, options):
    """The same class bodies, decorated by ``decorator(**options)``; kept at module level for pickling."""
    class Point:
        """A point."""
        x: int
        y: int = 0
        tags: Tuple[str, ...] = ()
        notes: list = field(default_factory=list)
        cache: Optional[dict] = field(default=None, repr=False, compare=False)

    class Empty:
        """Nothing."""

    class One:
        """One field."""
        value: float

    class Hashed:
        """Own hash."""
        a: int

        def __hash__(self):
            return 7

    class OwnEq:
        """Own eq, no own hash."""
        a: int

        def __eq__(self, other):
            return True

    made = {}
    for cls in (Point, Empty, One, Hashed, OwnEq):
        made[cls.__name__] = decorator(**options)(cls)
    return made


SHAPES = [
    {"frozen": True},
    {"frozen": True, "slots": True},
    {"frozen": False},
    {"frozen": True, "eq": False},
    {"frozen": True, "order": True},
    {"frozen": False, "eq": False},
]


def _slot_options(options):
    return {k: v for k, v in options.items() if k != "slots" or SLOTS}


def _register(made, prefix):
    module = sys.modules[__name__]
    for name, cls in made.items():
        cls.__qualname__ = cls.__name__ = f"{prefix}{name}"
        setattr(module, cls.__qualname__, cls)
    return made


CASES = []
for number, shape in enumerate(SHAPES):
    options = _slot_options(shape)
    theirs = _register(declare(dataclasses.dataclass, options), f"DC{number}_")
    ours = _register(declare(record, options), f"RC{number}_")
    CASES.append(pytest.param(theirs, ours, options, id=",".join(f"{k}={v}" for k, v in shape.items())))


def both(theirs, ours, name, *args, **kwargs):
    return theirs[name](*args, **kwargs), ours[name](*args, **kwargs)


def outcome(action):
    try:
        return ("value", action())
    except Exception as error:  # noqa: BLE001 - the exception is what is compared
        return ("raised", type(error), str(error).replace("DC", "XC").replace("RC", "XC"))


def same_repr(a, b):
    return repr(a).replace("DC", "XC", 1) == repr(b).replace("RC", "XC", 1)


@pytest.mark.parametrize("theirs,ours,options", CASES)
def test_fields_params_and_layout_are_the_dataclass_ones(theirs, ours, options):
    for name in theirs:
        dc, rc = theirs[name], ours[name]
        assert dataclasses.is_dataclass(rc)
        assert [(f.name, f.type, f.default, f.default_factory, f.repr, f.compare, f.hash)
                for f in dataclasses.fields(dc)] == [
            (f.name, f.type, f.default, f.default_factory, f.repr, f.compare, f.hash) for f in dataclasses.fields(rc)]
        for flag in ("init", "repr", "eq", "order", "frozen", "unsafe_hash"):
            assert getattr(dc.__dataclass_params__, flag) == getattr(rc.__dataclass_params__, flag), flag
        assert getattr(dc, "__match_args__", None) == getattr(rc, "__match_args__", None)
        assert getattr(dc, "__slots__", None) == getattr(rc, "__slots__", None)
        assert (dc.__hash__ is None) == (rc.__hash__ is None)
        assert rc.__doc__ == dc.__doc__


@pytest.mark.parametrize("theirs,ours,options", CASES)
def test_construction_equality_hash_order_and_repr_agree(theirs, ours, options):
    d1, r1 = both(theirs, ours, "Point", 1, 2, ("a",), cache={"k": 1})
    d2, r2 = both(theirs, ours, "Point", x=1, y=2, tags=("a",), cache={"other": 2})
    d3, r3 = both(theirs, ours, "Point", 1)
    assert same_repr(d1, r1) and same_repr(d3, r3)
    assert r1.notes == [] and r1.notes is not r2.notes  # a fresh default_factory value per instance
    assert (d1 == d2, d1 == d3, d1 != d3) == (r1 == r2, r1 == r3, r1 != r3)
    assert (d1 == "x") == (r1 == "x") and (r1.__eq__(r2.x) is NotImplemented) == (d1.__eq__(d2.x) is NotImplemented)
    if theirs["Point"].__hash__ is not None:
        if options.get("eq", True):  # (a list field makes the tuple unhashable: the same error both ways)
            assert outcome(lambda: hash(d1) == hash(d2)) == outcome(lambda: hash(r1) == hash(r2))
            d4, r4 = both(theirs, ours, "Point", 1, 2, ("a",), None, cache={"k": 1})
            assert hash(r4) == hash(d4)
        else:
            assert hash(r1) != hash(r2)  # identity hash, like the dataclass's
    if options.get("order"):
        assert (d1 < d3, d3 < d1, d1 <= d2, d1 >= d3, d1 > d3) == (r1 < r3, r3 < r1, r1 <= r2, r1 >= r3, r1 > r3)
        assert outcome(lambda: r1 < 3)[:2] == outcome(lambda: d1 < 3)[:2]
    for name, args in (("Empty", ()), ("One", (float("nan"),)), ("Hashed", (1,)), ("OwnEq", (1,))):
        d, r = both(theirs, ours, name, *args)
        dd, rr = both(theirs, ours, name, *args)
        assert same_repr(d, r)
        assert (d == d, d == dd) == (r == r, r == rr)
        if type(d).__hash__ is not None:
            assert (hash(d) == hash(dd)) == (hash(r) == hash(rr))
            if hash(d) == hash(dd):  # a hash of the fields (not of the identity): the same number
                assert hash(r) == hash(d)
    for args, kwargs in (((), {}), ((1, 2, 3, 4, 5, 6), {}), ((1,), {"x": 2}), ((1,), {"z": 2})):
        assert outcome(lambda: theirs["Point"](*args, **kwargs))[:2] == outcome(lambda: ours["Point"](*args, **kwargs))[:2]


@pytest.mark.parametrize("theirs,ours,options", CASES)
def test_frozen_assignment_replace_copy_and_pickle_agree(theirs, ours, options):
    d, r = both(theirs, ours, "Point", 1, 2, ("a",))
    for action in (lambda o: setattr(o, "x", 5), lambda o: delattr(o, "y"), lambda o: setattr(o, "other", 1)):
        theirs_did, ours_did = outcome(lambda: action(d)), outcome(lambda: action(r))
        if options.get("slots") and options["frozen"]:
            # a slotted frozen dataclass's __setattr__ refers to the class before slots were added (it
            # raises TypeError for an attribute that is not a field before Python 3.12): a record's refers
            # to the class itself and refuses every assignment as FrozenInstanceError
            assert ours_did[:2] == ("raised", FrozenInstanceError)
        else:
            assert theirs_did == ours_did
    changed = dataclasses.replace(r, y=9)
    assert type(changed) is type(r) and changed.y == 9 and changed.x == r.x
    assert dataclasses.asdict(r) == dataclasses.asdict(d)
    assert dataclasses.astuple(r) == dataclasses.astuple(d)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(r, protocol))
        assert type(back) is type(r) and dataclasses.astuple(back) == dataclasses.astuple(r)
    for copied in (copy.copy(r), copy.deepcopy(r)):
        assert dataclasses.astuple(copied) == dataclasses.astuple(r)
    if options.get("slots"):
        assert not hasattr(r, "__dict__")


def test_init_is_compiled_by_the_first_call_and_reports_the_dataclass_signature():
    @record(frozen=True)
    class Late:
        """Late."""
        a: int
        b: str = "x"

    assert "a" not in inspect.signature(Late).parameters  # nothing compiled yet
    Late(1)
    assert str(inspect.signature(Late)) == "(a, b='x')"
    with pytest.raises(TypeError, match=r"(Late\.)?__init__\(\) missing 1 required positional argument: 'a'"):
        Late()


def test_post_init_runs_after_the_fields_are_set():
    seen = []

    @record
    class Positions:
        """Positions."""
        text: str
        lines: list = field(default_factory=list)

        def __post_init__(self):
            seen.append((self.text, self.lines))

    Positions("a", [1])
    assert seen == [("a", [1])]


@pytest.mark.parametrize("body,message", [
    ("a: int = 1\n    b: int", "non-default argument 'b' follows default argument"),
    ("a: int = dataclasses.field(default=1, init=False)", "init=False"),
])
def test_unsupported_or_wrong_declarations_fail_when_declared(body, message):
    namespace = {"record": record, "dataclasses": dataclasses}
    with pytest.raises(TypeError, match=message):
        exec(f"@record(frozen=True)\nclass Bad:\n    {body}\n", namespace)  # noqa: S102 - a class statement


def test_a_record_cannot_inherit_from_a_dataclass():
    @dataclasses.dataclass
    class Base:
        a: int

    with pytest.raises(TypeError, match="cannot inherit from the dataclass Base"):
        @record
        class Child(Base):
            b: int = 0


def test_debtscan_declares_its_classes_as_records():
    """Every class debtscan declares is a record: a plain ``@dataclass`` would bring back the compiled
    methods' cost at import (a cold scan's imports paid ~0.1 s for them)."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if ast.unparse(target) in ("dataclass", "dataclasses.dataclass"):
                        offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}")
    assert offenders == []
