"""The replay: ``python -m debtscan scan ...`` writes an unchanged scan's stored output again before the
command line is loaded, and only when the command line would reuse that very output (every spec of
tests/test_result_cache.py checks this too, on each of its runs); any change to what the scan's key was made
from, including what the walk looked at besides the folder listings, means no replay."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from debtscan import engine
from debtscan.cli import main, scan_command
from debtscan.store import replay
from debtscan.testing import write_repo

REPO = {
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
    "pipeline/run.sh": "python prepare.py\npython train.py\n",
    "requirements.txt": "pandas\n",
}


@pytest.fixture
def scans(monkeypatch):
    ran = []
    real = engine.scan

    def counting(options):
        ran.append(options.root)
        return real(options)

    monkeypatch.setattr(engine, "scan", counting)
    for name in replay.OFF_ENV:
        monkeypatch.delenv(name, raising=False)
    return ran


def cli(*argv):
    result = CliRunner().invoke(main, list(argv), catch_exceptions=False)
    return result.stdout, result.stderr, result.exit_code


def argv_for(repo, *extra):
    return ["scan", str(repo), "--format", "json", "--jobs", "1", *extra]


def replayed(argv):
    found = replay.find(argv)
    return None if found is None else found[0]


def stored_twice(repo, *extra):
    """Scan twice (the second reuses the stored output and writes the replay record); the output."""
    first = cli(*argv_for(repo, *extra))
    assert cli(*argv_for(repo, *extra)) == first
    return first


def test_an_unchanged_scan_is_replayed_with_its_exact_output_and_status(tmp_path, scans):
    write_repo(tmp_path, REPO)
    first = stored_twice(tmp_path)
    outcome = replayed(argv_for(tmp_path))
    assert outcome is not None
    assert (outcome.text, "".join(f"{line}\n" for line in outcome.before + outcome.after), outcome.status) == first
    assert len(scans) == 1


def test_the_output_file_and_the_number_of_workers_do_not_name_the_record(tmp_path, scans):
    write_repo(tmp_path, REPO)
    stored_twice(tmp_path, "-o", str(tmp_path.parent / "a.json"))
    for argv in (argv_for(tmp_path, "-o", str(tmp_path.parent / "b.json")),
                 ["scan", str(tmp_path), "--format", "json", "--jobs", "2", "-o", str(tmp_path.parent / "a.json")]):
        assert replayed(argv) is not None, argv
    assert replayed(argv_for(tmp_path, f"--output={tmp_path.parent / 'a.json'}")) is None  # another form
    assert replayed(argv_for(tmp_path, "--select", "DS2", "-o", str(tmp_path.parent / "a.json"))) is None
    assert replayed(argv_for(tmp_path)) is None  # to stdout: another invocation, no record yet


@pytest.mark.parametrize("target", ["report.py", "report.ipynb", "folder", "pyproject.toml"])
def test_an_output_the_command_line_could_refuse_is_left_to_it(tmp_path, scans, target):
    write_repo(tmp_path, {**REPO, "pyproject.toml": "[tool.debtscan]\n", "folder/keep.txt": "x\n"})
    stored_twice(tmp_path, "-o", str(tmp_path.parent / "out.json"))
    assert replayed(argv_for(tmp_path, "-o", str(tmp_path.parent / "out.json"))) is not None
    assert replayed(argv_for(tmp_path, "-o", str(tmp_path / target))) is None


def _gitignore(root):
    (root / ".gitignore").write_text("train.py\n", encoding="utf-8")


def _venv(root):
    (root / "pipeline" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")


def _relink(root):
    os.remove(root / "lib")
    os.symlink(root / "pipeline", root / "lib")


def _parent_config(root):
    (root.parent / "debtscan.toml").write_text('select = ["DS2"]\n', encoding="utf-8")


def _git(root):
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)


def _runner(root):
    (root / "pipeline" / "run.sh").write_text("python train.py\n", encoding="utf-8")


def _edit(root):
    (root / "train.py").write_text("print('edited')\n", encoding="utf-8")


def _cwd_marker(root):
    (Path.cwd() / "setup.cfg").write_text("[metadata]\n", encoding="utf-8")


@pytest.mark.parametrize("change", [_gitignore, _venv, _relink, _parent_config, _git, _runner, _edit, _cwd_marker])
def test_a_change_to_anything_the_scan_looked_at_means_no_replay(tmp_path, scans, monkeypatch, change):
    repo = tmp_path / "repo"
    write_repo(repo, REPO)
    os.symlink(repo / "data-link-target", repo / "lib")  # a broken symlink the walk notes
    (repo / "data-link-target").mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    stored_twice(repo)
    assert replayed(argv_for(repo)) is not None
    change(repo)
    assert replayed(argv_for(repo)) is None


def test_a_changed_baseline_or_environment_means_no_replay(tmp_path, scans, monkeypatch):
    write_repo(tmp_path, REPO)
    baseline = tmp_path.parent / f"{tmp_path.name}-baseline.json"
    assert cli("baseline", str(tmp_path), "-o", str(baseline))[2] == 0
    stored_twice(tmp_path, "--baseline", str(baseline))
    assert replayed(argv_for(tmp_path, "--baseline", str(baseline))) is not None
    monkeypatch.setenv("DEBTSCAN_NO_RESULT_CACHE", "1")
    assert replayed(argv_for(tmp_path, "--baseline", str(baseline))) is None
    monkeypatch.delenv("DEBTSCAN_NO_RESULT_CACHE")
    monkeypatch.setenv("DEBTSCAN_TRUST_CONFIG", "1")
    assert replayed(argv_for(tmp_path, "--baseline", str(baseline))) is None
    monkeypatch.delenv("DEBTSCAN_TRUST_CONFIG")
    baseline.write_text(baseline.read_text(encoding="utf-8").replace("DS", "DS", 1) + "\n", encoding="utf-8")
    assert replayed(argv_for(tmp_path, "--baseline", str(baseline))) is None


def test_the_arguments_are_read_as_click_reads_them():
    for argv in (["scan", "a", "-o", "x.json", "-j", "2"], ["scan", "-qo", "x.json", "a", "b"],
                 ["scan", "-ox.json", "--jobs=3", "--select", "-o", "a"], ["scan", "--", "-o", "a"],
                 ["scan", "--format=json", "--exit-zero", "a", "--output", "--", "b"]):
        invocation = replay.parse(argv)
        context = scan_command.make_context("scan", list(argv[1:]))
        assert invocation.paths == list(context.params["paths"]), argv
        assert invocation.output == context.params["output"], argv
        assert (invocation.jobs is None) == (context.get_parameter_source("jobs").name == "DEFAULT"), argv
    for argv in (["scan", "--unknown"], ["scan", "-x"], ["scan", "--help"], ["scan", "-o"], ["scan", "-o", ""],
                 ["scan", "-o", "a", "-o", "b"], ["scan", "--exit-zero=1"], ["rules"], []):
        assert replay.parse(argv) is None, argv


def test_the_replay_knows_every_option_of_scan():
    values, flags = set(), set()
    for param in scan_command.params:
        if isinstance(param, click.Option):
            names = {n for n in param.opts + param.secondary_opts if n not in ("-h", "--help")}
            (flags if param.is_flag else values).update(names)
    assert (values, flags) == (set(replay.VALUE_OPTIONS), set(replay.FLAGS))


REPLAY = textwrap.dedent("""
    import json, sys
    from debtscan.__main__ import run
    try:
        run()
    except SystemExit as exit:
        status = exit.code
    loaded = ("click", "debtscan.cli", "debtscan.config", "pathspec", "libcst", "rich")
    print(json.dumps([status, sorted(name for name in loaded if name in sys.modules)]), file=sys.stderr)
""")


def test_python_m_debtscan_replays_before_loading_the_command_line(tmp_path):
    write_repo(tmp_path, {**REPO, "pyproject.toml": '[tool.debtscan]\nplugins = ["team_rules"]\n'})
    command = [sys.executable, "-c", REPLAY, "scan", str(tmp_path), "--format", "json", "--jobs", "1"]
    env = {k: v for k, v in os.environ.items() if k not in replay.OFF_ENV}
    runs = [subprocess.run(command, capture_output=True, text=True, env=env, timeout=300) for _ in range(2)]
    (tmp_path / "notes.txt").write_text("not a file the scan reads\n", encoding="utf-8")  # a listing changes
    runs.append(subprocess.run(command, capture_output=True, text=True, env=env, timeout=300))
    runs.append(subprocess.run(command, capture_output=True, text=True, env=env, timeout=300))
    reports = [r.stdout for r in runs]
    notes = [r.stderr.strip().splitlines() for r in runs]
    assert len(set(reports)) == 1 and json.loads(reports[0])["findings"]
    assert len({tuple(n[:-1]) for n in notes}) == 1 and "not imported" in notes[0][0]
    status = [json.loads(n[-1]) for n in notes]
    assert {s[0] for s in status} == {1}
    # a listing changed: the command line ran (a new result: listings are in its key), then it replayed
    assert "click" in status[2][1] and status[3][1] == []
    assert "click" in status[0][1] and status[1][1] == []  # the first stored the result and the record
