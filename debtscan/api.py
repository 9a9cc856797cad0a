"""The Python API, for notebooks and scripts: ``debtscan.scan(path, config=...) -> Report``.

>>> import debtscan
>>> report = debtscan.scan("fixtures/demo", select=["DS2"])            # doctest: +SKIP
>>> [(f.code, f.path, f.line) for f in report.findings][:2]            # doctest: +SKIP
[('DS201', '01_prepare.py', 14), ('DS202', '01_prepare.py', 14)]

The scan is the command line's: the same project root and scope rule (:mod:`debtscan.scope`), the same
configuration, the same findings and fingerprints. Problems are exceptions, not exit codes:
:class:`debtscan.config.ConfigError` (with :class:`debtscan.rules.selectors.SelectorError` for a typo in a
selector) and :class:`debtscan.scope.ScopeError` (a path that does not exist).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Union

from debtscan.config import Config, ConfigError, load_config, parse_section
from debtscan.engine import ScanOptions, scan as run_scan
from debtscan.report.model import Finding, Report
from debtscan.rules.selectors import SelectorError
from debtscan.scope import ScopeError, resolve
from debtscan.trust import PluginPolicy

PathLike = Union[str, "os.PathLike[str]"]
ConfigLike = Union[None, PathLike, Mapping[str, Any], Config]


def _config(config: ConfigLike, start: Path, trust_config: bool) -> Config:
    """The configuration and its trust: a table or a :class:`Config` the caller passes is the caller's own
    code, so the plugins it names load; a configuration *file* is the scanned repository's, so its plugins
    load only with ``trust_config=True``, as the CLI's ``--trust-config`` (see :mod:`debtscan.trust`)."""
    if isinstance(config, Config):
        return config
    if isinstance(config, Mapping):  # a [tool.debtscan] table; its root is where the scan starts
        found = load_config(None, start)  # the project root stays where a configuration file marks it
        parsed = parse_section(Path("<config>"), dict(config))
        parsed.path, parsed.root = None, found.root
        parsed.plugin_policy = PluginPolicy.TRUSTED
        return parsed
    loaded = load_config(None if config is None else Path(config), start)
    if trust_config:
        loaded.plugin_policy = PluginPolicy.TRUSTED
    return loaded


def scan(path: Union[PathLike, Sequence[PathLike]] = ".", config: ConfigLike = None, *,
         select: Sequence[str] = (), ignore: Sequence[str] = (), jobs: int = 1, use_cache: bool = True,
         trust_config: bool = False) -> Report:
    """Scan ``path`` (a folder, a file, or a list of them) and return the :class:`~debtscan.report.model.Report`.

    ``config``: ``None`` (the nearest ``debtscan.toml`` / ``pyproject.toml [tool.debtscan]``, as the CLI), the
    path of a configuration file, a ``[tool.debtscan]`` table as a dict (``{"select": ["DS2"]}``), or a
    :class:`~debtscan.config.Config`. ``select``/``ignore`` act as the CLI's ``--select``/``--ignore``.
    ``jobs=1`` analyses in this process (0: one worker per core). The plugins a table or a ``Config`` names
    load (they are the caller's choice); those a configuration file names load only with
    ``trust_config=True`` (the file may be someone else's: see the README's "Trust").
    """
    paths = [Path(p) for p in ([path] if isinstance(path, (str, os.PathLike)) else list(path))] or [Path(".")]
    effective = _config(config, paths[0], trust_config)
    root, scope = resolve(paths, effective)
    report, _ = run_scan(ScanOptions(root=root, config=effective, jobs=jobs, use_cache=use_cache,
                                     select=list(select), ignore=list(ignore), only_paths=scope))
    return report


__all__ = ["scan", "Report", "Finding", "Config", "ConfigError", "SelectorError", "ScopeError"]
