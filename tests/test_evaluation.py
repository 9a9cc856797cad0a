"""Precision and recall per category over the labelled fixtures, printed, and held at the level reached.

A category with neither labels nor findings is n/a and fails (it is not measured, so it cannot pass), and
every rule has labelled findings in some fixture.
"""
from evaluation import FIXTURES, NOT_EVALUATED, Score, evaluate, fixture_repos, labels_of, share, table

from debtscan.rules.registry import load_rules
from debtscan.tomlcompat import tomllib


def test_precision_and_recall_per_category(capsys):
    scores = evaluate()
    with capsys.disabled():
        print("\n" + table(scores))
    with open(FIXTURES / "thresholds.toml", "rb") as handle:
        thresholds = tomllib.load(handle)
    assert scores, "no labelled fixtures found"
    unmeasured = sorted(category for category, score in scores.items() if not score.measured)
    assert not unmeasured, f"categories with no labels or no findings (n/a, not a pass): {unmeasured}"
    for category, score in scores.items():
        floor = thresholds.get(category, thresholds["default"])
        assert score.precision >= floor["precision"], (category, score.extras)
        assert score.recall >= floor["recall"], (category, score.misses)


def test_a_category_with_neither_labels_nor_findings_is_not_applicable_not_perfect():
    empty = Score()
    assert (empty.precision, empty.recall, empty.measured) == (None, None, False)
    assert "n/a" in table({"fixed-threshold": empty}) and share(None) == "n/a"
    only_labels = Score(false_negative=2)
    assert (only_labels.precision, only_labels.recall, only_labels.measured) == (None, 0.0, False)


def test_every_rule_has_labelled_findings_in_the_fixtures():
    labelled = {code for repo in fixture_repos() for code, _, _ in labels_of(repo)}
    missing = sorted(set(load_rules().rules) - labelled - NOT_EVALUATED)
    assert not missing, f"rules no fixture labels a finding of: {missing}"
