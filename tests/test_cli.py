"""The command line, through click's runner and through a real subprocess (issue 2): commands, options, exit
codes (0 clean, 1 findings, 2 usage/configuration/internal error, one line, no traceback), clean stdout."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import validate_report
from debtscan import __version__
from debtscan.cli import main
from debtscan.testing import write_repo

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo"

HANDOFF = {
    "make.py": """
        import pandas as pd
        frame = pd.read_csv("data/raw/input.csv")
        frame.to_parquet("data/interim/frame.parquet")
    """,
    "use.py": """
        import pandas as pd
        frame = pd.read_parquet("data/interim/frame.parquet")
    """,
}


def cli(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    write_repo(root, HANDOFF)
    return root


def json_scan(*args):
    result = cli("scan", *args, "--format", "json", "--no-cache")
    return result, validate_report(result.stdout) if result.stdout else None


def codes(report):
    return sorted({f["code"] for f in report["findings"]})


# -- scan: exit codes ---------------------------------------------------------------------------------------

def test_findings_exit_1_and_the_json_report_is_all_that_stdout_carries(repo):
    result, report = json_scan(repo)
    assert result.exit_code == 1
    assert result.stderr == ""
    assert [(f["code"], f["path"], f["line"]) for f in report["findings"]] == [
        ("DS201", "make.py", 3), ("DS201", "use.py", 2)]
    assert report["root"] == str(repo) and report["tool"] == {"name": "debtscan", "version": __version__}


def test_a_clean_repo_exits_0(tmp_path):
    write_repo(tmp_path, {"clean.py": "import pandas as pd\nframe = pd.read_csv('data/raw/x.csv')\n"})
    result, report = json_scan(tmp_path)
    assert result.exit_code == 0
    assert report["findings"] == []


def test_exit_zero_and_fail_on_decide_the_exit_code(repo):
    assert cli("scan", repo, "--no-cache", "--exit-zero").exit_code == 0
    assert cli("scan", repo, "--no-cache", "--fail-on", "error").exit_code == 0  # DS201 is a warning
    assert cli("scan", repo, "--no-cache", "--fail-on", "warning").exit_code == 1
    assert cli("scan", repo, "--no-cache", "--fail-on", "info").exit_code == 1


@pytest.mark.parametrize("args, message", [
    (["does-not-exist"], "Error: path does not exist: does-not-exist"),
    (["--format", "yaml"], "Error: unknown format 'yaml'; choose from: console, "),
    (["--config", "missing.toml"], "Error: configuration error: missing.toml: configuration file not found"),
])
def test_usage_errors_exit_2_with_one_line_and_no_traceback(repo, monkeypatch, args, message):
    monkeypatch.chdir(repo)
    result = cli("scan", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_click_usage_errors_exit_2(repo):
    assert cli("scan", repo, "--jobs", "-1").exit_code == 2
    assert cli("scan", repo, "--fail-on", "sometimes").exit_code == 2
    assert cli("nonsense").exit_code == 2


# -- scan: options --------------------------------------------------------------------------------------------

def test_select_and_ignore_take_codes_prefixes_and_categories(repo):
    for args, expected in [
        ([], ["DS201"]),
        (["--select", "DS2"], ["DS201"]),
        (["--select", "pipeline-jungle"], ["DS201"]),
        (["--select", "DS1"], []),
        (["--ignore", "DS201"], []),
        (["--select", "DS2", "--ignore", "DS201"], []),
        (["--ignore", "DS2", "--select", "DS201"], ["DS201"]),  # the more specific wins
        (["--select", "DS1,DS201"], ["DS201"]),
    ]:
        _, report = json_scan(repo, *args)
        assert codes(report) == expected, args


def test_output_writes_the_report_to_a_file_and_nothing_to_stdout(repo, tmp_path):
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    result = cli("scan", repo, "--no-cache", "--format", "json", "-o", target)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert codes(validate_report(target.read_text(encoding="utf-8"))) == ["DS201"]
    console = tmp_path / "out" / "report.txt"
    assert cli("scan", repo, "--no-cache", "-o", console).exit_code == 1
    assert "DS201" in console.read_text(encoding="utf-8")


def test_console_output_names_path_line_code_and_a_summary(repo):
    result = cli("scan", repo, "--no-cache")
    assert result.exit_code == 1
    text = result.stdout
    assert "make.py" in text and "3:1" in text and "DS201" in text
    assert "2 findings in 2 files (2 files scanned; 2 warning)" in text
    assert "analysing" not in text  # no progress bar when stdout is not a terminal


def test_file_arguments_report_only_the_named_files_findings_with_the_whole_project_as_context(repo, monkeypatch):
    """As pre-commit passes them: the whole project is analysed, only findings located in the named files are
    reported (the writer's own finding, in make.py, is not; the reader's names it)."""
    monkeypatch.chdir(repo)
    (repo / "pyproject.toml").write_text("[tool.debtscan]\n", encoding="utf-8")
    write_repo(repo, {"other.py": "import pandas as pd\npd.read_parquet('data/interim/frame.parquet')\n"})
    result, report = json_scan("other.py")
    assert result.exit_code == 1
    assert [(f["path"], f["line"], f["code"]) for f in report["findings"]] == [("other.py", 2, "DS201")]
    assert "make.py:3" in report["findings"][0]["message"]


def test_jobs_and_cache_options_are_accepted_and_agree(repo):
    plain = cli("scan", repo, "--format", "json", "--no-cache", "--jobs", "1").stdout
    assert cli("scan", repo, "--format", "json", "--jobs", "2").stdout == plain
    assert (repo / ".debtscan_cache").is_dir()
    assert cli("scan", repo, "--format", "json", "--jobs", "2").stdout == plain  # warm


def test_verbose_adds_help_and_quiet_keeps_the_findings(repo):
    verbose = cli("scan", repo, "--no-cache", "--verbose").stdout
    quiet = cli("scan", repo, "--no-cache", "--quiet").stdout
    assert "DS201" in quiet and "DS201" in verbose
    assert len(verbose) > len(quiet)


# -- other commands -------------------------------------------------------------------------------------------

def test_version_rules_and_explain(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert __version__ in cli("--version").stdout
    rules = CliRunner().invoke(main, ["rules"], env={"COLUMNS": "200"})
    assert rules.exit_code == 0
    line = next(line for line in rules.stdout.splitlines() if "DS201" in line)
    assert "intermediate-file-handoff" in line and "pipeline-jungle" in line and "warning" in line
    page = cli("explain", "ds201")
    assert page.exit_code == 0
    for section in ("What it does", "Why is this bad?", "Example", "Use instead", "Options"):
        assert section in page.stdout
    missing = cli("explain", "XY999")
    assert missing.exit_code == 2
    assert missing.stderr.startswith("Error: no rule has code 'XY999'; ")
    assert missing.stderr.strip().endswith("(`debtscan rules` lists them)")


@pytest.mark.parametrize("fmt, marker", [("json", '"directed": true'), ("mermaid", "flowchart"),
                                         ("dot", "digraph"), ("graphml", "<graphml")])
def test_graph_exports_every_format(repo, fmt, marker):
    result = cli("graph", repo, "--format", fmt, "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert marker in result.stdout
    assert "data/interim/frame.parquet" in result.stdout


def test_graph_json_has_module_and_artifact_nodes_and_located_edges(repo):
    graph = json.loads(cli("graph", repo, "--no-cache").stdout)
    kinds = {node["kind"] for node in graph["nodes"]}
    assert {"module", "artifact"} <= kinds
    writes = [e for e in graph["edges"] if e["kind"] == "writes"]
    assert any(e["path"] == "make.py" and e["line"] == 3 for e in writes)


def test_a_broken_config_is_one_line_exit_2_for_graph_and_rules_too(repo, monkeypatch):
    (repo / "pyproject.toml").write_text("[tool.debtscan]\nselekt = 1\n", encoding="utf-8")
    graph = cli("graph", repo, "--no-cache")
    assert graph.exit_code == 2
    assert graph.stderr.startswith(f"Error: configuration error: {repo / 'pyproject.toml'}:2: unknown key 'selekt'")
    monkeypatch.chdir(repo)
    rules = cli("rules")
    assert rules.exit_code == 2 and "unknown key 'selekt'" in rules.stderr


# -- a real subprocess ----------------------------------------------------------------------------------------

def run(*args, cwd=None):
    env = dict(os.environ, DEBTSCAN_NO_CACHE="1")
    return subprocess.run(list(args), capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def test_python_m_debtscan_scans_the_demo_and_writes_a_valid_report(tmp_path):
    result = run(sys.executable, "-m", "debtscan", "scan", str(DEMO), "--format", "json")
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    report = validate_report(result.stdout)
    assert "DS201" in codes(report)
    assert report["summary"]["files_scanned"] >= 9


def test_the_console_script_is_installed_and_reports_errors_in_one_line(tmp_path):
    script = shutil.which("debtscan", path=str(Path(sys.executable).parent)) or shutil.which("debtscan")
    assert script, "the debtscan console script is not installed"
    assert run(script, "--version").stdout.strip().endswith(__version__)
    result = run(script, "scan", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert result.stderr == f"Error: path does not exist: {tmp_path / 'nowhere'}\n"
    write_repo(tmp_path / "repo", HANDOFF)
    (tmp_path / "repo" / "pyproject.toml").write_text("[tool.debtscan]\nfail-on = [\n", encoding="utf-8")
    result = run(script, "scan", str(tmp_path / "repo"))
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: configuration error: {tmp_path / 'repo' / 'pyproject.toml'}: "
                                    f"invalid TOML")
    assert "Traceback" not in result.stderr and result.stdout == ""
