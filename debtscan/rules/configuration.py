"""Configuration debt (DS507-DS509): settings written into several scripts as literals.

The literals come from :mod:`debtscan.facts.settings`; the comparison across scripts is
:mod:`debtscan.config_debt`.
"""
from __future__ import annotations

from typing import Iterable, List, Set, Tuple

from debtscan.config_debt import (
    clone_groups, duplicated_blocks, foreign_constants, scattered_settings, scripts, within_one,
)
from debtscan.rules.findings import Finding, Related
from debtscan.rules.base import Example, MeasuredPrecision, Rule, RuleContext

_MEASURED = ("judged by hand on Instacart, Home-Credit-Default-Risk, kaggle_earthquake, nanoGPT and diffusers, "
             "public repositories nobody here wrote (issue 18)")

CATEGORY = "configuration-debt"
_WHY = ("Sculley et al. (2015) call configuration a debt of its own in ML systems: the settings of a run "
        "(hyperparameters, data splits, seeds, feature choices) are many, change often and matter as much as "
        "code, yet written as literals inside scripts they are neither recorded, reviewed nor comparable: "
        "which value produced which result is lost, and a change must be made again in every copy.")
_WHERE = ("Keep the settings in one place that every script reads: a configuration file per experiment "
          "(YAML/TOML/JSON, validated by a small schema or dataclass), or one settings module, and record the "
          "values used with each run's results.")


def _places(places: Iterable[Tuple[str, int]], limit: int = 4) -> str:
    items = sorted(places)
    text = ", ".join(f"{p}:{n}" for p, n in items[:limit])
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _train(lr: str, estimators: str = "1000") -> str:
    return f"""
        import lightgbm as lgb
        import pandas as pd

        train = pd.read_csv("data/train.csv")
        model = lgb.LGBMClassifier(learning_rate={lr}, n_estimators={estimators})
        model.fit(train.drop(columns="y"), train["y"])
    """


class ScatteredHyperparameter(Rule):
    """The same hyperparameter or data setting as different literals in several scripts."""

    code = "DS507"
    measured_precision = MeasuredPrecision(4, 4, _MEASURED)
    name = "scattered-hyperparameter"
    category = CATEGORY
    reads = ('facts', 'imports', 'pipeline')
    severity = "warning"
    options = {"min-files": 2}
    VALID = (
        Example({"a.py": _train("0.05"), "b.py": _train("0.05")}),
        Example({"lib/__init__.py": "", "lib/model.py": _train("0.1"), "a.py": "import lib.model\n" + _train("0.05")}),
        Example({"a.py": _train("0.05"), "tests/test_b.py": _train("0.5")}),
    )
    INVALID = (
        Example({"a.py": _train("0.05"), "b.py": _train("0.02"), "c.py": _train("0.02", "500")},
                expect=(("a.py", 5), ("a.py", 5))),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        files = scripts(ctx.project)
        groups = clone_groups(ctx.project, ctx.config)
        skip: Set[Tuple[str, int]] = set()
        for copy in duplicated_blocks(files):
            if copy.differing and not within_one({p for p, _ in copy.blocks}, groups):
                skip.update((path, block.index) for path, block in copy.blocks)
        for item in scattered_settings(files, skip, int(ctx.options["min-files"])):
            places = item.places
            if within_one({p for p, _ in places}, groups):
                continue  # copies of one script: DS506 names what differs
            path, line = places[0]
            values = "; ".join(f"{value} at {_places(ps, 3)}" for value, ps in item.values[:6])
            files_count = len({p for p, _ in places})
            if item.owner.startswith("dict#"):
                owner = " in config dicts of the same keys"
            elif item.owner == "constant":
                owner = " as a module constant"
            else:
                owner = f" for `{item.owner.rsplit('.', 1)[-1]}`"
            yield self.finding(
                path, line,
                f"`{item.key}`{owner} is hard-coded with {len(item.values)} different values in {files_count} scripts: "
                f"{values}. Keep it in one configuration file or settings module that the scripts read.",
                subject=f"setting:{item.key}:{item.owner}",
                related=[Related(p, n, f"`{item.key}` = {v}") for v, ps in item.values for p, n in ps
                         if (p, n) != (path, line)][:20],
            )


class DuplicatedConfig(Rule):
    """The same config block (dict of settings, or call with the same literal keyword arguments) copied
    into several scripts."""

    code = "DS508"
    measured_precision = MeasuredPrecision(4, 4, _MEASURED)
    name = "duplicated-config"
    category = CATEGORY
    reads = ('facts', 'imports', 'pipeline')
    severity = "warning"
    options = {"min-keys": 4}
    VALID = (
        Example({"a.py": "params = {'eta': 0.1, 'max_depth': 6, 'subsample': 0.8, 'objective': 'binary'}\n",
                 "b.py": "params = {'eta': 0.1, 'max_depth': 6, 'subsample': 0.8}\n"}),
        Example({"a.py": "params = {'eta': 0.1, 'max_depth': 6, 'subsample': 0.8, 'objective': 'binary'}\n",
                 "tests/test_a.py": "params = {'eta': 0.1, 'max_depth': 6, 'subsample': 0.8, 'objective': 'binary'}\n"}),
    )
    INVALID = (
        Example({"a.py": "import utils\nparams = {'eta': 0.1, 'max_depth': 6, 'subsample': 0.8, 'objective': 'binary'}\n"
                         "utils.train(params)\n",
                 "b.py": "import utils\nparams = {'eta': 0.05, 'max_depth': 6,\n          'subsample': 0.8, 'objective': 'binary'}\n"
                         "utils.train(params)\n",
                 "utils.py": "def train(params):\n    return params\n"},
                expect=(("a.py", 2),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        files = scripts(ctx.project)
        groups = clone_groups(ctx.project, ctx.config)
        for copy in duplicated_blocks(files, int(ctx.options["min-keys"])):
            if within_one({p for p, _ in copy.blocks}, groups):
                continue  # copies of one script: DS506 names what differs
            path, block = copy.blocks[0]
            count = len({p for p, _ in copy.blocks})
            what = (f"`{copy.callee.rsplit('.', 1)[-1]}(...)` call with the same {len(copy.keys)} literal settings"
                    if copy.kind == "call" else f"config dict of {len(copy.keys)} settings")
            keys = ", ".join(f"`{k}`" for k in copy.keys[:6]) + (", ..." if len(copy.keys) > 6 else "")
            if copy.differing:
                diff = "; ".join(f"`{k}`: " + ", ".join(f"{v} ({', '.join(ps[:2])}{', ...' if len(ps) > 2 else ''})"
                                                         for v, ps in values[:4])
                                 for k, values in copy.differing[:5])
                tail = f" Values differ: {diff}."
            else:
                tail = " The values are the same everywhere."
            yield self.finding(
                path, block.line,
                f"the same {what} ({keys}) is written in {count} scripts.{tail} Define it once in a "
                f"configuration file or settings module that the scripts read.",
                end_line=block.end_line, subject=f"config:{copy.kind}:{copy.callee}:{','.join(sorted(copy.keys))}",
                related=[Related(p, b.line, "the same settings") for p, b in copy.blocks[1:20]],
            )


class ForeignConstant(Rule):
    """A script hard-codes the constants of other scripts (the runs it combines)."""

    code = "DS509"
    measured_precision = MeasuredPrecision(3, 3, _MEASURED)
    name = "foreign-constant"
    category = CATEGORY
    reads = ('facts', 'imports', 'pipeline')
    severity = "warning"
    options = {"min-matches": 2}
    VALID = (
        Example({"a.py": "DATE = '812_1'\n", "b.py": "NAMES = ['812_1', '813_1']\n", "c.py": "DATE = '813_1'\n"}),
    )
    INVALID = (
        Example({"xgb_812_1.py": "DATE = '812_1'\nprint(DATE)\n", "xgb_813_1.py": "DATE = '813_1'\nprint(DATE)\n",
                 "blend.py": "import pandas as pd\n\nDATE_item = ['812_1', '813_1']\nprint(DATE_item)\n"},
                expect=(("blend.py", 3),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        files = scripts(ctx.project)
        for item in foreign_constants(files, int(ctx.options["min-matches"])):
            owners = sorted({(other, line, name) for _, other, line, name in item.matches})
            names = ", ".join(f"`{name}` of {other}:{line}" for other, line, name in owners[:5])
            more = f" and {len(owners) - 5} more" if len(owners) > 5 else ""
            values = sorted({value for value, _, _, _ in item.matches})
            yield self.finding(
                item.path, item.line,
                f"`{item.name}` hard-codes the constants of other scripts ({', '.join(repr(v) for v in values[:6])}): "
                f"{names}{more}. Read them from one configuration of the experiments instead of copying them.",
                subject=f"foreign:{item.name}",
                related=[Related(other, line, f"defines `{name}`") for other, line, name in owners[:20]],
            )


RULES: List[type] = [ScatteredHyperparameter, DuplicatedConfig, ForeignConstant]
