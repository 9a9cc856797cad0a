"""The JSON report is a contract (issue 2): it ships with a JSON Schema in the package, every report validates
against it (every fixture, every hostile input; conftest.py validates every report any test renders), and the
schema is strict enough to catch a broken report."""
import copy
import json
from pathlib import Path

import jsonschema
import pytest

from conftest import validate_report
from debtscan.config import load_config
from debtscan.engine import ScanOptions, scan
from debtscan.report import json_format
from debtscan.report.model import SCHEMA_VERSION

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REPOS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())


def render(repo):
    report, _ = scan(ScanOptions(root=repo, config=load_config(None, repo), jobs=1, use_cache=False))
    return json.loads(json_format.render(report))


@pytest.fixture(scope="module")
def demo():
    return render(FIXTURES / "demo")


def test_the_schema_ships_in_the_package_and_matches_the_report_version():
    schema = json_format.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"] == {"const": SCHEMA_VERSION}
    assert set(schema["required"]) == {"schema_version", "tool", "root", "config_file", "summary", "metrics",
                                       "findings", "errors"}


@pytest.mark.parametrize("repo", REPOS, ids=lambda p: p.name)
def test_the_report_of_every_fixture_validates(repo):
    data = validate_report(render(repo))
    assert list(data)[:8] == ["schema_version", "tool", "root", "config_file", "summary", "metrics", "findings",
                              "errors"]
    assert data["summary"]["findings"] == len(data["findings"])
    for finding in data["findings"]:
        assert "\\" not in finding["path"] and not finding["path"].startswith("/")


def test_a_notebook_finding_carries_its_cell_and_a_related_location(demo):
    cells = [f for f in demo["findings"] if f["cell"] is not None]
    assert cells and all(f["path"].endswith(".ipynb") for f in cells)
    assert any(f["related"] for f in demo["findings"])


def broken(report, change):
    data = copy.deepcopy(report)
    change(data)
    return data


@pytest.mark.parametrize("change", [
    lambda d: d.pop("summary"),
    lambda d: d.update(schema_version="2.0"),
    lambda d: d["summary"].update(findings=-1),
    lambda d: d["findings"][0].update(severity="fatal"),
    lambda d: d["findings"][0].update(line=0),
    lambda d: d["findings"][0].update(code="ds-201"),
    lambda d: d["findings"][0].update(fingerprint="xyz"),
    lambda d: d["findings"][0].pop("help"),
    lambda d: d["findings"][0].update(unexpected=True),
    lambda d: d["errors"].append({"path": "a.py"}),
    lambda d: d["tool"].update(name="other"),
], ids=["no-summary", "version", "negative-count", "severity", "line-0", "code", "fingerprint", "no-help",
        "extra-key", "error-without-message", "tool-name"])
def test_the_schema_rejects_a_broken_report(demo, change):
    assert demo["findings"]
    with pytest.raises(jsonschema.ValidationError):
        validate_report(broken(demo, change))
