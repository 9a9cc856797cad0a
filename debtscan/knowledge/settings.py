"""The hyperparameter and data-setting names of ``settings.toml`` (read by the settings collector and by the
cross-file configuration-debt checks; no parser needed)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import FrozenSet

from debtscan.tomlcompat import tomllib


@lru_cache(maxsize=1)
def setting_names() -> FrozenSet[str]:
    """Every hyperparameter and data-setting keyword name of the catalogue."""
    data = tomllib.loads(resources.files("debtscan.knowledge").joinpath("settings.toml").read_text("utf-8"))
    names = set()
    for group in data.values():
        names.update(group.get("names", []))
    return frozenset(names)
