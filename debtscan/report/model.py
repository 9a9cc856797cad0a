"""The Report data classes: what a user and a dashboard see (findings come from :mod:`debtscan.rules.findings`)."""
from __future__ import annotations

from dataclasses import field
from typing import Any, Dict, List, Optional, Tuple

from debtscan.records import record
from debtscan.rules.findings import (Finding, Related, ScanError, assign_fingerprints,  # noqa: F401 - re-exported
                                     chain_subject, group_subject)

__all__ = ["DrawnEdge", "DrawnNode", "Finding", "GraphView", "ModuleHandoff", "PipelineDrawing", "Related", "Report",
           "ScanError", "SCHEMA_VERSION", "SEVERITY_ORDER", "assign_fingerprints", "chain_subject", "group_subject"]


SCHEMA_VERSION = "1.2"  # 1.1: related places may carry "column" and "cell"; 1.2: Figure-1 line classes
SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}


@record(frozen=True)
class DrawnNode:
    """A node of a pipeline view: ``key`` is the graph's node name (``module:train.py``), ``kind`` module or
    artifact; ``more_in``/``more_out`` the hand-offs into and out of it that the view leaves out."""

    id: str
    key: str
    label: str
    kind: str
    jungle: bool
    more_in: Tuple[str, ...] = ()
    more_out: Tuple[str, ...] = ()


@record(frozen=True)
class DrawnEdge:
    """An edge of a pipeline view: ``kind`` writes/reads/matches (modules and files) or ``hands off``
    (modules only, with the ``files`` handed over); ``title`` says it subject first."""

    id: str
    source: str
    target: str
    kind: str
    title: str
    files: Tuple[str, ...] = ()


@record(frozen=True)
class GraphView:
    """One view of the pipeline (nodes and edges sorted, so that what is drawn from it is reproducible)."""

    nodes: Tuple[DrawnNode, ...]
    edges: Tuple[DrawnEdge, ...]


@record(frozen=True)
class ModuleHandoff:
    """A writer module hands ``artifacts`` (files) to a reader module."""

    writer: str
    reader: str
    artifacts: Tuple[str, ...]


@record(frozen=True)
class PipelineDrawing:
    """What the drawing formats (HTML, Markdown) show of the pipeline, built from the project before rendering
    (:func:`debtscan.report.drawing.pipeline_drawing`): renderers never read the project.

    ``views``: by name (``steps``, ``modules``, ``files``), those small enough to lay out; ``notes``: by view
    name, why a view is left out or thinned; ``default``: the view a page opens on (``""``: none);
    ``mermaid``: the whole graph as a Mermaid flowchart; ``handoffs``: module-to-module hand-offs, sorted.
    Views and notes keep the order they were made in (steps, modules, files).
    """

    views: Tuple[Tuple[str, GraphView], ...]
    notes: Tuple[Tuple[str, str], ...]
    default: str
    mermaid: str
    handoffs: Tuple[ModuleHandoff, ...]


@record
class Report:
    """The result of a scan.

    ``pipeline`` is filled only for the formats that draw the pipeline (see
    :class:`debtscan.report.formats.OutputFormat`); it is never part of the JSON report.
    """

    root: str
    config_file: Optional[str]
    files_scanned: int
    findings: List[Finding] = field(default_factory=list)
    errors: List[ScanError] = field(default_factory=list)
    suppressed: int = 0
    metrics: Dict[str, Any] = field(default_factory=dict)
    rules: List[Any] = field(default_factory=list)
    baseline: Optional[Dict[str, Any]] = None
    # How many of the files analysed are in the paths the scan was asked about (None: the whole root).
    scope_files: Optional[int] = None
    # The paths (files or folders, root-relative) whose findings are reported; None: the whole root.
    scope: Optional[Tuple[str, ...]] = None
    pipeline: Optional[PipelineDrawing] = None

    def worst_severity(self) -> Optional[str]:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=SEVERITY_ORDER.__getitem__)

    def fails(self, fail_on: str) -> bool:
        threshold = SEVERITY_ORDER[fail_on]
        return any(SEVERITY_ORDER[f.severity] >= threshold for f in self.findings)
