"""The code's composition: how many logical lines of each file, folder and the repo are ML, glue, I/O,
configuration or other, and the adapters the glue converts between (``pandas->numpy``), ranked.

Built once per scan from the facts' classified statements (a part of the ``Project``); the glue rules and
``metrics.composition`` read it.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Tuple

from debtscan.facts.model import LINE_KINDS as KINDS
from debtscan.facts.model import FileFacts


@dataclass
class Tally:
    """Lines per class in a file, a directory or the repo."""

    lines: Counter = field(default_factory=Counter)
    files: int = 0

    @property
    def code_lines(self) -> int:
        return sum(self.lines.values())

    def ratio(self, kind: str) -> float:
        total = self.code_lines
        return self.lines[kind] / total if total else 0.0

    def add(self, other: "Tally") -> None:
        self.lines.update(other.lines)
        self.files += other.files

    def to_json(self) -> Dict[str, Any]:
        total = self.code_lines
        return {
            "code_lines": total,
            "files": self.files,
            "lines": {kind: self.lines[kind] for kind in KINDS},
            "fractions": {kind: round(self.lines[kind] / total, 4) if total else 0.0 for kind in KINDS},
        }


@dataclass
class Composition:
    """The tallies of a project, by file and by directory, and the adapters ranked."""

    repo: Tally
    files: Dict[str, Tally]
    packages: Dict[str, Tally]
    adapters: List[Tuple[str, int, int]]  # (adapter, glue lines, files)

    def heaviest_files(self, limit: int = 5, min_code_lines: int = 10) -> List[Tuple[str, Tally]]:
        """Files ranked by glue lines (then glue ratio), those with at least ``min_code_lines``."""
        ranked = [(path, tally) for path, tally in self.files.items()
                  if tally.code_lines >= min_code_lines and tally.lines["glue"]]
        ranked.sort(key=lambda item: (-item[1].lines["glue"], -item[1].ratio("glue"), item[0]))
        return ranked[:limit]


def package_of(path: str) -> List[str]:
    """Every directory a path is under (``a/b/c.py`` -> ``a``, ``a/b``)."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def tally_of(facts: FileFacts) -> Tally:
    return Tally(Counter(s.kind for s in facts.statements), 1)


def build_composition(facts: Mapping[str, FileFacts]) -> Composition:
    """The composition of the scanned files: O(statements)."""
    repo = Tally()
    files: Dict[str, Tally] = {}
    packages: Dict[str, Tally] = {}
    adapter_lines: Counter = Counter()
    adapter_files: Dict[str, set] = {}
    for path, file_facts in sorted(facts.items()):
        tally = tally_of(file_facts)
        files[path] = tally
        repo.add(tally)
        for directory in package_of(path):
            packages.setdefault(directory, Tally()).add(tally)
        for statement in file_facts.statements:
            for adapter in statement.adapters:
                adapter_lines[adapter] += 1
                adapter_files.setdefault(adapter, set()).add(path)
    adapters = sorted(((a, n, len(adapter_files[a])) for a, n in adapter_lines.items()),
                      key=lambda item: (-item[1], -item[2], item[0]))
    return Composition(repo, files, packages, adapters)
