"""Rules about debtscan's own suppressions."""
from debtscan.rules.base import Rule, RuleContext


class UnusedSuppression(Rule):
    """Reported by the engine itself: a suppression comment that suppresses nothing."""

    code = "DS001"
    name = "unused-suppression"
    category = "suppression"
    reads = ()
    severity = "info"
    summary = "A `# debtscan: ignore` comment that suppresses no finding."
    why = "A stale suppression hides the next real finding on that line and tells readers of debt that is gone."
    fix = "Remove the comment, or narrow it to the codes that still fire here."

    def check(self, ctx: RuleContext):
        """Nothing here: whether a suppression was used is known only after every rule ran, so the
        engine reports these in :func:`apply_suppressions`."""
        return iter(())
