"""The fact classes: the decorator every fact is declared with, and the registry the store's codec decodes
facts by (:mod:`debtscan.store.codec`, the one encoding facts have on disk and between processes).

A fact is a frozen dataclass, declared as a :func:`debtscan.records.record` (slotted where the interpreter
allows it: the facts of every file stay in memory for the cross-file stage, and a slotted fact takes about a
quarter of the memory of one with a ``__dict__``). Its fields hold scalars, tuples, other facts, and members of the enumerations defined in the
modules that declare facts (registered with them, by class name).
"""
from __future__ import annotations

import enum
import sys
from typing import Any, Dict, Type

from debtscan.records import record

FACT_CLASSES: Dict[str, Type[Any]] = {}
"""Every fact class and every enumeration a fact may hold, by class name (the codec's registry)."""


def fact(cls):
    """Class decorator: a frozen (slotted) dataclass registered under its class name."""
    cls = record(frozen=True, slots=True)(cls)
    register(cls)
    return cls


def register(cls: Type[Any]) -> Type[Any]:
    """Register a fact class or an :class:`enum.Enum` facts hold (names are unique across both)."""
    known = FACT_CLASSES.get(cls.__name__)
    if known is not None and known is not cls and (known.__module__, known.__qualname__) != (
            cls.__module__, cls.__qualname__):
        raise TypeError(f"two fact classes are named {cls.__name__}: {known.__module__} and {cls.__module__}")
    FACT_CLASSES[cls.__name__] = cls
    return cls


def fact_classes() -> Dict[str, Type[Any]]:
    """The registry with the enumerations defined in the modules of ``debtscan.facts`` and of the fact
    classes registered so far (the caller imports the fact modules first: :mod:`debtscan.store.codec` does)."""
    modules = {cls.__module__ for cls in FACT_CLASSES.values()}
    modules.update(name for name in list(sys.modules) if name.startswith("debtscan.facts."))
    for name in sorted(modules):
        module = sys.modules.get(name)
        for value in list(vars(module).values()) if module is not None else ():
            if isinstance(value, type) and issubclass(value, enum.Enum) and value.__module__ == name:
                register(value)
    return FACT_CLASSES
