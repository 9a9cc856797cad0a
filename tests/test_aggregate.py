"""`debtscan aggregate`: reports written independently (separate `debtscan scan` processes, as CI matrix jobs
write them) in one summary with a row per repository and totals; and the README's Dask recipe."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from conftest import validate_report
from debtscan.aggregate import aggregate
from debtscan.cli import main
from debtscan.report.aggregate_formats import aggregate_schema, render_csv, render_html, render_markdown

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
REPOS = {"shop": "demo", "service": "glue-service", "clean": "clean-control"}


def scan_in_own_process(source: Path, output: Path) -> dict:
    subprocess.run([sys.executable, "-m", "debtscan", "scan", str(source), "--format", "json", "-o", str(output),
                    "--exit-zero", "--no-cache"], check=True, capture_output=True)
    return validate_report(output.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Three fixture repositories copied under their repository names, each scanned by its own process."""
    base = tmp_path_factory.mktemp("org")
    out = {}
    for name, fixture in REPOS.items():
        shutil.copytree(FIXTURES / fixture, base / "checkouts" / name)
        path = base / "reports" / f"{name}.json"
        path.parent.mkdir(exist_ok=True)
        out[name] = (path, scan_in_own_process(base / "checkouts" / name, path))
    return out


def test_one_row_per_repository_with_its_report_summary_and_headline_metrics(reports):
    result = aggregate([str(path) for path, _ in reports.values()]).to_json()
    assert [r["name"] for r in result["repositories"]] == ["shop", "service", "clean"]
    for row, (path, report) in zip(result["repositories"], reports.values()):
        summary = report["summary"]
        assert row["report"] == str(path) and row["root"] == report["root"]
        for key in ("files_scanned", "files_with_errors", "findings", "suppressed", "by_category", "by_severity",
                    "by_rule"):
            assert row[key] == summary[key], key
        metrics = report["metrics"]
        assert row["metrics"]["glue_code_ratio"] == metrics["glue_code_ratio"]
        assert row["metrics"]["code_lines"] == metrics["composition"]["repo"]["code_lines"]
        assert row["metrics"]["glue_lines"] == metrics["composition"]["repo"]["lines"]["glue"]
        assert row["metrics"]["handoffs"] == metrics["pipeline"]["handoffs"]
        assert row["metrics"]["longest_chain"] == metrics["pipeline"]["longest_chain"]["length"]
        assert row["metrics"]["cascades"] == metrics["signals"]["cascades"]
    # The demo has hand-offs and a cascade, the glue service glue, the control nothing.
    shop, service, clean = result["repositories"]
    assert shop["by_category"]["pipeline-jungle"] > 0 and shop["metrics"]["cascades"] == 1
    assert service["by_category"].get("glue-code", 0) > 0
    assert clean["findings"] == 0


def test_totals_add_up_and_shares_are_weighted_by_code_lines(reports):
    result = aggregate([str(path) for path, _ in reports.values()]).to_json()
    totals, rows = result["totals"], result["repositories"]
    assert totals["repositories"] == 3
    assert totals["findings"] == sum(r["summary"]["findings"] for _, r in reports.values())
    assert totals["files_scanned"] == sum(r["summary"]["files_scanned"] for _, r in reports.values())
    rules = {}
    for _, report in reports.values():
        for code, count in report["summary"]["by_rule"].items():
            rules[code] = rules.get(code, 0) + count
    assert totals["by_rule"] == dict(sorted(rules.items()))
    code = sum(r["metrics"]["code_lines"] for r in rows)
    glue = sum(r["metrics"]["glue_lines"] for r in rows)
    assert totals["metrics"]["code_lines"] == code
    assert totals["metrics"]["glue_code_ratio"] == round(glue / code, 4)
    assert totals["metrics"]["glue_code_ratio"] != round(sum(r["metrics"]["glue_code_ratio"] for r in rows) / 3, 4)
    assert totals["metrics"]["longest_chain"] == max(r["metrics"]["longest_chain"] for r in rows)
    assert totals["metrics"]["handoffs"] == sum(r["metrics"]["handoffs"] for r in rows)


def test_the_json_validates_against_the_shipped_aggregate_schema(reports):
    schema = aggregate_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    data = json.loads(CliRunner().invoke(main, ["aggregate", *(str(p) for p, _ in reports.values())]).output)
    validator.validate(data)
    assert data["schema_version"] == "1.0" and data["tool"]["name"] == "debtscan"
    for broken in ({**data, "schema_version": "2.0"}, {**data, "totals": {**data["totals"], "findings": -1}},
                   {**data, "repositories": [{**data["repositories"][0], "extra": 1}]}):
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(broken)


def test_csv_markdown_and_html(reports):
    result = aggregate([str(path) for path, _ in reports.values()])
    rows = list(csv.DictReader(io.StringIO(render_csv(result))))
    assert [r["repository"] for r in rows] == ["shop", "service", "clean", "TOTAL"]
    assert int(rows[-1]["findings"]) == sum(int(r["findings"]) for r in rows[:-1])
    assert rows[-1]["rule:DS201"] == str(sum(int(r["rule:DS201"]) for r in rows[:-1]))
    markdown = render_markdown(result)
    assert re.search(r"^\| shop \| \d+ \|", markdown, re.M) and "| **TOTAL** |" in markdown
    assert "### Findings by rule" in markdown
    page = render_html(result)
    assert page.count("<svg") == 2 and "<script" not in page and "https://" not in page
    assert "<td><b>TOTAL</b></td>" in page


def test_repositories_are_named_by_argument_or_made_unique(reports):
    shop = str(reports["shop"][0])
    result = aggregate([f"storefront={shop}", shop, shop]).to_json()
    assert [r["name"] for r in result["repositories"]] == ["storefront", "shop", "shop (2)"]


def test_a_file_that_is_not_a_report_is_one_clear_error(tmp_path, reports):
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    result = CliRunner().invoke(main, ["aggregate", str(reports["shop"][0]), str(bad)])
    assert result.exit_code == 2 and "is not a debtscan JSON report" in result.output
    future = tmp_path / "future.json"
    future.write_text(json.dumps({**reports["shop"][1], "schema_version": "2.0"}), encoding="utf-8")
    result = CliRunner().invoke(main, ["aggregate", str(future)])
    assert result.exit_code == 2 and "schema_version 2.0" in result.output
    result = CliRunner().invoke(main, ["aggregate", str(tmp_path / "missing.json")])
    assert result.exit_code == 2 and "cannot read" in result.output


def _readme_recipe() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n(# recipe: dask\n.*?)```", text, re.S)
    assert match, "the README's Dask recipe"
    return match.group(1)


def test_the_readmes_dask_recipe_runs_as_written(tmp_path, reports, monkeypatch):
    for name in ("shop", "churn", "search"):
        shutil.copytree(FIXTURES / {"shop": "demo", "churn": "glue-service", "search": "clean-control"}[name],
                        tmp_path / "checkouts" / name)
    monkeypatch.chdir(tmp_path)
    exec(compile(_readme_recipe(), "README.md", "exec"), {"__name__": "recipe"})  # noqa: S102 - our own README
    written = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert written == ["churn.json", "search.json", "shop.json"]
    for path in (tmp_path / "reports").iterdir():
        validate_report(path.read_text(encoding="utf-8"))
    summary = (tmp_path / "organisation.md").read_text(encoding="utf-8")
    shop = json.loads((tmp_path / "reports" / "shop.json").read_text(encoding="utf-8"))
    assert shop["summary"]["findings"] == reports["shop"][1]["summary"]["findings"]  # same as a CLI scan
    assert "## debtscan: 3 repositories" in summary and "| shop |" in summary and "| churn |" in summary


def test_scan_to_report_writes_what_the_cli_writes(tmp_path, reports):
    from debtscan.batch import scan_to_report

    shutil.copytree(FIXTURES / "demo", tmp_path / "shop")
    out = scan_to_report(tmp_path / "shop", tmp_path / "out" / "shop.json", use_cache=False)
    data = validate_report(Path(out).read_text(encoding="utf-8"))
    expected = reports["shop"][1]
    assert [f["fingerprint"] for f in data["findings"]] == [f["fingerprint"] for f in expected["findings"]]
    assert not any(p.name.endswith(".part") for p in (tmp_path / "out").iterdir())
    assert os.path.basename(data["root"]) == "shop"
