"""Rules: the plugin API (:mod:`debtscan.rules.base`), the registry, and the built-in rule families."""
from debtscan.rules.base import Example, Rule, RuleContext

__all__ = ["Example", "Rule", "RuleContext"]
