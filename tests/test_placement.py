"""A read or write is reported where its path is written down (issue 14): at a helper's line when the path is
fixed inside the helper, at the call when the caller supplies it; the other end of the hand-off and the
helper's callers are related places."""
from debtscan.testing import scan_repo, write_repo

SCORES = {
    "scoring/__init__.py": "",
    "scoring/train.py": """
        import pandas as pd
        from sklearn.linear_model import LogisticRegression
        frame = pd.read_parquet("data/raw/customers.parquet")
        model = LogisticRegression().fit(frame[["tenure", "spend"]], frame["churned"])
        frame["score"] = model.predict_proba(frame[["tenure", "spend"]])[:, 1]
        frame[["customer_id", "score"]].to_parquet("data/scores.parquet")
    """,
    "reporting/__init__.py": "",
    "reporting/assemble.py": """
        import pandas as pd
        PREDICTIONS = "data/scores.parquet"
        def assemble():
            scores = pd.read_parquet(PREDICTIONS)
            return scores.sort_values("score")
        def load(path):
            return pd.read_parquet(path)
        def load_scores():
            return load("data/scores.parquet")
    """,
}


def scan(tmp_path, files, select=("DS201", "DS303")):
    write_repo(tmp_path, files)
    report, _ = scan_repo(tmp_path, select=list(select))
    return report


def located(report, code):
    return sorted((f.path, f.line) for f in report.findings if f.code == code)


def related(report, code, path, line):
    finding = next(f for f in report.findings if (f.code, f.path, f.line) == (code, path, line))
    return sorted((r.path, r.line, r.message) for r in finding.related)


def test_a_parameterless_helpers_fixed_read_is_reported_once_at_the_helpers_line(tmp_path):
    report = scan(tmp_path, dict(SCORES, **{
        "reporting/daily.py": "from reporting.assemble import assemble\ntop = assemble().head(10)\n",
        "reporting/weekly.py": "from reporting.assemble import assemble\nweek = assemble()\n",
    }))
    # not once per caller (daily.py:2, weekly.py:2): once, where PREDICTIONS is read
    assert located(report, "DS201") == [("reporting/assemble.py", 4), ("scoring/train.py", 6)]
    assert located(report, "DS303") == [("reporting/assemble.py", 4)]
    assert related(report, "DS303", "reporting/assemble.py", 4) == [
        ("reporting/daily.py", 2, "calls `reporting.assemble.assemble`, which reads them"),
        ("reporting/weekly.py", 2, "calls `reporting.assemble.assemble`, which reads them"),
        ("scoring/train.py", 6, "predictions written to `data/scores.parquet`"),
    ]
    # the writer's other end is the helper's line, and both reading modules are counted
    write = next(f for f in report.findings if (f.code, f.path) == ("DS201", "scoring/train.py"))
    assert "read by 2 other module(s) (reporting/assemble.py:4)" in write.message
    assert [(r.path, r.line) for r in write.related] == [("reporting/assemble.py", 4)]


def test_a_path_the_caller_supplies_is_reported_at_the_call(tmp_path):
    report = scan(tmp_path, dict(SCORES, **{
        "reporting/audit.py": "from reporting.assemble import load\naudit = load('data/scores.parquet')\n",
    }))
    assert located(report, "DS303") == [("reporting/audit.py", 2)]
    assert ("reporting/audit.py", 2) in located(report, "DS201")
    assert related(report, "DS201", "reporting/audit.py", 2) == [
        ("scoring/train.py", 6, "writes `data/scores.parquet`")]


def test_a_helper_of_a_helper_is_reported_where_the_literal_path_is_passed(tmp_path):
    report = scan(tmp_path, dict(SCORES, **{
        "reporting/weekly.py": "from reporting.assemble import load_scores\nrecent = load_scores()\n",
    }))
    # load_scores() passes the literal to load(path): the path is written down at assemble.py:9
    assert located(report, "DS303") == [("reporting/assemble.py", 9)]
    assert ("reporting/weekly.py", 2, "calls `reporting.assemble.load_scores`, which reads them") in \
        related(report, "DS303", "reporting/assemble.py", 9)


def test_a_helpers_fixed_write_is_reported_at_the_helper_with_its_caller_related(tmp_path):
    report = scan(tmp_path, {
        "prep/__init__.py": "",
        "prep/store.py": """
            CLEAN = "data/interim/clean.parquet"
            def save(frame):
                frame.to_parquet(CLEAN)
        """,
        "prep/clean.py": """
            import pandas as pd
            from prep.store import save
            save(pd.read_csv("data/raw/orders.csv").dropna())
        """,
        "train.py": "import pandas as pd\norders = pd.read_parquet('data/interim/clean.parquet')\n",
    }, select=("DS201",))
    assert located(report, "DS201") == [("prep/store.py", 3), ("train.py", 2)]
    assert related(report, "DS201", "prep/store.py", 3) == [
        ("prep/clean.py", 3, "calls `prep.store.save`"), ("train.py", 2, "reads `data/interim/clean.parquet`")]
    assert related(report, "DS201", "train.py", 2) == [("prep/store.py", 3, "writes `data/interim/clean.parquet`")]


def test_a_scripts_own_function_called_with_different_paths_stays_at_its_own_lines(tmp_path):
    report = scan(tmp_path, {
        "make.py": """
            import pandas as pd
            def window(t):
                pd.read_csv("data/raw/x.csv").to_csv(f"data/interim/w{t}.csv")
            window(3)
            window(5)
        """,
        "train.py": "import pandas as pd\na = pd.read_csv('data/interim/w3.csv')\nb = pd.read_csv('data/interim/w5.csv')\n",
    }, select=("DS201",))
    assert located(report, "DS201") == [("make.py", 3), ("train.py", 2), ("train.py", 3)]
