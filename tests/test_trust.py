"""Scanning an untrusted checkout is safe (issue 21), and a trusted one's own plugins load (issue 20, item 4).

The checkout below was written by someone else (a pull request from a fork, a download being audited). Its
`pyproject.toml` names a plugin module of its own that leaves a marker file outside the checkout and prints at
import and in its check, names a standard-library module that prints (`this`), and points `cache-dir` outside
the project. debtscan runs as a user runs it: the installed `debtscan` command in a subprocess, from the
checkout, with no PYTHONPATH; stdout must hold the report and nothing else.
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import validate_report
from debtscan.testing import scan_repo, write_repo

PLUGIN = '''
import os
import subprocess
import sys
from pathlib import Path

from debtscan.rules import Rule

Path({marker!r}).write_text("the checkout's code ran at import", encoding="utf-8")
print("PLUGIN PRINTS AT IMPORT")
sys.__stdout__.write("PLUGIN WRITES TO sys.__stdout__\\n")
os.write(1, b"PLUGIN WRITES TO FD 1\\n")


class PickleHandoff(Rule):
    code = "XY101"
    name = "pickle-handoff"
    category = "pipeline-jungle"
    severity = "warning"
    summary = "A pickle file handed between modules."
    why = "Pickles tie readers to the writer's class layout and library versions."
    fix = "Hand off parquet or another declared, versioned format."

    def check(self, ctx):
        print("PLUGIN PRINTS IN CHECK")
        subprocess.run([sys.executable, "-c", "print('PLUGIN CHILD PROCESS PRINTS')"], check=True)
        for write, read in ctx.project.handoffs:
            yield self.finding(read.module, read.line, f"`{{read.artifact}}` is a pickle hand-off",
                               subject=read.artifact)
'''

SOURCES = {
    "make.py": """
        import pandas as pd
        pd.DataFrame({"a": [1]}).to_pickle("data/interim/frame.pkl")
    """,
    "use.py": """
        import pandas as pd
        frame = pd.read_pickle("data/interim/frame.pkl")
    """,
    "tools/__init__.py": "",
}

PLUGIN_OUTPUT = ("PLUGIN PRINTS", "PLUGIN WRITES", "PLUGIN CHILD", "The Zen of Python", "Beautiful is better")


def debtscan_command():
    """The installed console script, as a user runs it (no current folder on the import path)."""
    script = shutil.which("debtscan", path=str(Path(sys.executable).parent))
    if script:
        return [script]
    return [sys.executable, "-c", "import sys; del sys.path[0]; from debtscan.cli import main; main()"]


def run(*args, cwd, env=None):
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("DEBTSCAN_TRUST_CONFIG", "DEBTSCAN_CACHE_DIR", "DEBTSCAN_NO_CACHE")}
    environment.update(env or {})
    return subprocess.run([*debtscan_command(), *map(str, args)], cwd=cwd, env=environment, capture_output=True,
                          text=True, timeout=300)


def files_under(folder: Path):
    """Every path under ``folder`` with its content (symlinks as their target), to prove nothing changed."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            out[str(path)] = ("link", os.readlink(path))
        elif path.is_file():
            out[str(path)] = ("file", path.read_bytes())
        else:
            out[str(path)] = ("dir", None)
    return out


@pytest.fixture
def world(tmp_path):
    """``checkout/`` (the hostile project) next to ``outside/`` (the user's other files)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "notes.txt").write_text("the user's own file\n", encoding="utf-8")
    checkout = tmp_path / "checkout"
    write_repo(checkout, SOURCES)
    (checkout / "tools" / "debt_rules.py").write_text(
        textwrap.dedent(PLUGIN.format(marker=str(outside / "MARKER"))), encoding="utf-8")
    return tmp_path, checkout, outside


def configure(checkout: Path, *lines: str) -> None:
    body = "\n".join(('[tool.debtscan]', 'plugins = ["tools.debt_rules", "this"]', *lines))
    (checkout / "pyproject.toml").write_text(body + "\n", encoding="utf-8")


def report_of(result):
    """The JSON report, which must be the whole of stdout."""
    assert result.returncode in (0, 1), (result.returncode, result.stderr)
    for text in PLUGIN_OUTPUT:
        assert text not in result.stdout
    return validate_report(json.loads(result.stdout))


def errors(report):
    return {e["path"]: e["message"] for e in report["errors"]}


def located(report, code):
    return sorted((f["path"], f["line"]) for f in report["findings"] if f["code"] == code)


# -- the default: nothing the checkout names is imported ----------------------------------------------------

def test_by_default_no_plugin_the_checkout_names_is_imported_and_each_refusal_is_a_clear_note(world):
    tmp_path, checkout, outside = world
    configure(checkout)
    result = run("scan", ".", "--format", "json", cwd=checkout)
    report = report_of(result)
    assert not (outside / "MARKER").exists()
    for text in PLUGIN_OUTPUT:
        assert text not in result.stderr
    found = errors(report)
    where = f"{checkout / 'pyproject.toml'}:2"
    for plugin in ("tools.debt_rules", "this"):
        assert found[f"<plugin {plugin}>"] == (
            f"not imported: it is named by `plugins` in {where}, and a configuration's plugins are code of the "
            f"scanned repository, loaded only with --trust-config (or DEBTSCAN_TRUST_CONFIG=1)")
        assert f"warning: plugin {plugin}: not imported: it is named by `plugins` in {where}" in result.stderr
    assert located(report, "XY101") == []
    assert located(report, "DS201") == [("make.py", 2), ("use.py", 2)]  # the scan itself goes on
    assert report["summary"]["files_with_errors"] == 0  # notes about settings are not files that failed


def test_a_false_environment_value_does_not_trust_the_configuration(world):
    _, checkout, outside = world
    configure(checkout)
    report = report_of(run("scan", ".", "--format", "json", cwd=checkout, env={"DEBTSCAN_TRUST_CONFIG": "0"}))
    assert not (outside / "MARKER").exists()
    assert "<plugin this>" in errors(report)


def test_rules_and_explain_import_nothing_by_default_and_say_how_to_load_the_plugin(world):
    _, checkout, outside = world
    configure(checkout)
    listing = run("rules", cwd=checkout)
    assert listing.returncode == 0
    assert "XY101" not in listing.stdout and "DS201" in listing.stdout
    assert "warning: plugin tools.debt_rules: not imported" in listing.stderr
    explained = run("explain", "XY101", cwd=checkout)
    assert explained.returncode == 2
    assert explained.stdout == ""
    assert ("Error: no rule has code 'XY101' (the configuration's plugins were not loaded: this, tools.debt_rules; "
            "pass --trust-config to load them)") in explained.stderr
    assert not (outside / "MARKER").exists()


def test_options_for_a_refused_plugins_rule_are_a_note_not_a_configuration_error(world):
    _, checkout, outside = world
    configure(checkout, "[tool.debtscan.rules.XY101]", 'formats = ["pickle"]')
    report = report_of(run("scan", ".", "--format", "json", "--no-cache", cwd=checkout))
    assert errors(report)["<rule XY101>"] == (
        f"{checkout / 'pyproject.toml'}:3: [tool.debtscan.rules.XY101]: no rule has code XY101 (the configuration's "
        f"plugins were not loaded: this, tools.debt_rules; pass --trust-config to load them)")


# -- the cache directory a configuration names stays inside the project -------------------------------------

def _cache_dir_outside(tmp_path: Path, checkout: Path, how: str) -> str:
    if how == "dotdot":
        return "../outside/cache"
    if how == "symlink":
        (checkout / "cache-link").symlink_to(tmp_path / "outside", target_is_directory=True)
        return "cache-link/cache"
    return str(tmp_path / "outside" / "cache")


@pytest.mark.parametrize("how, reason", [
    ("dotdot", "leaves the project root {root} through `..`"),
    ("symlink", "leaves the project root {root} through a symlink (it resolves to {outside}/cache)"),
    ("absolute", "is an absolute path outside the project root {root}"),
])
def test_a_cache_dir_outside_the_project_is_refused_and_the_default_cache_is_used(world, how, reason):
    tmp_path, checkout, outside = world
    value = _cache_dir_outside(tmp_path, checkout, how)
    configure(checkout, f"cache-dir = {json.dumps(value)}")
    before = files_under(outside)
    result = run("scan", ".", "--format", "json", cwd=checkout)
    report = report_of(result)
    assert files_under(outside) == before  # nothing written outside the checkout
    note = (f"{checkout / 'pyproject.toml'}:3: cache-dir {value!r} "
            f"{reason.format(root=checkout, outside=outside)}; using the default .debtscan_cache there instead "
            f"(a cache outside the project can only be chosen with --cache-dir or DEBTSCAN_CACHE_DIR)")
    assert errors(report)["<cache-dir>"] == note
    assert f"warning: {note}" in result.stderr
    assert list((checkout / ".debtscan_cache").glob("facts-*.pack"))  # the scan went on, with the default cache
    assert located(report, "DS201") == [("make.py", 2), ("use.py", 2)]


def test_a_cache_dir_inside_the_project_is_used_as_configured(world):
    _, checkout, _ = world
    configure(checkout, 'cache-dir = "build-cache/debtscan"')
    report = report_of(run("scan", ".", "--format", "json", cwd=checkout))
    assert "<cache-dir>" not in errors(report)
    assert list((checkout / "build-cache" / "debtscan").glob("facts-*.pack"))
    assert not (checkout / ".debtscan_cache").exists()


def test_a_default_cache_folder_that_is_a_symlink_out_of_the_project_is_not_written_through(world):
    tmp_path, checkout, outside = world
    configure(checkout)
    (checkout / ".debtscan_cache").symlink_to(outside, target_is_directory=True)
    before = files_under(outside)
    report = report_of(run("scan", ".", "--format", "json", cwd=checkout))
    assert files_under(outside) == before
    assert errors(report)["<cache-dir>"].startswith(
        f"the cache folder .debtscan_cache leaves the project root {checkout} through a symlink")
    assert "scanning without a cache" in errors(report)["<cache-dir>"]


def test_a_shipped_cache_folder_with_a_dangling_gitignore_link_does_not_write_where_it_points(world):
    _, checkout, outside = world
    configure(checkout)
    (checkout / ".debtscan_cache").mkdir()
    (checkout / ".debtscan_cache" / ".gitignore").symlink_to(outside / "planted")
    report_of(run("scan", ".", "--format", "json", cwd=checkout))
    assert not (outside / "planted").exists()


def test_a_cache_outside_the_project_can_be_chosen_on_the_command_line_or_in_the_environment(world):
    tmp_path, checkout, _ = world
    configure(checkout, 'cache-dir = "../ignored"')
    report = report_of(run("scan", ".", "--format", "json", "--cache-dir", tmp_path / "cli-cache", cwd=checkout))
    assert "<cache-dir>" not in errors(report)  # the user's choice wins over the configuration's
    assert list((tmp_path / "cli-cache").glob("facts-*.pack"))
    report = report_of(run("scan", ".", "--format", "json", cwd=checkout,
                           env={"DEBTSCAN_CACHE_DIR": str(tmp_path / "env-cache")}))
    assert "<cache-dir>" not in errors(report)
    assert list((tmp_path / "env-cache").glob("facts-*.pack"))
    assert not (tmp_path / "ignored").exists()


# -- --isolated and --no-plugins -----------------------------------------------------------------------------

def test_isolated_ignores_the_scanned_configuration_entirely(world):
    tmp_path, checkout, outside = world
    configure(checkout, 'select = ["DS3"]', 'cache-dir = "../outside/cache"')
    before = files_under(outside)
    result = run("scan", ".", "--format", "json", "--isolated", "--trust-config", cwd=checkout)
    report = report_of(result)
    assert report["errors"] == [] and result.stderr == ""  # not read, so nothing to refuse
    assert report["config_file"] is None
    assert located(report, "DS201") == [("make.py", 2), ("use.py", 2)]  # `select` was not applied either
    assert files_under(outside) == before
    assert list((checkout / ".debtscan_cache").glob("facts-*.pack"))
    both = run("scan", ".", "--isolated", "--config", "pyproject.toml", cwd=checkout)
    assert both.returncode == 2
    assert "--isolated ignores every configuration file; it cannot be combined with --config" in both.stderr


def test_no_plugins_wins_over_trust(world):
    _, checkout, outside = world
    configure(checkout)
    report = report_of(run("scan", ".", "--format", "json", "--no-plugins", cwd=checkout,
                           env={"DEBTSCAN_TRUST_CONFIG": "1"}))
    assert not (outside / "MARKER").exists()
    assert errors(report)["<plugin tools.debt_rules>"].startswith("not imported: --no-plugins")


# -- trusted: the checkout's plugins load from the project root ---------------------------------------------

@pytest.mark.parametrize("trust", [("--trust-config",), ()], ids=["flag", "environment"])
def test_a_trusted_configuration_loads_its_plugin_from_the_project_root_and_its_output_goes_to_stderr(world, trust):
    _, checkout, outside = world
    configure(checkout)
    env = {} if trust else {"DEBTSCAN_TRUST_CONFIG": "1"}
    result = run("scan", ".", "--format", "json", "--no-cache", *trust, cwd=checkout, env=env)
    report = report_of(result)  # stdout: the report only
    assert (outside / "MARKER").read_text(encoding="utf-8") == "the checkout's code ran at import"
    assert located(report, "XY101") == [("use.py", 2)]
    found = errors(report)
    assert "<plugin tools.debt_rules>" not in found
    assert found["<plugin this>"] == "defines no Rule subclass with a code"
    for text in ("PLUGIN PRINTS AT IMPORT", "PLUGIN WRITES TO sys.__stdout__", "PLUGIN WRITES TO FD 1",
                 "PLUGIN PRINTS IN CHECK", "PLUGIN CHILD PROCESS PRINTS", "The Zen of Python"):
        assert text in result.stderr


def test_a_trusted_plugins_rules_appear_in_rules_and_explain(world):
    _, checkout, _ = world
    configure(checkout)
    listing = run("rules", "--trust-config", cwd=checkout)
    assert listing.returncode == 0
    assert "XY101" in listing.stdout and "pickle-handoff" in listing.stdout
    assert "PLUGIN PRINTS" not in listing.stdout
    explained = run("explain", "XY101", "--trust-config", cwd=checkout)
    assert explained.returncode == 0, explained.stderr
    assert explained.stdout.startswith("# XY101 pickle-handoff\n\nA pickle file handed between modules.\n")
    for text in PLUGIN_OUTPUT:
        assert text not in explained.stdout


def test_a_trusted_plugin_that_cannot_be_imported_is_reported_and_the_scan_goes_on(world):
    _, checkout, _ = world
    (checkout / "tools" / "broken.py").write_text("import a_module_nobody_has\n", encoding="utf-8")
    (checkout / "pyproject.toml").write_text('[tool.debtscan]\nplugins = ["tools.broken"]\n', encoding="utf-8")
    result = run("scan", ".", "--format", "json", "--trust-config", "--no-cache", cwd=checkout)
    report = report_of(result)
    message = "cannot load: ModuleNotFoundError: No module named 'a_module_nobody_has'"
    assert errors(report)["<plugin tools.broken>"] == message
    assert f"warning: plugin tools.broken: {message}" in result.stderr
    assert located(report, "DS201") == [("make.py", 2), ("use.py", 2)]


def test_two_projects_plugins_of_the_same_name_each_load_from_their_own_root(tmp_path):
    """In one process (a notebook using the API): the second project's `tools.debt_rules` is its own."""
    rule = '''
        from debtscan.rules import Rule


        class Marker(Rule):
            code = "{code}"
            name = "marker"
            category = "pipeline-jungle"
            severity = "info"
            summary = "Marks make.py."
            why = "A test rule."
            fix = "Nothing."

            def check(self, ctx):
                yield self.finding("make.py", 1, "marked", subject="make.py")
    '''
    reports = []
    try:
        for code in ("XY201", "XY202"):
            root = tmp_path / code
            write_repo(root, dict(SOURCES, **{"tools/debt_rules.py": rule.format(code=code)}))
            reports.append(scan_repo(root, {"plugins": ["tools.debt_rules"]})[0])
    finally:
        for name in [n for n in sys.modules if n == "tools" or n.startswith("tools.")]:
            del sys.modules[name]
    assert [sorted({f.code for f in r.findings if f.code.startswith("XY")}) for r in reports] == [["XY201"], ["XY202"]]
    assert str(tmp_path / "XY202") not in sys.path


def test_the_console_report_lists_refused_settings_as_notes_not_as_files_that_failed(world):
    from click.testing import CliRunner

    from debtscan.cli import main

    _, checkout, outside = world
    configure(checkout, 'cache-dir = "../outside/cache"')
    result = CliRunner().invoke(main, ["scan", str(checkout), "--jobs", "1"])
    assert result.exit_code == 1, result.output
    assert "3 note(s) on the configuration and plugins:" in result.stdout
    assert "<plugin this>: not imported" in result.stdout
    assert "could not be analysed" not in result.stdout
    assert not (outside / "MARKER").exists() and not (outside / "cache").exists()


def test_a_cache_folder_chosen_in_code_is_the_callers_choice_and_may_be_anywhere(tmp_path):
    """The limit is on configuration files: a script using the API (or the history command) picks its own."""
    from debtscan.config import Config
    from debtscan.engine import ScanOptions, scan

    root = tmp_path / "project"
    write_repo(root, SOURCES)
    report, _ = scan(ScanOptions(root=root, config=Config(cache_dir=str(tmp_path / "shared-cache")), jobs=1))
    assert [e for e in report.errors if e.path == "<cache-dir>"] == []
    assert list((tmp_path / "shared-cache").glob("facts-*.pack"))


def test_a_cache_pack_shipped_as_a_symlink_is_not_written_through(world):
    _, checkout, outside = world
    configure(checkout)
    report_of(run("scan", ".", "--format", "json", cwd=checkout))
    [pack] = list((checkout / ".debtscan_cache").glob("facts-*.pack"))  # the name a checkout can predict
    pack.unlink()
    victim = outside / "notes.txt"
    pack.symlink_to(victim)
    (checkout / "make.py").write_text("import pandas as pd\npd.read_csv('x.csv')\n", encoding="utf-8")
    report = report_of(run("scan", ".", "--format", "json", cwd=checkout))
    assert victim.read_text(encoding="utf-8") == "the user's own file\n"
    assert "is a symbolic link, which debtscan did not create; not writing through it" in errors(report)["<cache>"]


def test_the_python_api_trusts_a_configuration_file_only_when_asked(world):
    """`debtscan.scan(path)` reads the checkout's pyproject.toml as the CLI does: its plugins stay unimported
    (a note says so) unless the caller passes trust_config=True; a table passed in code is the caller's own."""
    import debtscan

    _, checkout, outside = world
    configure(checkout)
    try:
        safe = debtscan.scan(checkout, use_cache=False)
        assert not (outside / "MARKER").exists()
        assert {e.path for e in safe.errors if e.notice} >= {"<plugin tools.debt_rules>", "<plugin this>"}
        assert not [f for f in safe.findings if f.code.startswith("XY")]
        trusted = debtscan.scan(checkout, use_cache=False, trust_config=True)
        assert (outside / "MARKER").exists()
        assert [f for f in trusted.findings if f.code.startswith("XY")]
    finally:
        for name in [n for n in sys.modules if n in ("tools", "this") or n.startswith("tools.")]:
            del sys.modules[name]
