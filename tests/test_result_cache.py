"""The result cache: a scan whose inputs are all unchanged writes the stored output again, byte for byte,
without analysing anything; any change to an input (a file's bytes, the set of files, a runner file, a folder
that marks a project, the configuration, a selector on the command line, a plugin) runs the scan again, and
its output is then the output of a scan without any cache."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from debtscan import engine
from debtscan.cli import main
from debtscan.store import replay, results
from debtscan.testing import write_repo

REPO = {
    "pyproject.toml": """
        [tool.debtscan]
        select = ["ALL"]
    """,
    "prepare.py": """
        import pandas as pd
        raw = pd.read_csv("data/raw/orders.csv")
        raw.to_parquet("data/interim/orders.parquet")
    """,
    "train.py": """
        import pandas as pd
        from sklearn.linear_model import LogisticRegression
        orders = pd.read_parquet("data/interim/orders.parquet")
        LogisticRegression().fit(orders[["amount"]], orders["label"])
    """,
}


@pytest.fixture
def scans(monkeypatch):
    """Counts the scans that really run (the analysis the result cache exists to skip)."""
    ran = []
    real = engine.scan

    def counting(options):
        if options.use_cache:  # the --no-cache reference scans are not counted
            ran.append(options.root)
        return real(options)

    monkeypatch.setattr(engine, "scan", counting)
    monkeypatch.delenv("DEBTSCAN_NO_CACHE", raising=False)
    monkeypatch.delenv("DEBTSCAN_DEBUG", raising=False)
    monkeypatch.setattr(sys.modules[__name__], "SCANS", ran)
    return ran


SCANS = None  # the scans that really ran, while the `scans` fixture counts them


def run(repo, *args, output=True):
    """``debtscan scan repo --format json`` (stdout, stderr, exit status).

    Every run first asks the replay (:mod:`debtscan.store.replay`, what ``python -m debtscan`` tries before
    loading the command line) for this invocation's output: whenever it has one, the command line must reuse
    its stored output too (no scan runs) and write exactly what the replay would have written."""
    argv = ["scan", str(repo), "--format", "json", "--jobs", "1", *args]
    replayed = replay.find(argv)
    ran = len(SCANS) if SCANS is not None else None
    result = CliRunner().invoke(main, argv, catch_exceptions=False)
    if replayed is not None:
        outcome, target = replayed
        assert SCANS is None or len(SCANS) == ran, "replayed, but the command line ran the scan"
        written = Path(target).read_text(encoding="utf-8") if target else result.stdout
        assert (written, result.stderr, result.exit_code) == (
            outcome.text, "".join(line + "\n" for line in outcome.before + outcome.after), outcome.status)
    return result.stdout, result.stderr, result.exit_code


def uncached(repo, *args):
    """The output of the same scan with no cache at all (the reference a reused output must equal)."""
    return run(repo, "--no-cache", *args)


def result_files(repo):
    return sorted((repo / ".debtscan_cache").glob("result-*.pack"))


def test_an_unchanged_repository_reuses_the_output_byte_for_byte(tmp_path, scans):
    write_repo(tmp_path, REPO)
    first = run(tmp_path)
    assert len(scans) == 1 and len(result_files(tmp_path)) == 1
    second = run(tmp_path)
    assert len(scans) == 1  # nothing analysed
    assert second == first == uncached(tmp_path)
    assert json.loads(first[0])["summary"]["findings"] > 0


def test_a_reused_output_goes_to_any_output_file_and_to_stdout(tmp_path, scans):
    repo = tmp_path / "repo"
    write_repo(repo, REPO)
    report, other = tmp_path / "report.json", tmp_path / "other.json"
    run(repo, "-o", str(report))
    run(repo, "-o", str(other))  # the text does not depend on where it is written
    assert len(scans) == 1
    assert other.read_bytes() == report.read_bytes()
    assert run(repo)[0].encode("utf-8") == report.read_bytes() and len(scans) == 1


@pytest.mark.parametrize("change", ["edit", "add", "remove"])
def test_a_changed_added_or_removed_file_runs_the_scan_again(tmp_path, scans, change):
    write_repo(tmp_path, REPO)
    run(tmp_path)
    if change == "edit":  # the reader no longer reads what prepare.py writes
        (tmp_path / "train.py").write_text("import pandas as pd\nprint(pd.read_csv('other.csv'))\n",
                                           encoding="utf-8")
    elif change == "add":
        write_repo(tmp_path, {"report.py": "import pandas as pd\nprint(pd.read_parquet('data/interim/orders.parquet'))\n"})
    else:
        (tmp_path / "prepare.py").unlink()
    again = run(tmp_path)
    assert len(scans) == 2
    assert again == uncached(tmp_path)


def test_a_new_runner_file_runs_the_scan_again(tmp_path, scans):
    write_repo(tmp_path, REPO)
    run(tmp_path)
    (tmp_path / "run.sh").write_text("python prepare.py\npython train.py\n", encoding="utf-8")
    again = run(tmp_path)
    assert len(scans) == 2 and again == uncached(tmp_path)
    (tmp_path / "run.sh").write_text("python train.py\npython prepare.py\n", encoding="utf-8")  # its text
    assert run(tmp_path) == uncached(tmp_path)
    assert len(scans) == 3


def test_a_new_folder_marking_a_project_runs_the_scan_again(tmp_path, scans):
    write_repo(tmp_path, {**REPO, "sub/prepare.py": REPO["prepare.py"], "sub/train.py": REPO["train.py"]})
    run(tmp_path)
    (tmp_path / "sub" / "requirements.txt").write_text("pandas\n", encoding="utf-8")  # sub/ is a project now
    again = run(tmp_path)
    assert len(scans) == 2 and again == uncached(tmp_path)


def test_a_changed_configuration_runs_the_scan_again(tmp_path, scans):
    write_repo(tmp_path, REPO)
    first = run(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.debtscan]\nselect = ["ALL"]\nignore = ["DS201"]\n',
                                             encoding="utf-8")
    again = run(tmp_path)
    assert len(scans) == 2
    assert again == uncached(tmp_path) and again != first


def test_another_selector_or_format_on_the_command_line_runs_the_scan_again(tmp_path, scans):
    write_repo(tmp_path, REPO)
    run(tmp_path)
    selected = run(tmp_path, "--select", "DS201")
    assert len(scans) == 2 and selected == uncached(tmp_path, "--select", "DS201")
    ignored = run(tmp_path, "--ignore", "DS201")
    assert len(scans) == 3 and ignored == uncached(tmp_path, "--ignore", "DS201")
    assert run(tmp_path, "--exit-zero")[2] == 0
    assert len(scans) == 4
    sarif = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "sarif", "--jobs", "1"])
    assert len(scans) == 5 and sarif.stdout.startswith("{")
    assert run(tmp_path, "--select", "DS201") == selected  # each of them is kept
    assert len(scans) == 5


def test_the_exit_status_and_the_notes_on_stderr_are_reused_too(tmp_path, scans):
    write_repo(tmp_path, {**REPO, "pyproject.toml": '[tool.debtscan]\nselect = ["ALL"]\nplugins = ["team_rules"]\n'})
    first = run(tmp_path)
    assert first[2] == 1 and "not imported" in first[1]  # findings; a refused plugin's note
    assert run(tmp_path) == first
    assert len(scans) == 1


PLUGIN = '''
from debtscan.rules import Rule


class EveryHandoff(Rule):
    code = "XY101"
    name = "every-handoff"
    category = "pipeline-jungle"
    severity = "info"
    summary = "A file handed between modules."
    why = "Hand-offs couple modules."
    fix = "Declare them."
    VALID = ()
    INVALID = ()

    def check(self, ctx):
        for write, read in ctx.project.handoffs:
            yield self.finding(read.module, read.line, f"`{read.artifact}` is handed over", subject=read.artifact)
'''


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    directory = tmp_path / "site"
    directory.mkdir()
    monkeypatch.syspath_prepend(str(directory))
    sys.modules.pop("team_rules", None)  # the plugin written here is imported afresh
    yield directory
    sys.modules.pop("team_rules", None)


def _install(directory, version="1.0"):
    dist = directory / f"team_rules-{version}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: team-rules\nVersion: {version}\n",
                                   encoding="utf-8")
    (dist / "entry_points.txt").write_text("[debtscan.rules]\nteam = team_rules\n", encoding="utf-8")


def test_installing_or_editing_a_plugin_runs_the_scan_again(tmp_path, scans, plugin_dir):
    repo = tmp_path / "repo"
    write_repo(repo, REPO)
    (plugin_dir / "team_rules.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    before = run(repo)
    assert "XY101" not in before[0]
    _install(plugin_dir)  # a new distribution on sys.path
    installed = run(repo)
    assert len(scans) == 2 and '"XY101"' in installed[0]
    assert run(repo) == installed and len(scans) == 2
    edited = PLUGIN.replace("is handed over", "is handed over by the pipeline")
    (plugin_dir / "team_rules.py").write_text(textwrap.dedent(edited), encoding="utf-8")
    sys.modules.pop("team_rules", None)
    again = run(repo)
    assert len(scans) == 3 and "handed over by the pipeline" in again[0]


def test_a_report_with_a_transient_error_is_not_reused(tmp_path, scans, monkeypatch):
    from debtscan.store import work

    write_repo(tmp_path, REPO)
    real = work._extractor()

    def extract(module, *, path, **kwargs):
        if path == "train.py":
            raise MemoryError
        return real(module, path=path, **kwargs)

    monkeypatch.setattr(work, "_extractor", lambda: extract)
    first = run(tmp_path)
    assert "out of memory" in first[0] and result_files(tmp_path) == []
    monkeypatch.setattr(work, "_extractor", lambda: real)
    assert run(tmp_path) == uncached(tmp_path)  # retried, as the facts cache retries the file
    assert len(scans) == 2


def test_the_console_format_no_cache_and_the_environment_variable_keep_no_result(tmp_path, scans, monkeypatch):
    write_repo(tmp_path, REPO)
    CliRunner().invoke(main, ["scan", str(tmp_path), "--jobs", "1"])
    run(tmp_path, "--no-cache")
    monkeypatch.setenv("DEBTSCAN_NO_CACHE", "1")
    run(tmp_path)
    assert result_files(tmp_path) == []
    assert len(scans) == 2  # the console scan and the one with DEBTSCAN_NO_CACHE (--no-cache is not counted)


def test_a_corrupt_result_is_a_miss(tmp_path, scans):
    write_repo(tmp_path, REPO)
    first = run(tmp_path)
    [stored] = result_files(tmp_path)
    stored.write_bytes(stored.read_bytes()[:40])
    assert run(tmp_path) == first
    assert len(scans) == 2


def test_an_output_whose_files_changed_during_the_scan_is_not_stored(tmp_path, scans, monkeypatch):
    write_repo(tmp_path, REPO)
    real = engine.scan

    def editing(options):  # the user saves a file after the key was computed
        (tmp_path / "train.py").write_text("print('edited')\n", encoding="utf-8")
        return real(options)

    monkeypatch.setattr(engine, "scan", editing)
    run(tmp_path)
    assert result_files(tmp_path) == []


def test_only_the_newest_results_are_kept_and_nothing_else_is_removed(tmp_path, scans):
    write_repo(tmp_path, REPO)
    run(tmp_path)
    mine = tmp_path / ".debtscan_cache" / ("result-" + "0" * 32 + ".pack")
    mine.write_bytes(b"not debtscan's")  # named like a result, but not written by the cache
    for index in range(results.MAX_RESULTS + 2):
        run(tmp_path, "--select", f"DS20{index % 10}" if index < 10 else "DS2")
    kept = [p for p in result_files(tmp_path) if p != mine]
    assert len(kept) == results.MAX_RESULTS
    assert mine.exists()


def test_the_cache_folder_is_not_part_of_what_a_scan_sees(tmp_path):
    from debtscan.sources.discover import find_sources

    write_repo(tmp_path, REPO)
    before = find_sources(tmp_path, skip=[tmp_path / ".debtscan_cache"])
    (tmp_path / ".debtscan_cache").mkdir()
    after = find_sources(tmp_path, skip=[tmp_path / ".debtscan_cache"])
    assert before == after
    assert ".debtscan_cache" in find_sources(tmp_path).listing("")


PROBE = textwrap.dedent("""
    import json, sys
    from debtscan.cli import main
    try:
        main(sys.argv[1:], prog_name="debtscan")
    except SystemExit:
        pass
    heavy = ("libcst", "networkx", "rich", "debtscan.engine", "debtscan.project.graph", "debtscan.rules.registry",
             "debtscan.facts.model", "debtscan.store.codec")
    print(json.dumps(sorted(name for name in heavy if name in sys.modules)), file=sys.stderr)
""")


def test_a_reused_output_loads_no_parser_no_graph_library_and_no_later_stage(tmp_path):
    write_repo(tmp_path, REPO)
    command = [sys.executable, "-c", PROBE, "scan", str(tmp_path), "--format", "json", "--jobs", "1",
               "-o", str(tmp_path.parent / f"{tmp_path.name}.json")]
    first = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "libcst" in json.loads(first.stderr.strip().splitlines()[-1])
    second = subprocess.run(command, capture_output=True, text=True, check=True)
    assert json.loads(second.stderr.strip().splitlines()[-1]) == []
