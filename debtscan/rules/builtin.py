"""The built-in rules, registered under the ``debtscan.rules`` entry point group like any plugin."""
from debtscan.rules.jungle import IntermediateFileHandoff
from debtscan.rules.meta import UnusedSuppression

RULES = [
    UnusedSuppression,
    IntermediateFileHandoff,
]
