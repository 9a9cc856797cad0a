"""Third-party rules load exactly like built-in ones: from the config's `plugins` or an entry point."""
import sys
import textwrap
from pathlib import Path

import pytest

from debtscan.rules.registry import load_rules
from debtscan.testing import scan_repo, write_repo

PLUGIN = '''
from debtscan.rules import Example, Rule


class PickleHandoff(Rule):
    code = "XY101"
    name = "pickle-handoff"
    category = "pipeline-jungle"
    severity = "warning"
    summary = "A pickle file handed between modules."
    why = "Pickles tie readers to the writer's class layout and library versions."
    fix = "Hand off parquet or another declared, versioned format."
    options = {"formats": ["pickle"]}
    VALID = ()
    INVALID = ()

    def check(self, ctx):
        for write, read in ctx.project.handoffs:
            if write.fmt in ctx.options["formats"]:
                yield self.finding(read.module, read.line, f"`{read.artifact}` is a pickle hand-off",
                                   subject=read.artifact)
'''

REPO = {
    "make.py": """
        import pandas as pd
        pd.DataFrame({"a": [1]}).to_pickle("data/interim/frame.pkl")
    """,
    "use.py": """
        import pandas as pd
        frame = pd.read_pickle("data/interim/frame.pkl")
    """,
}


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    directory = tmp_path / "plugins"
    directory.mkdir()
    (directory / "team_rules.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    monkeypatch.syspath_prepend(str(directory))
    yield directory
    sys.modules.pop("team_rules", None)


def test_a_plugin_named_in_the_config_reports_its_findings(tmp_path, plugin_dir):
    repo = tmp_path / "repo"
    write_repo(repo, REPO)
    report, _ = scan_repo(repo, {"plugins": ["team_rules"]})
    assert [(f.code, f.path, f.line) for f in report.findings if f.code == "XY101"] == [("XY101", "use.py", 2)]


def test_plugin_options_come_from_the_config(tmp_path, plugin_dir):
    repo = tmp_path / "repo"
    write_repo(repo, REPO)
    report, _ = scan_repo(repo, {"plugins": ["team_rules"], "rules": {"XY101": {"formats": ["csv"]}}})
    assert [f for f in report.findings if f.code == "XY101"] == []


def test_an_entry_point_plugin_is_loaded(tmp_path, plugin_dir, monkeypatch):
    dist = plugin_dir / "team_rules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: team-rules\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[debtscan.rules]\nteam = team_rules\n", encoding="utf-8")
    ruleset = load_rules()
    assert "XY101" in ruleset.rules
    assert ruleset.origins["XY101"] == "entry point team"
    repo = tmp_path / "repo"
    write_repo(repo, REPO)
    report, _ = scan_repo(repo)
    assert ("XY101", "use.py", 2) in {(f.code, f.path, f.line) for f in report.findings}


def test_a_plugin_that_cannot_be_imported_is_reported_and_the_scan_goes_on(tmp_path):
    repo = tmp_path / "repo"
    write_repo(repo, REPO)
    report, _ = scan_repo(repo, {"plugins": ["no_such_module_for_debtscan"]})
    assert any("no_such_module_for_debtscan" in e.path and "cannot load" in e.message for e in report.errors)
    assert {f.code for f in report.findings} >= {"DS201"}
