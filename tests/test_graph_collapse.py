"""`debtscan graph --collapse`: module and folder views of the repo graph, and Mermaid drawings that stay
under Mermaid's default limits (500 edges, 50,000 characters) by collapsing."""
from __future__ import annotations

import json
import re

from click.testing import CliRunner

from debtscan.cli import main
from debtscan.project.export import (
    MERMAID_MAX_EDGES, MERMAID_MAX_TEXT, Collapse, mermaid_drawing, to_dot, to_json, to_mermaid, view,
)
from debtscan.testing import scan_repo, write_repo

PIPELINE = {
    "etl/prepare.py": "import pandas as pd\ndf = pd.read_csv('input/raw.csv')\n"
                      "df.to_csv('data/clean.csv')\ndf.to_csv('data/extra.csv')\n",
    "ml/train.py": "import pandas as pd\ndf = pd.read_csv('data/clean.csv')\nx = pd.read_csv('data/extra.csv')\n"
                   "df.to_csv('data/scored.csv')\n",
    "ml/evaluate.py": "import pandas as pd\npd.read_csv('data/scored.csv')\npd.read_csv('data/clean.csv')\n",
}


def edges(graph):
    return sorted((u, v, d["kind"], d.get("files", 0)) for u, v, d in graph.edges(data=True))


def test_the_module_view_links_writer_and_reader_modules_by_the_files_they_hand_over(tmp_path):
    write_repo(tmp_path, PIPELINE)
    _, project = scan_repo(tmp_path)
    modules = view(project, Collapse.MODULES)
    assert {d["kind"] for _, d in modules.graph.nodes(data=True)} == {"module"}
    assert edges(modules.graph) == [
        ("module:etl/prepare.py", "module:ml/evaluate.py", "data", 1),
        ("module:etl/prepare.py", "module:ml/train.py", "data", 2),
        ("module:ml/train.py", "module:ml/evaluate.py", "data", 1),
    ]
    assert modules.jungle == {"module:etl/prepare.py", "module:ml/train.py", "module:ml/evaluate.py"}
    mermaid = to_mermaid(project, collapse=Collapse.MODULES)
    assert "-->|2 files|" in mermaid and "data/clean.csv" not in mermaid


def test_the_folder_view_sums_links_between_folders_and_counts_those_inside_one(tmp_path):
    write_repo(tmp_path, PIPELINE)
    _, project = scan_repo(tmp_path)
    folders = view(project, Collapse.FOLDERS)
    nodes = dict(folders.graph.nodes(data=True))
    assert sorted(nodes) == ["folder:etl", "folder:ml"]
    assert nodes["folder:ml"]["modules"] == 2 and nodes["folder:ml"]["internal"] == 1  # train -> evaluate
    assert [(u, v, d["kind"], d["links"], d["files"]) for u, v, d in folders.graph.edges(data=True)] == [
        ("folder:etl", "folder:ml", "data", 2, 3)]
    exported = json.loads(to_json(project, collapse=Collapse.FOLDERS))
    assert [n["id"] for n in exported["nodes"]] == ["folder:etl", "folder:ml"]
    assert 'label="2 links' not in to_dot(project, collapse=Collapse.FOLDERS)
    assert 'label="3 files"' in to_dot(project, collapse=Collapse.FOLDERS)
    assert '"ml/ · 2 modules"' in to_mermaid(project, collapse=Collapse.FOLDERS)


def test_a_small_graph_is_drawn_in_full_and_unchanged(tmp_path):
    write_repo(tmp_path, PIPELINE)
    _, project = scan_repo(tmp_path)
    drawing = mermaid_drawing(project)
    assert drawing.level is Collapse.NONE and drawing.left_out == 0 and "%%" not in drawing.text
    assert drawing.text == to_mermaid(project, collapse=Collapse.NONE)
    assert '"data/clean.csv"' in drawing.text


def _fan_in(writers: int, files: int) -> dict:
    """``writers`` scripts each writing ``files`` files that one script reads: many artifact edges, few modules."""
    repo = {}
    for w in range(writers):
        body = "".join(f"df.to_csv('data/w{w}_{f}.csv')\n" for f in range(files))
        repo[f"steps/step_{w}.py"] = "import pandas as pd\ndf = pd.read_csv('input/raw.csv')\n" + body
    reads = "".join(f"pd.read_csv('data/w{w}_{f}.csv')\n" for w in range(writers) for f in range(files))
    repo["train.py"] = "import pandas as pd\n" + reads
    return repo


def test_over_the_limits_the_drawing_collapses_to_modules(tmp_path):
    write_repo(tmp_path, _fan_in(10, 30))  # 300 writes + 300 reads in full
    _, project = scan_repo(tmp_path)
    full = mermaid_drawing(project, collapse=Collapse.NONE)
    assert full.edges > MERMAID_MAX_EDGES and not full.within_limits
    drawing = mermaid_drawing(project)
    assert drawing.level is Collapse.MODULES and drawing.edges == 10 and drawing.within_limits
    assert f"%% collapsed to modules: the full graph has {full.edges} edges" in drawing.text
    assert drawing.text.count("-->|30 files|") == 10


def _mesh(folders: int, per_folder: int) -> dict:
    """Every script reads what every script of the other folders writes: a dense data flow."""
    repo = {}
    names = [(f, s) for f in range(folders) for s in range(per_folder)]
    for f, s in names:
        reads = "".join(f"pd.read_csv('data/f{g}_s{t}.csv')\n" for g, t in names if g != f)
        repo[f"f{f}/s{s}.py"] = f"import pandas as pd\n{reads}pd.DataFrame().to_csv('data/f{f}_s{s}.csv')\n"
    return repo


def test_a_module_view_a_little_over_the_limits_keeps_its_heaviest_links(tmp_path):
    write_repo(tmp_path, _mesh(24, 1))  # 24 x 23 = 552 module links: 52 (under a tenth) must go
    _, project = scan_repo(tmp_path)
    drawing = mermaid_drawing(project)
    assert drawing.level is Collapse.MODULES and drawing.within_limits
    assert drawing.edges == MERMAID_MAX_EDGES and drawing.left_out == 52
    assert "the 500 heaviest of 552 links" in drawing.text and "52 links left out" in drawing.text


def test_when_even_the_folders_are_too_many_the_heaviest_links_are_kept_and_the_rest_counted(tmp_path):
    write_repo(tmp_path, _mesh(24, 2))  # 48 x 46 module links; 24 x 23 = 552 folder links
    _, project = scan_repo(tmp_path)
    assert len(view(project, Collapse.FOLDERS).graph.edges) == 552
    drawing = mermaid_drawing(project)
    assert drawing.level is Collapse.FOLDERS and drawing.within_limits
    assert drawing.edges <= MERMAID_MAX_EDGES and len(drawing.text) <= MERMAID_MAX_TEXT
    assert drawing.left_out == 552 - drawing.edges > 0
    comment = next(line for line in drawing.text.splitlines() if line.strip().startswith("%%"))
    assert re.search(rf"collapsed to folders, the {drawing.edges:,} heaviest of 552 links.*"
                     rf"{drawing.left_out:,} links left out", comment)


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_the_cli_draws_the_view_asked_for_and_says_when_it_collapsed(tmp_path):
    write_repo(tmp_path, _fan_in(10, 30))
    modules = cli("graph", str(tmp_path), "--format", "mermaid", "--collapse", "modules", "--no-cache")
    assert modules.exit_code == 0 and "artifact" not in modules.stdout and "-->|30 files|" in modules.stdout
    auto = cli("graph", str(tmp_path), "--format", "mermaid", "--no-cache")
    assert "%% collapsed to modules" in auto.stdout
    assert "drawn collapsed to modules" in auto.stderr
    full = cli("graph", str(tmp_path), "--format", "mermaid", "--collapse", "none", "--no-cache")
    assert "over Mermaid's default limits" in full.stderr and full.stdout.count("-->|") > MERMAID_MAX_EDGES
    folders = json.loads(cli("graph", str(tmp_path), "--collapse", "folders", "--no-cache").stdout)
    assert sorted(n["id"] for n in folders["nodes"]) == ["folder:(root)", "folder:steps"]
