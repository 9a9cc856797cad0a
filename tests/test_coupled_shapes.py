"""Coupled signals as monitoring and forecasting code writes them (issue 14, public evidence for DS302-DS304).

- An anomaly model's ``score_samples`` are its predictions, not a score of the model: the flags made of them
  and written to a file are the model's outputs.
- ``root / "data"`` is a path (``Path.__truediv__``), and so is ``Path(__file__).resolve().parents[1]``:
  ``.glob("*.parquet")`` on either lists the files a loop then reads, and such a glob of known parts reads
  every file it matches, like ``glob("data/*.parquet")``.
- A frame written to a file named after one of its values (``key = frame["site"].iloc[0]``) is written whole.
- ``X, y = frame[cols], frame["label"]`` gives each target its own element: the label takes none of the
  features; ``cut = int(len(X) * 0.8)`` is a number of rows, none of the data.
- ``[c for c in FEATURES if c in frame.columns]`` selects through ``FEATURES``; a constant imported under two
  module names (``shared.cols`` and ``src.shared.cols``) is one list.
- A component that reads a file of another's model outputs for other columns only is no consumer of them.
"""
from debtscan.testing import locations, scan_sources

FOREST = """
    from pathlib import Path
    import pandas as pd
    from sklearn.ensemble import IsolationForest
    from shared.cols import SENSORS

    def flag(names):
        for name in names:
            table = pd.read_parquet(Path("input") / f"{name}.parquet")
            forest = IsolationForest().fit(table[SENSORS])
            table["flag"] = forest.score_samples(table[SENSORS]) < -0.5
            table.to_parquet(Path("work/flags") / f"{name}.parquet")
"""

SHARED = {"shared/__init__.py": "", "shared/cols.py": 'SENSORS = ["heat", "noise"]\n'}


def test_a_model_trained_on_an_anomaly_models_flags_is_a_correction_cascade():
    report = scan_sources({**SHARED, "detect/forest.py": FOREST, "forecast/train.py": """
        from pathlib import Path
        import pandas as pd
        from sklearn.linear_model import LogisticRegression
        DATA = Path("work") / "flags"
        frames = [pd.read_parquet(path) for path in sorted(DATA.glob("*.parquet"))]
        table = pd.concat(frames)
        LogisticRegression().fit(table[["heat", "flag"]], table["failed"])
    """}, select=["DS302", "DS303"])
    assert locations(report.findings, "DS302") == [("forecast/train.py", 7)]
    assert locations(report.findings, "DS303") == [("forecast/train.py", 5)]


def test_a_glob_of_the_project_root_reads_every_file_it_matches():
    report = scan_sources({**SHARED, "detect/forest.py": FOREST, "forecast/train.py": """
        from pathlib import Path
        import pandas as pd
        from sklearn.linear_model import LogisticRegression
        ROOT = Path(__file__).resolve().parents[1]
        def load():
            return pd.concat([pd.read_parquet(p) for p in sorted((ROOT / "work" / "flags").glob("*.parquet"))])
        table = load()
        LogisticRegression().fit(table[["heat", "flag"]], table["failed"])
    """}, select=["DS302"])
    assert locations(report.findings, "DS302") == [("forecast/train.py", 8)]


def test_a_frame_written_to_a_file_named_after_its_own_value_is_written_whole():
    report = scan_sources({**SHARED, "detect/forest.py": """
        from pathlib import Path
        import pandas as pd
        from sklearn.ensemble import IsolationForest
        from shared.cols import SENSORS
        forest = IsolationForest().fit(pd.read_parquet("input/all.parquet")[SENSORS])
        for n in ["a", "b"]:
            table = pd.read_parquet(Path("input") / f"{n}.parquet")
            site = table["site"].iloc[0]
            table["flag"] = forest.score_samples(table[SENSORS]) < -0.5
            table.to_parquet(Path("work/flags") / f"{site}.parquet")
    """, "forecast/train.py": """
        import pandas as pd
        from sklearn.linear_model import LogisticRegression
        table = pd.read_parquet("work/flags/a.parquet")
        LogisticRegression().fit(table[["heat", "flag"]], table["failed"])
    """}, select=["DS302"])
    assert locations(report.findings, "DS302") == [("forecast/train.py", 4)]


def test_the_label_of_a_paired_split_takes_none_of_the_features():
    report = scan_sources({**SHARED, "detect/forest.py": FOREST, "forecast/train.py": """
        import pandas as pd
        from sklearn.ensemble import RandomForestClassifier
        frame = pd.read_parquet("work/flags/a.parquet")
        X, y = frame[["heat", "flag"]], frame["failed"]
        cut = int(len(X) * 0.8)
        X_train, y_train = X[:cut], y[:cut]
        RandomForestClassifier().fit(X_train, y_train)
    """}, select=["DS302"])
    assert locations(report.findings, "DS302") == [("forecast/train.py", 7)]
    assert "is trained on `flag`" in report.findings[0].message  # the features, not the label, hold the flag


def test_a_comprehension_keeping_the_columns_a_frame_has_selects_through_the_feature_list():
    keeping = """
        import pandas as pd
        from sklearn.linear_model import Ridge
        from shared.cols import SENSORS
        frame = pd.read_parquet("input/readings.parquet")
        present = [c for c in SENSORS if c in frame.columns]
        Ridge().fit(frame[present], frame["load"])
    """
    report = scan_sources({**SHARED, "plant/train.py": keeping, "grid/train.py": keeping}, select=["DS304"])
    assert locations(report.findings, "DS304") == [("grid/train.py", 6), ("plant/train.py", 6)]


def test_a_comprehension_dropping_names_selects_the_list_less_them():
    report = scan_sources({**SHARED, "detect/forest.py": FOREST, "forecast/train.py": """
        import pandas as pd
        from sklearn.linear_model import LogisticRegression
        COLUMNS = ["heat", "noise", "flag"]
        table = pd.read_parquet("work/flags/a.parquet")
        LogisticRegression().fit(table[[c for c in COLUMNS if c not in ["flag"]]], table["failed"])
    """}, select=["DS302"])
    assert report.findings == []  # trained on heat and noise: none of the forest's flags


def test_one_constant_imported_under_two_module_names_is_one_list():
    report = scan_sources({
        "src/shared/__init__.py": "", "src/shared/cols.py": 'SENSORS = ["heat", "noise"]\n',
        "src/plant/__init__.py": "", "src/grid/__init__.py": "",
        "src/plant/train.py": """
            import pandas as pd
            from sklearn.linear_model import Ridge
            from shared.cols import SENSORS
            frame = pd.read_parquet("input/readings.parquet")
            Ridge().fit(frame[SENSORS], frame["load"])
        """,
        "src/grid/train.py": """
            import pandas as pd
            from sklearn.linear_model import Lasso
            from src.shared.cols import SENSORS
            frame = pd.read_parquet("input/readings.parquet")
            Lasso().fit(frame[SENSORS], frame["load"])
        """,
    }, select=["DS304"])
    assert locations(report.findings, "DS304") == [("src/grid/train.py", 5), ("src/plant/train.py", 5)]


def test_a_reader_of_other_columns_of_a_model_output_file_is_no_consumer_of_the_model():
    report = scan_sources({**SHARED, "detect/forest.py": FOREST, "report/uptime.py": """
        import pandas as pd
        times = pd.read_parquet("work/flags/a.parquet")[["site", "reading_time"]]
        times.to_csv("work/uptime.csv")
    """, "alerts/notify.py": """
        import pandas as pd
        table = pd.read_parquet("work/flags/a.parquet")
        print(table[table["flag"]])
    """}, select=["DS303"])
    assert locations(report.findings, "DS303") == [("alerts/notify.py", 2)]


def test_a_list_filtered_from_itself_leaves_the_file_analysed():
    report = scan_sources({"train.py": """
        import pandas as pd
        from sklearn.linear_model import Ridge
        cols = ["heat", "noise"]
        cols = [c for c in cols if c != "noise"]
        cols = [c for c in cols if c]
        frame = pd.read_parquet("input/readings.parquet")
        Ridge().fit(frame[cols], frame["load"])
    """})
    assert report.errors == []


def test_a_model_adding_its_flag_to_the_file_it_trains_from_on_other_columns_is_no_feedback_loop():
    flagged_in_place = """
        import pandas as pd
        from sklearn.ensemble import IsolationForest
        table = pd.read_parquet("work/sites/a.parquet")
        forest = IsolationForest().fit(table[["heat", "noise"]])
        table["flag"] = forest.score_samples(table[["heat", "noise"]]) < -0.5
        table.to_parquet("work/sites/a.parquet")
    """
    assert scan_sources({"detect.py": flagged_in_place}, select=["DS405"]).findings == []
    trained_on_its_flag = flagged_in_place.replace('fit(table[["heat", "noise"]])', 'fit(table[["heat", "flag"]])')
    assert locations(scan_sources({"detect.py": trained_on_its_flag}, select=["DS405"]).findings) == \
        [("detect.py", 6)]
