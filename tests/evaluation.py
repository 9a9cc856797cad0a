"""The labelled evaluation over fixtures/: precision and recall per category.

Each fixture repo holds one or more ``labels-<family>.toml`` files listing every expected finding::

    [[finding]]
    code = "DS201"
    path = "prepare.py"
    line = 4

A finding matches a label with the same code, path and line. Every finding a scan reports in a fixture
(other than DS001, which is about debtscan's own suppression comments) counts: one without a label is a false
positive of its category. Every category of a registered rule gets a score; precision is n/a (None) when
nothing was found, recall when nothing was expected: a category with neither labels nor findings is n/a,
never a perfect score.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

from debtscan.config import load_config
from debtscan.engine import ScanOptions, scan
from debtscan.rules.registry import load_rules
from debtscan.tomlcompat import tomllib

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NOT_EVALUATED = frozenset({"DS001"})
Key = Tuple[str, str, int]


@dataclass
class Score:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    misses: List[str] = field(default_factory=list)
    extras: List[str] = field(default_factory=list)

    @property
    def precision(self) -> Optional[float]:
        """None (n/a) when nothing was found."""
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else None

    @property
    def recall(self) -> Optional[float]:
        """None (n/a) when nothing was expected."""
        expected = self.true_positive + self.false_negative
        return self.true_positive / expected if expected else None

    @property
    def measured(self) -> bool:
        return self.precision is not None and self.recall is not None


def fixture_repos() -> List[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.is_dir() and list(p.glob("labels-*.toml")))


def labels_of(repo: Path) -> Set[Key]:
    out: Set[Key] = set()
    for labels in sorted(repo.glob("labels-*.toml")):
        with open(labels, "rb") as handle:
            for entry in tomllib.load(handle).get("finding", []):
                out.add((entry["code"], entry["path"], int(entry["line"])))
    return out


def evaluate() -> Dict[str, Score]:
    categories = {code: rule.category for code, rule in load_rules().rules.items() if code not in NOT_EVALUATED}
    scores: Dict[str, Score] = defaultdict(Score)
    for category in categories.values():  # every category is scored, even one nothing labels or finds
        scores[category] = Score()
    for repo in fixture_repos():
        config = load_config(None, repo)
        report, _ = scan(ScanOptions(root=repo, config=config, jobs=1, use_cache=False))
        found = {(f.code, f.path, f.line) for f in report.findings if f.code not in NOT_EVALUATED}
        expected = labels_of(repo)
        for key in found | expected:
            score = scores[categories.get(key[0], "unknown")]
            where = f"{repo.name}/{key[1]}:{key[2]} {key[0]}"
            if key in found and key in expected:
                score.true_positive += 1
            elif key in found:
                score.false_positive += 1
                score.extras.append(where)
            else:
                score.false_negative += 1
                score.misses.append(where)
    return dict(scores)


def share(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def table(scores: Dict[str, Score]) -> str:
    lines = [f"{'category':<28}{'TP':>5}{'FP':>5}{'FN':>5}{'precision':>11}{'recall':>8}"]
    for category, s in sorted(scores.items()):
        lines.append(f"{category:<28}{s.true_positive:>5}{s.false_positive:>5}{s.false_negative:>5}"
                     f"{share(s.precision):>11}{share(s.recall):>8}")
    return "\n".join(lines)


if __name__ == "__main__":
    result = evaluate()
    print(table(result))
    for category, s in sorted(result.items()):
        for item in s.extras:
            print(f"FP {category}: {item}")
        for item in s.misses:
            print(f"FN {category}: {item}")
