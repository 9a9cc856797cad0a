"""Dead experimental code, copies and configuration debt (DS5xx): what is live, how copies are found."""
import json
import tempfile
from pathlib import Path

from debtscan.store.codec import dumps, loads
from debtscan.clones import candidates, families, jaccard, shingles
from debtscan.sources.files import FileTask
from debtscan.store.work import extract_file
from debtscan.facts.fingerprints import normalise, signature
from debtscan.knowledge import load_knowledge
from debtscan.rules.copies import model_script
from debtscan.testing import scan_sources

PREPARE = """
    import pandas as pd

    df = pd.read_csv("input/train.csv")
    df.to_parquet("work/train.parquet")
"""
TRAIN = """
    import pandas as pd

    df = pd.read_parquet("work/train.parquet")
    print(df.shape)
"""


def codes(report, prefix=""):
    return sorted((f.code, f.path, f.line) for f in report.findings if f.code.startswith(prefix))


def test_reads_after_assert_false_are_not_pipeline_inputs():
    report = scan_sources({
        "prepare.py": PREPARE,
        "debug.py": """
            import pandas as pd

            print("checking")
            assert False
            df = pd.read_parquet("work/train.parquet")
        """,
    })
    assert ("DS502", "debug.py", 5) in codes(report)
    assert not [f for f in report.findings if f.code.startswith("DS2") and f.path == "debug.py"]


def test_a_trash_folder_is_reported_once_and_left_out_of_the_other_rules():
    files = {"prepare.py": PREPARE, "trash/train_v1.py": TRAIN, "trash/old/train_v0.py": TRAIN}
    report = scan_sources(files)
    [folder] = [f for f in report.findings if f.code == "DS501"]
    assert (folder.path, folder.line) == ("trash/old/train_v0.py", 1)
    assert "`trash/` holds abandoned work: 2 file(s) in 2 folder(s)" in folder.message
    assert not [f for f in report.findings if f.code.startswith("DS2")]
    back = scan_sources(files, {"include-dead-folders": True})
    assert ("DS201", "trash/train_v1.py", 3) in codes(back)
    assert codes(back, "DS501") == [("DS501", "trash/old/train_v0.py", 1)]


def test_dead_folder_names_are_configurable():
    files = {"prepare.py": PREPARE, "scratch/train_v1.py": TRAIN, "trash/train.py": TRAIN}
    report = scan_sources(files, {"dead-folders": ["scratch*"]})
    assert codes(report, "DS501") == [("DS501", "scratch/train_v1.py", 1)]
    assert ("DS201", "trash/train.py", 3) in codes(report)


def test_in_a_notebook_assert_false_stops_only_its_own_cell():
    cells = [
        {"cell_type": "code", "source": ["import pandas as pd\n", "assert False\n", "x = 1\n"], "metadata": {},
         "outputs": [], "execution_count": None},
        {"cell_type": "code", "source": ["df = pd.read_parquet('work/train.parquet')\n"], "metadata": {},
         "outputs": [], "execution_count": None},
    ]
    notebook = json.dumps({"cells": cells, "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
                           "nbformat": 4, "nbformat_minor": 5})
    report = scan_sources({"prepare.py": PREPARE, "explore.ipynb": notebook})
    dead = [f for f in report.findings if f.code == "DS502"]
    assert [(f.path, f.cell, f.line) for f in dead] == [("explore.ipynb", 0, 3)]
    assert ("DS201", "explore.ipynb", 1) in codes(report)  # the read in the next cell is live


def test_copies_differing_in_constants_have_the_same_line_hashes_and_signature():
    a = normalise("param = {'eta': 0.01, 'seed': 72}  # first try")
    b = normalise('param = {"eta": 2e-3, "seed": 73}')
    assert a == b == "param={S:0,S:0}"
    assert normalise("x = train(df)") != normalise("x = train(frame)")  # names are kept
    hashes = (1, 2, 3, 4, 5)
    assert signature(hashes) == signature(hashes) and len(signature(hashes)) == 64


def test_lsh_pairs_near_copies_and_not_unrelated_files():
    near = tuple(range(100, 160))
    copy = near[:55] + (9, 8, 7, 6, 5)
    other = tuple(range(1000, 1060))
    sigs = {"a.py": signature(near), "b.py": signature(copy), "c.py": signature(other)}
    assert candidates(sigs) == {("a.py", "b.py")}
    assert jaccard(shingles(near), shingles(copy)) > 0.8


def test_one_finding_per_family_names_the_differing_constants():
    report = scan_sources({
        f"xgb_{i}.py": model_script(f"0801_{i}", loop, 70 + i, eta)
        for i, loop, eta in ((1, 6, 0.01), (2, 3, 0.002), (3, 3, 0.002))
    }, select=["DS506"])
    [finding] = report.findings
    assert finding.path == "xgb_1.py" and [r.path for r in finding.related] == ["xgb_2.py", "xgb_3.py"]
    for name in ("`DATE`", "`LOOP`", "`seed`", "`eta`"):
        assert name in finding.message


def test_fingerprints_survive_the_cache_encoding():
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "a.py").write_text(model_script("1", 1, 1, 0.1))
        facts = extract_file(tmp, FileTask("a.py", "a", False), load_knowledge({}, {}), 2_000_000)
    again = loads(dumps(facts))
    assert again.fingerprint == facts.fingerprint and again.settings == facts.settings
    assert families({"a.py": again}) == []


def test_settings_of_different_models_are_not_compared():
    report = scan_sources({
        "churn.py": "from sklearn.ensemble import RandomForestClassifier\nimport pandas as pd\n"
                    "df = pd.read_csv('input/a.csv')\nRandomForestClassifier(n_estimators=300).fit(df, df.y)\n",
        "ranker.py": "import lightgbm as lgb\nimport pandas as pd\n"
                     "df = pd.read_csv('input/b.csv')\nlgb.LGBMRanker(n_estimators=500).fit(df, df.y)\n",
    }, select=["DS507"])
    assert report.findings == []
