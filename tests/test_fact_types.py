"""Facts are typed values: enumerated fields hold members of their enumeration, collectors declare their
order, and what used to travel as string prefixes travels as small facts."""
import dataclasses
import textwrap
from pathlib import Path

import libcst as cst
import pytest

import typing

from debtscan.config import Config
from debtscan.engine import knowledge_for
from debtscan.sources.discover import discover
from debtscan.sources.files import plan_tasks
from debtscan.store.codec import dumps, loads
from debtscan.store.work import extract_file
from debtscan.facts.collector import CollectedFacts, Collector, CollectorOrderError, ordered
from debtscan.facts.enums import FactEnum
from debtscan.facts.extract import default_collectors, extract
from debtscan.facts.io import IOCollector
from debtscan.facts.model import IOMode, IOTarget, ModelKind, SignalKind, TaskKind
from debtscan.facts.signals import SignalCollector
from debtscan.facts.values import ReadsAt, Unknown, Why
from debtscan.knowledge import load_knowledge

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def enum_fields(cls):
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)
            if isinstance(hints.get(f.name), type) and issubclass(hints[f.name], FactEnum)}

ORCHESTRATED = {
    "luigi_tasks.py": """
        import luigi

        class Clean(luigi.Task):
            def output(self):
                return luigi.LocalTarget("data/clean.csv")

        class Train(luigi.Task):
            def requires(self):
                return Clean()
    """,
    "dag.py": """
        from airflow.operators.bash import BashOperator
        from airflow.operators.python import PythonOperator
        from jobs.score import run
        a = BashOperator(task_id="a", bash_command="python jobs/clean.py")
        b = PythonOperator(task_id="b", python_callable=run)
        a >> b
    """,
    "flow.py": """
        from prefect import flow, task
        import pandas as pd
        import utils

        @task
        def load():
            return pd.read_sql("SELECT a, b FROM events", "sqlite://")

        @flow
        def main():
            frame = utils.load_frame(["a"])
            frame["c"] = frame["a"] * 2
            load()
    """,
}


def _facts(name: str, text: str):
    text = textwrap.dedent(text).lstrip()
    module = name[:-3]
    return extract(cst.parse_module(text), path=name, module_name=module, is_package=False, text=text,
                   knowledge=load_knowledge())


def _walk(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield value
        for f in dataclasses.fields(value):
            yield from _walk(getattr(value, f.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from _walk(item)


def _check_members(facts) -> int:
    checked = 0
    for fact in _walk(facts):
        for name, kind in enum_fields(type(fact)).items():
            value = getattr(fact, name)
            assert type(value) is kind, f"{type(fact).__name__}.{name} = {value!r} is no {kind.__name__} member"
            checked += 1
    return checked


@pytest.mark.parametrize("name", sorted(ORCHESTRATED))
def test_enumerated_fields_of_orchestrator_facts_are_members_and_survive_the_codec(name):
    facts = _facts(name, ORCHESTRATED[name])
    assert _check_members(facts) > 0
    again = loads(dumps(facts))
    assert again == facts
    _check_members(again)


def test_enumerated_fields_of_every_fixture_file_are_members():
    config = Config()
    knowledge = knowledge_for(config)
    checked = 0
    for fixture in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for task in plan_tasks(discover(fixture).files):
            checked += _check_members(extract_file(str(fixture), task, knowledge, config.max_file_size))
    assert checked > 1000


def test_orchestrator_facts_are_typed():
    luigi = _facts("luigi_tasks.py", ORCHESTRATED["luigi_tasks.py"])
    assert [(t.name, t.kind) for t in luigi.tasks] == [("Clean", TaskKind.LUIGI), ("Train", TaskKind.LUIGI)]
    (write,) = luigi.io
    assert (write.mode, write.target, write.line) == (IOMode.WRITE, IOTarget.PATH, 5)
    dag = _facts("dag.py", ORCHESTRATED["dag.py"])
    assert {(t.name, t.kind) for t in dag.tasks} == {("a", TaskKind.COMMAND), ("b", TaskKind.CALLABLE)}


def test_a_frame_loaded_through_a_project_helper_comes_from_the_reads_at_its_line():
    facts = _facts("flow.py", ORCHESTRATED["flow.py"])
    derived = [s for s in facts.signals if s.kind is SignalKind.DERIVED]
    assert [(s.name, s.line, s.inputs, s.source) for s in derived] == [("c", 12, ("a",), ReadsAt(11))]


@pytest.mark.parametrize("expression, expected", [
    ("f()", Unknown(Why.CALL, "?f")),
    ("a.b", Unknown(Why.ATTRIBUTE, "b")),
    ("width * 2", Unknown(Why.ARITHMETIC)),
    ("[*paths]", Unknown(Why.STARRED)),
    ("lambda: 0", Unknown(Why.EXPRESSION, "Lambda")),
    ("undefined_name", Unknown(Why.NAME, "undefined_name")),
])
def test_unknown_values_say_why(expression, expected):
    from debtscan.facts.extract import Extraction  # noqa: PLC0415

    ex = Extraction(cst.parse_module("x = 1\n"), "m", False, load_knowledge(), [])
    assert ex.sym(cst.parse_expression(expression)) == expected


# -- collector order -------------------------------------------------------------------------------------
class _Reads(Collector):
    after = (IOCollector,)

    def finish(self, out: CollectedFacts) -> None:
        self.seen = len(self.peer(IOCollector).io)


class _Undeclared(Collector):
    def finish(self, out: CollectedFacts) -> None:
        self.peer(IOCollector)


class _A(Collector):
    pass


class _B(Collector):
    after = (_A,)


_A.after = (_B,)  # a cycle, for the error


def test_declared_dependencies_run_first_and_are_added_when_missing():
    assert ordered([_Reads]) == [IOCollector, _Reads]
    assert ordered([SignalCollector, IOCollector]) == [IOCollector, SignalCollector]
    assert ordered(default_collectors()) == default_collectors(), "the built-in order already honours `after`"


def test_a_peer_must_be_declared_and_a_cycle_is_an_error():
    module = cst.parse_module("import pandas as pd\npd.read_csv('a.csv')\n")
    with pytest.raises(CollectorOrderError, match="_Undeclared reads IOCollector without declaring it"):
        extract(module, path="a.py", module_name="a", is_package=False, text="", knowledge=load_knowledge(),
                collectors=[IOCollector, _Undeclared])
    with pytest.raises(CollectorOrderError, match="cycle: _A -> _B -> _A"):
        ordered([_A])


def test_every_enumeration_renders_as_its_value():
    for kind in (IOMode, IOTarget, ModelKind, SignalKind, TaskKind, Why):
        assert issubclass(kind, FactEnum)
        for member in kind:
            assert str(member) == f"{member}" == member.value and member == member.value
            assert hash(member) == hash(member.value)
