"""The glue-code fixtures: labelled composition ranges and labelled DS1xx findings.

Each fixture repo may hold ``expected-ratios.toml`` (``[repo]``, ``[files."path"]``, ``[packages.dir]``
tables of ``class = [low, high]``) and holds ``labels-glue-code.toml`` (every expected DS1xx finding).
"""
from pathlib import Path

import pytest

from debtscan.config import Config, load_config
from debtscan.engine import ScanOptions, scan
from debtscan.rules.registry import load_rules
from debtscan.tomlcompat import tomllib

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REPOS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
WITH_RATIOS = [p for p in REPOS if (p / "expected-ratios.toml").is_file()]


def glue_scan(repo: Path, config: Config = None):
    config = config or load_config(None, repo)
    report, _ = scan(ScanOptions(root=repo, config=config, jobs=1, use_cache=False, select=["DS1"]))
    return report


def ranges_of(name: str) -> dict:
    with open(FIXTURES / name / "expected-ratios.toml", "rb") as handle:
        return tomllib.load(handle)


def test_the_three_glue_fixtures_labelled_ranges_tell_glue_code_from_ml_code():
    # the ranges are narrow enough to tell the fixtures apart (no [0, 1] range passes everything) ...
    service, training, clean = (ranges_of(n)["repo"] for n in ("glue-service", "ml-training", "clean-pipeline"))
    assert service["glue"][0] > max(training["glue"][1], clean["glue"][1])
    assert training["ml"][0] > service["ml"][1]
    # ... and each scan's repo shares fall in its own ranges and outside the others'
    for name, own, others in (("glue-service", service, (training, clean)), ("ml-training", training, (service,))):
        fractions = glue_scan(FIXTURES / name).metrics["composition"]["repo"]["fractions"]
        kind = "glue" if name == "glue-service" else "ml"
        low, high = own[kind]
        assert low <= fractions[kind] <= high, (name, kind, fractions[kind])
        assert all(not (other[kind][0] <= fractions[kind] <= other[kind][1]) for other in others), (name, fractions)


def test_the_three_glue_fixtures_exist_with_ratio_ranges():
    names = {p.name for p in WITH_RATIOS}
    assert {"glue-service", "ml-training", "clean-pipeline", "scoring-service", "ml-package", "prep-script"} <= names


@pytest.mark.parametrize("repo", WITH_RATIOS, ids=lambda p: p.name)
def test_composition_is_within_the_labelled_ranges(repo):
    with open(repo / "expected-ratios.toml", "rb") as handle:
        expected = tomllib.load(handle)
    comp = glue_scan(repo).metrics["composition"]
    checks = [("repo", comp["repo"], expected.get("repo", {}))]
    checks += [(f"file {p}", comp["files"][p], ranges) for p, ranges in expected.get("files", {}).items()]
    checks += [(f"package {d}", comp["packages"][d], ranges) for d, ranges in expected.get("packages", {}).items()]
    assert len(checks) > 1
    for where, actual, ranges in checks:
        for kind, (low, high) in ranges.items():
            value = actual["fractions"][kind]
            assert low <= value <= high, f"{repo.name} {where}: {kind} {value:.3f} not in [{low}, {high}]"


def test_glue_dominated_service_is_mostly_glue_and_training_module_mostly_ml():
    service = glue_scan(FIXTURES / "glue-service").metrics
    training = glue_scan(FIXTURES / "ml-training").metrics
    clean = glue_scan(FIXTURES / "clean-pipeline").metrics
    assert service["glue_code_ratio"] > 10 * training["glue_code_ratio"]
    assert training["ml_code_ratio"] > 10 * service["ml_code_ratio"]
    assert clean["glue_code_ratio"] < 0.05
    ranked = [a["adapter"] for a in service["composition"]["adapters"]]
    assert ranked[0] == "numpy->numpy" and "pandas->numpy" in ranked[:6] and "polars->pandas" in ranked


def test_every_fixture_repo_labels_its_glue_code_findings_at_code_lines_of_its_files():
    glue_rules = {code for code in load_rules().rules if code.startswith("DS1")}
    problems = []
    for repo in REPOS:
        labels = repo / "labels-glue-code.toml"
        if not labels.is_file():
            problems.append(f"{repo.name}: no labels-glue-code.toml")
            continue
        with open(labels, "rb") as handle:
            for entry in tomllib.load(handle).get("finding", []):
                where = f"{repo.name}/{entry.get('path')}:{entry.get('line')} {entry.get('code')}"
                source = repo / str(entry.get("path"))
                if entry.get("code") not in glue_rules:
                    problems.append(f"{where}: not a glue-code rule")
                elif not source.is_file():
                    problems.append(f"{where}: no such file")
                else:
                    lines = source.read_text(encoding="utf-8").splitlines()
                    line = int(entry.get("line", 0))
                    if not 1 <= line <= len(lines) or not lines[line - 1].strip() \
                            or lines[line - 1].lstrip().startswith("#"):
                        problems.append(f"{where}: not a code line of the file")
    assert not problems, problems


def test_glue_code_precision_and_recall_over_the_labelled_fixtures(capsys):
    true_positive = false_positive = false_negative = 0
    extras, misses = [], []
    for repo in REPOS:
        with open(repo / "labels-glue-code.toml", "rb") as handle:
            expected = {(e["code"], e["path"], int(e["line"])) for e in tomllib.load(handle).get("finding", [])}
        found = {(f.code, f.path, f.line) for f in glue_scan(repo).findings if f.code.startswith("DS1")}
        true_positive += len(found & expected)
        false_positive += len(found - expected)
        false_negative += len(expected - found)
        extras += [f"{repo.name}/{k[1]}:{k[2]} {k[0]}" for k in sorted(found - expected)]
        misses += [f"{repo.name}/{k[1]}:{k[2]} {k[0]}" for k in sorted(expected - found)]
    precision = true_positive / ((true_positive + false_positive) or 1)
    recall = true_positive / ((true_positive + false_negative) or 1)
    with capsys.disabled():
        print(f"\nglue-code: TP {true_positive} FP {false_positive} FN {false_negative} "
              f"precision {precision:.2f} recall {recall:.2f}")
    assert true_positive >= 8   # one finding per repeated-glue group
    assert precision >= 0.95, extras
    assert recall >= 0.95, misses


def test_demo_serving_api_is_glue_heavy_but_under_the_default_size():
    demo = FIXTURES / "demo"
    api = glue_scan(demo).metrics["composition"]["files"]["serving/api.py"]
    assert api["code_lines"] < 40 and api["fractions"]["glue"] > 0.5
    config = load_config(None, demo)
    config.rules = {"DS101": {"min-code-lines": 20}}
    report = glue_scan(demo, config)
    assert [(f.code, f.path) for f in report.findings if f.code == "DS101"] == [("DS101", "serving/api.py")]
