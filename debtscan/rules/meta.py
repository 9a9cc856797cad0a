"""Rules about debtscan's own suppressions: they run after the suppressions are applied and read what those
did (:class:`~debtscan.rules.suppress.SuppressionLedger`, ``ctx.suppressions``)."""
from __future__ import annotations

from typing import Iterable

from debtscan.rules.findings import Finding
from debtscan.rules.base import Rule, RuleContext
from debtscan.rules.selectors import canonical, rules_matching, suggestion, unknown


class SuppressionRule(Rule):
    """A rule that judges the suppressions themselves: the runner runs it once the other rules' findings are
    suppressed, with ``ctx.suppressions`` set; its own findings are not suppressible."""


class UnusedSuppression(SuppressionRule):
    """A suppression comment that suppresses nothing, or names a rule that does not exist."""

    code = "DS001"
    name = "unused-suppression"
    category = "suppression"
    reads = ()
    severity = "info"

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        """Each comment naming an unknown selector (a warning with the closest valid name), and each comment
        that suppressed no finding although every rule it names ran. O(comments)."""
        ledger = ctx.suppressions
        if ledger is None:  # run outside a scan: no suppression was applied, so none can be judged
            return
        rules = ledger.rules
        active = set(ledger.codes)
        for path, fact in sorted(ledger.facts.items()):
            for suppression in fact.suppressions:
                label = (f"[{', '.join(canonical(c, rules) for c in suppression.codes)}]"
                         if suppression.codes else "")
                kind = "ignore-file" if suppression.file_level else "ignore"
                typos = unknown(suppression.codes, rules)
                if typos:  # a typo suppresses nothing, whether or not the comment's other selectors are used
                    hints = "; ".join(f"{t!r} names no rule ({suggestion(t, rules)})" for t in typos)
                    yield self.finding(path, suppression.line, f"`# debtscan: {kind}{label}`: {hints}.",
                                       subject=f"unknown:{kind}{label}", severity="warning")
                    continue
                if (path, suppression.line) in ledger.used:
                    continue
                named = {code for c in suppression.codes for code in rules_matching(c, rules)}
                if named - active:  # it may be there for a rule that did not run: unknowable
                    continue
                yield self.finding(path, suppression.line, f"`# debtscan: {kind}{label}` suppresses no finding.",
                                   subject=f"{kind}{label}")
