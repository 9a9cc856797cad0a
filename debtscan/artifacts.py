"""What kind of thing an artifact is, and its canonical name.

Pipelines hand data over through local files, object-store and cluster prefixes (``s3://lake/interim/x/``,
``gs://``, ``abfss://``, ``hdfs://``, ``dbfs:/``) and warehouse tables (``to_sql("user_features", engine)``,
``saveAsTable``, ``INSERT INTO mart.totals SELECT ...``). Each is one more :class:`ArtifactKind` flowing through
the same hand-off, jungle and signal machinery; this module gives each artifact its canonical identifier:

- a local file: its repo-relative path (``data/interim/clean.csv``), made by :mod:`debtscan.project.paths`;
- an object-store prefix: the URI with its scheme's canonical spelling (``s3a://`` and ``s3n://`` are
  ``s3://``, ``abfss://`` is ``abfs://``), no trailing ``/``, and trailing partition folders
  (``date=*/``, ``region=eu``) and part-file globs (``*.parquet``) dropped: a read of ``s3://lake/x/date=*/``
  reads the dataset ``s3://lake/x`` that a job wrote with ``partitionBy("date")``;
- a warehouse table: ``warehouse:<schema>.<table>`` as the code names it, lower-cased, quotes dropped
  (``"Mart"."Totals"`` is ``warehouse:mart.totals``).

The URI schemes are data (``knowledge/storage.toml``).
"""
from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from importlib import resources
from typing import Dict, Optional

from debtscan.tomlcompat import tomllib


class ArtifactKind(Enum):
    """Where an artifact lives: a file of the repo's file system, an object store or cluster file system, or
    a table of a database or warehouse."""

    LOCAL_FILE = "local_file"
    OBJECT_STORE = "object_store"
    WAREHOUSE_TABLE = "warehouse_table"

    @property
    def noun(self) -> str:
        """How a finding names an artifact of this kind (``intermediate-table hand-off``)."""
        return {"local_file": "file", "object_store": "object-store", "warehouse_table": "table"}[self.value]


class ArtifactRole(Enum):
    """What a file holds, as the API that writes or reads it says (``knowledge/roles.toml``)."""

    TABLE = "table"    # rows and columns: to_csv, to_parquet, to_hdf, ...
    ARRAY = "array"    # numeric arrays: np.save, ndarray.tofile, np.memmap, h5py
    MODEL = "model"    # a model: torch.save, keras save, save_pretrained, booster.save_model
    TEXT = "text"      # text, JSON, bytes
    CONFIG = "config"  # YAML, TOML
    FIGURE = "figure"  # images and plots
    OBJECT = "object"  # pickle, joblib: whatever the value written is (a model only when it is one)
    UNKNOWN = "unknown"  # open() and friends: the suffix and folder decide


@lru_cache(maxsize=1)
def _roles() -> Dict[str, "ArtifactRole"]:
    with resources.files("debtscan.knowledge").joinpath("roles.toml").open("rb") as handle:
        data = tomllib.load(handle)
    out: Dict[str, ArtifactRole] = {}
    for role, formats in data.get("roles", {}).items():
        for fmt in formats:
            out[str(fmt)] = ArtifactRole(role)
    return out


def role_of(fmt: str) -> ArtifactRole:
    """The role of a file read or written in format ``fmt`` (an io.toml ``format``)."""
    return _roles().get(fmt, ArtifactRole.UNKNOWN)


TABLE_PREFIX = "warehouse:"
"""The notation of a warehouse table's identifier (``warehouse:mart.user_features``)."""

WILDCARD = "*"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(//)?")
_PARTITION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=[^/]*$")
_PART_FILE = re.compile(r"^(\*|part-\*|\*[^/]*)(\.[A-Za-z0-9]+)*$")
_TABLE_PART = re.compile(r"^[A-Za-z0-9_$*{}-]+$")


@lru_cache(maxsize=1)
def _schemes() -> Dict[str, str]:
    with resources.files("debtscan.knowledge").joinpath("storage.toml").open("rb") as handle:
        data = tomllib.load(handle)
    return {str(k).lower(): str(v).lower() for k, v in data.get("schemes", {}).items()}


def storage_scheme(text: str) -> Optional[str]:
    """The canonical scheme of an object-store or cluster URI (``s3a://b/x`` -> ``s3``); None otherwise."""
    match = _SCHEME.match(text)
    if match is None:
        return None
    scheme = match.group(1).lower()
    canonical = _schemes().get(scheme)
    if canonical is None:
        return None
    if match.group(2) is None and scheme != "dbfs":
        return None  # ``s3:bucket`` is no URI; ``dbfs:/mnt/x`` is
    return canonical


def object_store_id(text: str) -> Optional[str]:
    """The canonical identifier of an object-store URI, or None when ``text`` is not one (or names only a
    bucket's root, or nothing known: ``s3://*``)."""
    scheme = storage_scheme(text)
    if scheme is None:
        return None
    rest = _SCHEME.sub("", text, count=1).lstrip("/")
    parts = [p for p in rest.split("/") if p and p != "."]
    if len(parts) < 2 and scheme not in ("dbfs", "hdfs", "file"):
        return None  # ``s3://bucket`` alone is a whole bucket, not a dataset
    # partition folders (and what is under them) and part-file globs name pieces of the dataset above them
    for index in range(1, len(parts)):
        if _PARTITION.match(parts[index]):
            parts = parts[:index]
            break
    while len(parts) > 1 and WILDCARD in parts[-1] and _PART_FILE.match(parts[-1]):
        parts.pop()
    if len(parts) < 2 and scheme not in ("dbfs", "hdfs", "file"):
        return None  # what is left is a whole bucket (``s3://b/*``, ``s3://b/date=*``): too vague
    if not parts or all(p.strip(WILDCARD) == "" for p in parts):
        return None
    known = "".join(p.replace(WILDCARD, "") for p in parts)
    if len(known) < 3:
        return None
    return f"{scheme}://" + "/".join(parts)


def table_id(text: str) -> Optional[str]:
    """``warehouse:<schema>.<table>`` for a table name as code writes it (``"Mart"."Totals"``, ``[dbo].[x]``,
    `` `proj.ds.t` ``); None when it is no table name (spaces, an unknown name: ``*``)."""
    name = text.strip()
    if name.startswith(TABLE_PREFIX):
        name = name[len(TABLE_PREFIX):]
    name = name.replace('"', "").replace("`", "").replace("[", "").replace("]", "")
    parts = [p for p in name.split(".")]
    if not parts or len(parts) > 4 or any(not p or not _TABLE_PART.match(p) for p in parts):
        return None
    if parts[-1].strip(WILDCARD) == "":
        return None
    return TABLE_PREFIX + ".".join(p.lower() for p in parts)


def kind_of(artifact: str) -> ArtifactKind:
    """The kind of an artifact identifier made by this module or by :mod:`debtscan.project.paths`."""
    if artifact.startswith(TABLE_PREFIX):
        return ArtifactKind.WAREHOUSE_TABLE
    if storage_scheme(artifact) is not None:
        return ArtifactKind.OBJECT_STORE
    return ArtifactKind.LOCAL_FILE
