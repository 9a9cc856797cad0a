"""Parallel extraction gives byte-identical reports, and the per-file guards (size, machine-generated code,
time) skip one file with a note in `errors` while the rest of the scan goes on."""
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from debtscan.sources import guards
from debtscan.store import collect, pool
from debtscan.config import Config, parse_section
from debtscan.engine import ScanOptions, scan
from debtscan.report.json_format import render
from debtscan.testing import write_repo

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIXTURE_REPOS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def _render(root, jobs, config=None, use_cache=False):
    cfg = parse_section(root / "pyproject.toml", dict(config)) if config else Config()
    cfg.root = root
    report, _ = scan(ScanOptions(root=root, config=cfg, jobs=jobs, use_cache=use_cache))
    return render(report)


@pytest.fixture
def pool_for_few_files(monkeypatch):
    """Use the process pool even for the handful of files of a fixture."""
    monkeypatch.setattr(collect, "MIN_FILES_PER_WORKER", 1)


@pytest.mark.parametrize("fixture", FIXTURE_REPOS)
def test_two_jobs_give_the_same_report_as_one(fixture, tmp_path, pool_for_few_files):
    root = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, root)
    assert _render(root, jobs=2) == _render(root, jobs=1)


def test_two_jobs_with_a_cache_give_the_same_report_cold_and_warm(tmp_path, pool_for_few_files):
    root = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", root)
    expected = _render(root, jobs=1)
    assert _render(root, jobs=2, use_cache=True) == expected
    assert _render(root, jobs=2, use_cache=True) == expected


def test_the_cli_jobs_option_gives_byte_identical_json(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "demo", root)
    for index in range(20):  # enough files for two workers
        write_repo(root, {f"scripts/step_{index:02d}.py": f"""
            import pandas as pd
            df = pd.read_parquet("data/interim/customers.parquet")
            df.to_csv("data/interim/step_{index:02d}.csv")
        """})
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"report-{jobs}.json"
        subprocess.run([sys.executable, "-m", "debtscan", "scan", str(root), "--format", "json", "-o", str(out),
                        "--jobs", jobs, "--no-cache", "--exit-zero"], check=True)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert b'"path": "scripts/step_03.py"' in outputs[0]


SCRIPT = """
    import pandas as pd
    pd.read_csv("data/raw/a.csv").to_parquet("data/interim/a.parquet")
"""
READER = """
    import pandas as pd
    pd.read_parquet("data/interim/a.parquet")
"""


def _errors(report_json):
    import json

    return {e["path"]: e["message"] for e in json.loads(report_json)["errors"]}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_over_max_file_size_is_skipped_with_a_note(tmp_path, jobs, pool_for_few_files):
    big = "DATA = [\n" + "".join(f"    {i},\n" for i in range(400)) + "]\n"
    write_repo(tmp_path, {"a.py": SCRIPT, "b.py": READER, "generated/table.py": big})
    text = _render(tmp_path, jobs, {"max-file-size": 1000})
    errors = _errors(text)
    assert list(errors) == ["generated/table.py"]
    assert "larger than max-file-size (1000 bytes)" in errors["generated/table.py"]
    assert '"path": "b.py"' in text  # the hand-off is still found


def _gp_program(functions=3, depth=12):
    """Genetic-programming output: one huge line of nested calls per function."""
    import random

    rng = random.Random(0)

    def expr(d):
        if d == 0:
            return rng.choice(["x0", "x1", "0.5"])
        return f"{rng.choice(['add', 'sub', 'mul'])}({expr(d - 1)}, {expr(d - 1)})"

    body = "".join(f"def f{i}(x0, x1):\n    return {expr(depth)}\n\n" for i in range(functions))
    return "def add(a, b):\n    return a + b\n\n" + body


@pytest.mark.parametrize("jobs", [1, 2])
def test_machine_generated_code_is_skipped_before_parsing(tmp_path, jobs, pool_for_few_files):
    program = _gp_program()
    assert max(len(line) for line in program.splitlines()) > 20_000
    write_repo(tmp_path, {"a.py": SCRIPT, "b.py": READER, "gp/evolved.py": program})
    started = time.perf_counter()
    text = _render(tmp_path, jobs)
    assert time.perf_counter() - started < 20  # libcst alone would take seconds and gigabytes here
    errors = _errors(text)
    assert list(errors) == ["gp/evolved.py"]
    assert errors["gp/evolved.py"].startswith("machine-generated code:")
    assert '"path": "b.py"' in text


def test_deep_nesting_on_a_long_line_is_machine_generated():
    line = "x = " + "f(" * 150 + "0" + ")" * 150
    line += " + " + " + ".join(["1"] * 900)  # long, but with few brackets
    assert "nested 150 deep" in guards.generated_code_reason(line + "\n")
    flat = "DATA = [" + ", ".join(str(i) for i in range(5000)) + "]\n"
    assert guards.generated_code_reason(flat) is None  # long flat data is still analysed


def test_a_file_that_takes_too_long_is_abandoned_and_the_scan_goes_on(tmp_path, monkeypatch):
    write_repo(tmp_path, {"a.py": SCRIPT, "b.py": READER, "slow.py": "x = 1\n"})
    from debtscan.facts import extract as extract_module

    real_extract = extract_module.extract

    def slow_extract(module, **kwargs):
        if kwargs["path"] == "slow.py":
            while True:  # a stall in the analysis of one file
                time.sleep(0.01)
        return real_extract(module, **kwargs)

    monkeypatch.setattr(extract_module, "extract", slow_extract)
    monkeypatch.setattr(guards, "FILE_TIMEOUT", 0.5)
    text = _render(tmp_path, jobs=1)
    errors = _errors(text)
    assert list(errors) == ["<cross-file>", "slow.py"]
    assert "took longer than 0.5 s" in errors["slow.py"]
    assert errors["<cross-file>"].startswith("facts missing for 1 file(s) (slow.py)")
    assert '"path": "b.py"' in text


def test_a_worker_that_dies_on_a_file_costs_only_that_file(tmp_path, monkeypatch, pool_for_few_files):
    import os

    from debtscan.facts import extract as extract_module

    write_repo(tmp_path, {"a.py": SCRIPT, "b.py": READER, "blob.py": "x = 1\n",
                          **{f"more_{i}.py": "import os\n" for i in range(6)}})
    real_extract = extract_module.extract

    def dying_extract(module, **kwargs):
        if kwargs["path"] == "blob.py":
            os._exit(134)  # as when libcst aborts, or the kernel kills the process for its memory
        return real_extract(module, **kwargs)

    monkeypatch.setattr(extract_module, "extract", dying_extract)  # inherited by the forked workers
    if pool.mp_context().get_start_method() != "fork":
        pytest.skip("needs fork to hand the patched extractor to the workers")
    text = _render(tmp_path, jobs=2)
    errors = _errors(text)
    assert list(errors) == ["<cross-file>", "blob.py"]
    assert "crashed" in errors["blob.py"]
    assert "facts missing for 1 file(s) (blob.py)" in errors["<cross-file>"]
    assert '"path": "b.py"' in text
