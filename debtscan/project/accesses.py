"""Resolved paths: every read and write of an artifact by a module (:class:`Access`), and the ``paths`` part
of the project (:class:`Paths`) that holds them with how well the I/O calls resolved."""
from __future__ import annotations

from functools import cached_property
from typing import Dict, FrozenSet, List, Mapping, Optional, Tuple

from debtscan.artifacts import ArtifactKind
from debtscan.facts.model import IOMode
from debtscan.project.paths import PathBase, Resolver
from debtscan.records import record


@record(frozen=True)
class Access:
    """A resolved read or write of an artifact by a module, at a place.

    ``value`` is what was written (``prediction``, ``model`` or ``""``); ``via`` names the project helper
    the access went through (``utils.to_pickles``), if any; ``base`` how a relative path was anchored
    (``root``, ``project`` folder, ``script`` folder, ``file`` for ``__file__``-based, ``absolute``);
    ``project`` the folder of the project the artifact lies in (``""``: the scan root's).
    """

    mode: IOMode
    artifact: str
    exact: bool
    base: PathBase
    module: str
    line: int
    column: int
    api: str
    fmt: str
    scope: str
    value: str = ""
    via: str = ""
    floating: bool = False
    kind: ArtifactKind = ArtifactKind.LOCAL_FILE
    project: str = ""
    #: False when the path comes from a README's command (:mod:`debtscan.project.argv`): what the authors
    #: say to type, not what a file runs; its matches are ``pattern`` certainty
    certain: bool = True
    #: where the path is written down when that is not (module, line): a helper of another module with a
    #: fixed path, called here (``assemble()`` reading ``PREDICTIONS``), is reported at the helper's line
    site: Optional[Tuple[str, int, int]] = None
    #: a file a helper writes for one column of the frame it is given, named from the caller's frame
    #: (``feature/train_f1_age.f``): the family's pattern (``feature/train_f1_*.f``), which pattern reads meet
    family: str = ""

    @property
    def where(self) -> Tuple[str, int, int]:
        """(file, line, column) where the access is reported: where its path is written down."""
        return self.site if self.site is not None else (self.module, self.line, self.column)

    @property
    def local(self) -> str:
        """The artifact's path relative to its project's folder."""
        if self.project and self.artifact.startswith(self.project + "/"):
            return self.artifact[len(self.project) + 1:]
        return self.artifact

    @property
    def family_local(self) -> str:
        """:attr:`family` relative to the project's folder (``""``: no family)."""
        if self.project and self.family.startswith(self.project + "/"):
            return self.family[len(self.project) + 1:]
        return self.family


@record(frozen=True, eq=False)
class Paths:
    """Every resolved read and write of an artifact, and how well the I/O calls resolved.

    ``accesses`` in file order; ``anchors`` ((path, line, column) -> where an absolute path was spelled);
    ``io_sites`` counts the I/O calls by ``exact``, ``pattern`` and ``unresolved``; ``unresolved`` lists those
    that named no path; ``script_folders`` are folders whose scripts run from their own folder;
    ``raw_data_dirs`` the configured raw-data folders."""

    resolver: Optional[Resolver]
    accesses: Tuple[Access, ...]
    anchors: Mapping[Tuple[str, int, int], Tuple[str, int]]
    io_sites: Mapping[str, int]
    unresolved: Tuple[Tuple[str, int], ...]
    script_folders: FrozenSet[str]
    raw_data_dirs: Tuple[str, ...] = ("input", "data/raw")

    def _by_artifact(self, mode: IOMode) -> Dict[str, List[Access]]:
        out: Dict[str, List[Access]] = {}
        for access in self.accesses:
            if access.mode is mode:
                out.setdefault(access.artifact, []).append(access)
        return out

    @cached_property
    def writers(self) -> Dict[str, List[Access]]:
        """Artifact -> its writes, in file order."""
        return self._by_artifact(IOMode.WRITE)

    @cached_property
    def readers(self) -> Dict[str, List[Access]]:
        """Artifact -> its reads, in file order."""
        return self._by_artifact(IOMode.READ)

    def is_raw(self, artifact: str) -> bool:
        """Whether a path lies under a raw-data folder (``raw-data-dirs``), at the root or in a sub-project."""
        for folder in self.raw_data_dirs:
            folder = folder.strip("/")
            if artifact == folder or artifact.startswith(folder + "/") or ("/" + folder + "/") in ("/" + artifact):
                return True
        return False
