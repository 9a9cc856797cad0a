"""The rules stage: rules read the ``Project`` and yield findings.

Takes the frozen ``Project`` (each rule the parts it declares in ``reads``), the configuration and each
rule's options; gives the findings (:class:`~debtscan.rules.findings.Finding`), after suppressions, with the
rules' errors.

It owns the rule API shared by built-in and third-party rules (:mod:`.base`: ``Rule``, ``RuleContext``,
``Example``), what a rule yields (:mod:`.findings`: ``Finding``, ``Related``, subjects and fingerprints), the
rule pages, the single source of each rule's text (:mod:`.pages`, reading ``rules/CODE.md``), the registry
and plugins (:mod:`.registry`, :mod:`.builtin`), selectors (:mod:`.selectors`), and the rule families
(:mod:`.jungle`, :mod:`.glue`, :mod:`.signals`, :mod:`.dead`, :mod:`.configuration`, :mod:`.copies`,
:mod:`.meta`). It reads the project, the metrics and the base modules; the report and the app read it.

``from debtscan.rules import Rule`` imports the API on first use, so that :mod:`debtscan.rules.findings` (which
the report model holds) loads without the rule machinery.
"""

__all__ = ["Example", "Rule", "RuleContext"]


def __getattr__(name):
    if name in __all__:
        from debtscan.rules import base

        return getattr(base, name)
    raise AttributeError(f"module 'debtscan.rules' has no attribute {name!r}")
