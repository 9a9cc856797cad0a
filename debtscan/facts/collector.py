"""The base every fact family plugs into: a :class:`Collector` sees the nodes it names during the single
pass (:mod:`debtscan.facts.extract`) and adds its facts at the end. Collectors import this module, never the
extraction itself, so the pass can list them without an import cycle."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Dict, List, Optional, Type

import libcst as cst

from debtscan.facts.model import StatementFact

MODULE_SCOPE = "<module>"


@dataclass
class StatementFrame:
    """The logical line being generated, with the calls made in it."""

    node: cst.CSTNode
    line: int
    scope: str
    calls: List[str] = field(default_factory=list)
    io: int = 0
    end_line: int = 0


class Collector:
    """One family of facts. Subclasses name the node types they want in ``enter``/``leave``
    (node type -> method name) and put their results into the FileFacts fields in :meth:`finish`."""

    enter: ClassVar[Dict[Type[cst.CSTNode], str]] = {}
    leave: ClassVar[Dict[Type[cst.CSTNode], str]] = {}

    def __init__(self, ex: "Extraction") -> None:
        self.ex = ex

    def on_call(self, node: cst.Call, qualname: str) -> None:
        """Every call, with its resolved qualified name, in source order."""

    def on_statement(self, frame: StatementFrame) -> Optional[StatementFact]:
        """Classify a finished logical line; the first collector to return a fact wins."""
        return None

    def finish(self, out: Dict[str, Any]) -> None:
        """Add this family's facts to the FileFacts keyword arguments."""
