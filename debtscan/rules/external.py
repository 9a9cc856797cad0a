"""External-world rules (DS4xx): "changes in the external world may make models or input signals change
behavior in unintended ways, and these can be difficult to monitor" (Sculley et al. 2015).

- DS401 hard-coded-threshold: a fixed number decides on a model's output in scoring or serving code.
- DS402 scattered-threshold: the same model's threshold written in several places (or tuned in a notebook
  and pasted into code).
- DS403 unvalidated-prediction-input: a request handler or batch scorer predicts on input nobody checks.
- DS404 unmonitored-predictions: a request handler or batch scorer never records what it predicts.
- DS405 prediction-feedback-loop: a model's predictions are written where its own training data comes from.
- DS406 unstable-data-dependency: an input the repo neither produces, declares nor pins (formerly DS207).

Models and predictions are read through :mod:`debtscan.project.external` only; artifacts through the
project's resolved accesses and the signal layer's persisted predictions.
"""
from __future__ import annotations

import posixpath
import re
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from debtscan.artifacts import ArtifactKind
from debtscan.facts.model import MODULE_SCOPE, IOMode, ModelKind
from debtscan.project.accesses import Access
from debtscan.project.kinds import is_model_access
from debtscan.project.paths import PathBase
from debtscan.facts.values import Lit
from debtscan.knowledge.external import ExternalKnowledge, name_matches
from debtscan.project.external import (
    Endpoint, EndpointKind, ExternalWorld, Function, PredictionSite, Threshold, is_test_path,
)
from debtscan.project.roots import ScopedPathIndex
from debtscan.rules.findings import Finding, Related
from debtscan.rules.base import Example, MeasuredPrecision, Rule, RuleContext

CATEGORY = "external-world"
_CONFIG_SUFFIXES = (".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".env", ".md", ".txt", ".py", ".json",
                    ".properties", ".xml", ".sql", ".html", ".j2", ".jinja", ".sh")
DEFAULT_RAW_FILES = ["train.csv", "test.csv", "sample_submission.csv", "sampleSubmission.csv", "train.zip",
                     "test.zip", "train.parquet", "test.parquet", "train.json", "test.json", "train.tsv", "test.tsv",
                     "sample_submission.csv.zip", "train.csv.zip", "test.csv.zip"]
DEFAULT_DATA_FOLDERS = ["input", "data", "raw", "dataset", "datasets", "data/raw", "data/input", "inputs"]
DEFAULT_PINNED = [
    r"(?<![0-9])(19|20)[0-9]{2}[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12][0-9]|3[01])(?![0-9])",  # a date
    r"(?<![0-9])(19|20)[0-9]{2}[-_](0[1-9]|1[0-2])(?![0-9])",  # a month: green_tripdata_2021-01.parquet
    r"(^|[/_.-])v[0-9]+([._/-]|$)",              # a version: features_v3.csv, v2/
    r"(^|[/_.-])(snapshot|version|release|rev)[-_=]?[0-9a-z]*([._/-]|$)",
    r"[@=][0-9a-f]{7,40}([._/-]|$)",             # a commit or content hash
]


def _serving_functions(world: ExternalWorld, endpoints: Sequence[Endpoint]) -> Set[Function]:
    functions: Set[Function] = set()
    for endpoint in endpoints:
        functions |= world.reach(endpoint.key)
    return functions


def _endpoints(world: ExternalWorld, options) -> List[Endpoint]:
    """The catalogue's endpoints and those the rule's ``handler-decorators`` option names."""
    endpoints = list(world.endpoints)
    extra = list(options.get("handler-decorators") or ())
    if extra:
        known = {e.key for e in endpoints}
        for path in sorted(world.facts):
            external = world.facts[path].external
            if external is None:
                continue
            for fact in external.endpoints:
                if not fact.callback and (path, fact.function) not in known and any(
                        name_matches(d, extra) for d in fact.decorators):
                    endpoints.append(Endpoint(path, fact.function, fact.line, "configured", EndpointKind.WEB,
                                              fact.routes[0] if fact.routes else ""))
    return [e for e in endpoints if not is_test_path(e.path)]


def _where(path: str, line: int) -> str:
    return f"{path}:{line}"


def _is_competition_raw(path: str, names: Sequence[str], folders: Sequence[str]) -> bool:
    """``input/train.csv``, ``data/test.csv``, ``../input/sample_submission.csv``: a competition's raw files at
    the top of a data folder (or of the project)."""
    base = posixpath.basename(path)
    if base not in names:
        return False
    folder = posixpath.dirname(path)
    while folder.startswith("../"):
        folder = folder[3:]
    folder = folder.strip("/")
    if folder in ("", ".", ".."):
        return True
    if folder in folders:
        return True
    parts = folder.split("/")
    # a competition's own folder inside a data folder: input/home-credit/train.csv
    return len(parts) == 2 and parts[0] in ("input", "inputs", "raw")


class _ThresholdRule(Rule):
    """The shared analysis of DS401 and DS402: thresholds grouped by model."""

    category = CATEGORY
    reads = ('external',)

    def groups(self, ctx: RuleContext):
        world = ctx.project.external
        serving = _serving_functions(world, _endpoints(world, {}))
        ignore = {str(v) for v in ctx.options.get("ignore-values", ())}
        sites = [t for t in world.thresholds if not is_test_path(t.path) and t.value not in ignore]

        def is_serving(t: Threshold) -> bool:
            return not t.notebook and (t.function in serving or not t.fitted_here)

        by_model: Dict[str, List[Threshold]] = {}
        for t in sites:
            by_model.setdefault(t.model.id, []).append(t)
        return by_model, is_serving, world, serving


class HardCodedThreshold(_ThresholdRule):
    """A literal threshold on a model's output in scoring or serving code (one place)."""

    code = "DS401"
    measured_precision = MeasuredPrecision(
        2, 2, "judged by hand on 17 public repositories nobody here wrote (issue 17; the repositories "
        "are listed on rules/DS401.md)")
    name = "hard-coded-threshold"
    severity = "warning"
    options = {"ignore-values": [], "min-places": 2}
    VALID = (
        Example({"score.py": """
            import joblib, json
            model = joblib.load("models/churn.pkl")
            with open("models/churn_threshold.json") as handle:
                THRESHOLD = json.load(handle)["threshold"]
            def decide(features):
                return model.predict_proba(features)[:, 1] > THRESHOLD
            """}),
        Example({"train.py": """
            import pandas as pd
            from sklearn.linear_model import LogisticRegression
            df = pd.read_csv("data/raw/train.csv")
            model = LogisticRegression().fit(df[["a"]], df["y"])
            print(((model.predict_proba(df[["a"]])[:, 1] > 0.5) == df["y"]).mean())
            """}),
    )
    INVALID = (
        Example({"score.py": """
            import joblib
            model = joblib.load("models/churn.pkl")
            def decide(features):
                proba = model.predict_proba(features)[:, 1]
                return proba > 0.73
            """}, expect=(("score.py", 5),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        by_model, is_serving, world, serving = self.groups(ctx)
        minimum = max(2, int(ctx.options["min-places"]))
        for model_id, sites in sorted(by_model.items()):
            functions = {t.function for t in sites}
            if len(functions) >= minimum and any(is_serving(t) for t in sites):
                continue  # DS402's finding
            reported: Set[Function] = set()
            for t in sorted(sites, key=lambda t: (t.path, t.line)):
                if not is_serving(t) or t.function in reported:
                    continue
                reported.add(t.function)
                others = [o for o in sites if o.function == t.function and o is not t]
                where = "serving code" if t.function in serving else "scoring code"
                related = [Related(o.path, o.line, f"also {o.text}") for o in others]
                if t.constant and t.constant_line:
                    related.append(Related(t.path, t.constant_line, f"`{t.constant}` is set here"))
                yield self.finding(
                    t.path, t.line,
                    f"{t.text} decides on the predictions of model {t.model.label} with a fixed threshold in "
                    f"{where}: when the model is retrained or its inputs drift, {t.value} silently means "
                    f"something else. Keep it in versioned configuration with the model, set by a calibration "
                    f"step, with an owner.",
                    subject=f"threshold:{t.model.key}:{t.scope}", related=related,
                )


class ScatteredThreshold(_ThresholdRule):
    """The same model's threshold written in several places."""

    code = "DS402"
    name = "scattered-threshold"
    severity = "warning"
    options = {"ignore-values": [], "min-places": 2}
    VALID = (
        Example({"serve.py": """
            import joblib
            from config import THRESHOLDS
            model = joblib.load("models/fraud.pkl")
            def block(x):
                return model.predict_proba(x)[:, 1] > THRESHOLDS["fraud"]
            def review(x):
                return model.predict_proba(x)[:, 1] > THRESHOLDS["fraud"]
            """}),
    )
    INVALID = (
        Example({"serve.py": """
            import joblib
            model = joblib.load("models/fraud.pkl")
            def block(x):
                return model.predict_proba(x)[:, 1] > 0.9
            """, "batch.py": """
            import joblib
            model = joblib.load("models/fraud.pkl")
            def nightly(x):
                scores = model.predict_proba(x)[:, 1]
                return scores >= 0.85
            """}, expect=(("batch.py", 5),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        by_model, is_serving, world, serving = self.groups(ctx)
        minimum = max(2, int(ctx.options["min-places"]))
        for model_id, sites in sorted(by_model.items()):
            functions = {t.function for t in sites}
            if len(functions) < minimum or not any(is_serving(t) for t in sites):
                continue
            ordered = sorted(sites, key=lambda t: (t.notebook, not is_serving(t), t.path, t.line))
            first = ordered[0]
            values = sorted({t.value for t in sites})
            notebooks = sorted({t.path for t in sites if t.notebook})
            notes = []
            in_notebooks = {t.value for t in sites if t.notebook}
            copied = sorted({t.value for t in sites if not t.notebook and t.value in in_notebooks})
            if copied:
                notes.append(f"{', '.join(copied)} tuned in {notebooks[0]} and pasted into code")
            if len(values) > 1:
                notes.append(f"different values: {', '.join(values)}")
            pasted = f" ({'; '.join(notes)})" if notes else ""
            related = [Related(t.path, t.line, f"{t.text}" + (" in a notebook" if t.notebook else ""))
                       for t in ordered[1:]]
            yield self.finding(
                first.path, first.line,
                f"the decision threshold of model {first.model.label} is written in {len(functions)} places"
                f"{pasted}: {first.text} here. Retuning it means finding every copy, and the copies drift apart. "
                f"Write it once in versioned configuration next to the model, set by its calibration step, and "
                f"read it everywhere.",
                subject=f"thresholds:{first.model.key}", related=related,
            )


class _ServingRule(Rule):
    category = CATEGORY
    reads = ('external', 'paths', 'pipeline', 'projects', 'tables')

    def served(self, ctx: RuleContext):
        """(endpoint, its reach, its predictions) for every endpoint that reaches a prediction."""
        world = ctx.project.external
        out = []
        for endpoint in sorted(_endpoints(world, ctx.options), key=lambda e: (e.path, e.line, e.function)):
            reach = set(world.reach(endpoint.key)) | set(world.middleware(endpoint.path))
            predictions = [p for p in world.predictions_in(reach) if not is_test_path(p.path)]
            if predictions:
                out.append((endpoint, reach, predictions))
        return world, out

    def batch_scorers(self, ctx: RuleContext, world: ExternalWorld,
                      served: Set[Function]) -> List[Tuple[PredictionSite, List[str]]]:
        """Predictions of a loaded model on data read from files the repo does not produce (another team's,
        another system's), outside request handlers, tests and notebooks: one per file, the first."""
        project = ctx.project
        seen: Set[str] = set()
        out = []
        for p in sorted(world.predictions, key=lambda p: (p.path, p.line)):
            if p.fitted_here or p.function in served or p.path in seen or is_test_path(p.path) or \
                    world.facts[p.path].notebook:
                continue
            external = [s for s in p.sources if s not in project.paths.writers
                        and not project.pipeline.is_declared(s) and not project.paths.is_raw(s)
                        and not _is_competition_raw(project.projects.of_artifact(s).local(s), DEFAULT_RAW_FILES,
                                                    DEFAULT_DATA_FOLDERS)
                        and not project.tables.artifacts.is_model_artifact(s)]
            if not external:
                continue
            seen.add(p.path)
            out.append((p, external))
        return out



def _file_functions(world: ExternalWorld, path: str) -> Set[Function]:
    facts = world.facts[path]
    functions = {(path, MODULE_SCOPE)} | {(path, f.name) for f in facts.functions}
    out: Set[Function] = set()
    for function in functions:
        out |= world.reach(function)
    return out


class UnvalidatedPredictionInput(_ServingRule):
    """Predictions served on input nobody checks."""

    code = "DS403"
    measured_precision = MeasuredPrecision(
        8, 8, "judged by hand on 17 public repositories nobody here wrote (issue 17; the repositories "
        "are listed on rules/DS403.md)")
    name = "unvalidated-prediction-input"
    severity = "warning"
    options = {"validators": [], "handler-decorators": []}
    VALID = (
        Example({"app.py": """
            import joblib
            import pandas as pd
            from flask import Flask, request, jsonify
            app = Flask(__name__)
            model = joblib.load("models/churn.pkl")
            COLUMNS = ["tenure", "charges"]
            @app.route("/predict", methods=["POST"])
            def predict():
                frame = pd.DataFrame([request.get_json()])
                missing = set(COLUMNS) - set(frame.columns)
                if missing or frame[COLUMNS].isnull().any().any():
                    return jsonify({"error": "bad input"}), 400
                return jsonify({"score": float(model.predict_proba(frame[COLUMNS])[0, 1])})
            """}),
        Example({"api.py": """
            import joblib
            from fastapi import FastAPI
            from pydantic import BaseModel
            app = FastAPI()
            model = joblib.load("models/churn.pkl")
            class Customer(BaseModel):
                tenure: float
                charges: float
            @app.post("/predict")
            def predict(customer: Customer):
                return {"score": float(model.predict_proba([[customer.tenure, customer.charges]])[0, 1])}
            """}),
    )
    INVALID = (
        Example({"app.py": """
            import joblib
            import pandas as pd
            from flask import Flask, request, jsonify
            app = Flask(__name__)
            model = joblib.load("models/churn.pkl")
            @app.route("/predict", methods=["POST"])
            def predict():
                frame = pd.DataFrame([request.get_json()])
                return jsonify({"score": float(model.predict_proba(frame)[0, 1])})
            """}, expect=(("app.py", 7),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        world, served = self.served(ctx)
        extra = list(ctx.options["validators"])
        for endpoint, reach, predictions in served:
            if endpoint.typed:
                continue
            if all(p.sources for p in predictions):
                continue  # the model predicts on files the service reads (a request only picks a row), not on the request
            if world.validation_in(reach, extra) is not None:
                continue
            first = min(predictions, key=lambda p: (p.path, p.line))
            yield self.finding(
                endpoint.path, endpoint.line,
                f"{endpoint.label} serves predictions of model {first.model.label} ({_where(first.path, first.line)}) "
                f"on request data that nothing checks on the way: no schema (pydantic, pandera, ...), assert or "
                f"check of columns, types, ranges or nulls. Validate the input at the entry point and reject what "
                f"the model was not trained on.",
                subject=f"unvalidated:{endpoint.function}",
                related=[Related(p.path, p.line, f"predicts with {p.model.label}", column=p.column)
                         for p in sorted(predictions, key=lambda p: (p.path, p.line))[:5]],
            )
        served_functions = set().union(*(r for _, r, _ in served)) if served else set()
        for p, external in self.batch_scorers(ctx, world, served_functions):
            if world.validation_in(_file_functions(world, p.path) | world.reach(p.function), extra) is not None:
                continue
            yield self.finding(
                p.path, p.line,
                f"model {p.model.label} scores `{external[0]}` here, a file nothing in the repo produces, without "
                f"checking it first: when its producer changes a column, a unit or starts sending nulls, the "
                f"predictions change silently. Check its schema (pandera, great_expectations, explicit checks of "
                f"columns, types, ranges and nulls) before predicting.",
                column=p.column, subject=f"unvalidated-batch:{p.model.key}",
            )


class UnmonitoredPredictions(_ServingRule):
    """Serving or batch scoring that never records what it predicts."""

    code = "DS404"
    measured_precision = MeasuredPrecision(
        6, 6, "judged by hand on 17 public repositories nobody here wrote (issue 17; the repositories "
        "are listed on rules/DS404.md)")
    name = "unmonitored-predictions"
    severity = "warning"
    options = {"monitors": [], "handler-decorators": []}
    VALID = (
        Example({"app.py": """
            import logging
            import joblib
            from flask import Flask, request, jsonify
            app = Flask(__name__)
            log = logging.getLogger("scoring")
            model = joblib.load("models/churn.pkl")
            @app.route("/predict", methods=["POST"])
            def predict():
                row = request.get_json()
                score = float(model.predict_proba([row["features"]])[0, 1])
                log.info("prediction", extra={"input": row, "score": score})
                return jsonify({"score": score})
            """}),
    )
    INVALID = (
        Example({"app.py": """
            import joblib
            from flask import Flask, request, jsonify
            app = Flask(__name__)
            model = joblib.load("models/churn.pkl")
            @app.route("/predict", methods=["POST"])
            def predict():
                row = request.get_json()
                return jsonify({"score": float(model.predict_proba([row["features"]])[0, 1])})
            """}, expect=(("app.py", 6),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        world, served = self.served(ctx)
        extra = list(ctx.options["monitors"])
        for endpoint, reach, predictions in served:
            if world.monitoring_in(reach, extra) is not None:
                continue
            first = min(predictions, key=lambda p: (p.path, p.line))
            yield self.finding(
                endpoint.path, endpoint.line,
                f"{endpoint.label} answers with predictions of model {first.model.label} "
                f"({_where(first.path, first.line)}) but nothing records what it predicted or on what: no log, "
                f"metric or stored prediction, so nobody sees prediction bias or drift. Log each prediction with "
                f"its input (or a sample) and watch their distribution.",
                subject=f"unmonitored:{endpoint.function}",
                related=[Related(p.path, p.line, f"predicts with {p.model.label}", column=p.column)
                         for p in sorted(predictions, key=lambda p: (p.path, p.line))[:5]],
            )
        served_functions = set().union(*(r for _, r, _ in served)) if served else set()
        for p, _ in self.batch_scorers(ctx, world, served_functions):
            if p.outputs:
                continue  # stored in a file or a column, or handed to the caller that stores it
            if world.monitoring_in(_file_functions(world, p.path), extra) is not None:
                continue
            yield self.finding(
                p.path, p.line,
                f"model {p.model.label} scores data here but the predictions are neither stored, logged nor "
                f"returned: nobody sees what it predicted. Store or log the predictions with their inputs.",
                column=p.column, subject=f"unmonitored-batch:{p.model.key}",
            )


class PredictionFeedbackLoop(Rule):
    """A model's predictions written where its own training data comes from."""

    code = "DS405"
    reads = ('signals', 'paths', 'projects')
    name = "prediction-feedback-loop"
    category = CATEGORY
    severity = "warning"
    options = {"through-derived-files": True}
    VALID = (
        Example({"train.py": """
            import pandas as pd
            import joblib
            from sklearn.linear_model import LogisticRegression
            df = pd.read_csv("data/raw/outcomes.csv")
            model = LogisticRegression().fit(df[["a", "b"]], df["label"])
            joblib.dump(model, "models/model.pkl")
            """, "score.py": """
            import pandas as pd
            import joblib
            model = joblib.load("models/model.pkl")
            df = pd.read_csv("data/raw/customers.csv")
            df["score"] = model.predict(df[["a", "b"]])
            df.to_csv("data/scored.csv")
            """}),
    )
    INVALID = (
        Example({"train.py": """
            import pandas as pd
            import joblib
            from sklearn.linear_model import LogisticRegression
            df = pd.read_csv("data/labelled.csv")
            model = LogisticRegression().fit(df[["a", "b"]], df["label"])
            joblib.dump(model, "models/model.pkl")
            """, "score.py": """
            import pandas as pd
            import joblib
            model = joblib.load("models/model.pkl")
            df = pd.read_csv("data/raw/customers.csv")
            df["label"] = model.predict(df[["a", "b"]])
            df.to_csv("data/labelled.csv")
            """}, expect=(("score.py", 6),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        project = ctx.project
        layer = project.signals
        outputs = layer.outputs
        persisted = ScopedPathIndex(project.projects, outputs)
        derived: Dict[str, Dict[str, Tuple[str, ...]]] = {}   # artifact -> producer model -> chain
        if ctx.options["through-derived-files"]:
            frontier = [(artifact, o.model, (artifact,)) for artifact, produced in sorted(outputs.items())
                        for o in produced if o.model]
            while frontier:
                artifact, producer, chain = frontier.pop(0)
                if len(chain) > 4:
                    continue
                for nxt in sorted(layer.flows.get(artifact, ())):
                    if nxt in chain or producer in derived.get(nxt, {}):
                        continue
                    derived.setdefault(nxt, {})[producer] = chain + (nxt,)
                    frontier.append((nxt, producer, chain + (nxt,)))
        reported: Set[Tuple[str, str]] = set()
        read_lines: Dict[Tuple[str, str], int] = {}
        for access in project.paths.accesses:
            if access.mode is IOMode.READ:
                key = (access.module, access.artifact)
                read_lines[key] = min(read_lines.get(key, access.line), access.line)
        for node in sorted(layer.models.values(), key=lambda m: m.id):
            if node.kind is not ModelKind.FIT or is_test_path(node.path):
                continue
            for source in sorted(node.sources):
                loops: List[Tuple[str, Tuple[str, ...]]] = []
                for artifact in persisted.matching(source):
                    if source != artifact and ("*" in source) == ("*" in artifact):
                        continue
                    loops.extend((artifact, ()) for o in outputs[artifact] if o.model == node.id)
                for producer, chain in sorted(derived.get(source, {}).items()):
                    if producer == node.id:
                        loops.append((chain[0], chain[1:]))
                for artifact, chain in loops:
                    if (node.id, artifact) in reported:
                        continue
                    columns = {c for o in outputs[artifact] if o.model == node.id for c in o.columns}
                    if not chain and columns and node.inputs and not node.targets and not columns & node.inputs \
                            and all(o.columns for o in outputs[artifact] if o.model == node.id):
                        # an unsupervised model (no label a decision could become) writing its flag column into
                        # the file it reads, trained on other columns: its outputs are not its training data
                        continue
                    reported.add((node.id, artifact))
                    write = min((o for o in outputs[artifact] if o.model == node.id), key=lambda o: (o.path, o.line))
                    through = f", derived from it ({' -> '.join(f'`{c}`' for c in (artifact,) + chain)})" if chain else ""
                    read_line = read_lines.get((node.path, source), node.line)
                    kind = "table" if source.startswith(("table:", "sql:")) or "://" not in source and "." not in \
                        posixpath.basename(source) else "file"
                    yield self.finding(
                        write.path, write.line,
                        f"predictions of model {node.label} ({_where(node.path, node.line)}) are written to "
                        f"`{artifact}` here, and the model is trained on `{source}`{through}: its outputs shape its "
                        f"own future training data (a direct feedback loop through a {kind}). Train on outcomes "
                        f"observed independently of its decisions, keep a holdout it does not act on, or log the "
                        f"propensity of each decision.",
                        subject=f"loop:{node.path}:{node.name}:{artifact}",
                        related=[Related(node.path, read_line, f"the training data `{source}` is read here"),
                                 Related(node.path, node.line, f"{node.label} is trained here")],
                    )


class UnstableDataDependency(Rule):
    """An input that the repo neither produces, declares nor pins."""

    code = "DS406"
    reads = ('facts', 'liveness', 'paths', 'pipeline', 'projects', 'signals', 'sources', 'tables')
    measured_precision = MeasuredPrecision(
        20, 20, "judged by hand on 17 public repositories nobody here wrote (issue 17; the repositories "
        "are listed on rules/DS406.md)")
    name = "unstable-data-dependency"
    category = CATEGORY
    severity = "info"
    options = {"raw-file-names": list(DEFAULT_RAW_FILES), "data-folders": list(DEFAULT_DATA_FOLDERS),
               "pinned-patterns": []}
    VALID = (
        Example({"a.py": "import pandas as pd\ndf = pd.read_csv('data/raw/customers.csv')\n"}),
        Example({"a.py": "import pandas as pd\npd.read_csv('input/x.csv').to_csv('data/clean.csv')\n",
                 "b.py": "import pandas as pd\ndf = pd.read_csv('data/clean.csv')\n"}),
        Example({"a.py": "import pandas as pd\ndf = pd.read_csv('data/exports/customers_2024-05-01.csv')\n"}),
        Example({"a.py": "import pandas as pd\ntrain = pd.read_csv('data/train.csv')\n"}),
        Example({"a.py": """
            import os
            import pandas as pd
            if os.path.exists("data/extra/holidays.csv"):
                holidays = pd.read_csv("data/extra/holidays.csv")
            """}),
    )
    INVALID = (
        Example({"a.py": "import pandas as pd\ndf = pd.read_csv('data/processed/features.csv')\n",
                 "b.py": "import pandas as pd\nx = pd.read_csv('data/processed/features.csv')\n"},
                expect=(("a.py", 2),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        project = ctx.project
        names = list(ctx.options["raw-file-names"])
        folders = [f.strip("/") for f in ctx.options["data-folders"]]
        pinned = [re.compile(p, re.IGNORECASE) for p in DEFAULT_PINNED + list(ctx.options["pinned-patterns"])]
        patterns = ScopedPathIndex(project.projects, (w for w in project.paths.writers if "*" in w))
        # files some code writes under a folder it computes (``os.path.join(dest, "train.pkl")``): a read of
        # the same file name in the same project may be of that file
        written_names = {(project.projects.of_artifact(w).path, posixpath.basename(w))
                         for w in project.paths.writers if "*" in w and "*" not in posixpath.basename(w)}
        # file names written by code set apart as abandoned (a trash/ folder): produced, if badly
        dead_writes = {posixpath.basename(io.path.value) for facts in project.liveness.excluded.values()
                       for io in facts.io if io.mode is IOMode.WRITE and isinstance(io.path, Lit)
                       and isinstance(io.path.value, str)}
        # files models are saved to or loaded from (``joblib.load("fraud_model.pkl")`` then ``.predict``)
        models = {a for node in project.signals.models.values() for a in node.artifacts}
        downloads = ExternalKnowledge.load().download_calls
        downloading: Dict[str, bool] = {}   # a callee's name -> whether it downloads: once per distinct name

        def downloads_with(qualname: str) -> bool:
            known = downloading.get(qualname)
            if known is None:
                known = downloading[qualname] = name_matches(qualname, downloads)
            return known

        fetching = {path for path, facts in project.facts.items()
                    if any(downloads_with(c.qualname) for c in facts.calls)}
        reads: Dict[str, List[Access]] = {}
        for access in project.paths.accesses:
            path = access.artifact
            if access.mode is not IOMode.READ or not access.exact or not access.certain \
                    or access.base is PathBase.ABSOLUTE or path.startswith(".."):
                continue  # (a path only a README's command gives is no evidence: debtscan.project.argv)
            if access.kind is not ArtifactKind.LOCAL_FILE or is_test_path(access.module):
                continue
            if project.paths.is_raw(path) or is_model_access(access, project.tables.artifacts) or path.lower().endswith(_CONFIG_SUFFIXES):
                continue
            if project.pipeline.is_declared(path) or path in project.paths.writers:
                continue
            local = project.projects.of_artifact(path).local(path)
            if "/" not in local and "." not in local:
                continue  # ``read_csv("file_path")``: a placeholder, not a file name
            if _is_competition_raw(local, names, folders) or _is_competition_raw(path, names, folders):
                continue
            if any(p.search(path) for p in pinned):
                continue
            if _guarded(project.facts.get(access.module), access.line):
                continue
            if (project.projects.of_artifact(path).path, posixpath.basename(path)) in written_names:
                continue
            if posixpath.basename(path) in dead_writes or access.module in fetching or path in models:
                continue
            reads.setdefault(path, []).append(access)
        downloaded = _competition_folders(reads)
        for path in sorted(reads):
            if posixpath.dirname(path) in downloaded:
                continue
            if any("*" in p for p in patterns.matching(path)):
                continue
            listed = project.sources
            if listed is not None and (listed.exists(path) or listed.exists(path + ".dvc") or
                                       _dvc_tracked_folder(listed, path)):
                continue  # committed, or tracked by a .dvc file (the walk's listings; rules never touch the disk)
            if _checksummed(project, reads[path]):
                continue
            accesses = sorted(reads[path], key=lambda a: a.where)  # where each read's path is written down
            first = accesses[0]
            others = [a for a in accesses[1:] if a.where[:2] != first.where[:2]]
            more = f" (and in {len(others)} other place{'s' if len(others) != 1 else ''})" if others else ""
            yield self.finding(
                *first.where[:2],
                f"`{path}` is read here{more}, but nothing in the repo writes it, nothing declares it (dvc.yaml, a "
                f"data catalogue, raw-data folders: {', '.join(project.paths.raw_data_dirs)}) and nothing pins its "
                f"version: an unstable data dependency. Declare it and pin a version (a dated or versioned path, a "
                f"checksum, dvc.lock), or commit the step that produces it.",
                column=first.where[2], subject=f"orphan:{path}",
                related=[Related(*a.where[:2], f"`{path}` is also read here", column=a.where[2])
                         for a in others[:10]],
            )


_SPLIT = re.compile(r"^(?P<prefix>.*?)(?P<split>train|test)\.(?P<ext>csv|csv\.zip|csv\.gz|parquet|json|tsv|zip)$",
                    re.IGNORECASE)


def _competition_folders(reads: Dict[str, List[Access]]) -> Set[str]:
    """Folders holding a downloaded dataset's raw files: both halves of a train/test split named alike
    (``application_train.csv`` and ``application_test.csv``) are read there, and nothing writes them."""
    halves: Dict[Tuple[str, str, str], Set[str]] = {}
    for path in reads:
        match = _SPLIT.match(posixpath.basename(path))
        if match:
            key = (posixpath.dirname(path), match.group("prefix").lower(), match.group("ext").lower())
            halves.setdefault(key, set()).add(match.group("split").lower())
    return {folder for (folder, _, _), splits in halves.items() if splits == {"train", "test"}}


def _guarded(facts, line: int) -> bool:
    external = getattr(facts, "external", None)
    if external is None:
        return False
    return any(g.line <= line <= g.end_line for g in external.guards)


def _dvc_tracked_folder(listed, path: str) -> bool:
    folder = posixpath.dirname(path)
    while folder:
        if listed.exists(folder + ".dvc"):
            return True
        folder = posixpath.dirname(folder)
    return False


def _checksummed(project, accesses: Sequence[Access]) -> bool:
    """Whether a module that reads the file also computes a checksum (``hashlib``) in the function that reads it."""
    for access in accesses:
        facts = project.facts.get(access.module)
        if facts is None:
            continue
        if any(c.scope == access.scope and c.qualname.startswith("hashlib.") for c in facts.calls):
            return True
    return False


RULES = [HardCodedThreshold, ScatteredThreshold, UnvalidatedPredictionInput, UnmonitoredPredictions,
         PredictionFeedbackLoop, UnstableDataDependency]
