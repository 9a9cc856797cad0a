"""Readable messages for files libcst cannot parse."""
from __future__ import annotations

import re
from typing import Optional

from debtscan.sources.text import SourceText


def syntax_error_reason(source: SourceText, exc) -> str:
    """A located, readable reason for a file libcst cannot parse: CPython's own message where it has one
    (``compile`` to an AST only: nothing is executed), e.g. "Missing parentheses in call to 'print'" for
    Python 2; for a notebook, the cell and the line in it."""
    import ast
    import warnings

    line, column, message = exc.raw_line, exc.raw_column, exc.message
    match = re.match(r"(?:parser error: )?error at (\d+):(\d+): (.*)", message, re.S)
    if match:
        line, column, message = int(match.group(1)), int(match.group(2)), match.group(3)
    try:
        with warnings.catch_warnings():  # no "invalid escape sequence" noise about the scanned file
            warnings.simplefilter("ignore")
            compile(source.text, "<scanned file>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        if error.lineno:
            line, column, message = error.lineno, max(0, (error.offset or 1) - 1), error.msg
    except (ValueError, RecursionError, MemoryError):
        pass
    def in_cell(number: int) -> Optional[str]:
        for span in source.cells:
            if span.start_line <= number < span.start_line + span.lines:
                return f"cell {span.index}, line {number - span.start_line + 1}"
        return None

    where = f"{in_cell(line) or f'line {line}'}, column {column}"
    if source.cells:  # "expected an indented block after 'if' statement on line 608": that line, in its cell
        message = re.sub(r"\bline (\d+)", lambda m: in_cell(int(m.group(1))) or m.group(0), message)
    message = " ".join(message.split())
    if len(message) > 160:
        message = message[:157] + "..."
    return f"syntax error at {where}: {message}"
