"""The sources stage: one walk finds the Python files and the runners, DVC and Kedro files beside them, with
excludes and .gitignore applied alike; the project and the rules read what it found, never the disk."""
import builtins
import contextlib
import io
import os
from pathlib import Path

import pytest

from debtscan import engine
from debtscan.sources.discover import AuxKind, EntryKind, aux_kind, find_sources
from debtscan.testing import locations, scan_repo, write_repo

CHAIN = {
    "01_clean.py": "import pandas as pd\npd.read_csv('input/raw.csv').dropna().to_csv('data/a.csv')\n",
    "02_feats.py": "import pandas as pd\npd.read_csv('data/a.csv').to_pickle('data/b.pkl')\n",
    "03_train.py": "import pandas as pd\nX = pd.read_pickle('data/b.pkl')\nlabels = pd.read_csv('labels/y.csv')\n",
    "labels/y.csv": "y\n1\n",  # committed data: read, written by nothing, and there
    "run.sh": "python 01_clean.py\npython 03_train.py\npython 02_feats.py\n",
}


def test_one_walk_finds_runners_dvc_and_kedro_files_with_their_text(tmp_path):
    write_repo(tmp_path, {**CHAIN, "Makefile": "all:\n\tpython 01_clean.py\n",
                          "dvc.yaml": "stages:\n  clean:\n    outs: [data/a.csv]\n",
                          "kedro/conf/base/catalog.yml": "a:\n  filepath: data/a.csv\n",
                          "catalog.yml": "not: kedro (no conf/ folder)\n",
                          ".github/ci.sh": "python 01_clean.py\n"})
    found = find_sources(tmp_path)
    assert found.files == ("01_clean.py", "02_feats.py", "03_train.py")
    assert found.runners == ("Makefile", "run.sh")  # hidden folders hold no runners
    assert found.dvc == ("dvc.yaml",) and found.catalogs == ("kedro/conf/base/catalog.yml",)
    assert found.texts["run.sh"].startswith("python 01_clean.py\n")
    assert found.kind("labels/y.csv") is EntryKind.FILE and found.is_dir("labels") and found.exists("labels")
    assert not found.exists("labels/missing.csv") and not found.is_dir("labels/y.csv")
    assert aux_kind("conf/catalog_prod.yaml") is AuxKind.CATALOG and aux_kind("scripts/x.py") is None


def test_excludes_and_gitignore_apply_to_runners_as_to_python_files(tmp_path):
    write_repo(tmp_path, {**CHAIN, ".gitignore": "scratch/\n", "scratch/run.sh": "python 02_feats.py\n",
                          "old/run.sh": "python 03_train.py\n", "scratch/x.py": "x = 1\n"})
    found = find_sources(tmp_path, exclude=["old/"])
    assert found.runners == ("run.sh",)
    assert "scratch/x.py" not in found.files
    assert "scratch" in found.listing("")  # the folder itself is still seen in its parent's listing


def test_a_runner_that_is_a_symlink_is_never_followed(tmp_path):
    outside = tmp_path / "outside"
    write_repo(outside, {"Makefile": "all:\n\tpython 03_train.py\n"})
    repo = tmp_path / "repo"
    write_repo(repo, CHAIN)
    (repo / "Makefile").symlink_to(outside / "Makefile")
    found = find_sources(repo)
    assert found.runners == ("run.sh",) and "Makefile" not in found.texts
    assert found.kind("Makefile") is EntryKind.LINK


def test_too_many_runners_keeps_the_first_in_walk_order(tmp_path, monkeypatch):
    from debtscan.sources import discover

    monkeypatch.setattr(discover, "MAX_RUNNERS", 2)
    write_repo(tmp_path, {"a/run.sh": "", "b/run.sh": "", "run.sh": "", "a/b/run.sh": ""})
    assert find_sources(tmp_path).runners == ("run.sh", "a/run.sh")


@contextlib.contextmanager
def disk_refused(monkeypatch):
    """os.scandir, os.stat, os.lstat, os.listdir and open (so Path.exists, is_dir, read_text...) raise while the
    block runs."""
    def refused(*args, **kwargs):
        raise AssertionError(f"the disk was read: {args[:1]}")

    with monkeypatch.context() as patch:
        for name in ("scandir", "stat", "lstat", "listdir"):
            patch.setattr(os, name, refused)
        patch.setattr(builtins, "open", refused)
        patch.setattr(io, "open", refused)  # pathlib's read_text and open
        yield


def test_building_the_project_and_running_the_rules_never_touch_the_disk(tmp_path, monkeypatch):
    write_repo(tmp_path, CHAIN)
    expected, _ = scan_repo(tmp_path, select=["DS2"])
    assert locations(expected.findings, "DS208") == [("03_train.py", 2)]  # run.sh runs it before its writer
    assert locations(expected.findings, "DS207") == []  # labels/y.csv is on disk
    real_build, real_rules = engine.build_project, engine.run_all

    def build_offline(*args, **kwargs):
        with disk_refused(monkeypatch):
            return real_build(*args, **kwargs)

    def rules_offline(*args, **kwargs):
        with disk_refused(monkeypatch):
            return real_rules(*args, **kwargs)

    monkeypatch.setattr(engine, "build_project", build_offline)
    monkeypatch.setattr(engine, "run_all", rules_offline)
    report, project = scan_repo(tmp_path, select=["DS2"])
    assert [(f.code, f.path, f.line) for f in report.findings] == \
        [(f.code, f.path, f.line) for f in expected.findings]
    assert [s.runner for s in project.pipeline.steps] == ["run.sh"] * 3
    for reads in (lambda: Path(tmp_path / "run.sh").read_text(), lambda: (tmp_path / "labels").is_dir(),
                  lambda: open(tmp_path / "run.sh")):
        with pytest.raises(AssertionError, match="the disk was read"):  # the guard itself works
            with disk_refused(monkeypatch):
                reads()
