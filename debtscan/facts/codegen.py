"""The one module that touches libcst internals: a walk of a parsed module in source order, with positions.

libcst's public ways to see every node with its position are the visitor framework with the
``PositionProvider`` metadata, which costs about three times the parse again (measured on Instacart,
nanoGPT and Home-Credit-Default-Risk: see ``bench/public_api.py``), and ``Module.code_for_node``, which
generates code but offers no hook per node. Code generation itself, though, visits every node in source
order and emits every token: a ``CodegenState`` subclass whose ``before_codegen``/``after_codegen`` hooks
see each node, and whose ``add_token`` counts lines and columns, walks the tree with exact positions for
about a quarter of the parse's cost. ``CodegenState`` (``libcst._nodes.internal``) and ``CSTNode._codegen``
are private, so they are used here and nowhere else; :func:`check_libcst` states what this module relies
on, and ``tests/test_codegen_contract.py`` fails loudly (naming the missing piece and libcst's version) on
a libcst release that changes it.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

import libcst as cst

try:  # the private piece: kept in this one place
    from libcst._nodes.internal import CodegenState as _CodegenState
except ImportError as exc:  # pragma: no cover - only on an incompatible libcst
    raise ImportError(
        f"debtscan needs libcst's CodegenState (libcst._nodes.internal), which this libcst does not have "
        f"({exc}); install a libcst version debtscan supports (see pyproject.toml)"
    ) from None

#: The members of libcst's ``CodegenState`` this walk overrides or reads; a libcst that renames one breaks it.
OVERRIDDEN = ("add_token", "add_indent_tokens", "pop_trailing_newline", "record_syntactic_position",
              "before_codegen", "after_codegen")
READ = ("indent_tokens",)

Handler = Callable[[cst.CSTNode], None]


class LibcstIncompatible(RuntimeError):
    """The installed libcst no longer has what the positioned walk relies on."""


def check_libcst() -> None:
    """Raise :class:`LibcstIncompatible` naming what is missing from the installed libcst."""
    missing = [name for name in OVERRIDDEN if not callable(getattr(_CodegenState, name, None))]
    if not callable(getattr(cst.Module, "_codegen", None)):
        missing.append("Module._codegen")
    fields = getattr(_CodegenState, "__dataclass_fields__", {})
    missing.extend(name for name in READ if name not in fields)
    if missing:
        version = getattr(cst, "__version__", None) or _installed_version()
        raise LibcstIncompatible(f"libcst {version} changed its code generation internals that debtscan's "
                                 f"single pass uses: {', '.join(missing)} (see debtscan/facts/codegen.py)")


def _installed_version() -> str:
    try:
        from importlib.metadata import version

        return version("libcst")
    except Exception:  # noqa: BLE001 - only for the message
        return "(unknown version)"


class Handlers(Dict[type, Optional[Handler]]):
    """Node type -> handler (or None). A type not in the table is looked up once through ``bind`` (when
    given) and the answer is kept, so a walk binds handlers only for the node types the file has."""

    __slots__ = ("bind",)

    def __init__(self, bind: Optional[Callable[[type], Optional[Handler]]] = None) -> None:
        super().__init__()
        self.bind = bind

    def __missing__(self, kind: type) -> Optional[Handler]:
        if self.bind is None:
            return None
        handler = self[kind] = self.bind(kind)
        return handler


class PositionedWalk(_CodegenState):
    """Walks a module in source order by generating its code; ``line`` (1-based) and ``col`` (0-based)
    are the position of the next token. Subclasses fill ``_before``/``_after``: node type -> handler
    (:class:`Handlers`, which may bind a type's handler the first time the walk meets it)."""

    __slots__ = ("line", "col", "_before", "_after")

    def __init__(self, module: cst.Module) -> None:
        _CodegenState.__init__(self, default_indent=module.default_indent, default_newline=module.default_newline)
        self.line = 1
        self.col = 0
        self._before: Handlers = Handlers()
        self._after: Handlers = Handlers()

    def walk(self, module: cst.Module) -> None:
        """Generate ``module``'s code, calling the handlers on the way."""
        module._codegen(self)

    # -- CodegenState hooks ---------------------------------------------------------------------
    def add_token(self, value: str) -> None:
        if "\n" in value:
            self.line += value.count("\n")
            self.col = len(value) - value.rfind("\n") - 1
        else:
            self.col += len(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.col += len(token)

    def pop_trailing_newline(self) -> None:
        pass

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        # libcst's version is a generator-based context manager entered for most nodes; positions are
        # tracked by add_token here, so a shared no-op context manager saves its cost.
        return _NO_POSITION

    def before_codegen(self, node: cst.CSTNode) -> None:
        handler = self._before[type(node)]
        if handler is not None:
            handler(node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        handler = self._after[type(node)]
        if handler is not None:
            handler(node)

    def release(self) -> None:
        """Drop the handlers (bound methods of collectors: reference cycles)."""
        self._before = self._after = Handlers()


class _NoPosition:
    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: Any) -> bool:
        return False


_NO_POSITION = _NoPosition()


def chain(handlers: List[Handler]) -> Handler:
    """One handler calling ``handlers`` in order."""
    if len(handlers) == 1:
        return handlers[0]
    handlers = tuple(handlers)

    def run(node: cst.CSTNode) -> None:
        for handler in handlers:
            handler(node)

    return run
