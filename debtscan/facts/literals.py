"""The values of literal nodes, without ``ast.literal_eval`` where the text alone gives them.

libcst's ``evaluated_value`` hands every literal to :func:`ast.literal_eval`, which compiles it: for the
plain strings and integers that make up nearly all literals of ML scripts (``"data/train.csv"``, ``0``,
``42``) that costs more than the rest of the pass spends on the node. The text of a string with no
backslash and no carriage return *is* its value once the prefix and quotes are cut, and a decimal integer
without leading zeros is ``int(text)``; anything else goes to ``evaluated_value``, so the answer (and any
error a malformed literal raises) is always libcst's.
"""
from __future__ import annotations

from typing import Union

import libcst as cst

_PLAIN_PREFIXES = frozenset(("", "r", "u", "R", "U"))


def string_value(node: cst.SimpleString) -> Union[str, bytes]:
    """``node.evaluated_value``, cheaply for a plain (not bytes) string without escapes."""
    text = node.value
    if "\\" not in text and "\r" not in text:
        quote = text[-1]
        start = text.find(quote)
        if text[:start] in _PLAIN_PREFIXES:
            if text.startswith(quote * 3, start) and len(text) - start >= 6:
                return text[start + 3:-3]
            return text[start + 1:-1]
    return node.evaluated_value


def integer_value(node: cst.Integer) -> int:
    """``node.evaluated_value``, cheaply for a decimal integer without leading zeros or underscores."""
    text = node.value
    if text.isascii() and text.isdigit() and (text[0] != "0" or len(text) == 1):
        return int(text)
    return node.evaluated_value
