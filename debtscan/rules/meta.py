"""Rules about debtscan's own suppressions."""
from debtscan.rules.base import Rule, RuleContext


class UnusedSuppression(Rule):
    """Reported by the engine itself: a suppression comment that suppresses nothing."""

    code = "DS001"
    name = "unused-suppression"
    category = "suppression"
    severity = "info"

    def check(self, ctx: RuleContext):
        """Nothing here: whether a suppression was used is known only after every rule ran, so the
        engine reports these in :func:`apply_suppressions`."""
        return iter(())
