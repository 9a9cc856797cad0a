"""``signals.toml``: frames, estimators, predictions, path functions and script runners, as data.

Teams extend it in ``[tool.debtscan.knowledge.<name>]`` with tables of the same sections (:data:`SCHEMA`):
lists are extended, tables updated (``frames = { types = ["modin.pandas.DataFrame"] }``). A section or key
debtscan does not know, or a value of the wrong shape, is a :class:`TablesError` naming the closest valid
name, as ruff does for its settings.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import field
from typing import Any, Dict, FrozenSet, Iterable, Mapping, Optional, Pattern, Tuple, Union

from debtscan.records import record

LIST = "list of strings"
WORDS = "list of regular expressions"
NAMES = "table of strings"
COLUMNS = "table of { arg = index or \"*\", kw = [keywords] }"
ARGUMENTS = "table of { arg = index, kw = keyword }"
PATH_OPERATIONS = frozenset({"dirname", "basename", "abspath", "normpath", "expanduser", "stem", "suffix"})

#: section -> key -> the kind of value it holds.
SCHEMA: Dict[str, Dict[str, str]] = {
    "frames": {"types": LIST, "read-prefixes": LIST, "read-column-keywords": LIST, "attributes": LIST,
               "record-iterators": LIST, "select-methods": LIST, "library-roots": LIST, "joins": LIST,
               "samples": LIST, "column-methods": COLUMNS, "name-attributes": LIST},
    "models": {"libraries": LIST, "pipeline-calls": LIST, "transformer-words": WORDS, "model-words": WORDS,
               "fit-methods": LIST, "predict-methods": LIST, "predict-only-methods": LIST, "oof-functions": LIST,
               "trainer-calls": LIST, "metric-words": WORDS, "metric-prefixes": LIST, "metric-methods": LIST, "loaders": LIST,
               "train-functions": ARGUMENTS, "network-libraries": LIST, "network-methods": NAMES,
               "loop-steps": LIST, "mode-methods": LIST, "non-model-prefixes": LIST},
    "predictions": {"methods": LIST, "functions": WORDS, "names": WORDS, "model-names": WORDS},
    "artifacts": {"model-suffixes": LIST, "model-folders": LIST, "model-formats": LIST, "code-suffixes": LIST},
    "paths": {"joins": LIST, "constructors": LIST, "passthrough": LIST, "folders": NAMES, "operations": NAMES,
              "method-operations": NAMES, "properties": NAMES},
    "code": {"runners": LIST, "exits": LIST, "libraries": LIST, "iteration-wrappers": LIST, "mappers": LIST},
}
SECTIONS = tuple(SCHEMA)

Position = Union[int, str, None]  # a positional index, "*" for every positional argument, None for none


class TablesError(ValueError):
    """A user's table has an unknown key or a value of the wrong shape."""


def closest(name: str, valid: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the valid name nearest to ``name``, or ``""``."""
    found = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
    return f" (did you mean {found[0]!r}?)" if found else ""


@record(frozen=True)
class FrameTables:
    """The frame catalogue: frame types, reads that name their columns, selections and record iterators."""

    types: FrozenSet[str] = frozenset()
    read_prefixes: Tuple[str, ...] = ()
    read_column_keywords: Tuple[str, ...] = ()
    attributes: FrozenSet[str] = frozenset()
    record_iterators: FrozenSet[str] = frozenset()
    select_methods: FrozenSet[str] = frozenset()
    library_roots: FrozenSet[str] = frozenset()
    joins: FrozenSet[str] = frozenset()
    samples: FrozenSet[str] = frozenset()
    column_methods: Dict[str, Tuple[Position, Tuple[str, ...]]] = field(default_factory=dict)
    name_attributes: FrozenSet[str] = frozenset()


@record(frozen=True)
class ModelTables:
    """The model catalogue: estimator libraries, pipeline calls, fit and predict methods, model words."""

    libraries: Tuple[str, ...] = ()
    pipeline_calls: FrozenSet[str] = frozenset()
    transformer_words: Pattern[str] = re.compile("(?!)")
    model_words: Pattern[str] = re.compile("(?!)")
    fit_methods: FrozenSet[str] = frozenset()
    predict_methods: FrozenSet[str] = frozenset()
    predict_only_methods: FrozenSet[str] = frozenset()
    oof_functions: FrozenSet[str] = frozenset()
    trainer_calls: Tuple[str, ...] = ()
    metric_words: Pattern[str] = re.compile("(?!)")
    metric_methods: FrozenSet[str] = frozenset()
    metric_prefixes: Tuple[str, ...] = ()
    loaders: FrozenSet[str] = frozenset()
    train_functions: Dict[str, Tuple[int, str]] = field(default_factory=dict)
    network_libraries: Tuple[str, ...] = ()
    network_methods: Dict[str, str] = field(default_factory=dict)
    loop_steps: FrozenSet[str] = frozenset()
    mode_methods: FrozenSet[str] = frozenset()
    non_model_prefixes: Tuple[str, ...] = ()

    def is_network(self, api: str) -> bool:
        """Whether a model of this API is a network (calling it is a forward pass)."""
        return api.startswith(self.network_libraries)


@record(frozen=True)
class PredictionTables:
    """The prediction catalogue: the methods, functions and names that make or hold predictions."""

    methods: FrozenSet[str] = frozenset()
    functions: Pattern[str] = re.compile("(?!)")
    names: Pattern[str] = re.compile("(?!)")
    model_names: Pattern[str] = re.compile("(?!)")


@record(frozen=True)
class ArtifactTables:
    """What makes an artifact a saved model, or source code (no data hand-off)."""

    model_suffixes: Tuple[str, ...] = ()
    model_folders: FrozenSet[str] = frozenset()
    model_formats: FrozenSet[str] = frozenset()
    code_suffixes: Tuple[str, ...] = ()

    def is_model_artifact(self, path: str) -> bool:
        """Whether a path names a saved model (by its folder or its suffix)."""
        parts = path.lower().split("/")
        return parts[-1].endswith(self.model_suffixes) or any(p in self.model_folders for p in parts[:-1])


@record(frozen=True)
class PathTables:
    """The path catalogue: joins, constructors, pass-through calls, folders and path operations."""

    joins: FrozenSet[str] = frozenset()
    constructors: FrozenSet[str] = frozenset()
    passthrough: FrozenSet[str] = frozenset()
    folders: Dict[str, str] = field(default_factory=dict)
    operations: Dict[str, str] = field(default_factory=dict)
    method_operations: Dict[str, str] = field(default_factory=dict)
    properties: Dict[str, str] = field(default_factory=dict)


@record(frozen=True)
class CodeTables:
    """The code catalogue: runners, exits, libraries, iteration wrappers and mappers."""

    runners: FrozenSet[str] = frozenset()
    exits: FrozenSet[str] = frozenset()
    libraries: FrozenSet[str] = frozenset()
    iteration_wrappers: FrozenSet[str] = frozenset()
    mappers: FrozenSet[str] = frozenset()


@record(frozen=True)
class Tables:
    """The merged ``signals.toml``."""

    frames: FrameTables = field(default_factory=FrameTables)
    models: ModelTables = field(default_factory=ModelTables)
    predictions: PredictionTables = field(default_factory=PredictionTables)
    artifacts: ArtifactTables = field(default_factory=ArtifactTables)
    paths: PathTables = field(default_factory=PathTables)
    code: CodeTables = field(default_factory=CodeTables)


def is_tables_key(key: str) -> bool:
    return key in SCHEMA


def _check(where: str, section: str, key: str, kind: str, value: Any) -> None:
    name = f"{where}: {section}.{key}"
    if kind in (LIST, WORDS):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise TablesError(f"{name} must be a {kind}, got {value!r}")
        if kind == WORDS:
            for word in value:
                try:
                    re.compile(word)
                except re.error as exc:
                    raise TablesError(f"{name}: {word!r} is no regular expression ({exc})") from None
        return
    if not isinstance(value, Mapping):
        raise TablesError(f"{name} must be a {kind}, got {value!r}")
    for entry, spec in value.items():
        if kind == NAMES:
            if not isinstance(spec, str):
                raise TablesError(f"{name}: {entry!r} must map to a string, got {spec!r}")
            if key in ("operations", "method-operations", "properties") and spec not in PATH_OPERATIONS:
                raise TablesError(f"{name}: {entry!r} maps to the unknown path operation {spec!r}"
                                  f"{closest(spec, PATH_OPERATIONS)}; known: {', '.join(sorted(PATH_OPERATIONS))}")
            continue
        if not isinstance(spec, Mapping):
            raise TablesError(f"{name}: {entry!r} must be a table like {{ arg = 0, kw = ... }}, got {spec!r}")
        for part in spec:
            if part not in ("arg", "kw"):
                raise TablesError(f"{name}: {entry!r} has the unknown key {part!r}{closest(part, ('arg', 'kw'))}")
        arg = spec.get("arg")
        if kind == COLUMNS:
            kw = spec.get("kw", [])
            if not (arg is None or arg == "*" or (isinstance(arg, int) and not isinstance(arg, bool))) or \
                    not isinstance(kw, list) or not all(isinstance(k, str) for k in kw):
                raise TablesError(f"{name}: {entry!r} must be {{ arg = <index or \"*\">, kw = [keywords] }}, "
                                  f"got {spec!r}")
        elif not (isinstance(arg, int) and not isinstance(arg, bool) and isinstance(spec.get("kw"), str)):
            raise TablesError(f"{name}: {entry!r} must be {{ arg = <index>, kw = \"<keyword>\" }}, got {spec!r}")


def _merge(data: Dict[str, Dict[str, Any]], user: Mapping[str, Any], where: str) -> None:
    for section, table in user.items():
        if section not in SCHEMA:
            continue
        if not isinstance(table, Mapping):
            raise TablesError(f"{where}: {section} must be a table, got {table!r}")
        keys = SCHEMA[section]
        for key, value in table.items():
            if key not in keys:
                raise TablesError(f"{where}: unknown key {section}.{key}{closest(key, keys)}; "
                                  f"known keys of {section}: {', '.join(keys)}")
            _check(where, section, key, keys[key], value)
            old = data[section].get(key)
            if isinstance(old, list):
                data[section][key] = old + [v for v in value if v not in old]
            elif isinstance(old, dict):
                data[section][key] = {**old, **value}
            else:
                data[section][key] = value


def _words(words: Iterable[str]) -> Pattern[str]:
    return re.compile("(" + "|".join(words) + ")") if words else re.compile("(?!)")


def _name_words(words: Iterable[str]) -> Pattern[str]:
    """Words matched as a part of a snake_case name, with an optional number (``model_2``, ``oof_preds``)."""
    return re.compile(r"(^|_)(" + "|".join(words) + r")(\d*)($|_)", re.I) if words else re.compile("(?!)")


def build(packaged: Mapping[str, Any], user: Optional[Mapping[str, Mapping[str, Any]]] = None) -> Tables:
    """The packaged catalogue merged with the user's tables (those with any of :data:`SECTIONS`)."""
    data: Dict[str, Dict[str, Any]] = {s: dict(packaged.get(s, {})) for s in SECTIONS}
    for section, table in packaged.items():
        if section not in SCHEMA:
            raise TablesError(f"signals.toml: unknown section [{section}]{closest(section, SCHEMA)}")
        for key, value in table.items():
            if key not in SCHEMA[section]:
                raise TablesError(f"signals.toml: unknown key {section}.{key}{closest(key, SCHEMA[section])}")
            _check("signals.toml", section, key, SCHEMA[section][key], value)
    for name, table in (user or {}).items():
        if isinstance(table, Mapping) and any(s in table for s in SECTIONS):
            _merge(data, table, f"[tool.debtscan.knowledge.{name}]")
    frames, models, predictions, artifacts = data["frames"], data["models"], data["predictions"], data["artifacts"]
    paths, code = data["paths"], data["code"]

    def names(section: Dict[str, Any], key: str) -> FrozenSet[str]:
        return frozenset(section.get(key, ()))

    return Tables(
        frames=FrameTables(
            types=names(frames, "types"), read_prefixes=tuple(frames.get("read-prefixes", ())),
            read_column_keywords=tuple(frames.get("read-column-keywords", ())),
            attributes=names(frames, "attributes"), record_iterators=names(frames, "record-iterators"),
            select_methods=names(frames, "select-methods"), library_roots=names(frames, "library-roots"),
            joins=names(frames, "joins"), samples=names(frames, "samples"),
            name_attributes=names(frames, "name-attributes"),
            column_methods={m: (spec.get("arg"), tuple(spec.get("kw", ())))
                            for m, spec in frames.get("column-methods", {}).items()},
        ),
        models=ModelTables(
            libraries=tuple(models.get("libraries", ())), pipeline_calls=names(models, "pipeline-calls"),
            transformer_words=_words(models.get("transformer-words", ())),
            model_words=_words(models.get("model-words", ())),
            fit_methods=names(models, "fit-methods"), predict_methods=names(models, "predict-methods"),
            predict_only_methods=names(models, "predict-only-methods"),
            oof_functions=names(models, "oof-functions"), trainer_calls=tuple(models.get("trainer-calls", ())),
            metric_words=re.compile(_words(models.get("metric-words", ())).pattern, re.I),
            metric_methods=names(models, "metric-methods"),
            metric_prefixes=tuple(models.get("metric-prefixes", ())), loaders=names(models, "loaders"),
            train_functions={f: (int(spec["arg"]), str(spec["kw"]))
                             for f, spec in models.get("train-functions", {}).items()},
            network_libraries=tuple(models.get("network-libraries", ())),
            network_methods=dict(models.get("network-methods", {})),
            loop_steps=names(models, "loop-steps"), mode_methods=names(models, "mode-methods"),
            non_model_prefixes=tuple(models.get("non-model-prefixes", ())),
        ),
        predictions=PredictionTables(
            methods=names(predictions, "methods"), functions=_name_words(predictions.get("functions", ())),
            names=_name_words(predictions.get("names", ())),
            model_names=_name_words(predictions.get("model-names", ())),
        ),
        artifacts=ArtifactTables(
            model_suffixes=tuple(s.lower() for s in artifacts.get("model-suffixes", ())),
            model_folders=frozenset(f.lower() for f in artifacts.get("model-folders", ())),
            model_formats=names(artifacts, "model-formats"),
            code_suffixes=tuple(s.lower() for s in artifacts.get("code-suffixes", ())),
        ),
        paths=PathTables(
            joins=names(paths, "joins"), constructors=names(paths, "constructors"),
            passthrough=names(paths, "passthrough"), folders=dict(paths.get("folders", {})),
            operations=dict(paths.get("operations", {})), method_operations=dict(paths.get("method-operations", {})),
            properties=dict(paths.get("properties", {})),
        ),
        code=CodeTables(
            runners=names(code, "runners"), exits=names(code, "exits"), libraries=names(code, "libraries"),
            iteration_wrappers=names(code, "iteration-wrappers"), mappers=names(code, "mappers"),
        ),
    )
