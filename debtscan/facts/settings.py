"""Literal settings: hyperparameters and data settings written into the code (the configuration-debt family).

From the single pass, per call and per dict display (their immediate children only):

- a keyword argument whose name is a setting of the catalogue (``debtscan/knowledge/settings.toml``:
  ``learning_rate``, ``n_estimators``, ``batch_size``, ``test_size``, ``random_state``...) and whose value is a
  literal (``learning_rate=0.05``) is a :class:`SettingFact` (``where="kwarg"``);
- a *config block*, a dict display or ``dict(...)`` call with at least :data:`MIN_BLOCK` string keys holding
  literal values, or a call with that many literal keyword arguments, at least :data:`MIN_KNOWN` of them
  settings of the catalogue (so that a column-renaming dict or a plot's styling is not configuration), is a
  :class:`ConfigBlockFact`, and each of its literal entries a :class:`SettingFact` (``where="dict"``/
  ``"kwarg"``, ``block`` its index).

Values are kept as their canonical literal text (``0.05``, ``'binary'``, ``True``, ``-1``), never
evaluated beyond literal numbers and strings. Each entry's line is taken when the pass reaches it.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import libcst as cst

from debtscan.facts.collector import CollectedFacts, Collector
from debtscan.facts.literals import integer_value, string_value
from debtscan.facts.model import ConfigBlockFact, SettingFact
from debtscan.knowledge.settings import setting_names  # noqa: F401 - re-exported (it was defined here)

MIN_BLOCK = 3
MIN_KNOWN = 2


def literal_text(node: cst.BaseExpression) -> Optional[str]:
    """The canonical text of a literal scalar (number, string, bool, None, negative number), else None."""
    kind = type(node)
    try:
        if kind is cst.Integer or kind is cst.Float:
            return repr(integer_value(node) if kind is cst.Integer else node.evaluated_value)
        if kind is cst.SimpleString:
            value = string_value(node)
            return repr(value if isinstance(value, str) else value.decode("latin-1"))
    except Exception:  # noqa: BLE001 - a malformed literal is simply not a setting
        return None
    if kind is cst.Name and node.value in ("True", "False", "None"):
        return node.value
    if kind is cst.UnaryOperation and type(node.operator) is cst.Minus and type(node.expression) in (
            cst.Integer, cst.Float):
        inner = literal_text(node.expression)
        return "-" + inner if inner is not None else None
    return None


def _key_text(node: cst.BaseExpression) -> Optional[str]:
    if type(node) is cst.SimpleString:
        try:
            value = string_value(node)
        except Exception:  # noqa: BLE001
            return None
        return value if isinstance(value, str) and value.isidentifier() else None
    return None


class SettingsCollector(Collector):
    """Literal settings and config blocks; see the module docstring."""

    enter = {cst.Arg: "on_arg", cst.Dict: "on_dict", cst.DictElement: "on_element"}
    leave = {cst.Dict: "off_dict"}

    def __init__(self, ex) -> None:
        super().__init__(ex)
        self.names = setting_names()
        self.wanted: Dict[int, Tuple[str, str, str, int, str]] = {}
        self.settings: List[SettingFact] = []
        self.blocks: List[ConfigBlockFact] = []
        self.open_dicts: Dict[int, Tuple[int, int, int]] = {}

    def _target(self) -> str:
        frame = self.ex.stmt_stack[-1] if self.ex.stmt_stack else None
        node = frame.node if frame is not None else None
        if type(node) is cst.Assign and len(node.targets) == 1 and type(node.targets[0].target) is cst.Name:
            return node.targets[0].target.value
        return ""

    def on_call(self, node: cst.Call, qualname: str) -> None:
        literal = []
        for arg in node.args:
            if arg.keyword is None or arg.star:
                continue
            text = literal_text(arg.value)
            if text is not None:
                literal.append((arg, arg.keyword.value, text))
        if not literal:
            return
        block = -1
        if len(literal) >= MIN_BLOCK and sum(1 for _, k, _ in literal if k in self.names) >= MIN_KNOWN:
            block = len(self.blocks)
            kind = "dict" if qualname == "builtins.dict" else "call"
            self.blocks.append(ConfigBlockFact(block, kind, qualname, tuple(k for _, k, _ in literal), len(literal),
                                               self.ex.line, self.ex.line, self.ex.scope_name, self._target()))
        for arg, key, text in literal:
            if block >= 0 or key in self.names:
                self.wanted[id(arg)] = (key, text, "dict" if qualname == "builtins.dict" else "kwarg", block,
                                        qualname)

    def on_arg(self, node: cst.Arg) -> None:
        if node.keyword is None:
            return
        entry = self.wanted.pop(id(node), None)
        if entry is not None:
            key, text, where, block, callee = entry
            self.settings.append(SettingFact(key, text, self.ex.line, self.ex.col, where, callee, block,
                                             self.ex.scope_name))

    def on_dict(self, node: cst.Dict) -> None:
        entries = []
        for element in node.elements:
            if type(element) is not cst.DictElement:
                continue
            key = _key_text(element.key)
            text = literal_text(element.value)
            if key is not None and text is not None:
                entries.append((element, key, text))
        if len(entries) < MIN_BLOCK or sum(1 for _, k, _ in entries if k in self.names) < MIN_KNOWN:
            return
        block = len(self.blocks)
        self.blocks.append(ConfigBlockFact(block, "dict", "", tuple(k for _, k, _ in entries), len(entries),
                                           self.ex.line, self.ex.line, self.ex.scope_name, self._target()))
        self.open_dicts[id(node)] = (block, self.ex.line, len(self.settings))
        for element, key, text in entries:
            self.wanted[id(element)] = (key, text, "dict", block, "")

    def on_element(self, node: cst.DictElement) -> None:
        entry = self.wanted.pop(id(node), None)
        if entry is not None:
            key, text, where, block, callee = entry
            self.settings.append(SettingFact(key, text, self.ex.line, self.ex.col, where, callee, block,
                                             self.ex.scope_name))

    def off_dict(self, node: cst.Dict) -> None:
        opened = self.open_dicts.pop(id(node), None)
        if opened is None:
            return
        block, line, _ = opened
        old = self.blocks[block]
        self.blocks[block] = ConfigBlockFact(old.index, old.kind, old.callee, old.keys, old.literals, old.line,
                                             max(line, self.ex.line), old.scope, old.target)

    def finish(self, out: CollectedFacts) -> None:
        out.settings.extend(self.settings)
        out.config_blocks.extend(self.blocks)
