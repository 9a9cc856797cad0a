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
  it is refused with a note when the file is read (:func:`cache_dir_from_file`) and the default cache is used.
  A cache outside the project comes only from ``--cache-dir`` or ``DEBTSCAN_CACHE_DIR`` (or from code using
  the API), which the user sets. A relative cache folder that turns out to leave the project at scan time (a
  ``.debtscan_cache`` shipped as a symlink) means no cache (:func:`relative_cache_note`).

Rule plugins installed as ``debtscan.rules`` entry points were installed by the user and are trusted.
"""
from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import Mapping, Optional, Tuple

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


def cache_dir_escape(value: str, base: Path) -> Optional[str]:
    """Why the cache folder ``value`` (relative to ``base``, or absolute) is outside ``base``, or None."""
    base = base.resolve()
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


def cache_dir_from_file(value: str, where: str, base: Path) -> Tuple[str, Optional[str]]:
    """The ``cache-dir`` a configuration file at ``where`` (``pyproject.toml:7``), in folder ``base``, may set:
    ``value`` if it stays inside ``base``, else the default and the note saying why."""
    problem = cache_dir_escape(value, base)
    if problem is None:
        return value, None
    return DEFAULT_CACHE_DIR, (f"{where}: cache-dir {value!r} {problem}; using the default {DEFAULT_CACHE_DIR} "
                               f"there instead (a cache outside the project can only be chosen with --cache-dir "
                               f"or {CACHE_ENV})")


def chosen_cache_dir(option: Optional[str], environ: Optional[Mapping[str, str]] = None) -> Optional[Path]:
    """The cache folder the user chose, anywhere: ``--cache-dir``, else ``DEBTSCAN_CACHE_DIR`` (both relative
    to the current folder), else None."""
    value = option or (os.environ if environ is None else environ).get(CACHE_ENV, "").strip()
    return Path(value).resolve() if value else None


def relative_cache_note(cache_dir: str, base: Path) -> Optional[str]:
    """For a relative cache folder (the default, or one a configuration set), the note when it is not inside
    ``base`` after all (``.debtscan_cache`` shipped as a symlink out of the project): no cache then."""
    if Path(cache_dir).is_absolute():
        return None
    problem = cache_dir_escape(cache_dir, base)
    if problem is None:
        return None
    return (f"the cache folder {cache_dir} {problem}; scanning without a cache (choose one with --cache-dir or "
            f"{CACHE_ENV})")
