"""Finding rules: the ``debtscan.rules`` entry point group and the config's ``plugins``, loaded alike.

An entry point or plugin names a module (every Rule subclass with a code defined in it, or listed in its
``RULES``) or a Rule class. The :class:`RuleSet` is the one source of the rule codes a scan knows: a
plugin's codes are known exactly when it loaded.

Which plugins load is the :class:`~debtscan.trust.PluginPolicy`: entry points (installed by the user) by
default; the configuration's ``plugins`` (code of the scanned repository) only when the configuration is
trusted, imported from the project root; otherwise each is refused with a note and nothing is imported.
Whatever plugin code prints while it loads goes to stderr, never into the report on stdout.
"""
from __future__ import annotations

import importlib
import inspect
import sys
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple, Type

from debtscan.records import record
from debtscan.rules.base import Rule
from debtscan.rules.stdout_guard import stdout_to_stderr
from debtscan.trust import PluginPolicy, refused_plugin_note

if sys.version_info >= (3, 10):
    from importlib.metadata import entry_points
else:  # pragma: no cover
    from importlib_metadata import entry_points  # type: ignore

if TYPE_CHECKING:
    from debtscan.config import Config

GROUP = "debtscan.rules"


@record
class RuleSet:
    """The rules found, by code, and the plugins that failed to load or were refused (origin, reason).

    ``unloaded`` holds the configuration's plugins whose rules are missing (refused or broken), with the reason:
    a code nobody defines may be one of theirs."""

    rules: Dict[str, Type[Rule]] = field(default_factory=dict)
    errors: List[Tuple[str, str]] = field(default_factory=list)
    origins: Dict[str, str] = field(default_factory=dict)
    unloaded: Dict[str, str] = field(default_factory=dict)
    refused: List[str] = field(default_factory=list)

    def unknown_code_hint(self) -> str:
        """What to add to "no rule has code X" when a configuration plugin did not load, else ``""``."""
        if not self.unloaded:
            return ""
        names = ", ".join(sorted(self.unloaded))
        if self.refused:
            return f" (the configuration's plugins were not loaded: {names}; pass --trust-config to load them)"
        failed = {f"plugin {name}" for name in self.unloaded}
        reasons = "; ".join(f"{origin}: {reason}" for origin, reason in self.errors if origin in failed)
        return f" [note: {reasons}]" if reasons else f" (plugins that failed to load: {names})"


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


_IMPORTED_FROM: Dict[str, str] = {}  # top-level module of a configuration plugin -> project root it came from


def _import_from_root(module_name: str, root: Optional[Path]):
    """Import ``module_name`` with the project root first on ``sys.path`` (as pytest does with its rootdir), so
    that ``tools.debt_rules`` in the scanned project loads without PYTHONPATH. A module of the same name that
    an earlier scan imported from another project is imported afresh."""
    if root is None:
        return importlib.import_module(module_name)
    entry = str(Path(root).resolve())
    top = module_name.split(".")[0]
    previous = _IMPORTED_FROM.get(top)
    if previous is not None and previous != entry:
        for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
            del sys.modules[name]
    sys.path.insert(0, entry)
    importlib.invalidate_caches()
    try:
        module = importlib.import_module(module_name)
    finally:
        if sys.path and sys.path[0] == entry:
            del sys.path[0]
        elif entry in sys.path:
            sys.path.remove(entry)
    package = sys.modules.get(top)
    location = getattr(package, "__file__", None) or next(iter(getattr(package, "__path__", None) or []), "")
    if location and Path(location).resolve().is_relative_to(Path(entry)):
        _IMPORTED_FROM[top] = entry
    return module


def load_rules(plugins: Sequence[str] = (), policy: PluginPolicy = PluginPolicy.INSTALLED,
               root: Optional[Path] = None, source: str = "the configuration") -> RuleSet:
    """All rules: the built-in ones, the entry point group (unless ``policy`` is NONE), then each ``module`` or
    ``module:Class`` in ``plugins`` when ``policy`` is TRUSTED (importable from ``root``, the project root);
    ``source`` names where ``plugins`` is set (``pyproject.toml:3``) for the notes on refused plugins."""
    ruleset = RuleSet()
    from debtscan.rules import builtin

    _add(ruleset, "debtscan", _rules_in(builtin))
    with stdout_to_stderr():
        if policy.entry_points:
            _load_entry_points(ruleset, builtin.__name__)
        for plugin in plugins:
            origin = f"plugin {plugin}"
            if not policy.config_plugins:
                ruleset.unloaded[plugin] = "refused"
                if policy is PluginPolicy.NONE:
                    ruleset.errors.append((origin, f"not imported: --no-plugins (it is named in `plugins` in "
                                                   f"{source})"))
                else:
                    ruleset.refused.append(plugin)
                    ruleset.errors.append((origin, refused_plugin_note(plugin, source)))
                continue
            module_name, _, attr = plugin.partition(":")
            try:
                obj = _import_from_root(module_name, root)
                if attr:
                    obj = getattr(obj, attr)
                found = _rules_in(obj)
                if not found:
                    ruleset.errors.append((origin, "defines no Rule subclass with a code"))
                    ruleset.unloaded[plugin] = "defines no rule"
                _add(ruleset, origin, found)
            except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop the scan
                ruleset.errors.append((origin, f"cannot load: {type(exc).__name__}: {exc}"))
                ruleset.unloaded[plugin] = "failed"
            except SystemExit as exc:  # a plugin calling sys.exit() at import is broken, not the scan's end
                ruleset.errors.append((origin, f"cannot load: SystemExit: {exc}"))
                ruleset.unloaded[plugin] = "failed"
    return ruleset


def rules_for(config: "Config") -> RuleSet:
    """The rules of a scan with ``config``: its ``plugins`` under its plugin policy, from its project root."""
    from debtscan.config import line_of

    source = line_of(config.path, "plugins") if config.path is not None else "the configuration"
    return load_rules(config.plugins, config.plugin_policy, config.root, source)


def _load_entry_points(ruleset: RuleSet, builtin_module: str) -> None:
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        if ep.value.split(":")[0] == builtin_module:
            continue
        try:
            _add(ruleset, f"entry point {ep.name}", _rules_in(ep.load()))
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop the scan
            ruleset.errors.append((f"entry point {ep.name}", f"{type(exc).__name__}: {exc}"))


def selected(codes: Sequence[str], rules: Dict[str, Type[Rule]], select: Sequence[str],
             ignore: Sequence[str]) -> List[str]:
    """Codes enabled by ``select``/``ignore`` (codes, prefixes like ``DS2``, categories or rule names)."""
    from debtscan.rules import selectors

    return selectors.selected(codes, rules, select, ignore)
