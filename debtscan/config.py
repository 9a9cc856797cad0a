"""Configuration: ``[tool.debtscan]`` in the nearest ``pyproject.toml``, or ``debtscan.toml``.

Every key is declared in :data:`KEYS` with its type; an unknown key, a wrong type or invalid TOML raises
:class:`ConfigError` naming the file and the key (or the line), which the CLI turns into exit code 2.
"""
from __future__ import annotations

import re
from dataclasses import field, fields
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from debtscan.records import record
from debtscan.tomlcompat import tomllib
from debtscan.trust import PluginPolicy, cache_dir_from_file

SEVERITIES = ("info", "warning", "error")


class ConfigError(Exception):
    """A configuration problem the user must fix; the message names the file and the key."""


def _list_of_str(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _table_of(check):
    return lambda value: isinstance(value, dict) and all(isinstance(k, str) and check(v) for k, v in value.items())


_TYPES = {
    "list of strings": _list_of_str,
    "string": lambda v: isinstance(v, str),
    "positive integer": lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0,
    "boolean": lambda v: isinstance(v, bool),
    "table of tables": _table_of(lambda v: isinstance(v, dict)),
    "table of string lists": _table_of(_list_of_str),
}

KEYS: Dict[str, Tuple[str, Any]] = {
    "select": ("list of strings", []),
    "extend-select": ("list of strings", []),
    "ignore": ("list of strings", []),
    "exclude": ("list of strings", []),
    "extend-exclude": ("list of strings", []),
    "fail-on": ("string", "warning"),
    "plugins": ("list of strings", []),
    "per-file-ignores": ("table of string lists", {}),
    "rules": ("table of tables", {}),
    "io": ("table of tables", {}),
    "components": ("table of string lists", {}),
    "cache-dir": ("string", ".debtscan_cache"),
    "max-file-size": ("positive integer", 2_000_000),
    "raw-data-dirs": ("list of strings", ["input", "data/raw"]),
    "respect-gitignore": ("boolean", True),
    "knowledge": ("table of tables", {}),
    "dead-folders": ("list of strings", []),
    "include-dead-folders": ("boolean", False),
    "project-roots": ("list of strings", None),
}

DEFAULT_EXCLUDE: List[str] = []

# Column names that are everywhere and couple nothing: identifiers, times, labels (globs).
DEFAULT_UBIQUITOUS: Tuple[str, ...] = (
    "id", "*_id", "id_*", "*_id_*", "*_ids", "uuid", "*_uuid", "index", "idx", "key", "*_key", "timestamp",
    "*_timestamp", "ts", "date", "*_date", "datetime", "*_datetime", "time", "*_time", "*_at", "year", "month",
    "day", "label", "labels", "target", "y", "class", "split", "fold", "weight", "sample_weight",
)

DEFAULT_EXPLORATORY: Tuple[str, ...] = (
    "eda", "explore", "exploration", "exploratory", "scratch", "sandbox", "playground", "untitled", "plot",
    "plots", "plotting", "viz", "visualize", "visualise", "visualization", "visualisation",
)
"""Words of a module's path (folders and file name, split at ``_``, ``-``, digits, spaces and case) that make
it exploration or plotting: not a consumer of signals (``jn/EDA_008_encoding.ipynb``, ``viz/plots.py``)."""


def _settings_from_table(cls: Any, table: Mapping[str, Any]) -> Any:
    """A settings dataclass from a rule's option table: each field from the option of its name written
    with hyphens (``ignore_targets`` <- ``ignore-targets``), as the type of its default; the default when
    the option is absent."""
    defaults = cls()
    values = {}
    for f in fields(cls):
        default = getattr(defaults, f.name)
        values[f.name] = type(default)(table.get(f.name.replace("_", "-"), default))
    return cls(**values)


@record(frozen=True)
class SharedSignalSettings:
    """What counts as a shared input signal, for the whole scan: the project stage lists the shared signals
    by these settings, and both DS301 and ``metrics.signals`` read that one list.

    Written in ``[tool.debtscan.rules.DS301]`` (``ignore``, ``ignore-targets``, ``only-modeling-modules``,
    ``match-unknown-sources``, ``raw-inputs``, ``inputs-only``, ``exploratory``; DS301's page documents them
    and the rule validates them like any rule's options); :meth:`Config.shared_signals` reads them from there.
    """

    ignore: Tuple[str, ...] = DEFAULT_UBIQUITOUS
    ignore_targets: bool = True
    only_modeling_modules: bool = True
    match_unknown_sources: bool = False
    raw_inputs: bool = True
    inputs_only: bool = True
    exploratory: Tuple[str, ...] = DEFAULT_EXPLORATORY

    OPTIONS = ("ignore", "ignore-targets", "only-modeling-modules", "match-unknown-sources", "raw-inputs",
               "inputs-only", "exploratory")

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> "SharedSignalSettings":
        return _settings_from_table(cls, table)


@record(frozen=True)
class CloneSettings:
    """What counts as a family of copied scripts, for the whole scan: the project finds the families once by
    these settings; DS506 reports them, and the configuration rules (DS501, DS502) leave what differs inside
    one family to it.

    Written in ``[tool.debtscan.rules.DS506]`` (``similarity``, ``helper-similarity``, ``min-statements``;
    DS506's page documents them and the rule validates them like any rule's options);
    :meth:`Config.clones` reads them from there.
    """

    similarity: float = 0.8
    helper_similarity: float = 0.5
    min_statements: int = 20

    OPTIONS = ("similarity", "helper-similarity", "min-statements")

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> "CloneSettings":
        return _settings_from_table(cls, table)


@record
class Config:
    """The effective configuration of a scan."""

    path: Optional[Path] = None
    root: Optional[Path] = None
    select: List[str] = field(default_factory=list)
    extend_select: List[str] = field(default_factory=list)
    ignore: List[str] = field(default_factory=list)
    exclude: List[str] = field(default_factory=list)
    extend_exclude: List[str] = field(default_factory=list)
    fail_on: str = "warning"
    plugins: List[str] = field(default_factory=list)
    per_file_ignores: Dict[str, List[str]] = field(default_factory=dict)
    rules: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    io: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    components: Dict[str, List[str]] = field(default_factory=dict)
    cache_dir: str = ".debtscan_cache"
    max_file_size: int = 2_000_000
    raw_data_dirs: List[str] = field(default_factory=lambda: ["input", "data/raw"])
    respect_gitignore: bool = True
    knowledge: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    # folder names (or fnmatch patterns) of abandoned work, DS501; empty: debtscan.liveness.DEAD_FOLDERS
    dead_folders: List[str] = field(default_factory=list)
    include_dead_folders: bool = False
    project_roots: Optional[List[str]] = None  # folder globs; None: found by markers (debtscan.project.roots)
    # Set by the command line, never by a configuration file (see debtscan.trust): which plugins load.
    plugin_policy: PluginPolicy = PluginPolicy.INSTALLED
    # Settings of the file that were refused (see debtscan.trust), by key: the note saying why.
    refused: Dict[str, str] = field(default_factory=dict)

    @property
    def excludes(self) -> List[str]:
        return list(self.exclude) + list(self.extend_exclude)

    def rule_options(self, code: str) -> Dict[str, Any]:
        return dict(self.rules.get(code, {}))

    @property
    def shared_signals(self) -> SharedSignalSettings:
        """The scan's shared-signal settings (see :class:`SharedSignalSettings`)."""
        table = self.rules.get("DS301", {})
        return SharedSignalSettings.from_table({k: v for k, v in table.items() if k in SharedSignalSettings.OPTIONS})

    @property
    def clones(self) -> CloneSettings:
        """The scan's clone-family settings (see :class:`CloneSettings`)."""
        table = self.rules.get("DS506", {})
        return CloneSettings.from_table({k: v for k, v in table.items() if k in CloneSettings.OPTIONS})


def _load_toml(path: Path) -> Dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _section(path: Path, data: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or "debtscan" not in tool:
            return None
        section = tool["debtscan"]
        where = "[tool.debtscan]"
    else:
        if isinstance(data.get("tool"), dict):  # a [tool.debtscan] table, else no debtscan table at all
            section = data["tool"].get("debtscan")
            if section is None:
                return None
            where = "[tool.debtscan]"
        else:  # debtscan.toml: the keys at top level
            section = data
            where = path.name
    if not isinstance(section, dict):
        raise ConfigError(f"{line_of(path, 'debtscan')}: {where} must be a table")
    return section


def find_config(start: Path) -> Optional[Path]:
    """The nearest ``debtscan.toml``, or ``pyproject.toml`` with a ``[tool.debtscan]`` table, at or above ``start``."""
    current = start.resolve()
    if current.is_file():
        current = current.parent
    for directory in [current, *current.parents]:
        candidate = directory / "debtscan.toml"
        if candidate.is_file():
            return candidate
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                if _section(candidate, _load_toml(candidate)) is not None:
                    return candidate
            except ConfigError:
                return candidate
    return None


def line_of(path: Optional[Path], *keys: str) -> str:
    """``path:LINE`` where the (possibly dotted) key is set in a TOML file, best effort; else ``path``.

    Looks for ``key =`` or a ``[...key]`` table header, the last key of ``keys`` after the earlier ones (e.g.
    ``line_of(p, "rules", "DS201", "min-handoffs")``)."""
    if path is None:
        return "configuration"
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return str(path)
    start = 0
    found = None
    for key in keys:
        quoted = f"(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')"
        pattern = re.compile(rf"^\s*(?:{quoted}\s*[=.]|\[\s*(?:[^\]]*\.)?{quoted}\s*[\].])")
        for number in range(start, len(lines)):
            if pattern.search(lines[number]):
                found, start = number + 1, number
                break
        else:
            break
    return f"{path}:{found}" if found else str(path)


def parse_section(path: Path, section: Mapping[str, Any]) -> Config:
    """Validate a ``[tool.debtscan]`` table into a :class:`Config`."""
    config = Config(path=path, root=path.parent)
    for key, value in section.items():
        if key not in KEYS:
            known = ", ".join(sorted(KEYS))
            raise ConfigError(f"{line_of(path, key)}: unknown key {key!r} in [tool.debtscan] "
                              f"(known keys: {known})")
        type_name, _ = KEYS[key]
        if not _TYPES[type_name](value):
            raise ConfigError(f"{line_of(path, key)}: [tool.debtscan] {key} must be a {type_name}, "
                              f"got {value!r}")
        setattr(config, key.replace("-", "_"), value)
    if config.fail_on not in SEVERITIES:
        raise ConfigError(f"{line_of(path, 'fail-on')}: [tool.debtscan] fail-on must be one of "
                          f"{', '.join(SEVERITIES)}, got {config.fail_on!r}")
    for code, options in config.rules.items():
        if not isinstance(options, dict):
            raise ConfigError(f"{line_of(path, 'rules', code)}: [tool.debtscan.rules.{code}] must be a table")
    if "cache-dir" in section:  # where debtscan writes: never outside the project on a file's say-so
        config.cache_dir, note = cache_dir_from_file(config.cache_dir, line_of(path, "cache-dir"), path.parent)
        if note:
            config.refused["cache-dir"] = note
    return config


def load_config(explicit: Optional[Path], start: Path) -> Config:
    """The configuration for a scan of ``start``: ``explicit`` if given, else the nearest one found."""
    path = explicit if explicit is not None else find_config(start)
    if path is None:
        return Config()
    if explicit is not None and not path.is_file():
        raise ConfigError(f"{path}: configuration file not found")
    section = _section(path, _load_toml(path))
    if section is None:
        if explicit is not None:
            raise ConfigError(f"{path}: no [tool.debtscan] table")
        return Config()
    return parse_section(path, section)
