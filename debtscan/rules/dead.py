"""Dead experimental code (DS501-DS505): abandoned folders, code that never runs, nothing calls or runs,
and experiment switches that never change.

Sculley et al. (2015) call experimental code paths that are never removed a form of debt: each one is a
branch nobody tests, that interacts with the live code in ways nobody checks, and that someone may switch on
by accident (their example: a dormant code path revived by mistake cost a trading firm $465 million).
The folders and the unreachable statements come from :mod:`debtscan.liveness`, which also keeps them out of
every other rule; the facts from :mod:`debtscan.facts.deadcode` and :mod:`debtscan.facts.fingerprints`.
"""
from __future__ import annotations

import posixpath
from typing import Dict, Iterable, List, Set

from debtscan.config_debt import scripts
from debtscan.project.kinds import is_test_module
from debtscan.rules.findings import Finding, Related
from debtscan.rules.base import Example, MeasuredPrecision, Rule, RuleContext

_MEASURED = ("judged by hand on Instacart, Home-Credit-Default-Risk, kaggle_earthquake, nanoGPT and diffusers, "
             "public repositories nobody here wrote (issue 18)")

CATEGORY = "dead-experimental-code"
_WHY = ("Sculley et al. (2015) name dead experimental code paths as ML debt: experiments left in the "
        "codebase are branches nobody tests or maintains, they interact with the live code in ways nobody "
        "checks, they mislead readers (and tools) about what the system does, and they can be switched back "
        "on by accident.")
_DYNAMIC = frozenset({"builtins.globals", "builtins.eval", "builtins.exec", "builtins.vars", "builtins.locals",
                      "fire.Fire", "builtins.__import__", "importlib.import_module"})

_LIVE = """
    import pandas as pd

    df = pd.read_csv("data/train.csv")
    df.to_parquet("data/train.parquet")
"""


class AbandonedFolder(Rule):
    """A folder of abandoned work (``trash/``, ``old/``...), reported once with its size."""

    code = "DS501"
    measured_precision = MeasuredPrecision(2, 2, _MEASURED)
    name = "abandoned-folder"
    category = CATEGORY
    reads = ('liveness',)
    severity = "warning"
    VALID = (
        Example({"train.py": _LIVE, "old_utils_test.py": "def test_x():\n    assert True\n"}),
        Example({"lib/__init__.py": "from lib.deprecated.api import run\n",
                 "lib/deprecated/__init__.py": "", "lib/deprecated/api.py": "def run():\n    return 1\n"}),
    )
    INVALID = (
        Example({"train.py": _LIVE, "trash/train_v1.py": _LIVE, "trash/train_v2.py": _LIVE},
                expect=(("trash/train_v1.py", 1),)),
        Example({"src/model.py": _LIVE, "src/Old/exp/a.py": _LIVE, "archive/b.py": _LIVE},
                expect=(("archive/b.py", 1), ("src/Old/exp/a.py", 1))),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for folder in ctx.project.liveness.folders:
            first = folder.files[0]
            fate = ("analysed with the live code (include-dead-folders = true)" if folder.analysed
                    else "left out of every other rule")
            inside = sorted({posixpath.relpath(posixpath.dirname(f), folder.path) for f in folder.files} - {"."})
            where = f" in {len(inside) + 1} folder(s)" if inside else ""
            yield self.finding(
                first, 1,
                f"`{folder.path}/` holds abandoned work: {len(folder.files)} file(s){where}, "
                f"{folder.code_lines} line(s) of code that nothing outside it imports ({fate}).",
                subject=f"folder:{folder.path}",
                related=[Related(f, 1, "in the abandoned folder") for f in folder.files[1:6]],
            )


class UnreachableCode(Rule):
    """Statements after an unconditional ``raise``/``return``/``assert False``/``sys.exit()``, and
    ``if False:`` bodies."""

    code = "DS502"
    measured_precision = MeasuredPrecision(12, 12, _MEASURED)
    name = "unreachable-code"
    category = CATEGORY
    reads = ('liveness', 'facts')
    severity = "warning"
    VALID = (
        Example({"train.py": """
            import sys

            def load(path):
                if not path:
                    raise ValueError("no path")
                return path

            def empty():
                return
                yield

            if __name__ == "__main__":
                load(sys.argv[1])
                sys.exit(0)
        """}),
        Example({"tests/test_x.py": "def test_x():\n    assert False\n    print('never')\n"}),
    )
    INVALID = (
        Example({"debug.py": """
            import pandas as pd

            df = pd.read_csv("data/train.csv")
            print(df.head())
            assert False

            features = pd.read_csv("data/features.csv")
            print(features.mean())
        """}, expect=(("debug.py", 7),)),
        Example({"train.py": """
            import os

            def score(x):
                return x * 2
                print("old scoring")

            if False:
                os.remove("model.pkl")
        """}, expect=(("train.py", 5), ("train.py", 8))),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for path, blocks in sorted(ctx.project.liveness.dead_blocks.items()):
            if is_test_module(path):
                continue
            for block in blocks:
                count = f"{block.statements} statement(s)" if block.statements else "code"
                if block.reason in ("if False", "while False"):
                    what = f"the body of `{block.reason}:` (line {block.at}) never runs"
                else:
                    what = f"{count} after `{block.reason}` (line {block.at}) can never run"
                span = f"lines {block.line}-{block.end_line}" if block.end_line > block.line else f"line {block.line}"
                yield self.finding(path, block.line, f"{what} ({span}); its reads, writes and calls are not "
                                   f"analysed as live code.", end_line=block.end_line,
                                   subject=f"dead:{block.scope}:{block.reason}")


class UnusedFunction(Rule):
    """A function of a script that nothing in the repository calls or refers to."""

    code = "DS503"
    measured_precision = MeasuredPrecision(5, 5, _MEASURED)
    name = "unused-function"
    category = CATEGORY
    reads = ('facts', 'imports', 'pipeline')
    severity = "info"
    VALID = (
        Example({"train.py": """
            import pandas as pd
            from multiprocessing import Pool

            def clean(df):
                return df.dropna()

            def square(x):
                return x * x

            @register
            def hook():
                return 1

            df = clean(pd.read_csv("data/train.csv"))
            with Pool(2) as pool:
                print(pool.map(square, [1, 2]))
        """}),
        Example({"lib/features.py": "def unused_api(df):\n    return df\n",
                 "lib/__init__.py": "", "run.py": "import lib.features\n"}),
    )
    INVALID = (
        Example({"train.py": """
            import pandas as pd

            def features_v1(df):
                return df.fillna(0)

            def features_v2(df):
                return df.fillna(-1)

            df = features_v2(pd.read_csv("data/train.csv"))
        """}, expect=(("train.py", 3),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        referenced: Set[str] = set()
        for fact in ctx.facts.values():
            referenced.update(fact.names)
        packages = {posixpath.dirname(p) for p in ctx.facts if posixpath.basename(p) == "__init__.py"}
        for path, fact in sorted(scripts(ctx.project).items()):
            if posixpath.dirname(path) in packages or any(c.qualname in _DYNAMIC for c in fact.calls):
                continue  # a package module's functions are its API, even when it can also run as a script
            for function in fact.functions:
                name = function.name
                if "." in name or name.startswith("__") or name in referenced:
                    continue
                yield self.finding(path, function.line,
                                   f"function `{name}` is defined in this script but nothing in the repository "
                                   f"calls or refers to it.", subject=f"function:{name}")


class UnrunScript(Rule):
    """A script in a folder whose runner says what runs, that no runner runs and nothing imports."""

    code = "DS504"
    measured_precision = MeasuredPrecision(3, 3, _MEASURED)
    name = "unrun-script"
    category = CATEGORY
    reads = ('facts', 'imports', 'pipeline')
    severity = "info"
    options = {"min-steps": 2, "min-share": 0.5}
    VALID = (
        Example({"Makefile": "check:\n\tpython tools/check_a.py\n\tpython tools/check_b.py\n",
                 "tools/check_a.py": _LIVE, "tools/check_b.py": _LIVE, "tools/release.py": _LIVE,
                 "tools/stale.py": _LIVE, "tools/notify.py": _LIVE}),
        Example({"run.sh": "python 01_prepare.py\npython 02_train.py\n",
                 "01_prepare.py": _LIVE, "02_train.py": _LIVE, "utils.py": "def f():\n    return 1\n"}),
    )
    INVALID = (
        Example({"run.sh": "python 01_prepare.py\npython 02_train.py\n",
                 "01_prepare.py": _LIVE, "02_train.py": _LIVE, "02_train_old.py": _LIVE},
                expect=(("02_train_old.py", 1),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        project = ctx.project
        minimum = int(ctx.options["min-steps"])
        run_scripts: Set[str] = {step.script for step in project.pipeline.steps}
        run_scripts.update(step.script for step in project.pipeline.readme_steps)  # a README says how to run it
        runners: Dict[str, Dict[str, Set[str]]] = {}
        for step in project.pipeline.steps:
            runners.setdefault(posixpath.dirname(step.script), {}).setdefault(step.runner, set()).add(step.script)
        runner_files = {step.runner.split(":", 1)[0] for step in project.pipeline.steps}
        candidates = scripts(project)
        in_folder: Dict[str, int] = {}
        for path in candidates:
            in_folder[posixpath.dirname(path)] = in_folder.get(posixpath.dirname(path), 0) + 1
        share = float(ctx.options["min-share"])
        # a runner defines what runs in a folder when it runs several of its scripts and most of them: a
        # Makefile target running 4 of a folder's 22 tools says nothing about the other 18
        governed = {folder: by_runner for folder, by_runner in runners.items()
                    if any(len(s) >= minimum for s in by_runner.values())
                    and len({s for ran in by_runner.values() for s in ran}) >= share * in_folder.get(folder, 0)}
        for path, fact in sorted(candidates.items()):
            folder = posixpath.dirname(path)
            if folder not in governed or path in run_scripts or path in runner_files or fact.runs \
                    or fact.notebook or not path.endswith(".py"):
                continue
            if not fact.main_guard and not any(c.scope == "<module>" for c in fact.calls):
                continue  # a module of definitions, not a script
            by_runner = governed[folder]
            runner, ran = max(by_runner.items(), key=lambda item: (len(item[1]), item[0]))
            line = fact.fingerprint.lines[0] if fact.fingerprint and fact.fingerprint.lines else 1
            yield self.finding(
                path, line,
                f"script `{posixpath.basename(path)}` is never run: `{runner}` runs {len(ran)} script(s) of "
                f"`{folder or '.'}/` but not this one, and nothing imports it.",
                subject=f"unrun:{path}",
            )


class ConstantFlag(Rule):
    """A module-level switch bound once to a literal that ``if`` statements test."""

    code = "DS505"
    measured_precision = MeasuredPrecision(11, 11, _MEASURED)
    name = "constant-experiment-flag"
    category = CATEGORY
    reads = ('facts',)
    severity = "warning"
    VALID = (
        Example({"train.py": """
            import argparse

            DEBUG = False
            parser = argparse.ArgumentParser()
            parser.add_argument("--debug", action="store_true")
            if parser.parse_args().debug:
                DEBUG = True
            if DEBUG:
                print("debugging")
        """}),
        Example({"train.py": """
            VERBOSE = True

            def report(verbose=False):
                if verbose:
                    print("done")
        """}),
    )
    INVALID = (
        Example({"train.py": """
            import pandas as pd

            USE_SAMPLE = True
            df = pd.read_csv("data/train.csv")
            if USE_SAMPLE:
                df = df.sample(1000)
        """}, expect=(("train.py", 3),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        for path, fact in sorted(ctx.facts.items()):
            if is_test_module(path) or any(c.qualname in _DYNAMIC for c in fact.calls):
                continue  # exec(open("configurator.py").read()) or globals()[k] = v may rebind any switch
            for flag in fact.flags:
                if flag.rebound:
                    continue
                tests = ", ".join(str(t) for t in flag.tests[:6])
                value = "True" if flag.value else "False"
                yield self.finding(
                    path, flag.line,
                    f"experiment switch `{flag.name}` is hard-coded to {value} and never changes: the `if` at "
                    f"line(s) {tests} always take(s) the same branch, so the other one is dead code and which "
                    f"variant ran is recorded nowhere.",
                    subject=f"flag:{flag.name}",
                    related=[Related(path, t, f"tests `{flag.name}`") for t in flag.tests[:6]],
                )


RULES: List[type] = [AbandonedFolder, UnreachableCode, UnusedFunction, UnrunScript, ConstantFlag]
