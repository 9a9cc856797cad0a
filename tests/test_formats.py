"""Output formats for CI: SARIF (against the official schema), GitHub annotations, GitLab Code Quality,
Markdown and self-contained HTML - each on the bundled demo repo."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import networkx as nx
import pytest
from click.testing import CliRunner

from debtscan.cli import main
from debtscan.config import load_config
from debtscan.rules.pages import rule_page
from debtscan.engine import ScanOptions, scan
from debtscan.report import drawing
from debtscan.report.drawing import pipeline_graph, with_pipeline
from debtscan.report.formats import formats
from debtscan.report.github import escape_data, escape_property
from debtscan.report.markdown_table import cell
from debtscan.report.model import SEVERITY_ORDER, Finding, Related, Report
from debtscan.rules.jungle import IntermediateFileHandoff
from debtscan.testing import scan_repo, write_repo

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "fixtures" / "demo"
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"

JUNGLE = {
    "prepare.py": """
        import pandas as pd

        df = pd.read_csv("data/raw/in.csv")
        df.to_parquet("data/interim/clean.parquet")
    """,
    "features.py": """
        import pandas as pd

        df = pd.read_parquet("data/interim/clean.parquet")
        df.to_csv("data/interim/features.csv")
    """,
    "train.py": """
        import pandas as pd

        X = pd.read_csv("data/interim/features.csv")
    """,
}


@pytest.fixture(scope="module")
def demo():
    root = DEMO.resolve()
    return scan(ScanOptions(root=root, config=load_config(None, root), use_cache=False, jobs=1))


def render_as(name, report, project=None):
    """``--format name`` of the report, its pipeline drawing filled from the project when the format draws it."""
    output = formats()[name]
    return output(with_pipeline(report, project) if output.draws_pipeline else report)


def render(name, report_project):
    return render_as(name, *report_project)


def test_every_format_renders_the_most_severe_finding_of_the_report(demo):
    report, _ = demo
    assert set(formats()) == {"json", "sarif", "github", "gitlab", "markdown", "html"}
    first = min(report.findings, key=lambda f: (-SEVERITY_ORDER[f.severity], f.sort_key()))
    outputs = {name: render(name, demo) for name in formats()}
    assert len(set(outputs.values())) == len(outputs)  # no two formats share a renderer
    assert json.loads(outputs["json"])["findings"][0]["fingerprint"] in {f.fingerprint for f in report.findings}
    sarif_results = json.loads(outputs["sarif"])["runs"][0]["results"]
    located = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1],
                r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in sarif_results}
    assert len(sarif_results) == len(report.findings)
    assert {(f.code, f.path.rsplit("/", 1)[-1], f.line) for f in report.findings if f.cell is None} <= located
    assert first.fingerprint in {i["fingerprint"] for i in json.loads(outputs["gitlab"])}
    assert f",line={first.line}," in outputs["github"] and f"title={first.code} " in outputs["github"]
    assert f"`{first.path}:{first.line}`" in outputs["markdown"]
    assert f'data-path="{first.path}" data-line="{first.line}"' in outputs["html"]


# --- SARIF ---------------------------------------------------------------------------------------------

def test_sarif_of_demo_is_valid_against_official_schema(demo):
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    sarif = json.loads(render("sarif", demo))
    jsonschema.Draft4Validator(schema).validate(sarif)
    assert sarif["version"] == "2.1.0"
    assert len(sarif["runs"]) == 1


def test_sarif_rules_carry_descriptions_and_help_from_rule_pages(demo):
    run = json.loads(render("sarif", demo))["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    ds201 = rules["DS201"]
    assert ds201["name"] == "intermediate-file-handoff"
    assert ds201["shortDescription"]["text"] == IntermediateFileHandoff.summary.replace("`", "")
    assert "pipeline jungle" in ds201["fullDescription"]["text"]
    assert ds201["help"]["markdown"] == rule_page(IntermediateFileHandoff)
    assert "What to do instead" in ds201["help"]["text"]
    assert ds201["defaultConfiguration"]["level"] == "warning"


def test_sarif_results_point_at_rules_with_one_based_regions_and_fingerprints(demo):
    report, _ = demo
    run = json.loads(render("sarif", demo))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(report.findings) >= 9
    for finding, result in zip(report.findings, results):
        assert result["ruleId"] == finding.code == rules[result["ruleIndex"]]["id"]
        assert result["level"] == {"error": "error", "warning": "warning", "info": "note"}[finding.severity]
        assert result["message"]["text"].startswith(finding.message)
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "SRCROOT"
        assert artifact["uri"].endswith(finding.path) and not artifact["uri"].startswith("/")
        region = location["physicalLocation"]["region"]
        if finding.cell is None:  # a notebook's place is a line of its JSON: see test_sarif_github.py
            assert region["startLine"] == finding.line
            assert region["startColumn"] == finding.column + 1  # SARIF columns are 1-based
        assert result["partialFingerprints"] == {"debtscan/v1": finding.fingerprint}
        related = [(r["physicalLocation"]["artifactLocation"]["uri"], r["physicalLocation"]["region"]["startLine"])
                   for r in result["relatedLocations"]]
        assert len(related) == len(finding.related)
        for (uri, line), expected in zip(related, finding.related):  # notebook places: see test_sarif_github.py
            assert uri.endswith(expected.path) and (line == expected.line or expected.cell is not None)
    reader = next(r for r in results if r["ruleId"] == "DS201" and r["locations"][0]["physicalLocation"]
                  ["artifactLocation"]["uri"].endswith("03_train.py"))
    # 03_train.py:10 is `train = pd.read_pickle(TRAIN_FEATURES)`: the call starts at the 9th character
    assert reader["locations"][0]["physicalLocation"]["region"] == {"startLine": 10, "startColumn": 9}
    notebook = next(r for r in results if r["properties"].get("cell") is not None)
    assert "notebook cell 1" in notebook["message"]["text"]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_sarif_uris_are_relative_to_the_git_repository_root(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, capture_output=True)
    write_repo(tmp_path / "ml", {**JUNGLE, "eval set.py": JUNGLE["train.py"]})
    report, project = scan_repo(tmp_path / "ml")
    sarif = json.loads(render_as("sarif", report, project))
    uris = sorted({r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                   for r in sarif["runs"][0]["results"]})
    assert uris == ["ml/eval%20set.py", "ml/features.py", "ml/prepare.py", "ml/train.py"]  # URI references
    assert sarif["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"] == tmp_path.resolve().as_uri() + "/"
    gitlab = json.loads(render_as("gitlab", report, project))
    assert sorted({e["location"]["path"] for e in gitlab}) == [
        "ml/eval set.py", "ml/features.py", "ml/prepare.py", "ml/train.py"]  # plain paths
    assert "file=ml/eval set.py," in render_as("github", report, project)


# --- GitHub annotations --------------------------------------------------------------------------------

def test_github_escaping_follows_workflow_command_rules():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_github_annotations_for_demo(demo):
    report, _ = demo
    lines = render("github", demo).splitlines()
    assert len(lines) == len(report.findings)
    pattern = re.compile(r"^::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+)(?:,endLine=\d+)?,"
                         r"title=([A-Z]+\d+) ([a-z0-9-]+)::(.+)$")
    for finding, line in zip(report.findings, lines):
        match = pattern.match(line)
        assert match, line
        assert match.group(1) == {"error": "error", "warning": "warning", "info": "notice"}[finding.severity]
        assert match.group(2).endswith(finding.path)
        assert (int(match.group(3)), int(match.group(4))) == (finding.line, finding.column + 1)
        assert (match.group(5), match.group(6)) == (finding.code, finding.name)
        assert "\n" not in match.group(7) and match.group(7).startswith(escape_data(finding.message))
    assert any(line.startswith("::warning file=fixtures/demo/01_prepare.py,line=14,col=1,title=DS201 ") or
               line.startswith("::warning file=01_prepare.py,line=14,col=1,title=DS201 ") for line in lines)


def test_github_annotation_escapes_hostile_message_and_path():
    finding = Finding(code="DS201", name="intermediate-file-handoff", category="pipeline-jungle",
                      severity="error", message="100% wrong\n::error::injected", path="a,b:c.py", line=3,
                      column=4, end_line=5, end_column=0, related=(Related("x.py", 2, "reads it"),),
                      fingerprint="0" * 20)
    report = Report(root="/nonexistent-root", config_file=None, files_scanned=1, findings=[finding])
    (line,) = render_as("github", report).splitlines()
    assert line == ("::error file=a%2Cb%3Ac.py,line=3,col=5,endLine=5,title=DS201 intermediate-file-handoff::"
                    "100%25 wrong%0A::error::injected%0A  -> x.py:2 reads it")


# --- GitLab Code Quality -------------------------------------------------------------------------------

# The documented shape (docs.gitlab.com, "Code Quality report format"): an array of issues, each with these.
GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "pattern": "^[^/]"},
                    "lines": {"type": "object", "required": ["begin"],
                              "properties": {"begin": {"type": "integer", "minimum": 1}}},
                },
            },
        },
    },
}


def test_gitlab_code_quality_of_demo_has_documented_shape(demo):
    report, _ = demo
    issues = json.loads(render("gitlab", demo))
    jsonschema.Draft7Validator(GITLAB_SCHEMA).validate(issues)
    assert len(issues) == len(report.findings)
    assert len({i["fingerprint"] for i in issues}) == len(issues)  # GitLab needs unique fingerprints
    for finding, issue in zip(report.findings, issues):
        assert issue["description"].startswith(f"{finding.code} {finding.message}")
        assert issue["check_name"] == finding.name
        assert issue["fingerprint"] == finding.fingerprint
        assert issue["severity"] == {"info": "info", "warning": "major", "error": "critical"}[finding.severity]
        assert issue["location"]["path"].endswith(finding.path)
        assert issue["location"]["lines"]["begin"] == finding.line


def test_gitlab_severity_mapping():
    def one(severity):
        finding = Finding("DS201", "x", "pipeline-jungle", severity, "m", "a.py", 1, fingerprint="1" * 20)
        report = Report(root="/nonexistent-root", config_file=None, files_scanned=1, findings=[finding])
        return json.loads(render_as("gitlab", report))[0]["severity"]

    assert [one(s) for s in ("info", "warning", "error")] == ["info", "major", "critical"]


# --- Markdown ------------------------------------------------------------------------------------------

def test_markdown_summary_of_demo(demo):
    report, _ = demo
    text = render("markdown", demo)
    assert text.startswith(f"## debtscan: {len(report.findings)} finding(s) in 10 file(s)\n")
    jungle = sum(f.category == "pipeline-jungle" for f in report.findings)
    assert f"| pipeline-jungle | {jungle} |" in text
    assert f"| `pipeline.handoffs` | {report.metrics['pipeline']['handoffs']} |" in text
    assert "### Top findings" in text
    assert "| warning | DS201 intermediate-file-handoff | `01_prepare.py:14` |" in text
    mermaid = re.search(r"```mermaid\n(.*?)\n```", text, re.S).group(1)
    assert mermaid.startswith("flowchart LR")
    assert '"01_prepare.py"' in mermaid and '"data/interim/customers.parquet"' in mermaid
    assert "class " in mermaid and " jungle" in mermaid  # the jungle is highlighted


def test_markdown_table_cells_cannot_break_the_table():
    assert cell("a | b\nc <script>") == "a \\| b c &lt;script>"
    assert cell("x -> `<unknown>` & `a|b`") == "x -> `<unknown>` &amp; `a\\|b`"  # code spans shown as is


def test_markdown_lists_only_top_findings_errors_first(tmp_path):
    findings = [Finding("DS201", "x", "pipeline-jungle", "warning", f"w{i}", f"f{i:02}.py", 1, fingerprint=f"{i:020}")
                for i in range(20)]
    findings.append(Finding("DS999", "y", "pipeline-jungle", "error", "the error", "z.py", 1, fingerprint="9" * 20))
    report = Report(root=str(tmp_path), config_file=None, files_scanned=21, findings=findings)
    _, project = scan_repo(tmp_path)
    text = render_as("markdown", report, project)
    assert "### Top findings (15 of 21)" in text
    rows = [line for line in text.splitlines() if line.startswith("| error") or line.startswith("| warning")]
    assert rows[0].startswith("| error | DS999 y | `z.py:1` | the error |") and len(rows) == 15


# --- HTML ----------------------------------------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.attrs = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(value or "" for _, value in attrs)


def assert_self_contained(page):
    """Nothing a browser would fetch: scripts only inline, no stylesheets, images, frames, fonts or remote URLs
    in attributes. (The browser test checks, in Chromium, that the page requests nothing but itself.)"""
    parser = _Tags()
    parser.feed(page)
    assert page.startswith("<!DOCTYPE html>")
    assert not {"link", "iframe", "img", "object", "embed"} & set(parser.tags)
    assert not re.search(r"<script[^>]*\ssrc=", page)
    assert not [a for a in parser.attrs if "://" in a or a.startswith("//")]
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    assert "@import" not in style and "url(" not in style and "@font-face" not in style


def graph_of(page):
    return json.loads(re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page,
                                re.S).group(1))


def test_html_of_demo_is_self_contained(demo):
    report, project = demo
    page = render("html", demo)
    assert_self_contained(page)
    # the summary, the findings table and the graph's data, with the layout and drawing libraries inlined
    assert f"<b>{len(report.findings)}</b>findings" in page
    assert page.count('<tr data-rule="') == len(report.findings)
    assert 'aria-label="pipeline graph"' in page
    assert "cytoscape.min.js: cytoscape 3.34.4, MIT" in page and "dagre.min.js: @dagrejs/dagre 3.1.3, MIT" in page
    assert "sourceMappingURL" not in page
    data = graph_of(page)
    files = pipeline_graph(project)
    assert data["default"] == "files"
    assert len(data["views"]["files"]["nodes"]) == files.number_of_nodes()
    assert len(data["views"]["files"]["edges"]) == files.number_of_edges()
    labels = {n["label"] for n in data["views"]["files"]["nodes"]}
    assert {"01_prepare.py", "data/interim/customers.parquet"} <= labels
    assert {n["label"] for n in data["views"]["modules"]["nodes"]} <= labels
    assert ("Code composition" in page) == ("composition" in report.metrics)


def test_graph_edges_read_subject_first(demo):
    titles = {e["title"] for view in graph_of(render("html", demo))["views"].values() for e in view["edges"]}
    assert "03_train.py reads data/features/train.pkl" in titles
    assert "02_features.py writes data/features/train.pkl" in titles
    assert "03_train.py reads data/features/train.pkl written by 02_features.py" in titles
    assert not [t for t in titles if t.startswith("data/") and " reads " in t]


def test_the_findings_table_carries_what_its_filters_and_sorting_use(demo):
    report, _ = demo
    page = render("html", demo)
    rows = re.findall(r'<tr data-rule="([^"]+)" data-category="([^"]+)" data-severity="([^"]+)" '
                      r'data-path="([^"]+)" data-line="(\d+)">', page)
    assert sorted(rows) == sorted((f.code, f.category, f.severity, f.path, str(f.line)) for f in report.findings)
    tools = re.search(r'<div class="toolbar" id="finding-tools">(.*?)</div>', page, re.S).group(1)
    for name in ("rule", "category", "severity", "path"):
        assert f'data-filter="{name}"' in tools
    assert '<option value="DS201">DS201 intermediate-file-handoff</option>' in tools
    assert {"severity", "rule", "category", "location"} == set(re.findall(r'<th data-sort="(\w+)">', page))


def test_names_in_the_graph_data_cannot_close_the_script(tmp_path):
    write_repo(tmp_path, {"a.py": "import pandas as pd\npd.DataFrame().to_csv('x</script><b>.csv')\n",
                          "b.py": "import pandas as pd\npd.read_csv('x</script><b>.csv')\n"})
    page = render_as("html", *scan_repo(tmp_path))
    script = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in script and "x</script><b>.csv" in json.dumps(json.loads(script), ensure_ascii=False)


def test_html_and_markdown_show_composition_when_the_metrics_are_present(demo):
    report, project = demo
    metrics = dict(report.metrics)
    metrics["glue_code_ratio"] = 0.625
    metrics["composition"] = {
        "repo": {"lines": {"glue": 50, "ml": 20, "other": 10},
                 "fractions": {"glue": 0.625, "ml": 0.25, "other": 0.125}},
        "files": {"serve.py": {"lines": {"glue": 30, "ml": 0, "other": 2}},
                  "train.py": {"lines": {"glue": 5, "ml": 20, "other": 3}}},
    }
    with_composition = Report(root=report.root, config_file=None, files_scanned=report.files_scanned,
                              findings=report.findings, metrics=metrics)
    page = render_as("html", with_composition, project)
    assert "Code composition" in page and "62.5%</b>glue code ratio" in page
    assert "<title>glue: 50 (62.5%)</title>" in page
    heaviest = page.index("Glue-heaviest files")
    assert page.index("serve.py", heaviest) < page.index("train.py", heaviest)
    markdown = render_as("markdown", with_composition, project)
    assert "Code composition (80 code lines): glue 62% · ml 25% · other 12%" in markdown


def test_views_too_large_to_lay_out_are_left_out_with_a_note(tmp_path, monkeypatch):
    import debtscan.report.markdown as markdown_format

    write_repo(tmp_path, JUNGLE)
    report, project = scan_repo(tmp_path)
    monkeypatch.setattr(drawing, "MAX_GRAPH_NODES", 4)  # 6 modules and files here, 3 modules
    monkeypatch.setattr(markdown_format, "MAX_MERMAID_CHARS", 300)
    page = render_as("html", report, project)
    data = graph_of(page)
    assert list(data["views"]) == ["modules"] and data["default"] == "modules"
    assert "6 nodes and 5 edges are too many" in data["notes"]["files"] and "6 nodes and 5 edges are too" in page
    edges = {(e["source"], e["target"]): e["title"] for e in data["views"]["modules"]["edges"]}
    assert sorted(edges.values()) == ["features.py reads data/interim/clean.parquet written by prepare.py",
                                      "train.py reads data/interim/features.csv written by features.py"]
    text = render_as("markdown", report, project)
    mermaid = re.search(r"```mermaid\n(.*?)\n```", text, re.S).group(1)
    assert mermaid.splitlines() == ['flowchart LR', '  m0["features.py"]', '  m1["prepare.py"]', '  m2["train.py"]',
                                    '  m0 -->|"data/interim/features.csv"| m2',
                                    '  m1 -->|"data/interim/clean.parquet"| m0']


def test_the_direct_steps_view_leaves_out_hand_offs_a_longer_path_implies(tmp_path, monkeypatch):
    write_repo(tmp_path, {
        "a.py": "import pandas as pd\npd.DataFrame().to_csv('x.csv')\n",
        "b.py": "import pandas as pd\npd.read_csv('x.csv').to_csv('y.csv')\n",
        "c.py": "import pandas as pd\npd.read_csv('x.csv')\npd.read_csv('y.csv')\n",
    })
    report, project = scan_repo(tmp_path)
    data = graph_of(render_as("html", report, project))
    titles = lambda view: sorted(e["title"] for e in data["views"][view]["edges"])  # noqa: E731
    assert titles("modules") == ["b.py reads x.csv written by a.py", "c.py reads x.csv written by a.py",
                                 "c.py reads y.csv written by b.py"]
    assert titles("steps") == ["b.py reads x.csv written by a.py", "c.py reads y.csv written by b.py"]
    nodes = {n["label"]: n for n in data["views"]["steps"]["nodes"]}
    assert nodes["a.py"]["more_out"] == nodes["c.py"]["more_in"] == ["c.py reads x.csv written by a.py"]
    assert "1 of the 3 hand-offs between modules are not drawn" in data["notes"]["steps"]
    assert data["default"] == "files"  # small: the files view
    monkeypatch.setattr(drawing, "MAX_DEFAULT_FILE_NODES", 2)
    monkeypatch.setattr(drawing, "MAX_DEFAULT_MODULE_EDGES", 2)
    assert graph_of(render_as("html", report, project))["default"] == "steps"


def test_cycles_keep_all_their_hand_offs_in_the_direct_steps(tmp_path):
    write_repo(tmp_path, {
        "a.py": "import pandas as pd\npd.read_csv('z.csv')\npd.DataFrame().to_csv('x.csv')\n",
        "b.py": "import pandas as pd\npd.read_csv('x.csv').to_csv('y.csv')\n",
        "c.py": "import pandas as pd\npd.read_csv('y.csv').to_csv('z.csv')\npd.read_csv('x.csv')\n",
    })
    data = graph_of(render_as("html", *scan_repo(tmp_path)))
    assert "steps" not in data["views"]  # a -> b -> c -> a: no hand-off has another path


def test_inside_a_cycle_the_direct_steps_keep_who_reaches_whom():
    from debtscan.report.drawing import direct_steps

    modules = nx.DiGraph()
    for u, v in [("a", "b"), ("b", "c"), ("c", "a"), ("a", "c"), ("c", "b"), ("c", "d"), ("b", "d")]:
        modules.add_node(u, kind="module", label=u)
        modules.add_node(v, kind="module", label=v)
        modules.add_edge(u, v, kind="hands off", files=[f"{u}{v}.csv"])
    steps = direct_steps(modules)
    assert steps.number_of_edges() < modules.number_of_edges()
    for u, v in modules.edges():  # every hand-off left out still has a path
        assert nx.has_path(steps, u, v)
        if not steps.has_edge(u, v):
            assert f"{v} reads {u}{v}.csv written by {u}" in steps.nodes[u]["more_out"]
    assert sum(1 for u, v in steps.edges() if v == "d") == 1  # one hand-off from the cycle to d


def test_views_with_too_many_edges_are_left_out_too(tmp_path, monkeypatch):
    write_repo(tmp_path, JUNGLE)
    report, project = scan_repo(tmp_path)
    monkeypatch.setattr(drawing, "MAX_GRAPH_EDGES", 2)  # modules: 2 hand-offs; modules and files: 5 edges
    data = graph_of(render_as("html", report, project))
    assert list(data["views"]) == ["modules"] and "5 edges are too many" in data["notes"]["files"]
    monkeypatch.setattr(drawing, "MAX_GRAPH_EDGES", 1)
    page = render_as("html", report, project)
    assert 'id="graph-data"' not in page
    assert "3 nodes and 2 edges are too many" in page


def test_too_many_pattern_links_are_left_out_of_the_files_view_with_a_note(tmp_path, monkeypatch):
    write_repo(tmp_path, {"a.py": "import pandas as pd\npd.DataFrame().to_csv('data/a.csv')\n",
                          "b.py": "import sys\nimport pandas as pd\npd.read_csv(f'data/{sys.argv[1]}.csv')\n"})
    report, project = scan_repo(tmp_path)
    kinds = lambda page: {e["kind"] for e in graph_of(page)["views"]["files"]["edges"]}  # noqa: E731
    assert "matches" in kinds(render_as("html", report, project))
    monkeypatch.setattr(drawing, "MAX_MATCH_EDGES", 0)
    page = render_as("html", report, project)
    assert "matches" not in kinds(page)
    assert "the 1 links from path patterns to the files they match are left out" in graph_of(page)["notes"]["files"]


@pytest.mark.parametrize("fixture", sorted(p.name for p in (REPO / "fixtures").iterdir() if p.is_dir()))
def test_every_fixture_renders_in_every_format(fixture):
    root = (REPO / "fixtures" / fixture).resolve()
    report, project = scan(ScanOptions(root=root, config=load_config(None, root), use_cache=False, jobs=1))
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))).validate(
        json.loads(render_as("sarif", report, project)))
    issues = json.loads(render_as("gitlab", report, project))
    jsonschema.Draft7Validator(GITLAB_SCHEMA).validate(issues)
    assert len({i["fingerprint"] for i in issues}) == len(issues) == len(report.findings)
    assert len(render_as("github", report, project).splitlines()) == len(report.findings) + len(report.errors)
    assert render_as("markdown", report, project).startswith(f"## debtscan: {len(report.findings)} finding(s)")
    page = render_as("html", report, project)
    assert page.count('<tr data-rule="') == len(report.findings)
    assert_self_contained(page)


# --- the CLI -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["sarif", "github", "gitlab", "markdown", "html"])
def test_cli_writes_each_format(name, tmp_path):
    out = tmp_path / f"report.{name}"
    result = CliRunner().invoke(main, ["scan", str(DEMO), "--format", name, "-o", str(out), "--no-cache"])
    assert result.exit_code == 1, result.output  # the demo has warnings
    text = out.read_text(encoding="utf-8")
    assert "intermediate" in text and "01_prepare.py" in text
