"""What a scanned repository's configuration may make debtscan do: the trust model.

A configuration file found above the scanned path (``pyproject.toml``, ``debtscan.toml``) belongs to the
repository being scanned, which may be a pull request from a fork or a download being audited. Its data
settings (selectors, excludes, per-rule options, I/O helpers) only shape the analysis. Two settings reach
further, and are bounded here:

- ``plugins`` names modules to import, i.e. code of that repository: they are imported only when the user
  trusts the configuration (:attr:`PluginPolicy.TRUSTED`: ``--trust-config`` or ``DEBTSCAN_TRUST_CONFIG=1``),
  from the project root. Otherwise each is refused with a note and nothing is imported.
- ``cache-dir`` is where debtscan writes: one taken from a configuration must stay inside that
  configuration's project root (no ``..``, no absolute path elsewhere, no symlink that leaves it); otherwise
  it is refused with a note and the default cache is used. A cache outside the project comes only from
  ``--cache-dir`` or ``DEBTSCAN_CACHE_DIR``, which the user sets.

Rule plugins installed as ``debtscan.rules`` entry points were installed by the user and are trusted.
"""
from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Mapping, Optional

TRUST_ENV = "DEBTSCAN_TRUST_CONFIG"
CACHE_ENV = "DEBTSCAN_CACHE_DIR"
DEFAULT_CACHE_DIR = ".debtscan_cache"


class PluginPolicy(enum.Enum):
    """Which rule plugins a scan loads."""

    #: installed entry-point plugins; the configuration's ``plugins`` are refused with a note (the default)
    INSTALLED = "installed"
    #: installed entry-point plugins and the configuration's ``plugins``, importable from the project root
    TRUSTED = "trusted"
    #: built-in rules only (``--no-plugins``)
    NONE = "none"

    @property
    def entry_points(self) -> bool:
        return self is not PluginPolicy.NONE

    @property
    def config_plugins(self) -> bool:
        return self is PluginPolicy.TRUSTED


def env_flag(name: str, environ: Optional[Mapping[str, str]] = None) -> bool:
    """Whether an environment variable is set to a true value (anything but empty, ``0``, ``false``, ``no``)."""
    value = (os.environ if environ is None else environ).get(name, "")
    return value.strip().lower() not in ("", "0", "false", "no", "off")


def plugin_policy(trust_config: bool = False, no_plugins: bool = False,
                  environ: Optional[Mapping[str, str]] = None) -> PluginPolicy:
    """The policy the command line asks for: ``--no-plugins`` wins over ``--trust-config`` and the
    ``DEBTSCAN_TRUST_CONFIG`` environment variable."""
    if no_plugins:
        return PluginPolicy.NONE
    if trust_config or env_flag(TRUST_ENV, environ):
        return PluginPolicy.TRUSTED
    return PluginPolicy.INSTALLED


def refused_plugin_note(plugin: str, where: str) -> str:
    """The note for a configuration plugin that was not imported."""
    return (f"not imported: it is named by `plugins` in {where}, and a configuration's plugins are code of the "
            f"scanned repository, loaded only with --trust-config (or {TRUST_ENV}=1)")


def is_inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


@dataclass
class CacheLocation:
    """Where the facts cache goes (``None``: no cache), and the notes on settings that were refused."""

    directory: Optional[Path]
    notes: List[str] = field(default_factory=list)


def _escape(value: str, base: Path) -> Optional[str]:
    """Why ``value`` (a configuration's ``cache-dir``, relative to ``base``) leaves ``base``, or None."""
    candidate = Path(value)
    if candidate.is_absolute():
        lexical = Path(os.path.normpath(candidate))
        if not is_inside(lexical, base):
            return f"is an absolute path outside the project root {base}"
    else:
        lexical = Path(os.path.normpath(base / candidate))
        if not is_inside(lexical, base):
            return f"leaves the project root {base} through `..`"
    resolved = lexical.resolve()  # follows every symlink on the way, existing or not
    if not is_inside(resolved, base):
        return f"leaves the project root {base} through a symlink (it resolves to {resolved})"
    return None


def cache_location(cache_dir: str, where: str, base: Path, override: Optional[Path] = None, environ: Optional[Mapping[str, str]] = None) -> CacheLocation:
    """The facts cache folder of a scan.

    ``where`` names the setting for notes (``pyproject.toml:7``). ``override`` (``--cache-dir``, resolved against the current folder) wins, then ``DEBTSCAN_CACHE_DIR``;
    either may be anywhere. Otherwise ``cache_dir`` (the configuration's ``cache-dir`` or the default),
    relative to ``base`` (the configuration's folder, else the scan root), must stay inside ``base``.
    """
    if override is not None:
        return CacheLocation(Path(override))
    env = (os.environ if environ is None else environ).get(CACHE_ENV, "").strip()
    if env:
        return CacheLocation(Path(env).resolve())
    base = base.resolve()
    notes: List[str] = []
    if cache_dir != DEFAULT_CACHE_DIR:
        problem = _escape(cache_dir, base)
        if problem is None:
            return CacheLocation(Path(os.path.normpath(base / cache_dir)))
        notes.append(f"{where}: cache-dir {cache_dir!r} {problem}; using the default "
                     f"{DEFAULT_CACHE_DIR} there instead (a cache outside the project can only be chosen with "
                     f"--cache-dir or {CACHE_ENV})")
    problem = _escape(DEFAULT_CACHE_DIR, base)
    if problem is not None:
        notes.append(f"the default cache folder {DEFAULT_CACHE_DIR} {problem}; scanning without a cache "
                     f"(choose one with --cache-dir or {CACHE_ENV})")
        return CacheLocation(None, notes)
    return CacheLocation(base / DEFAULT_CACHE_DIR, notes)

