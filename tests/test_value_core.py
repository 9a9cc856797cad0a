"""Paths through calls, evaluated by the value-flow core (debtscan.project.calls): paths that project functions
return, instantiated with each call's arguments (through helpers of helpers, across modules), and files a
helper writes one per column of the frame it is given, named from the caller's frame (debtscan.project.flow
summaries) so the hand-off graph sees the files themselves."""
from debtscan.facts.model import IOMode
from debtscan.testing import scan_repo, write_repo


def scan(tmp_path, files, select=("DS201",)):
    write_repo(tmp_path, files)
    return scan_repo(tmp_path, select=list(select))


def found(report, code="DS201"):
    return sorted((f.path, f.line) for f in report.findings if f.code == code)


def written(project):
    return sorted({a.artifact for a in project.paths.accesses if a.mode is IOMode.WRITE})


TO_FEATURE = """
    def to_feature(df, path):
        for c in df.columns:
            df[[c]].reset_index(drop=True).to_feather(f"{path}_{c}.f")
"""


def test_per_column_feature_files_are_handed_off_file_by_file_between_two_scripts(tmp_path):
    files = {
        "utils.py": TO_FEATURE,
        "101_bureau.py": """
            import pandas as pd
            import utils
            bureau = pd.read_csv("input/bureau.csv")
            utils.to_feature(bureau[["DAYS_CREDIT", "AMT_CREDIT_SUM"]].add_prefix("f101_"), "feature/train")
        """,
        "190_adversarial.py": """
            import pandas as pd
            from sklearn.linear_model import LogisticRegression
            import utils
            frame = pd.read_csv("input/all.csv")
            adversary = LogisticRegression().fit(frame[["a", "b"]], frame["is_test"])
            score = pd.Series(adversary.predict_proba(frame[["a", "b"]])[:, 1], index=frame.index)
            score.name = "f190_adv"
            utils.to_feature(score.to_frame(), "feature/train")
        """,
        "train_bureau.py": """
            import pandas as pd
            from lightgbm import LGBMClassifier
            X = pd.read_feather("feature/train_f101_DAYS_CREDIT.f")
            y = pd.read_csv("input/labels.csv")["TARGET"]
            LGBMClassifier().fit(X, y)
        """,
    }
    report, project = scan(tmp_path, files)
    # each column of the frame passed is one file, named as the caller's frame names it
    assert written(project) == ["feature/train_f101_AMT_CREDIT_SUM.f", "feature/train_f101_DAYS_CREDIT.f",
                                "feature/train_f190_adv.f"]
    # the model reads one bureau feature: the bureau script hands it off (at its call, where it names the
    # folder); the adversarial model's predictions are written where nobody reads them
    assert found(report) == [("101_bureau.py", 4), ("train_bureau.py", 3)]
    message = next(f.message for f in report.findings if f.path == "101_bureau.py")
    assert "feature/train_f101_DAYS_CREDIT.f" in message


def test_a_frame_whose_columns_are_not_all_known_by_name_written_per_column_stays_a_pattern(tmp_path):
    files = {
        "utils.py": TO_FEATURE,
        "make.py": """
            import pandas as pd
            import utils
            PREF = "f2_"
            raw = pd.read_csv("input/train.csv")
            utils.to_feature(raw, "feature/train")
            picked = raw[["age"]]
            picked.columns = ["age_years"]
            utils.to_feature(picked.add_prefix("f1_"), "feature/train")
            utils.to_feature(raw[["income"]].add_prefix(PREF + raw.name), "feature/train")
        """,
        "use.py": """
            import pandas as pd
            X = pd.read_feather("feature/train_f1_age_years.f")
        """,
    }
    report, project = scan(tmp_path, files)
    # a whole frame read from a file, a selection renamed on a later line, a prefix not known: which
    # columns the files hold is not known, any file of the pattern may be one
    assert written(project) == ["feature/train_*.f", "feature/train_f1_*.f", "feature/train_f2_*.f"]
    assert found(report) == [("make.py", 8), ("use.py", 2)]


PATHS = """
    FEATURES = "work/feature"

    def folder(kind):
        return f"work/{kind}"

    def feature_path(name, ext="f"):
        return folder("feature") + f"/{name}.{ext}"
"""


def test_a_path_a_helper_returns_is_resolved_with_the_callers_arguments_through_a_helper_of_another_module(tmp_path):
    files = {
        "common/__init__.py": "",
        "common/paths.py": PATHS,
        "common/io_utils.py": """
            from common import paths

            def save(df, name):
                df.to_feather(paths.feature_path(name))
        """,
        "make.py": """
            import pandas as pd
            from common import io_utils
            frame = pd.read_csv("input/train.csv")
            io_utils.save(frame[["a"]], "train_a")
            io_utils.save(frame[["b"]], "train_b")
        """,
        "use.py": """
            import pandas as pd
            from common.paths import feature_path
            X = pd.read_feather(feature_path("train_a"))
        """,
    }
    report, project = scan(tmp_path, files)
    assert written(project) == ["work/feature/train_a.f", "work/feature/train_b.f"]
    # the file use.py reads is the one make.py:4 names; make.py:5's is read by nobody
    assert found(report) == [("make.py", 4), ("use.py", 3)]


def test_the_same_path_helper_called_with_two_names_hands_off_only_the_file_read(tmp_path):
    files = {
        "paths.py": PATHS,
        "prep.py": """
            import pandas as pd
            from paths import feature_path
            frame = pd.read_csv("input/train.csv")
            frame.to_feather(feature_path("train", ext="ftr"))
            frame.to_feather(feature_path("test", ext="ftr"))
        """,
        "model.py": """
            import pandas as pd
            import paths
            X = pd.read_feather(paths.feature_path("train", ext="ftr"))
        """,
    }
    report, project = scan(tmp_path, files)
    assert written(project) == ["work/feature/test.ftr", "work/feature/train.ftr"]
    assert found(report) == [("model.py", 3), ("prep.py", 4)]


# -- glue: a call's project function found by the core's one function index ------------------------------
def _classes(project, path):
    facts = project.facts[path]
    return {s.line: k for s, k in project.composition.classes.statements(facts)}


def test_a_call_of_a_glue_helper_in_a_src_layout_is_glue_and_a_same_named_module_elsewhere_is_not_meant(tmp_path):
    files = {
        # a src/ layout without a top package file: the module is named from below src/, callers import it
        # by its package name
        "src/shop/adapters/__init__.py": "",
        "src/shop/adapters/rows.py": """
            import json
            import numpy as np

            def to_payload(frame):
                rows = frame.values.tolist()
                array = np.asarray(rows)
                return json.dumps({"rows": array.tolist()})
        """,
        "tests/test_rows.py": """
            import pandas as pd
            from shop.adapters.rows import to_payload

            def test_payload(orders):
                body = to_payload(orders)
                assert body
        """,
        # two scripts' folders each have a helper module of the same name; each script calls its own
        "jobs/a/helpers.py": """
            import json

            def dump(record):
                return json.dumps(record)
        """,
        "jobs/a/run.py": """
            import helpers
            text = helpers.dump({"x": 1})
        """,
        "jobs/b/helpers.py": """
            import pandas as pd

            def dump(record):
                frame = pd.DataFrame([record])
                frame = frame.fillna(0)
                return frame.groupby("x").sum()
        """,
        "jobs/b/run.py": """
            import helpers
            text = helpers.dump({"x": 1})
        """,
    }
    write_repo(tmp_path, files)
    _, project = scan_repo(tmp_path, select=["DS101"])
    assert _classes(project, "tests/test_rows.py")[5] == "glue"
    assert _classes(project, "jobs/a/run.py")[2] == "glue"
    assert _classes(project, "jobs/b/run.py")[2] == "prep"


# -- the path helpers on the core's one function index and depth bound ---------------------------------
def readers(project, artifact):
    return sorted((a.module, a.line) for a in project.paths.accesses
                  if a.artifact == artifact and a.mode is IOMode.READ)


def test_a_helper_in_a_folder_without_init_imported_as_a_dotted_module_is_instantiated_at_its_calls(tmp_path):
    # ``common/`` has no __init__.py: Python 3 imports it as a namespace package, ``common.io_utils``
    files = {
        "common/io_utils.py": """
            import pandas as pd
            def load_split(name):
                return pd.read_parquet(f"work/{name}.parquet")
        """,
        "prepare.py": """
            import pandas as pd
            raw = pd.read_csv("input/raw.csv")
            raw.to_parquet("work/train.parquet")
        """,
        "train.py": """
            from sklearn.linear_model import Ridge
            from common import io_utils
            frame = io_utils.load_split("train")
            Ridge().fit(frame[["a"]], frame["y"])
        """,
    }
    report, project = scan(tmp_path, files)
    # the read happens where the caller names the split, and meets the file prepare.py writes
    assert readers(project, "work/train.parquet") == [("train.py", 3)]
    assert found(report) == [("prepare.py", 3), ("train.py", 3)]


def test_a_call_of_a_module_means_the_callers_own_file_not_a_notebook_of_the_same_name(tmp_path):
    # a script and a notebook copy of it share the module name ``score``; the script calls its own function
    files = {
        "score.py": """
            import pandas as pd
            def save(frame, name):
                frame.to_csv(f"out/{name}.csv")
            def run():
                save(pd.read_csv("input/rides.csv"), "scores")
            run()
        """,
        "notebooks/score.py": """
            import pandas as pd
            def save(frame, name):
                frame.to_csv(f"scratch/{name}.csv")
        """,
        "report.py": """
            import pandas as pd
            pd.read_csv("out/scores.csv")
        """,
    }
    report, project = scan(tmp_path, files)
    written_files = written(project)
    assert "out/scores.csv" in written_files and "scratch/scores.csv" not in written_files
    assert ("report.py", 2) in found(report)


def test_a_module_name_two_folders_define_equally_near_the_caller_is_not_guessed(tmp_path):
    # run from the root, ``import utils`` finds neither py/utils.py nor jn/utils.py: which one is meant depends
    # on how the notebook is started, so neither helper is instantiated there
    files = {
        "py/utils.py": """
            import pandas as pd
            def load(name):
                return pd.read_pickle(f"../data/{name}.p")
        """,
        "jn/utils.py": """
            import pandas as pd
            def load(name):
                return pd.read_pickle(f"../data/{name}_sample.p")
        """,
        "py/make.py": """
            import pandas as pd
            import utils
            pd.read_csv("../input/a.csv").to_pickle("../data/train.p")
            utils.load("train")
        """,
        "sample.py": """
            import utils
            utils.load("train")
        """,
    }
    report, project = scan(tmp_path, files)
    # py/make.py calls the utils beside it; sample.py's call is not said to read either file
    assert readers(project, "data/train.p") == [("py/make.py", 4)]
    assert not [a for a in project.paths.accesses if a.module == "sample.py"]


def test_a_helper_path_chosen_by_a_flag_parameter_follows_the_callers_argument(tmp_path):
    # ``"aug_" if augmented else ""``: a caller passing augmented=False (or nothing) reads the plain file
    files = {
        "utils/prep.py": """
            import pandas as pd
            def prep_data(augmented=False):
                tag = "aug_" if augmented else ""
                return pd.read_csv(f"data/{tag}train_meta.csv")
        """,
        "augment.py": """
            import pandas as pd
            meta = pd.read_csv("data/train_meta.csv")
            meta.to_csv("data/aug_train_meta.csv")
        """,
        "stack_1.py": """
            from utils import prep
            train = prep.prep_data(augmented=False)
        """,
        "stack_2.py": """
            from utils import prep
            train = prep.prep_data()
        """,
        "stack_aug.py": """
            from utils import prep
            train = prep.prep_data(augmented=True)
        """,
    }
    report, project = scan(tmp_path, files)
    assert readers(project, "data/aug_train_meta.csv") == [("stack_aug.py", 2)]
    assert ("stack_1.py", 2) in readers(project, "data/train_meta.csv")
    assert ("stack_2.py", 2) in readers(project, "data/train_meta.csv")
    assert found(report) == [("augment.py", 3), ("stack_aug.py", 2)]


def test_helpers_of_helpers_are_instantiated_through_the_cores_depth_of_calls(tmp_path):
    # read_pickles <- load_split <- build(T) <- run(T) <- the loop's literal: four levels of calls
    files = {
        "utils.py": """
            import pandas as pd
            def read_pickles(path):
                return pd.read_pickle(f"{path}.p")
            def load_split(name):
                return read_pickles(f"feature/{name}/all")
        """,
        "concat.py": """
            import pandas as pd
            import utils
            def build(T):
                name = "test" if T == -1 else "trainT-" + str(T)
                return utils.load_split(name)
            def run(T):
                build(T)
            for T in [0, -1]:
                run(T)
        """,
    }
    report, project = scan(tmp_path, files)
    read = sorted({a.artifact for a in project.paths.accesses if a.module == "concat.py"})
    assert "feature/trainT-0/all.p" in read
