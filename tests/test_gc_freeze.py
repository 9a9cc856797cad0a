"""The scan moves the facts out of the cyclic collector's reach while the project is built and the rules run
(``gc.freeze``) and always gives them back (``gc.unfreeze``), whatever happens; the report is the same as
without the freeze."""
import gc
import shutil
from pathlib import Path

import pytest

import debtscan.engine as engine
from debtscan.report.json_format import render
from debtscan.testing import scan_repo

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.mark.parametrize("name", ["demo", "shop-signals"])
def test_the_report_is_the_same_with_and_without_the_freeze(name, tmp_path, monkeypatch):
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root, symlinks=True)
    frozen, _ = scan_repo(root)
    assert gc.get_freeze_count() == 0
    seen = []
    monkeypatch.setattr(engine.gc, "freeze", lambda: seen.append("freeze"))
    monkeypatch.setattr(engine.gc, "unfreeze", lambda: seen.append("unfreeze"))
    plain, _ = scan_repo(root)
    assert seen == ["freeze", "unfreeze"]
    assert render(frozen) == render(plain)


def test_a_failing_stage_still_unfreezes(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text("import pandas as pd\npd.read_csv('x.csv')\n", encoding="utf-8")
    counts = []

    def broken(*args, **kwargs):
        counts.append(gc.get_freeze_count())
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "run_all", broken)
    with pytest.raises(RuntimeError, match="boom"):
        scan_repo(tmp_path)
    assert counts and counts[0] > 0  # the rules ran with the facts frozen
    assert gc.get_freeze_count() == 0
