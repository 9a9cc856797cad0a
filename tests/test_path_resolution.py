"""Path resolution a reader of the code would agree with (issue 15): segment-wise patterns, families of
writers, listings, file roles by API, the right folder, configuration switches, hand-off counts."""
import tempfile
from pathlib import Path

import pytest

from debtscan.project.segments import (
    Certainty, certainty, compatible, contained, name_affinity, pattern_regex, segment_overlap, segments,
)
from debtscan.testing import locations, scan_repo, write_repo


def scanned(files):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_repo(root, files)
        return scan_repo(root)


def ds201(report):
    return {(f.path, f.line): f for f in report.findings if f.code == "DS201"}


# -- paths as segment lists ---------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, meet", [
    ("feature/trainT-0/all/*", "feature/trainT-*/f108_user.p", False),   # * never crosses a folder
    ("feature/trainT-0/all/*", "feature/trainT-*/all/*.p", True),
    ("feature/train_*.f", "feature/test_*.f", False),
    ("feature/train_*.f", "feature/train*.f", True),
    ("feature/***", "feature/train_*.f", True),                           # a run of wildcards is one
    ("a/**/x.csv", "a/x.csv", True),                                      # ** spans none or more folders
    ("a/**/x.csv", "a/b/c/x.csv", True),
    ("a/**/x.csv", "b/x.csv", False),
    ("data/fold_*.pkl", "data/fold_1/a.pkl", False),
])
def test_two_paths_meet_only_when_compatible_segment_by_segment(a, b, meet):
    assert compatible(a, b) is meet
    assert compatible(b, a) is meet


def test_a_pattern_as_a_regex_keeps_its_wildcards_inside_one_segment():
    assert pattern_regex("data/fold_*.pkl").match("data/fold_3.pkl")
    assert not pattern_regex("data/fold_*.pkl").match("data/fold_3/x.pkl")
    assert pattern_regex("logs/**/*.json").match("logs/2024/01/run.json")
    assert segments("feature//a***b/x") == ("feature", "a*b", "x")
    assert segment_overlap("f*_x", "*_x") and not segment_overlap("a*b", "c*")


def test_families_within_families_and_the_certainty_of_a_match():
    assert contained("feature/train_f101_*.f", "feature/train_*.f")
    assert not contained("feature/train_*.f", "feature/train_f101_*.f")
    assert certainty("a/b.csv", "a/b.csv") is Certainty.EXACT
    assert certainty("a/*.csv", "a/b.csv") is Certainty.PATTERN
    assert name_affinity("feature/train_f190_adv.f", "py/190_adv.py") > name_affinity(
        "feature/train_f190_adv.f", "py/705_channel.py")


def test_a_glob_of_one_folder_is_not_fed_by_files_two_folders_down():
    report, project = scanned({
        "201_windows.py": "import sys\nimport pandas as pd\nw = sys.argv[1]\n"
                          "pd.read_csv('input/log.csv').to_pickle(f'feature/w{w}/f201_stats.p')\n",
        "202_all.py": "import pandas as pd\nfor i in range(3):\n"
                      "    pd.read_csv('input/log.csv').to_pickle(f'feature/w7/all/{i}.p')\n",
        "301_stack.py": "from glob import glob\nimport pandas as pd\n"
                        "x = pd.concat([pd.read_pickle(f) for f in sorted(glob('feature/w7/all/*'))])\n",
    })
    found = ds201(report)
    assert set(found) == {("202_all.py", 3), ("301_stack.py", 3)}
    assert [r.path for r in found[("301_stack.py", 3)].related] == ["202_all.py"]


# -- families of writers ------------------------------------------------------------------------------

FEATURE_STORE = {
    "utils.py": "def to_feature(df, path):\n    for c in df.columns:\n        df[[c]].to_feather(f'{path}_{c}.f')\n",
    "101_user.py": "import pandas as pd\nimport utils\nPREF = 'f101_'\n"
                   "utils.to_feature(pd.read_csv('input/u.csv').add_prefix(PREF), 'feature/train')\n",
    "102_item.py": "import pandas as pd\nimport utils\n"
                   "utils.to_feature(pd.read_csv('input/i.csv').add_prefix('f102_'), 'feature/train')\n",
    "801_model.py": "import pandas as pd\nprice = pd.read_feather('feature/train_f102_price.f')\n",
}


def test_columns_named_by_add_prefix_name_the_files_a_per_column_writer_makes():
    report, project = scanned(FEATURE_STORE)
    written = {a.artifact for a in project.accesses if a.mode == "write"}
    assert written == {"feature/train_f101_*.f", "feature/train_f102_*.f"}
    found = ds201(report)
    assert set(found) == {("102_item.py", 3), ("801_model.py", 2)}
    assert "pattern match" in found[("801_model.py", 2)].message


def test_a_read_many_unnamed_families_may_explain_is_one_ambiguous_finding_counted_once():
    files = {"utils.py": FEATURE_STORE["utils.py"],
             "901_model.py": "import pandas as pd\nadv = pd.read_feather('feature/train_f190_adv.f')\n"}
    for i in range(1, 6):
        files[f"40{i}_raw.py"] = (f"import pandas as pd\nimport utils\n"
                                  f"utils.to_feature(pd.read_csv('input/r{i}.csv'), 'feature/train')\n")
    report, project = scanned(files)
    found = ds201(report)
    assert set(found) == {("901_model.py", 2)}, "no writer finding for a family that only may have produced it"
    message = found[("901_model.py", 2)].message
    assert "any of 5 modules" in message and "ambiguous" in message
    assert len(found[("901_model.py", 2)].related) == 3, "at most three producers listed"
    assert project.pipeline.handoff_count == 1
    assert project.pipeline.chains == () and project.pipeline.cycles == ()


def test_hand_offs_count_writer_artifact_reader_triples_not_pairs_of_accesses():
    report, project = scanned({
        "a.py": "import pandas as pd\ndf = pd.read_csv('input/x.csv')\ndf.to_csv('data/a.csv')\n"
                "df.to_csv('data/a.csv')\n",
        "b.py": "import pandas as pd\nx = pd.read_csv('data/a.csv')\ny = pd.read_csv('data/a.csv')\n",
    })
    assert project.pipeline.handoff_count == 1
    assert report.metrics["pipeline"]["handoffs"] == 1


# -- a listing is not a read --------------------------------------------------------------------------

def test_a_glob_or_a_listing_reads_nothing_but_the_reads_of_what_it_returns_are_reads():
    report, project = scanned({
        "prepare.py": "import pandas as pd\npd.read_csv('input/x.csv').to_csv('data/clean.csv')\n",
        "eda.py": "import os\nfrom glob import glob\nfiles = sorted(glob('data/*'))\n"
                  "print(len(files), os.listdir('data'))\n",
        "load.py": "from glob import glob\nimport pandas as pd\nparts = []\nfor i in range(2):\n"
                   "    parts += glob(f'data/clean*')\nall_ = pd.concat([pd.read_csv(p) for p in parts])\n",
    })
    assert {(a.module, a.mode, a.artifact) for a in project.accesses if a.module != "prepare.py"} == {
        ("load.py", "read", "data/clean*")}
    assert set(ds201(report)) == {("prepare.py", 2), ("load.py", 6)}


def test_a_helper_that_returns_a_glob_s_files_makes_its_callers_readers_of_them():
    report, project = scanned({
        "utils.py": "from glob import glob\ndef use_files():\n    files = sorted(glob('feature/train*.f'))\n"
                    "    return files\n",
        "101.py": "import pandas as pd\npd.read_csv('input/a.csv').to_feather('feature/train_f101.f')\n",
        "801.py": "import pandas as pd\nimport utils\nfiles = utils.use_files()\n"
                  "X = pd.concat([pd.read_feather(f) for f in files], axis=1)\n",
    })
    assert ("801.py", 4) in ds201(report)


# -- file roles from the API --------------------------------------------------------------------------

def test_file_roles_come_from_the_api_not_the_suffix():
    report, project = scanned({
        "prepare.py": "import numpy as np\nimport pandas as pd\nimport joblib\n"
                      "np.arange(9).tofile('data/train.bin')\n"
                      "pd.read_csv('input/x.csv').to_hdf('data/table.h5', key='t')\n"
                      "joblib.dump(pd.read_csv('input/x.csv'), 'data/frame.joblib')\n"
                      "from sklearn.linear_model import LogisticRegression\n"
                      "model = LogisticRegression()\njoblib.dump(model, 'data/model.joblib')\n",
        "train.py": "import numpy as np\nimport pandas as pd\nimport joblib\n"
                    "ids = np.memmap('data/train.bin', dtype=np.uint16, mode='r')\n"
                    "t = pd.read_hdf('data/table.h5', 't')\nf = joblib.load('data/frame.joblib')\n"
                    "m = joblib.load('data/model.joblib')\n",
    })
    assert locations(report.findings, "DS201") == [
        ("prepare.py", 4), ("prepare.py", 5), ("prepare.py", 6),
        ("train.py", 4), ("train.py", 5), ("train.py", 6)]


# -- the right folder ---------------------------------------------------------------------------------

def test_file_in_a_helper_is_the_helper_s_file_whoever_calls_it():
    report, project = scanned({
        "lib/__init__.py": "",
        "lib/readers.py": "import json, os\ndef channel_info():\n"
                          "    with open(os.path.join(os.path.dirname(__file__), 'resources/info.json')) as f:\n"
                          "        return json.load(f)\n",
        "models/logistic/main.py": "from lib.readers import channel_info\ninfo = channel_info()\n",
    })
    assert {a.artifact for a in project.accesses} == {"lib/resources/info.json"}


def test_a_module_only_imported_runs_in_its_importers_folder_not_its_own():
    report, project = scanned({
        "lib/__init__.py": "",
        "lib/output/README.md": "notes",
        "lib/scores.py": "import pandas as pd\nclass Scores:\n    def load(self):\n"
                         "        return pd.read_csv('output/scores.csv')\n",
        "score.py": "import pandas as pd\npd.read_csv('input/e.csv').to_csv('output/scores.csv')\n",
        "report.py": "from lib.scores import Scores\nprint(Scores().load())\n",
    })
    assert ("read", "output/scores.csv") in {(a.mode, a.artifact) for a in project.accesses}
    assert set(ds201(report)) == {("score.py", 2), ("lib/scores.py", 4)}


def test_every_variant_of_a_dataset_switch_the_configuration_modules_name_is_followed():
    report, project = scanned({
        "configurator.py": "import sys\nfor arg in sys.argv[1:]:\n    exec(open(arg).read())\n",
        "config/train_tiny.py": "dataset = 'tiny'\n",
        "config/train_full.py": "dataset = 'full'\n",
        "data/tiny/prepare.py": "import os\nimport numpy as np\n"
                                "np.arange(9).tofile(os.path.join(os.path.dirname(__file__), 'train.bin'))\n",
        "data/full/prepare.py": "import os\nimport numpy as np\n"
                                "np.arange(9).tofile(os.path.join(os.path.dirname(__file__), 'train.bin'))\n",
        "train.py": "import os\nimport numpy as np\ndataset = 'web'\nexec(open('configurator.py').read())\n"
                    "data = np.memmap(os.path.join('data', dataset, 'train.bin'), dtype=np.uint16, mode='r')\n",
    })
    reads = {a.artifact for a in project.accesses if a.module == "train.py" and a.mode == "read"}
    assert {"data/web/train.bin", "data/tiny/train.bin", "data/full/train.bin"} <= reads
    assert locations(report.findings, "DS201") == [
        ("data/full/prepare.py", 3), ("data/tiny/prepare.py", 3), ("train.py", 5)]
    assert locations(report.findings, "DS207") == [], "a variant the repo does not prepare is the code's option"


def test_a_pattern_read_reaches_into_a_nested_project():
    report, project = scanned({
        "data/char/README.md": "a dataset of its own",
        "data/char/prepare.py": "import os, pickle\n"
                                "with open(os.path.join(os.path.dirname(__file__), 'meta.pkl'), 'wb') as f:\n"
                                "    pickle.dump({}, f)\n",
        "sample.py": "import os, pickle, sys\nname = sys.argv[1]\n"
                     "with open(os.path.join('data', name, 'meta.pkl'), 'rb') as f:\n    meta = pickle.load(f)\n",
    })
    assert set(ds201(report)) == {("data/char/prepare.py", 2), ("sample.py", 3)}


# -- DS204 at the join of two producers' outputs ------------------------------------------------------

def test_a_join_is_reported_at_the_call_whose_inputs_come_from_two_different_producers():
    report, project = scanned({
        "split.py": "import pandas as pd\ndf = pd.read_csv('input/all.csv')\n"
                    "df.head(10).to_csv('data/train.csv')\ndf.tail(5).to_csv('data/test.csv')\n",
        "users.py": "import pandas as pd\npd.read_csv('input/u.csv').to_csv('data/users.csv')\n",
        "both.py": "import pandas as pd\ntrain = pd.read_csv('data/train.csv')\ntest = pd.read_csv('data/test.csv')\n"
                   "both = pd.concat([train, test])\n"
                   "users = pd.read_csv('data/users.csv')\nfeatures = both.merge(users, on='id')\n",
    })
    joins = [f for f in report.findings if f.code == "DS204"]
    assert [(f.path, f.line) for f in joins] == [("both.py", 6)], "not the concat of one producer's outputs"
    assert "2 other scripts" in joins[0].message


# -- a correction cascade through a feature family (issue 15's DS302 regression) ------------------------

CASCADE = {
    "utils.py": "from glob import glob\n"
                "def to_feature(df, path):\n    for c in df.columns:\n        df[[c]].to_feather(f'{path}_{c}.f')\n"
                "def get_use_files(prefixes):\n    all_files = sorted(glob('feature/train*.f'))\n"
                "    if len(prefixes) > 0:\n        use_files = []\n        for prefix in prefixes:\n"
                "            use_files += glob(f'feature/*{prefix}*')\n"
                "        all_files = set(all_files) & set(use_files)\n"
                "    all_files = sorted(all_files)\n    return all_files\n",
    "901_impute.py": "import pandas as pd\nimport lightgbm as lgb\n"
                     "train = pd.read_csv('input/bureau.csv')\n"
                     "model = lgb.train({}, lgb.Dataset(train[['a', 'b']], train['y']))\n"
                     "train['y_pred'] = model.predict(train[['a', 'b']])\n"
                     "train[['id', 'y_pred']].to_feather('data/bureau_imputation_f703.f')\n",
    "703_features.py": "import pandas as pd\nimport utils\n"
                       "imputed = pd.read_feather('data/bureau_imputation_f703.f')\n"
                       "train = imputed.groupby('id').y_pred.agg(['min', 'max'])\n"
                       "utils.to_feature(train.add_prefix('f703_'), 'feature/train')\n",
    "801_lgb.py": "from glob import glob\nimport pandas as pd\nimport lightgbm as lgb\n"
                  "X = pd.concat([pd.read_feather(f) for f in sorted(glob('feature/train_*.f'))], axis=1)\n"
                  "y = pd.read_csv('input/label.csv').TARGET\n"
                  "model = lgb.train({}, lgb.Dataset(X, y))\n",
    # the helper keeps only the files of the prefixes asked for: the call's filter is not modelled, so the
    # listing it returns is no proof that this model reads the predictions' family
    "802_selected.py": "import pandas as pd\nimport lightgbm as lgb\nimport utils\n"
                       "files = utils.get_use_files(['train_f0'])\n"
                       "X = pd.concat([pd.read_feather(f) for f in files], axis=1)\n"
                       "y = pd.read_csv('input/label.csv').TARGET\n"
                       "model = lgb.train({}, lgb.Dataset(X, y))\n",
}


def test_a_model_globbing_a_feature_family_made_from_predictions_is_a_cascade():
    report, project = scanned(CASCADE)
    assert "feature/train_f703_*.f" in {a.artifact for a in project.accesses if a.module == "703_features.py"}
    cascades = locations(report.findings, "DS302")
    assert cascades == [("801_lgb.py", 6)]
    assert not locations(report.findings, "DS206")
