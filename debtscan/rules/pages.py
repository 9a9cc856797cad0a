"""Rule documentation pages: the single source of a rule's text.

A built-in rule's page is ``rules/CODE.md`` (ruff's shape: What it does / Why is this bad? / Example / Use
instead / Options). Its summary, the text of every finding's help (``why``, ``fix``) and the SARIF
descriptions are read from it, parsed once per process:

- ``summary``: the paragraph under the title and the ``**Category:**`` line;
- ``why``: the first paragraph of ``## Why is this bad?``;
- ``fix``: the first paragraph of ``## Use instead``.

A paragraph's lines are joined with single spaces. Where the pages are: ``rules/`` beside the package in a
checkout (and an editable install); installed from a wheel, ``share/debtscan/rules`` of the environment (the
wheel's data files), found through the distribution's own record of installed files, whatever the scheme
(a virtual environment, ``--user``, ``--prefix``).

A third-party rule sets ``summary``/``why``/``fix`` as class attributes, or names its own page with
``page = Path(__file__).with_name("XY101.md")``; without either its texts are empty.
"""
from __future__ import annotations

import re
import sys
import sysconfig
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from debtscan.records import record

SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Options")
_DATA_DIR = ("share", "debtscan", "rules")


class RulePageError(RuntimeError):
    """A built-in rule's page is missing or lacks a section its texts come from (a broken installation)."""


@record(frozen=True)
class RulePage:
    """A parsed rule page: its title (code and name), the paragraph under it, and its ``##`` sections."""

    path: Path
    text: str
    code: str
    name: str
    summary: str
    sections: Tuple[Tuple[str, str], ...]

    def section(self, title: str) -> Optional[str]:
        return dict(self.sections).get(title)

    @property
    def why(self) -> str:
        return first_paragraph(self.section("Why is this bad?") or "")

    @property
    def fix(self) -> str:
        return first_paragraph(self.section("Use instead") or "")


def page_sections(markdown: str) -> Dict[str, str]:
    """The ``## Heading`` sections of a rule page, by heading (each stripped)."""
    sections: Dict[str, str] = {}
    current: Optional[str] = None
    lines: List[str] = []
    for line in markdown.splitlines():
        match = re.match(r"^##\s+(.*?)\s*$", line)
        if match:
            if current is not None:
                sections[current] = "\n".join(lines).strip()
            current, lines = match.group(1), []
        elif current is not None:
            lines.append(line)
    if current is not None:
        sections[current] = "\n".join(lines).strip()
    return sections


def first_paragraph(markdown: str) -> str:
    """The first paragraph of a section, its lines joined with single spaces; empty when the section opens
    with a code block (a paragraph of text is what a finding's help can carry)."""
    paragraph = markdown.strip().split("\n\n", 1)[0]
    if paragraph.startswith("```"):
        return ""
    return " ".join(line.strip() for line in paragraph.splitlines())


def parse_page(path: Path, text: str) -> RulePage:
    head = re.split(r"(?m)^## ", text, maxsplit=1)[0]
    paragraphs = [p for p in head.strip().split("\n\n") if p.strip()]
    title = re.match(r"#\s+(\S+)\s+(\S+)\s*$", paragraphs[0]) if paragraphs else None
    code, name = (title.group(1), title.group(2)) if title else ("", "")
    lead = [p for p in paragraphs[1:] if not p.startswith("**Category:**")]
    summary = " ".join(line.strip() for line in lead[0].splitlines()) if lead else ""
    return RulePage(path=path, text=text, code=code, name=name, summary=summary,
                    sections=tuple(page_sections(text).items()))


@lru_cache(maxsize=None)
def read_page(path: Path) -> RulePage:
    """A page, parsed once per process."""
    return parse_page(path, path.read_text(encoding="utf-8"))


def _installed_pages() -> List[Path]:
    """Where the installed distribution put its rule pages (its RECORD), if it is installed from a wheel."""
    try:
        from importlib.metadata import PackageNotFoundError, distribution
    except ImportError:  # pragma: no cover - Python < 3.8 is not supported
        return []
    try:
        dist = distribution("debtscan")
    except PackageNotFoundError:
        return []
    folders = []
    for entry in dist.files or ():
        parts = Path(str(entry)).parts
        if len(parts) > 3 and parts[-4:-1] == _DATA_DIR and parts[-1].endswith(".md"):
            folder = Path(str(dist.locate_file(entry))).resolve().parent
            if folder not in folders:
                folders.append(folder)
    return folders


@lru_cache(maxsize=1)
def page_dirs() -> Tuple[Path, ...]:
    """The folders searched for ``CODE.md``, in order: the checkout, the installed data files, the
    environment's data folders."""
    here = Path(__file__).resolve().parent.parent.parent / "rules"
    candidates = [here, *_installed_pages(), Path(sysconfig.get_path("data")).joinpath(*_DATA_DIR),
                  Path(sys.prefix).joinpath(*_DATA_DIR)]
    out: List[Path] = []
    for folder in candidates:
        if folder not in out:
            out.append(folder)
    return tuple(out)


@lru_cache(maxsize=None)
def page_path(code: str) -> Optional[Path]:
    for directory in page_dirs():
        candidate = directory / f"{code}.md"
        if candidate.is_file():
            return candidate
    return None


def _is_builtin(rule: Any) -> bool:
    return (getattr(rule, "__module__", "") or "").startswith("debtscan.")


def page_of(rule: Any) -> Optional[RulePage]:
    """The rule's page: the one it names (``page``), else, for a built-in rule, ``rules/CODE.md``. A
    built-in rule without its page is a broken installation: :class:`RulePageError`."""
    own = getattr(rule, "page", None)
    if own:
        path = Path(own)
        if not path.is_file():
            raise RulePageError(f"rule {rule.code}: its page {path} does not exist")
        return read_page(path.resolve())
    if not _is_builtin(rule):
        return None
    path = page_path(rule.code)
    if path is None:
        raise RulePageError(f"the page of rule {rule.code} ({rule.code}.md) is not installed; looked in "
                            + ", ".join(str(d) for d in page_dirs()))
    return read_page(path)


@lru_cache(maxsize=None)
def rule_text(rule: type, field: str) -> str:
    """``summary``, ``why`` or ``fix`` of a rule class from its page ("" for a third-party rule without one,
    and for the abstract base). Cached: a rule's help is read for every finding."""
    if not getattr(rule, "code", ""):
        return ""
    page = page_of(rule)
    if page is None:
        return ""
    value = getattr(page, field)
    if not value and _is_builtin(rule):
        where = {"summary": "the paragraph under its title", "why": "'## Why is this bad?'",
                 "fix": "'## Use instead'"}[field]
        raise RulePageError(f"{page.path}: no {field} text ({where} opens with no paragraph)")
    return value


class PageText:
    """A rule's text attribute read from its page: ``Rule.why`` and ``Rule(...).why`` both work. A subclass
    that sets the attribute to a string (a third-party rule) overrides it."""

    def __init__(self, field: str = "") -> None:
        self.field = field

    def __set_name__(self, owner: type, name: str) -> None:
        self.field = name

    def __get__(self, instance: Any, owner: Optional[type] = None) -> str:
        return rule_text(owner if owner is not None else type(instance), self.field)


def rule_page(rule: Any) -> str:
    """The rule's Markdown page; generated from its metadata when it has none (a third-party rule)."""
    page = page_of(rule)
    if page is not None:
        return page.text
    options = "\n".join(f"- `{k}` (default `{v!r}`)" for k, v in rule.options.items()) or "None."
    return (f"# {rule.code} {rule.name}\n\n{rule.summary}\n\n## Why is this bad?\n\n{rule.why}\n\n"
            f"## Use instead\n\n{rule.fix}\n\n## Options\n\n{options}\n")
