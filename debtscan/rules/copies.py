"""Copied experiments (DS506): scripts and modules that are near-copies of each other.

The per-file fingerprints are in the facts (:mod:`debtscan.facts.fingerprints`); the comparison, in
near-linear time, is :mod:`debtscan.clones`.
"""
from __future__ import annotations

from typing import Iterable

from debtscan.clones import describe, difference_line, families
from debtscan.rules.findings import Finding, Related
from debtscan.rules.base import Example, MeasuredPrecision, Rule, RuleContext

_MEASURED = ("judged by hand on Instacart, Home-Credit-Default-Risk, kaggle_earthquake, nanoGPT and diffusers, "
             "public repositories nobody here wrote (issue 18)")

_MODEL = """
    import numpy as np
    import pandas as pd
    import xgboost as xgb

    DATE = '{date}'
    LOOP = {loop}
    seed = {seed}
    np.random.seed(seed)

    param = {{'max_depth': 10, 'eta': {eta}, 'subsample': 0.75, 'objective': 'binary:logistic'}}

    train = pd.read_pickle('../feature/trainT.p')
    test = pd.read_pickle('../feature/test.p')
    y = train['y']
    X = train.drop(['y', 'order_id'], axis=1)
    dtrain = xgb.DMatrix(X, label=y)
    models = []
    for i in range(LOOP):
        param['seed'] = seed + i
        model = xgb.train(param, dtrain, 1000)
        models.append(model)
        model.save_model('../output/model/xgb_{{}}_{{}}.model'.format(DATE, i))
    dtest = xgb.DMatrix(test.drop(['order_id'], axis=1))
    sub = test[['order_id']].copy()
    sub['yhat'] = 0
    for model in models:
        sub['yhat'] += model.predict(dtest)
    sub['yhat'] /= LOOP
    sub.to_pickle('../output/sub/{{}}/sub_test.p'.format(DATE))
    print(sub['yhat'].describe())
    print('done', DATE)
"""


def model_script(date: str, loop: int, seed: int, eta: float) -> str:
    return _MODEL.format(date=date, loop=loop, seed=seed, eta=eta)


class CopiedExperiment(Rule):
    """A family of near-copy scripts or modules, once, with the constants that differ."""

    code = "DS506"
    measured_precision = MeasuredPrecision(53, 54, _MEASURED)
    name = "copied-experiment"
    category = "dead-experimental-code"
    reads = ('facts',)
    severity = "warning"
    options = {"similarity": 0.8, "helper-similarity": 0.5, "min-statements": 20}
    VALID = (
        Example({"a.py": model_script("814_1", 6, 72, 0.01),
                 "utils/__init__.py": "", "tests/test_a.py": model_script("814_1", 6, 72, 0.01),
                 "pkg/__init__.py": "import os\n", "other/__init__.py": "import os\n",
                 "small_1.py": "import pandas as pd\nprint(pd.read_csv('a.csv').shape)\n",
                 "small_2.py": "import pandas as pd\nprint(pd.read_csv('b.csv').shape)\n"}),
        Example({"pipe_a.py": model_script("a", 1, 1, 0.1) + "    # Copied from pipe_b.py (kept in sync by a tool)\n",
                 "pipe_b.py": model_script("b", 2, 2, 0.2)}),
    )
    INVALID = (
        Example({"py_model/xgb_814_1.py": model_script("814_1", 6, 72, 0.01),
                 "py_model/xgb_814_2.py": model_script("814_2", 3, 73, 0.002),
                 "py_model/xgb_814_3.py": model_script("814_3", 3, 74, 0.002)},
                expect=(("py_model/xgb_814_1.py", 5),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        found = families(ctx.facts, float(ctx.options["similarity"]), float(ctx.options["helper-similarity"]),
                         int(ctx.options["min-statements"]))
        for family in found:
            first = family.members[0]
            others = family.members[1:]
            listed = ", ".join(f"`{m.path}` ({m.similarity:.0%})" for m in others[:5])
            if len(others) > 5:
                listed += f" and {len(others) - 5} more"
            what = "diverging copies (the same file name in other folders)" if family.same_name else "near-copies"
            differs = describe(family.differences)
            if differs:
                differs = f" They differ in the constants and settings {differs}"
                changed = max(m.differing for m in others)
                differs += f", and in up to {changed} statement(s)." if changed else "; the statements are the same."
            else:
                changed = max(m.differing for m in others)
                differs = f" They differ in up to {changed} statement(s)."
            measure = "of the smaller file's" if family.same_name else "of their"
            message = (f"`{first.path}` has {len(others)} {what}: {listed} {measure} consecutive statement pairs "
                       f"shared.{differs}")
            yield self.finding(
                first.path, difference_line(ctx.facts.get(first.path), family.differences), message,
                subject="copies:" + ",".join(m.path for m in family.members),
                related=[Related(m.path, difference_line(ctx.facts.get(m.path), family.differences),
                                 f"near-copy ({m.similarity:.0%} shared, {m.differing} statement(s) differ)")
                         for m in others[:20]],
            )


RULES = [CopiedExperiment]
