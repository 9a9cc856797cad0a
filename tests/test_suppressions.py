"""Inline suppressions (issue 2): `# debtscan: ignore[CODE]` / bare `ignore` on the reported line,
`# debtscan: ignore-file[...]` anywhere; suppressed findings are counted; a suppression that suppresses
nothing is itself reported (DS001, info); `per-file-ignores` in the config."""
from debtscan.testing import scan_sources

WRITER = 'import pandas as pd\nframe = pd.read_csv("data/raw/x.csv")\nframe.to_parquet("data/interim/x.parquet"){}\n'
READER = 'import pandas as pd\nframe = pd.read_parquet("data/interim/x.parquet"){}\n'


def scan(writer="", reader="", config=None):
    files = {"make.py": WRITER.format(writer), "use.py": READER.format(reader)}
    report = scan_sources(files, config)
    return sorted((f.code, f.path, f.line) for f in report.findings), report


def test_without_suppression_both_ends_of_the_handoff_are_reported():
    found, report = scan()
    assert found == [("DS201", "make.py", 3), ("DS201", "use.py", 2)]
    assert report.suppressed == 0


def test_ignore_with_the_code_on_the_reported_line_suppresses_that_finding_only():
    found, report = scan(writer="  # debtscan: ignore[DS201]")
    assert found == [("DS201", "use.py", 2)]
    assert report.suppressed == 1


def test_a_bare_ignore_suppresses_every_rule_on_its_line():
    found, report = scan(reader="  # debtscan: ignore")
    assert found == [("DS201", "make.py", 3)]
    assert report.suppressed == 1


def test_ignore_of_another_code_does_not_suppress_and_is_reported_as_unused():
    found, report = scan(writer="  # debtscan: ignore[DS202]")
    assert ("DS201", "make.py", 3) in found
    assert ("DS001", "make.py", 3) in found
    assert report.suppressed == 0


def test_ignore_file_anywhere_in_the_file_suppresses_the_file():
    report = scan_sources({"make.py": WRITER.format(""),
                           "use.py": READER.format("") + "# debtscan: ignore-file[DS201]\n"})
    assert sorted((f.code, f.path, f.line) for f in report.findings) == [("DS201", "make.py", 3)]
    assert report.suppressed == 1


def test_an_unused_suppression_is_reported_as_ds001_info_with_its_comment():
    report = scan_sources({"make.py": WRITER.format(""), "use.py": READER.format(""),
                           "clean.py": "x = 1\ny = 2  # debtscan: ignore[DS201]\n# debtscan: ignore-file\n"})
    unused = sorted((f.path, f.line, f.severity, f.message) for f in report.findings if f.code == "DS001")
    assert unused == [
        ("clean.py", 2, "info", "`# debtscan: ignore[DS201]` suppresses no finding."),
        ("clean.py", 3, "info", "`# debtscan: ignore-file` suppresses no finding."),
    ]


def test_a_suppression_of_a_rule_that_is_not_selected_is_not_called_unused():
    report = scan_sources({"make.py": WRITER.format("  # debtscan: ignore[DS201]"), "use.py": READER.format("")},
                          select=["DS001", "DS1"])
    assert [f for f in report.findings if f.code == "DS001"] == []


def test_per_file_ignores_in_the_config_suppress_by_glob_and_prefix():
    found, report = scan(config={"per-file-ignores": {"use*.py": ["DS2"]}})
    assert found == [("DS201", "make.py", 3)]
    assert report.suppressed == 1


def test_suppression_lines_count_like_the_parser_despite_form_feeds_and_unicode_line_separators():
    """A form feed (Emacs page break) or U+2028 in a comment is not a line break for Python: the suppression
    must stay on the line the finding is reported at."""
    writer = ('import pandas as pd\n# page one\x0c\n# a\u2028b\u0085c\n'
              'frame = pd.read_csv("data/raw/x.csv")\n'
              'frame.to_parquet("data/interim/x.parquet")  # debtscan: ignore[DS201]\n')
    report = scan_sources({"make.py": writer, "use.py": READER.format("")})
    assert sorted((f.code, f.path, f.line) for f in report.findings) == [("DS201", "use.py", 2)]
    assert report.suppressed == 1


def test_suppressions_work_in_notebooks_on_the_cell_line():
    import json

    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "source": ["import pandas as pd\n"]},
                          {"cell_type": "code", "metadata": {}, "source": [
                              "!ls data\n",
                              "frame = pd.read_parquet('data/interim/x.parquet')  # debtscan: ignore[DS201]\n"]}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    report = scan_sources({"make.py": WRITER.format(""), "explore.ipynb": json.dumps(notebook)})
    assert report.suppressed == 1
    assert [(f.path, f.line) for f in report.findings] == [("make.py", 3)]
