"""Coupled input signals: what the single pass records (signals, models), the graph layer (components,
signals, models, cascades) and the DS3xx rules, each as a small piece of ML code in and what comes out."""
import json
import tempfile
import textwrap
from pathlib import Path

import jsonschema
import libcst as cst
import pytest

from debtscan.facts.extract import extract
from debtscan.facts.model import ModelRef, OutputKind, PredictionOutput
from debtscan.project.export import to_dot, to_json, to_mermaid
from debtscan.knowledge import load_knowledge
from debtscan.report.json_format import schema
from debtscan.project.signals import ROOT_COMPONENT, component_of
from debtscan.testing import locations, scan_repo, scan_sources, write_repo

KNOWLEDGE = load_knowledge()


def facts_of(source: str, module: str = "m"):
    text = textwrap.dedent(source).lstrip("\n")
    return extract(cst.parse_module(text), path=f"{module}.py", module_name=module, is_package=False, text=text,
                   knowledge=KNOWLEDGE)


def consumed(facts):
    """(line, name or @via, source literal) of every consumed signal."""
    out = []
    for s in facts.signals:
        if s.kind in ("derived", "prediction"):
            continue
        source = getattr(s.source, "value", None)
        out.append((s.line, s.name or f"@{s.via}", source))
    return out


def project_of(files, config=None):
    tmp = tempfile.mkdtemp()
    write_repo(Path(tmp), files)
    report, project = scan_repo(Path(tmp), config)
    return report, project


# -- signals: the ways code consumes a column -------------------------------------------------------
def test_column_subscripts_lists_loc_attributes_and_read_keywords_are_signals_with_their_source():
    facts = facts_of("""
        import pandas as pd
        df = pd.read_csv("data/raw/customers.csv", usecols=["age", "income"])
        a = df["tenure"]
        b = df[["plan", "region"]]
        c = df.loc[:, ["score"]]
        d = df.monthly_charges.mean()
        e = df.shape
        g = df.groupby("region").size()
        h = df.merge(pd.read_parquet("data/raw/plans.parquet", columns=["plan_price"]), on="plan")
    """)
    got = consumed(facts)
    src = "data/raw/customers.csv"
    assert (2, "age", src) in got and (2, "income", src) in got
    assert (3, "tenure", src) in got
    assert (4, "plan", src) in got and (4, "region", src) in got
    assert (5, "score", src) in got
    assert (6, "monthly_charges", src) in got
    assert (8, "region", src) in got
    assert (9, "plan", src) in got
    assert (9, "plan_price", "data/raw/plans.parquet") in got
    assert not [g for g in got if g[0] == 7], "df.shape is an attribute of the frame, not a column"


def test_feature_list_constants_local_and_imported_keep_the_constant_name():
    facts = facts_of("""
        import pandas as pd
        import config
        from config import FEATURES
        LOCAL = ["a", "b"]
        df = pd.read_csv("data/raw/t.csv")
        x1 = df[LOCAL]
        x2 = df[FEATURES]
        x3 = df[config.FEATURES + ["extra"]]
    """, module="train")
    by_line = {}
    for s in facts.signals:
        by_line.setdefault(s.line, []).append((s.name, s.via))
    assert by_line[6] == [("a", "train.LOCAL"), ("b", "train.LOCAL")]
    assert by_line[7] == [("", "config.FEATURES")]
    assert ("extra", "") in by_line[8] and ("", "config.FEATURES") in by_line[8]


def test_records_feature_dicts_apply_lambdas_polars_and_datasets():
    facts = facts_of("""
        import pandas as pd
        import polars as pl
        from datasets import load_from_disk
        df = pd.read_csv("data/raw/t.csv")
        for _, row in df.iterrows():
            print(row["age"], row.get("city"))
        df["ratio"] = df.apply(lambda r: r["debt"] / r["income"], axis=1)
        lf = pl.read_parquet("data/raw/p.parquet")
        out = lf.select(pl.col("clicks") / pl.col("views"))
        ds = load_from_disk("data/ds")
        ds = ds.select_columns(["text", "stars"])
    """)
    got = {(line, name) for line, name, _ in consumed(facts)}
    assert {(6, "age"), (6, "city"), (7, "debt"), (7, "income"), (9, "clicks"), (9, "views"),
            (11, "text"), (11, "stars")} <= got
    polars = [s for s in facts.signals if s.name == "clicks"]
    assert getattr(polars[0].source, "value", None) == "data/raw/p.parquet"


def test_derived_columns_record_their_inputs():
    facts = facts_of("""
        import pandas as pd
        df = pd.read_csv("data/raw/t.csv")
        df["ratio"] = df.debt / df["income"]
        df["log_ratio"] = df["ratio"].clip(lower=0)
    """)
    derived = {s.name: s.inputs for s in facts.signals if s.kind == "derived"}
    assert derived == {"ratio": ("debt", "income"), "log_ratio": ("ratio",)}


def test_dict_lookups_on_unknown_values_are_not_signals():
    facts = facts_of("""
        import json
        cfg = json.load(open("config.json"))
        lr = cfg["learning_rate"]
        def f(params):
            return params["depth"]
    """)
    assert consumed(facts) == []


# -- models -----------------------------------------------------------------------------------------
def test_a_fitted_estimator_records_inputs_target_saved_file_and_where_predictions_go():
    facts = facts_of("""
        import joblib
        import pandas as pd
        from sklearn.ensemble import RandomForestClassifier
        FEATURES = ["age", "income"]
        df = pd.read_csv("data/raw/t.csv")
        model = RandomForestClassifier()
        model.fit(df[FEATURES], df["churned"])
        df["p"] = model.predict_proba(df[FEATURES])[:, 1]
        df[["id", "p"]].to_csv("out/scores.csv")
        joblib.dump(model, "models/rf.joblib")
    """)
    (model,) = facts.models
    assert (model.name, model.api, model.line, model.kind) == (
        "model", "sklearn.ensemble.RandomForestClassifier", 7, "fit")
    assert set(model.inputs) == {"age", "income"} and model.targets == ("churned",)
    assert model.feature_lists == ("m.FEATURES",)
    assert model.input_sources[0].value == "data/raw/t.csv"
    assert PredictionOutput(OutputKind.COLUMN, "p") in model.outputs
    assert model.output_artifacts[0].value == "out/scores.csv"
    assert model.artifact.value == "models/rf.joblib"


def test_scalers_and_splitters_are_not_models_but_unknown_estimators_with_x_and_y_are():
    facts = facts_of("""
        from sklearn.preprocessing import StandardScaler
        from sklearn.model_selection import KFold
        def train(est, X, y):
            StandardScaler().fit(X)
            KFold(5).split(X)
            est.fit(X, y)
    """)
    assert [(m.name, m.line) for m in facts.models] == [("est", 6)]


def test_training_apis_xgboost_trainer_torch_loop_and_out_of_fold_predictions():
    facts = facts_of("""
        import numpy as np
        import torch
        import xgboost as xgb
        from sklearn.linear_model import Ridge
        from sklearn.model_selection import cross_val_predict
        from transformers import Trainer
        booster = xgb.train({}, dtrain)
        trainer = Trainer(model=bert, train_dataset=ds)
        trainer.train()
        net = Net()
        opt = torch.optim.Adam(net.parameters())
        for x, y in loader:
            loss = loss_fn(net(x), y)
            loss.backward()
        ridge = Ridge()
        oof = cross_val_predict(ridge, X, y, cv=5)
        np.save("oof/ridge.npy", oof)
    """)
    models = {m.name: m for m in facts.models}
    assert models["booster"].api == "xgboost.train" and models["booster"].line == 7
    assert models["trainer"].api == "transformers.Trainer" and models["trainer"].line == 9
    assert models["net"].api == "torch.training-loop" and models["net"].line == 14
    assert models["ridge"].output_artifacts[0].value == "oof/ridge.npy"


def test_predictions_of_one_model_among_the_inputs_of_another_in_the_same_file():
    facts = facts_of("""
        import pandas as pd
        from sklearn.linear_model import Ridge
        df = pd.read_csv("data/raw/t.csv")
        first = Ridge().fit(df[["a"]], df["y"])
        df["first_pred"] = first.predict(df[["a"]])
        second = Ridge()
        second.fit(df[["first_pred", "b"]], df["y"])
        third = Ridge()
        third.fit(df[["b"]], df["y"])
    """)
    models = {m.name: m for m in facts.models}
    assert models["second"].input_models == (ModelRef("first", "<module>"),)
    assert models["third"].input_models == (), "a model not given the prediction column is not in the cascade"


# -- components and the graph ------------------------------------------------------------------------
@pytest.mark.parametrize("path, expected", [
    ("train.py", ROOT_COMPONENT), ("churn/train.py", "churn"), ("churn/models/gbm.py", "churn"),
    ("src/fraud/train.py", "src/fraud"), ("jobs/churn_daily.py", "jobs"),
])
def test_default_components_are_top_level_directories(path, expected):
    assert component_of(path, {}) == expected


def test_configured_components_take_precedence():
    configured = {"churn": ["jobs/churn_*.py", "churn/**"]}
    assert component_of("jobs/churn_daily.py", configured) == "churn"
    assert component_of("jobs/other.py", configured) == "jobs"


FOUR_TEAMS = {
    "shared/__init__.py": "",
    "shared/cols.py": 'FEATURES = ["age", "income"]\n',
    "churn/__init__.py": "",
    "churn/train.py": """
        import pandas as pd
        from sklearn.linear_model import LogisticRegression
        from shared.cols import FEATURES
        df = pd.read_parquet("data/customers.parquet")
        model = LogisticRegression().fit(df[FEATURES], df["churned"])
        df["churn_p"] = model.predict_proba(df[FEATURES])[:, 1]
        df[["customer_id", "churn_p"]].to_csv("data/churn_scores.csv")
    """,
    "churn/report.py": """
        import pandas as pd
        df = pd.read_parquet("data/customers.parquet")
        df[["age", "income"]].describe().to_csv("reports/churn.csv")
    """,
    "credit/__init__.py": "",
    "credit/train.py": """
        import pandas as pd
        from sklearn.ensemble import RandomForestClassifier
        from shared import cols
        df = pd.read_parquet("data/customers.parquet")
        clf = RandomForestClassifier()
        clf.fit(df[cols.FEATURES], df["defaulted"])
    """,
    "ads/__init__.py": "",
    "ads/bid.py": """
        import pandas as pd
        from sklearn.linear_model import Ridge
        scores = pd.read_csv("data/churn_scores.csv")
        bids = pd.read_csv("data/raw/bids.csv").merge(scores, on="customer_id")
        bidder = Ridge()
        bidder.fit(bids[["churn_p", "price"]], bids["won"])
    """,
}


def test_graph_has_components_models_and_the_signals_between_them():
    _, project = project_of(FOUR_TEAMS)
    graph = project.graph
    kinds = {n: d["kind"] for n, d in graph.nodes(data=True)}
    assert {"component:churn", "component:credit", "component:ads", "component:shared"} <= set(kinds)
    assert kinds["model:churn/train.py:5"] == "model" and kinds["model:credit/train.py:6"] == "model"
    edges = {(u, v, d["kind"]) for u, v, d in graph.edges(data=True)}
    assert ("component:churn", "module:churn/train.py", "contains") in edges
    assert ("signal:age@data/customers.parquet", "model:credit/train.py:6", "consumes") in edges
    assert ("artifact:data/customers.parquet", "signal:age@data/customers.parquet", "provides") in edges
    assert ("model:churn/train.py:5", "artifact:data/churn_scores.csv", "produces") in edges
    components = project.components
    assert components.disjoint("churn", "credit") and not components.disjoint("churn", "shared")
    exported = json.loads(to_json(project))
    assert {"component", "model", "signal"} <= {n["kind"] for n in exported["nodes"]}
    mermaid = to_mermaid(project)
    assert "churn/train.py" in mermaid and "consumes" in mermaid and "contains" in mermaid
    assert '[["component credit"]]' in mermaid and "model clf: RandomForestClassifier @ credit/train.py:6" in mermaid
    assert 'label="component churn", shape=folder' in to_dot(project)


def test_rules_on_four_teams():
    report, _ = project_of(FOUR_TEAMS)
    found = {(f.code, f.path, f.line) for f in report.findings if f.code.startswith("DS3")}
    assert found == {
        ("DS301", "churn/train.py", 5), ("DS301", "credit/train.py", 6),   # age/income of customers.parquet
        ("DS304", "churn/train.py", 5), ("DS304", "credit/train.py", 6),   # shared.cols.FEATURES
        ("DS302", "ads/bid.py", 6),                                          # trained on churn_p
        ("DS303", "ads/bid.py", 3),                                          # reads churn scores undeclared
    }
    ds301 = next(f for f in report.findings if f.code == "DS301" and f.path == "credit/train.py")
    assert "`age`, `income` of `data/customers.parquet`" in ds301.message and "component `churn`" in ds301.message
    # churn/report.py describes the same columns into a report: not a model input, not a related consumption
    assert [(r.path, r.line) for r in ds301.related] == [("churn/train.py", 5)]
    ds301 = next(f for f in report.findings if f.code == "DS301" and f.path == "churn/train.py")
    assert "consumed here as model inputs (component `churn`)" in ds301.message, "one finding per consuming module"
    ds302 = next(f for f in report.findings if f.code == "DS302")
    assert "`churn_p`" in ds302.message and "churn/train.py:5" in ds302.message


def test_declaring_the_dependency_or_one_component_silences_the_rules():
    files = dict(FOUR_TEAMS)
    files["ads/bid.py"] = "from churn import train\n" + textwrap.dedent(files["ads/bid.py"]).lstrip("\n")
    report, _ = project_of(files, {"components": {"models": ["churn/**", "credit/**"]}})
    found = {(f.code, f.path) for f in report.findings if f.code.startswith("DS3")}
    assert found == {("DS302", "ads/bid.py")}, "one component 'models' and a declared import leave the cascade"


def test_ubiquitous_keys_are_configurable():
    files = {
        "a/train.py": """
            import pandas as pd
            from sklearn.linear_model import Ridge
            df = pd.read_csv("data/t.csv")
            Ridge().fit(df[["session_length"]], df["y"])
        """,
        "b/train.py": """
            import pandas as pd
            from sklearn.linear_model import Ridge
            df = pd.read_csv("data/t.csv")
            Ridge().fit(df[["session_length"]], df["z"])
        """,
    }
    report, _ = project_of(files)
    assert locations(report.findings, "DS301") == [("a/train.py", 4), ("b/train.py", 4)]
    report, _ = project_of(files, {"rules": {"DS301": {"ignore": ["session_*"]}}})
    assert locations(report.findings, "DS301") == []


def test_signals_from_different_tables_or_unknown_sources_are_not_shared():
    report = scan_sources({
        "a/train.py": """
            import pandas as pd
            from sklearn.linear_model import Ridge
            df = pd.read_csv("data/a.csv")
            Ridge().fit(df[["score"]], df["y"])
        """,
        "b/train.py": """
            import pandas as pd
            from sklearn.linear_model import Ridge
            df = pd.read_csv("data/b.csv")
            Ridge().fit(df[["score"]], df["y"])
        """,
        "c/train.py": """
            from sklearn.linear_model import Ridge
            def fit(df):
                return Ridge().fit(df[["score"]], df["y"])
        """,
    })
    assert locations(report.findings, "DS301") == []


def test_metrics_signals_in_the_json_report_match_the_schema():
    report, _ = project_of(FOUR_TEAMS)
    data = json.loads(json.dumps(report.to_json())) if hasattr(report, "to_json") else None
    if data is None:
        from debtscan.report.json_format import render
        data = json.loads(render(report))
    jsonschema.Draft202012Validator(schema()).validate(data)
    signals = data["metrics"]["signals"]
    assert signals["models"] == 3 and signals["components"] == 4
    assert signals["shared_signals"] == 2 and signals["cascades"] == 1
    assert signals["by_component"]["credit"] == {"modules": 2, "models": 1, "signals": 3}


def test_predictions_turned_into_features_in_another_file_still_make_a_cascade():
    report = scan_sources({
        "impute/train_imputer.py": """
            import lightgbm as lgb
            import pandas as pd
            prev = pd.read_csv("data/prev.csv")
            imputer = lgb.LGBMRegressor().fit(prev[["amount", "days"]], prev["rate"])
            prev["rate_pred"] = imputer.predict(prev[["amount", "days"]])
            prev[["loan_id", "rate_pred"]].to_feather("work/rate_pred.f")
        """,
        "main/features_rate.py": """
            import pandas as pd
            train = pd.read_feather("work/train_base.f")
            pred = pd.read_feather("work/rate_pred.f")
            train["rate_pred_mean"] = pred.groupby("loan_id").rate_pred.mean()
            train.to_feather("work/features_rate.f")
        """,
        "main/train.py": """
            import lightgbm as lgb
            import pandas as pd
            X = pd.read_feather("work/features_rate.f")
            model = lgb.LGBMClassifier()
            model.fit(X[["rate_pred_mean", "income"]], X["default"])
        """,
    }, select=["DS302", "DS303"])
    found = {(f.code, f.path, f.line) for f in report.findings}
    assert found == {("DS302", "main/train.py", 5), ("DS303", "main/features_rate.py", 3)}
    ds302 = next(f for f in report.findings if f.code == "DS302")
    assert "`work/rate_pred.f`" in ds302.message and "`work/features_rate.f`" in ds302.message


def test_columns_used_in_a_local_function_come_from_the_frame_passed_to_it():
    _, project = project_of({
        "taxi/train.py": """
            import pandas as pd
            from sklearn.linear_model import LinearRegression
            def prepare(df):
                return df[["PULocationID", "trip_distance"]].to_dict(orient="records")
            trips = pd.read_parquet("data/trips.parquet")
            rows = prepare(trips)
        """,
    })
    sources = {(c.name, c.sources) for c in project.signals.consumptions}
    assert ("trip_distance", ("data/trips.parquet",)) in sources
