"""Rule documentation pages: ``rules/CODE.md`` in a checkout, or the copy installed with the package."""
from __future__ import annotations

import sys
import sysconfig
from pathlib import Path
from typing import List, Optional, Type

from debtscan.rules.base import Rule


def page_dirs() -> List[Path]:
    here = Path(__file__).resolve().parent.parent / "rules"
    data = Path(sysconfig.get_path("data")) / "share" / "debtscan" / "rules"
    return [here, data, Path(sys.prefix) / "share" / "debtscan" / "rules"]


def page_path(code: str) -> Optional[Path]:
    for directory in page_dirs():
        candidate = directory / f"{code}.md"
        if candidate.is_file():
            return candidate
    return None


def rule_page(rule: Type[Rule]) -> str:
    """The rule's Markdown page; generated from its metadata when the page is not installed."""
    path = page_path(rule.code)
    if path is not None:
        return path.read_text(encoding="utf-8")
    options = "\n".join(f"- `{k}` (default `{v!r}`)" for k, v in rule.options.items()) or "None."
    return (f"# {rule.code} {rule.name}\n\n{rule.summary}\n\n## Why is this bad?\n\n{rule.why}\n\n"
            f"## Use instead\n\n{rule.fix}\n\n## Options\n\n{options}\n")
