"""The rule API shared by built-in and third-party rules.

A rule is a small class: metadata (code, name, category, severity; its summary, why and fix come from its
page, :mod:`debtscan.rules.pages`), options with defaults, ``VALID``/``INVALID`` example repos that the test suite runs, and ``check(ctx)`` yielding findings.
"""
from __future__ import annotations

import textwrap
from dataclasses import field
from typing import Any, ClassVar, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

from debtscan.config import Config
from debtscan.facts.model import FileFacts
from debtscan.project.model import Project
from debtscan.records import record
from debtscan.rules.findings import Finding, Related
from debtscan.rules.pages import PageText

CATEGORIES = (
    "glue-code", "pipeline-jungle", "coupled-signals", "correction-cascade", "undeclared-consumer",
    "unstable-data-dependency", "underutilized-data-dependency", "dead-experimental-code",
    "configuration-debt", "external-world", "fixed-threshold", "multiple-language", "self-admitted-debt", "prototype-code",
)


@record(frozen=True)
class Example:
    """A small repo ({path: source}, dedented) and the (path, line) findings the rule must give on it."""

    files: Mapping[str, str]
    expect: Tuple[Tuple[str, int], ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)

    def sources(self) -> Dict[str, str]:
        return {path: textwrap.dedent(source).lstrip("\n") for path, source in self.files.items()}


@record(frozen=True)
class MeasuredPrecision:
    """How many of a rule's findings on public repositories nobody here wrote were judged right, by hand.

    ``source`` says where the count was made (repositories, and the issue or note that records it). SARIF's
    ``precision`` property is derived from it; a rule without a measurement claims none.
    """

    right: int
    judged: int
    source: str

    @property
    def share(self) -> float:
        return self.right / self.judged if self.judged else 0.0


@record(frozen=True)
class SuppressionLedger:
    """What the suppressions of a scan did (:mod:`debtscan.rules.suppress`), for the rules that judge them.

    ``facts``: the files whose comments count (analysed without error); ``used``: the (path, line) of each
    comment that suppressed at least one finding; ``codes``: the rules that ran; ``rules``: every loaded rule
    class by code (to tell a selector that names no rule from one that names a rule that did not run)."""

    facts: Mapping[str, FileFacts]
    used: FrozenSet[Tuple[str, int]]
    codes: Tuple[str, ...]
    rules: Mapping[str, type]


@record
class RuleContext:
    """What a rule sees: the project (built before any rule runs; see :class:`~debtscan.project.model.Project`
    for its parts), its options and the config."""

    project: Project
    options: Dict[str, Any]
    config: Config
    metrics: Dict[str, Any] = field(default_factory=dict)
    # what the suppressions did: set for the rules that judge them (debtscan.rules.meta), None otherwise
    suppressions: Optional[SuppressionLedger] = None

    @property
    def graph(self):
        return self.project.graph

    @property
    def facts(self) -> Dict[str, FileFacts]:
        return self.project.facts


class Rule:
    """Base class of every rule. Subclasses set the metadata and implement :meth:`check`."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    category: ClassVar[str] = ""
    severity: ClassVar[str] = "warning"
    # The texts come from the rule's page (rules/CODE.md, see debtscan.rules.pages); a third-party rule may
    # set them as strings instead, or name its own page.
    summary: ClassVar[str] = PageText()  # type: ignore[assignment]
    why: ClassVar[str] = PageText()  # type: ignore[assignment]
    fix: ClassVar[str] = PageText()  # type: ignore[assignment]
    page: ClassVar[Optional[str]] = None
    options: ClassVar[Dict[str, Any]] = {}
    # The parts of the Project the rule reads (names in ``Project.PARTS``): every built-in rule declares them
    # and a test runs its examples against a project that refuses any other part. None: any part (plugins).
    reads: ClassVar[Optional[Tuple[str, ...]]] = None
    measured_precision: ClassVar[Optional[MeasuredPrecision]] = None
    VALID: ClassVar[Sequence[Example]] = ()
    INVALID: ClassVar[Sequence[Example]] = ()

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        raise NotImplementedError

    @property
    def help(self) -> str:
        return f"Why this is debt: {self.why} What to do instead: {self.fix}".strip()

    def finding(self, path: str, line: int, message: str, *, column: int = 0, subject: str = "",
                related: Iterable[Related] = (), end_line: Optional[int] = None,
                end_column: Optional[int] = None, severity: Optional[str] = None) -> Finding:
        """A finding of this rule, with the rule's metadata and help filled in."""
        return Finding(
            code=self.code, name=self.name, category=self.category, severity=severity or self.severity,
            message=message, path=path, line=line, column=column, end_line=end_line, end_column=end_column,
            related=tuple(related), help=self.help, subject=subject or message,
        )


def rule_options(rule: Rule, configured: Mapping[str, Any]) -> Dict[str, Any]:
    """The rule's defaults overlaid with the configured options; unknown options are an error."""
    from debtscan.config import ConfigError

    options = dict(rule.options)
    for key, value in configured.items():
        if key not in options:
            known = ", ".join(sorted(options)) or "none"
            raise ConfigError(f"unknown option {key!r} for rule {rule.code} (options: {known})")
        default = options[key]
        if default is not None and not isinstance(value, type(default)) and not (
            isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool)
        ):
            raise ConfigError(f"option {key!r} of rule {rule.code} must be a {type(default).__name__}, "
                              f"got {value!r}")
        options[key] = value
    return options


def all_examples(rule: Rule) -> List[Tuple[str, Example]]:
    return [("valid", e) for e in rule.VALID] + [("invalid", e) for e in rule.INVALID]
