"""Property-based tests (issue 8): random programs into the extractor and the path resolver.

Whatever the program, extraction returns facts (or a per-file error that is not an internal error), never an
exception; the facts round-trip through JSON exactly; and the graph and path resolution over them never raise.
hypothesmith generates syntactically valid Python from the grammar; a second strategy builds ML-style I/O
code with random path expressions, which hypothesmith almost never produces.
"""
import json
import string

import hypothesmith
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from debtscan.config import Config
from debtscan.engine import knowledge_for
from debtscan.errors import INTERNAL_ERROR, ErrorKind
from debtscan.sources.files import FileTask
from debtscan.store.codec import dumps, loads
from debtscan.store.work import extract_file
from debtscan.facts.model import FileFacts
from debtscan.project.graph import build_project
from debtscan.project.paths import globs_overlap, leaves_root, matches, normalise

FAST = settings(max_examples=30, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])
KNOWLEDGE = knowledge_for(Config())


def facts_of(path, source):
    data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
    module = path.rsplit(".", 1)[0].replace("/", ".")
    return extract_file("/nonexistent", FileTask(path, module, False), KNOWLEDGE, 2_000_000, data=data)


def assert_sound(facts):
    assert isinstance(facts, FileFacts)
    assert not (facts.error or "").startswith(INTERNAL_ERROR), facts.error
    assert facts.error_kind is not ErrorKind.INTERNAL, facts.error
    blob = dumps(facts)
    again = loads(blob)
    assert again == facts
    assert dumps(again) == blob


@FAST
@given(hypothesmith.from_grammar())
def test_any_valid_program_gives_facts_that_round_trip_through_the_store_codec(source):
    facts = facts_of("pkg/generated.py", source)
    assert_sound(facts)
    assert_project_of_one_file(facts)


def assert_project_of_one_file(facts):
    """The project of one file holds that file only: one module node, every access and edge about it."""
    project = build_project({facts.path: facts} if not facts.error else {})
    if facts.error:
        assert not project.facts and not project.graph.number_of_nodes()
        return
    assert set(project.facts) == {facts.path}
    modules = {n for n, kind in project.graph.nodes(data="kind") if kind == "module"}
    assert modules == {f"module:{facts.path}"}
    assert all(access.module == facts.path for access in project.accesses)
    artifacts = {n for n, kind in project.graph.nodes(data="kind") if kind == "artifact"}
    assert artifacts == {f"artifact:{a.artifact}" for a in project.accesses}, (artifacts, project.accesses)


def test_the_project_of_one_file_holds_that_file_its_reads_and_writes():
    facts = facts_of("pkg/io.py", "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf.to_csv('b.csv')\n")
    assert_project_of_one_file(facts)
    assert {(a.mode, a.artifact) for a in build_project({facts.path: facts}).accesses} == {
        ("read", "a.csv"), ("write", "b.csv")}


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_give_facts_or_a_per_file_error(data):
    assert_sound(facts_of("noise.py", data))
    assert_sound(facts_of("noise.ipynb", data))


SEGMENTS = st.text(string.ascii_letters + string.digits + "_-.*/ %", min_size=0, max_size=12)
LITERAL = st.text(string.ascii_letters + string.digits + "_-.*/ {}%", min_size=0, max_size=12).map(repr)
NAME = st.sampled_from(["DATA_DIR", "OUT", "name", "i", "cfg.ROOT", "Path(__file__).parent", "sys.argv[1]"])


def path_expressions(depth=2):
    leaf = st.one_of(LITERAL, NAME, SEGMENTS.map(lambda s: f"f'{{DATA_DIR}}/{s}'"))
    if depth == 0:
        return leaf
    inner = path_expressions(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(inner, inner).map(lambda p: f"os.path.join({p[0]}, {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"Path({p[0]}) / {p[1]}"),
        st.tuples(inner, inner).map(lambda p: f"{p[0]} + {p[1]}"),
        st.tuples(LITERAL, inner).map(lambda p: f"{p[0]}.format({p[1]})"),
        st.tuples(LITERAL, inner).map(lambda p: f"{p[0]} % {p[1]}"),
        inner.map(lambda p: f"Path({p}).with_suffix('.csv')"),
    )


IO = st.sampled_from(["pd.read_csv({})", "df.to_parquet({})", "open({}, 'w')", "np.save({}, x)",
                      "pd.read_parquet({})", "joblib.dump(model, {})", "df.to_csv({}, index=False)"])


@st.composite
def io_programs(draw):
    constants = draw(st.lists(st.tuples(st.sampled_from(["DATA_DIR", "OUT"]), path_expressions(1)),
                              max_size=3))
    calls = draw(st.lists(st.tuples(IO, path_expressions()), min_size=1, max_size=4))
    lines = ["import os", "import sys", "from pathlib import Path", "import numpy as np", "import pandas as pd",
             "import joblib", "from cfg import cfg"]
    lines += [f"{name} = {value}" for name, value in constants]
    lines.append("def step(name, i):")
    lines += [f"    {template.format(path)}" for template, path in calls]
    lines += [template.format(path) for template, path in calls]
    return "\n".join(lines) + "\n"


@FAST
@given(st.lists(io_programs(), min_size=1, max_size=3))
def test_path_resolution_over_random_io_code_never_raises_and_stays_textual(programs):
    facts = {}
    for index, source in enumerate(programs):
        fact = facts_of(f"step_{index}.py", source)
        assert_sound(fact)
        assert fact.error is None, (fact.error, source)
        facts[fact.path] = fact
    project = build_project(facts)
    for access in project.paths.accesses:
        assert isinstance(access.artifact, str) and access.artifact
        assert "\x00" not in access.artifact


@FAST
@given(st.text(max_size=40), st.text(max_size=40))
def test_path_helpers_accept_any_text(a, b):
    resolved = normalise(a, "pkg/mod.py")
    assert resolved is None or isinstance(resolved.path, str)
    normalise(a, "mod.py", cwd=b.strip("/") or None)
    assert leaves_root(a) in (True, False)
    assert matches(a, b) in (True, False)
    assert globs_overlap(a, b) in (True, False)
