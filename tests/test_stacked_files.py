"""Stacking through files the way competition code writes it: predictions dumped and loaded through open file
handles, collected in lists, copied into the elements of other values, and read back through patterns that
name many fold files at once. Each shape is followed from the level-1 model to the model trained on it."""
import json
import textwrap

from debtscan.testing import scan_repo, write_repo


def scan(tmp_path, files, select=("DS302", "DS303")):
    write_repo(tmp_path, files)
    report, project = scan_repo(tmp_path, select=list(select))
    return report, project


def found(report, code=None):
    return sorted((f.code, f.path, f.line) for f in report.findings if code is None or f.code == code)


def notebook(*cells):
    return json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                                  "source": textwrap.dedent(c).strip("\n")} for c in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


LEVEL1 = """
    import pickle
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    table = pd.read_csv("input/accounts.csv")
    model = LogisticRegression().fit(table[["tenure", "spend"]], table["churned"])
    table["score"] = model.predict_proba(table[["tenure", "spend"]])[:, 1]
    with open("work/level1/scores.pkl", "wb") as handle:
        pickle.dump(table[["row_id", "score"]], handle)
"""


def test_predictions_dumped_and_loaded_through_open_handles_are_a_cascade(tmp_path):
    files = {
        "level1/train.py": LEVEL1,
        "level2/train.py": """
            import pickle
            from sklearn.linear_model import Ridge
            with open("work/level1/scores.pkl", "rb") as handle:
                meta = pickle.load(handle)
            Ridge().fit(meta[["score"]], meta["churned"])
        """,
    }
    report, project = scan(tmp_path, files)
    assert found(report, "DS302") == [("DS302", "level2/train.py", 5)]
    # the load's frame comes from the file the handle opened, the dump writes the model's predictions there
    blender = project.signals.models["model:level2/train.py:5"]
    assert blender.sources == {"work/level1/scores.pkl"}
    assert [o.path for o in project.signals.outputs["work/level1/scores.pkl"]] == ["level1/train.py"]


def test_a_handle_load_of_a_table_without_predictions_is_no_cascade(tmp_path):
    files = {
        "level1/train.py": LEVEL1,
        "prepare.py": """
            import pickle
            import pandas as pd
            table = pd.read_csv("input/accounts.csv")
            with open("work/clean.pkl", "wb") as handle:
                pickle.dump(table[["tenure", "spend", "churned"]], handle)
        """,
        "level2/train.py": """
            import pickle
            from sklearn.linear_model import Ridge
            with open("work/clean.pkl", "rb") as handle:
                clean = pickle.load(handle)
            Ridge().fit(clean[["tenure", "spend"]], clean["churned"])
        """,
    }
    report, project = scan(tmp_path, files)
    assert found(report, "DS302") == []
    assert project.signals.models["model:level2/train.py:5"].sources == {"work/clean.pkl"}


def test_predictions_copied_into_fold_files_collected_in_a_list_reach_the_level2_model(tmp_path):
    files = {
        "level1/train.py": LEVEL1,
        "stack/arrange.py": """
            import pickle
            import pandas as pd
            def arrange():
                scores = pd.read_pickle("work/level1/scores.pkl")
                for k in range(10):
                    fold = pd.read_pickle(f"input/folds/fold{k}.pkl")
                    fold["score"] = scores["score"].values
                    with open(f"work/arranged/fold{k}.pkl", "wb") as out:
                        pickle.dump(fold, out)
            arrange()
        """,
        "stack/gather.py": """
            import pickle
            import pandas as pd
            def load_folds(folder):
                parts = []
                for k in range(10):
                    parts.append(pd.read_pickle(f"{folder}/fold{k}.pkl"))
                return pd.concat(parts)
            meta = load_folds("work/arranged")
            with open("work/meta.pkl", "wb") as handle:
                pickle.dump(meta, handle)
        """,
        "stack/blend.py": """
            import pickle
            from sklearn.linear_model import Ridge
            with open("work/meta.pkl", "rb") as handle:
                meta = pickle.load(handle)
            Ridge().fit(meta[["score"]], meta["churned"])
        """,
    }
    report, project = scan(tmp_path, files)
    assert found(report, "DS302") == [("DS302", "stack/blend.py", 5)]
    cascade, = [c for c in project.signals.cascades if c.consumer == "model:stack/blend.py:5"]
    assert cascade.artifact == "work/level1/scores.pkl"
    assert cascade.chain[-1] == "work/meta.pkl"


def test_an_element_assigned_from_another_frame_carries_that_frames_source(tmp_path):
    files = {
        "level1/train.py": LEVEL1,
        "stack/arrange.py": """
            import pickle
            import pandas as pd
            scores = pd.read_pickle("work/level1/scores.pkl")
            folds = pd.read_pickle("input/folds.pkl")
            folds[0]["outputs"] = scores[["score"]].values
            with open("work/arranged.pkl", "wb") as out:
                pickle.dump(folds, out)
        """,
        "stack/blend.py": """
            import pickle
            from sklearn.linear_model import Ridge
            with open("work/arranged.pkl", "rb") as handle:
                meta = pickle.load(handle)
            Ridge().fit(meta[["outputs"]], meta["churned"])
        """,
    }
    report, project = scan(tmp_path, files)
    assert "work/arranged.pkl" in project.signals.flows["work/level1/scores.pkl"]
    assert found(report, "DS302") == [("DS302", "stack/blend.py", 5)]


def test_many_fold_files_of_a_few_folders_stay_per_folder_patterns(tmp_path):
    # 2 folders x 10 folds: more names than are listed, so the folds become a wildcard, the folders stay
    files = {
        "stack/gather.py": """
            import pandas as pd
            def load_folds(folder):
                for k in range(10):
                    yield pd.read_pickle(f"{folder}/fold{k}.pkl")
            for name in ["gbm", "linear"]:
                frames = list(load_folds(f"work/arranged/{name}"))
        """,
    }
    write_repo(tmp_path, files)
    _, project = scan_repo(tmp_path, select=["DS201"])
    reads = sorted({a.artifact for a in project.paths.accesses if a.module == "stack/gather.py"})
    assert reads == ["work/arranged/gbm/fold*.pkl", "work/arranged/linear/fold*.pkl"]


def test_a_notebook_that_only_looks_at_predictions_is_no_undeclared_consumer(tmp_path):
    files = {
        "level1/train.py": LEVEL1,
        "notebooks/error_analysis.ipynb": notebook("""
            import pickle
            import matplotlib.pyplot as plt
        """, """
            with open("../work/level1/scores.pkl", "rb") as handle:
                scores = pickle.load(handle)
            plt.hist(scores["score"])
        """),
        "notebooks/postprocess.ipynb": notebook("""
            import pickle
        """, """
            with open("../work/level1/scores.pkl", "rb") as handle:
                scores = pickle.load(handle)
            scores["score"] = scores["score"].clip(0.01, 0.99)
            scores.to_csv("../subs/clipped.csv")
        """),
        "reports/weekly.py": """
            import pickle
            with open("work/level1/scores.pkl", "rb") as handle:
                scores = pickle.load(handle)
            print(scores["score"].describe())
        """,
    }
    report, _ = scan(tmp_path, files, select=("DS303",))
    # (a notebook's paths are relative to its folder)
    # the notebook whose results leave it (a submission made from the scores) consumes them; a script does
    # too, whatever it does with them; the notebook that plots them is an analysis of the model
    assert found(report) == [("DS303", "notebooks/postprocess.ipynb", 1), ("DS303", "reports/weekly.py", 2)]


BOOSTER = """
    import lightgbm as lgb
    import numpy as np
    import pandas as pd
    class Booster:
        def __init__(self, train, target, output_dir):
            self.train = train
            self.target = target
            self.output_dir = output_dir
        def fit_predict(self, name):
            x_all = self.train[["a", "b"]].values
            booster = lgb.LGBMRegressor()
            booster.fit(x_all, self.target)
            oof = booster.predict(x_all)
            scores = pd.concat([self.train[["row_id"]], pd.DataFrame(oof, columns=[name])], axis=1)
            scores.to_hdf(self.output_dir + name + "_oof.h5", key="w")
"""


def test_each_instance_of_a_model_class_trains_on_what_its_constructor_was_given(tmp_path):
    files = {
        "models/__init__.py": "",
        "models/booster.py": BOOSTER,
        "level_one.py": """
            import pandas as pd
            from models.booster import Booster
            table = pd.read_csv("input/sales.csv")
            first = Booster(train=table, target=table["units"].values, output_dir="level1/")
            first.fit_predict("gbm")
        """,
        "level_two.py": """
            import pandas as pd
            from models.booster import Booster
            meta = pd.read_hdf("level1/gbm_oof.h5")
            second = Booster(train=meta, target=meta["units"].values, output_dir="level2/")
            second.fit_predict("stack")
        """,
    }
    report, project = scan(tmp_path, files, select=("DS302",))
    models = project.signals.models
    assert models["model:level_one.py:5"].sources == {"input/sales.csv"}
    assert models["model:level_two.py:5"].sources == {"level1/gbm_oof.h5"}
    # the scores written with to_hdf are predictions, although the file ends in .h5 (a Keras suffix); the
    # folder is the instance's, the name the method's argument (not known where the folder is given)
    assert [o.path for o in project.signals.outputs["level1/*_oof.h5"]] == ["level_one.py"]
    assert found(report) == [("DS302", "level_two.py", 5)]


def test_a_helper_with_a_nested_function_is_a_function_not_a_class(tmp_path):
    files = {
        "tools/frames.py": """
            from functools import reduce
            import pandas as pd
            def merge_files(paths):
                frames = [pd.read_hdf(p) for p in paths]
                def on_row(left, right):
                    return pd.merge(left, right, on="row_id")
                return reduce(on_row, frames)
        """,
        "level1.py": LEVEL1,
        "level2.py": """
            import pickle
            from sklearn.linear_model import Ridge
            from tools.frames import merge_files
            meta = merge_files(["work/level1/scores.pkl", "work/level1/extra.pkl"])
            Ridge().fit(meta[["score"]], meta["churned"])
        """,
    }
    report, project = scan(tmp_path, files, select=("DS302",))
    # tools/ has no __init__.py: the literal list reaches the helper's read through the call's argument
    assert project.signals.models["model:level2.py:5"].sources == {"work/level1/extra.pkl", "work/level1/scores.pkl"}
    assert found(report) == [("DS302", "level2.py", 5)]


def test_an_instance_keeps_its_data_through_the_methods_it_calls_on_itself(tmp_path):
    files = {
        "models/__init__.py": "",
        "models/booster.py": """
            import lightgbm as lgb
            import pandas as pd
            class Booster:
                def __init__(self, train, target, output_dir):
                    self.train = train
                    self.target = target
                    self.output_dir = output_dir
                def fit_predict(self, name):
                    oof = self._fit_folds()
                    scores = pd.concat([self.train[["row_id"]], pd.DataFrame(oof, columns=[name])], axis=1)
                    scores.to_hdf(self.output_dir + name + "_oof.h5", key="w")
                def _fit_folds(self):
                    booster = lgb.LGBMRegressor()
                    booster.fit(self.train[["a", "b"]], self.target)
                    return booster.predict(self.train[["a", "b"]])
        """,
        "level_one.py": """
            import pandas as pd
            from models.booster import Booster
            table = pd.read_csv("input/sales.csv")
            first = Booster(train=table, target=table["units"].values, output_dir="level1/")
            first.fit_predict("gbm")
        """,
        "level_two.py": """
            import pandas as pd
            from models.booster import Booster
            meta = pd.read_hdf("level1/gbm_oof.h5")
            second = Booster(train=meta, target=meta["units"].values, output_dir="level2/")
            second.fit_predict("stack")
        """,
    }
    report, project = scan(tmp_path, files, select=("DS302",))
    models = project.signals.models
    assert models["model:level_one.py:5"].sources == {"input/sales.csv"}
    assert models["model:level_two.py:5"].sources == {"level1/gbm_oof.h5"}
    # the fit inside the class is each instance's: no model of the class's own trained on both tables
    assert models["model:models/booster.py:14"].sources == set()
    assert found(report) == [("DS302", "level_two.py", 5)]
    # the level-1 scores are the first instance's predictions, written to the folder it was made with
    assert "model `first` (Booster) (level_one.py:5)" in report.findings[0].message
    assert [o.model for o in project.signals.outputs["level1/*_oof.h5"]] == ["model:level_one.py:5"]


def test_column_names_taken_from_the_test_frame_carry_none_of_its_data(tmp_path):
    files = {
        "level1/train.py": LEVEL1 + """
    with open("work/level1/test_scores.pkl", "wb") as handle:
        pickle.dump(table[["row_id", "score"]], handle)
""",
        "level2/train.py": """
            import pickle
            from sklearn.linear_model import Ridge
            with open("work/level1/test_scores.pkl", "rb") as handle:
                test = pickle.load(handle)
            with open("work/level1/scores.pkl", "rb") as handle:
                train = pickle.load(handle)
            columns = test.columns.drop(["row_id"])
            Ridge().fit(train[columns], train["churned"])
        """,
    }
    report, project = scan(tmp_path, files, select=("DS302",))
    # the blender is fitted on the training scores; the test frame only names the columns
    assert project.signals.models["model:level2/train.py:8"].sources == {"work/level1/scores.pkl"}
    cascade, = [c for c in project.signals.cascades if c.consumer == "model:level2/train.py:8"]
    assert cascade.artifact == "work/level1/scores.pkl"


HYBRID = """
    import pandas as pd
    from sklearn.linear_model import LinearRegression
    from sklearn.neighbors import KNeighborsRegressor
    class TrendPlusResidual:
        def __init__(self, trend, residual):
            self.trend = trend
            self.residual = residual
        def fit(self, X_trend, X_rest, y):
            self.trend.fit(X_trend, y)
            y_resid = y - self.trend.predict(X_trend)
            self.residual.fit(X_rest, y_resid)
        def predict(self, X_trend, X_rest):
            return self.trend.predict(X_trend) + self.residual.predict(X_rest)
"""


def test_a_class_fitting_its_own_models_together_is_one_declared_model_not_a_cascade(tmp_path):
    files = {
        "models/__init__.py": "",
        "models/hybrid.py": HYBRID,
        "train.py": """
            import pandas as pd
            from sklearn.linear_model import LinearRegression
            from sklearn.neighbors import KNeighborsRegressor
            from models.hybrid import TrendPlusResidual
            sales = pd.read_csv("input/sales.csv")
            hybrid = TrendPlusResidual(LinearRegression(), KNeighborsRegressor())
            hybrid.fit(sales[["week"]], sales[["price", "promo"]], sales["units"])
        """,
    }
    report, _ = scan(tmp_path, files, select=("DS302",))
    # the residual model learns the trend model's errors, but both are one estimator trained together in its
    # fit (what DS302 asks for instead of a cascade); the instance is not trained on its own parts either
    assert found(report) == []


def test_a_second_model_trained_on_the_first_ones_residuals_by_hand_is_a_cascade(tmp_path):
    files = {
        "train.py": """
            import pandas as pd
            from sklearn.linear_model import LinearRegression
            from xgboost import XGBRegressor
            sales = pd.read_csv("input/sales.csv")
            trend = LinearRegression().fit(sales[["week"]], sales["units"])
            residual = sales["units"] - trend.predict(sales[["week"]])
            booster = XGBRegressor().fit(sales[["price", "promo"]], residual)
        """,
    }
    report, _ = scan(tmp_path, files, select=("DS302",))
    assert found(report) == [("DS302", "train.py", 7)]
