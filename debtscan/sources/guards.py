"""Guards against hostile input: what is refused before a file reaches libcst, and the limits around the
parse of one file.

libcst's native parser can crash the process (brackets nested thousands deep), take time quadratic in one
expression chain, or take seconds and gigabytes on machine-generated code, and none of that can be
interrupted. So a file's text is checked first (:func:`check_structure`, :func:`generated_code_reason`), and
its parse runs under a deadline (:class:`Deadline`) and a fixed recursion budget (:class:`recursion_budget`).
Each refusal is a :class:`~debtscan.sources.text.SourceError` whose message says why, for the report.
"""
from __future__ import annotations

import os
import re
import signal
import sys
import threading
from itertools import accumulate, compress, repeat
from operator import add, not_, sub
from typing import Optional, Tuple

from debtscan.sources.text import CellSpan, SourceError, SourceText, decode_python, notebook_source


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


# Machine-generated Python (genetic-programming output, generated models, minified dumps) can take libcst
# seconds and gigabytes per file: one 43 kB line of nested calls takes it 4 s and 460 MB, a 0.5 MB file of
# them over 3 GB, and the parse cannot be interrupted. Before parsing, a file with a line longer than
# LONG_LINE characters holding more than MAX_LINE_BRACKETS opening brackets, or brackets nested deeper than
# MAX_NESTING, is skipped with a note in `errors` (checked only when some line is that long; hand-written code
# never comes near; flat data such as a long list of numbers is still parsed) ...
LONG_LINE = 2_000
MAX_LINE_BRACKETS = 400
MAX_NESTING = 100

# ... and, as a backstop, a file whose analysis takes longer than this many seconds is abandoned.
FILE_TIMEOUT = float(os.environ.get("DEBTSCAN_FILE_TIMEOUT", "60"))
_OPENERS = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


class FileTimeout(Exception):
    """Raised (by a timer signal) when one file's analysis exceeds :data:`FILE_TIMEOUT`."""


def generated_code_reason(text: str) -> Optional[str]:
    """Why a file looks machine-generated beyond what can be analysed in bounded time, or None."""
    if len(text) <= LONG_LINE:
        return None
    lines = text.split("\n")
    if max(map(len, lines)) <= LONG_LINE:
        return None
    for number, line in enumerate(lines, start=1):
        if len(line) <= LONG_LINE:
            continue
        brackets = line.count("(") + line.count("[") + line.count("{")
        if brackets > MAX_LINE_BRACKETS:
            return (f"machine-generated code: {brackets} brackets on line {number} ({len(line)} characters; "
                    f"limit {MAX_LINE_BRACKETS}): skipped")
        depth = deepest = 0
        for char in line:
            step = _OPENERS.get(char)
            if step:
                depth += step
                if depth > deepest:
                    deepest = depth
        if deepest > MAX_NESTING:
            return (f"machine-generated code: brackets nested {deepest} deep on line {number} "
                    f"(limit {MAX_NESTING}): skipped")
    return None


def _on_alarm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise FileTimeout()


class Deadline:
    """Abandon one file's analysis after ``seconds`` (a SIGALRM timer; only in a main thread on POSIX)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.active = False

    def __enter__(self):
        if (self.seconds > 0 and hasattr(signal, "setitimer")
                and threading.current_thread() is threading.main_thread()):
            self.previous = signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self.active = True
        return self

    def __exit__(self, *exc_info):
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False


# Python frames allowed for parsing and extracting one file, above the caller's depth: the same in the main
# process and in a worker, so that whether a deeply nested file is analysed never depends on --jobs.
RECURSION_BUDGET = 3000


class recursion_budget:
    """Set the recursion limit to the current depth plus :data:`RECURSION_BUDGET` for one file."""

    def __enter__(self):
        self.previous = sys.getrecursionlimit()
        depth, frame = 0, sys._getframe()
        while frame is not None:
            depth, frame = depth + 1, frame.f_back
        sys.setrecursionlimit(depth + RECURSION_BUDGET)
        return self

    def __exit__(self, *exc_info):
        sys.setrecursionlimit(self.previous)
        return False


# A notebook's size is mostly its outputs (plots as base64): max-file-size applies to its code, and the JSON
# may be this many times larger.
NOTEBOOK_SIZE_FACTOR = 25


def read_limit(path: str, max_size: int) -> int:
    """How many bytes of a file are read: max-file-size, or for a notebook NOTEBOOK_SIZE_FACTOR times it."""
    return max_size * NOTEBOOK_SIZE_FACTOR if path.endswith(".ipynb") else max_size
