"""Symbolic values: what an expression is known to evaluate to, without evaluating it.

The extractor turns path expressions, constants and feature lists into these small trees; they are
resolved across files when the graph is built (``debtscan.project.paths``).
"""
from __future__ import annotations

from typing import Optional, Tuple, Union

from debtscan.facts.schema import fact


@fact
class Lit:
    """A literal: string, number, bool or None."""

    value: Union[str, int, float, bool, None]


@fact
class Seq:
    """A list or tuple display."""

    items: Tuple["Sym", ...]


@fact
class Ref:
    """A module-level name, by qualified name (``config.DATA_DIR``), resolved when the graph is built."""

    name: str


@fact
class Concat:
    """String concatenation, f-strings: the parts joined with nothing between them."""

    parts: Tuple["Sym", ...]


@fact
class Format:
    """``template.format(*args, **kwargs)`` or ``template % args``; ``style`` is ``brace`` or ``percent``."""

    template: "Sym"
    args: Tuple["Sym", ...]
    kwnames: Tuple[str, ...]
    kwvalues: Tuple["Sym", ...]
    style: str = "brace"


@fact
class PathJoin:
    """``os.path.join`` / ``Path(a, b)`` / ``a / b`` / ``joinpath``: an absolute part restarts the path."""

    parts: Tuple["Sym", ...]


@fact
class PathOp:
    """A path operation: dirname, basename, abspath, parent, name, stem, suffix, with_suffix, with_name, expanduser."""

    op: str
    base: "Sym"
    arg: Optional["Sym"] = None


@fact
class Here:
    """``__file__`` of the module the value was written in."""


@fact
class Param:
    """A parameter of the enclosing function (with its default when it has one)."""

    function: str
    name: str
    default: Optional["Sym"] = None


@fact
class Choice:
    """One of several values: a loop variable over a literal sequence, say."""

    options: Tuple["Sym", ...]


@fact
class Unknown:
    """Not known statically; ``hint`` says what it was (an env var, a call, a CLI argument...)."""

    hint: str = ""


Sym = Union[Lit, Seq, Ref, Concat, Format, PathJoin, PathOp, Here, Param, Choice, Unknown]


def literal_strings(value: "Sym") -> Optional[Tuple[str, ...]]:
    """The strings of a literal sequence (or a single string), or None when not all literal."""
    if isinstance(value, Lit) and isinstance(value.value, str):
        return (value.value,)
    if isinstance(value, Seq):
        out = []
        for item in value.items:
            if not (isinstance(item, Lit) and isinstance(item.value, str)):
                return None
            out.append(item.value)
        return tuple(out)
    return None
