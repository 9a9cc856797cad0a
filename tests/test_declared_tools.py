"""Metaflow flows and Kedro pipelines: steps in order, artifacts and datasets as declared hand-offs."""
import json
import textwrap
from pathlib import Path

import libcst as cst

from debtscan.facts.extract import extract
from debtscan.facts.model import IOMode, TaskKind
from debtscan.knowledge import load_knowledge
from debtscan.report.json_format import report_data
from debtscan.testing import locations, scan_repo, write_repo

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

FLOW = """
    from metaflow import FlowSpec, Parameter, step
    from shop.features import build


    class TrainFlow(FlowSpec):
        alpha = Parameter("alpha", default=0.1)

        @step
        def start(self):
            self.rows = [1, 2, 3]
            self.next(self.left, self.right)

        @step
        def left(self):
            self.total = sum(self.rows) * self.alpha
            self.next(self.join)

        @step
        def right(self):
            self.features = build(self.rows)
            self.next(self.join)

        @step
        def join(self, inputs):
            self.merge_artifacts(inputs)
            self.next(self.end)

        @step
        def end(self):
            self.rows = [r for r in self.rows if r]
            print(self.total, self.features)
"""


def _facts(text: str, name: str = "flow.py"):
    text = textwrap.dedent(text).lstrip()
    return extract(cst.parse_module(text), path=name, module_name=name[:-3].replace("/", "."), is_package=False, text=text,
                   knowledge=load_knowledge())


# -- Metaflow ----------------------------------------------------------------------------------------
def test_metaflow_steps_their_order_and_their_artifacts_are_facts():
    facts = _facts(FLOW)
    steps = [(t.name, t.line) for t in facts.tasks if t.kind is TaskKind.FUNCTION and t.framework == "metaflow"]
    assert steps == [("start", 9), ("left", 14), ("right", 19), ("join", 24), ("end", 29)]
    assert [(e.upstream, e.downstream) for e in facts.task_edges] == [
        ("start", "left"), ("start", "right"), ("left", "join"), ("right", "join"), ("join", "end")]
    artifacts = {(a.step, a.name, a.mode, a.line) for a in facts.step_artifacts}
    assert ("start", "rows", IOMode.WRITE, 10) in artifacts and ("left", "rows", IOMode.READ, 15) in artifacts
    assert ("end", "rows", IOMode.WRITE, 30) in artifacts and ("end", "rows", IOMode.READ, 30) in artifacts
    names = {a.name for a in facts.step_artifacts}
    assert not names & {"next", "merge_artifacts", "left", "right", "join", "end"}, \
        "self.next and self.<step> are no artifacts"
    callables = [(t.name, t.callable) for t in facts.tasks if t.kind is TaskKind.CALLABLE]
    assert callables == [("right", "shop.features.build")]


def test_an_artifact_is_handed_to_the_later_steps_that_read_it_until_a_step_assigns_it_again(tmp_path):
    write_repo(tmp_path, {"flow.py": FLOW, "shop/__init__.py": "", "shop/features.py": "def build(rows):\n    return rows\n"})
    _, project = scan_repo(tmp_path)
    handoffs = {(h.name, h.writer, h.reader, h.write_line, h.read_line) for h in project.pipeline.step_handoffs}
    assert handoffs == {
        ("rows", "start", "left", 10, 15), ("rows", "start", "right", 10, 20), ("rows", "start", "end", 10, 30),
        ("total", "left", "end", 15, 31), ("features", "right", "end", 20, 31),
    }
    # alpha is a Parameter (no step writes it); the join reads its branches through `inputs` (not followed)


def test_steps_of_a_metaflow_flow_run_the_project_code_they_call_in_the_flows_order():
    report, project = scan_repo(FIXTURES / "metaflow-flow")
    steps = [(s.script, s.runner, s.line, s.order) for s in project.pipeline.steps]
    # (churn/model.py reads and writes no file: it orders no data and is no step)
    assert steps == [("churn/data.py", "flows/churn_flow.py", 18, 0), ("churn/scoring.py", "flows/churn_flow.py", 30, 1),
                     ("churn/report.py", "flows/churn_flow.py", 36, 2)]
    # the cleaned orders' path is fixed inside churn/data.py's helper: the write is reported there
    assert locations(report.findings) == [("churn/data.py", 7), ("dashboards/export.py", 3)]
    pipeline = report_data(report)["metrics"]["pipeline"]
    assert (pipeline["declared_handoffs"], pipeline["handoffs"], pipeline["declared_flow_ratio"]) == (3, 1, 0.75)


# -- Kedro -------------------------------------------------------------------------------------------
def test_kedro_nodes_name_their_function_and_datasets_positionally_by_keyword_or_in_a_dict():
    facts = _facts("""
        from kedro.pipeline import Node, Pipeline, node
        from .nodes import clean, split, score, report

        def create_pipeline(**kwargs):
            return Pipeline([
                node(clean, "raw", "clean", name="clean_node"),
                Node(func=split, inputs=["clean", "params:split", "parameters"], outputs=["train", "test"]),
                node(score, inputs={"model": "model", "data": "test"}, outputs=None),
                Node(report, dict(scores="scores@pandas"), dict(summary="summary")),
            ])
    """, "pkg/pipelines/p/pipeline.py")
    assert [(n.function.rpartition(".")[2], n.inputs, n.outputs, n.line, n.name) for n in facts.pipeline_nodes] == [
        ("clean", ("raw",), ("clean",), 6, "clean_node"),
        ("split", ("clean",), ("train", "test"), 7, ""),
        ("score", ("model", "test"), (), 8, ""),
        ("report", ("scores@pandas",), ("summary",), 9, ""),
    ]
    assert facts.pipeline_nodes[0].function == "pkg.pipelines.p.nodes.clean"


def test_kedro_datasets_passed_between_nodes_are_declared_hand_offs_through_the_catalogue():
    report, project = scan_repo(FIXTURES / "kedro-spaceflights")
    handoffs = {(h.dataset, h.artifact, h.writer[2].rpartition(".")[2], h.reader[2].rpartition(".")[2])
                for h in project.pipeline.node_handoffs}
    assert handoffs == {
        ("preprocessed_shuttles", "data/02_intermediate/preprocessed_shuttles.parquet", "preprocess_shuttles",
         "create_model_input_table"),
        ("preprocessed_companies", "data/02_intermediate/preprocessed_companies.parquet", "preprocess_companies",
         "create_model_input_table"),
        ("model_input_table", "data/03_primary/model_input_table.parquet", "create_model_input_table", "split_data"),
        ("regressor", "data/06_models/regressor.pickle", "train_model", "evaluate"),
        ("X_train", "", "split_data", "train_model"), ("y_train", "", "split_data", "train_model"),
        ("X_test", "", "split_data", "evaluate"), ("y_test", "", "split_data", "evaluate"),
    }
    assert report.findings == []
    pipeline = report_data(report)["metrics"]["pipeline"]
    assert (pipeline["declared_handoffs"], pipeline["handoffs"], pipeline["declared_flow_ratio"]) == (8, 0, 1.0)


def test_a_repo_without_pipeline_tools_keeps_its_declared_flow_ratio(tmp_path):
    write_repo(tmp_path, {
        "a.py": "import pandas as pd\npd.read_csv('data/raw/x.csv').to_csv('data/interim/y.csv')\n",
        "b.py": "import pandas as pd\npd.read_csv('data/interim/y.csv')\n",
    })
    report, project = scan_repo(tmp_path)
    assert project.pipeline.step_handoffs == () and project.pipeline.node_handoffs == ()
    pipeline = json.loads(json.dumps(report_data(report)))["metrics"]["pipeline"]
    assert (pipeline["declared_handoffs"], pipeline["handoffs"], pipeline["declared_flow_ratio"]) == (0, 1, 0.0)
