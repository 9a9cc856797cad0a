"""Symbolic values: what an expression is known to evaluate to, without evaluating it.

The extractor turns path expressions, constants and feature lists into these small trees; they are
resolved across files when the graph is built (``debtscan.project.paths``).
"""
from __future__ import annotations

from typing import Optional, Set, Tuple, Union

from debtscan.facts.enums import FactEnum
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
class Arg:
    """A command-line argument of the script that runs: an argparse argument by its ``dest`` (``args.out``),
    or ``sys.argv[index]`` (``index`` >= 1, ``dest`` empty); ``default``: the argparse default, if any. The
    runner that invokes the script gives its value when the project is built (:mod:`debtscan.project.argv`)."""

    dest: str = ""
    index: int = 0
    default: Optional["Sym"] = None


@fact
class Choice:
    """One of several values: a loop variable over a literal sequence, say."""

    options: Tuple["Sym", ...]


class Why(FactEnum):
    """Why a value is :class:`Unknown`; ``Unknown.detail`` says more for some."""

    OTHER = "other"
    DEEP = "deep"                # nested beyond the evaluation's depth limit
    STRING = "string"            # a malformed string literal
    NUMBER = "number"            # a malformed number literal
    NAME = "name"                # a name bound to nothing known (detail: the name)
    ATTRIBUTE = "attribute"      # an attribute of a value of unknown type (detail: the attribute, ``args.out``)
    CALL = "call"                # what a call returns (detail: the callee's qualified name, ``?.m`` if unknown)
    EXPRESSION = "expression"    # an expression not evaluated (detail: its syntax node type)
    STARRED = "starred"          # ``*xs`` of an unknown sequence
    ARITHMETIC = "arithmetic"    # arithmetic other than ``+``, ``/``, ``%``
    AUGMENTED = "augmented"      # ``x += ...`` on an unknown ``x``
    UNPACKED = "unpacked"        # a target of tuple unpacking
    ENV = "env"                  # an environment variable without a default
    LOOP = "loop"                # a loop variable over an unknown iterable
    ARGUMENT = "argument"        # a command-line argument without a default
    PARAMETER = "parameter"      # a helper's parameter without a value at the call (detail: its name)
    INDEX = "index"              # an index beyond a literal sequence
    FRAME = "frame"              # the frame whose column names a helper prefixes (``df.add_prefix(p)``)
    EMPTY = "empty"              # the items of an empty literal sequence
    ITEMS = "items"              # the items of a value that is no literal sequence


@fact
class Unknown:
    """Not known statically; ``why`` says what it was (an env var, a call, a CLI argument...)."""

    why: Why = Why.OTHER
    detail: str = ""


@fact
class ReadsAt:
    """A frame loaded through a project helper at ``line`` of the same file (``df = utils.load(cols)``):
    it comes from whatever the helper reads there, known only when the project is built."""

    line: int


Sym = Union[Lit, Seq, Ref, Concat, Format, PathJoin, PathOp, Here, Param, Arg, Choice, Unknown, ReadsAt]


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


def params_in(value: Sym, function: str, acc: Set[str], depth: int = 0) -> Set[str]:
    """The parameters of ``function`` a symbolic path depends on."""
    if depth > 20:
        return acc
    kind = type(value)
    if kind is Param:
        if value.function == function:
            acc.add(value.name.partition("[")[0])
    elif kind in (Concat, PathJoin):
        for part in value.parts:
            params_in(part, function, acc, depth + 1)
    elif kind is Format:
        params_in(value.template, function, acc, depth + 1)
        for part in value.args + value.kwvalues:
            params_in(part, function, acc, depth + 1)
    elif kind is PathOp:
        params_in(value.base, function, acc, depth + 1)
    elif kind is Choice:
        for option in value.options:
            params_in(option, function, acc, depth + 1)
    elif kind is Seq:
        for item in value.items:
            params_in(item, function, acc, depth + 1)
    return acc
