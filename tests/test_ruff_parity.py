"""Fits in like ruff (issue 20): typos in selectors fail loudly with the closest valid name, suppression
comments take every selector, output for people, editors and grep, one scope rule, and the small options,
commands and the Python API that ruff users expect."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import debtscan
from debtscan.api import ScopeError, SelectorError
from debtscan.cli import main
from debtscan.report.model import Report
from debtscan.rules.glue import _GLUE_SERVICE
from debtscan.testing import scan_sources, write_repo

HANDOFF = {
    "make.py": 'import pandas as pd\nframe = pd.read_csv("data/raw/input.csv")\n'
               'frame.to_parquet("data/interim/frame.parquet")\n',
    "use.py": 'import pandas as pd\nframe = pd.read_parquet("data/interim/frame.parquet")\n',
}


def cli(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    write_repo(root, HANDOFF)
    monkeypatch.chdir(root)
    return root


# -- 2. unknown selectors exit 2, naming the closest valid one -------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["--select", "pipline-jungle"], "Error: --select: unknown rule selector 'pipline-jungle'; did you mean "
                                     "'pipeline-jungle'?"),
    (["--ignore", "DS2O1"], "Error: --ignore: unknown rule selector 'DS2O1'; did you mean 'DS201'?"),
    (["--select", "jungle-chian"], "Error: --select: unknown rule selector 'jungle-chian'; did you mean "
                                   "'jungle-chain'?"),
    (["--extend-select", "DS3O1"], "Error: --extend-select: unknown rule selector 'DS3O1'; did you mean 'DS301'?"),
    (["--select", "XY999"], "Error: --select: unknown rule selector 'XY999'; the code families are DS0, DS1, DS2, "),
])
def test_an_unknown_selector_on_the_command_line_exits_2_naming_the_closest_valid_one(repo, args, message):
    result = cli("scan", ".", "--no-cache", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_an_unknown_selector_in_the_config_names_the_file_line_and_key(repo):
    (repo / "pyproject.toml").write_text('[tool.debtscan]\nselect = ["DS9"]\n', encoding="utf-8")
    result = cli("scan", ".", "--no-cache")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {repo / 'pyproject.toml'}:2: [tool.debtscan] select: unknown rule "
                                    f"selector 'DS9'; the code families are DS0, DS1, DS2, ")


def test_an_unknown_selector_in_per_file_ignores_is_an_error_too(repo):
    (repo / "pyproject.toml").write_text('[tool.debtscan.per-file-ignores]\n"tests/*" = ["DS2", "glue-cod"]\n',
                                         encoding="utf-8")
    result = cli("scan", ".", "--no-cache")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {repo / 'pyproject.toml'}:2: [tool.debtscan.per-file-ignores] "
                                    "'tests/*': unknown rule selector 'glue-cod'; did you mean 'glue-code'?")


def test_valid_selectors_are_codes_prefixes_categories_rule_names_and_all(repo):
    for selector in ("DS201", "ds20", "DS2", "pipeline-jungle", "intermediate-file-handoff", "ALL"):
        result = cli("scan", ".", "--no-cache", "--format", "json", "--select", selector)
        assert result.exit_code == 1, (selector, result.output)
        assert {f["code"] for f in json.loads(result.stdout)["findings"]} == {"DS201"}, selector


def test_a_plugin_rule_is_a_valid_selector(tmp_path, monkeypatch):
    plugin = tmp_path / "plugins"
    write_repo(plugin, {"team_rules.py": """
        from debtscan.rules import Rule


        class EveryRead(Rule):
            code = "XY101"
            name = "every-read"
            category = "pipeline-jungle"
            summary = "Every read of an intermediate file."

            def check(self, ctx):
                for write, read in ctx.project.handoffs:
                    yield self.finding(read.module, read.line, f"reads `{read.artifact}`", subject=read.artifact)
    """})
    monkeypatch.syspath_prepend(str(plugin))
    monkeypatch.delitem(sys.modules, "team_rules", raising=False)
    root = tmp_path / "repo"
    write_repo(root, HANDOFF)
    report = debtscan.scan(root, {"plugins": ["team_rules"]}, select=["XY1"], use_cache=False)
    assert [(f.code, f.path, f.line) for f in report.findings] == [("XY101", "use.py", 2)]
    with pytest.raises(SelectorError, match="unknown rule selector 'XY2'; did you mean 'XY1'"):
        debtscan.scan(root, {"plugins": ["team_rules"]}, select=["XY2"], use_cache=False)


# -- 3. suppression comments take the same selectors ----------------------------------------------------------

def _glue(suffix: str) -> dict:
    return {"service.py": textwrap.dedent(_GLUE_SERVICE).lstrip("\n") + suffix}


def test_ignore_file_with_a_code_prefix_suppresses_that_family_in_the_file():
    plain = scan_sources(_glue(""))
    assert {f.code for f in plain.findings} >= {"DS101", "DS102"}
    report = scan_sources(_glue("# debtscan: ignore-file[DS1]\n"))
    assert [f.code for f in report.findings] == []  # nothing left: no DS1xx, and the comment is used
    assert report.suppressed == len(plain.findings)


@pytest.mark.parametrize("selector", ["pipeline-jungle", "intermediate-file-handoff", "DS2", "ds201"])
def test_a_category_a_rule_name_or_a_prefix_in_a_comment_suppresses_the_finding(selector):
    files = dict(HANDOFF)
    files["use.py"] = files["use.py"].rstrip() + f"  # debtscan: ignore[{selector}]\n"
    report = scan_sources(files)
    assert [(f.code, f.path) for f in report.findings] == [("DS201", "make.py")]
    assert report.suppressed == 1


def test_an_unused_prefix_suppression_is_reported_by_ds001_in_the_rules_spelling():
    files = dict(HANDOFF)
    files["use.py"] += "# debtscan: ignore-file[DS1, Pipeline-Jungle]\n"
    report = scan_sources(files)
    assert sorted((f.code, f.path, f.message) for f in report.findings) == [
        ("DS201", "make.py", "`data/interim/frame.parquet` written here is read by 1 other module(s) (use.py:2): "
                             "an undeclared intermediate-file hand-off."),
    ]  # the category suppressed use.py's DS201, so the comment is used
    files["use.py"] = HANDOFF["use.py"] + "x = 1  # debtscan: ignore[DS1, pipeline-jungle]\n"
    report = scan_sources(files)
    unused = [(f.path, f.line, f.severity, f.message) for f in report.findings if f.code == "DS001"]
    assert unused == [("use.py", 3, "info", "`# debtscan: ignore[DS1, pipeline-jungle]` suppresses no finding.")]


def test_an_unknown_selector_in_a_comment_is_a_ds001_warning_naming_the_closest():
    files = dict(HANDOFF)
    files["use.py"] = files["use.py"].rstrip() + "  # debtscan: ignore[DS2O1]\n"
    report = scan_sources(files)
    assert sorted((f.code, f.path, f.line, f.severity) for f in report.findings) == [
        ("DS001", "use.py", 2, "warning"), ("DS201", "make.py", 3, "warning"), ("DS201", "use.py", 2, "warning")]
    typo = next(f for f in report.findings if f.code == "DS001")
    assert typo.message == "`# debtscan: ignore[DS2O1]`: 'DS2O1' names no rule (did you mean 'DS201'?)."


# -- 5. output for people, editors and grep -------------------------------------------------------------------

def test_concise_is_one_line_per_finding_path_line_col_code_severity_message(repo):
    result = cli("scan", ".", "--no-cache", "--format", "concise")
    assert result.exit_code == 1
    assert result.stdout == (
        "make.py:3:1: DS201 [warning] `data/interim/frame.parquet` written here is read by 1 other module(s) "
        "(use.py:2): an undeclared intermediate-file hand-off.\n"
        "use.py:2:9: DS201 [warning] `data/interim/frame.parquet` read here is produced by another module "
        "(make.py:3; exact match): an undeclared intermediate-file hand-off.\n")
    assert result.stderr == "2 findings in 2 files (2 files scanned; 2 warning) · pipeline-jungle: 2\n"


def test_piped_console_output_is_not_wrapped_and_each_finding_line_has_severity_and_rule_name(repo):
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    out = subprocess.run([sys.executable, "-m", "debtscan", "scan", ".", "--no-cache", "--quiet"], cwd=repo,
                         capture_output=True, text=True, env=env, check=False)
    assert out.returncode == 1
    assert out.stdout == (
        "make.py\n"
        "         3:1  DS201 [warning] `data/interim/frame.parquet` written here is read by 1 other module(s) "
        "(use.py:2): an undeclared intermediate-file hand-off. (intermediate-file-handoff)\n"
        "              ↳ use.py:2 reads `data/interim/frame.parquet`\n"
        "use.py\n"
        "         2:9  DS201 [warning] `data/interim/frame.parquet` read here is produced by another module "
        "(make.py:3; exact match): an undeclared intermediate-file hand-off. (intermediate-file-handoff)\n"
        "              ↳ make.py:3 writes `data/interim/frame.parquet`\n"
        "\n"
        "2 findings in 2 files (2 files scanned; 2 warning) · pipeline-jungle: 2\n")


def test_on_a_narrow_console_wrapped_messages_keep_their_indentation(repo):
    out = subprocess.run([sys.executable, "-m", "debtscan", "scan", "use.py", "--no-cache", "--quiet"], cwd=repo,
                         capture_output=True, text=True, env={**os.environ, "COLUMNS": "60"}, check=False)
    assert out.stdout.splitlines()[:6] == [
        "use.py",
        "         2:9  DS201 [warning] `data/interim/frame.parquet`",
        "              read here is produced by another module",
        "              (make.py:3; exact match): an undeclared",
        "              intermediate-file hand-off.",
        "              (intermediate-file-handoff)",
    ]
    assert all(len(line) <= 60 for line in out.stdout.splitlines()[:-1])


def test_the_composition_table_keeps_whole_distinct_paths_when_piped(tmp_path):
    files = {f"py_feature/21{i}_long_feature_script_name.py": _GLUE_SERVICE for i in range(3)}
    write_repo(tmp_path, files)
    result = cli("scan", tmp_path, "--no-cache", "--select", "DS101")
    rows = [line.split()[0] for line in result.stdout.splitlines() if line.startswith(" py_feature/")]
    assert rows == sorted(files)


def test_statistics_count_findings_per_rule_with_name_and_severity(repo):
    result = cli("scan", ".", "--no-cache", "--statistics")
    assert result.exit_code == 1
    assert result.stdout == ("2  DS201  [warning] intermediate-file-handoff\n\n"
                             "2 findings in 2 files (2 files scanned; 2 warning) · pipeline-jungle: 2\n"
                             "Run `debtscan explain CODE` for why each is debt and what to do instead, or add "
                             "--verbose.\n")
    as_json = cli("scan", ".", "--no-cache", "--statistics", "--format", "json")
    assert json.loads(as_json.stdout) == [{"count": 2, "code": "DS201", "name": "intermediate-file-handoff",
                                           "category": "pipeline-jungle", "severity": "warning"}]
    assert cli("scan", ".", "--statistics", "--format", "sarif").exit_code == 2


def test_the_summary_counts_the_files_with_findings_and_the_files_scanned(repo):
    write_repo(repo, {"clean.py": "x = 1\n", "also_clean.py": "y = 2\n"})
    result = cli("scan", ".", "--no-cache", "--quiet")
    assert "\n2 findings in 2 files (4 files scanned; 2 warning) · pipeline-jungle: 2\n" in result.stdout
    write_repo(repo, {"use.py": "import pandas as pd\n"})
    one = cli("scan", ".", "--no-cache", "--quiet", "--select", "DS0")
    assert one.stdout == "\n0 findings in 0 files (4 files scanned)\n"


def test_verbose_gives_each_rules_help_once(repo):
    write_repo(repo, {"more.py": "import pandas as pd\nframe = pd.read_parquet('data/interim/frame.parquet')\n"})
    result = cli("scan", ".", "--no-cache", "--verbose")
    assert result.stdout.count("DS201 [warning]") == 3
    assert result.stdout.count("Why this is debt:") == 1
    assert "  DS201 intermediate-file-handoff: Why this is debt: Scripts that pass data" in result.stdout


def _reports(project: Path):
    old = cli("scan", project, "--no-cache", "--format", "json", "-o", project / "old.json")
    assert old.exit_code == 1
    write_repo(project, {"evaluate.py": "import pandas as pd\nX = pd.read_parquet('data/interim/frame.parquet')\n"})
    new = cli("scan", project, "--no-cache", "--format", "json", "-o", project / "new.json")
    assert new.exit_code == 1


def test_diff_summarises_the_headline_metrics_and_lists_the_rest_on_request(repo):
    _reports(repo)
    short = cli("diff", "old.json", "new.json")
    lines = short.stdout.splitlines()
    assert lines[0].startswith("  new  evaluate.py:2  DS201 ")
    assert not any("composition.files." in line for line in lines)
    assert any(line.startswith("│ summary.findings") for line in lines)
    assert "more per-file, per-component or per-rule metrics changed (--details lists them)" in short.stdout
    details = cli("diff", "old.json", "new.json", "--details")
    assert any("composition.files.evaluate.py.code_lines" in line for line in details.stdout.splitlines())
    assert "--details lists them" not in details.stdout
    summary = [line for line in short.stdout.splitlines() if "unchanged finding" in line]
    assert summary == [line for line in details.stdout.splitlines() if "unchanged finding" in line]
    markdown = cli("diff", "old.json", "new.json", "--format", "markdown").stdout
    assert "| `summary.findings` | 2 | 3 | +1 |" in markdown and "composition.files." not in markdown


# -- 6. one scope rule -----------------------------------------------------------------------------------------

@pytest.fixture
def project(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    write_repo(root, {
        "debtscan.toml": "",
        **HANDOFF,
        "fraud/train.py": """
            import pandas as pd
            frame = pd.read_parquet("data/interim/frame.parquet")
        """,
    })
    monkeypatch.chdir(root)
    return root


def _found(*args):
    result = cli("scan", *args, "--no-cache", "--format", "json")
    return sorted((f["path"], f["line"], f["code"]) for f in json.loads(result.stdout)["findings"])


def test_a_folder_and_a_file_in_it_give_the_same_findings_with_the_project_as_context(project):
    assert _found("fraud") == _found("fraud/train.py") == [("fraud/train.py", 2, "DS201")]
    assert _found(project / "fraud") == _found("fraud")  # however the path is spelled
    assert ("make.py", 3, "DS201") in _found(".")  # the whole project: every finding


def test_from_inside_a_sub_folder_the_project_is_still_the_configs_folder(project, monkeypatch):
    monkeypatch.chdir(project / "fraud")
    result = cli("scan", ".", "--no-cache", "--format", "json")
    report = json.loads(result.stdout)
    assert report["root"] == str(project)
    assert [(f["path"], f["code"]) for f in report["findings"]] == [("fraud/train.py", "DS201")]
    text = cli("scan", ".", "--no-cache", "--quiet").stdout
    assert text.endswith("1 finding in 1 file (1 file checked, 3 analysed for context; 1 warning) "
                         "· pipeline-jungle: 1\n")


def test_an_empty_folder_warns_on_stderr_and_exits_0(tmp_path):
    (tmp_path / "empty").mkdir()
    result = cli("scan", tmp_path / "empty", "--no-cache")
    assert result.exit_code == 0
    assert result.stderr == (f"warning: no Python files or notebooks found in {tmp_path / 'empty'} "
                             "(after excludes and .gitignore)\n")
    assert result.stdout.endswith("0 findings in 0 files (0 files scanned)\n")


def test_a_folder_with_no_python_files_inside_a_project_warns_too(project):
    write_repo(project, {"docs/index.md": "# docs\n"})
    result = cli("scan", "docs", "--no-cache", "--quiet")
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: no Python files or notebooks found in docs ")


# -- 11. small options, commands and the Python API ------------------------------------------------------------

def test_exclude_and_extend_exclude_on_the_command_line(repo):
    (repo / "pyproject.toml").write_text('[tool.debtscan]\nexclude = ["make.py"]\nselect = ["DS201"]\n',
                                         encoding="utf-8")
    assert _found(".") == []  # the config's exclude: no writer, so no hand-off
    assert _found(".", "--exclude", "nothing.py") == [("make.py", 3, "DS201"), ("use.py", 2, "DS201")]
    assert _found(".", "--extend-exclude", "use.py") == []
    (repo / "pyproject.toml").write_text('[tool.debtscan]\nselect = ["DS0"]\n', encoding="utf-8")
    assert _found(".") == []
    assert _found(".", "--extend-select", "DS201") == [("make.py", 3, "DS201"), ("use.py", 2, "DS201")]
    assert _found(".", "--select", "DS202") == []


def test_rules_format_json_lists_every_rule_with_its_metadata():
    result = cli("rules", "--format", "json")
    assert result.exit_code == 0
    rules = {rule["code"]: rule for rule in json.loads(result.stdout)}
    assert rules["DS201"]["name"] == "intermediate-file-handoff"
    assert rules["DS201"]["category"] == "pipeline-jungle" and rules["DS201"]["severity"] == "warning"
    assert rules["DS202"]["options"] == {"min-handoffs": 3}
    assert set(rules["DS001"]) == {"code", "name", "category", "severity", "summary", "why", "fix", "options",
                                   "origin"}


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_flags(flag):
    result = cli(flag)
    assert result.exit_code == 0 and result.stdout == f"debtscan, version {debtscan.__version__}\n"


def test_shell_completion_script_is_generated_by_click():
    env = {**os.environ, "_DEBTSCAN_COMPLETE": "bash_source"}
    out = subprocess.run([sys.executable, "-c", "from debtscan.cli import main; main(prog_name='debtscan')"],
                         capture_output=True, text=True, env=env, check=False)
    assert out.returncode == 0
    assert "_debtscan_completion()" in out.stdout and "complete -o nosort -F _debtscan_completion debtscan" in out.stdout


def test_fail_on_error_makes_a_parse_error_fail_the_run(repo):
    write_repo(repo, {"broken.py": "def f(:\n"})
    assert cli("scan", ".", "--no-cache", "--select", "DS0").exit_code == 0
    failing = cli("scan", ".", "--no-cache", "--select", "DS0", "--fail-on-error")
    assert failing.exit_code == 1
    assert "broken.py: syntax error at line 1" in failing.stdout
    assert cli("scan", ".", "--no-cache", "--select", "DS0", "--fail-on-error", "--exit-zero").exit_code == 0


def test_the_python_api_scans_a_folder_with_a_config_table(tmp_path):
    write_repo(tmp_path, HANDOFF)
    report = debtscan.scan(tmp_path, config={"select": ["DS2"]}, use_cache=False)
    assert isinstance(report, Report)
    assert [(f.code, f.path, f.line) for f in report.findings] == [("DS201", "make.py", 3), ("DS201", "use.py", 2)]
    assert report.files_scanned == 2
    only_use = debtscan.scan(tmp_path / "use.py", use_cache=False)
    assert [(f.code, f.path) for f in only_use.findings] == [("DS201", "use.py")]
    config = tmp_path / "debtscan.toml"
    config.write_text('ignore = ["pipeline-jungle"]\n', encoding="utf-8")
    assert debtscan.scan(tmp_path, config=config, use_cache=False).findings == []
    with pytest.raises(ScopeError, match="path does not exist"):
        debtscan.scan(tmp_path / "missing")


def test_the_readme_api_example_runs_on_the_demo(monkeypatch, capsys):
    repo = Path(__file__).resolve().parent.parent
    readme = (repo / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Python API"):readme.index("### Shell completion")]
    code = section[section.index("```python\n") + len("```python\n"):section.index("\n```", section.index("```python"))]
    monkeypatch.chdir(repo)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "12 findings in 10 files"
    assert out[1].startswith("[('DS201', 9), ")
    assert any(line.startswith("01_prepare.py:14: jungle chain of 3 intermediate-file hand-offs") for line in out)


def test_explain_takes_a_rule_name_and_suggests_the_closest_on_a_typo():
    assert cli("explain", "jungle-chain").stdout.startswith("# DS202 jungle-chain\n")
    typo = cli("explain", "jungle-chian")
    assert typo.exit_code == 2
    assert typo.stderr == ("Error: no rule has code 'jungle-chian'; did you mean 'jungle-chain'? "
                           "(`debtscan rules` lists them)\n")


def test_graph_exports_the_folder_given(tmp_path, monkeypatch):
    write_repo(tmp_path / "proj", {**HANDOFF, "sub/other.py": "x = 1\n"})
    monkeypatch.chdir(tmp_path / "proj")
    nodes = json.loads(cli("graph", "sub", "--no-cache").stdout)["nodes"]
    assert sorted(n["path"] for n in nodes if n["kind"] == "module") == ["other.py"]


def test_concise_lists_files_that_could_not_be_analysed_on_stderr(repo):
    write_repo(repo, {"broken.py": "def f(:\n"})
    result = cli("scan", ".", "--no-cache", "--format", "concise", "--quiet")
    assert result.stdout.count("\n") == 2 and "broken.py" not in result.stdout
    assert result.stderr.startswith("error: broken.py: syntax error at line 1, column ")


def test_selecting_a_rule_of_a_plugin_that_failed_to_load_names_the_failure(tmp_path):
    write_repo(tmp_path, HANDOFF)
    with pytest.raises(SelectorError) as failure:
        debtscan.scan(tmp_path, {"plugins": ["no_such_rules_module"]}, select=["XY101"], use_cache=False)
    message = str(failure.value)
    assert message.startswith("--select: unknown rule selector 'XY101'; ")
    assert message.endswith("[note: plugin no_such_rules_module: cannot load: ModuleNotFoundError: No module named "
                            "'no_such_rules_module']")


def test_options_for_a_mistyped_rule_code_suggest_the_closest(tmp_path):
    write_repo(tmp_path, HANDOFF)
    (tmp_path / "debtscan.toml").write_text("[rules.DS2O2]\nmin-handoffs = 2\n", encoding="utf-8")
    result = cli("scan", tmp_path, "--no-cache")
    assert result.exit_code == 2
    assert result.stderr == (f"Error: configuration error: {tmp_path / 'debtscan.toml'}:1: [tool.debtscan.rules.DS2O2]: "
                             "no rule has code DS2O2; did you mean 'DS202'?\n")


def test_the_composition_chart_of_a_scan_of_some_paths_lists_only_their_files(tmp_path, monkeypatch):
    service = textwrap.dedent(_GLUE_SERVICE).lstrip("\n")
    write_repo(tmp_path, {"debtscan.toml": "", "api/service.py": service, "batch/service.py": service})
    monkeypatch.chdir(tmp_path)
    out = cli("scan", "api", "--no-cache", "--select", "DS101").stdout
    chart = out[out.index("Code composition\n"):].splitlines()[2:]
    rows = [line.split()[0] for line in chart[:chart.index(next(l for l in chart if "█ ml" in l))]]
    assert rows == ["repo", "api/service.py"]


def test_extend_select_in_the_config_adds_to_select(tmp_path):
    write_repo(tmp_path, HANDOFF)
    report = debtscan.scan(tmp_path, {"select": ["DS0"], "extend-select": ["intermediate-file-handoff"]},
                           use_cache=False)
    assert [(f.code, f.path) for f in report.findings] == [("DS201", "make.py"), ("DS201", "use.py")]
    with pytest.raises(SelectorError, match=r"\[tool.debtscan\] extend-select: unknown rule selector 'DS2O1'"):
        debtscan.scan(tmp_path, {"extend-select": ["DS2O1"]}, use_cache=False)
