"""Fault injection (issue 23): whatever happens to a scan, the user's files survive and nothing is left running.

Every case runs debtscan in a subprocess with a memory cap (RLIMIT_AS) and a time limit, and reaps what it
started by pid: the scan itself with ``wait``, its worker processes by looking them up in /proc (a worker
that outlives its killed parent is killed here and fails the test).

- ``kill -9`` of the main process while workers extract, and while a report, a baseline or the facts cache
  is being written: the previous file is intact, no worker survives, the next run cleans the temporary file;
- a full disk (``RLIMIT_FSIZE`` in the child, so no root and no special filesystem is needed): the previous
  report is intact and the error names the file;
- ``-o`` onto a scanned source file (or any new ``.py`` under the scanned folder without ``--force``);
- 1,000 nested folders;
- ``cache-dir`` at the project root, above it, and at a folder holding the user's own files;
- Ctrl-C (and SIGTERM): exit code 130 (143), the terminal restored, no worker left.
"""
import json
import os
import pty
import resource
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from debtscan.testing import write_repo

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and Linux rlimits")

MEMORY_CAP = 3 * 1024 ** 3  # bytes of address space per process (workers inherit it)
TIME_LIMIT = 120  # seconds per debtscan run; a healthy run here takes a few


def _limits(file_size=None):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
        if file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    return apply


def _command(*args):
    return [sys.executable, "-m", "debtscan", *map(str, args)]


def run(*args, cwd, file_size=None, env=None):
    """One debtscan run to completion, capped; returns the CompletedProcess."""
    return subprocess.run(_command(*args), cwd=cwd, capture_output=True, text=True, timeout=TIME_LIMIT,
                          preexec_fn=_limits(file_size), env={**os.environ, **(env or {})})


def start(*args, cwd, **kwargs):
    kwargs.setdefault("stdout", subprocess.DEVNULL)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(_command(*args), cwd=cwd, preexec_fn=_limits(), **kwargs)


def _stat(pid):
    """(state, parent pid) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0].decode(), int(fields[1])


def children(pid):
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = _stat(int(name))
            if stat and stat[1] == pid and stat[0] != "Z":
                found.append(int(name))
    return found


def alive(pid):
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def wait_for_workers(process, count=2, timeout=60.0):
    """The worker pids of a running scan, once ``count`` of them exist (they exist only while extracting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = children(process.pid)
        if len(workers) >= count:
            return workers
        if process.poll() is not None:
            break
        time.sleep(0.01)
    pytest.fail(f"the scan never had {count} workers (exit {process.poll()})")


def assert_reaped(workers, within=5.0):
    """Every worker gone within ``within`` seconds; a survivor is killed by pid and fails the test."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and any(alive(pid) for pid in workers):
        time.sleep(0.05)
    survivors = [pid for pid in workers if alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"worker(s) {survivors} outlived the scan (parent pid now {[_stat(p) for p in survivors]})"


def kill_when_file_appears(process, folder, prefix, timeout=60.0):
    """SIGKILL ``process`` the moment a file named ``prefix...`` exists in ``folder``; True if it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            names = []
        if any(n.startswith(prefix) and n.endswith(".tmp") for n in names):
            process.kill()
            process.wait(TIME_LIMIT)
            return True
        if process.poll() is not None:
            return False
    process.kill()
    process.wait(TIME_LIMIT)
    return False


def pipeline_repo(root: Path, files: int = 40) -> Path:
    """A synthetic ML repo with a finding-rich pipeline: each step reads the previous step's output, merges
    data from hard-coded absolute paths and writes the next step's input."""
    sources = {}
    for i in range(files):
        lines = ["import numpy as np", "import pandas as pd", "", f"df = pd.read_csv('data/step{i}.csv')"]
        for j in range(10):
            lines += [f"extra{j} = pd.read_csv('/home/alice/data/file{i}_{j}.csv')",
                      f"df = df.merge(extra{j}, on='key{j}')",
                      f"df['f{j}'] = np.log1p(df['c{j}']) * 0.{j + 1}"]
        lines += ["if df['score'].mean() > 0.75:", "    df = df[df['score'] > 0.5]",
                  f"df.to_csv('data/step{i + 1}.csv')"]
        sources[f"steps/step_{i:03d}.py"] = "\n".join(lines) + "\n"
    write_repo(root, sources)
    return root


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory):
    return pipeline_repo(tmp_path_factory.mktemp("faults") / "repo")


# -- kill -9 -----------------------------------------------------------------------------------------------
def test_kill_9_during_extraction_leaves_the_report_and_no_worker(big_repo, tmp_path):
    out = tmp_path / "report.json"
    out.write_text('{"previous": "report"}\n', encoding="utf-8")
    scan = start("scan", big_repo, "--no-cache", "-j", "2", "--format", "json", "-o", out, cwd=tmp_path)
    workers = wait_for_workers(scan)
    assert all(alive(pid) for pid in workers), "killed while the workers were extracting"
    scan.kill()
    scan.wait(TIME_LIMIT)
    assert_reaped(workers)
    assert out.read_text(encoding="utf-8") == '{"previous": "report"}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_sigterm_during_extraction_ends_the_workers_too(big_repo, tmp_path):
    scan = start("scan", big_repo, "--no-cache", "-j", "2", cwd=tmp_path)
    workers = wait_for_workers(scan)
    scan.terminate()
    code = scan.wait(TIME_LIMIT)
    assert (code, scan.stderr.read().decode()) == (143, "Terminated.\n")
    assert_reaped(workers)


def _kill_during_write(tmp_path, args, folder, prefix, target, attempts=4):
    """Rerun ``args`` until a SIGKILL lands while the temporary file is being written (it is left behind, so
    the kill came before the rename); then the target must still hold what it held before."""
    before = target.read_bytes()
    for _ in range(attempts):
        scan = start(*args, cwd=tmp_path)
        if kill_when_file_appears(scan, folder, prefix):
            temporaries = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(".tmp")]
            if temporaries:
                assert target.read_bytes() == before, "the previous file was damaged by a killed write"
                return temporaries
        before = target.read_bytes()  # the write completed first: it is the new "previous" file
    pytest.fail(f"no kill landed during the write in {attempts} attempts")


def test_kill_9_while_the_report_is_written_keeps_the_previous_report(big_repo, tmp_path):
    out = tmp_path / "report.json"
    args = ("scan", big_repo, "-j", "2", "--format", "json", "-o", out)
    assert run(*args, cwd=tmp_path).returncode == 1  # the previous, complete report (and a warm cache)
    json.loads(out.read_text(encoding="utf-8"))
    left = _kill_during_write(tmp_path, args, tmp_path, ".report.json.", out)
    json.loads(out.read_text(encoding="utf-8"))
    assert run(*args, cwd=tmp_path).returncode == 1
    assert not [n for n in os.listdir(tmp_path) if n in left], "the next run removes the dead run's temporary"


def test_kill_9_while_the_baseline_is_written_keeps_the_previous_baseline(big_repo, tmp_path):
    base = tmp_path / "base.json"
    args = ("baseline", big_repo, "-o", base)
    assert run(*args, cwd=tmp_path).returncode == 0
    _kill_during_write(tmp_path, args, tmp_path, ".base.json.", base)
    used = run("scan", big_repo, "--baseline", base, cwd=tmp_path)
    assert used.returncode == 0, used.stderr  # the baseline still parses and still matches every finding


def test_kill_9_while_the_cache_is_written_keeps_the_previous_cache(tmp_path):
    repo = pipeline_repo(tmp_path / "repo", files=60)
    cache = repo / ".debtscan_cache"
    assert run("scan", repo, "-j", "1", cwd=tmp_path).returncode == 1
    (pack,) = cache.glob("facts-*.pack")
    step = repo / "steps" / "step_000.py"
    for attempt in range(6):  # each run changes one file, so that the cache is rewritten
        step.write_text(step.read_text(encoding="utf-8") + f"print({attempt})\n", encoding="utf-8")
        before = pack.read_bytes()
        scan = start("scan", repo, "-j", "1", cwd=tmp_path)
        if kill_when_file_appears(scan, cache, ".facts-") and list(cache.glob(".facts-*.tmp")):
            assert pack.read_bytes() == before
            break
    else:
        pytest.fail("no kill landed during the cache write")
    again = run("scan", repo, "-j", "1", "--format", "json", cwd=tmp_path)
    assert again.returncode == 1
    assert json.loads(again.stdout)["errors"] == [], "the killed write left nothing the next scan trips on"
    assert not list(cache.glob(".facts-*.tmp")), "the next run removes the dead run's temporary pack"


# -- a full disk ------------------------------------------------------------------------------------------
def test_a_full_disk_keeps_the_previous_report_and_names_the_file(big_repo, tmp_path):
    out = tmp_path / "report.json"
    assert run("scan", big_repo, "--format", "json", "-o", out, cwd=tmp_path).returncode == 1
    previous = out.read_bytes()
    assert len(previous) > 64 * 1024
    # the cache is warm (nothing to write there): only the report meets the limit
    full = run("scan", big_repo, "--format", "json", "-o", out, cwd=tmp_path, file_size=64 * 1024)
    assert full.returncode == 2
    assert f"cannot write {out}: File too large" in full.stderr
    assert "unchanged" in full.stderr
    assert out.read_bytes() == previous
    assert sorted(os.listdir(tmp_path)) == ["report.json"], "no temporary file is left behind"


def test_a_full_disk_under_the_cache_is_a_warning_and_the_cache_survives(tmp_path):
    repo = pipeline_repo(tmp_path / "repo", files=12)
    assert run("scan", repo, "-j", "1", cwd=tmp_path).returncode == 1
    (pack,) = (repo / ".debtscan_cache").glob("facts-*.pack")
    previous = pack.read_bytes()
    write_repo(repo, {"steps/new_step.py": "import pandas as pd\npd.read_csv('/home/alice/x.csv')\n"})
    full = run("scan", repo, "-j", "1", "--format", "json", cwd=tmp_path, file_size=16 * 1024)
    assert full.returncode == 1
    notes = [e for e in json.loads(full.stdout)["errors"] if e["path"] == "<cache>"]
    assert len(notes) == 1 and "File too large" in notes[0]["message"]
    assert pack.read_bytes() == previous
    assert not list((repo / ".debtscan_cache").glob(".facts-*"))


# -- never overwrite what the user owns -----------------------------------------------------------------
SMALL = {
    "train.py": "import pandas as pd\ndf = pd.read_csv('/home/alice/train.csv')\n",
    "notebooks/explore.ipynb": json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
}


@pytest.mark.parametrize("command, target", [
    (("scan", "{repo}", "--format", "json", "-o", "{target}"), "train.py"),
    (("scan", "{repo}", "-o", "{target}"), "notebooks/explore.ipynb"),
    (("baseline", "{repo}", "-o", "{target}"), "train.py"),
    (("graph", "{repo}", "-o", "{target}"), "notebooks/explore.ipynb"),
    (("scan", "{repo}", "--format", "json", "--force", "-o", "{target}"), "train.py"),  # --force never allows it
], ids=["json", "console", "baseline", "graph", "force"])
def test_output_onto_a_scanned_source_file_is_refused_before_the_scan(tmp_path, command, target):
    repo = tmp_path / "repo"
    write_repo(repo, SMALL)
    before = (repo / target).read_bytes()
    done = run(*[part.format(repo=repo, target=repo / target) for part in command], cwd=tmp_path)
    assert done.returncode == 2
    assert target.rsplit("/", 1)[-1] in done.stderr and "scanned" in done.stderr
    assert (repo / target).read_bytes() == before
    assert not (repo / ".debtscan_cache").exists(), "refused before any file was analysed"


def test_a_new_python_file_under_the_scanned_folder_needs_force(tmp_path):
    repo = tmp_path / "repo"
    write_repo(repo, SMALL)
    refused = run("scan", repo, "--format", "json", "-o", repo / "report.py", cwd=tmp_path)
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert not (repo / "report.py").exists()
    forced = run("scan", repo, "--format", "json", "--force", "-o", repo / "report.py", cwd=tmp_path)
    assert forced.returncode == 1
    json.loads((repo / "report.py").read_text(encoding="utf-8"))
    outside = run("scan", repo, "--format", "json", "-o", tmp_path / "report.py", cwd=tmp_path)
    assert outside.returncode == 1, "a .py outside the scanned folder is no source file of this scan"


def test_inputs_are_checked_before_the_scan(tmp_path):
    repo = tmp_path / "repo"
    write_repo(repo, SMALL)
    base = tmp_path / "base.json"
    cases = {
        ("-o", tmp_path / "missing" / "out.json"): "does not exist",
        ("--baseline", tmp_path / "none.json"): "cannot read baseline",
        ("--baseline", base, "-o", base): "also an input of this run",
    }
    for bad in ('{"debtscan_baseline": 1, "findings": {"abc": {"count": true}}}',
                '{"debtscan_baseline": 1, "findings": {"abc": {"count": 1000000000000000000000000000000}}}',
                '{"debtscan_baseline": 1, "findings": {"abc": {"count": 1, "path": 7}}}', "{"):
        (tmp_path / "bad.json").write_text(bad, encoding="utf-8")
        done = run("scan", repo, "--baseline", tmp_path / "bad.json", cwd=tmp_path)
        assert done.returncode == 2 and "bad.json" in done.stderr, (bad, done.stderr)
        assert not (repo / ".debtscan_cache").exists(), "the baseline is checked before the scan"
    base.write_text('{"debtscan_baseline": 1, "findings": {}}\n', encoding="utf-8")
    for args, message in cases.items():
        done = run("scan", repo, *args, cwd=tmp_path)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
        assert not (repo / ".debtscan_cache").exists()
    assert base.read_text(encoding="utf-8") == '{"debtscan_baseline": 1, "findings": {}}\n'


# -- deep folders ---------------------------------------------------------------------------------------
def remove_tree(top):
    """``shutil.rmtree`` without its recursion (pytest's own clean-up would fail on 1,000 levels)."""
    stack = [(str(top), False)]
    while stack:
        path, emptied = stack.pop()
        if emptied:
            os.rmdir(path)
            continue
        stack.append((path, True))
        for entry in os.scandir(path):
            if entry.is_dir(follow_symlinks=False):
                stack.append((entry.path, False))
            else:
                os.unlink(entry.path)


@pytest.fixture
def deep_repo(tmp_path):
    repo = tmp_path / "repo"
    yield repo
    if repo.exists():
        remove_tree(repo)


def test_a_thousand_nested_folders_scan_like_any_other(tmp_path, deep_repo):
    repo = deep_repo
    folder = str(repo)
    os.mkdir(folder)
    for depth in range(1, 1001):  # level by level: pathlib's and os's own makedirs recurse
        folder = os.path.join(folder, "d")
        os.mkdir(folder)
        if depth == 500:
            with open(os.path.join(folder, "prepare.py"), "w", encoding="utf-8") as handle:
                handle.write("x = 1\n")
    with open(os.path.join(folder, "train.py"), "w", encoding="utf-8") as handle:
        handle.write("import pandas as pd\ndf = pd.read_csv('/home/alice/train.csv')\n")
    done = run("scan", repo, "--format", "json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["errors"] == []
    assert report["summary"]["files_scanned"] == 2
    assert [(f["code"], f["path"].count("/")) for f in report["findings"]] == [("DS205", 1000)]
    warm = run("scan", repo, "--format", "json", cwd=tmp_path)
    assert json.loads(warm.stdout)["findings"] == report["findings"]


# -- the cache owns only what it created ----------------------------------------------------------------
# A cache-dir outside the project (`..` included) is the trust model's: refused with a note, the scan goes on
# with the default cache (tests/test_trust.py).
@pytest.mark.parametrize("cache_dir, problem", [(".", "is the project root"),
                                                ("src", "holds source files (model.py)")])
def test_a_cache_dir_that_would_hide_the_project_is_refused(tmp_path, cache_dir, problem):
    repo = tmp_path / "project"
    write_repo(repo, {"pyproject.toml": f'[tool.debtscan]\ncache-dir = "{cache_dir}"\n', **SMALL,
                      "src/model.py": "import torch\n"})
    listing = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    done = run("scan", repo, cwd=repo)
    assert done.returncode == 2
    assert f"pyproject.toml:2: [tool.debtscan] cache-dir '{cache_dir}' {problem}" in done.stderr
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == listing, "nothing written"


def test_a_cache_dir_holding_the_users_files_keeps_them(tmp_path):
    repo = tmp_path / "project"
    user_files = {"shared/facts-mydata.pack": "the user's data\n", "shared/notes.txt": "mine\n",
                  "shared/.gitignore": "!keep\n"}
    write_repo(repo, {"pyproject.toml": '[tool.debtscan]\ncache-dir = "shared"\n', **SMALL, **user_files})
    for _ in range(2):
        done = run("scan", repo, "--format", "json", cwd=repo)
        assert done.returncode == 1 and json.loads(done.stdout)["errors"] == []
    for path, text in user_files.items():
        assert (repo / path).read_text(encoding="utf-8") == text
    shared = sorted(p.name for p in (repo / "shared").iterdir())
    ours = [n for n in shared if n not in ("facts-mydata.pack", "notes.txt", ".gitignore")]
    assert ours == [next(n for n in shared if n.startswith("facts-") and n != "facts-mydata.pack"),
                    next(n for n in shared if n.startswith("result-"))]  # the facts pack, the report reused
    assert not (repo / "shared" / "CACHEDIR.TAG").exists(), "no marker in a folder the cache did not create"


def test_a_users_own_debtscan_cache_folder_is_scanned_and_left_alone(tmp_path):
    repo = tmp_path / "project"
    mine = {".debtscan_cache/helper.py": "import pickle\nmodel = pickle.load(open('/home/alice/m.pkl', 'rb'))\n",
            ".debtscan_cache/facts-mydata.pack": "the user's data\n"}
    write_repo(repo, {**SMALL, **mine})
    done = run("scan", repo, "--format", "json", cwd=repo)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert ".debtscan_cache/helper.py" in {f["path"] for f in report["findings"]}
    assert [e["path"] for e in report["errors"]] == ["<cache>"]
    assert "holds source files" in report["errors"][0]["message"]
    assert sorted(p.name for p in (repo / ".debtscan_cache").iterdir()) == ["facts-mydata.pack", "helper.py"]
    assert not (repo / ".gitignore").exists()


def test_a_cache_folder_it_creates_is_tagged_ignored_and_never_scanned(tmp_path):
    repo = tmp_path / "project"
    write_repo(repo, {"pyproject.toml": '[tool.debtscan]\ncache-dir = "build-cache/debtscan"\n', **SMALL})
    assert run("scan", repo, cwd=repo).returncode == 1
    cache = repo / "build-cache" / "debtscan"
    assert (cache / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert (cache / "CACHEDIR.TAG").read_text(encoding="utf-8").startswith(
        "Signature: 8a477f597d28d172789f06886806bc55")
    (cache / "stray.py").write_text("import pickle\npickle.load(open('/home/alice/m.pkl', 'rb'))\n",
                                    encoding="utf-8")
    done = run("scan", repo, "--format", "json", cwd=repo)
    assert "build-cache/debtscan/stray.py" not in done.stdout, "the cache's own folder is never scanned"


# -- Ctrl-C and the terminal ----------------------------------------------------------------------------
def test_ctrl_c_exits_130_and_stops_the_workers(big_repo, tmp_path):
    scan = start("scan", big_repo, "--no-cache", "-j", "2", cwd=tmp_path)
    workers = wait_for_workers(scan)
    scan.send_signal(signal.SIGINT)
    code = scan.wait(TIME_LIMIT)
    stderr = scan.stderr.read().decode()
    assert (code, stderr) == (130, "Interrupted.\n")
    assert_reaped(workers)


def _read_until_exit(process, leader, output=b""):
    """Drain the terminal while the process runs (a full pty would block its writes), then what is left."""
    deadline = time.monotonic() + TIME_LIMIT
    while time.monotonic() < deadline:
        if select.select([leader], [], [], 0.05)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the other side closed
                chunk = b""
            output += chunk
            if not chunk and process.poll() is not None:
                break
        elif process.poll() is not None:
            break
    return process.wait(TIME_LIMIT), output


def test_two_ctrl_c_on_a_terminal_restore_the_cursor_and_stop_the_progress_bar(big_repo, tmp_path):
    leader, follower = pty.openpty()
    try:
        scan = start("scan", big_repo, "--no-cache", "-j", "2", cwd=tmp_path, stdin=follower, stdout=follower,
                     stderr=follower, env={**os.environ, "TERM": "xterm", "COLUMNS": "100"})
        os.close(follower)
        follower = None
        workers = wait_for_workers(scan)
        output = b""
        deadline = time.monotonic() + 30
        while b"\x1b[?25l" not in output and time.monotonic() < deadline:  # the progress bar hid the cursor
            if select.select([leader], [], [], 0.05)[0]:
                output += os.read(leader, 65536)
        scan.send_signal(signal.SIGINT)
        scan.send_signal(signal.SIGINT)  # impatient: a second Ctrl-C during the clean-up
        code, output = _read_until_exit(scan, leader, output)
    finally:
        if follower is not None:
            os.close(follower)
        os.close(leader)
    assert code == 130
    assert_reaped(workers)
    text = output.decode("utf-8", "replace")
    assert "\x1b[?25l" in text, "the progress bar was showing"
    assert text.rfind("\x1b[?25h") > text.rfind("\x1b[?25l"), "the cursor is shown again"
    assert text.rstrip().endswith("Interrupted."), "the progress bar is gone: nothing is drawn after the message"
