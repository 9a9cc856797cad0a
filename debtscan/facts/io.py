"""I/O facts: calls that read or write files, with their paths kept symbolic."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import libcst as cst

from debtscan.facts.extract import Collector
from debtscan.facts.model import IOFact
from debtscan.facts.values import Lit, Sym
from debtscan.knowledge import IOSpec

_WRITE_MODE_CHARS = frozenset("wax+")


def argument(node: cst.Call, index: Optional[int], keyword: Optional[str]) -> Optional[cst.BaseExpression]:
    """The expression passed as positional ``index`` or as ``keyword``."""
    if keyword is not None:
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == keyword:
                return arg.value
    if index is not None:
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if 0 <= index < len(positional):
            return positional[index].value
    return None


class IOCollector(Collector):
    """Matches every call against the I/O catalogue and records reads and writes."""

    def __init__(self, ex) -> None:
        super().__init__(ex)
        self.io: List[IOFact] = []

    def on_call(self, node: cst.Call, qualname: str) -> None:
        spec = self.ex.knowledge.io_spec(qualname)
        if spec is None:
            return
        path_node = argument(node, spec.arg, spec.kw)
        if path_node is None:
            return
        mode = self._mode(node, spec)
        self._record(mode, spec, self.ex.sym(path_node))
        if spec.dest_arg is not None or spec.dest_kw is not None:
            dest = argument(node, spec.dest_arg, spec.dest_kw)
            if dest is not None:
                self._record("write", spec, self.ex.sym(dest))

    def _mode(self, node: cst.Call, spec: IOSpec) -> str:
        if spec.mode != "open":
            return "read" if spec.mode == "both" else spec.mode
        mode_node = argument(node, spec.mode_arg, "mode")
        if mode_node is None:
            return "read"
        mode_value = self.ex.sym(mode_node)
        if isinstance(mode_value, Lit) and isinstance(mode_value.value, str):
            return "write" if _WRITE_MODE_CHARS & set(mode_value.value) else "read"
        return "read"

    def _record(self, mode: str, spec: IOSpec, path: Sym) -> None:
        ex = self.ex
        self.io.append(IOFact(mode, spec.name, path, ex.line, ex.col, ex.scope_name, spec.fmt))
        if ex.stmt_stack:
            ex.stmt_stack[-1].io += 1

    def finish(self, out: Dict[str, Any]) -> None:
        out["io"] = tuple(self.io)
