"""Every rule has a page in rules/ with the four sections; its Example fires the rule and Use instead does not."""
import re
from pathlib import Path

import pytest

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
    assert text.startswith(f"# {code} {RULES[code].name}\n")
    for title in ("What it does", "Why is this bad?", "Example", "Use instead", "Options"):
        section(text, title)
    bad = scan_sources(repo_of(section(text, "Example")), select=[code])
    assert [f for f in bad.findings if f.code == code], f"{code}: the page's Example gives no {code} finding"
    good = scan_sources(repo_of(section(text, "Use instead")), select=[code])
    assert not [f for f in good.findings if f.code == code], f"{code}: 'Use instead' still gives {code}"
