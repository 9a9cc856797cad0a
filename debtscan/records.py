"""Record classes: dataclasses that cost next to nothing to declare (standard library only).

``dataclasses.dataclass`` writes the source of five to seven methods for every class and compiles each with
``exec`` when the class statement runs. debtscan declares some 180 record classes (the facts, the project
model, the findings, the report), and a cold scan paid about a tenth of a second for those compilations
before it read a file. :func:`record` declares the same dataclass: ``dataclasses.fields``, ``replace``,
``asdict``, ``is_dataclass``, ``__match_args__``, ``__slots__``, pickling and copying, and what each method
does are those of ``dataclasses.dataclass`` with the same options (``tests/test_records.py`` compares the
two class by class). Only how the methods come to exist differs:

- ``__eq__``, ``__hash__``, the ordering methods, ``__repr__`` and a frozen class's ``__setattr__`` and
  ``__delattr__`` are closures over the class's field names, made without compiling anything (one
  :func:`operator.attrgetter` builds the tuple that the generated methods build);
- ``__init__``, the one method whose speed matters (facts are created by the hundred thousand), is compiled
  as ``dataclasses`` would compile it, by its first call: a class that a run never instantiates never
  compiles one.

Two differences are deliberate: a class without a docstring keeps none (``dataclasses`` writes its
signature there), and ``inspect.signature`` of a class reads ``(*args, **kwargs)`` until the class is first
instantiated. A record may not inherit from a dataclass, nor declare ``InitVar``, ``kw_only`` or
``init=False`` fields (none is used here): declaring one raises ``TypeError`` at once.
"""
from __future__ import annotations

import dataclasses
import sys
from _thread import get_ident
from dataclasses import MISSING, FrozenInstanceError
from operator import attrgetter
from typing import Any, Callable, Sequence, Tuple

__all__ = ["record"]

_SLOTS_SUPPORTED = sys.version_info >= (3, 10)
_FIELD_BY_FIELD_EQ = sys.version_info >= (3, 13)
_INITVAR = getattr(dataclasses, "_FIELD_INITVAR", None)
_ORDER = (("__lt__", tuple.__lt__), ("__le__", tuple.__le__), ("__gt__", tuple.__gt__), ("__ge__", tuple.__ge__))


class _NoArgument:
    """The default of an ``__init__`` parameter whose field has a ``default_factory``."""

    def __repr__(self) -> str:
        return "<factory>"


_NO_ARGUMENT = _NoArgument()


def record(cls: Any = None, /, *, frozen: bool = False, eq: bool = True, order: bool = False,
           slots: bool = False) -> Any:
    """``@record`` / ``@record(frozen=True, eq=..., order=..., slots=...)``: the class as
    ``dataclasses.dataclass`` with those options makes it (``slots`` only where the interpreter has them)."""
    def wrap(cls: Any) -> Any:
        return _make(cls, frozen=frozen, eq=eq, order=order, slots=slots and _SLOTS_SUPPORTED)

    return wrap if cls is None else wrap(cls)


def _make(cls: Any, *, frozen: bool, eq: bool, order: bool, slots: bool) -> Any:
    if order and not eq:
        raise ValueError("eq must be true if order is true")
    for base in cls.__mro__[1:]:
        if dataclasses.is_dataclass(base):
            raise TypeError(f"record {cls.__name__} cannot inherit from the dataclass {base.__name__}")
    own = cls.__dict__
    for name, _test in _ORDER if order else ():
        if name in own:
            raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}. "
                            f"Consider using functools.total_ordering")
    for name in ("__setattr__", "__delattr__") if frozen else ():
        if name in own:
            raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
    # dataclasses' hash rule: a class that wrote its own __hash__ keeps it (writing only __eq__ sets
    # __hash__ to None, which does not count as writing one)
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    own_repr, own_eq, own_init = "__repr__" in own, "__eq__" in own, "__init__" in own
    options = {"slots": True} if slots else {}
    cls = dataclasses.dataclass(init=False, repr=False, eq=False, **options)(cls)
    fields = dataclasses.fields(cls)
    _check_fields(cls, fields)
    params = cls.__dataclass_params__
    params.init, params.repr, params.eq, params.order, params.frozen = True, True, eq, order, frozen
    names = tuple(f.name for f in fields)
    compared = tuple(f.name for f in fields if f.compare)
    if not own_init:
        cls.__init__ = _lazy_init(cls, fields, frozen)
    if not own_repr:
        cls.__repr__ = _repr(tuple(f.name for f in fields if f.repr))
    if eq and not own_eq:
        cls.__eq__ = _eq(compared)
    if not explicit_hash:
        if eq and frozen:
            cls.__hash__ = _hash(_tuple_getter(tuple(
                f.name for f in fields if (f.compare if f.hash is None else f.hash))))
        elif eq:
            cls.__hash__ = None
    if order:
        as_tuple = _tuple_getter(compared)
        for name, test in _ORDER:
            setattr(cls, name, _compare(name, test, as_tuple))
    if frozen:
        cls.__setattr__, cls.__delattr__ = _frozen(cls, frozenset(names))
        if slots:
            if "__getstate__" not in cls.__dict__:
                cls.__getstate__ = _getstate(names)
            if "__setstate__" not in cls.__dict__:
                cls.__setstate__ = _setstate(names)
    for name, method in list(cls.__dict__.items()):
        if getattr(method, "__module__", None) == __name__ and callable(method):
            method.__qualname__ = f"{cls.__qualname__}.{name}"
    return cls


def _check_fields(cls: Any, fields: Sequence[dataclasses.Field]) -> None:
    declared = cls.__dataclass_fields__.values()
    if _INITVAR is not None and any(getattr(f, "_field_type", None) is _INITVAR for f in declared):
        raise TypeError(f"record {cls.__qualname__}: InitVar fields are not supported")
    seen_default = False
    for f in fields:
        if not f.init or getattr(f, "kw_only", False) is True:
            raise TypeError(f"record {cls.__qualname__}: field {f.name} is init=False or kw_only, "
                            f"which records do not support")
        if f.name == "self":
            raise TypeError(f"record {cls.__qualname__}: a field may not be named self")
        has_default = f.default is not MISSING or f.default_factory is not MISSING
        if seen_default and not has_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
        seen_default = seen_default or has_default


def _lazy_init(cls: Any, fields: Sequence[dataclasses.Field], frozen: bool) -> Callable[..., None]:
    """An ``__init__`` that compiles the class's real one, puts it in its place and runs it."""
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if cls.__dict__.get("__init__") is __init__:
            cls.__init__ = _compile_init(cls, fields, frozen)
        cls.__dict__["__init__"](self, *args, **kwargs)

    return __init__


def _compile_init(cls: Any, fields: Sequence[dataclasses.Field], frozen: bool) -> Callable[..., None]:
    """``__init__`` as ``dataclasses`` writes it: positional-or-keyword parameters in field order, a frozen
    class's fields set through ``object.__setattr__``, a fresh ``default_factory()`` value per instance."""
    namespace = {"__object_setattr": object.__setattr__, "__no_argument": _NO_ARGUMENT}
    params, lines = ["self"], []
    for f in fields:
        value = f.name
        if f.default is not MISSING:
            namespace[f"__default_{f.name}"] = f.default
            params.append(f"{f.name}=__default_{f.name}")
        elif f.default_factory is not MISSING:
            namespace[f"__factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=__no_argument")
            value = f"__factory_{f.name}() if {f.name} is __no_argument else {f.name}"
        else:
            params.append(f.name)
        lines.append(f"__object_setattr(self, {f.name!r}, {value})" if frozen else f"self.{f.name} = {value}")
    if hasattr(cls, "__post_init__"):
        lines.append("self.__post_init__()")
    source = f"def __init__({', '.join(params)}):\n" + "".join(f"    {line}\n" for line in lines or ["pass"])
    exec(compile(source, f"<record {cls.__module__}.{cls.__qualname__}>", "exec"), namespace)  # noqa: S102
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


def _tuple_getter(names: Tuple[str, ...]) -> Callable[[Any], tuple]:
    """``obj -> (obj.a, obj.b, ...)``: the tuple the generated ``__eq__``/``__hash__`` build."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _eq(names: Tuple[str, ...]) -> Callable[[Any, Any], Any]:
    """The ``__eq__`` of the running interpreter's ``dataclasses``: the fields' tuples compared, or from
    Python 3.13 the object itself and then field by field (``self.a == other.a and self.b == other.b``)."""
    if _FIELD_BY_FIELD_EQ:
        def __eq__(self, other):
            if self is other:
                return True
            if other.__class__ is self.__class__:
                result = True
                for name in names:
                    result = getattr(self, name) == getattr(other, name)
                    if not result:
                        return result
                return result
            return NotImplemented

        return __eq__
    as_tuple = _tuple_getter(names)

    def __eq__(self, other):  # noqa: F811 - the other interpreters' method
        if other.__class__ is self.__class__:
            return as_tuple(self) == as_tuple(other)
        return NotImplemented

    return __eq__


def _hash(as_tuple: Callable[[Any], tuple]) -> Callable[[Any], int]:
    def __hash__(self):
        return hash(as_tuple(self))

    return __hash__


def _compare(name: str, test: Callable[[tuple, tuple], Any], as_tuple: Callable[[Any], tuple]
             ) -> Callable[[Any, Any], Any]:
    def compare(self, other):
        if other.__class__ is self.__class__:
            return test(as_tuple(self), as_tuple(other))
        return NotImplemented

    compare.__name__ = name
    return compare


def _repr(names: Tuple[str, ...]) -> Callable[[Any], str]:
    """``Class(a=1, b='x')``, and ``...`` for an object met again while its own repr is being written."""
    running = set()

    def __repr__(self):
        key = id(self), get_ident()
        if key in running:
            return "..."
        running.add(key)
        try:
            inner = ", ".join([f"{name}={getattr(self, name)!r}" for name in names])
        finally:
            running.discard(key)
        return f"{self.__class__.__qualname__}({inner})"

    return __repr__


def _frozen(cls: Any, names: frozenset) -> Tuple[Callable[..., None], Callable[..., None]]:
    def __setattr__(self, name, value):
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self, name):
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __setattr__, __delattr__


def _getstate(names: Tuple[str, ...]) -> Callable[[Any], list]:
    def __getstate__(self):
        return [getattr(self, name) for name in names]

    return __getstate__


def _setstate(names: Tuple[str, ...]) -> Callable[[Any, Sequence[Any]], None]:
    def __setstate__(self, state):
        for name, value in zip(names, state):
            object.__setattr__(self, name, value)

    return __setstate__
