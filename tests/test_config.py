"""Configuration (issue 2): `[tool.debtscan]` in the nearest pyproject.toml, or debtscan.toml, or --config;
every key typed; an unknown key, a wrong type or invalid TOML is a ConfigError naming the file, the line and the
key (exit 2 in the CLI, tested in test_cli.py / test_hostile.py)."""
from pathlib import Path

import pytest

from debtscan.config import ConfigError, find_config, load_config
from debtscan.testing import scan_repo, write_repo

HANDOFF = {
    "src/make.py": 'import pandas as pd\npd.read_csv("data/raw/a.csv").to_parquet("data/interim/a.parquet")\n',
    "src/use.py": 'import pandas as pd\npd.read_parquet("data/interim/a.parquet")\n',
    "legacy/old.py": 'import pandas as pd\npd.read_parquet("data/interim/a.parquet")\n',
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_nearest_pyproject_with_a_debtscan_table_wins(tmp_path):
    outer = write(tmp_path / "pyproject.toml", '[tool.debtscan]\nselect = ["DS2"]\n')
    write(tmp_path / "pkg" / "pyproject.toml", '[project]\nname = "pkg"\n')  # no [tool.debtscan]: skipped
    (tmp_path / "pkg" / "sub").mkdir()
    assert find_config(tmp_path / "pkg" / "sub") == outer
    inner = write(tmp_path / "pkg" / "debtscan.toml", 'select = ["DS1"]\n')
    assert find_config(tmp_path / "pkg" / "sub") == inner
    config = load_config(None, tmp_path / "pkg" / "sub")
    assert config.path == inner and config.root == tmp_path / "pkg" and config.select == ["DS1"]


def test_an_explicit_config_overrides_and_must_exist(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.debtscan]\nselect = ["DS2"]\n')
    other = write(tmp_path / "ci.toml", '[tool.debtscan]\nfail-on = "error"\n')
    assert load_config(other, tmp_path).fail_on == "error"
    with pytest.raises(ConfigError, match="missing.toml: configuration file not found"):
        load_config(tmp_path / "missing.toml", tmp_path)
    empty = write(tmp_path / "empty.toml", "[tool.other]\nx = 1\n")
    with pytest.raises(ConfigError, match="empty.toml: no \\[tool.debtscan\\] table"):
        load_config(empty, tmp_path)


@pytest.mark.parametrize("text, message", [
    ('[tool.debtscan]\nselect = ["DS2"\n', r"pyproject.toml: invalid TOML: Unclosed array \(at end of document\)"),
    ('[tool.debtscan]\nselect = "DS2\n', r"pyproject.toml: invalid TOML: .*\(at line 2, column \d+\)"),
    ("[tool.debtscan]\n\n\nselekt = []\n", r"pyproject.toml:4: unknown key 'selekt' in \[tool.debtscan\] "
                                          r"\(known keys: cache-dir, "),
    ('[tool.debtscan]\nignore = [1, 2]\n', r"pyproject.toml:2: \[tool.debtscan\] ignore must be a list of "
                                          r"strings, got \[1, 2\]"),
    ('[tool.debtscan]\nrespect-gitignore = "yes"\n', r"pyproject.toml:2: \[tool.debtscan\] respect-gitignore "
                                                    r"must be a boolean"),
    ('[tool.debtscan]\nmax-file-size = 0\n', r"pyproject.toml:2: .*max-file-size must be a positive integer"),
    ('[tool.debtscan]\nmax-file-size = true\n', r"pyproject.toml:2: .*max-file-size must be a positive integer"),
    ('[tool.debtscan]\nfail-on = "fatal"\n', r"pyproject.toml:2: \[tool.debtscan\] fail-on must be one of info, "
                                            r"warning, error, got 'fatal'"),
    ('[tool.debtscan.per-file-ignores]\n"tests/*" = "DS2"\n', r"pyproject.toml:1: \[tool.debtscan\] "
                                                              r"per-file-ignores must be a table of string lists"),
    ('[tool]\ndebtscan = ["x"]\n', r"pyproject.toml:2: \[tool.debtscan\] must be a table"),
])
def test_invalid_toml_and_wrong_types_name_the_file_the_line_and_the_key(tmp_path, text, message):
    write(tmp_path / "pyproject.toml", text)
    with pytest.raises(ConfigError, match=str(tmp_path / "pyproject.toml").replace(".", r"\.")[:-len("pyproject.toml") - 2]
                       + ".*" + message):
        load_config(None, tmp_path)


def test_per_rule_options_are_checked_when_scanning_naming_file_and_line(tmp_path):
    write_repo(tmp_path, HANDOFF)
    cases = {
        '[tool.debtscan.rules.DS202]\nmin-handoffs = "three"\n':
            ":2: [tool.debtscan.rules.DS202] option 'min-handoffs' of rule DS202 must be a int, got 'three'",
        '[tool.debtscan]\nselect = ["DS2"]\n\n[tool.debtscan.rules.DS202]\nmin-hand-offs = 3\n':
            ":5: [tool.debtscan.rules.DS202] unknown option 'min-hand-offs' for rule DS202 (options: min-handoffs)",
        '[tool.debtscan.rules.DS2O2]\nlevel = 1\n':
            ":1: [tool.debtscan.rules.DS2O2]: no rule has code DS2O2; did you mean 'DS202'?",
    }
    from debtscan.engine import ScanOptions, scan

    for text, message in cases.items():
        path = write(tmp_path / "pyproject.toml", text)
        with pytest.raises(ConfigError) as raised:
            scan(ScanOptions(root=tmp_path, config=load_config(None, tmp_path), use_cache=False, jobs=1))
        assert str(raised.value) == f"{path}{message}"


def test_select_ignore_exclude_and_per_file_ignores_from_the_config_apply(tmp_path):
    write_repo(tmp_path, HANDOFF)

    def found(config):
        report, _ = scan_repo(tmp_path, config)
        return sorted((f.code, f.path) for f in report.findings if f.code.startswith("DS2"))

    everything = found({})
    assert ("DS201", "legacy/old.py") in everything and ("DS201", "src/make.py") in everything
    assert ("DS201", "legacy/old.py") not in found({"exclude": ["legacy/"]})
    assert ("DS201", "legacy/old.py") not in found({"extend-exclude": ["legacy/*.py"]})
    assert found({"ignore": ["pipeline-jungle"]}) == []
    assert found({"select": ["DS1"]}) == []
    assert ("DS201", "src/use.py") not in found({"per-file-ignores": {"src/use.py": ["DS201"]}})


def test_fail_on_from_the_config_sets_the_exit_code(tmp_path):
    from click.testing import CliRunner

    from debtscan.cli import main

    write_repo(tmp_path, HANDOFF)
    write(tmp_path / "pyproject.toml", '[tool.debtscan]\nfail-on = "error"\n')
    assert CliRunner().invoke(main, ["scan", str(tmp_path), "--no-cache"]).exit_code == 0
    assert CliRunner().invoke(main, ["scan", str(tmp_path), "--no-cache", "--fail-on", "warning"]).exit_code == 1
