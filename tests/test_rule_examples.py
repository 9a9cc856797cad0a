"""Every rule's own VALID/INVALID examples (Fixit-style): VALID gives no finding, INVALID exactly the expected."""
import pytest

from debtscan.rules.base import all_examples
from debtscan.rules.registry import load_rules
from debtscan.testing import check_example

RULES = load_rules().rules
CASES = [
    pytest.param(rule, kind, example, id=f"{code}-{kind}-{i}")
    for code, rule in sorted(RULES.items())
    for i, (kind, example) in enumerate(all_examples(rule()))
]


@pytest.mark.parametrize("rule, kind, example", CASES)
def test_rule_example(rule, kind, example):
    found = check_example(rule, example)
    if kind == "valid":
        assert found == [], f"{rule.code} flagged a VALID example: {found}"
    else:
        assert found == sorted(example.expect), f"{rule.code} on an INVALID example"


def test_every_rule_has_examples_and_docs():
    for code, rule in RULES.items():
        assert rule.summary and rule.why and rule.fix, code
        if code != "DS001":
            assert rule.VALID and rule.INVALID, f"{code} needs VALID and INVALID examples"
