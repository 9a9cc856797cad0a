"""Bytes to source text: PEP 263 decoding for ``.py`` files, code cells for notebooks."""
from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from operator import add, not_, sub
from typing import List, Tuple

from debtscan.facts.model import CellSpan

_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_MAGIC = re.compile(r"^(\s*)([%!]|\?\?|\?(?=\w))")
# ``files = !ls``, ``t = %timeit -o f()``: a shell escape or line magic whose output is assigned.
_ASSIGNED_MAGIC = re.compile(r"^(\s*)[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*[!%]")
# Cell magics whose body is Python run by IPython: only their first line is neutralised.
_PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture", "%%prun", "%%debug", "%%memit")


class SourceError(Exception):
    """A file that cannot be turned into Python source; the message says why, for the report."""


@dataclass(frozen=True)
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


def read_source(name: str, data: bytes) -> SourceText:
    """Source text of a ``.py`` or ``.ipynb`` file's bytes, checked by :func:`check_structure`."""
    source = notebook_source(data) if name.endswith(".ipynb") else SourceText(decode_python(data))
    check_structure(source.text, source.cells)
    return source


# Limits on what is handed to libcst. Its native parser overflows its stack (a segmentation fault that kills
# the process, uncatchable) on brackets nested a few thousand deep, and takes time quadratic in the length of
# one expression chain (``a + b + ...``, ``x.a.b...``, ``f()()...``, ``a[0][0]...``, ``x if c else ...``):
# 2,000 links take seconds to minutes, in native code no timer can interrupt. CPython itself refuses more
# than 200 nested brackets ("too many nested parentheses"), so such a file is not valid Python anyway; chains
# of hundreds of links occur only in machine-generated code.
MAX_BRACKET_DEPTH = 200
MAX_CHAIN = 500
# Strings (any prefix: it does not change where a string ends) and comments, blanked before counting.
_STRINGS = re.compile(
    r"'''[^\\']*(?:(?:\\[\s\S]|'(?!''))[^\\']*)*'''"
    r'|"""[^\\"]*(?:(?:\\[\s\S]|"(?!""))[^\\"]*)*"""'
    r"|'[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*'"
    r'|"[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*"'
    r"|#[^\n]*"
)
# The tokens of a long statement (strings already blanked to \x01): brackets, separators that end a chain,
# and the links of one: operators, attribute dots, keywords.
_CHAIN_TOKENS = re.compile(
    r"(?P<cont>\\\x02)"
    r"|(?P<open>[(\[{])"
    r"|(?P<close>[)\]}])"
    r"|(?P<sep>[,;:\n]|(?<![=!<>+\-*/%@&|^])=(?!=))"
    r"|(?P<link>\*\*|//|<<|>>|[-+*/%@&|^~<>]|\.(?=[ \t]*[A-Za-z_])"
    r"|\b(?:and|or|not|if|else|lambda|await|is|in)\b)"
)


def _blank(match: "re.Match[str]") -> str:
    token = match.group()
    return "" if token[0] == "#" else "\x01" + "\n" * token.count("\n")


def check_structure(text: str, cells: Tuple[CellSpan, ...] = ()) -> None:
    """Raise :class:`SourceError` for brackets nested deeper than CPython allows, or one expression chain too
    long to parse in bounded time. Cheap: strings and comments are blanked by one regular expression, lines
    are measured with C-level ``str.count``/``accumulate``; only statements longer than :data:`MAX_CHAIN`
    characters (rare outside data literals) are tokenised to count the links of their chains."""
    stripped = _STRINGS.sub(_blank, text).replace("\\\n", "\\\x02")  # a continued line is one line
    lines = stripped.split("\n")
    opens = list(map(add, map(add, map(str.count, lines, repeat("(")), map(str.count, lines, repeat("["))),
                     map(str.count, lines, repeat("{"))))
    closes = map(add, map(add, map(str.count, lines, repeat(")")), map(str.count, lines, repeat("]"))),
                 map(str.count, lines, repeat("}")))
    after = list(accumulate(map(sub, opens, closes)))
    if after and min(after) < 0:  # stray closing brackets (not valid Python): clamp at 0, line by line
        depth, after = 0, []
        for line, count in zip(lines, opens):
            depth = max(0, depth + count - line.count(")") - line.count("]") - line.count("}"))
            after.append(depth)
    before = [0, *after[:-1]]
    if opens and max(map(add, before, opens)) > MAX_BRACKET_DEPTH:
        for index, (line, depth) in enumerate(zip(lines, before)):
            _check_depth(line, depth, stripped, sum(map(len, lines[:index])) + index, cells)
    ends = list(compress(range(len(lines)), map(not_, after)))
    if not ends or ends[-1] != len(lines) - 1:
        ends.append(len(lines) - 1)
    offsets = [0, *accumulate(map(len, lines))]  # offsets[i]: characters before line i, newlines excluded
    first = 0
    for end in ends:
        if offsets[end + 1] - offsets[first] + end - first > MAX_CHAIN:
            _check_chains(stripped, offsets[first] + first, offsets[end + 1] + end, cells)
        first = end + 1


def _line_at(stripped: str, offset: int) -> int:
    return stripped.count("\n", 0, offset) + stripped.count("\x02", 0, offset) + 1


def _check_depth(line: str, depth: int, stripped: str, offset: int, cells: Tuple[CellSpan, ...]) -> None:
    for column, char in enumerate(line):
        if char in "([{":
            depth += 1
            if depth > MAX_BRACKET_DEPTH:
                where = _where(_line_at(stripped, offset + column), cells)
                raise SourceError(f"{where}: brackets nested more than {MAX_BRACKET_DEPTH} deep (Python allows "
                                  f"{MAX_BRACKET_DEPTH}): skipped")
        elif char in ")]}" and depth:
            depth -= 1


def _check_chains(stripped: str, start: int, end: int, cells: Tuple[CellSpan, ...]) -> None:
    chain = [0]
    for match in _CHAIN_TOKENS.finditer(stripped, start, end):
        kind = match.lastgroup
        if kind == "link" or kind == "open":
            chain[-1] += 1
            if chain[-1] > MAX_CHAIN:
                where = _where(_line_at(stripped, match.start()), cells)
                raise SourceError(f"{where}: one expression chains more than {MAX_CHAIN} operations "
                                  f"(machine-generated code?): too long to analyse, skipped")
            if kind == "open":
                chain.append(0)
        elif kind == "close":
            if len(chain) > 1:
                chain.pop()
        elif kind == "sep" and match.group() != "\n":  # a line break inside brackets ends nothing
            chain[-1] = 0


def _where(line: int, cells: Tuple[CellSpan, ...]) -> str:
    for span in cells:
        if span.start_line <= line < span.start_line + span.lines:
            return f"cell {span.index}, line {line - span.start_line + 1}"
    return f"line {line}"
