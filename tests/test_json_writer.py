"""The JSON report's writer gives exactly the text of ``json.dumps(data, indent=2, ensure_ascii=False)``: on
every fixture's report and on generated values (nested lists, tuples and dicts; strings with quotes,
escapes, control characters and non-ASCII; integers, floats including NaN and infinities; non-string keys)."""
import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from debtscan.report.json_format import dumps, render, report_data
from debtscan.testing import scan_repo

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                    st.text())
keys = st.one_of(st.text(), st.integers(), st.booleans(), st.none(),
                 st.floats(allow_nan=False, allow_infinity=True))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                       st.lists(inner, max_size=5).map(tuple),
                                                       st.dictionaries(keys, inner, max_size=5)), max_leaves=40)


@settings(max_examples=400, deadline=None)
@given(values)
def test_generated_values_are_written_as_json_dumps_writes_them(value):
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_special_values_and_key_kinds():
    value = {"nan": math.nan, "inf": [math.inf, -math.inf], 1: "one", 2.5: [], True: {}, None: [[]],
             "quote\"\\\n\u2028é": "\x00\x1f\u00e9\U0001f600"}
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_what_json_cannot_write_is_refused_like_json_dumps():
    with pytest.raises(TypeError):
        dumps({"x": object()})
    with pytest.raises(TypeError):
        dumps({(1, 2): "tuple key"})


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_every_fixture_report_is_the_text_json_dumps_gives(fixture):
    report, _ = scan_repo(FIXTURES / fixture)
    assert render(report) == json.dumps(report_data(report), indent=2, ensure_ascii=False) + "\n"
