"""Resolving symbolic path expressions to repo-relative paths or patterns, across files.

A resolved path is a POSIX string relative to the scan root, where ``*`` stands for any part that could
not be known statically (``data/fold_*.pkl``). ``exact`` tells whether any wildcard was needed.
"""
from __future__ import annotations

import fnmatch
import itertools
import posixpath
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

from debtscan.facts.values import (
    Choice, Concat, Format, Here, Lit, Param, PathJoin, PathOp, Ref, Seq, Sym, Unknown,
)

WILDCARD = "*"
_MAX_VARIANTS = 16
_BRACE = re.compile(r"\{([^{}]*)\}")
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")


@dataclass(frozen=True)
class ResolvedPath:
    """A path as far as the code determines it: ``base`` says how relative paths were anchored."""

    path: str
    exact: bool
    base: str = "root"


class ConstantTable:
    """Module-level constants and import aliases of the whole repo, for cross-file resolution."""

    def __init__(self) -> None:
        self.values: Dict[str, Sym] = {}
        self.aliases: Dict[str, str] = {}
        self.files: Dict[str, str] = {}

    def add_module(self, module: str, path: str, constants: Iterable, imports: Iterable) -> None:
        self.files[module] = path
        for constant in constants:
            self.values[f"{module}.{constant.name}"] = constant.value
        for imported in imports:
            if imported.alias != "*":
                self.aliases[f"{module}.{imported.alias}"] = imported.target

    def lookup(self, name: str, depth: int = 0) -> Optional[Sym]:
        if depth > 8:
            return None
        if name in self.values:
            return self.values[name]
        if name in self.aliases and self.aliases[name] != name:
            return self.lookup(self.aliases[name], depth + 1)
        return None


class Resolver:
    """Turns a Sym into candidate strings; unknown parts become ``*``."""

    def __init__(self, constants: ConstantTable) -> None:
        self.constants = constants

    def strings(self, value: Sym, module_file: str, depth: int = 0) -> List[Tuple[str, bool]]:
        """Every string the value may be: (text, exact) pairs, at most a few variants."""
        if depth > 25:
            return [(WILDCARD, False)]
        kind = type(value)
        if kind is Lit:
            if isinstance(value.value, (str, int, float)) and not isinstance(value.value, bool):
                return [(str(value.value), True)]
            return [(WILDCARD, False)]
        if kind is Ref:
            target = self.constants.lookup(value.name)
            if target is None:
                return [(WILDCARD, False)]
            defining_module = value.name.rpartition(".")[0]
            return self.strings(target, self.constants.files.get(defining_module, module_file), depth + 1)
        if kind is Concat:
            return self._product([self.strings(p, module_file, depth + 1) for p in value.parts], "")
        if kind is PathJoin:
            parts = [self.strings(p, module_file, depth + 1) for p in value.parts]
            return [(_join(texts), exact) for texts, exact in self._combos(parts)]
        if kind is Format:
            return self._format(value, module_file, depth)
        if kind is PathOp:
            return [(_path_op(value.op, text, value.arg, self, module_file, depth), exact)
                    for text, exact in self.strings(value.base, module_file, depth + 1)]
        if kind is Here:
            return [("@here/" + posixpath.basename(module_file), True)]
        if kind is Param:
            if value.default is not None:
                return [(text, False) for text, _ in self.strings(value.default, module_file, depth + 1)]
            return [(WILDCARD, False)]
        if kind is Choice:
            out: List[Tuple[str, bool]] = []
            for option in value.options:
                out.extend(self.strings(option, module_file, depth + 1))
            return _dedupe(out)[:_MAX_VARIANTS]
        if kind is Seq:
            return [(WILDCARD, False)]
        return [(WILDCARD, False)]

    def _combos(self, parts: List[List[Tuple[str, bool]]]):
        total = 1
        for p in parts:
            total *= max(1, len(p))
        if total > _MAX_VARIANTS:
            parts = [p if len(p) == 1 else [(WILDCARD, False)] for p in parts]
        for combo in itertools.product(*parts):
            yield [text for text, _ in combo], all(exact for _, exact in combo)

    def _product(self, parts, sep: str) -> List[Tuple[str, bool]]:
        return _dedupe([(sep.join(texts), exact) for texts, exact in self._combos(parts)])

    def _format(self, value: Format, module_file: str, depth: int) -> List[Tuple[str, bool]]:
        out = []
        for template, template_exact in self.strings(value.template, module_file, depth + 1):
            args = [self.strings(a, module_file, depth + 1) for a in value.args]
            kwargs = [self.strings(a, module_file, depth + 1) for a in value.kwvalues]
            for combo, exact in self._combos(args + kwargs):
                positional = combo[: len(args)]
                named = dict(zip(value.kwnames, combo[len(args):]))
                text, filled = _fill(template, positional, named, value.style)
                out.append((text, exact and template_exact and filled))
        return _dedupe(out)[:_MAX_VARIANTS]


def _fill(template: str, positional: List[str], named: Dict[str, str], style: str) -> Tuple[str, bool]:
    complete = True
    counter = iter(range(10_000))
    if style == "percent":
        index = iter(range(10_000))

        def percent(match: "re.Match[str]") -> str:
            nonlocal complete
            if match.group(0) == "%%":
                return "%"
            i = next(index)
            if i < len(positional):
                return positional[i]
            complete = False
            return WILDCARD
        return _PERCENT.sub(percent, template), complete

    def brace(match: "re.Match[str]") -> str:
        nonlocal complete
        field_name = match.group(1).split(":")[0].split("!")[0]
        if field_name == "":
            i = next(counter)
            if i < len(positional):
                return positional[i]
        elif field_name.isdigit() and int(field_name) < len(positional):
            return positional[int(field_name)]
        elif field_name in named:
            return named[field_name]
        complete = False
        return WILDCARD
    return _BRACE.sub(brace, template), complete


def _join(texts: List[str]) -> str:
    result = ""
    for text in texts:
        if not text:
            continue
        if text.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", text) or text.startswith("~") or text.startswith("@here"):
            result = text
        elif not result:
            result = text
        else:
            result = result.rstrip("/") + "/" + text
    return result or "."


def _path_op(op: str, text: str, arg: Optional[Sym], resolver: Resolver, module_file: str, depth: int) -> str:
    if op in ("abspath", "normpath", "expanduser"):
        return text
    if op == "dirname":
        text = text.rstrip("/")
        if text == "@here" or posixpath.basename(text) == "..":
            return text + "/.."
        return posixpath.dirname(text) or "."
    if op == "basename":
        return posixpath.basename(text.rstrip("/")) or WILDCARD
    if op == "stem":
        name = posixpath.basename(text)
        return posixpath.splitext(name)[0] or WILDCARD
    if op == "suffix":
        return posixpath.splitext(text)[1]
    if op in ("with_suffix", "with_name") and arg is not None:
        new = resolver.strings(arg, module_file, depth + 1)[0][0]
        if op == "with_suffix":
            return posixpath.splitext(text)[0] + new
        return posixpath.join(posixpath.dirname(text), new)
    return WILDCARD


def _dedupe(items: List[Tuple[str, bool]]) -> List[Tuple[str, bool]]:
    seen = {}
    for text, exact in items:
        seen[text] = seen.get(text, True) and exact
    return list(seen.items())


def normalise(text: str, module_file: str) -> Optional[ResolvedPath]:
    """A resolved string as a repo-relative path (``None`` when it names nothing useful)."""
    exact = WILDCARD not in text
    if text.startswith("@here/"):
        directory = posixpath.dirname(module_file)
        text = text[len("@here/"):]
        text = posixpath.normpath(posixpath.join(directory, text))
        base = "file"
    else:
        base = "root"
    text = text.replace("\\", "/")
    if text.startswith("./"):
        text = text[2:]
    if not text or text in (WILDCARD, ".", "/"):
        return None
    if text.startswith("/") or text.startswith("~") or re.match(r"^[A-Za-z]:/", text):
        return ResolvedPath(text, exact, "absolute")
    normal = posixpath.normpath(text)
    if normal.strip("*/.") == "":
        return None
    return ResolvedPath(normal, exact, base)


def matches(pattern_a: str, pattern_b: str) -> bool:
    """Whether two resolved paths (either may hold wildcards) can name the same file."""
    if pattern_a == pattern_b:
        return True
    if WILDCARD in pattern_a and fnmatch.fnmatchcase(pattern_b, pattern_a):
        return True
    if WILDCARD in pattern_b and fnmatch.fnmatchcase(pattern_a, pattern_b):
        return True
    return False
