"""Running the selected rules: each rule's findings validated, a failing rule reported and the others run,
then the suppressions applied and the rules about suppressions run last."""
from __future__ import annotations

import os
import re
import traceback
from typing import List, Mapping, Optional, Sequence, Tuple

from debtscan.config import Config
from debtscan.errors import INTERNAL_ERROR, ErrorKind
from debtscan.facts.model import FileFacts
from debtscan.project.model import Project
from debtscan.rules.findings import Finding, ScanError
from debtscan.rules.base import Rule, RuleContext, rule_options
from debtscan.rules.meta import SuppressionRule
from debtscan.rules.stdout_guard import stdout_to_stderr
from debtscan.rules.suppress import SuppressionLedger, apply_suppressions

_CODE = re.compile(r"[A-Z]+[0-9]+")
_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def invalid_finding(finding) -> str:
    """What makes a rule's output unfit for the report (and its JSON schema), or ``""``; a plugin's rule that
    yields such a thing is reported as that plugin's error instead of breaking the report."""
    if not isinstance(finding, Finding):
        return f"{finding!r} (not a Finding)"
    if not (isinstance(finding.code, str) and _CODE.fullmatch(finding.code)):
        return f"code {finding.code!r} (codes are letters then digits, like XY101)"
    if not (isinstance(finding.name, str) and _NAME.fullmatch(finding.name)):
        return f"name {finding.name!r} (names are kebab-case)"
    if finding.severity not in ("info", "warning", "error"):
        return f"severity {finding.severity!r}"
    if not (isinstance(finding.path, str) and isinstance(finding.message, str) and finding.message):
        return f"path {finding.path!r} / message {finding.message!r}"
    for number in (finding.line, finding.end_line or 1):
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            return f"line {number!r} in {finding.path} (lines start at 1)"
    for number in (finding.column, finding.end_column or 0):
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            return f"column {number!r} in {finding.path}"
    for related in finding.related:
        if not (isinstance(related.path, str) and isinstance(related.line, int) and related.line >= 1):
            return f"related location {related!r}"
    return ""


def run_rules(project: Project, config: Config, rule_classes: Mapping[str, type], codes: Sequence[str],
              errors: List[ScanError], origins: Optional[Mapping[str, str]] = None,
              suppressions: Optional[SuppressionLedger] = None) -> List[Finding]:
    """The findings of the rules ``codes``, in that order. A rule that raises, or yields something that is not
    a valid finding, is reported under ``errors`` (a plugin's rule as that plugin's error, a built-in rule's as
    an internal error) and the other rules still run. Whatever a rule prints goes to stderr, never into the
    report on stdout."""
    findings: List[Finding] = []
    with stdout_to_stderr():
        for code in codes:
            rule: Rule = rule_classes[code]()
            options = rule_options(rule, config.rule_options(code))
            try:
                found = list(rule.check(RuleContext(project, options, config, suppressions=suppressions)))
                for finding in found:
                    problem = invalid_finding(finding)
                    if problem:
                        raise ValueError(f"invalid finding {problem}")
                findings.extend(found)
            except Exception as exc:  # noqa: BLE001 - a failing rule is reported, the others still run
                if os.environ.get("DEBTSCAN_DEBUG"):
                    traceback.print_exc()
                origin = (origins or {}).get(code, "debtscan")
                if origin == "debtscan":
                    message = f"{INTERNAL_ERROR} in rule {code} ({rule.name}): {type(exc).__name__}: {exc}"
                    kind = ErrorKind.INTERNAL
                else:
                    message = f"rule {code} ({rule.name}) of {origin} failed: {type(exc).__name__}: {exc}"
                    kind = ErrorKind.PLUGIN
                errors.append(ScanError(f"<rule {code}>", message, kind=kind))
    return findings


def judges_suppressions(rule_class: type) -> bool:
    return isinstance(rule_class, type) and issubclass(rule_class, SuppressionRule)


def run_all(project: Project, facts: Mapping[str, FileFacts], config: Config, rule_classes: Mapping[str, type],
            codes: Sequence[str], errors: List[ScanError], origins: Optional[Mapping[str, str]] = None
            ) -> Tuple[List[Finding], int]:
    """Every selected rule, then the suppressions (comments in ``facts``, ``per-file-ignores``), then the rules
    that judge the suppressions (their findings are not suppressible): (findings kept, number suppressed)."""
    first = [code for code in codes if not judges_suppressions(rule_classes[code])]
    last = [code for code in codes if judges_suppressions(rule_classes[code])]
    raw = run_rules(project, config, rule_classes, first, errors, origins)
    kept, count, ledger = apply_suppressions(raw, facts, config.per_file_ignores, codes, rule_classes)
    if last:
        kept.extend(run_rules(project, config, rule_classes, last, errors, origins, suppressions=ledger))
    return kept, count


__all__ = ["invalid_finding", "judges_suppressions", "run_all", "run_rules"]
