"""Stable identities (issue 20, item 9): a finding about a group (a chain of scripts, modules in a file loop,
a family of repeated conversions) keeps its fingerprint when the group grows, so `scan --baseline` does not
call debt that still exists "gone"; and the baseline's messages count in proper English."""
import json

from click.testing import CliRunner

from debtscan.cli import main
from debtscan.report.model import chain_subject, group_subject
from debtscan.testing import scan_repo, write_repo


def step(reads: str, writes: str) -> str:
    return f"import pandas as pd\npd.read_csv('{reads}').to_csv('{writes}')\n"


CHAIN = {  # 01 -> 02 -> 03 -> 04: three hand-offs, one DS202 chain
    "01_clean.py": step("input/raw.csv", "data/a.csv"),
    "02_join.py": step("data/a.csv", "data/b.csv"),
    "03_feats.py": step("data/b.csv", "data/c.csv"),
    "04_train.py": "import pandas as pd\nX = pd.read_csv('data/c.csv')\n",
}
# a branch off 02's output that is longer than the old tail: the longest chain now ends elsewhere
BRANCH = {
    "05_extra.py": step("data/b.csv", "data/e.csv"),
    "06_more.py": step("data/e.csv", "data/f.csv"),
    "07_report.py": step("data/f.csv", "output/report.csv"),
}


def fingerprints(root, code):
    report, _ = scan_repo(root, select=[code])
    return {f.fingerprint: f for f in report.findings if f.code == code}


def test_a_chain_keeps_its_fingerprint_when_it_grows(tmp_path):
    write_repo(tmp_path, CHAIN)
    before = fingerprints(tmp_path, "DS202")
    assert [f.message.split(":")[0] for f in before.values()] == [
        "jungle chain of 3 intermediate-file hand-offs across 4 modules"]
    write_repo(tmp_path, BRANCH)
    after = fingerprints(tmp_path, "DS202")
    assert [f.message.split(":")[0] for f in after.values()] == [
        "jungle chain of 4 intermediate-file hand-offs across 5 modules"]
    assert set(after) == set(before)  # the same chain, anchored at 01_clean.py's first hand-off


def test_the_reported_chain_is_the_same_whatever_order_files_are_written_in(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    write_repo(first, {**CHAIN, **BRANCH})
    write_repo(second, dict(reversed(list({**CHAIN, **BRANCH}.items()))))
    one = [(f.path, f.line, f.message, f.fingerprint) for f in fingerprints(first, "DS202").values()]
    two = [(f.path, f.line, f.message, f.fingerprint) for f in fingerprints(second, "DS202").values()]
    assert one == two and len(one) == 1


def test_scan_baseline_does_not_call_a_grown_chain_gone(tmp_path, monkeypatch):
    write_repo(tmp_path, CHAIN)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["baseline", ".", "--select", "DS202", "--no-cache"]).exit_code == 0
    write_repo(tmp_path, BRANCH)
    result = runner.invoke(main, ["scan", ".", "--select", "DS202", "--no-cache", "--format", "json",
                                  "--baseline", ".debtscan-baseline.json"])
    baseline = json.loads(result.stdout)["baseline"]
    assert (baseline["matched"], baseline["new"], baseline["fixed_count"]) == (1, 0, 0)
    assert result.exit_code == 0


def test_a_file_loop_keeps_its_fingerprint_when_another_module_joins_it(tmp_path):
    write_repo(tmp_path, {
        "label.py": step("data/preds.csv", "data/pseudo_labels.csv"),
        "train.py": step("data/pseudo_labels.csv", "data/preds.csv"),
    })
    before = fingerprints(tmp_path, "DS206")
    write_repo(tmp_path, {  # train.py now writes its predictions through a scoring step
        "train.py": step("data/pseudo_labels.csv", "data/raw_preds.csv"),
        "score.py": step("data/raw_preds.csv", "data/preds.csv"),
    })
    after = fingerprints(tmp_path, "DS206")
    assert len(before) == len(after) == 1
    assert "between 3 modules" in next(iter(after.values())).message
    # anchored at the loop's smallest member, label.py, where the finding stays
    assert [f.path for f in after.values()] == [f.path for f in before.values()] == ["label.py"]
    assert set(after) == set(before)


CONVERSION = """
import numpy as np

COLUMNS = ["age", "income", "tenure"]


def features_{name}(frame):
    values = frame[COLUMNS].to_numpy()
    values = values.astype(np.float32)
    values = values.reshape(-1, len(COLUMNS))
    return values
"""


def test_repeated_glue_places_keep_their_fingerprints_when_the_family_grows(tmp_path):
    write_repo(tmp_path, {f"{name}.py": CONVERSION.format(name=name) for name in ("train", "serve", "batch")})
    # one finding per group, on its first place (by path); the others are its related places
    before = {(f.path, f.line): f.fingerprint for f in fingerprints(tmp_path, "DS102").values()}
    assert sorted(before) == [("batch.py", 7)]
    write_repo(tmp_path, {"train_v2.py": CONVERSION.format(name="train_v2")})
    grown = fingerprints(tmp_path, "DS102")
    assert {(f.path, f.line): f.fingerprint for f in grown.values()} == before   # a fourth copy after it
    assert "written out in 4 places" in next(iter(grown.values())).message
    write_repo(tmp_path, {"backfill.py": CONVERSION.format(name="backfill")})
    moved = fingerprints(tmp_path, "DS102")
    assert [(f.path, f.line) for f in moved.values()] == [("backfill.py", 7)]   # a new first place: it moves


def test_group_subjects_name_the_anchor_not_the_members():
    assert chain_subject("chain", ["01.py", "02.py", "03.py"], "data/a.csv") == "chain:01.py>data/a.csv"
    assert chain_subject("chain", ["01.py", "02.py", "03.py", "04.py"], "data/a.csv") == "chain:01.py>data/a.csv"
    assert group_subject("cycle", ["train.py", "label.py"]) == group_subject("cycle", ["label.py", "x.py", "train.py"])


def test_baseline_messages_count_in_english(tmp_path, monkeypatch):
    write_repo(tmp_path, CHAIN)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    runner.invoke(main, ["baseline", ".", "--select", "DS202", "--no-cache"])
    (tmp_path / "04_train.py").write_text("X = 1\n", encoding="utf-8")  # the chain is now 2 hand-offs: gone
    result = runner.invoke(main, ["scan", ".", "--select", "DS202", "--no-cache", "--baseline",
                                  ".debtscan-baseline.json"])
    assert "Baseline .debtscan-baseline.json: 0 known findings not shown, 0 new." in result.stdout
    assert ("1 baseline finding no longer occurs; run `debtscan baseline` again to ratchet the baseline down:"
            in result.stdout)
