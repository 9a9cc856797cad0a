"""Values followed through functions: the per-file summaries (debtscan.facts.summaries) and their evaluation at
call sites across modules (debtscan.project.flow), seen through the DS3xx findings they make possible."""
import textwrap

import libcst as cst

from debtscan.store.codec import dumps, loads
from debtscan.facts.extract import extract
from debtscan.facts.summary_model import FromCall, FromEstimator, FromParam, FromPrediction, FromRead
from debtscan.facts.values import Lit
from debtscan.knowledge import load_knowledge
from debtscan.testing import scan_repo, write_repo

KNOWLEDGE = load_knowledge()


def facts_of(source: str, module: str = "m"):
    text = textwrap.dedent(source).lstrip("\n")
    return extract(cst.parse_module(text), path=f"{module}.py", module_name=module, is_package=False, text=text,
                   knowledge=KNOWLEDGE)


def scan(tmp_path, files, select=("DS301", "DS302", "DS303", "DS304")):
    write_repo(tmp_path, files)
    report, project = scan_repo(tmp_path, select=list(select))
    return report, project


def found(report, code=None):
    return sorted((f.code, f.path, f.line) for f in report.findings if code is None or f.code == code)


# -- summaries: one file, one pass ------------------------------------------------------------------------
def test_a_parameter_selected_and_returned_is_summarised_with_its_columns():
    facts = facts_of("""
        USAGE = ["minutes", "calls"]
        def usage_matrix(frame):
            return frame[USAGE]
    """)
    summary = facts.flows.summary("usage_matrix")
    assert summary.returns.origins == (FromParam("frame"),)
    assert [c.via for c in summary.returns.columns] == ["m.USAGE"]
    reach = summary.param("frame")
    assert reach.returned and [c.via for c in reach.columns] == ["m.USAGE"] and reach.columns[0].line == 3


def test_a_helper_that_reads_a_fixed_file_returns_the_read():
    facts = facts_of("""
        import pandas as pd
        def load():
            return pd.read_parquet("data/warehouse/customers.parquet")
    """)
    assert facts.flows.summary("load").returns.origins == (FromRead(Lit("data/warehouse/customers.parquet"), 3),)


def test_a_factory_returns_the_estimator_it_builds():
    facts = facts_of("""
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import make_pipeline
        def new_estimator():
            return make_pipeline(Ridge())
    """)
    assert facts.flows.summary("new_estimator").returns.origins == (
        FromEstimator("sklearn.pipeline.make_pipeline", 4),)


def test_parameters_reaching_fit_and_predict_are_summarised_by_role():
    facts = facts_of("""
        from sklearn.linear_model import LogisticRegression
        def train(X, y, w, X_new):
            model = LogisticRegression()
            model.fit(X, y, sample_weight=w)
            return model.predict(X_new)
    """)
    summary = facts.flows.summary("train")
    assert summary.param("X").fit_roles == ("x",)
    assert summary.param("y").fit_roles == ("y",)
    assert summary.param("w").fit_roles == ("weight",)
    assert summary.param("X_new").predicted and not summary.param("X_new").fit_roles
    assert [type(o) for o in summary.returns.origins] == [FromPrediction]


def test_calls_stay_symbolic_with_what_each_argument_is_made_of():
    facts = facts_of("""
        from churn.features import usage_matrix
        from warehouse.snapshot import read_snapshot
        X = usage_matrix(read_snapshot(), cols=["a", "b"])
    """)
    inner, outer = facts.flows.sites
    assert (inner.callee, outer.callee) == ("warehouse.snapshot.read_snapshot", "churn.features.usage_matrix")
    assert outer.args[0].origins == (FromCall(inner.index),)
    assert outer.kwnames == ("cols",) and [c.name for c in outer.kwargs[0].columns] == ["a", "b"]


def test_attributes_set_in_init_and_methods_are_recorded():
    facts = facts_of("""
        from sklearn.ensemble import RandomForestClassifier
        class Scorer:
            def __init__(self, out_dir):
                self.out_dir = out_dir
                self.model = RandomForestClassifier()
            def train(self, X, y):
                self.model.fit(X, y)
                self.scores = self.model.predict(X)
    """)
    attrs = {(a.name, a.scope): a for a in facts.flows.attrs}
    assert attrs[("out_dir", "Scorer.__init__")].value.origins == (FromParam("out_dir"),)
    assert attrs[("model", "Scorer.__init__")].value.origins == (
        FromEstimator("sklearn.ensemble.RandomForestClassifier", 5),)
    assert [type(o) for o in attrs[("scores", "Scorer.train")].value.origins] == [FromPrediction]


def test_out_of_fold_predictions_assigned_into_an_array_are_written():
    facts = facts_of("""
        import numpy as np
        from lightgbm import LGBMRegressor
        oof = np.zeros(100)
        for train_idx, valid_idx in folds:
            model = LGBMRegressor()
            model.fit(X[train_idx], y[train_idx])
            oof[valid_idx] = model.predict(X[valid_idx])
        np.save("oof/lgb.npy", oof)
    """)
    (write,) = facts.flows.writes
    assert write.path == Lit("oof/lgb.npy") and any(type(o) is FromPrediction for o in write.value.origins)


def test_summaries_round_trip_through_the_cache_codec():
    facts = facts_of("""
        import pandas as pd
        def load(path, cols):
            return pd.read_csv(path)[cols]
        X = load("a.csv", ["x"])
    """)
    assert loads(dumps(facts)) == facts


# -- evaluation across modules ----------------------------------------------------------------------------
TEAMS = {
    "warehouse/__init__.py": "",
    "warehouse/access.py": """
        import pandas as pd
        def read_customers():
            return pd.read_parquet("data/warehouse/customers.parquet")
    """,
    "churn/__init__.py": "",
    "churn/features.py": """
        USAGE = ["minutes", "tenure"]
        def usage_matrix(frame):
            return frame[USAGE]
        def inputs(frame):
            return usage_matrix(frame.fillna(0))
    """,
    "churn/train.py": """
        from sklearn.ensemble import GradientBoostingClassifier
        from churn.features import inputs
        from warehouse.access import read_customers
        frame = read_customers()
        GradientBoostingClassifier().fit(inputs(frame), frame["churned"])
    """,
    "credit/__init__.py": "",
    "credit/model.py": """
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        def new_estimator():
            return make_pipeline(LogisticRegression())
    """,
    "credit/train.py": """
        from credit.model import new_estimator
        from warehouse.access import read_customers
        frame = read_customers()
        est = new_estimator().fit(frame[["income", "tenure"]], frame["defaulted"])
    """,
}


def test_a_frame_passed_through_two_levels_of_functions_reaches_the_model_with_its_table(tmp_path):
    report, project = scan(tmp_path, TEAMS)
    layer = project.signals
    churn = layer.models["model:churn/train.py:5"]
    assert churn.inputs == {"minutes", "tenure"} and churn.sources == {"data/warehouse/customers.parquet"}
    # reported where the churn team selects the columns (its own helper), and where credit does
    assert found(report, "DS301") == [("DS301", "churn/features.py", 3), ("DS301", "credit/train.py", 4)]
    churn_finding = next(f for f in report.findings if f.path == "churn/features.py")
    assert "`tenure` of `data/warehouse/customers.parquet`" in churn_finding.message
    assert [(r.path, r.line) for r in churn_finding.related] == [("credit/train.py", 4)]


def test_a_model_from_a_factory_is_a_model_with_the_factorys_estimator(tmp_path):
    _, project = scan(tmp_path, TEAMS)
    credit = project.signals.models["model:credit/train.py:4"]
    assert credit.api == "sklearn.pipeline.make_pipeline" and credit.inputs == {"income", "tenure"}
    assert credit.targets == {"defaulted"}


def test_a_shared_selector_is_reported_at_the_call_in_the_consuming_module(tmp_path):
    files = dict(TEAMS)
    files["common/__init__.py"] = ""
    files["common/select.py"] = """
        def select_columns(frame, columns):
            return frame[columns]
    """
    files["credit/train.py"] = """
        from common.select import select_columns
        from credit.model import new_estimator
        from warehouse.access import read_customers
        frame = read_customers()
        est = new_estimator().fit(select_columns(frame, ["income", "tenure"]), frame["defaulted"])
    """
    report, _ = scan(tmp_path, files)
    assert ("DS301", "credit/train.py", 5) in found(report)
    assert not any(f.path.startswith("common/") for f in report.findings)


def test_filters_joins_plots_and_notebooks_are_not_consumers(tmp_path):
    files = {
        "warehouse/access.py": TEAMS["warehouse/access.py"],
        "churn/train.py": """
            from sklearn.linear_model import LogisticRegression
            from warehouse.access import read_customers
            frame = read_customers()
            frame = frame[frame["status"] == "open"].sort_values("signup_week")
            LogisticRegression().fit(frame[["minutes"]], frame["churned"])
        """,
        "credit/train.py": """
            from sklearn.linear_model import LogisticRegression
            from warehouse.access import read_customers
            frame = read_customers()
            frame = frame[frame["status"] == "open"].sort_values("signup_week")
            LogisticRegression().fit(frame[["income"]], frame["defaulted"])
        """,
        "charts/plots.py": """
            import matplotlib.pyplot as plt
            from warehouse.access import read_customers
            frame = read_customers()
            plt.scatter(frame["minutes"], frame["income"])
            plt.savefig("reports/minutes_income.png")
        """,
    }
    report, _ = scan(tmp_path, files)
    assert found(report, "DS301") == []


def test_one_components_internal_reuse_is_no_coupling(tmp_path):
    files = {k: v for k, v in TEAMS.items() if not k.startswith("credit/")}
    files["churn/report.py"] = """
        from sklearn.linear_model import Ridge
        from churn.features import usage_matrix
        from warehouse.access import read_customers
        frame = read_customers()
        Ridge().fit(usage_matrix(frame), frame["spend"])
    """
    report, _ = scan(tmp_path, files)
    assert found(report, "DS301") == []


def test_sample_weights_predicted_by_another_model_through_a_helper_are_a_cascade(tmp_path):
    files = {
        "train.py": """
            import pandas as pd
            from lightgbm import LGBMClassifier
            from sklearn.linear_model import LogisticRegression
            def similarity(frame):
                adversary = LogisticRegression()
                adversary.fit(frame[["region", "price"]], frame["is_test"])
                return adversary.predict_proba(frame[["region", "price"]])[:, 1]
            frame = pd.read_parquet("data/train.parquet")
            model = LGBMClassifier()
            model.fit(frame[["debt", "late"]], frame["default"], sample_weight=similarity(frame))
        """,
    }
    report, _ = scan(tmp_path, files)
    assert found(report, "DS302") == [("DS302", "train.py", 10)]
    assert "`adversary`" in report.findings[0].message and "train.py:6" in report.findings[0].message


def test_predictions_returned_by_a_helper_in_another_module_and_fitted_on_are_a_cascade(tmp_path):
    files = {
        "base/__init__.py": "",
        "base/model.py": """
            from sklearn.ensemble import RandomForestRegressor
            def base_scores(X, y):
                forest = RandomForestRegressor()
                forest.fit(X, y)
                return forest.predict(X)
        """,
        "stack.py": """
            import numpy as np
            import pandas as pd
            from sklearn.linear_model import Ridge
            from base.model import base_scores
            frame = pd.read_parquet("data/train.parquet")
            scores = base_scores(frame[["a", "b"]], frame["y"])
            meta = Ridge()
            meta.fit(np.column_stack([scores, frame["c"]]), frame["y"])
        """,
    }
    report, _ = scan(tmp_path, files)
    assert found(report, "DS302") == [("DS302", "stack.py", 8)]
    assert "base/model.py:4" in report.findings[0].message


def test_a_model_class_writes_its_scores_to_the_folder_it_was_built_with(tmp_path):
    files = {
        "upsell/__init__.py": "",
        "upsell/scorer.py": """
            import pandas as pd
            from sklearn.ensemble import RandomForestClassifier
            class Scorer:
                def __init__(self, out_dir):
                    self.out_dir = out_dir
                    self.model = RandomForestClassifier()
                def train(self, frame):
                    self.model.fit(frame[["a", "b"]], frame["bought"])
                    self.scores = self.model.predict_proba(frame[["a", "b"]])[:, 1]
                def save(self):
                    pd.DataFrame({"score": self.scores}).to_csv(self.out_dir + "/scores.csv")
            if __name__ == "__main__":
                scorer = Scorer("data/scores")
                scorer.train(pd.read_parquet("data/customers.parquet"))
                scorer.save()
        """,
        "marketing/__init__.py": "",
        "marketing/campaign.py": """
            import pandas as pd
            scores = pd.read_csv("data/scores/scores.csv")
            targets = scores[scores["score"] > 0.8]
        """,
    }
    report, project = scan(tmp_path, files)
    outputs = project.signals.outputs["data/scores/scores.csv"]
    # the folder is written down where the class is constructed: the write is placed there
    assert [(o.model, o.path, o.line) for o in outputs] == [("model:upsell/scorer.py:8", "upsell/scorer.py", 13)]
    assert found(report, "DS303") == [("DS303", "marketing/campaign.py", 2)]


def test_a_literal_file_list_passed_into_a_helper_comprehension_is_read(tmp_path):
    files = {
        "features/__init__.py": "",
        "features/store.py": """
            import pandas as pd
            def load_features(feat_paths):
                return pd.concat([pd.read_feather(p) for p in feat_paths], axis=1)
        """,
        "models/__init__.py": "",
        "models/first.py": """
            import pandas as pd
            from sklearn.ensemble import RandomForestRegressor
            train = pd.read_csv("data/train.csv")
            forest = RandomForestRegressor().fit(train[["a", "b"]], train["y"])
            train["forest"] = forest.predict(train[["a", "b"]])
            train[["forest"]].to_feather("features/forest.f")
        """,
        "models/second.py": """
            from sklearn.linear_model import Ridge
            from features.store import load_features
            X = load_features(["features/forest.f", "features/base.f"])
            Ridge().fit(X, X["y"])
        """,
    }
    report, project = scan(tmp_path, files)
    second = project.signals.models["model:models/second.py:4"]
    assert "features/forest.f" in second.sources
    assert ("DS302", "models/second.py", 4) in found(report)


def test_recursion_and_deep_chains_stay_bounded(tmp_path):
    files = {
        "loop.py": """
            import pandas as pd
            from sklearn.linear_model import Ridge
            def a(frame, n):
                return b(frame, n - 1) if n else frame[["x"]]
            def b(frame, n):
                return a(frame, n)
            frame = pd.read_csv("data/t.csv")
            Ridge().fit(a(frame, 3), frame["y"])
        """,
    }
    _, project = scan(tmp_path, files)
    model = project.signals.models["model:loop.py:8"]
    assert model.inputs == {"x"} and model.sources == {"data/t.csv"}


# -- predictions through private toolkits, named series and per-column feature files ---------------------
TO_FEATURE = """
    def to_feature(df, path):
        for c in df.columns:
            df[[c]].to_feather(f"{path}_{c}.f")
"""


def test_a_private_toolkits_prediction_function_given_fitted_models_returns_their_predictions(tmp_path):
    files = {
        "stack.py": """
            import lightgbm as lgb
            import pandas as pd
            from sklearn.linear_model import LogisticRegression
            import mlkit as kit
            frame = pd.read_parquet("data/train.parquet")
            ret, models = lgb.cv({}, lgb.Dataset(frame[["a", "b"]], frame["y"]), 100)
            oof = kit.eval_oob(frame[["a", "b"]], frame["y"], models)
            report = kit.summarise(models)
            meta = LogisticRegression().fit(pd.DataFrame({"oof": oof, "c": frame["c"]}), frame["y"])
            other = LogisticRegression().fit(pd.DataFrame({"r": report, "c": frame["c"]}), frame["y"])
        """,
    }
    report, _ = scan(tmp_path, files)
    # eval_oob's name says it predicts and it is given the fitted models; summarise's says nothing
    assert found(report, "DS302") == [("DS302", "stack.py", 9)]


def test_a_named_prediction_series_written_per_column_by_a_helper_names_its_file(tmp_path):
    files = {
        "utils.py": TO_FEATURE,
        "adversarial.py": """
            import pandas as pd
            from sklearn.linear_model import LogisticRegression
            import utils
            frame = pd.read_parquet("data/all.parquet")
            adversary = LogisticRegression().fit(frame[["a", "b"]], frame["is_test"])
            p = pd.Series(adversary.predict_proba(frame[["a", "b"]])[:, 1], index=frame.index)
            p.name = "adv"
            utils.to_feature(p.to_frame(), "feature/train")
        """,
        "features.py": """
            import pandas as pd
            import utils
            raw = pd.read_parquet("data/all.parquet")
            raw["ratio"] = raw["a"] / raw["b"]
            utils.to_feature(raw[["ratio"]].add_prefix("f1_"), "feature/train")
        """,
        "train.py": """
            import pandas as pd
            from lightgbm import LGBMClassifier
            X = pd.read_feather("feature/train_f1_ratio.f")
            w = pd.read_feather("feature/train_adv.f")
            LGBMClassifier().fit(X, pd.read_parquet("data/y.parquet")["y"], sample_weight=w["adv"])
        """,
        "train_ratio.py": """
            import pandas as pd
            from lightgbm import LGBMClassifier
            X = pd.read_feather("feature/train_f1_ratio.f")
            LGBMClassifier().fit(X, pd.read_parquet("data/y.parquet")["y"])
        """,
    }
    report, project = scan(tmp_path, files)
    # the adversary's predictions are the file feature/train_adv.f (not any feature/train_*.f): only the
    # model that reads that file is trained on them
    assert found(report, "DS302") == [("DS302", "train.py", 5)]
    outputs = project.signals.outputs
    assert "feature/train_adv.f" in outputs and "feature/train_*.f" not in outputs


def test_files_chosen_at_run_time_from_a_folder_many_scripts_write_are_none_in_particular(tmp_path):
    files = {"utils.py": TO_FEATURE}
    for n in range(4):
        files[f"f{n}.py"] = f"""
            import pandas as pd
            import utils
            raw = pd.read_parquet("data/t{n}.parquet")
            utils.to_feature(raw[["v{n}"]], "feature/train")
        """
    files["adversarial.py"] = """
        import pandas as pd
        from sklearn.linear_model import LogisticRegression
        import utils
        frame = pd.read_parquet("data/all.parquet")
        p = pd.Series(LogisticRegression().fit(frame[["a"]], frame["t"]).predict(frame[["a"]]))
        p.name = "adv"
        utils.to_feature(p.to_frame(), "feature/train")
    """
    files["selected.py"] = """
        import pandas as pd
        from lightgbm import LGBMClassifier
        imp = pd.read_csv("logs/importance.csv")
        files = ("feature/train_" + imp.head(50).feature + ".f").tolist()
        X = pd.concat([pd.read_feather(f) for f in files], axis=1)
        LGBMClassifier().fit(X, pd.read_parquet("data/y.parquet")["y"])
    """
    files["eda/peek.py"] = """
        import pandas as pd
        imp = pd.read_csv("logs/importance.csv")
        print(pd.concat([pd.read_feather("feature/train_" + f + ".f") for f in imp.feature], axis=1).describe())
    """
    report, _ = scan(tmp_path, files)
    # the importance log decides which files: the code does not say the adversary's is among them
    assert found(report, "DS302") == [] and found(report, "DS303") == []
    # a literal glob reads every file it matches, the adversary's predictions included
    files["all.py"] = """
        from glob import glob
        import pandas as pd
        from lightgbm import LGBMClassifier
        X = pd.concat([pd.read_feather(f) for f in glob("feature/train_*.f")], axis=1)
        LGBMClassifier().fit(X, pd.read_parquet("data/y.parquet")["y"])
    """
    report, _ = scan(tmp_path, files)
    assert found(report, "DS302") == [("DS302", "all.py", 5)]


LESSON = """
    import pandas as pd
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LinearRegression
    frame = pd.read_parquet("data/raw/trips.parquet")
    frame["duration"] = (frame.dropoff - frame.pickup).dt.total_seconds() / 60
    frame = frame[(frame.duration >= 1) & (frame.duration <= 60)]
    categorical = ["pickup_zone", "dropoff_zone"]
    frame[categorical] = frame[categorical].astype(str)
    numerical = ["trip_distance"]
    dicts = frame[categorical + numerical].to_dict(orient="records")
    vectorizer = DictVectorizer()
    X = vectorizer.fit_transform(dicts)
    y = frame["duration"].values
    model = LinearRegression()
    model.fit(X, y)
    print(model.score(X, y))
"""


def test_a_consumer_copied_into_another_component_is_not_a_second_consumer(tmp_path):
    grown = textwrap.dedent(LESSON) + "import pickle\npickle.dump(model, open('models/lr.bin', 'wb'))\n"
    files = {"lesson1/train.py": LESSON, "lesson2/train.py": grown}
    report, _ = scan(tmp_path, dict(files), select=("DS301",))
    assert found(report) == []  # one script and its next version: one consumer
    files["fraud/train.py"] = """
        import pandas as pd
        from sklearn.ensemble import RandomForestClassifier
        trips = pd.read_parquet("data/raw/trips.parquet")
        RandomForestClassifier().fit(trips[["trip_distance", "fare"]], trips["is_fraud"])
    """
    report, _ = scan(tmp_path, files, select=("DS301",))
    assert found(report) == [("DS301", "fraud/train.py", 4), ("DS301", "lesson1/train.py", 10),
                             ("DS301", "lesson2/train.py", 10)]
    lesson = next(f for f in report.findings if f.path == "lesson1/train.py")
    assert [r.path for r in lesson.related] == ["fraud/train.py"]


def test_files_sharing_a_module_name_call_their_own_helper(tmp_path):
    helper = """
        import pandas as pd
        from sklearn.linear_model import LinearRegression
        def read_frame(path):
            return pd.read_parquet(path)
        frame = read_frame("{table}")
        LinearRegression().fit(frame[["trip_distance"]], frame["duration"])
    """
    files = {"01-intro/duration-prediction.py": helper.replace("{table}", "data/raw/green.parquet"),
             "02-tracking/duration-prediction.py": helper.replace("{table}", "data/raw/yellow.parquet")}
    _, project = scan(tmp_path, files, select=("DS301",))
    inputs = {(c.path, c.sources) for c in project.signals.consumptions if c.as_input}
    assert ("02-tracking/duration-prediction.py", ("data/raw/yellow.parquet",)) in inputs
    assert not any(p.startswith("02-") and "data/raw/green.parquet" in s for p, s in inputs)


# -- inheritance, functools.partial, decorators, *args/**kwargs, aggregations ----------------------------
def model_inputs(project):
    return sorted({(c.path, c.name, c.sources) for c in project.signals.consumptions if c.as_input})


def test_a_method_inherited_from_a_base_class_fits_the_model_its_subclass_sets(tmp_path):
    files = {
        "common/__init__.py": "",
        "common/base.py": """
            class Trainer:
                def train(self, X, y):
                    self.model.fit(X, y)
                    return self
        """,
        "churn/__init__.py": "",
        "churn/model.py": """
            from sklearn.linear_model import Ridge
            from common.base import Trainer
            class ChurnTrainer(Trainer):
                def __init__(self):
                    self.model = Ridge()
        """,
        "churn/train.py": """
            import pandas as pd
            from churn.model import ChurnTrainer
            frame = pd.read_parquet("data/raw/customers.parquet")
            ChurnTrainer().train(frame[["tenure", "spend"]], frame["churned"])
        """,
        "fraud/train.py": """
            import pandas as pd
            from sklearn.linear_model import LogisticRegression
            frame = pd.read_parquet("data/raw/customers.parquet")
            LogisticRegression().fit(frame[["tenure", "amount"]], frame["is_fraud"])
        """,
    }
    report, project = scan(tmp_path, files)
    model = next(m for m in project.signals.models.values() if m.path == "common/base.py")
    assert model.api == "sklearn.linear_model.Ridge" and model.inputs == {"tenure", "spend"}
    assert found(report, "DS301") == [("DS301", "churn/train.py", 4), ("DS301", "fraud/train.py", 4)]


def test_columns_reach_a_model_through_partial_a_decorator_and_forwarded_star_arguments(tmp_path):
    files = {
        "lib/__init__.py": "",
        "lib/timing.py": """
            import functools
            import time
            def timed(f):
                @functools.wraps(f)
                def wrapper(*args, **kwargs):
                    start = time.time()
                    out = f(*args, **kwargs)
                    print(time.time() - start)
                    return out
                return wrapper
        """,
        "lib/features.py": """
            from lib.timing import timed
            @timed
            def select(frame, cols):
                return frame[cols]
            def cached(*args, **kwargs):
                return select(*args, **kwargs)
        """,
        "train.py": """
            import functools
            import pandas as pd
            from sklearn.linear_model import Ridge
            from lib.features import cached, select
            frame = pd.read_parquet("data/raw/usage.parquet")
            usage = functools.partial(select, cols=["minutes", "calls"])
            Ridge().fit(usage(frame), frame["y"])
            Ridge().fit(cached(frame, ["sms"]), frame["y"])
            Ridge().fit(cached(frame, cols=["roaming"]), frame["y"])
        """,
    }
    _, project = scan(tmp_path, files)
    table = ("data/raw/usage.parquet",)
    assert {(name, sources) for _, name, sources in model_inputs(project)} == {
        ("minutes", table), ("calls", table), ("sms", table), ("roaming", table)}


def test_an_aggregation_is_computed_from_the_columns_it_names_never_from_its_group_key(tmp_path):
    files = {
        "churn/train.py": """
            import pandas as pd
            from sklearn.linear_model import LogisticRegression
            tx = pd.read_parquet("data/raw/transactions.parquet")
            feats = tx.groupby("region")["amount"].agg(["mean", "max"])
            LogisticRegression().fit(feats, pd.read_parquet("data/raw/labels.parquet")["churned"])
        """,
        "fraud/train.py": """
            import pandas as pd
            from sklearn.ensemble import RandomForestClassifier
            tx = pd.read_parquet("data/raw/transactions.parquet")
            per_region = tx.groupby("region").agg(total=("amount", "sum"), stores=pd.NamedAgg("store", "nunique"))
            RandomForestClassifier().fit(per_region, pd.read_parquet("data/raw/fraud.parquet")["is_fraud"])
        """,
        "ops/train.py": """
            import pandas as pd
            from sklearn.linear_model import Ridge
            tx = pd.read_parquet("data/raw/transactions.parquet")
            load = tx.groupby("region").agg({"store": "count"})
            Ridge().fit(load, pd.read_parquet("data/raw/load.parquet")["staff"])
        """,
    }
    report, project = scan(tmp_path, files)
    table = ("data/raw/transactions.parquet",)
    assert model_inputs(project) == [
        ("churn/train.py", "amount", table), ("fraud/train.py", "amount", table), ("fraud/train.py", "store", table),
        ("ops/train.py", "store", table)]
    # `region`, the group key of all three, is no input; amount and store are each shared by two components
    assert found(report, "DS301") == [("DS301", "churn/train.py", 4), ("DS301", "fraud/train.py", 4),
                                      ("DS301", "ops/train.py", 4)]
