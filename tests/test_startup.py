"""Start-up: a command loads what it uses. A JSON scan of a small ML folder without SQL never imports the SQL
parser, the console library, the other report formats or the graph library (networkx: only an export, a
drawing report or a rule that reads ``Project.graph`` draws it); ``--version`` loads neither the engine nor the graph
library; ``statistics`` (with ``fractions`` and ``decimal``) waits for the history command's summary line. Each case runs in a fresh interpreter, and the SQL case shows the check sees a lazy import happen."""
import json
import subprocess
import sys
import textwrap

import pytest

from debtscan.testing import write_repo

PROBE = textwrap.dedent("""
    import json, sys
    from debtscan.cli import main
    try:
        main(sys.argv[1:], prog_name="debtscan")
    except SystemExit:
        pass
    heavy = ("sqlglot", "rich", "networkx", "libcst", "multiprocessing", "debtscan.engine", "debtscan.report.html",
             "debtscan.report.markdown", "debtscan.report.sarif", "debtscan.report.console", "debtscan.report.glue_chart",
             "debtscan.rules.registry", "debtscan.facts.extract", "statistics")
    print(json.dumps(sorted(name for name in heavy if name in sys.modules)), file=sys.stderr)
""")


def loaded(*args):
    result = subprocess.run([sys.executable, "-c", PROBE, *map(str, args)], capture_output=True, text=True,
                            check=True)
    return set(json.loads(result.stderr.strip().splitlines()[-1]))


TRAIN = """
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    df = pd.read_csv("data/train.csv")
    LogisticRegression().fit(df[["a"]], df["y"])
"""


def test_the_version_loads_no_engine_no_parser_no_graph_library():
    assert loaded("--version") == set()


def test_listing_the_rules_as_json_loads_the_rules_but_no_engine_console_sql_or_renderer():
    modules = loaded("rules", "--format", "json")
    assert "debtscan.rules.registry" in modules  # what the listing does need
    assert modules.isdisjoint({"sqlglot", "rich", "multiprocessing", "debtscan.engine", "debtscan.facts.extract",
                               "debtscan.report.html", "debtscan.report.markdown", "debtscan.report.sarif",
                               "debtscan.report.console"}), modules


def test_the_rules_table_loads_the_console_library():
    assert "rich" in loaded("rules")


def test_a_json_scan_without_sql_loads_the_parser_but_no_graph_library_sql_console_or_other_formats(tmp_path):
    write_repo(tmp_path, {"train.py": TRAIN})
    modules = loaded("scan", tmp_path, "--format", "json", "--no-cache", "--jobs", "1", "-o", tmp_path / "r.json")
    assert {"libcst", "debtscan.engine"} <= modules  # what a scan does need
    assert modules.isdisjoint({"sqlglot", "rich", "networkx", "multiprocessing", "debtscan.report.html",
                               "debtscan.report.markdown", "debtscan.report.sarif", "debtscan.report.console",
                               "debtscan.report.glue_chart", "statistics"}), modules


def test_sql_in_a_file_loads_the_sql_parser(tmp_path):
    write_repo(tmp_path, {"train.py": TRAIN, "load.py": """
        import pandas as pd
        orders = pd.read_sql("SELECT order_id, amount FROM sales.orders WHERE amount > 0", "postgresql://db")
    """})
    modules = loaded("scan", tmp_path, "--format", "json", "--no-cache", "--jobs", "1", "-o", tmp_path / "r.json")
    assert "sqlglot" in modules


@pytest.mark.parametrize("output_format", ["sarif", "console"])
def test_the_chosen_format_is_loaded_when_asked_for(tmp_path, output_format):
    write_repo(tmp_path, {"train.py": TRAIN})
    modules = loaded("scan", tmp_path, "--format", output_format, "--no-cache", "--jobs", "1",
                     "-o", tmp_path / "r.out")
    assert ("debtscan.report.sarif" if output_format == "sarif" else "rich") in modules


def test_a_scan_whose_facts_all_come_from_the_cache_loads_no_parser(tmp_path, monkeypatch):
    """The cross-file stage reads facts only: with every file's facts cached (and the result cache off, as
    when only a selector or the configuration changed), libcst is never imported."""
    repo = tmp_path / "repo"
    write_repo(repo, {"train.py": TRAIN})
    monkeypatch.setenv("DEBTSCAN_NO_RESULT_CACHE", "1")
    args = ("scan", repo, "--format", "json", "--jobs", "1", "-o", tmp_path / "r.json")
    assert "libcst" in loaded(*args)  # the first scan parses train.py
    modules = loaded(*args)
    assert "libcst" not in modules and "debtscan.facts.extract" not in modules, modules
    assert "debtscan.engine" in modules and "networkx" not in modules, modules


@pytest.mark.parametrize("output_format", ["markdown", "html"])
def test_a_report_that_draws_the_pipeline_loads_the_graph_library(tmp_path, output_format):
    write_repo(tmp_path, {"train.py": TRAIN})
    modules = loaded("scan", tmp_path, "--format", output_format, "--no-cache", "--jobs", "1",
                     "-o", tmp_path / "r.out")
    assert "networkx" in modules
