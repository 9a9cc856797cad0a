"""DS101-DS103 and the composition metrics: small repos in, findings (path, line) and numbers out."""
import io
import json
import textwrap

import jsonschema
from rich.console import Console

from debtscan.report import console as console_report
from debtscan.report.json_format import report_data, schema
from debtscan.testing import locations, scan_sources

GLUE_FUNCTION = """
    def {name}(frame, columns):
        values = frame[columns].to_numpy()
        values = values.astype(np.float32)
        values = values.reshape(-1, len(columns))
        return values
"""


def glue_module(functions, header="import numpy as np\n"):
    return header + "\n".join(textwrap.dedent(GLUE_FUNCTION.format(name=f"f{i}")) for i in range(functions))


def glue_file(lines):
    """A module of ``lines`` code lines: one import, then json round trips (all glue)."""
    body = "\n".join(f"def f{i}(x):\n    return json.dumps(json.loads(x))\n" for i in range(lines - 1))
    return "import json\n" + body


def plain_file(lines):
    body = "\n".join(f"def g{i}(x):\n    return x + {i}\n" for i in range(lines - 1))
    return "import math\n" + body


def test_glue_heavy_file_is_reported_with_ratio_adapters_and_lines():
    report = scan_sources({"service.py": glue_module(10)}, select=["DS101"])
    assert locations(report.findings) == [("service.py", 4)]
    message = report.findings[0].message
    # 30 conversions and the 10 `return values` of the functions that only convert: 40 of 41 lines
    assert "`service.py` is 98% glue (40 of 41 code lines, 0% ML)" in message
    assert "pandas->numpy (10)" in message and "numpy->numpy (20)" in message
    assert "Look at lines 4-6, 11-13, 18-20, 25-27, 32-34, 39-41 and 4 more." in message
    assert len(report.findings[0].related) == 6


def test_small_or_mostly_ml_files_are_not_reported():
    small = scan_sources({"service.py": glue_module(3)}, select=["DS101"])
    assert small.findings == []
    half = scan_sources({"mixed.py": glue_file(20) + plain_file(30)}, select=["DS101"])
    assert half.findings == []        # 19 glue lines of 50


def test_thresholds_are_options():
    config = {"rules": {"DS101": {"min-code-lines": 10, "max-glue-ratio": 0.45}}}
    report = scan_sources({"a.py": glue_file(6) + plain_file(6), "b.py": glue_file(12)}, config, select=["DS101"])
    assert locations(report.findings) == [("b.py", 3)]   # a.py: 5 of 12 lines (42%) is not above 0.45


def test_package_of_small_glue_files_is_reported_once_on_its_heaviest_file():
    files = {
        "clients/__init__.py": "",
        "clients/a.py": glue_file(15),
        "clients/b.py": glue_file(18),
        "clients/c.py": plain_file(8),
        "app.py": plain_file(45),
    }
    report = scan_sources(files, select=["DS101"])
    assert locations(report.findings) == [("clients/b.py", 3)]
    assert "package `clients/` is 76% glue (31 of 41 code lines" in report.findings[0].message
    assert "glue-heaviest files: clients/b.py (17), clients/a.py (14)." in report.findings[0].message


def test_package_is_not_reported_again_when_one_of_its_files_is():
    files = {"pkg/big.py": glue_file(45), "pkg/small.py": glue_file(10)}
    report = scan_sources(files, select=["DS101"])
    assert locations(report.findings) == [("pkg/big.py", 3)]


def test_the_same_conversion_in_three_places_gives_one_finding_per_place():
    files = {
        "train.py": glue_module(1),
        "serve.py": "import pandas as pd\n" + glue_module(1),
        "evaluate.py": glue_module(1, header="import numpy as np\nimport json\n"),
    }
    report = scan_sources(files, select=["DS102"])
    assert locations(report.findings) == [("evaluate.py", 5)]   # one finding per group, on its first place
    (finding,) = report.findings
    assert "3-statement conversion (pandas->numpy, numpy->numpy) is written out in 3 places" in finding.message
    assert sorted((r.path, r.line) for r in finding.related) == [("serve.py", 5), ("train.py", 4)]


def test_two_places_or_repeats_inside_one_block_are_not_repeated_glue():
    assert scan_sources({"a.py": glue_module(1), "b.py": glue_module(1)}, select=["DS102"]).findings == []
    one_block = """
        import numpy as np
        def f(a, b, c):
            a = a.to_numpy().astype(np.float32)
            b = b.to_numpy().astype(np.float32)
            c = c.to_numpy().astype(np.float32)
    """
    assert scan_sources({"a.py": one_block}, select=["DS102"]).findings == []


def test_single_conversions_need_min_steps():
    source = "def f(x):\n    return x.tolist()\n"
    files = {"a.py": source, "b.py": source, "c.py": source}
    assert scan_sources(files, select=["DS102"]).findings == []
    config = {"rules": {"DS102": {"min-steps": 1}}}
    assert len(scan_sources(files, config, select=["DS102"]).findings) == 1


def test_repo_glue_ratio_is_an_info_finding_above_the_threshold():
    files = {"glue.py": glue_file(30), "model.py": plain_file(60)}
    report = scan_sources(files, select=["DS103"])
    assert locations(report.findings) == [("glue.py", 3)]
    finding = report.findings[0]
    assert finding.severity == "info"
    assert finding.message.startswith("32% of this repository's 90 code lines are glue (29 lines; 0% are ML)")
    assert "glue.py (29 lines, 97%)" in finding.message
    higher = scan_sources(files, {"rules": {"DS103": {"max-glue-ratio": 0.4}}}, select=["DS103"])
    assert higher.findings == []


def test_composition_metrics_for_repo_packages_and_files_validate_against_the_schema():
    files = {
        "svc/__init__.py": "",
        "svc/api.py": glue_module(2),
        "train.py": """
            from sklearn.linear_model import LogisticRegression
            SEED = 0
            model = LogisticRegression(random_state=SEED)
            model.fit(X, y)
            print(model)
        """,
    }
    report = scan_sources(files)
    metrics = report.metrics
    comp = metrics["composition"]
    assert comp["classes"] == ["ml", "glue", "io", "prep", "verify", "config", "process", "serving",
                               "monitoring", "analysis", "other"]
    none = dict.fromkeys(comp["classes"], 0)
    # `import numpy` is data preparation; the two functions only convert, their `return values` too
    assert comp["files"]["svc/api.py"]["lines"] == {**none, "glue": 8, "prep": 1}
    # the sklearn import is ML, the seed a setting, the print logging
    assert comp["files"]["train.py"]["lines"] == {**none, "ml": 3, "config": 1, "monitoring": 1}
    assert comp["packages"]["svc"]["code_lines"] == 9 and comp["packages"]["svc"]["files"] == 2
    assert comp["repo"]["code_lines"] == 14
    assert metrics["glue_code_ratio"] == round(8 / 14, 4)
    assert metrics["ml_code_ratio"] == round(3 / 14, 4)
    assert [(f["function"], f["line"], f["call_sites"]) for f in comp["glue_functions"]] == [
        ("svc.api.f0", 3, 0), ("svc.api.f1", 10, 0)]
    assert comp["adapters"] == [{"adapter": "numpy->numpy", "lines": 4, "files": 1},
                                {"adapter": "pandas->numpy", "lines": 2, "files": 1}]
    assert abs(sum(comp["repo"]["fractions"].values()) - 1) < 1e-3
    jsonschema.Draft202012Validator(schema()).validate(json.loads(json.dumps(report_data(report))))


def test_console_shows_the_composition_bar_for_the_repo_and_the_glue_heaviest_files():
    report = scan_sources({"svc/api.py": glue_module(4), "train.py": plain_file(12)})
    out = io.StringIO()
    console_report.render(report, Console(file=out, width=120, no_color=True))
    text = out.getvalue()
    assert "Code composition" in text
    repo_line = next(line for line in text.splitlines() if line.strip().startswith("repo"))
    assert "▓" * 22 in repo_line and "55%" in repo_line   # 16 glue lines of 29: 55% of a 40-cell bar
    assert any(line.strip().startswith("svc/api.py") and "94%" in line for line in text.splitlines())
    assert "glue adapts: numpy->numpy (8), pandas->numpy (4)" in text
    quiet = io.StringIO()
    console_report.render(report, Console(file=quiet, width=120, no_color=True), quiet=True)
    assert "Code composition" not in quiet.getvalue()


def test_the_console_legend_names_each_figure_1_class_the_repo_has_lines_of():
    report = scan_sources({"svc/api.py": glue_module(4), "train.py": "import sklearn\nimport numpy\n"
                           "SEED = 1\nprint(SEED)\n"})
    out = io.StringIO()
    console_report.render(report, Console(file=out, width=120, no_color=True))
    legend = next(line for line in out.getvalue().splitlines() if line.strip().startswith("█ ml"))
    lines = report.metrics["composition"]["repo"]["lines"]
    shown = [kind for kind, count in lines.items() if count]
    assert "prep" in shown and "monitoring" in shown
    for kind in shown:
        assert f"{kind} {lines[kind]}" in legend
    assert "serving" not in legend  # no serving line in this repo: no room taken


def test_notebook_glue_is_reported_in_cells():
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": textwrap.dedent(GLUE_FUNCTION.format(name=f"f{i}")).strip()} for i in range(3)]
    notebook = json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                                      "execution_count": None, "source": "import numpy as np"}] + cells,
                           "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    other = glue_module(1)
    report = scan_sources({"explore.ipynb": notebook, "a.py": other, "b.py": other}, select=["DS102"])
    (a,) = report.findings
    assert (a.path, a.line) == ("a.py", 4)
    cells_hit = sorted((r.cell, r.line) for r in a.related if r.path == "explore.ipynb")
    assert cells_hit == [(1, 2), (2, 2), (3, 2)]   # each cell is a place of its own
    assert any(r.path == "explore.ipynb" and r.line == 2 and r.message.startswith("cell 1,") for r in a.related)


def test_a_bad_knowledge_table_is_a_configuration_error_naming_the_file():
    import tempfile  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    import pytest  # noqa: PLC0415

    from debtscan.config import ConfigError  # noqa: PLC0415
    from debtscan.testing import scan_repo  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "a.py").write_text("import json\n")
        with pytest.raises(ConfigError, match=r"pyproject.toml: \[tool.debtscan.knowledge.mine\]: unknown key"):
            scan_repo(Path(tmp), {"knowledge": {"mine": {"ml": ["x"], "mll": ["y"]}}})
