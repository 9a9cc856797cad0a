"""What an access or a module is: a saved model or source code (by its API, then its path, through the
``[artifacts]`` catalogue of signals.toml), test code (by its path); whether a write and a read that match
surely name the same file(s). Read by the project stage, the metrics and the rules.
"""
from __future__ import annotations

import posixpath

from debtscan.artifacts import ArtifactRole, role_of
from debtscan.facts.model import IOMode
from debtscan.knowledge.tables import ArtifactTables
from debtscan.project.accesses import Access


def is_model_access(access: Access, artifacts: ArtifactTables) -> bool:
    """Whether an access saves or loads a model, or touches source code and documentation (code generators
    and model cards are no data hand-offs); ``artifacts`` is the ``[artifacts]`` catalogue (signals.toml:
    model formats, suffixes and folders, code suffixes).

    The API decides first (:func:`debtscan.artifacts.role_of`): a model format is a model; a table, an
    array, text, configuration or a figure is data whatever its suffix (``ndarray.tofile("train.bin")``,
    ``to_hdf("x.h5")``); a pickle or joblib file is a model when the value written is one, and for a write
    of anything else data. Only a read of such a file, or an API that says nothing (``open``), leaves it to
    the path (suffix, ``models/`` folder), read relative to its project: a project folder named
    ``models/churn`` does not make all its files models."""
    if access.value == "model" or access.fmt in artifacts.model_formats:
        return True
    if access.artifact.lower().endswith(artifacts.code_suffixes) or access.fmt == "listing":
        return True
    role = role_of(access.fmt)
    if role in _DATA_ROLES:
        return False
    if role is ArtifactRole.OBJECT and access.mode is IOMode.WRITE:
        return False
    return artifacts.is_model_artifact(access.local)


_DATA_ROLES = frozenset({ArtifactRole.TABLE, ArtifactRole.ARRAY, ArtifactRole.TEXT, ArtifactRole.CONFIG,
                         ArtifactRole.FIGURE})


def certain_link(written: str, read: str) -> bool:
    """Whether a write and a read that match surely name the same file(s)."""
    if "*" not in written or "*" not in read or written == read:
        return True
    prefix_w = written.split("*", 1)[0]
    prefix_r = read.split("*", 1)[0]
    return prefix_w == prefix_r and prefix_w.endswith("/")


def is_test_module(path: str) -> bool:
    """Test code (``tests/``, ``test_*.py``, ``*_test.py``, ``conftest.py``) checks data, it is no pipeline step;
    a step over both splits (``split_train_and_test.py``, ``make_train_test.py``) is no test."""
    name = posixpath.basename(path)
    parts = path.split("/")[:-1]
    return name.startswith("test_") or (name.endswith("_test.py") and not name.endswith(("_and_test.py", "train_test.py"))) \
        or name == "conftest.py" or \
        any(p in ("tests", "test", "testing") for p in parts)
