"""Where a notebook cell's code sits in the ``.ipynb`` file's raw JSON text.

Findings in a notebook name the cell and the line inside it; code scanning (SARIF) highlights lines of the
file as stored, which is JSON. :func:`cell_positions` reads the raw text once, without evaluating anything,
and records where each character of each cell's ``source`` (nbformat 4) or ``input`` (nbformat 3) string
literal lies; :meth:`NotebookPositions.locate` turns (cell, line inside the cell, column) into the file's
(line, column), both 1-based lines and 0-based code-point columns, escapes (``\\"``, ``\\n``, ``\\uXXXX``)
accounted for.
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import field
from json.decoder import scanstring
from typing import Dict, List, Optional, Tuple

from debtscan.records import record

_WS = re.compile(r"[ \t\r\n]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")
_SOURCE_KEYS = ("source", "input")


class NotebookJSONError(ValueError):
    """The text is not the notebook JSON the positions were asked for."""


@record(frozen=True)
class _Literal:
    """One JSON string literal: its decoded text and, per decoded character, its offset in the file text."""

    text: str
    offsets: Tuple[int, ...]
    end: int  # offset of the closing quote


def _literal(raw: str, start: int) -> Tuple[_Literal, int]:
    """The string literal whose opening quote is at ``start``; returns it and the offset after it."""
    text, after = scanstring(raw, start + 1, True)
    offsets: List[int] = []
    i = start + 1
    while i < after - 1:
        if raw[i] != "\\":
            offsets.append(i)
            i += 1
        elif raw[i + 1] != "u":
            offsets.append(i)
            i += 2
        else:
            code = int(raw[i + 2:i + 6], 16)
            if 0xD800 <= code < 0xDC00 and raw[i + 6:i + 8] == "\\u":  # a surrogate pair is one code point
                offsets.append(i)
                i += 12
            else:
                offsets.append(i)
                i += 6
    if len(offsets) != len(text):  # lone surrogates and the like: fall back to the literal's start
        offsets = [start + 1] * len(text)
    return _Literal(text, tuple(offsets), after - 1), after


class _Reader:
    """A JSON reader that keeps the positions of the cells' source literals and skips everything else."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.sources: Dict[int, List[_Literal]] = {}
        self.cell_count = 0

    def ws(self, i: int) -> int:
        return _WS.match(self.raw, i).end()  # type: ignore[union-attr]

    def value(self, i: int, role: str = "") -> int:
        """Read the value at ``i`` (after whitespace); ``role`` says what it is in a notebook."""
        i = self.ws(i)
        if i >= len(self.raw):
            raise NotebookJSONError("unexpected end of the notebook's JSON")
        char = self.raw[i]
        if char == "{":
            return self.object(i, role)
        if char == "[":
            return self.array(i, role)
        if char == '"':
            literal, after = _literal(self.raw, i)
            if role == "source":
                self.sources.setdefault(self.cell_count - 1, []).append(literal)
            return after
        match = _SCALAR.match(self.raw, i)
        if not match:
            raise NotebookJSONError(f"unexpected {char!r} at offset {i} of the notebook's JSON")
        return match.end()

    def object(self, i: int, role: str) -> int:
        i = self.ws(i + 1)
        if self.raw.startswith("}", i):
            return i + 1
        while True:
            i = self.ws(i)
            if not self.raw.startswith('"', i):
                raise NotebookJSONError(f"expected a key at offset {i} of the notebook's JSON")
            key, i = scanstring(self.raw, i + 1, True)
            i = self.ws(i)
            if not self.raw.startswith(":", i):
                raise NotebookJSONError(f"expected ':' at offset {i} of the notebook's JSON")
            child = ""
            if role in ("notebook", "worksheet") and key == "cells":
                child = "cells"
            elif role == "notebook" and key == "worksheets":
                child = "worksheets"
            elif role == "cell" and key in _SOURCE_KEYS:
                child = "source"
            i = self.ws(self.value(i + 1, child))
            if self.raw.startswith(",", i):
                i += 1
                continue
            if self.raw.startswith("}", i):
                return i + 1
            raise NotebookJSONError(f"expected ',' or '}}' at offset {i} of the notebook's JSON")

    def array(self, i: int, role: str) -> int:
        item = {"cells": "cell", "worksheets": "worksheet", "source": "source"}.get(role, "")
        i = self.ws(i + 1)
        if self.raw.startswith("]", i):
            return i + 1
        while True:
            if item == "cell":
                self.cell_count += 1
            i = self.ws(self.value(i, item))
            if self.raw.startswith(",", i):
                i += 1
                continue
            if self.raw.startswith("]", i):
                return i + 1
            raise NotebookJSONError(f"expected ',' or ']' at offset {i} of the notebook's JSON")


@record
class NotebookPositions:
    """The raw positions of every cell's code in one notebook file."""

    raw: str
    sources: Dict[int, List[_Literal]]
    _line_starts: List[int] = field(default_factory=list)
    _cells: Dict[int, Tuple[str, List[int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.raw)]

    def _file_position(self, offset: int) -> Tuple[int, int]:
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index]

    def _cell(self, cell: int) -> Optional[Tuple[str, List[int]]]:
        """The cell's code as one text (Windows line ends made ``\\n`` as the scan did) and its offsets."""
        if cell not in self._cells:
            literals = self.sources.get(cell)
            if not literals:
                return None
            text: List[str] = []
            offsets: List[int] = []
            for literal in literals:
                for char, offset in zip(literal.text, literal.offsets):
                    if char == "\n" and text and text[-1] == "\r":
                        text.pop()
                        offsets.pop()
                    text.append(char)
                    offsets.append(offset)
            offsets.append(literals[-1].end)  # the end of the code: where a finding past the last char points
            self._cells[cell] = ("".join(text), offsets)
        return self._cells[cell]

    def locate(self, cell: int, line: int, column: int = 0) -> Optional[Tuple[int, int]]:
        """(line, column) in the file of ``column`` on ``line`` (1-based) of cell ``cell``; None if unknown."""
        found = self._cell(cell)
        if found is None:
            return None
        text, offsets = found
        start = 0
        for _ in range(line - 1):
            start = text.find("\n", start)
            if start < 0:
                return None
            start += 1
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        index = min(start + max(0, column), end) if end > start else start
        return self._file_position(offsets[min(index, len(offsets) - 1)])


def cell_positions(raw: str) -> NotebookPositions:
    """Read a notebook's raw text (as decoded from its file); raises NotebookJSONError if it is not JSON."""
    if raw.startswith("\ufeff"):
        raw = " " + raw[1:]  # keep offsets; the BOM is not part of the JSON
    reader = _Reader(raw)
    try:
        end = reader.ws(reader.value(0, "notebook"))
    except (json.JSONDecodeError, IndexError, ValueError) as exc:
        raise NotebookJSONError(str(exc)) from None
    if end != len(raw):
        raise NotebookJSONError(f"unexpected text after the notebook's JSON at offset {end}")
    return NotebookPositions(raw, reader.sources)
