"""Which code is live: folders of abandoned work and statements that can never run are set apart.

Between the facts and the project: :func:`split_live` takes the facts of every file and returns

- the *live* facts, which the graph, the metrics and every other rule see: files in abandoned folders
  (``trash/``, ``old/``, ``archive/``... see :data:`DEAD_FOLDERS` and ``dead-folders``) are left out unless
  ``include-dead-folders = true``, and the reads, writes, runs, signals and models of statements that can
  never run (after ``assert False``, inside ``if False:``...) are dropped from a file's facts;
- a :class:`Liveness`: the abandoned folders (with their size) and the dead blocks, for the DS5xx rules.

A folder counts as abandoned only when no module outside it imports one of its modules: a
``deprecated/`` package that the library still imports is live code.
"""
from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import field, replace
from typing import Dict, List, Optional, Sequence, Tuple

from debtscan.facts.model import DeadBlockFact, FileFacts
from debtscan.records import record

DEAD_FOLDERS: Tuple[str, ...] = (
    "trash", "old", "archive", "archived", "deprecated", "unused", "backup", "backups", "obsolete", "attic",
    "graveyard", "discarded", "abandoned", "not_used", "notused", "old_code", "bak", "_old", "_archive",
)


@record(frozen=True)
class DeadFolder:
    """A folder of abandoned work: its files (repo-relative), their logical lines of code."""

    path: str
    files: Tuple[str, ...]
    code_lines: int
    analysed: bool = False


@record
class Liveness:
    """What :func:`split_live` set apart."""

    folders: List[DeadFolder] = field(default_factory=list)
    excluded: Dict[str, FileFacts] = field(default_factory=dict)
    dead_blocks: Dict[str, Tuple[DeadBlockFact, ...]] = field(default_factory=dict)

    def folder_of(self, path: str) -> Optional[DeadFolder]:
        for folder in self.folders:
            if path.startswith(folder.path + "/"):
                return folder
        return None


def _dead_component(path: str, names: Sequence[str]) -> Optional[str]:
    """The outermost folder of ``path`` whose name matches one of ``names`` (case-insensitive), or None."""
    parts = path.split("/")[:-1]
    for index, part in enumerate(parts):
        lowered = part.lower()
        for name in names:
            if lowered == name.lower() or fnmatch.fnmatchcase(lowered, name.lower()):
                return "/".join(parts[:index + 1])
    return None


def _imported_from_outside(folder: str, facts: Dict[str, FileFacts], modules: Dict[str, List[str]]) -> bool:
    """Whether a module outside ``folder`` imports a module inside it (resolved as the graph resolves
    imports: the unique module of that name, else the one in the importer's own folder)."""
    prefix = folder + "/"
    for path, fact in facts.items():
        if path.startswith(prefix):
            continue
        for imported in fact.imports:
            name = imported.target
            while name:
                candidates = modules.get(name)
                if candidates:
                    if len(candidates) == 1:
                        target = candidates[0]
                    else:
                        here = posixpath.dirname(path)
                        target = next((c for c in candidates if posixpath.dirname(c) == here), "")
                    if target.startswith(prefix):
                        return True
                    break
                name = name.rpartition(".")[0]
    return False


def _clip_to_cell(fact: FileFacts, block: DeadBlockFact) -> DeadBlockFact:
    """In a notebook, cells run one by one: what follows an ``assert False`` is dead only in its own cell."""
    for cell in fact.cells:
        start, end = cell.start_line, cell.start_line + cell.lines - 1
        if start <= block.at <= end:
            if block.line > end:
                return replace(block, line=end + 1, end_line=end)  # empty: nothing after it in this cell
            return replace(block, end_line=min(block.end_line, end))
    return block


def _without_dead_statements(fact: FileFacts, blocks: Tuple[DeadBlockFact, ...]) -> FileFacts:
    def live(line: int) -> bool:
        return not any(b.line <= line <= b.end_line for b in blocks)

    return replace(
        fact,
        io=tuple(x for x in fact.io if live(x.line)),
        runs=tuple(x for x in fact.runs if live(x.line)),
        path_calls=tuple(x for x in fact.path_calls if live(x.line)),
        signals=tuple(x for x in fact.signals if live(x.line)),
        models=tuple(x for x in fact.models if live(x.line)),
    )


def split_live(facts: Dict[str, FileFacts], config=None) -> Tuple[Dict[str, FileFacts], Liveness]:
    """The live facts and what was set apart; see the module docstring."""
    names = tuple(getattr(config, "dead_folders", None) or DEAD_FOLDERS)
    analyse = bool(getattr(config, "include_dead_folders", False))
    liveness = Liveness()
    by_folder: Dict[str, List[str]] = {}
    for path in sorted(facts):
        folder = _dead_component(path, names)
        if folder is not None:
            by_folder.setdefault(folder, []).append(path)
    modules: Dict[str, List[str]] = {}
    for path, fact in facts.items():
        modules.setdefault(fact.module, []).append(path)
    for folder, files in sorted(by_folder.items()):
        if _imported_from_outside(folder, facts, modules):
            continue
        liveness.folders.append(DeadFolder(folder, tuple(files), sum(facts[f].code_lines for f in files), analyse))
        if not analyse:
            for path in files:
                liveness.excluded[path] = facts[path]
    live: Dict[str, FileFacts] = {}
    for path, fact in facts.items():
        if path in liveness.excluded:
            continue
        if fact.dead_blocks:
            blocks = tuple(_clip_to_cell(fact, b) for b in fact.dead_blocks) if fact.notebook else fact.dead_blocks
            blocks = tuple(b for b in blocks if b.line <= b.end_line)
            if blocks:
                liveness.dead_blocks[path] = blocks
                fact = _without_dead_statements(fact, blocks)
        live[path] = fact
    return live, liveness
