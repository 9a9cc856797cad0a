"""The result cache: a whole scan's output, reused when nothing it depends on has changed.

A scan is a function of its inputs, so an unchanged input gives the same output byte for byte. The command
line keys each ``debtscan scan`` by every input and, when a scan with the same key wrote its output before,
writes that output again (stdout or ``--output``, the lines on stderr, the exit status) without analysing
anything: no file is parsed, no project built, no rule run, and neither libcst, networkx nor the project and
rule stages are imported. What the key covers (:func:`probe`):

- every file the scan analyses: its path, its dotted module, a digest of its bytes (the facts cache's
  :func:`~debtscan.store.digest.content_digest`, over the same bytes);
- the walk's :class:`~debtscan.sources.discover.SourceSet`: which files are scanned, what was skipped and
  why, the runner, DVC, Kedro and README files with their texts, and the listing of every folder entered (the
  project-root markers, which paths exist); so adding, removing or renaming any file or folder the scan sees
  changes the key;
- the effective configuration (every setting, after the command line's ``--exclude``, the plugin policy,
  the cache folder) and the configuration file's bytes (notes quote its lines);
- the command line: the format, the selectors, ``--fail-on``, ``--fail-on-error``,
  ``--statistics``, ``--exit-zero``, ``--quiet``, the paths as given, the current folder, the baseline file's
  bytes;
- debtscan and its environment: the version, every file of the installed package and the rule pages (name,
  size, modification time), the Python version, and every folder on ``sys.path`` (installing, upgrading or
  removing any distribution, a rule plugin or libcst alike, changes its folder);
- the files of every third-party rule the scan loaded (name, size, modification time), checked again before an
  output is reused: an edited plugin is a miss.

Not stored, so never reused: a report holding a transient error (a file that could not be read, a timeout, a
worker crash, an internal error), a cache warning, a plugin that failed to load or a plugin rule's failure;
an output whose files changed while it was being computed. Not keyed at all: the console format (rendered by
rich for the terminal it finds), ``--verbose`` and ``DEBTSCAN_DEBUG``, and a trusted configuration whose
``plugins`` import code of the scanned repository. ``--no-cache`` and ``DEBTSCAN_NO_CACHE`` turn the result
cache off with the facts cache; ``DEBTSCAN_NO_RESULT_CACHE=1`` turns off the result cache alone.

Each output is one file ``result-<key>.pack`` in the facts cache's folder (the header line
:data:`_MAGIC`, then a marshalled tuple); the newest :data:`MAX_RESULTS` are kept. Like the facts cache it
writes atomically, removes only the files it wrote, never writes through a symbolic link, and a missing,
unreadable or corrupt entry is a miss.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import re
import sys
from dataclasses import field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from debtscan import safefile
from debtscan.config import Config
from debtscan.records import record
from debtscan.sources.discover import SourceSet, find_sources
from debtscan.sources.files import plan_tasks
from debtscan.sources.guards import read_limit
from debtscan.store.digest import content_digest
from debtscan.store.folder import cache_disabled_by_env, cache_folder, written_by_cache
from debtscan.store.prune import prune_oldest
from debtscan.store.replay import RESULT_MAGIC as _MAGIC
from debtscan.store.replay import _stat, _tree, environment_signature  # noqa: F401 - re-exported
from debtscan.store.replay import read_result, result_file
from debtscan.trust import env_flag, relative_cache_note

FORMAT = "1"
NO_RESULT_CACHE_ENV = "DEBTSCAN_NO_RESULT_CACHE"  # =1: the facts cache only (to measure or debug the analysis)
TEMP_PREFIX = ".result-"
_NAME = re.compile(r"result-[0-9a-f]{32}\.pack")
MAX_RESULTS = 8
_MARSHAL_VERSION = 4

Stat = Tuple[str, int, int]  # (path, size, modification time in ns); size -1 when the file is missing


@record(frozen=True)
class Outcome:
    """What ``debtscan scan`` wrote: the report text (stdout or ``--output``), the lines on stderr before and
    after it, and the exit status."""

    text: str
    before: Tuple[str, ...] = ()
    after: Tuple[str, ...] = ()
    status: int = 0


def plugin_files() -> List[Stat]:
    """The files of the third-party rules loaded in this process: each rule's module, and every ``.py`` file
    of its top-level package (a plugin's helpers), sorted."""
    rules = sys.modules.get("debtscan.rules.base")
    if rules is None:
        return []
    seen, stack, modules = set(), [rules.Rule], set()
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
                if not (sub.__module__ or "").startswith("debtscan."):
                    modules.add(sub.__module__)
    files: Dict[str, Stat] = {}
    for name in modules:
        for module_name in (name, name.split(".")[0]):
            module = sys.modules.get(module_name)
            location = getattr(module, "__file__", None)
            if not location:
                continue
            if module_name != name and os.path.basename(location) == "__init__.py":
                for stat in _tree(Path(location).parent, (".py",), limit=500):
                    files[stat[0]] = stat
            else:
                files[location] = _stat(location)
    return [files[path] for path in sorted(files)]


@record
class Probe:
    """A scan's key, computed before the scan: the walk it made (handed to the scan, so that both see the
    same files) and each file's digest (checked against the digests the facts stage saw)."""

    folder: Path
    key: str
    sources: SourceSet
    digests: Dict[str, bytes]
    observed: Dict[str, bytes] = field(default_factory=dict)
    reads: Dict[str, Tuple[str, bool, int]] = field(default_factory=dict)  # path: (module, package, bytes read)
    environment: bytes = b""

    @property
    def file(self) -> Path:
        return Path(result_file(str(self.folder), self.key))

    def get(self) -> Optional[Outcome]:
        """The output stored under this key, if any and if the plugin files it depends on are unchanged."""
        found = read_result(str(self.file), self.key)
        return None if found is None else Outcome(*found)

    def put(self, outcome: Outcome, plugins: Sequence[Stat] = ()) -> bool:
        """Store ``outcome`` when the files the scan analysed are those the key was made from. The folder
        must exist (the facts cache creates it); returns whether it was stored."""
        if self.observed != self.digests or not self.folder.is_dir() or self.file.is_symlink():
            return False
        data = (self.key, [tuple(p) for p in plugins], outcome.text, list(outcome.before), list(outcome.after),
                outcome.status)
        try:
            safefile.remove_stale_temporaries(self.folder, TEMP_PREFIX)
            safefile.write_bytes(self.file, _MAGIC + marshal.dumps(data, _MARSHAL_VERSION), fsync=False,
                                 temp_prefix=TEMP_PREFIX)
        except OSError:
            return False
        _prune(self.folder, keep=self.file)
        return True


def _prune(folder: Path, keep: Path, limit: int = MAX_RESULTS) -> None:
    """Remove the oldest results beyond ``limit`` (only files this cache wrote: name and header)."""
    prune_oldest(str(folder), lambda name: _NAME.fullmatch(name) is not None,
                 lambda path: is_own_result(Path(path)), str(keep), limit)


def is_own_result(path: Path) -> bool:
    """Whether ``path`` is a result this cache wrote (its name and its header)."""
    return written_by_cache(path, _NAME, _MAGIC)


def probe(root: Path, config: Config, paths: Sequence[Path], invocation: Iterable[object]) -> Optional[Probe]:
    """The result-cache key of a scan of ``root`` (``paths``: what to walk, as
    :class:`~debtscan.engine.ScanOptions` has it) with ``config`` and the command line's ``invocation`` (the
    options that shape the output), or None when the result cache does not apply (see the module
    docstring)."""
    if cache_disabled_by_env() or env_flag(NO_RESULT_CACHE_ENV) or os.environ.get("DEBTSCAN_DEBUG"):
        return None
    if config.plugins and config.plugin_policy.config_plugins:
        return None
    folder, note = cache_folder(config, root)
    if folder is None or note or relative_cache_note(config.cache_dir, config.root or root):
        return None
    sources = find_sources(root, paths, config.excludes, config.respect_gitignore, skip=[folder])
    environment = environment_signature()
    digest = hashlib.blake2b(environment, digest_size=16)
    config_text = b""
    if config.path is not None:
        try:
            config_text = Path(config.path).read_bytes()
        except OSError:
            return None
    digest.update(repr((repr(config), config_text, list(invocation), os.getcwd(), str(root),
                        [str(p) for p in paths], str(folder))).encode("utf-8", "surrogatepass"))
    digest.update(repr(sources).encode("utf-8", "surrogatepass"))
    digests: Dict[str, bytes] = {}
    reads: Dict[str, Tuple[str, bool, int]] = {}
    for task in plan_tasks(sources.files):
        limit = read_limit(task.path, config.max_file_size) + 1
        try:
            with open(os.path.join(sources.root, task.path), "rb") as handle:
                data = handle.read(limit)  # the bytes the facts stage reads
        except OSError:
            return None  # an unreadable file's error is transient: never reused
        digests[task.path] = content_digest(data, task.path, task.module, task.is_package)
        reads[task.path] = (task.module, task.is_package, limit)
        digest.update(digests[task.path])
    return Probe(folder, digest.hexdigest(), sources, digests, reads=reads, environment=environment)


def reusable(errors) -> bool:
    """Whether a report with these errors may be reused: none is transient (see
    :attr:`~debtscan.errors.ErrorKind.transient`) or a plugin's failure, none is a cache warning, no plugin
    failed to load (a refused one is fine: the policy and the configuration decide it)."""
    from debtscan.errors import ErrorKind

    for error in errors:
        if error.kind is not None and (error.kind.transient or error.kind is ErrorKind.PLUGIN):
            return False
        if error.path in ("<cache>", "<cache-dir>", "<cross-file>"):
            return False
        if error.path.startswith(("<entry point ", "<plugin ")) and not error.message.startswith("not imported:"):
            return False
    return True
