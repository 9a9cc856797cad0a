"""External-world rules (DS4xx) on small ML repos: what is reported, where, with which message, and what not."""
import json
import tempfile
from pathlib import Path

from debtscan.report.baseline import apply_baseline, baseline_data
from dataclasses import replace

from debtscan.rules.findings import assign_fingerprints
from debtscan.testing import locations, scan_repo, write_repo


def scan(files, config=None, select=("DS4",)):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_repo(root, files)
        report, _ = scan_repo(root, config, select=list(select))
        return report


def found(files, code, config=None):
    return locations(scan(files, config, select=[code]).findings, code)


def notebook(*cells):
    return json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                                  "source": c} for c in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


FLASK_SCORER = """
    import joblib
    from flask import Flask, request, jsonify
    from service.scoring import score
    app = Flask(__name__)

    @app.post("/risk")
    def risk():
        return jsonify({"risk": score(request.get_json())})
    """
SCORING = """
    import joblib
    model = joblib.load("models/risk.pkl")

    def score(payload):
        value = model.predict_proba([payload["x"]])[0, 1]
        if value > 0.9:
            return "block"
        return "allow"
    """


# -- DS401 / DS402: thresholds --------------------------------------------------------------------------

def test_a_threshold_in_a_helper_reached_from_a_handler_is_reported_where_it_is_written():
    report = scan({"service/app.py": FLASK_SCORER, "service/scoring.py": SCORING, "service/__init__.py": ""},
                  select=["DS401"])
    assert locations(report.findings, "DS401") == [("service/scoring.py", 6)]
    message = report.findings[0].message
    assert "`value > 0.9`" in message and "`model` (loaded from `models/risk.pkl`)" in message
    assert "versioned configuration" in message and "calibration" in message


def test_thresholds_through_a_constant_a_prediction_column_and_a_comprehension():
    files = {"score.py": """
        import joblib
        import pandas as pd
        THRESHOLD = 0.65
        model = joblib.load("models/m.pkl")
        df = pd.read_parquet("data/raw/today.parquet")
        df["score"] = model.predict_proba(df[["a"]])[:, 1]
        df["flag"] = df["score"] > THRESHOLD
        labels = [1 if p > 0.4 else 0 for p in model.predict(df[["a"]])]
        """}
    report = scan(files, select=["DS401"])
    # one finding per function and model; the other threshold is a related place
    assert locations(report.findings, "DS401") == [("score.py", 7)]
    finding = report.findings[0]
    assert "`df[\"score\"] > THRESHOLD = 0.65`" in finding.message
    assert [(r.line, r.message) for r in finding.related] == [(8, "also `p > 0.4`"), (3, "`THRESHOLD` is set here")]


def test_thresholds_that_evaluate_a_model_where_it_is_trained_and_in_tests_are_not_reported():
    files = {
        "train.py": """
            import pandas as pd
            from sklearn.linear_model import LogisticRegression
            df = pd.read_csv("data/raw/train.csv")
            clf = LogisticRegression().fit(df[["a"]], df["y"])
            print(((clf.predict_proba(df[["a"]])[:, 1] > 0.5) == df["y"]).mean())
            """,
        "tests/test_score.py": SCORING,
    }
    assert found(files, "DS401") == [] and found(files, "DS402") == []


def test_the_same_models_threshold_in_a_notebook_and_in_code_is_one_scattered_threshold():
    files = {
        "train.py": """
            import joblib
            import pandas as pd
            from sklearn.ensemble import RandomForestClassifier
            df = pd.read_csv("data/raw/train.csv")
            rf = RandomForestClassifier().fit(df[["a", "b"]], df["y"])
            joblib.dump(rf, "models/rf.pkl")
            """,
        "tune.ipynb": notebook("import joblib\nrf = joblib.load('models/rf.pkl')\n",
                               "import pandas as pd\nval = pd.read_csv('data/raw/val.csv')\n"
                               "hits = rf.predict_proba(val[['a', 'b']])[:, 1] > 0.62\n"),
        "score.py": SCORING.replace("models/risk.pkl", "models/rf.pkl").replace("0.9", "0.62"),
    }
    report = scan(files, select=["DS401", "DS402"])
    assert locations(report.findings) == [("score.py", 6)]
    finding = report.findings[0]
    assert finding.code == "DS402"
    assert "written in 2 places (0.62 tuned in tune.ipynb and pasted into code)" in finding.message
    assert [(r.path, r.cell, r.line) for r in finding.related] == [("tune.ipynb", 1, 3)]


def test_ignore_values_accepts_a_teams_default_threshold():
    files = {"service/app.py": FLASK_SCORER, "service/scoring.py": SCORING, "service/__init__.py": ""}
    assert found(files, "DS401", {"rules": {"DS401": {"ignore-values": ["0.9"]}}}) == []


# -- DS403 / DS404: served predictions --------------------------------------------------------------------

def test_a_handler_reaching_predict_through_the_projects_functions_is_unvalidated_and_unmonitored():
    files = {"service/app.py": FLASK_SCORER, "service/scoring.py": SCORING, "service/__init__.py": ""}
    report = scan(files, select=["DS403", "DS404"])
    assert sorted((f.code, f.path, f.line) for f in report.findings) == [
        ("DS403", "service/app.py", 7), ("DS404", "service/app.py", 7)]
    by_code = {f.code: f for f in report.findings}
    assert by_code["DS403"].message.startswith("flask handler `risk` /risk serves predictions of model `model`")
    assert "(service/scoring.py:5)" in by_code["DS403"].message
    assert [(r.path, r.line) for r in by_code["DS403"].related] == [("service/scoring.py", 5)]


def test_checks_on_the_way_count_wherever_they_are_in_reach():
    checked = SCORING.replace("        value = model", "        assert set(payload) >= {'x'}, 'bad payload'\n        value = model")
    files = {"service/app.py": FLASK_SCORER, "service/scoring.py": checked, "service/__init__.py": ""}
    assert found(files, "DS403") == []
    assert scan(files).errors == []  # the sources parse: the check is seen, not a syntax error
    helper = SCORING.replace("        value = model", "        validate_payload(payload)\n        value = model") + \
        "\n    def validate_payload(payload):\n        return payload\n"
    files["service/scoring.py"] = helper
    assert found(files, "DS403") == []


def test_a_model_guard_is_not_an_input_check():
    guarded = SCORING.replace("        value = model", "        if model is None:\n            raise RuntimeError('no model')\n"
                                                        "        value = model")
    files = {"service/app.py": FLASK_SCORER, "service/scoring.py": guarded, "service/__init__.py": ""}
    assert found(files, "DS403") == [("service/app.py", 7)]


def test_typed_fastapi_parameters_are_validated_by_the_framework_a_raw_request_is_not():
    typed = """
        import joblib
        from fastapi import FastAPI
        app = FastAPI()
        model = joblib.load("models/m.pkl")

        @app.get("/score")
        def score(age: float, income: float):
            return {"score": float(model.predict([[age, income]])[0])}
        """
    assert found({"api.py": typed}, "DS403") == []
    raw = typed.replace("age: float, income: float", "request: Request").replace(
        "[[age, income]]", "[await_json(request)]").replace("from fastapi import FastAPI",
                                                           "from fastapi import FastAPI, Request")
    assert found({"api.py": raw}, "DS403") == [("api.py", 7)]


def test_teams_teach_their_own_checks_monitors_and_handlers():
    files = {"service/app.py": FLASK_SCORER.replace("return jsonify", "checks.conform(request)\n        audit.track(1)\n"
                                                                      "        return jsonify"),
             "service/scoring.py": SCORING, "service/__init__.py": ""}
    assert found(files, "DS403", {"rules": {"DS403": {"validators": ["?.conform"]}}}) == []
    assert found(files, "DS404", {"rules": {"DS404": {"monitors": ["?.track"]}}}) == []
    custom = {"serve.py": """
        import joblib
        from ourweb import endpoint
        model = joblib.load("models/m.pkl")

        @endpoint("/score")
        def score(row):
            return model.predict([row])
        """}
    assert found(custom, "DS403") == []
    assert found(custom, "DS403", {"rules": {"DS403": {"handler-decorators": ["ourweb.endpoint"]}}}) == [
        ("serve.py", 6)]


def test_a_batch_scorer_of_another_teams_export_is_unvalidated_a_checked_one_is_not():
    files = {"jobs/score.py": """
        import joblib
        import pandas as pd
        model = joblib.load("models/m.pkl")
        orders = pd.read_csv("data/exports/orders.csv")
        orders["score"] = model.predict(orders[["a", "b"]])
        orders.to_csv("data/scored/orders.csv")
        """}
    report = scan(files, select=["DS403", "DS404"])
    assert locations(report.findings) == [("jobs/score.py", 5)]
    assert "scores `data/exports/orders.csv` here, a file nothing in the repo produces" in report.findings[0].message
    checked = dict(files)
    checked["jobs/score.py"] = files["jobs/score.py"].replace(
        'orders["score"]', 'assert orders[["a", "b"]].notnull().all().all()\n        orders["score"]')
    assert found(checked, "DS403") == []


# -- DS405: feedback loops ----------------------------------------------------------------------------------

TRAIN = """
    import joblib
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    df = pd.read_csv("data/training.csv")
    model = LogisticRegression().fit(df[["a", "b"]], df["label"])
    joblib.dump(model, "models/model.pkl")
    """


def test_predictions_reaching_the_training_data_through_a_derived_file_are_a_loop():
    files = {
        "train.py": TRAIN,
        "score.py": """
            import joblib
            import pandas as pd
            model = joblib.load("models/model.pkl")
            df = pd.read_csv("data/raw/new.csv")
            df["label"] = model.predict(df[["a", "b"]])
            df.to_csv("data/scored.csv")
            """,
        "merge.py": """
            import pandas as pd
            scored = pd.read_csv("data/scored.csv")
            scored.to_csv("data/training.csv")
            """,
    }
    report = scan(files, select=["DS405"])
    assert locations(report.findings, "DS405") == [("score.py", 6)]
    message = report.findings[0].message
    assert "written to `data/scored.csv` here, and the model is trained on `data/training.csv`, derived from it " \
           "(`data/scored.csv` -> `data/training.csv`)" in message
    assert found(files, "DS405", {"rules": {"DS405": {"through-derived-files": False}}}) == []


# -- DS406: unstable data dependencies -----------------------------------------------------------------------

def test_an_unstable_input_is_reported_once_with_its_other_reads():
    files = {"a.py": "import pandas as pd\ndf = pd.read_csv('data/ext/prices.csv')\n",
             "b.py": "import pandas as pd\nx = pd.read_csv('data/ext/prices.csv')\ny = pd.read_csv('data/ext/prices.csv')\n"}
    report = scan(files, select=["DS406"])
    assert locations(report.findings, "DS406") == [("a.py", 2)]
    finding = report.findings[0]
    assert "(and in 2 other places)" in finding.message and finding.severity == "info"
    assert [(r.path, r.line) for r in finding.related] == [("b.py", 2), ("b.py", 3)]


def test_raw_competition_files_guarded_dead_pinned_and_dvc_tracked_reads_are_not_unstable():
    files = {
        "kaggle.py": "import pandas as pd\ntrain = pd.read_csv('data/train.csv')\n"
                     "test = pd.read_csv('input/home-credit/test.csv')\nsub = pd.read_csv('sample_submission.csv')\n",
        "guarded.py": "import os\nimport pandas as pd\n"
                      "if os.path.isfile('data/ext/a.csv'):\n    a = pd.read_csv('data/ext/a.csv')\n"
                      "try:\n    b = pd.read_csv('data/ext/b.csv')\nexcept FileNotFoundError:\n    b = None\n",
        "dead.py": "import sys\nimport pandas as pd\nsys.exit(0)\nc = pd.read_csv('data/ext/c.csv')\n",
        "pinned.py": "import pandas as pd\nd = pd.read_csv('data/ext/d_2024-01-31.csv')\ne = pd.read_csv('data/ext/v2/e.csv')\n",
        "tracked.py": "import pandas as pd\nf = pd.read_csv('data/ext/f.csv')\n",
        "home.py": "import pandas as pd\na = pd.read_csv('home_credit/application_train.csv')\n"
                   "b = pd.read_csv('home_credit/application_test.csv')\nc = pd.read_csv('home_credit/bureau.csv')\n",
        "placeholder.py": "import pandas as pd\nx = pd.read_json('file_path')\ny = open('client.properties').read()\n",
        "data/ext/f.csv.dvc": "outs:\n- md5: 0\n  path: f.csv\n",
        "hashed.py": "import hashlib\nimport pandas as pd\n"
                     "def load():\n    digest = hashlib.sha256(open('data/ext/g.csv', 'rb').read()).hexdigest()\n"
                     "    return pd.read_csv('data/ext/g.csv'), digest\n",
    }
    assert found(files, "DS406") == []
    assert found({"kaggle.py": "import pandas as pd\nx = pd.read_csv('data/processed/train.csv')\n"}, "DS406") == [
        ("kaggle.py", 2)]


def test_pinned_patterns_option_adds_a_teams_version_convention():
    files = {"a.py": "import pandas as pd\ndf = pd.read_csv('data/ext/prices.week42.csv')\n"}
    assert found(files, "DS406") == [("a.py", 2)]
    assert found(files, "DS406", {"rules": {"DS406": {"pinned-patterns": [r"\.week[0-9]+\."]}}}) == []


# -- DS207, the old code of DS406 ------------------------------------------------------------------------------

UNSTABLE = {"a.py": "import pandas as pd\ndf = pd.read_csv('data/processed/features.csv')\n"}


def test_selecting_ignoring_and_suppressing_ds207_name_ds406_with_a_notice():
    report = scan(UNSTABLE, select=["DS207"])
    assert [(f.code, f.path, f.line) for f in report.findings] == [("DS406", "a.py", 2)]
    notes = [e.message for e in report.errors if e.notice]
    assert notes == ["--select: `DS207` has been remapped to `DS406` (unstable-data-dependency); write `DS406` instead"]
    assert scan(UNSTABLE, {"ignore": ["DS207"]}, select=["DS406"]).findings == []
    assert scan(UNSTABLE, {"ignore": ["unproduced-read"]}, select=["DS406"]).findings == []
    suppressed = {"a.py": UNSTABLE["a.py"].replace(".csv')", ".csv')  # debtscan: ignore[DS207]")}
    report = scan(suppressed, select=["DS406", "DS001"])
    assert report.findings == [] and report.suppressed == 1
    assert any("a.py:2" in e.message and "`DS207` has been remapped to `DS406`" in e.message for e in report.errors)


def test_a_baseline_written_with_ds207_still_matches_the_moved_finding():
    report = scan(UNSTABLE, select=["DS406"])
    old = assign_fingerprints([replace(f, code="DS207", name="unproduced-read") for f in report.findings])
    baseline = baseline_data(old)
    kept = apply_baseline(report, baseline, ".debtscan-baseline.json")
    assert kept.findings == [] and kept.baseline["matched"] == 1 and kept.baseline["fixed"] == []


def test_a_service_predicting_on_its_own_stored_rows_is_not_serving_request_data():
    files = {"api.py": """
        import joblib
        import pandas as pd
        from flask import Flask, request, jsonify
        app = Flask(__name__)
        model = joblib.load("models/m.pkl")
        sample = pd.read_csv("data/raw/sample.csv")

        @app.route("/scores")
        def scores():
            row = sample.loc[int(request.args.get("index")), :]
            return jsonify({"score": float(model.predict_proba(row.values.reshape(1, -1))[0, 1])})
        """}
    assert found(files, "DS403") == []
    assert found(files, "DS404") == [("api.py", 9)]  # what it answers is still not recorded
