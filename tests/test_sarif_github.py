"""SARIF as GitHub code scanning reads it: notebook findings on the lines of the .ipynb file's JSON, GitHub's
``problem.severity`` values, related places with their columns, and each rule's ``precision`` from its measured
precision."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from debtscan.report.formats import formats
from debtscan.report.notebook_json import NotebookJSONError, cell_positions
from debtscan.report.sarif import precision_level
from debtscan.rules.base import MeasuredPrecision
from debtscan.rules.registry import load_rules
from debtscan.testing import scan_repo, write_repo

SCHEMA = json.loads((Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))
PAGES = Path(__file__).resolve().parent.parent / "rules"


def notebook(*cells, indent=1):
    """An nbformat 4 notebook: each cell a list of source lines (as Jupyter stores them) or one string."""
    return json.dumps({
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Notes\n", "text"]}] + [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
            for source in cells],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5}, indent=indent)


def sarif_of(root):
    report, project = scan_repo(root)
    data = json.loads(formats()["sarif"](report))
    jsonschema.Draft4Validator(SCHEMA).validate(data)
    return report, data["runs"][0]


def region_text(root, result):
    """The text the region covers in the file as stored: (the whole line, the text from startColumn on)."""
    location = result["physicalLocation"] if "physicalLocation" in result else result["locations"][0][
        "physicalLocation"]
    path = location["artifactLocation"]["uri"].replace("%20", " ")
    region = location["region"]
    line = (root / path).read_text(encoding="utf-8").split("\n")[region["startLine"] - 1]
    return line, line[region.get("startColumn", 1) - 1:]


JUNGLE_NOTEBOOK = notebook(
    ["import pandas as pd\n", "\n", "# a \"quoted\" comment, and a tab:\t.\n",
     "df = pd.read_csv(\"data/raw.csv\")\n", "df.to_parquet('data/clean.parquet')"],
    "import pandas as pd\nclean = pd.read_parquet('data/clean.parquet')\nclean.to_csv('data/features.csv')\n",
)


def test_a_notebook_finding_points_at_its_line_of_the_ipynb_json(tmp_path):
    write_repo(tmp_path, {"explore.ipynb": JUNGLE_NOTEBOOK,
                          "train.py": "import pandas as pd\nX = pd.read_csv('data/features.csv')\n",
                          "prep.py": "import pandas as pd\nclean = pd.read_parquet('data/clean.parquet')\n"})
    report, run = sarif_of(tmp_path)
    writes = [r for r in run["results"] if r["ruleId"] == "DS201" and "written here" in r["message"]["text"]
              and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "explore.ipynb"]
    by_cell = {r["properties"]["cell"]: r for r in writes}
    assert sorted(by_cell) == [1, 2]
    # cell 1 is a list of lines: line 5 of the cell is the 5th string of its "source" array
    line, at = region_text(tmp_path, by_cell[1])
    assert line.strip() == '"df.to_parquet(\'data/clean.parquet\')"' and at.startswith("df.to_parquet(")
    assert "(notebook cell 1, line 5 of the cell)" in by_cell[1]["message"]["text"]
    assert by_cell[1]["properties"]["cellLine"] == 5
    # cell 2 is one string: every line of the cell is on the same JSON line, the column finds the call
    line, at = region_text(tmp_path, by_cell[2])
    assert line.lstrip().startswith('"source": "import pandas') and at.startswith("clean.to_csv(")
    assert "(notebook cell 2, line 3 of the cell)" in by_cell[2]["message"]["text"]


def test_related_places_in_a_notebook_point_at_its_json_lines_with_their_columns(tmp_path):
    write_repo(tmp_path, {"explore.ipynb": JUNGLE_NOTEBOOK,
                          "prep.py": "import pandas as pd\nclean = pd.read_parquet('data/clean.parquet')\n"})
    _, run = sarif_of(tmp_path)
    reader = next(r for r in run["results"] if r["ruleId"] == "DS201"
                  and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "prep.py")
    (related,) = reader["relatedLocations"]
    line, at = region_text(tmp_path, related)
    assert at.startswith("df.to_parquet(")
    assert related["message"]["text"].startswith("cell 1, line 5: writes")


def test_related_places_carry_their_real_start_columns(tmp_path):
    write_repo(tmp_path, {
        "prepare.py": "import pandas as pd\n\ndf = pd.read_csv('raw.csv')\nif True:\n    df.to_csv('mid.csv')\n",
        "train.py": "import pandas as pd\n\n\nfor _ in range(2):\n        X = pd.read_csv('mid.csv')\n",
    })
    _, run = sarif_of(tmp_path)
    writer = next(r for r in run["results"] if r["ruleId"] == "DS201"
                  and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "prepare.py")
    (related,) = writer["relatedLocations"]
    assert related["physicalLocation"]["region"] == {"startLine": 5, "startColumn": 13}
    assert region_text(tmp_path, related)[1].startswith("pd.read_csv(")
    reader = next(r for r in run["results"] if r["ruleId"] == "DS201"
                  and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "train.py")
    assert reader["relatedLocations"][0]["physicalLocation"]["region"] == {"startLine": 5, "startColumn": 5}


def test_problem_severity_uses_githubs_values_and_precision_follows_the_measurements(tmp_path):
    write_repo(tmp_path, {"a.py": "import pandas as pd\npd.read_csv('x.csv').to_csv('y.csv')\n"})
    _, run = sarif_of(tmp_path)
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert {rule["properties"]["problem.severity"] for rule in rules.values()} <= {
        "error", "warning", "recommendation"}
    assert rules["DS406"]["properties"]["problem.severity"] == "recommendation"  # an info-level rule
    assert rules["DS201"]["properties"]["precision"] == "high"  # 34 of 40 judged right
    assert rules["DS406"]["properties"]["precision"] == "very-high"  # 20 of 20 (DS207 before it: 16 of 48)
    assert "precision" not in rules["DS102"]["properties"]  # 6 of 6 is too few to claim anything
    assert rules["DS201"]["properties"]["debtscan/measured-precision"]["judged"] == 40
    assert "precision" not in rules["DS206"]["properties"]  # never measured: no claim
    assert "precision" not in rules["DS303"]["properties"]  # 5 of 5 is too few to claim anything
    for code, rule in load_rules().rules.items():
        if code in rules:
            assert rules[code]["properties"].get("precision") == precision_level(rule.measured_precision)


@pytest.mark.parametrize("right,judged,level", [
    (40, 40, "very-high"), (38, 40, "very-high"), (34, 40, "high"), (32, 40, "high"), (30, 40, "medium"),
    (20, 40, "medium"), (16, 48, "low"), (6, 52, "low"), (9, 9, None), (0, 0, None)])
def test_precision_levels_from_the_share_judged_right(right, judged, level):
    assert precision_level(MeasuredPrecision(right, judged, "test")) == level


@pytest.mark.parametrize("code", sorted(load_rules().rules))
def test_the_rule_page_states_the_measured_precision_of_the_rule_class(code):
    rule = load_rules().rules[code]
    text = (PAGES / f"{code}.md").read_text(encoding="utf-8")
    assert "\n## Measured precision\n" in text
    section = text.split("\n## Measured precision\n", 1)[1]
    measured = rule.measured_precision
    if measured is None:
        assert "Not yet measured" in section
    else:
        assert f"{measured.right} of {measured.judged} findings judged right" in section
        assert measured.source in section
        level = precision_level(measured)
        assert (f"`precision: {level}`" in section) if level else ("no `precision` claim" in section)


# --- the raw-position reader ---------------------------------------------------------------------------

def test_positions_follow_escapes_surrogate_pairs_and_windows_line_ends():
    raw = ('{"cells": [{"cell_type": "code", "source": ["x = \\"\\u00e9\\ud83d\\ude00\\" + y\\r\\n", '
           '"z = 1"]}]}')
    positions = cell_positions(raw)
    line, column = positions.locate(0, 1, 9)  # `+` is the 10th code point of `x = "é😀" + y`
    assert (line, raw.split("\n")[line - 1][column]) == (1, "+")
    line, column = positions.locate(0, 2, 4)
    assert raw[column] == "1"


def test_positions_of_nbformat_3_worksheets_count_cells_across_sheets():
    raw = json.dumps({"worksheets": [{"cells": [{"cell_type": "code", "input": ["a = 1\n"]}]},
                                     {"cells": [{"cell_type": "code", "input": ["b = 2\n", "c = 3\n"]}]}]},
                     indent=1)
    line, column = cell_positions(raw).locate(1, 2, 0)
    assert raw.split("\n")[line - 1][column:].startswith("c = 3")


def test_a_place_past_the_cell_or_in_an_unknown_cell_is_not_located():
    positions = cell_positions(notebook(["a = 1\n"]))
    assert positions.locate(1, 5) is None
    assert positions.locate(7, 1) is None


def test_text_that_is_not_json_is_rejected():
    with pytest.raises(NotebookJSONError):
        cell_positions('{"cells": [')


def test_the_json_report_gives_related_places_their_column_and_cell(tmp_path):
    write_repo(tmp_path, {"explore.ipynb": JUNGLE_NOTEBOOK,
                          "prep.py": "import pandas as pd\nclean = pd.read_parquet('data/clean.parquet')\n"})
    report, project = scan_repo(tmp_path)
    data = json.loads(formats()["json"](report))  # validated against the schema by conftest
    reader = next(f for f in data["findings"] if f["code"] == "DS201" and f["path"] == "prep.py")
    assert reader["related"] == [{"path": "explore.ipynb", "line": 5, "column": 0, "cell": 1,
                                  "message": "writes `data/clean.parquet`"}]
