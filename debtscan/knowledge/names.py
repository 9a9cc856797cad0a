"""How debtscan names the callee of a call, in its facts and in its catalogues.

The facts name a call by the qualified name its callee resolves to (``pandas.read_csv``,
``pandas.DataFrame.merge`` for a method of a value of known type). When the receiver's type is unknown, the
stored name is ``?.<method>`` (``?.train`` for ``Model(out).train(X)``), and the catalogues use the same
spelling for "this method on any receiver of unknown type" (``?.validate`` in ``external.toml``); a call of a
name bound to nothing known is ``?<name>``, and one of any other expression ``?``.

That spelling is written and read here only: every other module, in every stage, reads a call's
:class:`Callee` (what kind of callee it is, its name or method) and makes names with :func:`unknown_method`.
"""
from __future__ import annotations

import enum
from functools import lru_cache

from debtscan.records import record

_UNKNOWN = "?"
_METHOD = _UNKNOWN + "."


class CalleeKind(enum.Enum):
    """``resolved``: a qualified name; ``method``: a method of a value of unknown type; ``unresolved``: a name
    bound to nothing known, or an expression that names no function."""

    RESOLVED = "resolved"
    METHOD = "method"
    UNRESOLVED = "unresolved"


@record(frozen=True)
class Callee:
    """A call's callee: its ``kind`` and ``name`` (the qualified name, the method, or the unresolved name;
    ``""`` for an expression)."""

    kind: CalleeKind
    name: str

    @property
    def resolved(self) -> bool:
        return self.kind is CalleeKind.RESOLVED

    @property
    def unknown_receiver(self) -> bool:
        """A method called on a value whose type is unknown."""
        return self.kind is CalleeKind.METHOD

    @property
    def method(self) -> str:
        """The last part of the name: the method (or function) called."""
        return self.name.rpartition(".")[2]

    @property
    def text(self) -> str:
        """The name as facts and catalogues spell it (see the module's docstring)."""
        if self.kind is CalleeKind.METHOD:
            return _METHOD + self.name
        if self.kind is CalleeKind.UNRESOLVED:
            return _UNKNOWN + self.name
        return self.name


@lru_cache(maxsize=65536)
def callee_of(text: str) -> Callee:
    """The callee a stored name spells (``?.train`` -> a method ``train`` of an unknown receiver)."""
    if text.startswith(_METHOD):
        return Callee(CalleeKind.METHOD, text[len(_METHOD):])
    if text.startswith(_UNKNOWN):
        return Callee(CalleeKind.UNRESOLVED, text[len(_UNKNOWN):])
    return Callee(CalleeKind.RESOLVED, text)


def unknown_method(method: str) -> str:
    """The stored name of ``method`` called on a value of unknown type."""
    return _METHOD + method


def unresolved(name: str = "") -> str:
    """The stored name of a call of ``name`` bound to nothing known (``""``: of an expression)."""
    return _UNKNOWN + name


def is_unresolved_detail(text: str) -> bool:
    """Whether a call's stored name says it resolved to no qualified name (an unknown receiver or name)."""
    return text.startswith(_UNKNOWN)
