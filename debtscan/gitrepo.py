"""Read-only access to a git repository's past: which commits, and each commit's files in a folder of ours.

Only plumbing that reads objects is run (``rev-parse``, ``log``, ``ls-tree``, ``cat-file``), with optional
locks off: the user's work tree, index, refs, stash and worktree list are never written. A commit's files are
written into a private folder (:class:`TreeCheckout`) from the object database, and moving to the next commit
rewrites only the files whose blob changed, so that a walk through history costs its changes, not its size.

The folder holds what git stores (no smudge filters, no ``export-ignore``: a checkout's content, not an
archive's). Blobs that debtscan never reads whole (data files over 1 MB, see :func:`full_size_limit`) are
written as sparse files of the right size: existence and size are all a scan looks at for them. Tree paths that could
leave the folder (``..``, ``.git``, absolute) are refused, and a symlink is never followed while writing.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import IO, Dict, List, Optional, Sequence, Tuple

from debtscan.records import record

GIT_TIMEOUT = 600
# GIT_NO_LAZY_FETCH: a partial clone's missing blobs are not fetched from its remote (no network, no writes).
_ENV = {"GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_PAGER": "cat",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_NO_LAZY_FETCH": "1"}
# Configuration that could make a reading command run a program or print something else.
_SAFE_CONFIG = ("-c", "log.showSignature=false", "-c", "core.fsmonitor=false", "-c", "log.decorate=false",
                "-c", "core.quotePath=false")
# Files every scan reads whole, whatever their size (configuration, ignore rules).
_ALWAYS_WHOLE = frozenset({".gitignore", "pyproject.toml", "debtscan.toml"})
OTHER_FILE_LIMIT = 1_000_000  # the most bytes any non-Python reader of debtscan reads (dvc.yaml, catalogs)
MISSING = -1  # the size of a blob the repository does not have (a partial clone, a mirror without large files)


class GitError(Exception):
    """git is missing, the path is not in a repository, or a git command failed; the message says which."""


@record(frozen=True)
class Commit:
    """One commit: its id, parents, committer and author dates (ISO 8601, with the zone), author, subject."""

    sha: str
    parents: Tuple[str, ...]
    date: str
    author_date: str
    author: str
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:10]


@record(frozen=True)
class TreeEntry:
    """A file of a commit's tree: its mode (``100644``, ``100755``, ``120000`` for a symlink), blob and size."""

    mode: str
    blob: str
    size: int

    @property
    def is_link(self) -> bool:
        return self.mode == "120000"


@record(frozen=True)
class Repository:
    """A repository to read: its git directory, and the folder of it to scan (``""``: the whole tree)."""

    git_dir: Path
    prefix: str = ""
    name: str = ""
    shallow: frozenset = frozenset()  # a shallow clone's boundary commits: their parents are not here

    def is_root(self, commit: "Commit") -> bool:
        """Whether ``commit`` has no parents at all (not merely none in this shallow clone)."""
        return not commit.parents and commit.sha not in self.shallow

    def git(self, *args: str, binary: bool = False, check: bool = True) -> subprocess.CompletedProcess:
        return run_git(["--git-dir", str(self.git_dir), *args], binary=binary, check=check)


def run_git(args: Sequence[str], binary: bool = False, check: bool = True,
            cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **_ENV}
    try:
        result = subprocess.run(["git", *_SAFE_CONFIG, *args], capture_output=True, text=not binary,
                                timeout=GIT_TIMEOUT, env=env, cwd=cwd, check=False,
                                **({} if binary else {"encoding": "utf-8", "errors": "replace"}))
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {' '.join(args[:3])} took longer than {GIT_TIMEOUT} s") from None
    if check and result.returncode != 0:
        err = result.stderr.decode("utf-8", "replace") if binary else result.stderr
        lines = [line for line in err.strip().splitlines() if line.strip()]
        raise GitError(lines[-1] if lines else f"git {' '.join(args[:3])} failed (exit {result.returncode})")
    return result


def open_repository(path: Path) -> Repository:
    """The repository holding ``path`` (a work tree or a folder in it, or a bare git directory)."""
    path = Path(path).resolve()
    if not path.is_dir():
        raise GitError(f"{path} is not a folder")
    probe = run_git(["-C", str(path), "rev-parse", "--absolute-git-dir", "--is-bare-repository",
                     "--is-inside-git-dir"], check=False)
    if probe.returncode != 0:
        message = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else ""
        raise GitError(f"{path} is not in a git repository" + (f" ({message})" if message else ""))
    lines = probe.stdout.split("\n")
    git_dir = Path(lines[0].strip())
    bare = len(lines) > 2 and "true" in (lines[1].strip(), lines[2].strip())  # or the .git folder itself
    prefix = top = ""
    if not bare:
        where = run_git(["-C", str(path), "rev-parse", "--show-prefix", "--show-toplevel"]).stdout.split("\n")
        prefix = where[0].strip().rstrip("/")
        top = where[1].strip() if len(where) > 1 else ""
    name = Path(top).name if top else git_dir.name.removesuffix(".git") or git_dir.parent.name
    if name in ("", "repo", "git"):  # a bare mirror in a folder named after the project
        name = git_dir.parent.name or name
    try:
        shallow = frozenset((git_dir / "shallow").read_text(encoding="ascii", errors="replace").split())
    except OSError:
        shallow = frozenset()
    return Repository(git_dir=git_dir, prefix=prefix, name=f"{name}/{prefix}" if prefix else name,
                      shallow=shallow)


_FIELDS = "%H%x1f%P%x1f%cI%x1f%aI%x1f%an%x1f%s%x1e"


def list_commits(repo: Repository, rev: str = "HEAD", since: Optional[str] = None, last: Optional[int] = None,
                 every: int = 1, first_parent: bool = True) -> List[Commit]:
    """The commits to scan, oldest first: those reachable from ``rev`` (its first parents only, by default),
    committed since ``since`` (anything ``git log --since`` accepts), at most the ``last`` newest, then every
    ``every``-th of them counted back from the newest (so ``rev`` itself is always one)."""
    if rev.startswith("-"):
        raise GitError(f"not a revision: {rev!r}")
    resolved = repo.git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", check=False)
    if resolved.returncode != 0:
        raise GitError(f"{rev!r} does not name a commit of {repo.git_dir}")
    args = ["log", "--no-color", "--topo-order", f"--format={_FIELDS}"]
    if first_parent:
        args.append("--first-parent")
    if since:
        args.append(f"--since={since}")
    if last:
        args.append(f"--max-count={last}")
    args += [resolved.stdout.strip(), "--"]
    out = repo.git(*args).stdout
    commits = []
    for record in out.split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        sha, parents, date, author_date, author, subject = record.split("\x1f", 5)
        commits.append(Commit(sha, tuple(parents.split()), date, author_date, author, subject))
    commits = commits[::max(1, every)]
    return commits[::-1]


def _safe_relpath(raw: bytes) -> Optional[str]:
    """The tree path as a str (undecodable bytes kept as surrogates, as the file system does), or None for one
    that could leave the folder."""
    path = os.fsdecode(raw)
    if not path or path.startswith("/"):
        return None
    for part in path.split("/"):
        if part in ("", ".", "..") or part.lower() == ".git":
            return None
    return path


def read_tree(repo: Repository, commit: str) -> Dict[str, TreeEntry]:
    """Every file of ``commit`` (submodules left out), by repo-relative path."""
    out = repo.git("ls-tree", "-r", "-l", "-z", "--full-tree", commit, binary=True).stdout
    entries: Dict[str, TreeEntry] = {}
    for item in out.split(b"\0"):
        if not item:
            continue
        meta, _, raw_path = item.partition(b"\t")
        fields = meta.split()
        if len(fields) != 4 or fields[1] != b"blob":
            continue  # a submodule ("commit") has no content here
        path = _safe_relpath(raw_path)
        if path is None:
            continue
        size = int(fields[3]) if fields[3].isdigit() else MISSING  # "BAD": the blob is not in the repository
        entries[path] = TreeEntry(fields[0].decode(), fields[2].decode(), size)
    return entries


def full_size_limit(path: str) -> int:
    """The largest blob at ``path`` written with its content; larger ones are sparse files of their size.

    Python files, notebooks and configuration are always written whole (``max-file-size`` is each commit's
    own setting); other files are read by debtscan only up to OTHER_FILE_LIMIT (runners, dvc.yaml, Kedro
    catalogs) or not at all (data files, which only need to exist).
    """
    name = path.rsplit("/", 1)[-1]
    if name in _ALWAYS_WHOLE or name.endswith((".py", ".ipynb")):
        return 1 << 62
    return OTHER_FILE_LIMIT


class _BlobReader:
    """One ``git cat-file --batch`` process serving blob contents by id."""

    def __init__(self, repo: Repository) -> None:
        env = {**os.environ, **_ENV}
        try:
            self.process = subprocess.Popen(
                ["git", *_SAFE_CONFIG, "--git-dir", str(repo.git_dir), "cat-file", "--batch"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        except FileNotFoundError:
            raise GitError("git is not installed (or not on PATH)") from None

    def read(self, blob: str) -> bytes:
        stdin: IO[bytes] = self.process.stdin  # type: ignore[assignment]
        stdout: IO[bytes] = self.process.stdout  # type: ignore[assignment]
        stdin.write(blob.encode() + b"\n")
        stdin.flush()
        header = stdout.readline().split()
        if len(header) != 3:
            raise GitError(f"cannot read blob {blob}: {b' '.join(header).decode('utf-8', 'replace') or 'no answer'}")
        size = int(header[2])
        data = stdout.read(size)
        stdout.read(1)  # the newline after the content
        if len(data) != size:
            raise GitError(f"cannot read blob {blob}: truncated")
        return data

    def close(self) -> None:
        try:
            if self.process.stdin:
                self.process.stdin.close()
            self.process.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
        if self.process.stdout:
            self.process.stdout.close()


@record
class UpdateStats:
    """What moving the checkout to a commit took: files written (in full or sparse) and removed."""

    written: int = 0
    removed: int = 0


class TreeCheckout:
    """A private folder holding one commit's files at a time; see the module docstring."""

    def __init__(self, repo: Repository, folder: Path) -> None:
        self.repo = repo
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.current: Dict[str, TreeEntry] = {}
        self._reader: Optional[_BlobReader] = None
        self.missing: set = set()  # data files whose content the repository lacks, written empty

    def __enter__(self) -> "TreeCheckout":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def checkout(self, commit: str) -> UpdateStats:
        """Make the folder hold exactly the files of ``commit``, rewriting only what differs."""
        tree = read_tree(self.repo, commit)
        try:
            return self._update(tree)
        except BaseException:  # a half-written folder would mislead the next commit's update: start afresh
            self.current = {}
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder.mkdir(parents=True, exist_ok=True)
            raise

    def _update(self, tree: Dict[str, TreeEntry]) -> UpdateStats:
        stats = UpdateStats()
        for path, entry in sorted(self.current.items(), reverse=True):
            new = tree.get(path)
            if new is None or new.is_link != entry.is_link:
                self._remove(path)
                stats.removed += 1
        for path in sorted(tree):
            entry = tree[path]
            old = self.current.get(path)
            if old is not None and old.blob == entry.blob and old.is_link == entry.is_link \
                    and os.path.lexists(self.folder / path):
                continue
            self._write(path, entry)
            stats.written += 1
        self.current = tree
        return stats

    # -- writing without ever following a link or leaving the folder --------------------------------------
    def _parent(self, path: str) -> Path:
        """The folder ``path`` goes in, created component by component; anything else in the way is removed."""
        current = self.folder
        for part in path.split("/")[:-1]:
            current = current / part
            try:
                mode = os.lstat(current).st_mode
            except FileNotFoundError:
                current.mkdir()
                continue
            if not stat.S_ISDIR(mode):  # a file or symlink of an older commit where a folder now is
                current.unlink()
                current.mkdir()
        return current

    def _clear(self, target: Path) -> None:
        try:
            mode = os.lstat(target).st_mode
        except FileNotFoundError:
            return
        if stat.S_ISDIR(mode):
            shutil.rmtree(target)
        else:
            target.unlink()

    def _write(self, path: str, entry: TreeEntry) -> None:
        if entry.size == MISSING and full_size_limit(path) > OTHER_FILE_LIMIT:
            raise GitError(f"the content of {path} (blob {entry.blob[:10]}) is not in the repository "
                           f"(a partial or filtered clone?)")
        parent = self._parent(path)
        target = parent / path.rsplit("/", 1)[-1]
        self._clear(target)
        if entry.is_link:
            link = self._blob(entry.blob)
            os.symlink(os.fsdecode(link), target)
            return
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(target, flags, 0o644)
        with os.fdopen(fd, "wb") as handle:
            if entry.size == MISSING:  # a data file only needs to exist; code cannot be analysed without it
                self.missing.add(path)
            elif entry.size > full_size_limit(path):
                handle.truncate(entry.size)  # sparse: no disk blocks, no blob read
            else:
                handle.write(self._blob(entry.blob))

    def _blob(self, blob: str) -> bytes:
        if self._reader is None:
            self._reader = _BlobReader(self.repo)
        return self._reader.read(blob)

    def _remove(self, path: str) -> None:
        target = self.folder / path
        parent = target.parent
        # Only inside our folder, and never through a link: each parent must be a real folder.
        probe = self.folder
        for part in path.split("/")[:-1]:
            probe = probe / part
            try:
                if not stat.S_ISDIR(os.lstat(probe).st_mode):
                    return
            except FileNotFoundError:
                return
        self._clear(target)
        while parent != self.folder:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent
