"""Every variant of a configuration switch that the code names.

A script often picks its data by one module-level switch (``dataset = 'openwebtext'``) that configuration
files override: nanoGPT's ``train.py`` executes ``configurator.py``, which runs the configuration file given on
the command line (``config/train_shakespeare_char.py`` sets ``dataset = 'shakespeare_char'``). Following only
the default would miss every other dataset the repository prepares. Here a switch is a module-level string
constant of a script that also reads a Python file (the ``exec(open(...).read())`` configurator idiom), and
its variants are the literal values that configuration modules (``.py`` files in a ``config``/``configs``/
``conf`` folder of the same project) assign to the same name.

The extractor inlines constants into path values (``PathJoin(Lit('data'), Lit('openwebtext'))``), so a read
or write of the script whose path holds the switch's default as a whole literal gets the variants as a
:class:`~debtscan.facts.values.Choice` of the literals. Cost: O(constants of configuration modules) to
collect, O(size of a path value) per I/O fact of a switched script.
"""
from __future__ import annotations

import posixpath
from dataclasses import replace
from typing import Callable, Dict, Mapping, Tuple

from debtscan.facts.model import FileFacts, IOFact, IOMode
from debtscan.facts.values import Choice, Concat, Format, Lit, PathJoin, PathOp, Sym

CONFIG_FOLDERS = frozenset({"config", "configs", "conf", "configurations"})
MAX_VARIANTS = 8

#: script -> {default literal -> the other literals configuration modules give the same switch}
Variants = Dict[str, Dict[str, Tuple[str, ...]]]


def _is_config_module(path: str) -> bool:
    return path.endswith(".py") and any(p in CONFIG_FOLDERS for p in path.split("/")[:-1])


def _execs_python(facts: FileFacts) -> bool:
    """Whether the script reads a Python file (``exec(open("configurator.py").read())``)."""
    for io in facts.io:
        if io.mode is IOMode.READ and isinstance(io.path, Lit) and isinstance(io.path.value, str) \
                and io.path.value.endswith(".py"):
            return True
    return False


def switch_variants(facts: Mapping[str, FileFacts], project_of: Callable[[str], str]) -> Variants:
    """The switches of every script and their variants (see the module's docstring)."""
    assigned: Dict[Tuple[str, str], set] = {}  # (project, constant name) -> literal values in config modules
    for path in sorted(facts):
        if not _is_config_module(path):
            continue
        for constant in facts[path].constants:
            value = constant.value
            if isinstance(value, Lit) and isinstance(value.value, str) and "/" not in value.value:
                assigned.setdefault((project_of(path), constant.name), set()).add(value.value)
    if not assigned:
        return {}
    out: Variants = {}
    for path in sorted(facts):
        if _is_config_module(path) or not _execs_python(facts[path]):
            continue
        project = project_of(path)
        for constant in facts[path].constants:
            value = constant.value
            if not (isinstance(value, Lit) and isinstance(value.value, str)) or not value.value:
                continue
            others = sorted(assigned.get((project, constant.name), set()) - {value.value})
            if others:
                out.setdefault(path, {})[value.value] = tuple(others[:MAX_VARIANTS])
    return out


def with_variants(fact: IOFact, variants: Mapping[str, Tuple[str, ...]]) -> IOFact:
    """``fact`` with each whole literal that is a switch's default replaced by the choice of its variants."""
    path = _substitute(fact.path, variants, 0)
    return fact if path is fact.path else replace(fact, path=path)


def _substitute(value: Sym, variants: Mapping[str, Tuple[str, ...]], depth: int) -> Sym:
    if depth > 20:
        return value
    kind = type(value)
    if kind is Lit:
        others = variants.get(value.value) if isinstance(value.value, str) else None
        return Choice((value,) + tuple(Lit(o) for o in others)) if others else value
    if kind in (PathJoin, Concat):
        parts = tuple(_substitute(p, variants, depth + 1) for p in value.parts)
        return value if all(a is b for a, b in zip(parts, value.parts)) else kind(parts)
    if kind is Format:
        args = tuple(_substitute(a, variants, depth + 1) for a in value.args)
        kwvalues = tuple(_substitute(a, variants, depth + 1) for a in value.kwvalues)
        if all(a is b for a, b in zip(args + kwvalues, value.args + value.kwvalues)):
            return value
        return replace(value, args=args, kwvalues=kwvalues)
    if kind is PathOp:
        base = _substitute(value.base, variants, depth + 1)
        return value if base is value.base else replace(value, base=base)
    return value


__all__ = ["CONFIG_FOLDERS", "Variants", "switch_variants", "with_variants"]
