"""Configuration debt across scripts: the cross-file half of the DS507-DS509 rules.

Reads the literal settings and config blocks of :mod:`debtscan.facts.settings` and the module constants.
Only *scripts* count: notebooks and modules no other module imports (outside tests and abandoned folders).
A library module's literals are its own defaults; a script's literals are the run's configuration.

- :func:`scattered_settings`: a hyperparameter or data setting of the catalogue written as a literal in
  several scripts with different values (``learning_rate=0.05`` here, ``0.02`` there), for the same callee
  (the same model class: three different models may well need three different ``n_estimators``), in config
  dicts, or as module constants;
- :func:`duplicated_blocks`: the same config block (a dict of settings, or a call with the same literal
  keyword arguments) written in several scripts;
- :func:`foreign_constants`: a script's list of values that are other scripts' constants
  (``DATE_item = ['812_1', '813_1']`` naming the ``DATE`` of two other scripts).
"""
from __future__ import annotations

import enum
import posixpath
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from debtscan.facts.model import ConfigBlockFact, FileFacts, SettingFact
from debtscan.knowledge.settings import setting_names
from debtscan.facts.values import Lit, Seq
from debtscan.records import record

Place = Tuple[str, int]


class OwnerKind(enum.Enum):
    """What a setting belongs to: a keyword of a ``call`` (``lightgbm.LGBMClassifier(num_leaves=...)``), a key
    of a family of config ``dict`` literals of the same keys, or a module ``constant``."""

    CALL = "call"
    DICT = "dict"
    CONSTANT = "constant"


@record(frozen=True)
class Scattered:
    """One setting of one owner and its literal values: value -> places. ``owner`` names the owner (the
    callee, the config-dict family by its first dict's place, or ``constant``) and ``kind`` says which it is."""

    key: str
    owner: str
    values: Tuple[Tuple[str, Tuple[Place, ...]], ...]
    kind: OwnerKind = OwnerKind.CALL

    @property
    def places(self) -> List[Place]:
        return sorted(p for _, places in self.values for p in places)


@record(frozen=True)
class BlockCopy:
    """A config block written in several scripts: the blocks (path, fact), and the keys whose values differ
    (key -> value -> paths)."""

    kind: str
    callee: str
    keys: Tuple[str, ...]
    blocks: Tuple[Tuple[str, ConfigBlockFact], ...]
    differing: Tuple[Tuple[str, Tuple[Tuple[str, Tuple[str, ...]], ...]], ...]


@record(frozen=True)
class ForeignConstant:
    """``name`` at ``path:line`` lists values that are the constants of other scripts (value -> place, name)."""

    path: str
    line: int
    name: str
    matches: Tuple[Tuple[str, str, int, str], ...]


_WORK = frozenset({"io", "ml", "glue"})


def _does_work(fact: FileFacts) -> bool:
    """Whether a top-level line reads or writes files, trains or converts data. Import lines are classified
    by what they import (``import torch`` is ML), yet do no work."""
    imports = {imp.line for imp in fact.imports}
    return any(s.scope == "<module>" and s.kind in _WORK and s.line not in imports for s in fact.statements)


def scripts(project) -> Dict[str, FileFacts]:
    """The project's scripts: notebooks, and modules that no other module imports and that run something
    (an ``if __name__ == "__main__":`` block, a runner runs them, or, outside a package, top-level calls made
    for their effect or top-level lines that read or write files, train or convert data); tests left out. A module of a package that nothing imports
    yet is an API, and a helper module that only defines functions and constants is no script."""
    from debtscan.project.kinds import is_test_module

    imported = project.imports.imported
    packages = {posixpath.dirname(p) for p in project.facts if posixpath.basename(p) == "__init__.py"}
    run = {step.script for step in project.pipeline.steps}
    out = {}
    for path, fact in project.facts.items():
        if is_test_module(path) or posixpath.basename(path) == "__init__.py":
            continue
        if fact.notebook:
            out[path] = fact
        elif path not in imported and (fact.main_guard or path in run or (
                posixpath.dirname(path) not in packages and (fact.top_level_calls or _does_work(fact)))):
            out[path] = fact
    return out


def clone_groups(project) -> List[Set[str]]:
    """The files of each clone family of the project (``project.clones``, found once by the scan's
    :class:`~debtscan.config.CloneSettings`): what differs inside one family is named by DS506, so the
    configuration rules do not report it again."""
    return [{m.path for m in family.members} for family in project.clones]


def within_one(paths: Set[str], groups: List[Set[str]]) -> bool:
    return any(paths <= group for group in groups)


def _block_settings(fact: FileFacts) -> Dict[int, List[SettingFact]]:
    out: Dict[int, List[SettingFact]] = {}
    for setting in fact.settings:
        if setting.block >= 0:
            out.setdefault(setting.block, []).append(setting)
    return out


def duplicated_blocks(files: Dict[str, FileFacts], min_keys: int = 4) -> List[BlockCopy]:
    groups: Dict[Tuple[str, str, FrozenSet[str]], List[Tuple[str, ConfigBlockFact]]] = {}
    for path in sorted(files):
        for block in files[path].config_blocks:
            if len(set(block.keys)) < min_keys or block.literals < min_keys:
                continue
            key = (block.kind, block.callee, frozenset(block.keys))
            groups.setdefault(key, []).append((path, block))
    out = []
    for (kind, callee, keys), blocks in groups.items():
        if len({p for p, _ in blocks}) < 2:
            continue
        values: Dict[str, Dict[str, Set[str]]] = {}
        for path, block in blocks:
            for setting in _block_settings(files[path]).get(block.index, []):
                values.setdefault(setting.key, {}).setdefault(setting.value, set()).add(path)
        differing = tuple(
            (k, tuple(sorted((v, tuple(sorted(ps))) for v, ps in by_value.items())))
            for k, by_value in values.items() if len(by_value) > 1
        )
        ordered = tuple(k for k in blocks[0][1].keys)
        out.append(BlockCopy(kind, callee, ordered, tuple(blocks), differing))
    return sorted(out, key=lambda c: (c.blocks[0][0], c.blocks[0][1].line))


def scattered_settings(files: Dict[str, FileFacts], skip: Set[Tuple[str, int]] = frozenset(),
                       min_files: int = 2) -> List[Scattered]:
    """Catalogue settings with different literal values in at least ``min_files`` scripts; ``skip`` holds
    (path, block index) of blocks reported as duplicated config already."""
    names = setting_names()
    schemas = _dict_schemas(files)
    values: Dict[Tuple[str, str], Dict[str, List[Place]]] = {}
    kinds: Dict[Tuple[str, str], OwnerKind] = {}
    for path in sorted(files):
        fact = files[path]
        for setting in fact.settings:
            if setting.key not in names or (path, setting.block) in skip:
                continue
            if setting.where == "kwarg":
                owner, kind = setting.callee, OwnerKind.CALL
            elif (path, setting.block) in schemas:
                owner, kind = schemas[(path, setting.block)], OwnerKind.DICT
            else:
                continue
            kinds.setdefault((setting.key, owner), kind)
            values.setdefault((setting.key, owner), {}).setdefault(setting.value, []).append((path, setting.line))
        for constant in fact.constants:
            key = constant.name.lower()
            if key in names and isinstance(constant.value, Lit) and not isinstance(constant.value.value, str):
                value = repr(constant.value.value)
                values.setdefault((key, "constant"), {}).setdefault(value, []).append((path, constant.line))
                kinds.setdefault((key, "constant"), OwnerKind.CONSTANT)
    out = []
    for (key, owner), by_value in sorted(values.items()):
        paths = {p for places in by_value.values() for p, _ in places}
        if len(by_value) < 2 or len(paths) < min_files:
            continue
        out.append(Scattered(key, owner, tuple(sorted((v, tuple(sorted(set(ps)))) for v, ps in by_value.items())),
                             kinds[(key, owner)]))
    return out


def _dict_schemas(files: Dict[str, FileFacts], overlap: float = 0.5) -> Dict[Tuple[str, int], str]:
    """Config dicts of the same kind: (path, block index) -> ``dict`` plus a family label, dicts joined when
    their key sets overlap by at least ``overlap`` (Jaccard). Two converters' model configs that share a
    ``hidden_size`` key but little else are not the same setting written twice."""
    blocks = [(path, block) for path in sorted(files) for block in files[path].config_blocks
              if block.kind == "dict"]
    keys = [frozenset(block.keys) for _, block in blocks]
    parent = list(range(len(blocks)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_key: Dict[str, List[int]] = {}
    for index, key_set in enumerate(keys):
        for key in key_set:
            by_key.setdefault(key, []).append(index)
    for index, key_set in enumerate(keys):
        seen: Set[int] = set()
        for key in key_set:
            for other in by_key[key][:200]:
                if other <= index or other in seen:
                    continue
                seen.add(other)
                if len(key_set & keys[other]) / len(key_set | keys[other]) >= overlap:
                    parent[find(other)] = find(index)
    out = {}
    for index, (path, block) in enumerate(blocks):
        root = find(index)
        out[(path, block.index)] = f"dict#{blocks[root][0]}:{blocks[root][1].line}"
    return out


def _related_names(a: str, b: str) -> bool:
    """``DATE`` and ``DATE_item``/``item_DATE``/``DATES``: the same setting, one of them a collection."""
    a, b = a.lower(), b.lower()
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 3 and (long_.startswith(short + "_") or long_.endswith("_" + short)
                                or long_ == short + "s")


def foreign_constants(files: Dict[str, FileFacts], min_matches: int = 2) -> List[ForeignConstant]:
    by_value: Dict[str, List[Tuple[str, str, int]]] = {}
    for path in sorted(files):
        for constant in files[path].constants:
            value = constant.value
            if isinstance(value, Lit) and isinstance(value.value, str) and len(value.value) >= 3:
                by_value.setdefault(value.value, []).append((path, constant.name, constant.line))
    out = []
    for path in sorted(files):
        for constant in files[path].constants:
            if not isinstance(constant.value, Seq) or len(constant.value.items) < 2:
                continue
            matches = []
            for item in constant.value.items:
                if not (isinstance(item, Lit) and isinstance(item.value, str)):
                    continue
                for other, name, line in by_value.get(item.value, []):
                    if other != path and _related_names(name, constant.name):
                        matches.append((item.value, other, line, name))
            if len({m[1] for m in matches}) >= min_matches:
                out.append(ForeignConstant(path, constant.line, constant.name, tuple(sorted(matches))))
    return out


def block_line(copy: BlockCopy, index: int = 0) -> Optional[Place]:
    path, block = copy.blocks[index]
    return path, block.line
