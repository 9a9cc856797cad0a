"""Baselines (accept today's debt, fail on new debt, ratchet down) and report diffs, through the CLI."""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from debtscan.report.baseline import apply_baseline, baseline_data, load_baseline
from debtscan.cli import main
from debtscan.report.diff import diff_reports, flatten_metrics
from debtscan.report.json_format import schema
from debtscan.report.model import Finding, Report
from debtscan.rules.registry import load_rules
from debtscan.testing import scan_repo, write_repo

PIPELINE = {
    "prepare.py": """
        import pandas as pd

        df = pd.read_csv("data/raw/customers.csv")
        df.dropna().to_parquet("data/interim/customers.parquet")
    """,
    "features.py": """
        import pandas as pd

        df = pd.read_parquet("data/interim/customers.parquet")
        df.to_csv("data/interim/features.csv")
    """,
    "train.py": """
        import pandas as pd

        X = pd.read_csv("data/interim/features.csv")
    """,
}


def cli(*args: str, cwd: Path):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def scan_json(root: Path, *extra: str) -> dict:
    result = cli("scan", ".", "--format", "json", "--no-cache", "--select", "DS2", *extra, cwd=root)
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    jsonschema.Draft202012Validator(schema()).validate(data)
    return data


@pytest.fixture
def project(tmp_path):
    write_repo(tmp_path, PIPELINE)
    return tmp_path


def test_baseline_records_fingerprints_with_counts(project):
    result = cli("baseline", ".", "-o", ".debtscan-baseline.json", "--no-cache", "--select", "DS2", cwd=project)
    assert result.exit_code == 0, result.output
    data = json.loads((project / ".debtscan-baseline.json").read_text(encoding="utf-8"))
    assert data["debtscan_baseline"] == 1
    report = scan_json(project)
    assert set(data["findings"]) == {f["fingerprint"] for f in report["findings"]}
    assert all(entry["count"] == 1 for entry in data["findings"].values())
    assert sorted((e["path"], e["code"]) for e in data["findings"].values()) == [
        ("features.py", "DS201"), ("features.py", "DS201"), ("prepare.py", "DS201"), ("train.py", "DS201")]


def test_scan_with_baseline_reports_nothing_until_new_debt_appears(project):
    cli("baseline", ".", "--no-cache", "--select", "DS2", cwd=project)
    clean = cli("scan", ".", "--baseline", ".debtscan-baseline.json", "--no-cache", "--select", "DS2", cwd=project)
    assert clean.exit_code == 0, clean.output
    assert "4 known findings not shown, 0 new" in clean.output

    # New debt: evaluate.py also reads features.csv - one more end of a hand-off.
    write_repo(project, {"evaluate.py": """
        import pandas as pd

        X = pd.read_csv("data/interim/features.csv")
    """})
    report = scan_json(project, "--baseline", ".debtscan-baseline.json")
    assert [(f["path"], f["line"]) for f in report["findings"]] == [("evaluate.py", 3)]
    assert report["baseline"]["matched"] == 4 and report["baseline"]["new"] == 1
    assert report["summary"]["findings"] == 1
    failing = cli("scan", ".", "--baseline", ".debtscan-baseline.json", "--no-cache", "--select", "DS2", cwd=project)
    assert failing.exit_code == 1
    assert "evaluate.py" in failing.output and "prepare.py" not in failing.output.split("Baseline")[0]


def test_baseline_survives_lines_added_above_the_findings(project):
    cli("baseline", ".", "--no-cache", "--select", "DS2", cwd=project)
    for path in ("prepare.py", "features.py", "train.py"):
        source = (project / path).read_text(encoding="utf-8")
        (project / path).write_text('"""Docs added later."""\nimport os\n\n\nSEED = 3\n' + source, encoding="utf-8")
    report = scan_json(project, "--baseline", ".debtscan-baseline.json")
    assert report["findings"] == []
    assert report["baseline"]["matched"] == 4 and report["baseline"]["fixed"] == []
    moved = scan_json(project)
    assert sorted(f["line"] for f in moved["findings"]) == [8, 8, 9, 9]  # the lines did move


def test_baseline_lists_entries_that_no_longer_occur(project):
    cli("baseline", ".", "--no-cache", "--select", "DS2", cwd=project)
    (project / "train.py").write_text('import pandas as pd\n\nX = pd.read_csv("data/raw/customers.csv")\n',
                                      encoding="utf-8")
    report = scan_json(project, "--baseline", ".debtscan-baseline.json")
    assert report["findings"] == []
    fixed = report["baseline"]["fixed"]
    assert sorted((e["path"], e["code"]) for e in fixed) == [("features.py", "DS201"), ("train.py", "DS201")]
    assert report["baseline"]["fixed_count"] == 2
    assert all("features.csv" in e["message"] for e in fixed)
    console = cli("scan", ".", "--baseline", ".debtscan-baseline.json", "--no-cache", "--select", "DS2", cwd=project)
    assert "2 baseline findings no longer occur;" in console.output
    # Ratchet down: regenerate, and the baseline shrinks.
    cli("baseline", ".", "--no-cache", "--select", "DS2", cwd=project)
    assert len(load_baseline(str(project / ".debtscan-baseline.json"))["findings"]) == 2


def test_baseline_with_file_arguments_lists_only_gone_entries_of_those_files(project):
    cli("baseline", ".", "--no-cache", "--select", "DS2", cwd=project)
    (project / "train.py").write_text('import pandas as pd\n\nX = pd.read_csv("data/raw/customers.csv")\n',
                                      encoding="utf-8")
    result = cli("scan", "train.py", "--baseline", ".debtscan-baseline.json", "--format", "json", "--no-cache",
                 "--select", "DS2", cwd=project)
    data = json.loads(result.stdout)
    # pre-commit passed only train.py: features.py's gone entry is not known from here
    assert [(e["path"]) for e in data["baseline"]["fixed"]] == ["train.py"]


def test_counts_per_fingerprint_are_a_multiset():
    def finding(fingerprint, line):
        return Finding("DS201", "intermediate-file-handoff", "pipeline-jungle", "warning", "m", "a.py", line,
                       fingerprint=fingerprint)

    baseline = baseline_data([finding("a" * 20, 1), finding("a" * 20, 2), finding("b" * 20, 3)])
    assert {k: v["count"] for k, v in baseline["findings"].items()} == {"a" * 20: 2, "b" * 20: 1}
    report = Report(root="/r", config_file=None, files_scanned=1,
                    findings=[finding("a" * 20, 1), finding("a" * 20, 5), finding("a" * 20, 9), finding("c" * 20, 4)])
    apply_baseline(report, baseline, "b.json")
    assert [(f.fingerprint[0], f.line) for f in report.findings] == [("a", 9), ("c", 4)]
    assert report.baseline["matched"] == 2 and report.baseline["fixed_count"] == 1
    assert [e["fingerprint"] for e in report.baseline["fixed"]] == ["b" * 20]


def test_bad_baseline_file_is_a_usage_error(project):
    (project / "bad.json").write_text('{"findings": []}', encoding="utf-8")
    result = cli("scan", ".", "--baseline", "bad.json", "--no-cache", cwd=project)
    assert result.exit_code == 2 and "not a debtscan baseline" in result.output
    missing = cli("scan", ".", "--baseline", "missing.json", "--no-cache", cwd=project)
    assert missing.exit_code == 2 and "cannot read baseline" in missing.output


def test_file_argument_scan_gives_the_same_fingerprints_as_a_full_scan(project):
    full = {(f["path"], f["line"]): f["fingerprint"] for f in scan_json(project)["findings"]}
    result = cli("scan", "train.py", "--format", "json", "--no-cache", "--select", "DS2", cwd=project)
    partial = {(f["path"], f["line"]): f["fingerprint"] for f in json.loads(result.stdout)["findings"]}
    assert set(partial) == {("train.py", 3)}  # train.py's own findings; the writer it reads is context
    assert all(full[key] == value for key, value in partial.items())


def _prepend(files, header):
    return {path: header + source if path.endswith(".py") else source for path, source in files.items()}


def test_every_rule_fingerprint_is_stable_when_lines_are_added_above(tmp_path):
    """Baselines must not rot: for every built-in rule's INVALID examples, adding lines at the top of every
    file moves the findings but keeps their fingerprints."""
    rules = load_rules().rules
    checked = 0
    for code, rule in sorted(rules.items()):
        for index, example in enumerate(rule.INVALID):
            sources = example.sources()
            config = {"rules": {code: dict(example.options)}} if example.options else None
            before_root, after_root = tmp_path / f"{code}-{index}-a", tmp_path / f"{code}-{index}-b"
            write_repo(before_root, sources)
            write_repo(after_root, _prepend(sources, "# a comment added later\n\n\n"))
            before, _ = scan_repo(before_root, config, select=[code])
            after, _ = scan_repo(after_root, config, select=[code])
            old = Counter(f.fingerprint for f in before.findings if f.code == code)
            new = Counter(f.fingerprint for f in after.findings if f.code == code)
            assert old == new, f"{code} INVALID[{index}]: fingerprints changed when lines moved"
            checked += 1
    assert checked >= 1


# --- diffs ---------------------------------------------------------------------------------------------

def test_diff_round_trip_of_identical_reports_is_empty(project):
    report = scan_json(project)
    result = diff_reports(report, report)
    assert result["counts"] == {"new": 0, "fixed": 0, "unchanged": 4}
    assert result["metrics"] and all(m["change"] in (0, None) and not m["changed"] for m in result["metrics"])


def test_diff_names_new_and_fixed_findings_and_metric_changes(project, tmp_path):
    old = scan_json(project)
    (project / "old.json").write_text(json.dumps(old), encoding="utf-8")
    # train.py stops reading features.csv; evaluate.py starts reading prepare.py's parquet
    (project / "train.py").write_text('import pandas as pd\n\nX = pd.read_csv("data/raw/customers.csv")\n',
                                      encoding="utf-8")
    write_repo(project, {"evaluate.py": """
        import pandas as pd

        X = pd.read_parquet("data/interim/customers.parquet")
    """})
    new = scan_json(project)
    (project / "new.json").write_text(json.dumps(new), encoding="utf-8")

    result = cli("diff", "old.json", "new.json", "--format", "json", cwd=project)
    assert result.exit_code == 0, result.output
    diff = json.loads(result.stdout)
    assert sorted((f["path"], f["line"]) for f in diff["new_findings"]) == [("evaluate.py", 3)]
    assert sorted((f["path"], f["line"]) for f in diff["fixed_findings"]) == [("features.py", 4), ("train.py", 3)]
    # prepare.py's writer keeps its fingerprint although its message now names evaluate.py
    assert diff["counts"] == {"new": 1, "fixed": 2, "unchanged": 2}
    metrics = {m["name"]: m for m in diff["metrics"]}
    assert set(metrics) >= {name for name, _ in flatten_metrics(new["metrics"])}  # every metric
    assert metrics["pipeline.handoffs"]["old"] == old["metrics"]["pipeline"]["handoffs"]
    assert metrics["pipeline.handoffs"]["change"] == (new["metrics"]["pipeline"]["handoffs"]
                                                      - old["metrics"]["pipeline"]["handoffs"]) == 0
    assert metrics["pipeline.intermediate_artifacts"]["change"] == -1  # features.csv is no longer handed off
    assert metrics["summary.findings"] == {"name": "summary.findings", "old": 4, "new": 3, "change": -1,
                                           "changed": True}

    markdown = cli("diff", "old.json", "new.json", "--format", "markdown", cwd=project)
    assert markdown.stdout.startswith("## debtscan diff: 1 new, 2 fixed, 2 unchanged")
    assert "| `pipeline.intermediate_artifacts` | 2 | 1 | -1 |" in markdown.stdout
    console = cli("diff", "old.json", "new.json", cwd=project)
    assert "evaluate.py:3" in console.output and "1 new, 2 fixed, 2 unchanged" in console.output
    gate = cli("diff", "old.json", "new.json", "--fail-on-new", cwd=project)
    assert gate.exit_code == 1


def test_diff_rejects_files_that_are_not_reports(project):
    (project / "a.json").write_text("[1, 2]", encoding="utf-8")
    result = cli("diff", "a.json", "a.json", cwd=project)
    assert result.exit_code == 2 and "not a debtscan JSON report" in result.output


@pytest.mark.parametrize("text, message", [
    ('{"debtscan_baseline": 1, "findings": {"ab12": {"count": true}}}', "needs a positive integer `count`, got true"),
    ('{"debtscan_baseline": 1, "findings": {"ab12": {"count": 0}}}', "outside 1..1,000,000"),
    ('{"debtscan_baseline": 1, "findings": {"ab12": {"count": 1e30}}}', "needs a positive integer `count`"),
    ('{"debtscan_baseline": 1, "findings": {"ab12": {"count": 10000000000000000000000000000}}}',
     "outside 1..1,000,000"),
    ('{"debtscan_baseline": 1, "findings": {"ab12": {"count": 1, "message": ["x"]}}}', "`message` that is not a string"),
    ("[" * 100000 + "]" * 100000, "nested too deeply"),
])
def test_a_damaged_baseline_is_refused_with_what_is_wrong(tmp_path, text, message):
    from debtscan.report.baseline import BaselineError, load_baseline

    path = tmp_path / "base.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BaselineError, match="base.json") as caught:
        load_baseline(str(path))
    assert message in str(caught.value)
