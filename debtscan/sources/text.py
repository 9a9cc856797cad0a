"""Bytes to source text: PEP 263 decoding for ``.py`` files, code cells for notebooks."""
from __future__ import annotations

import codecs
import json
import re
from typing import List, Tuple

from debtscan.records import record

_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_MAGIC = re.compile(r"^(\s*)([%!]|\?\?|\?(?=\w))")
# ``files = !ls``, ``t = %timeit -o f()``: a shell escape or line magic whose output is assigned.
_ASSIGNED_MAGIC = re.compile(r"^(\s*)[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*[!%]")
# Cell magics whose body is Python run by IPython: only their first line is neutralised.
_PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture", "%%prun", "%%debug", "%%memit")


class SourceError(Exception):
    """A file that cannot be turned into Python source; the message says why, for the report."""


@record(frozen=True, slots=True)
class CellSpan:
    """A notebook code cell: cell ``index`` occupies lines ``start_line`` .. ``start_line + lines - 1`` of the
    notebook's code (a fact too: :class:`debtscan.facts.model.FileFacts` keeps them)."""

    index: int
    start_line: int
    lines: int


@record(frozen=True)
class SourceText:
    """The Python text of a file; for a notebook, its code cells joined, with ``cells`` mapping lines back."""

    text: str
    cells: Tuple[CellSpan, ...] = ()
    notebook: bool = False


def decode_python(data: bytes) -> str:
    """Decode a ``.py`` file as Python does: BOM, then a coding cookie on line 1 or 2, else UTF-8."""
    if b"\x00" in data:
        raise SourceError("binary file (contains NUL bytes), not Python source")
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    else:
        for line in data.splitlines()[:2]:
            match = _COOKIE.match(line)
            if match:
                encoding = match.group(1).decode("ascii", "replace")
                break
            if line.strip() and not line.lstrip().startswith(b"#"):
                break
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r} in coding cookie") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        hint = "" if encoding != "utf-8" else " (a file in another encoding needs a PEP 263 coding cookie)"
        raise SourceError(f"cannot decode as {encoding}: line {line}, byte {exc.start}: {exc.reason}{hint}"
                          ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _neutralise(line: str) -> str:
    """Turn an IPython magic or shell escape into a comment that keeps the line count; inside a block it
    becomes ``pass  # ...``, so that a block holding only a magic (``try:`` / ``%tensorflow_version 2.x``,
    ``if IS_COLAB:`` / ``%pip install x``, common in Colab notebooks) stays valid Python."""
    match = _MAGIC.match(line) or _ASSIGNED_MAGIC.match(line)
    if match:
        indent = match.group(1)
        return f"{indent}pass  # {line.lstrip()}" if indent else f"# {line.lstrip()}"
    stripped = line.rstrip()
    if stripped.endswith("?") and not stripped.lstrip().startswith("#") and stripped.count("?") == 1 \
            and stripped[:-1].replace(".", "").replace("_", "").isalnum():
        return f"# {line}"
    return line


def notebook_source(data: bytes) -> SourceText:
    """The code cells of a Jupyter notebook as one Python text, magics turned into comments."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SourceError(f"notebook is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise SourceError("notebook is not a JSON object")
    language = _language(document)
    if language and language != "python":
        raise SourceError(f"notebook kernel language is {language!r}, not Python")
    cells = document.get("cells")
    if cells is None and isinstance(document.get("worksheets"), list):
        cells = [c for sheet in document["worksheets"] if isinstance(sheet, dict) for c in sheet.get("cells", [])]
    if not isinstance(cells, list):
        raise SourceError("notebook has no list of cells")
    lines: List[str] = []
    spans: List[CellSpan] = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            continue
        cell_lines = source.replace("\r\n", "\n").split("\n")
        first = cell_lines[0].strip() if cell_lines else ""
        if first.startswith("%%") and first.split()[0] in _PYTHON_CELL_MAGICS:
            cell_lines = ["# " + cell_lines[0]] + [_neutralise(line) for line in cell_lines[1:]]
        elif first.startswith("%%"):  # %%bash, %%sql, %%writefile...: not Python
            cell_lines = ["# " + line for line in cell_lines]
        else:
            cell_lines = [_neutralise(line) for line in cell_lines]
        spans.append(CellSpan(index, len(lines) + 1, len(cell_lines)))
        lines.extend(cell_lines)
    text = "\n".join(lines)
    if text and not text.endswith("\n"):
        text += "\n"
    return SourceText(text, tuple(spans), True)


def _language(document: dict) -> str:
    metadata = document.get("metadata")
    if not isinstance(metadata, dict):
        return ""
    for key in ("language_info", "kernelspec"):
        section = metadata.get(key)
        if isinstance(section, dict) and isinstance(section.get("language"), str):
            return section["language"].lower()
        if key == "language_info" and isinstance(section, dict) and isinstance(section.get("name"), str):
            return section["name"].lower()
    return ""
