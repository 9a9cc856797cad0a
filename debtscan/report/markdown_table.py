"""Markdown tables whose cells are safe (no pipes, newlines or raw HTML): shared by the Markdown formats."""
from __future__ import annotations

from typing import Any, Iterable, List, Sequence


def cell(text: Any) -> str:
    """Text safe inside a Markdown table cell: no pipes or newlines, and no raw HTML outside `code spans`
    (inside them ``<`` is shown as is, and an entity would be shown literally)."""
    parts = str(text).replace("\r", " ").replace("\n", " ").split("`")
    balanced = len(parts) % 2 == 1
    for i in range(len(parts)):
        if i % 2 == 0 or not balanced:  # outside a code span
            parts[i] = parts[i].replace("&", "&amp;").replace("<", "&lt;")
    return "`".join(parts).replace("|", "\\|")


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], align: str = "") -> List[str]:
    lines = ["| " + " | ".join(header) + " |",
             "| " + " | ".join("---:" if c == "r" else "---" for c in align.ljust(len(header), "l")) + " |"]
    lines.extend("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)
    return lines
