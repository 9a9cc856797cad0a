"""The facts cache: a repeat scan parses nothing, a changed file or changed extraction config is re-parsed,
and a corrupt or unwritable cache is ignored with a warning, never a crash."""
import errno
import os
from pathlib import Path

import libcst
import pytest

from debtscan.store import cache as cache_module
from debtscan import safefile
from debtscan.store.cache import FactsCache
from debtscan.store.codec import dumps, loads
from debtscan.config import Config, parse_section
from debtscan.engine import ScanOptions, knowledge_for, scan
from debtscan.sources.discover import discover
from debtscan.sources.files import plan_tasks
from debtscan.store.work import extract_file
from debtscan.report.json_format import render
from debtscan.testing import write_repo

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

PIPELINE = {
    "prepare.py": """
        import pandas as pd
        raw = pd.read_csv("data/raw/orders.csv")
        raw.to_parquet("data/interim/orders.parquet")
    """,
    "train.py": """
        import pandas as pd
        orders = pd.read_parquet("data/interim/orders.parquet")
        print(orders.shape)
    """,
    "report.py": """
        import pandas as pd
        print(pd.read_csv("data/raw/orders.csv").describe())
    """,
}


@pytest.fixture
def parses(monkeypatch):
    """Counts the files libcst parses (the expensive step the cache exists to skip)."""
    seen = []
    real = libcst.parse_module

    def counting(source, *args, **kwargs):
        seen.append(source)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(libcst, "parse_module", counting)
    return seen


def _scan(root, config=None, **kwargs):
    cfg = parse_section(root / "pyproject.toml", dict(config)) if config else Config()
    cfg.root = root
    options = dict(jobs=1, use_cache=True)
    options.update(kwargs)
    report, _ = scan(ScanOptions(root=root, config=cfg, **options))
    return report


def _handoffs(report):
    return sorted((f.code, f.path, f.line) for f in report.findings if f.code == "DS201")


def test_a_repeat_scan_parses_nothing_and_reports_the_same(tmp_path, parses):
    write_repo(tmp_path, PIPELINE)
    first = _scan(tmp_path)
    assert len(parses) == 3
    assert ("DS201", "train.py", 2) in _handoffs(first)
    second = _scan(tmp_path)
    assert len(parses) == 3, "the warm scan parsed files"
    assert render(second) == render(first)
    cache_dir = tmp_path / ".debtscan_cache"
    assert (cache_dir / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert len(list(cache_dir.glob("facts-*.pack"))) == 1, "one pack file, not one file per source file"


def test_a_changed_file_is_parsed_again_and_its_new_facts_are_used(tmp_path, parses):
    write_repo(tmp_path, PIPELINE)
    _scan(tmp_path)
    parses.clear()
    write_repo(tmp_path, {"train.py": """
        import pandas as pd
        print("no longer reads the intermediate file")
    """})
    report = _scan(tmp_path)
    assert len(parses) == 1 and "no longer reads" in parses[0]
    assert not any(f.path == "train.py" for f in report.findings)


def test_a_new_io_helper_in_the_config_invalidates_the_cache(tmp_path, parses):
    write_repo(tmp_path, {
        "stage1.py": """
            from myproj.store import save_frame
            save_frame(None, "data/interim/table.parquet")
        """,
        "stage2.py": """
            import pandas as pd
            pd.read_parquet("data/interim/table.parquet")
        """,
    })
    before = _scan(tmp_path)
    assert _handoffs(before) == []
    parses.clear()
    config = {"io": {"myproj.store.save_frame": {"mode": "write", "arg": 1, "format": "parquet"}}}
    after = _scan(tmp_path, config)
    assert len(parses) == 2, "facts cached under the old I/O catalogue were served"
    assert ("DS201", "stage2.py", 2) in _handoffs(after)


def test_a_corrupt_cache_is_ignored_with_a_warning_and_rewritten(tmp_path, parses):
    write_repo(tmp_path, PIPELINE)
    expected = render(_scan(tmp_path, use_cache=False))
    _scan(tmp_path)
    (pack,) = (tmp_path / ".debtscan_cache").glob("facts-*.pack")
    pack.write_bytes(b"debtscan-facts-pack\n\x00garbage that is not marshal data")
    parses.clear()
    report = _scan(tmp_path)
    assert len(parses) == 3
    warnings = [e.message for e in report.errors if e.path == "<cache>"]
    assert warnings and "corrupt" in warnings[0]
    assert ("DS201", "train.py", 2) in _handoffs(report)
    parses.clear()
    healed = _scan(tmp_path)
    assert len(parses) == 0, "the corrupt pack was not rewritten"
    assert render(healed) == expected


def test_a_truncated_entry_is_a_miss_not_a_crash(tmp_path):
    write_repo(tmp_path, PIPELINE)
    _scan(tmp_path)
    (pack,) = (tmp_path / ".debtscan_cache").glob("facts-*.pack")
    data = pack.read_bytes()
    pack.write_bytes(data[: len(data) // 2])
    report = _scan(tmp_path)
    assert ("DS201", "train.py", 2) in _handoffs(report)
    assert any(e.path == "<cache>" for e in report.errors)


def test_an_unwritable_cache_directory_is_ignored_with_a_warning(tmp_path, parses):
    write_repo(tmp_path, PIPELINE)
    (tmp_path / "blocker").write_text("a file where the cache directory should go\n", encoding="utf-8")
    config = {"cache-dir": "blocker/cache"}
    report = _scan(tmp_path, config)
    assert ("DS201", "train.py", 2) in _handoffs(report)
    warnings = [e.message for e in report.errors if e.path == "<cache>"]
    assert warnings and "not writable" in warnings[0]
    assert [e for e in report.errors if e.path != "<cache>"] == []


def test_a_read_only_cache_is_still_read(tmp_path, parses, monkeypatch):
    write_repo(tmp_path, PIPELINE)
    _scan(tmp_path)
    cache_dir = tmp_path / ".debtscan_cache"
    write_repo(tmp_path, {"report.py": "print('changed')\n"})
    os.chmod(cache_dir, 0o555)

    def read_only(*args, **kwargs):  # what root (who may write anyway) would meet on a read-only mount
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(safefile, "_mkstemp", read_only)
    try:
        parses.clear()
        report = _scan(tmp_path)
        assert len(parses) == 1, "the unchanged files were not served from the read-only cache"
        warnings = [e.message for e in report.errors if e.path == "<cache>"]
        assert len(warnings) == 1 and "not writable" in warnings[0]
        assert not [e for e in report.errors if e.path != "<cache>"]
    finally:
        os.chmod(cache_dir, 0o755)


def test_cache_dir_from_the_config_is_used(tmp_path):
    write_repo(tmp_path, PIPELINE)
    _scan(tmp_path, {"cache-dir": "build-cache/debtscan"})
    assert list((tmp_path / "build-cache" / "debtscan").glob("facts-*.pack"))
    assert not (tmp_path / ".debtscan_cache").exists()


def test_no_cache_flag_and_environment_variable_turn_the_cache_off(tmp_path, parses, monkeypatch):
    write_repo(tmp_path, PIPELINE)
    _scan(tmp_path, use_cache=False)
    assert not (tmp_path / ".debtscan_cache").exists()
    monkeypatch.setenv("DEBTSCAN_NO_CACHE", "1")
    _scan(tmp_path)
    assert not (tmp_path / ".debtscan_cache").exists()
    assert len(parses) == 6
    monkeypatch.setenv("DEBTSCAN_NO_CACHE", "0")
    _scan(tmp_path)
    assert (tmp_path / ".debtscan_cache").exists()


def test_cached_errors_are_reported_again_without_reparsing(tmp_path, parses):
    write_repo(tmp_path, {**PIPELINE, "broken.py": "def f(:\n    pass\n"})
    first = _scan(tmp_path)
    parses.clear()
    second = _scan(tmp_path)
    assert len(parses) == 0
    assert [e.path for e in second.errors] == [e.path for e in first.errors] == ["broken.py"]


def test_the_cache_key_covers_the_extraction_code(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "old-extractor")
    old = FactsCache(tmp_path, "k")
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "new-extractor")
    new = FactsCache(tmp_path, "k")
    assert old.file != new.file


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_the_compact_encoding_round_trips_every_fixture_file(fixture):
    root = FIXTURES / fixture
    config = Config()
    knowledge = knowledge_for(config)
    for task in plan_tasks(discover(root).files):
        facts = extract_file(str(root), task, knowledge, config.max_file_size)
        assert loads(dumps(facts)) == facts, task.path


def test_a_cache_note_is_shown_as_a_note_not_as_a_file_that_failed(tmp_path):
    import io

    from rich.console import Console

    from debtscan.report import console as console_report

    write_repo(tmp_path, PIPELINE)
    (tmp_path / "blocker").write_text("a file where the cache directory should go\n", encoding="utf-8")
    report = _scan(tmp_path, {"cache-dir": "blocker/cache"})
    out = io.StringIO()
    console_report.render(report, Console(file=out, width=200, no_color=True))
    text = out.getvalue()
    assert "could not be analysed" not in text
    assert f"Cache: cache directory {tmp_path / 'blocker' / 'cache'} is not writable" in text
