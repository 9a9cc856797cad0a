"""Finding rules: the ``debtscan.rules`` entry point group and the config's ``plugins``, loaded alike.

An entry point or plugin names a module (every Rule subclass with a code defined in it, or listed in its
``RULES``) or a Rule class.
"""
from __future__ import annotations

import importlib
import inspect
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple, Type

from debtscan.rules.base import Rule

if sys.version_info >= (3, 10):
    from importlib.metadata import entry_points
else:  # pragma: no cover
    from importlib_metadata import entry_points  # type: ignore

GROUP = "debtscan.rules"


@dataclass
class RuleSet:
    """The rules found, by code, and the plugins that failed to load (name, reason)."""

    rules: Dict[str, Type[Rule]] = field(default_factory=dict)
    errors: List[Tuple[str, str]] = field(default_factory=list)
    origins: Dict[str, str] = field(default_factory=dict)


def _rules_in(obj) -> List[Type[Rule]]:
    if inspect.isclass(obj) and issubclass(obj, Rule) and obj.code:
        return [obj]
    if inspect.ismodule(obj):
        listed = getattr(obj, "RULES", None)
        if listed is not None:
            return [r for r in listed if inspect.isclass(r) and issubclass(r, Rule) and r.code]
        return [
            value for value in vars(obj).values()
            if inspect.isclass(value) and issubclass(value, Rule) and value.code
            and value.__module__ == obj.__name__
        ]
    return []


def _add(ruleset: RuleSet, origin: str, found: List[Type[Rule]]) -> None:
    for rule in found:
        if rule.code in ruleset.rules and ruleset.rules[rule.code] is not rule:
            ruleset.errors.append((origin, f"rule code {rule.code} is already defined by "
                                           f"{ruleset.origins[rule.code]}"))
            continue
        ruleset.rules[rule.code] = rule
        ruleset.origins[rule.code] = origin


def load_rules(plugins: Sequence[str] = ()) -> RuleSet:
    """All rules: the entry point group, then each ``module`` or ``module:Class`` in ``plugins``."""
    ruleset = RuleSet()
    from debtscan.rules import builtin

    _add(ruleset, "debtscan", _rules_in(builtin))
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        if ep.value.split(":")[0] == builtin.__name__:
            continue
        try:
            _add(ruleset, f"entry point {ep.name}", _rules_in(ep.load()))
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop the scan
            ruleset.errors.append((f"entry point {ep.name}", f"{type(exc).__name__}: {exc}"))
    for plugin in plugins:
        module_name, _, attr = plugin.partition(":")
        try:
            obj = importlib.import_module(module_name)
            if attr:
                obj = getattr(obj, attr)
            found = _rules_in(obj)
            if not found:
                ruleset.errors.append((f"plugin {plugin}", "defines no Rule subclass with a code"))
            _add(ruleset, f"plugin {plugin}", found)
        except Exception as exc:  # noqa: BLE001
            ruleset.errors.append((f"plugin {plugin}", f"cannot load: {type(exc).__name__}: {exc}"))
    return ruleset


def selected(codes: Sequence[str], rules: Dict[str, Type[Rule]], select: Sequence[str],
             ignore: Sequence[str]) -> List[str]:
    """Codes enabled by ``select``/``ignore`` (codes, prefixes like ``DS2``, categories or rule names)."""
    from debtscan.rules import selectors

    return selectors.selected(codes, rules, select, ignore)
