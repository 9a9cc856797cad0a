"""Precision and recall per category over the labelled fixtures, printed, and held at the level reached."""
from evaluation import evaluate, table

from debtscan.tomlcompat import tomllib
from evaluation import FIXTURES


def test_precision_and_recall_per_category(capsys):
    scores = evaluate()
    with capsys.disabled():
        print("\n" + table(scores))
    with open(FIXTURES / "thresholds.toml", "rb") as handle:
        thresholds = tomllib.load(handle)
    assert scores, "no labelled fixtures found"
    for category, score in scores.items():
        floor = thresholds.get(category, thresholds["default"])
        assert score.precision >= floor["precision"], (category, score.extras)
        assert score.recall >= floor["recall"], (category, score.misses)
