"""The same input gives byte-identical JSON: across runs, --jobs values, cold and warm caches, hash seeds, and
whatever order the filesystem lists files in (issue 8)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import validate_report
from debtscan.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REPOS = ("demo", "competition-scripts", "glue-service", "hostile", "shop-signals")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Several fixture repos side by side under one root: enough files for a worker pool."""
    root = tmp_path_factory.mktemp("corpus")
    for name in REPOS:
        shutil.copytree(FIXTURES / name, root / name, symlinks=True)
    return root


def run(root, *args):
    result = CliRunner().invoke(main, ["scan", str(root), "--format", "json", *args])
    assert result.exit_code == 1, (result.exit_code, result.stderr)
    validate_report(result.stdout)
    return result.stdout


@pytest.fixture(scope="module")
def reference(corpus):
    return run(corpus, "--no-cache", "--jobs", "1")


def test_the_corpus_has_findings_and_errors_to_be_deterministic_about(reference):
    report = validate_report(reference)
    assert report["summary"]["findings"] > 50
    assert report["summary"]["files_with_errors"] >= 6
    assert report["summary"]["files_scanned"] > 64  # 2 workers get at least 8 files each


def test_two_runs_give_byte_identical_json(corpus, reference):
    assert run(corpus, "--no-cache", "--jobs", "1") == reference


def test_jobs_do_not_change_the_report(corpus, reference):
    assert run(corpus, "--no-cache", "--jobs", "2") == reference
    assert run(corpus, "--no-cache", "--jobs", "0") == reference


def test_a_cold_and_a_warm_cache_give_the_same_report(corpus, reference, tmp_path):
    work = tmp_path / "corpus"
    shutil.copytree(corpus, work, symlinks=True)
    cold = run(work, "--jobs", "2")
    warm = run(work, "--jobs", "1")
    assert (work / ".debtscan_cache").is_dir()
    assert cold == warm == reference.replace(str(corpus), str(work))


def test_the_order_the_filesystem_lists_files_in_does_not_matter(corpus, reference, monkeypatch):
    real_scandir = os.scandir

    class Reversed:
        def __init__(self, path="."):
            with real_scandir(path) as entries:
                self.entries = iter(list(entries)[::-1])

        def __iter__(self):
            return self

        def __next__(self):
            return next(self.entries)

        def close(self):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(os, "scandir", Reversed)
    real_listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path=".": sorted(real_listdir(path), reverse=True))
    assert run(corpus, "--no-cache", "--jobs", "1") == reference
    assert run(corpus, "--no-cache", "--jobs", "2") == reference


def test_hash_randomisation_does_not_change_the_report(corpus, reference):
    """Set and dict orders that depend on string hashing must never reach the output."""
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed, DEBTSCAN_NO_CACHE="1")
        result = subprocess.run([sys.executable, "-m", "debtscan", "scan", str(corpus), "--format", "json",
                                 "--jobs", "2"], capture_output=True, env=env, timeout=300)
        assert result.returncode == 1, result.stderr.decode()
        outputs.append(result.stdout.decode("utf-8"))
    assert outputs[0] == outputs[1] == reference
