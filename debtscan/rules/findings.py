"""What a rule yields: a Finding (with its Related places), its subject and its stable fingerprint; and the
ScanError of a file or a rule that could not be analysed or run."""
from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from debtscan.errors import ErrorKind
from debtscan.records import record


@record(frozen=True)
class Related:
    """Another place a finding involves (the other end of a hand-off, another consumer).

    ``column`` is 0-based, ``None`` when the rule knows only the line. In a notebook, ``cell`` is the cell's
    index and ``line`` the line inside it (as for a finding); the engine fills both in.
    """

    path: str
    line: int
    message: str
    column: Optional[int] = None
    cell: Optional[int] = None

    def to_json(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {"path": self.path, "line": self.line, "message": self.message}
        if self.column is not None:
            data["column"] = self.column
        if self.cell is not None:
            data["cell"] = self.cell
        return data


@record(frozen=True)
class Finding:
    """One piece of debt at one place. ``message`` says what is wrong; ``help`` why it is debt and what to do.

    ``subject`` names what the finding is about (an artifact, a signal, a shape) so that the fingerprint
    survives unrelated edits that move lines.
    """

    code: str
    name: str
    category: str
    severity: str
    message: str
    path: str
    line: int
    column: int = 0
    end_line: Optional[int] = None
    end_column: Optional[int] = None
    cell: Optional[int] = None
    related: Tuple[Related, ...] = ()
    help: str = ""
    subject: str = ""
    fingerprint: str = ""

    def sort_key(self) -> Tuple[Any, ...]:
        return (self.path, self.line, self.column, self.code, self.subject, self.message)

    def to_json(self) -> Dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "category": self.category,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line if self.end_line is not None else self.line,
            "end_column": self.end_column if self.end_column is not None else self.column,
            "cell": self.cell,
            "related": [r.to_json() for r in self.related],
            "fingerprint": self.fingerprint,
            "help": self.help,
        }


def chain_subject(kind: str, members: Sequence[str], first_link: str) -> str:
    """The subject of a finding about an ordered group (a chain of scripts): its anchor, the first member
    and the link it starts with (``chain:01_prepare.py>data/interim/customers.parquet``), never the whole
    member list, so the fingerprint survives the chain growing (a script appended, a branch that makes
    another path the longest) as long as it starts where it started."""
    return f"{kind}:{members[0]}>{first_link}" if members else f"{kind}:"


def group_subject(kind: str, members: Iterable[str]) -> str:
    """The subject of a finding about an unordered group (modules that feed each other in a loop, a family
    of clones): its anchor, the smallest member (``cycle:label.py``), so the fingerprint survives members
    joining the group; two such groups never share a member, so anchors differ."""
    return f"{kind}:{min(members, default='')}"


def assign_fingerprints(findings: List[Finding]) -> List[Finding]:
    """Stable fingerprints: a hash of code, path and subject, plus an occurrence index among equals."""
    counts: Dict[Tuple[str, str, str], int] = {}
    out = []
    for finding in sorted(findings, key=Finding.sort_key):
        key = (finding.code, finding.path, finding.subject or finding.message)
        index = counts.get(key, 0)
        counts[key] = index + 1
        digest = hashlib.sha256("\x1f".join((*key, str(index))).encode("utf-8")).hexdigest()[:20]
        out.append(replace(finding, fingerprint=digest))
    return out


@record(frozen=True)
class ScanError:
    """A file that could not be analysed (or a rule that failed), with a clear reason.

    ``notice``: it concerns the whole scan (a configuration setting that was refused, a plugin that did not
    load), so the command line also prints it on stderr."""

    path: str
    message: str
    notice: bool = False
    kind: Optional[ErrorKind] = None  # what kind of failure (None: a note about the scan, no failure)
