"""The catalogue of the external-world rules (``external.toml``): web frameworks and handler classes, data
validation libraries, logging and monitoring calls. Rules extend it with their options."""
from __future__ import annotations

import functools
from importlib import resources
from typing import Iterable, Tuple

from debtscan.records import record
from debtscan.tomlcompat import tomllib
from debtscan.knowledge.names import callee_of


@record(frozen=True)
class Framework:
    """A serving framework: imported as one of ``imports``; ``decorators`` mark request handlers."""

    name: str
    imports: Tuple[str, ...]
    decorators: Tuple[str, ...] = ()
    typed_parameters: bool = False
    module: bool = False


@record(frozen=True)
class ExternalKnowledge:
    """The external-world catalogue: serving frameworks, callbacks, handlers, validation calls and words."""

    frameworks: Tuple[Framework, ...] = ()
    callbacks: Tuple[str, ...] = ()
    handler_classes: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    event_handlers: Tuple[str, ...] = ()
    validation_calls: Tuple[str, ...] = ()
    function_words: Tuple[str, ...] = ()
    schema_bases: Tuple[str, ...] = ()
    untyped_annotations: Tuple[str, ...] = ()
    monitoring_calls: Tuple[str, ...] = ()
    download_calls: Tuple[str, ...] = ()

    @staticmethod
    @functools.lru_cache(maxsize=1)
    def load() -> "ExternalKnowledge":
        with resources.files("debtscan.knowledge").joinpath("external.toml").open("rb") as handle:
            data = tomllib.load(handle)
        serving, validation, monitoring = data["serving"], data["validation"], data["monitoring"]
        inputs = data.get("inputs", {})
        return ExternalKnowledge(
            frameworks=tuple(Framework(f["name"], tuple(f["imports"]), tuple(f.get("decorators", ())),
                                       bool(f.get("typed-parameters", False)), bool(f.get("module", False)))
                             for f in serving["frameworks"]),
            callbacks=tuple(serving.get("callbacks", ())),
            handler_classes=tuple((c["base"], tuple(c["methods"])) for c in serving.get("handler-classes", ())),
            event_handlers=tuple(serving.get("event-handlers", ())),
            validation_calls=tuple(validation["calls"]),
            function_words=tuple(w.lower() for w in validation.get("function-words", ())),
            schema_bases=tuple(validation.get("schema-bases", ())),
            untyped_annotations=tuple(validation.get("untyped-annotations", ())),
            monitoring_calls=tuple(monitoring["calls"]),
            download_calls=tuple(inputs.get("downloads", ())),
        )


@functools.lru_cache(maxsize=256)
def _matcher(names: Tuple[str, ...]) -> Tuple[frozenset, Tuple[Tuple[str, str], ...]]:
    """``names`` split once: the names matched as themselves or as a dotted prefix, and the (name, method)
    pairs of the ``?.method`` names."""
    plain, methods = [], []
    for name in names:
        wanted = callee_of(name)
        if wanted.unknown_receiver:
            methods.append((name, "." + wanted.name))
        else:
            plain.append(name)
    return frozenset(plain), tuple(methods)


def name_matches(qualname: str, names: Iterable[str]) -> bool:
    """Whether a resolved call name is one of ``names`` or lies under one (``pandera`` covers
    ``pandera.DataFrameSchema.validate``); ``?.validate`` names that method on any receiver of unknown type."""
    if type(names) is tuple:  # the catalogues' lists: split once, then one set look-up per dot of the name
        plain, methods = _matcher(names)
        if qualname in plain:
            return True
        dot = qualname.find(".")
        while dot != -1:  # qualname.startswith(name + ".") for some name
            if qualname[:dot] in plain:
                return True
            dot = qualname.find(".", dot + 1)
        for name, suffix in methods:
            if qualname == name or (not callee_of(qualname).resolved and qualname.endswith(suffix)):
                return True
        return False
    for name in names:
        wanted = callee_of(name)
        if wanted.unknown_receiver:
            if qualname == name or (not callee_of(qualname).resolved and qualname.endswith("." + wanted.name)):
                return True
        elif qualname == name or qualname.startswith(name + "."):
            return True
    return False
