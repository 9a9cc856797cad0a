"""Every rule has a page in rules/ with the sections; its Example fires the rule and Use instead does not.

The page is the single source of a rule's text: its summary, and the ``why`` and ``fix`` of every finding's
help, are read from it (:mod:`debtscan.rules.pages`); a built-in rule without its page, or a page without the
paragraph a text comes from, is an error. Third-party rules carry their own text, or name their own page.
"""
import re
import textwrap
from pathlib import Path

import pytest

from debtscan.rules.base import Rule
from debtscan.rules.pages import RulePageError, page_of, rule_page
from debtscan.rules.registry import load_rules
from debtscan.testing import scan_sources

PAGES = Path(__file__).resolve().parent.parent / "rules"
RULES = load_rules().rules
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def section(text: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"missing section '## {title}'"
    return match.group(1)


def repo_of(section_text: str) -> dict:
    files = {}
    for block in _BLOCK.findall(section_text):
        first, _, rest = block.partition("\n")
        match = re.match(r"# file: (\S+)", first)
        assert match, "each example block starts with '# file: <path>'"
        files[match.group(1)] = rest
    assert files, "no python example blocks"
    return files


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_page(code):
    page = PAGES / f"{code}.md"
    assert page.is_file(), f"rules/{code}.md is missing"
    text = page.read_text(encoding="utf-8")
    rule = RULES[code]
    assert text.startswith(f"# {code} {rule.name}\n\n**Category:** {rule.category} · "
                           f"**Default severity:** {rule.severity}\n\n")
    for title in ("What it does", "Why is this bad?", "Example", "Use instead", "Options"):
        section(text, title)
    # the texts of every finding come from this page: none is empty, none is a class attribute
    assert page_of(rule).path == page
    assert rule.summary and rule.why and rule.fix
    assert not {"summary", "why", "fix"} & set(vars(rule)), f"{code}: its text belongs on its page only"
    assert " ".join(section(text, "Why is this bad?").strip().split("\n\n")[0].split()) == rule.why
    bad = scan_sources(repo_of(section(text, "Example")), select=[code])
    assert [f for f in bad.findings if f.code == code], f"{code}: the page's Example gives no {code} finding"
    good = scan_sources(repo_of(section(text, "Use instead")), select=[code])
    assert not [f for f in good.findings if f.code == code], f"{code}: 'Use instead' still gives {code}"


# --- the page is the only source: what breaks when it is missing or incomplete ---------------------------

def builtin_rule(code, **attrs):
    """A rule class as if defined in debtscan's own rule modules."""
    return type("Probe", (Rule,), {"__module__": "debtscan.rules.probe", "code": code, "name": "probe",
                                   "category": "glue-code", **attrs})


PAGE = textwrap.dedent("""\
    # XY101 pickle-handoff

    **Category:** pipeline-jungle · **Default severity:** warning

    A pickle file handed between modules.

    ## What it does

    Finds pickles one module writes and another reads.

    ## Why is this bad?

    Pickles tie readers to the writer's
    class layout and library versions.

    ## Use instead

    Hand off parquet.
    """)


def test_a_builtin_rule_without_its_page_fails_loudly():
    probe = builtin_rule("DS999")
    with pytest.raises(RulePageError, match="DS999.md"):
        probe.why
    with pytest.raises(RulePageError):
        probe().help


def test_a_page_without_the_paragraph_a_text_comes_from_fails_for_a_builtin_rule(tmp_path):
    page = tmp_path / "DS998.md"
    page.write_text(PAGE.replace("Hand off parquet.\n", "```python\n# file: a.py\n```\n"), encoding="utf-8")
    probe = builtin_rule("DS998", page=str(page))
    assert probe.why == "Pickles tie readers to the writer's class layout and library versions."
    with pytest.raises(RulePageError, match="no fix text"):
        probe.fix


def test_a_plugin_rule_names_its_own_page(tmp_path):
    page = tmp_path / "XY101.md"
    page.write_text(PAGE, encoding="utf-8")
    plugin = type("PickleHandoff", (Rule,), {"__module__": "team_rules", "code": "XY101", "name": "pickle-handoff",
                                             "page": str(page)})
    assert plugin.summary == "A pickle file handed between modules."
    assert plugin().help == ("Why this is debt: Pickles tie readers to the writer's class layout and library "
                             "versions. What to do instead: Hand off parquet.")
    assert rule_page(plugin) == PAGE


def test_a_plugin_rule_may_carry_its_text_as_attributes_and_has_a_generated_page():
    plugin = type("Plain", (Rule,), {"__module__": "team_rules", "code": "XY102", "name": "plain",
                                     "summary": "S.", "why": "W.", "fix": "F."})
    assert plugin().help == "Why this is debt: W. What to do instead: F."
    assert rule_page(plugin).startswith("# XY102 plain\n\nS.\n\n## Why is this bad?\n\nW.\n")
    silent = type("Silent", (Rule,), {"__module__": "team_rules", "code": "XY103", "name": "silent"})
    assert (silent.summary, silent.why, silent.fix) == ("", "", "")
