"""Hostile input never crashes a scan (issue 8).

Each bad file gets a clear, located message under `errors`, and the findings of the good files are still
reported. The committed part of the adversarial repo is fixtures/hostile (see its README); what git cannot hold
or must not be committed (binary blobs, symlink loops, symlinks out of the root, undecodable names, FIFOs,
huge or deeply nested generated code, unreadable files, broken plugins, a corrupt cache) is added here, at run
time, to a copy in a temporary folder.

CI and this machine run as root, for whom `chmod 000` does not make a file unreadable: unreadable files and
folders are simulated by making `open` / `os.scandir` raise PermissionError for that one path, in-process.
"""
import builtins
import os
import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import validate_report
from debtscan.cli import main
from debtscan.testing import scan_repo, write_repo
from evaluation import labels_of

HOSTILE = Path(__file__).resolve().parent.parent / "fixtures" / "hostile"
MARKER = Path("/tmp/debtscan-hostile-EXECUTED")
ARTIFACT = "data/interim/clean.parquet"


def cli(*args, env=None):
    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    return result


def scan_json(root, *extra):
    result = cli("scan", root, "--format", "json", "--no-cache", "--jobs", "1", *extra)
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr, result.output)
    return validate_report(result.stdout)


def handoffs(report):
    return sorted((f["path"], f["line"], f["cell"]) for f in report["findings"] if f["code"] == "DS201")


def errors(report):
    return {e["path"]: e["message"] for e in report["errors"]}


@pytest.fixture
def repo(tmp_path):
    """A fresh copy of fixtures/hostile."""
    target = tmp_path / "repo"
    shutil.copytree(HOSTILE, target, symlinks=True)
    return target


def reader(path):
    return f'import pandas as pd\n\nframe = pd.read_parquet("{ARTIFACT}")\n'


# -- the committed fixture ---------------------------------------------------------------------------------

EXPECTED_ERRORS = {
    "syntax_error.py": "syntax error at line 3, column 11: invalid syntax",
    "python2.py": "syntax error at line 3, column 0: Missing parentheses in call to 'print'",
    "invalid_utf8.py": "cannot decode as utf-8: line 2, byte 57: invalid continuation byte (a file in another "
                       "encoding needs a PEP 263 coding cookie)",
    "notebooks/not_json.ipynb": "notebook is not valid JSON: Expecting property name enclosed in double quotes",
    "notebooks/no_cells.ipynb": "notebook has no list of cells",
    "notebooks/r_kernel.ipynb": "notebook kernel language is 'r', not Python",
}


def test_every_bad_file_of_the_fixture_gets_a_clear_located_error_and_the_good_files_are_reported(repo):
    report = scan_json(repo)
    found = errors(report)
    assert set(found) == set(EXPECTED_ERRORS)
    for path, message in EXPECTED_ERRORS.items():
        assert found[path].startswith(message), (path, found[path])
    # The hand-off prepare.py -> readers, found in a BOM+CRLF file, names with a space and non-ASCII letters,
    # a notebook whose cell source is a string and one full of magics: exactly the labelled findings.
    expected = sorted((path, line) for code, path, line in labels_of(HOSTILE) if code == "DS201")
    assert sorted((p, line) for p, line, _ in handoffs(report)) == expected
    assert report["summary"]["files_scanned"] == 21
    assert report["summary"]["files_with_errors"] == len(EXPECTED_ERRORS)


def test_bom_crlf_keeps_line_numbers_and_notebook_findings_name_their_cell(repo):
    report = scan_json(repo)
    found = handoffs(report)
    assert ("bom_crlf.py", 4, None) in found
    assert ("notebooks/string_source.ipynb", 2, 1) in found
    assert ("notebooks/magics.ipynb", 4, 2) in found  # cell 2, after `files = !ls` and `pd.read_csv?`


def test_coding_cookies_decode_latin1_and_cp1252_and_an_empty_file_is_fine(repo):
    report, project = scan_repo(repo)
    assert not {"latin1_cookie.py", "cp1252_cookie.py", "empty.py"} & {e.path for e in report.errors}
    constants = {c.name: c for c in project.facts["latin1_cookie.py"].constants}
    assert "prix_payé" in repr(constants["LABEL"])
    constants = {c.name: c for c in project.facts["cp1252_cookie.py"].constants}
    assert "€" in repr(constants["CURRENCY"])


def test_console_output_lists_the_errors_without_a_traceback(repo):
    result = cli("scan", repo, "--no-cache", "--jobs", "1")
    assert result.exit_code == 1
    assert "Traceback" not in result.output + result.stderr
    assert "python2.py: syntax error at line 3" in result.output.replace("\n", " ")


# -- never executes scanned code --------------------------------------------------------------------------

def test_scanned_code_is_never_executed(repo, tmp_path, monkeypatch):
    """Module-level code, setup.py, conftest.py, __init__.py and a notebook with os.system/!touch would all
    create the marker; the scan (plain, with workers, and with every rule and the cache) never does."""
    MARKER.unlink(missing_ok=True)
    monkeypatch.chdir(repo / "never_run")
    for args in (["--jobs", "1", "--no-cache"], ["--jobs", "2", "--no-cache"], ["--jobs", "1"]):
        result = cli("scan", repo, "--format", "json", *args)
        assert result.exit_code in (0, 1), result.stderr
        validate_report(result.stdout)
    result = cli("graph", repo, "--no-cache")
    assert result.exit_code == 0
    assert not MARKER.exists()
    assert not (repo / "never_run" / "EXECUTED").exists()
    assert "never_run" not in sys.modules and "module_level" not in sys.modules


# -- created at run time -------------------------------------------------------------------------------------

def test_binary_undecodable_names_fifos_and_folders_named_like_python_files(repo):
    (repo / "blob.py").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (repo / "random.py").write_bytes(bytes(range(128, 256)) * 8)
    os.mkfifo(repo / "pipe.py")  # reading it would block forever
    (repo / "folder.py").mkdir()
    (repo / "folder.py" / "inside.py").write_text(reader("inside"), encoding="utf-8")
    (repo / os.fsdecode(b"caf\xe9.py")).write_bytes(reader("x").encode())
    (repo / "new\nline.py").write_text(reader("x"), encoding="utf-8")
    report = scan_json(repo)
    found = errors(report)
    assert found["blob.py"] == "binary file (contains NUL bytes), not Python source"
    assert found["random.py"].startswith("cannot decode as utf-8: line 1, byte 0: invalid start byte")
    assert found["caf\\xe9.py"] == "file name is not valid UTF-8: skipped"
    assert "pipe.py" not in found
    paths = {p for p, _, _ in handoffs(report)}
    assert {"folder.py/inside.py", "new\nline.py"} <= paths


def test_symlinks_are_never_followed_out_of_the_root_and_never_loop(repo, tmp_path):
    outside = tmp_path / "outside"
    write_repo(outside, {"secret.py": reader("secret")})
    os.symlink(outside, repo / "outside_dir")
    os.symlink(outside / "secret.py", repo / "outside_file.py")
    os.symlink("self_loop.py", repo / "self_loop.py")
    os.symlink("loop_b", repo / "loop_a")
    os.symlink("loop_a", repo / "loop_b")
    os.symlink("..", repo / "notebooks" / "parent")  # a cycle inside the root
    os.symlink("train.py", repo / "train_alias.py")  # inside the root: scanned at its real place only
    report = scan_json(repo)
    found = errors(report)
    assert found["outside_dir"] == "symlink leaves the scanned root: not followed"
    assert found["outside_file.py"] == "symlink leaves the scanned root: not followed"
    assert found["self_loop.py"] == "broken or looping symlink"
    paths = {f["path"] for f in report["findings"]}
    assert not any("secret" in p or "outside" in p or "parent" in p or "alias" in p for p in paths)
    assert report["summary"]["files_scanned"] == 21


def test_a_very_long_line_of_data_is_analysed_and_a_generated_expression_chain_is_skipped(repo):
    (repo / "long_line.py").write_text(
        "import pandas as pd\nWEIGHTS = [" + ", ".join(str(i) for i in range(40_000)) + "]\n"
        f'frame = pd.read_parquet("{ARTIFACT}")\n', encoding="utf-8")
    (repo / "long_chain.py").write_text("X = " + " + ".join(["x"] * 100_000) + "\n", encoding="utf-8")
    (repo / "long_attr.py").write_text("x = a" + ".b" * 20_000 + "\n", encoding="utf-8")
    (repo / "long_calls.py").write_text("x = (f\n" + "    ()\n" * 5_000 + ")\n", encoding="utf-8")
    report = scan_json(repo)
    found = errors(report)
    assert "long_line.py" not in found
    assert ("long_line.py", 3, None) in handoffs(report)
    chain = "one expression chains more than 500 operations (machine-generated code?): too long to analyse"
    assert found["long_chain.py"].startswith(f"line 1: {chain}")
    assert found["long_attr.py"].startswith(f"line 1: {chain}")
    assert found["long_calls.py"].startswith(f"line 502: {chain}")


def test_deep_nesting_is_refused_like_cpython_or_caught_as_recursion_never_a_crash(repo):
    """libcst's native parser overflows its stack (a segfault) on brackets nested thousands deep: refused
    before parsing, as CPython refuses more than 200. Deep but legal nesting is analysed; a statement chain
    too deep for the recursion budget (3,000 elifs) is a per-file error."""
    (repo / "deep_parens.py").write_text("X = " + "(" * 5_000 + "1" + ")" * 5_000 + "\n", encoding="utf-8")
    (repo / "deep_lists.py").write_text("X = " + "[\n" * 3_000 + "]\n" * 3_000, encoding="utf-8")
    (repo / "deep_legal.py").write_text(
        "X = " + "(" * 150 + "1" + ")" * 150 + "\nY = " + "not " * 400 + f"a\nimport pandas as pd\n"
        f'frame = pd.read_parquet("{ARTIFACT}")\n', encoding="utf-8")
    (repo / "deep_elifs.py").write_text("if a:\n    pass\n" + "elif a:\n    pass\n" * 3_000, encoding="utf-8")
    report = scan_json(repo)
    found = errors(report)
    assert found["deep_parens.py"] == "line 1: brackets nested more than 200 deep (Python allows 200): skipped"
    assert found["deep_lists.py"] == "line 201: brackets nested more than 200 deep (Python allows 200): skipped"
    assert found["deep_elifs.py"] == "too deeply nested to analyse (recursion limit): skipped"
    assert "deep_legal.py" not in found
    assert ("deep_legal.py", 4, None) in handoffs(report)


def test_a_recursion_error_in_a_worker_process_does_not_kill_the_pool(repo):
    for index in range(20):  # enough files for two workers
        (repo / f"reader_{index:02}.py").write_text(reader(index), encoding="utf-8")
    (repo / "deep_elifs.py").write_text("if a:\n    pass\n" + "elif a:\n    pass\n" * 3_000, encoding="utf-8")
    result = cli("scan", repo, "--format", "json", "--no-cache", "--jobs", "2")
    assert result.exit_code == 1, result.stderr
    report = validate_report(result.stdout)
    assert errors(report)["deep_elifs.py"] == "too deeply nested to analyse (recursion limit): skipped"
    assert {f"reader_{i:02}.py" for i in range(20)} <= {p for p, _, _ in handoffs(report)}


def test_unreadable_files_and_folders_are_reported_and_the_rest_is_scanned(repo, monkeypatch):
    """Simulated in-process (root can read a chmod 000 file): `open` of one file and `os.scandir` of one
    folder raise PermissionError."""
    (repo / "locked").mkdir()
    (repo / "locked" / "hidden.py").write_text(reader("hidden"), encoding="utf-8")
    (repo / "secret.py").write_text(reader("secret"), encoding="utf-8")
    real_open, real_scandir = builtins.open, os.scandir
    locked_file, locked_dir = str(repo / "secret.py"), str(repo / "locked")

    def fake_open(file, *args, **kwargs):
        if os.fspath(file) == locked_file:
            raise PermissionError(13, "Permission denied", locked_file)
        return real_open(file, *args, **kwargs)

    def fake_scandir(path="."):
        if os.fspath(path) == locked_dir:
            raise PermissionError(13, "Permission denied", locked_dir)
        return real_scandir(path)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(os, "scandir", fake_scandir)
    report = scan_json(repo)
    found = errors(report)
    assert found["secret.py"] == "cannot read: Permission denied"
    assert found["locked"] == "cannot list directory: Permission denied"
    assert ("train.py", 4, None) in handoffs(report)


def test_a_corrupt_cache_is_a_miss_and_the_findings_are_the_same(repo):
    clean = scan_json(repo)
    first = cli("scan", repo, "--format", "json", "--jobs", "1")  # fills .debtscan_cache
    cache = repo / ".debtscan_cache"
    packs = [p for p in cache.rglob("*") if p.is_file() and p.name != ".gitignore"]
    assert packs
    for pack in packs:
        data = pack.read_bytes()
        pack.write_bytes(data[: len(data) // 2] + b"\x00garbage\xff" * 10)
    second = cli("scan", repo, "--format", "json", "--jobs", "1")
    for result in (first, second):
        assert result.exit_code == 1, result.stderr
        assert handoffs(validate_report(result.stdout)) == handoffs(clean)
    shutil.rmtree(cache)
    cache.write_text("a file where the cache folder should be", encoding="utf-8")
    third = cli("scan", repo, "--format", "json", "--jobs", "1")
    assert third.exit_code == 1, third.stderr
    assert handoffs(validate_report(third.stdout)) == handoffs(clean)


# -- configuration and plugins ----------------------------------------------------------------------------

@pytest.mark.parametrize("toml, message", [
    ('[tool.debtscan]\nselect = ["DS2"\n', "pyproject.toml: invalid TOML: Unclosed array"),
    ("[tool.debtscan]\nselect = 'DS2'\n", "pyproject.toml:2: [tool.debtscan] select must be a list of strings"),
    ('[tool.debtscan]\nfail-on = "sometimes"\n', "pyproject.toml:2: [tool.debtscan] fail-on must be one of"),
    ("[tool.debtscan]\nmax-file-size = -1\n", "pyproject.toml:2: [tool.debtscan] max-file-size must be a "
                                             "positive integer"),
    ("[tool]\ndebtscan = 3\n", "pyproject.toml:2: [tool.debtscan] must be a table"),
])
def test_a_broken_pyproject_is_a_one_line_configuration_error_with_exit_2(repo, toml, message):
    (repo / "pyproject.toml").write_text(toml, encoding="utf-8")
    result = cli("scan", repo, "--no-cache")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: configuration error: {repo / 'pyproject.toml'}"[:-len("pyproject.toml")])
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


BOOM_IMPORT = "raise RuntimeError('the plugin is broken at import')\n"
BOOM_CHECK = '''
from debtscan.rules import Rule


class Explodes(Rule):
    code = "XY900"
    name = "explodes"
    category = "pipeline-jungle"
    severity = "warning"
    summary = "Always raises."
    why = "To test that a failing plugin rule does not stop the scan."
    fix = "Nothing."

    def check(self, ctx):
        yield from ()
        raise ZeroDivisionError("the rule divided by zero")
'''


BAD_OUTPUT = '''
from debtscan.rules import Rule


class LineZero(Rule):
    code = "XY901"
    name = "line-zero"
    category = "pipeline-jungle"
    severity = "warning"
    summary = "Yields a finding at line 0."
    why = "To test that a plugin's malformed finding cannot break the report or its schema."
    fix = "Nothing."

    def check(self, ctx):
        yield self.finding("train.py", 0, "a finding before the first line")


class NotAFinding(LineZero):
    code = "XY902"
    name = "not-a-finding"

    def check(self, ctx):
        yield "train.py:4 something"
'''


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    directory = tmp_path / "plugins"
    write_repo(directory, {"boom_import.py": BOOM_IMPORT, "boom_check.py": BOOM_CHECK, "bad_output.py": BAD_OUTPUT})
    monkeypatch.syspath_prepend(str(directory))
    yield directory
    for name in ("boom_import", "boom_check", "bad_output"):
        sys.modules.pop(name, None)


def test_a_plugin_rule_yielding_malformed_findings_is_that_plugins_error_and_the_report_stays_valid(repo, plugins):
    (repo / "pyproject.toml").write_text('[tool.debtscan]\nplugins = ["bad_output"]\n', encoding="utf-8")
    report = scan_json(repo, "--trust-config")
    found = errors(report)
    assert found["<rule XY901>"] == ("rule XY901 (line-zero) of plugin bad_output failed: ValueError: invalid "
                                     "finding line 0 in train.py (lines start at 1)")
    assert found["<rule XY902>"] == ("rule XY902 (not-a-finding) of plugin bad_output failed: ValueError: "
                                     "invalid finding 'train.py:4 something' (not a Finding)")
    assert not [f for f in report["findings"] if f["code"].startswith("XY")]
    assert ("train.py", 4, None) in handoffs(report)


def test_a_plugin_that_fails_to_import_or_whose_rule_raises_is_reported_and_the_other_rules_run(repo, plugins):
    (repo / "pyproject.toml").write_text('[tool.debtscan]\nplugins = ["boom_import", "boom_check"]\n',
                                         encoding="utf-8")
    report = scan_json(repo, "--trust-config")  # exit 1 (the findings), not 2: a plugin's failure is the plugin's
    found = errors(report)
    assert found["<plugin boom_import>"] == ("cannot load: RuntimeError: the plugin is broken at import")
    assert found["<rule XY900>"] == ("rule XY900 (explodes) of plugin boom_check failed: ZeroDivisionError: "
                                     "the rule divided by zero")
    assert ("train.py", 4, None) in handoffs(report)


def test_an_internal_error_on_one_file_exits_2_naming_the_file_after_a_complete_report(repo, monkeypatch):
    import debtscan.store.work as work

    real = work._extractor()

    def flaky(module, **kwargs):
        if kwargs["path"] == "train.py":
            raise KeyError("simulated bug")
        return real(module, **kwargs)

    monkeypatch.setattr(work, "_extractor", lambda: flaky)
    result = cli("scan", repo, "--format", "json", "--no-cache", "--jobs", "1")
    assert result.exit_code == 2
    report = validate_report(result.stdout)
    assert errors(report)["train.py"] == "internal error while analysing train.py: KeyError: 'simulated bug'"
    assert ("bom_crlf.py", 4, None) in handoffs(report)
    assert result.stderr == ("Error: internal error while analysing train.py: KeyError: 'simulated bug' "
                             "(run with --verbose for details)\n")
    verbose = cli("scan", repo, "--format", "json", "--no-cache", "--jobs", "1", "--verbose")
    assert verbose.exit_code == 2
    assert "Traceback" in verbose.stderr and "simulated bug" in verbose.stderr


def test_a_built_in_rule_that_raises_is_an_internal_error_and_the_other_rules_still_run(repo, monkeypatch):
    from debtscan.rules.jungle import IntermediateFileHandoff

    def broken(self, ctx):
        raise IndexError("simulated rule bug")

    monkeypatch.setattr(IntermediateFileHandoff, "check", broken)
    (repo / "unused.py").write_text("x = 1  # debtscan: ignore[DS201]\n", encoding="utf-8")
    result = cli("scan", repo, "--format", "json", "--no-cache", "--jobs", "1")
    assert result.exit_code == 2
    report = validate_report(result.stdout)
    assert errors(report)["<rule DS201>"] == ("internal error in rule DS201 (intermediate-file-handoff): "
                                              "IndexError: simulated rule bug")
    assert [f["code"] for f in report["findings"] if f["path"] == "unused.py"] == ["DS001"]
    assert result.stderr.startswith("Error: internal error in rule DS201")
    assert "Traceback" not in result.stderr


def test_a_crash_building_the_graph_is_one_line_exit_2_naming_the_file_whose_facts_trigger_it(repo, monkeypatch):
    import debtscan.engine as engine

    real = engine.build_project

    def crash(facts, **kwargs):
        if "python2.py" in facts or "train.py" in facts:
            raise RuntimeError("simulated graph bug")
        return real(facts, **kwargs)

    monkeypatch.setattr(engine, "build_project", crash)
    result = cli("scan", repo, "--no-cache", "--jobs", "1")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == ("Error: internal error while building the graph from the facts of train.py: "
                             "RuntimeError: simulated graph bug (run with --verbose for details)\n")
    verbose = cli("scan", repo, "--no-cache", "--jobs", "1", "-v")
    assert verbose.exit_code != 0 and isinstance(verbose.exception, engine.InternalError)
    graph = cli("graph", repo, "--no-cache")
    assert graph.exit_code == 2
    assert graph.stderr.startswith("Error: internal error while building the graph from the facts of train.py")


def test_an_unexpected_crash_outside_any_file_is_one_line_and_exit_2(repo, monkeypatch):
    import debtscan.engine as engine

    def crash(*args, **kwargs):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(engine, "compute_metrics", crash)
    result = cli("scan", repo, "--no-cache", "--jobs", "1")
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"Error: internal error while scanning {repo}: RuntimeError: simulated "
                                     f"crash (run with --verbose for details)")
    verbose = cli("scan", repo, "--no-cache", "--jobs", "1", "-v")
    assert verbose.exit_code != 0 and isinstance(verbose.exception, RuntimeError)


def test_output_to_a_folder_that_does_not_exist_is_one_line_exit_2(repo, tmp_path):
    result = cli("scan", repo, "--no-cache", "--jobs", "1", "--format", "json", "-o",
                 tmp_path / "missing" / "report.json")
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"Error: --output {tmp_path / 'missing' / 'report.json'}: the folder "
                                     f"{tmp_path / 'missing'} does not exist")
