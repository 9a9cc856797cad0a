"""The right folder for a path: ``__file__`` is the file that contains it, and a module runs in the working
directory of the scripts that run it.

- A helper's I/O instantiated at a call from another module (:mod:`debtscan.project.pipeline.helpers`) keeps its
  own ``__file__``: ``os.path.join(os.path.dirname(__file__), "resources/channel_info.json")`` inside
  ``mimic3models/readers.py`` names ``mimic3models/resources/channel_info.json`` whoever calls it
  (:func:`pin_here`).
- A module that other modules import and no runner or ``__main__`` guard runs is no script: its relative
  paths are taken from the working directory of the scripts that import it (all of them agreeing; else it
  keeps its project's folder) (:func:`inherited_cwds`), never from its own folder.
"""
from __future__ import annotations

import posixpath
from typing import Callable, Dict, Iterable, Mapping, Optional, Set, Tuple

from debtscan.facts.model import FileFacts
from debtscan.facts.values import Choice, Concat, Format, Here, Lit, PathJoin, PathOp, Seq, Sym

HERE = "@repo/"  # the notation of debtscan.project.paths.HERE: ``__file__`` of a repo-relative file


def pin_here(value: Sym, helper_path: str, depth: int = 0) -> Sym:
    """``value`` with ``__file__`` replaced by the helper's own file (its name where a string is built
    around it: ``f"LOG/imp_{__file__}.csv"``)."""
    if depth > 30:
        return value
    kind = type(value)
    if kind is Here:
        return Lit(HERE + helper_path)
    if kind is Concat:
        return Concat(tuple(Lit(posixpath.basename(helper_path)) if position and type(part) is Here
                            else pin_here(part, helper_path, depth + 1)
                            for position, part in enumerate(value.parts)))
    if kind is PathJoin:
        return PathJoin(tuple(pin_here(p, helper_path, depth + 1) for p in value.parts))
    if kind is Format:
        return Format(pin_here(value.template, helper_path, depth + 1),
                      tuple(pin_here(a, helper_path, depth + 1) for a in value.args), value.kwnames,
                      tuple(pin_here(a, helper_path, depth + 1) for a in value.kwvalues), value.style)
    if kind is PathOp:
        arg = pin_here(value.arg, helper_path, depth + 1) if value.arg is not None else None
        return PathOp(value.op, pin_here(value.base, helper_path, depth + 1), arg)
    if kind is Choice:
        return Choice(tuple(pin_here(o, helper_path, depth + 1) for o in value.options))
    if kind is Seq:
        return Seq(tuple(pin_here(i, helper_path, depth + 1) for i in value.items))
    return value


def imported_only(facts: Mapping[str, FileFacts], importers: Mapping[str, Set[str]],
                  run: Iterable[str]) -> Set[str]:
    """Modules other modules import that nothing runs: no runner names them, no ``__main__`` guard, no
    notebook."""
    ran = set(run)
    return {path for path, by in importers.items()
            if by and path in facts and path not in ran and not facts[path].main_guard
            and not path.endswith(".ipynb") and not facts[path].notebook}


def inherited_cwds(modules: Iterable[str], importers: Mapping[str, Set[str]],
                   cwd_of: Callable[[str], Optional[str]], project_of: Callable[[str], str]) -> Dict[str, str]:
    """The working directory each imported-only module inherits from its importers, when they all agree
    (an importer without a known one runs from its project's folder). Importers that are themselves
    imported-only are followed first (``utils/io.py`` imported by ``utils/__init__.py`` imported by
    ``train.py``), at most a few levels. An undecided (module, level) is not walked again until
    some module is decided: near O(levels x import edges) (without that, a package whose modules import each
    other was walked once per path through its import graph: 12 million calls on a 2,000-file repository)."""
    pending = set(modules)
    out: Dict[str, str] = {}
    # (module, level) found to have no single folder, with how many modules were decided when that walk
    # began and still when it ended: its answer depends only on those decisions, which only grow, so it holds
    # until another module is decided
    undecided: Dict[Tuple[str, int], int] = {}

    def folder_of(path: str, depth: int) -> Optional[str]:
        if path in out:
            return out[path]
        if path in pending and depth < 6:
            decided = len(out)
            if undecided.get((path, depth)) == decided:
                return None
            found = {folder_of(i, depth + 1) for i in sorted(importers.get(path, ())) if i != path}
            found.discard(None)
            if len(found) == 1:
                out[path] = found.pop()
                return out[path]
            if len(out) == decided:
                undecided[(path, depth)] = decided
            return None
        cwd = cwd_of(path)
        return (cwd if cwd not in (None, ".") else ("" if cwd == "." else project_of(path)))

    for module in sorted(pending):
        folder_of(module, 0)
    return out


__all__ = ["imported_only", "inherited_cwds", "pin_here"]
