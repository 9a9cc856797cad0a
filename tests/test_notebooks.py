"""Notebooks (issues 2 and 8): code cells only, IPython magics and shell escapes neutralised without moving
lines, every finding mapped back to its cell and the line inside it; broken notebooks are per-file errors."""
import json

import pytest

from debtscan.sources.text import SourceError, notebook_source
from debtscan.testing import scan_sources

WRITER = 'import pandas as pd\nframe = pd.read_csv("data/raw/x.csv")\nframe.to_parquet("data/interim/x.parquet")\n'


def notebook(*cells, metadata=None, **extra):
    doc = {"cells": [c if isinstance(c, dict) else code(c) for c in cells],
           "metadata": {"kernelspec": {"language": "python", "name": "python3"}} if metadata is None else metadata,
           "nbformat": 4, "nbformat_minor": 5, **extra}
    return json.dumps(doc)


def code(source):
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}


def markdown(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def findings(files):
    report = scan_sources(files)
    return sorted((f.path, f.cell, f.line) for f in report.findings if f.code == "DS201"), report


def test_a_finding_in_a_notebook_names_the_cell_and_the_line_inside_it():
    nb = notebook(markdown("# Explore"), ["import pandas as pd\n"], markdown("text"),
                  ["%matplotlib inline\n", "!ls data\n", "frame = pd.read_parquet('data/interim/x.parquet')\n"])
    found, _ = findings({"make.py": WRITER, "explore.ipynb": nb})
    assert found == [("explore.ipynb", 3, 3), ("make.py", None, 3)]


def test_magics_and_shell_escapes_become_comments_and_keep_the_line_count():
    source = notebook_source(notebook(
        ["%load_ext autoreload\n", "!pip install pandas\n", "files = !ls data\n", "a, b = %time f()\n",
         "pd.read_csv?\n", "??pd\n", "x = y != 2\n", "  %time z = 1\n"]).encode())
    assert source.text.split("\n")[:8] == [
        "# %load_ext autoreload", "# !pip install pandas", "# files = !ls data", "# a, b = %time f()",
        "# pd.read_csv?", "# ??pd", "x = y != 2", "  pass  # %time z = 1"]
    assert source.cells[0].start_line == 1 and source.cells[0].lines == 9


def test_a_cell_magic_for_another_language_is_commented_out_and_time_keeps_its_python():
    source = notebook_source(notebook(["%%bash\n", "if [ -f x ]; then echo $((1 + 2)); fi\n"],
                                      ["%%time\n", "total = sum(range(10))\n"],
                                      ["%%sql\n", "SELECT 1\n"]).encode())
    lines = source.text.split("\n")
    assert lines[0] == "# %%bash" and lines[1].startswith("# if [ -f x ]")
    assert "# %%time" in lines and "total = sum(range(10))" in lines
    assert "# SELECT 1" in lines
    compile(source.text, "nb", "exec")  # the whole text is valid Python


def test_a_cell_source_given_as_one_string_and_an_nbformat_3_worksheet_are_read():
    string_cell = notebook("import pandas as pd\nframe = pd.read_parquet('data/interim/x.parquet')\n")
    worksheets = json.dumps({"worksheets": [{"cells": [
        {"cell_type": "code", "input": ["import pandas as pd\n", "pd.read_parquet('data/interim/x.parquet')\n"]}]}],
        "metadata": {}, "nbformat": 3})
    found, report = findings({"make.py": WRITER, "a.ipynb": string_cell, "b.ipynb": worksheets})
    assert found == [("a.ipynb", 0, 2), ("b.ipynb", 0, 2), ("make.py", None, 3)]
    assert report.errors == []


def test_odd_cells_are_skipped_not_fatal():
    nb = json.dumps({"cells": [
        code(["import pandas as pd\n"]), "not a cell", {"cell_type": "code"}, {"cell_type": "code", "source": 3},
        {"cell_type": "code", "source": ["pd.read_parquet(", 7, "'data/interim/x.parquet')\n"]},
        {"cell_type": "raw", "source": "pd.read_parquet('nothing')"}], "metadata": {}})
    source = notebook_source(nb.encode())
    assert [span.index for span in source.cells] == [0, 2, 4]
    found, report = findings({"make.py": WRITER, "odd.ipynb": nb})
    assert found == [("make.py", None, 3), ("odd.ipynb", 4, 1)]


@pytest.mark.parametrize("content, message", [
    (b"{ not json", "notebook is not valid JSON: "),
    (b"[1, 2, 3]", "notebook is not a JSON object"),
    (b'{"metadata": {}}', "notebook has no list of cells"),
    (b'{"cells": {"0": 1}}', "notebook has no list of cells"),
    (b"\xff\xfe{}", "notebook is not valid JSON: "),
    (notebook(["x <- 1\n"], metadata={"kernelspec": {"language": "R"}}).encode(),
     "notebook kernel language is 'r', not Python"),
    (notebook(["val x = 1\n"], metadata={"language_info": {"name": "scala"}}).encode(),
     "notebook kernel language is 'scala', not Python"),
])
def test_a_broken_or_foreign_notebook_is_a_per_file_error(content, message):
    with pytest.raises(SourceError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        notebook_source(content)
    report = scan_sources({"make.py": WRITER, "use.py": "import pandas as pd\npd.read_parquet('data/interim/x.parquet')\n",
                           "bad.ipynb": content})
    assert [(e.path, e.message[:len(message)]) for e in report.errors] == [("bad.ipynb", message)]
    assert {(f.path, f.line) for f in report.findings} == {("make.py", 3), ("use.py", 2)}


def test_a_notebook_with_a_bom_and_no_cells_at_all_is_fine():
    source = notebook_source(b"\xef\xbb\xbf" + notebook().encode())
    assert source.text == "" and source.cells == ()


def test_a_syntax_error_in_a_notebook_is_located_by_cell():
    report = scan_sources({"bad.ipynb": notebook(["x = 1\n"], ["y = (\n"])})
    assert [(e.path, e.message) for e in report.errors] == [
        ("bad.ipynb", "syntax error at cell 1, line 1, column 4: '(' was never closed")]


def test_a_block_holding_only_a_magic_stays_valid_python():
    """The Colab idiom: `try:` / `%tensorflow_version 2.x`, `if IS_COLAB:` / `%pip install ...`."""
    nb = notebook(["try:\n", "    # only exists in Colab\n", "    %tensorflow_version 2.x\n", "except Exception:\n",
                   "    pass\n"],
                  ["if IS_COLAB:\n", "    !pip install -q urlextract\n", "import pandas as pd\n",
                   "frame = pd.read_parquet('data/interim/x.parquet')\n"])
    found, report = findings({"make.py": WRITER, "colab.ipynb": nb})
    assert report.errors == []
    assert found == [("colab.ipynb", 1, 4), ("make.py", None, 3)]


def test_max_file_size_applies_to_a_notebooks_code_not_its_outputs():
    """Plots are stored in a notebook as base64: a 3 MB notebook with little code is analysed."""
    plot = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo" * 300_000}}
    cell = code(["import pandas as pd\n", "frame = pd.read_parquet('data/interim/x.parquet')\n"])
    cell["outputs"] = [plot]
    nb = notebook(cell)
    assert len(nb) > 3_000_000
    found, report = findings({"make.py": WRITER, "plots.ipynb": nb})
    assert report.errors == []
    assert found == [("make.py", None, 3), ("plots.ipynb", 0, 2)]
    big_code = notebook(["X = 1\n" * 400_000])
    report = scan_sources({"big.ipynb": big_code})
    assert [(e.path, e.message) for e in report.errors] == [
        ("big.ipynb", "notebook code larger than max-file-size (2000000 bytes): skipped")]


def test_a_line_named_in_a_notebook_syntax_message_is_given_in_its_cell():
    report = scan_sources({"a.ipynb": notebook(["x = 1\n"], ["if x:\n", "    # only a comment\n"], ["y = 2\n"])})
    assert [(e.path, e.message) for e in report.errors] == [
        ("a.ipynb", "syntax error at cell 2, line 1, column 0: expected an indented block after 'if' statement "
                    "on cell 1, line 1")]
