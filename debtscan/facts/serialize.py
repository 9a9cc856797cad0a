"""Dataclass facts to plain JSON-able data and back.

Every fact class is registered by name; dataclass instances become dicts tagged with ``"_"`` so that
union-typed fields (symbolic values, for one) come back as the class they were.
"""
from __future__ import annotations

import dataclasses
import enum
import sys
import typing
from functools import lru_cache
from typing import Any, Dict, Type

_REGISTRY: Dict[str, Type[Any]] = {}
# Slotted where the interpreter allows it: facts of every file stay in memory for the whole-project graph,
# and a slotted fact takes about a quarter of the memory of one with a __dict__.
_SLOTS = {"slots": True} if sys.version_info >= (3, 10) else {}
_TUPLE_FIELDS: Dict[Type[Any], frozenset] = {}


def fact(cls):
    """Class decorator: a frozen, slotted-by-convention dataclass registered for (de)serialisation."""
    cls = dataclasses.dataclass(frozen=True, **_SLOTS)(cls)
    _REGISTRY[cls.__name__] = cls
    _TUPLE_FIELDS[cls] = frozenset(
        f.name for f in dataclasses.fields(cls) if str(f.type).lower().startswith(("tuple", "typing.tuple"))
    )
    return cls


@lru_cache(maxsize=None)
def enum_fields(cls: type) -> Dict[str, type]:
    """The fields of a fact class typed with an enumeration (serialised as the member's value)."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)
            if isinstance(hints.get(f.name), type) and issubclass(hints[f.name], enum.Enum)}


def to_data(obj: Any) -> Any:
    """Turn facts into JSON-able data (dicts, lists, scalars)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {"_": type(obj).__name__}
        for f in dataclasses.fields(obj):
            out[f.name] = to_data(getattr(obj, f.name))
        return out
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, (list, tuple)):
        return [to_data(x) for x in obj]
    if isinstance(obj, dict):
        return {k: to_data(v) for k, v in obj.items()}
    return obj


def from_data(data: Any) -> Any:
    """Inverse of :func:`to_data`."""
    if isinstance(data, dict):
        tag = data.get("_")
        if tag is not None:
            cls = _REGISTRY[tag]
            tuple_fields = _TUPLE_FIELDS[cls]
            enums = enum_fields(cls)
            kwargs = {}
            for key, value in data.items():
                if key == "_":
                    continue
                value = from_data(value)
                if key in tuple_fields and isinstance(value, list):
                    value = tuple(value)
                elif key in enums:
                    value = enums[key](value)
                kwargs[key] = value
            return cls(**kwargs)
        return {k: from_data(v) for k, v in data.items()}
    if isinstance(data, list):
        return [from_data(x) for x in data]
    return data
