"""Coupled-signals rules (DS3xx): shared input signals, correction cascades, undeclared consumers and
entangled feature sets (Sculley et al. 2014/2015, "Changing Anything Changes Everything")."""
from __future__ import annotations

from typing import Dict, Iterable, List, Set, Tuple

from debtscan.clones import containment, shingles
from debtscan.facts.model import IOMode, ModelKind
from debtscan.rules.findings import Finding, Related
from debtscan.rules.base import Example, MeasuredPrecision, Rule, RuleContext
from debtscan.project.roots import ScopedPathIndex
from debtscan.config import DEFAULT_EXPLORATORY, DEFAULT_UBIQUITOUS
from debtscan.project.signals import (
    ROOT_COMPONENT, SOURCE_DIRS, Components, Consumption, ModelNode, Output, SignalLayer, ambiguous_read,
    is_exploratory, literal_globs,
)


def _comp(name: str) -> str:
    return "the root scripts" if name == ROOT_COMPONENT else f"component `{name}`"


def _names(items: Iterable[str], limit: int = 6) -> str:
    items = sorted(set(items))
    text = ", ".join(f"`{i}`" for i in items[:limit])
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _where(model: ModelNode) -> str:
    return f"{model.path}:{model.line}"


_FRAUD_READS_CHURN = {
    "churn/prepare.py": """
        import pandas as pd
        customers = pd.read_csv("data/warehouse/customers.csv")
        customers["tenure_years"] = customers["tenure"] / 12
        customers.to_parquet("data/interim/churn_features.parquet")
    """,
    "churn/train.py": """
        import pandas as pd
        from sklearn.linear_model import LogisticRegression
        df = pd.read_parquet("data/interim/churn_features.parquet")
        model = LogisticRegression().fit(df[["tenure_years", "monthly_charges"]], df["churned"])
    """,
    "fraud/train.py": """
        import pandas as pd
        from sklearn.ensemble import RandomForestClassifier
        df = pd.read_csv("data/warehouse/customers.csv")
        X = df[["tenure", "monthly_charges", "disputes"]]
        clf = RandomForestClassifier()
        clf.fit(X, df["is_fraud"])
    """,
}


_RAW_TABLE = {
    "lgb/train.py": """
        import lightgbm as lgb
        import pandas as pd
        train = pd.read_csv("input/train.csv")
        model = lgb.LGBMRegressor().fit(train[["store_area", "promo_days"]], train["sales"])
    """,
    "nn/train.py": """
        import pandas as pd
        from sklearn.neural_network import MLPRegressor
        train = pd.read_csv("input/train.csv")
        model = MLPRegressor().fit(train[["store_area", "holiday"]], train["sales"])
    """,
}


class SharedInputSignal(Rule):
    """The same input signal consumed by two or more components that do not depend on each other."""

    code = "DS301"
    name = "shared-input-signal"
    category = "coupled-signals"
    reads = ('signals', 'components', 'facts')
    severity = "warning"
    measured_precision = MeasuredPrecision(
        3, 3,
        "judged by hand: alexeygrigorev/mlbookcamp-code 3 of 3; no finding on KazukiOnodera/Home-Credit-Default-Risk,"
        " KazukiOnodera/Instacart, YerevaNN/mimic3-benchmarks, DataTalksClub/mlops-zoomcamp,"
        " DataTalksClub/machine-learning-zoomcamp, Mcompetitions/M5-methods, Kaggle/learntools,"
        " featurestoreorg/serverless-ml-course, eyelabsai/VAULT-3.0, julienguyet/datascience-in-production and four"
        " Kaggle solutions, two of them stacked in levels (issue 14 closing note)")
    options = {"ignore": list(DEFAULT_UBIQUITOUS), "ignore-targets": True, "only-modeling-modules": True,
               "match-unknown-sources": False, "raw-inputs": True, "inputs-only": True,
               "exploratory": list(DEFAULT_EXPLORATORY), "copy-containment": 0.8}
    VALID = (
        # raw inputs (under raw-data-dirs, written by nothing in the repo) are left out with raw-inputs = false
        Example(_RAW_TABLE, options={"raw-inputs": False}),
        # columns used to filter, join, sort or plot are not model inputs
        Example({
            "churn/train.py": """
                import pandas as pd
                from sklearn.linear_model import LogisticRegression
                df = pd.read_parquet("data/warehouse/customers.parquet")
                df = df[df["status"] == "open"].sort_values("signup_week")
                LogisticRegression().fit(df[["tenure"]], df["churned"])
            """,
            "credit/train.py": """
                import pandas as pd
                from sklearn.linear_model import LogisticRegression
                df = pd.read_parquet("data/warehouse/customers.parquet")
                df = df[df["status"] == "open"].sort_values("signup_week")
                LogisticRegression().fit(df[["income"]], df["defaulted"])
            """,
            "analytics/plots.py": """
                import matplotlib.pyplot as plt
                import pandas as pd
                df = pd.read_parquet("data/warehouse/customers.parquet")
                plt.scatter(df["tenure"], df["income"])
                plt.savefig("reports/tenure_income.png")
            """,
        }),
        # one component: two of its modules share columns
        Example({
            "churn/features.py": """
                import pandas as pd
                df = pd.read_csv("data/warehouse/customers.csv")
                df[["tenure", "monthly_charges"]].to_parquet("data/interim/f.parquet")
            """,
            "churn/train.py": """
                import pandas as pd
                from sklearn.linear_model import LogisticRegression
                df = pd.read_csv("data/warehouse/customers.csv")
                LogisticRegression().fit(df[["tenure", "monthly_charges"]], df["churned"])
            """,
        }),
        # ids and labels are everywhere; they are not coupling
        Example({
            "a/train.py": """
                import pandas as pd
                from sklearn.linear_model import LogisticRegression
                df = pd.read_csv("data/warehouse/customers.csv")
                LogisticRegression().fit(df[["customer_id", "age"]], df["label"])
            """,
            "b/train.py": """
                import pandas as pd
                from sklearn.linear_model import LogisticRegression
                df = pd.read_csv("data/warehouse/customers.csv")
                LogisticRegression().fit(df[["customer_id", "income"]], df["label"])
            """,
        }),
        # the consumer imports the owner's accessor: a declared dependency
        Example({
            "churn/data.py": """
                import pandas as pd
                def load():
                    return pd.read_csv("data/warehouse/customers.csv")
                df = pd.read_csv("data/warehouse/customers.csv")
                df[["tenure"]].to_csv("data/interim/t.csv")
            """,
            "fraud/train.py": """
                import pandas as pd
                from churn.data import load
                from sklearn.linear_model import LogisticRegression
                df = pd.read_csv("data/warehouse/customers.csv")
                LogisticRegression().fit(df[["tenure"]], df["is_fraud"])
            """,
        }),
    )
    INVALID = (
        Example(_FRAUD_READS_CHURN, expect=(("churn/prepare.py", 3), ("fraud/train.py", 4))),
        Example(_RAW_TABLE, expect=(("lgb/train.py", 4), ("nn/train.py", 4))),
        # the frame reaches the fit through functions of another module; the model comes from a factory
        Example({
            "warehouse/access.py": """
                import pandas as pd
                def read_customers():
                    return pd.read_parquet("data/warehouse/customers.parquet")
            """,
            "churn/features.py": """
                USAGE = ["minutes", "tenure"]
                def usage_matrix(frame):
                    return frame[USAGE]
            """,
            "churn/train.py": """
                from sklearn.linear_model import LogisticRegression
                from churn.features import usage_matrix
                from warehouse.access import read_customers
                frame = read_customers()
                LogisticRegression().fit(usage_matrix(frame), frame["churned"])
            """,
            "credit/model.py": """
                from sklearn.linear_model import Ridge
                from sklearn.pipeline import make_pipeline
                def new_estimator():
                    return make_pipeline(Ridge())
            """,
            "credit/train.py": """
                from credit.model import new_estimator
                from warehouse.access import read_customers
                frame = read_customers()
                est = new_estimator().fit(frame[["income", "tenure"]], frame["limit"])
            """,
        }, expect=(("churn/features.py", 3), ("credit/train.py", 4))),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        components = ctx.project.components
        shared = ctx.project.signals.shared  # by the scan's shared-signal settings (this rule's options)
        # one finding per consuming module, at its first use of a shared signal, listing the other components'
        # first uses (one per module)
        by_module: Dict[Tuple[str, str], List[Tuple[Consumption, str]]] = {}
        for signal in shared:
            for item in signal.consumers:
                by_module.setdefault((item.component, item.path), []).append((item, signal.source))
        copies = _Copies(ctx.project.facts, ctx.options["copy-containment"])
        for (component, path), items in sorted(by_module.items()):
            keys = {(i.name, s) for i, s in items}
            others: Dict[Tuple[str, str], Consumption] = {}
            coupled: Set[Tuple[str, str]] = set()   # this module's signals another component really shares
            for signal in shared:
                if (signal.name, signal.source) not in keys:
                    continue
                for other in signal.consumers:
                    if other.component == component or not components.disjoint(component, other.component):
                        continue
                    if copies.same(path, other.path):
                        continue  # one consumer copied into another folder (a lesson's next version): DS5xx
                    coupled.add((signal.name, signal.source))
                    key = (other.component, other.path)
                    if key not in others or (other.line, other.column) < (others[key].line, others[key].column):
                        others[key] = other
            if not others:
                continue
            keys &= coupled
            items = [(i, s) for i, s in items if (i.name, s) in keys]
            names = sorted({n for n, _ in keys})
            sources = sorted({s for _, s in keys if s})
            first = min((i for i, _ in items), key=lambda c: (c.line, c.column))
            comps = sorted({c for c, _ in others})
            source_text = f" of {_names(sources)}" if sources else ""
            yield self.finding(
                first.path, first.line,
                f"{_names(names)}{source_text} {'is' if len(names) == 1 else 'are'} consumed here as model "
                f"input{'s' if len(names) > 1 else ''} ({_comp(component)}) and by "
                f"{', '.join(_comp(c) for c in comps)}, which neither import{'s' if len(comps) == 1 else ''} nor "
                f"{'is' if len(comps) == 1 else 'are'} imported by this one: a change to "
                f"{'this signal' if len(names) == 1 else 'these signals'} changes all of them.",
                column=first.column, subject=f"{component}:{path}:{'|'.join(sources)}:{'|'.join(names)}",
                related=[Related(o.path, o.line, f"`{o.name}` is also consumed here, by {_comp(c)}", column=o.column)
                         for (c, _), o in sorted(others.items())],
            )


class _Copies:
    """Whether two consuming modules are one consumer copied: a script copied into another folder and then
    grown (the statement pairs of the smaller in the larger, :func:`debtscan.clones.containment`, at least
    ``threshold``). Copies are not independent consumers of a signal; the copying itself is DS5xx's."""

    MIN_STATEMENTS = 10

    def __init__(self, facts, threshold: float) -> None:
        self.facts = facts
        self.threshold = threshold
        self.sets: Dict[str, Set[int]] = {}
        self.cache: Dict[Tuple[str, str], bool] = {}

    def _shingles(self, path: str) -> Set[int]:
        if path not in self.sets:
            fact = self.facts.get(path)
            hashes = fact.fingerprint.hashes if fact is not None and fact.fingerprint is not None else ()
            self.sets[path] = shingles(hashes) if len(hashes) >= self.MIN_STATEMENTS else set()
        return self.sets[path]

    def same(self, a: str, b: str) -> bool:
        if a == b:
            return True
        key = (a, b) if a < b else (b, a)
        if key not in self.cache:
            self.cache[key] = containment(self._shingles(a), self._shingles(b)) >= self.threshold
        return self.cache[key]


class CorrectionCascade(Rule):
    """A model trained on another model's predictions."""

    code = "DS302"
    name = "correction-cascade"
    category = "correction-cascade"
    reads = ('signals',)
    severity = "warning"
    measured_precision = MeasuredPrecision(
        17, 17,
        "judged by hand: KazukiOnodera/Home-Credit-Default-Risk 8 of 8,"
        " Riku-Sasaki/kaggle-rsna-intracranial-hemorrhage-detection 1 of 1, miguel-rita/remote_two 2 of 2,"
        " Kaggle/learntools 2 of 2 (its two boosted-hybrid classes, judged wrong, are no longer reported),"
        " Nour-Alhendi/FinWatch-AI 4 of 4 (models trained on an isolation forest's flags) (issue 14 closing note)")
    VALID = (
        Example({
            "train.py": """
                import pandas as pd
                from sklearn.linear_model import LogisticRegression
                df = pd.read_csv("data/raw/train.csv")
                model = LogisticRegression().fit(df[["a", "b"]], df["y"])
                df["score"] = model.predict_proba(df[["a", "b"]])[:, 1]
                df[["score"]].to_csv("reports/scores.csv")
            """,
        }),
        # another model reads the scores file, but not the score column
        Example({
            "score.py": """
                import pandas as pd
                from sklearn.linear_model import LogisticRegression
                df = pd.read_csv("data/raw/train.csv")
                model = LogisticRegression().fit(df[["a", "b"]], df["y"])
                df["score"] = model.predict(df[["a", "b"]])
                df[["a", "c", "score"]].to_csv("data/interim/scored.csv")
            """,
            "other.py": """
                import pandas as pd
                from sklearn.linear_model import Ridge
                df = pd.read_csv("data/interim/scored.csv")
                Ridge().fit(df[["a", "c"]], df["target"])
            """,
        }),
    )
    INVALID = (
        # through a file
        Example({
            "base.py": """
                import pandas as pd
                from sklearn.ensemble import GradientBoostingClassifier
                df = pd.read_csv("data/raw/train.csv")
                base = GradientBoostingClassifier().fit(df[["a", "b"]], df["y"])
                df["base_score"] = base.predict_proba(df[["a", "b"]])[:, 1]
                df[["id", "base_score"]].to_csv("data/interim/base_scores.csv", index=False)
            """,
            "correct.py": """
                import pandas as pd
                from sklearn.linear_model import LogisticRegression
                scores = pd.read_csv("data/interim/base_scores.csv")
                extra = pd.read_csv("data/raw/extra.csv")
                df = extra.merge(scores, on="id")
                fixer = LogisticRegression()
                fixer.fit(df[["base_score", "region"]], df["y2"])
            """,
        }, expect=(("correct.py", 7),)),
        # within one file
        Example({
            "stack.py": """
                import numpy as np
                import pandas as pd
                from sklearn.ensemble import RandomForestRegressor
                from sklearn.linear_model import Ridge
                df = pd.read_csv("data/raw/train.csv")
                forest = RandomForestRegressor().fit(df[["a", "b"]], df["y"])
                df["forest_pred"] = forest.predict(df[["a", "b"]])
                meta = Ridge()
                meta.fit(df[["forest_pred", "c"]], df["y"])
            """,
        }, expect=(("stack.py", 9),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        layer = ctx.project.signals
        by_consumer: Dict[str, List] = {}
        for cascade in layer.cascades:
            if cascade.consumer in layer.models:
                by_consumer.setdefault(cascade.consumer, []).append(cascade)
        for consumer_id, cascades in sorted(by_consumer.items()):
            consumer = layer.models[consumer_id]
            upstream: List[str] = []
            related: Set[Related] = set()
            signals: Set[str] = set()
            for cascade in sorted(cascades, key=lambda c: (c.producer, c.artifact)):
                producer = layer.models.get(cascade.producer)
                signals.update(cascade.signals)
                name = f"model {producer.label} ({_where(producer)})" if producer is not None else "another model"
                through = f"read from `{cascade.artifact}`" if cascade.artifact else "in memory"
                if cascade.chain:
                    steps = " -> ".join(f"`{a}`" for a in cascade.chain)
                    through = f"written to `{cascade.artifact}` and turned into features ({steps})"
                upstream.append(f"{name}, {through}")
                if producer is not None:
                    related.add(Related(producer.path, producer.line, f"{producer.label} is trained here"))
                for output in layer.outputs.get(cascade.artifact, ()) if cascade.artifact else ():
                    if output.model == cascade.producer or not output.model:
                        related.add(Related(output.path, output.line,
                                            f"its predictions are written to `{cascade.artifact}`"))
            what = f"{_names(signals)}, " if signals else ""
            upstream = sorted(set(upstream))
            yield self.finding(
                consumer.path, consumer.line,
                f"Model {consumer.label} is trained on {what}the predictions of {'; '.join(upstream)}: a "
                f"correction cascade — retraining the upstream model{'s' if len(upstream) > 1 else ''} changes "
                f"this model's inputs.",
                subject=f"{consumer.scope}.{consumer.name}<-" + "|".join(sorted(
                    f"{m.path}:{m.scope}.{m.name}" for m in (layer.models.get(c.producer) for c in cascades) if m)),
                related=sorted(related, key=lambda r: (r.path, r.line, r.message)),
            )


class UndeclaredConsumer(Rule):
    """A component reads another component's model outputs without importing it."""

    code = "DS303"
    name = "undeclared-consumer"
    category = "undeclared-consumer"
    reads = ('signals', 'components', 'paths', 'projects', 'facts')
    severity = "warning"
    measured_precision = MeasuredPrecision(
        8, 8,
        "judged by hand: KazukiOnodera/Home-Credit-Default-Risk 4 of 4, miguel-rita/remote_two 1 of 1"
        " (notebooks/sub_analysis.ipynb reads the LightGBM submissions; its other analysis notebooks' reads,"
        " judged wrong, are no longer reported), Nour-Alhendi/FinWatch-AI 3 of 3 (its five readers of the flag"
        " files for other columns, judged wrong, are not reported); no finding on the other repositories of the"
        " DS302 count (issue 14 closing note)")
    options = {"exploratory": list(DEFAULT_EXPLORATORY)}
    VALID = (
        # exploration that only looks at the scores (a plot) is an analysis of the model, not a consumer
        Example({
            "churn/predict.py": """
                import pandas as pd
                from sklearn.linear_model import LogisticRegression
                df = pd.read_csv("data/raw/c.csv")
                model = LogisticRegression().fit(df[["a"]], df["y"])
                df["p"] = model.predict(df[["a"]])
                df[["p"]].to_csv("data/out/churn_scores.csv")
            """,
            "reports/score_plots.py": """
                import pandas as pd
                import matplotlib.pyplot as plt
                scores = pd.read_csv("data/out/churn_scores.csv")
                plt.hist(scores["p"])
            """,
        }),
        Example({
            "churn/predict.py": """
                import pandas as pd
                from sklearn.linear_model import LogisticRegression
                df = pd.read_csv("data/raw/c.csv")
                model = LogisticRegression().fit(df[["a"]], df["y"])
                df["p"] = model.predict(df[["a"]])
                df[["p"]].to_csv("data/out/churn_scores.csv")
            """,
            "churn/report.py": """
                import pandas as pd
                scores = pd.read_csv("data/out/churn_scores.csv")
                print(scores.describe())
            """,
            "billing/report.py": """
                import pandas as pd
                from churn import predict
                scores = pd.read_csv("data/out/churn_scores.csv")
            """,
        }),
    )
    INVALID = (
        Example({
            "churn/predict.py": """
                import pandas as pd
                from sklearn.linear_model import LogisticRegression
                df = pd.read_csv("data/raw/c.csv")
                model = LogisticRegression().fit(df[["a"]], df["y"])
                df["p"] = model.predict(df[["a"]])
                df[["p"]].to_csv("data/out/churn_scores.csv")
            """,
            "marketing/campaign.py": """
                import pandas as pd
                scores = pd.read_csv("data/out/churn_scores.csv")
                targets = scores[scores["p"] > 0.8]
            """,
        }, expect=(("marketing/campaign.py", 2),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        """Each persisted output meets the read paths through a per-project index (O(P log P + matches)),
        not every read path of the repo."""
        layer = ctx.project.signals
        components = ctx.project.components
        outputs = {a: list(o) for a, o in layer.outputs.items()}
        modeling = {m.path for m in layer.models.values()}
        # the artifacts a prediction is written to (the graph's ``model_output`` artifacts), read from the
        # accesses themselves: the graph need not be drawn for this
        for artifact in dict.fromkeys(a.artifact for a in ctx.project.paths.accesses
                                      if a.mode is IOMode.WRITE and a.value == "prediction"):
            if artifact not in outputs:
                writers = [w for w in ctx.project.paths.writers.get(artifact, ()) if w.module in modeling]
                if writers:
                    outputs[artifact] = [Output(artifact, "", w.module, w.line, ()) for w in writers]
        reported: Set[Tuple[str, int]] = set()
        # the read paths that may name each output, through an index per project (not every pair)
        read_paths = ScopedPathIndex(ctx.project.projects, ctx.project.paths.readers)
        written = ScopedPathIndex(ctx.project.projects, ctx.project.paths.writers)
        globs = literal_globs(ctx.project.facts)
        analysis = _Analyses(layer, tuple(w.lower() for w in ctx.options["exploratory"]))
        # the columns each module takes from each artifact it reads (its consumptions there)
        # (a selection made in the read's own statement, ``read(p)[["a", "b"]]``, by the read's line)
        taken: Dict[Tuple[str, object], Set[str]] = {}
        for consumption in layer.consumptions:
            for source in consumption.sources or (consumption.line,):
                taken.setdefault((consumption.path, source), set()).add(consumption.name)
        for artifact, produced in sorted(outputs.items()):
            for read_path in read_paths.matching(artifact):
                # a pattern on one side may match the other; two patterns say too little
                if read_path != artifact and ("*" in read_path) == ("*" in artifact):
                    continue
                reads = ctx.project.paths.readers[read_path]
                if "*" in read_path + artifact and ambiguous_read(read_path, written, ctx.project.paths.writers):
                    # a pattern over a folder many scripts write: which of their files it reads, unknown
                    # (unless it is a literal glob, which reads them all)
                    reads = [r for r in reads if (r.module, r.line) in globs]
                for read in sorted(reads, key=lambda r: (r.module, r.line)):
                    reader = components.of.get(read.module)
                    if reader is None or Components.is_test(reader):
                        continue
                    if analysis.only_looks(read.module, (read_path, artifact)):
                        continue  # a notebook plotting or printing the scores: an analysis, not a consumer
                    for output in produced:
                        owner = components.of.get(output.path)
                        if owner is None or owner == reader or components.imports_component(reader, owner):
                            continue
                        if output.columns and analysis.takes_other_columns(
                                read.module, (read_path, artifact, read.line), output.columns, taken):
                            continue  # the file's prices, not the model's column (``read(f)[["Date", "Close"]]``)
                        # reported where the read's path is written down (a helper's fixed path: its line)
                        path, line, column = read.where
                        if (path, line) in reported:
                            continue
                        reported.add((path, line))
                        model = layer.models.get(output.model) if output.model else None
                        by = f" by model {model.label} ({_where(model)})" if model else ""
                        related = [Related(output.path, output.line, f"predictions written to `{artifact}`")]
                        callers = sorted({(r.module, r.line, r.column, r.via) for r in reads
                                          if r.where[:2] == (path, line) and (r.module, r.line) != (path, line)})
                        related.extend(Related(m, n, f"calls `{via}`, which reads them", column=c)
                                       for m, n, c, via in callers[:20])
                        how = " (in a helper its callers run)" if callers else ""
                        yield self.finding(
                            path, line,
                            f"`{artifact}` holds predictions produced{by} in {_comp(owner)}; "
                            f"{_comp(reader)} reads them here{how} without importing {_comp(owner)}: an "
                            f"undeclared consumer of that model.",
                            column=column, subject=f"{artifact}:{owner}",
                            related=related,
                        )


class _Analyses:
    """Whether a module only looks at the predictions it reads: a notebook, or a module whose path says it is
    exploration or plotting (the ``exploratory`` words, as for DS301), that writes nothing made from them
    (:attr:`~debtscan.project.signals.SignalLayer.forwarded`) and trains no model on them. Such a module is
    an analysis of the model (error analysis, a calibration plot), not a system that depends on it."""

    def __init__(self, layer: SignalLayer, words: Tuple[str, ...]) -> None:
        self.words = words
        self.forwarded = layer.forwarded
        self.trained: Dict[str, Set[str]] = {}
        for model in layer.models.values():
            self.trained.setdefault(model.path, set()).update(model.sources | model.label_sources)

    def takes_other_columns(self, module: str, artifacts: Tuple[object, ...], columns: Tuple[str, ...],
                            taken: Dict[Tuple[str, object], Set[str]]) -> bool:
        """Whether a module that trains no model on the artifact takes only known columns from it (read from
        it, or selected in the read's own line), none of them the model's prediction ``columns``: it reads the
        file that holds them, not the predictions."""
        used = set().union(*(taken.get((module, a), set()) for a in artifacts))
        trained = self.trained.get(module, set())
        return bool(used) and not used & set(columns) and not any(a in trained for a in artifacts)

    def only_looks(self, module: str, artifacts: Tuple[str, ...]) -> bool:
        if not (module.endswith(".ipynb") or (self.words and is_exploratory(module, self.words))):
            return False
        trained = self.trained.get(module, set())
        return not any((module, a) in self.forwarded or a in trained for a in artifacts)


def _defining_file(constants, module: str, where: str) -> str:
    """The file defining ``module`` seen from ``where`` ("" when none does); ``src.config`` of a ``src/``
    layout, whose modules are named from inside ``src/``, is ``config``."""
    if constants is None or not module:
        return ""
    found = constants.file_of(module, where)
    top, _, rest = module.partition(".")
    if not found and rest and top in SOURCE_DIRS:
        found = constants.file_of(rest, where)
    return found


class EntangledFeatureSet(Rule):
    """One feature-list constant feeding models of disjoint components."""

    code = "DS304"
    name = "entangled-feature-set"
    category = "coupled-signals"
    reads = ('signals', 'components', 'paths', 'projects')
    severity = "warning"
    VALID = (
        Example({
            "common/features.py": """
                FEATURES = ["age", "income", "tenure"]
            """,
            "churn/train.py": """
                import pandas as pd
                from sklearn.linear_model import LogisticRegression
                from common.features import FEATURES
                df = pd.read_csv("data/raw/c.csv")
                LogisticRegression().fit(df[FEATURES], df["churned"])
            """,
            "churn/predict.py": """
                import pandas as pd
                from common.features import FEATURES
                df = pd.read_csv("data/raw/c.csv")
                print(df[FEATURES].describe())
            """,
        }),
    )
    INVALID = (
        Example({
            "common/features.py": """
                FEATURES = ["age", "income", "tenure"]
            """,
            "churn/train.py": """
                import pandas as pd
                from sklearn.linear_model import LogisticRegression
                from common.features import FEATURES
                df = pd.read_csv("data/raw/c.csv")
                LogisticRegression().fit(df[FEATURES], df["churned"])
            """,
            "credit/train.py": """
                import pandas as pd
                from sklearn.ensemble import RandomForestClassifier
                from common import features
                df = pd.read_csv("data/raw/c.csv")
                X = df[features.FEATURES].to_numpy()
                model = RandomForestClassifier()
                model.fit(X, df["default"])
            """,
        }, expect=(("churn/train.py", 5), ("credit/train.py", 7))),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        """Models filed per (defining project, feature-list constant): O(models) plus, per list, its models
        against each other (a constant shared by k models costs k x k disjointness tests)."""
        layer = ctx.project.signals
        components = ctx.project.components
        project = ctx.project
        constants = project.paths.resolver.constants if project.paths.resolver is not None else None
        # one constant per defining file (``config.FEATURES`` and ``src.config.FEATURES`` are one list when both
        # import paths name the same file); a name no file defines, per project: every project of a monorepo
        # may have its ``config.FEATURES``
        by_list: Dict[Tuple[str, str], List[ModelNode]] = {}
        named: Dict[Tuple[str, str], str] = {}
        for model in layer.models.values():
            if model.kind is not ModelKind.FIT or Components.is_test(model.component):
                continue
            for name in model.feature_lists:
                module, _, short = name.rpartition(".")
                defining = _defining_file(constants, module, model.path)
                key = (defining, short) if defining else (project.projects.of(model.path).path, name)
                by_list.setdefault(key, []).append(model)
                named[key] = min(named.get(key, name), name)
        for key, models in sorted(by_list.items()):
            constant = named[key]
            comps = sorted({m.component for m in models})
            if len(comps) < 2:
                continue
            for model in sorted(models, key=lambda m: (m.path, m.line)):
                others = [m for m in models if components.disjoint(model.component, m.component)]
                if not others:
                    continue
                other_comps = sorted({m.component for m in others})
                yield self.finding(
                    model.path, model.line,
                    f"Model {model.label} takes its features from `{constant}`, which also selects the features "
                    f"of {len(others)} model(s) in {', '.join(_comp(c) for c in other_comps)}: changing the list "
                    f"retrains all of them.",
                    subject=f"{constant}:{model.component}:{model.name}",
                    related=[Related(m.path, m.line, f"model {m.label} also uses `{constant}`")
                             for m in sorted(others, key=lambda m: (m.path, m.line))],
                )
