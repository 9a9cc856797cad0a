"""Rules: the plugin API (:mod:`debtscan.rules.base`), the registry, and the built-in rule families.

``from debtscan.rules import Rule`` imports the API on first use, so that :mod:`debtscan.rules.findings` (what
a rule yields, which the report model holds) loads without the rule machinery.
"""

__all__ = ["Example", "Rule", "RuleContext"]


def __getattr__(name):
    if name in __all__:
        from debtscan.rules import base

        return getattr(base, name)
    raise AttributeError(f"module 'debtscan.rules' has no attribute {name!r}")
