"""Glue-code rules (DS1xx): code that only moves data into and out of general-purpose packages.

Every logical line is classified (ml / glue / io / prep / verify / config / process / serving / monitoring /
analysis / other) by :mod:`debtscan.facts.lines`, calls of project helpers by :mod:`debtscan.project.composition`;
these rules read the classes and the numbers of :mod:`debtscan.metrics.glue`.
"""
from __future__ import annotations

import hashlib
from typing import Dict, Iterable, List, Optional, Set, Tuple

from debtscan.facts.model import FileFacts, LineKind, StatementFact
from debtscan.project.composition import Tally
from debtscan.metrics.glue import (
    describe_adapters,
    glue_runs,
    line_ranges,
    longest_run,
    top_adapters,
)
from debtscan.rules.findings import Finding, Related
from debtscan.rules.base import Example, MeasuredPrecision, Rule, RuleContext

_WHY = ("Sculley et al. (2015) observe that mature ML systems are often at most 5% ML code and at least 95% "
        "glue code: code written only to get data into and out of general-purpose packages. Glue freezes a "
        "system to the peculiarities of each package's types and API, so trying another package, model or "
        "data layout means rewriting the glue, and every copy of it is another place to get a conversion "
        "(dtype, column order, shape) subtly wrong.")

_GLUE_SERVICE = """
    import json
    import logging

    import numpy as np
    import pandas as pd

    LOG = logging.getLogger(__name__)
    COLUMNS = ["age", "income", "tenure"]


    def parse(body):
        payload = json.loads(body)
        frame = pd.DataFrame.from_records(payload["rows"])
        frame = frame.rename(columns={"Age": "age", "Income": "income"})
        frame["tenure"] = frame["tenure"].astype("float32")
        values = frame[COLUMNS].to_numpy()
        values = values.astype(np.float32)
        values = values.reshape(-1, len(COLUMNS))
        return values


    def respond(ids, scores):
        scores = np.asarray(scores)
        result = scores.tolist()
        keys = ids.tolist()
        rows = [{"id": i, "score": s} for i, s in zip(keys, result)]
        return json.dumps({"scores": rows})


    def from_frame(frame):
        values = frame[COLUMNS].values
        values = values.astype(np.float32)
        return values.reshape(-1, len(COLUMNS))


    def to_frame(values):
        frame = pd.DataFrame(values, columns=COLUMNS)
        frame = frame.rename(columns=str.upper)
        records = frame.to_dict(orient="records")
        return json.dumps(records)


    def batch(path_rows):
        frame = pd.DataFrame.from_records(path_rows)
        values = frame[COLUMNS].to_numpy()
        values = values.astype(np.float32)
        return values.reshape(-1, len(COLUMNS))


    def single(row):
        vector = [row["age"], row["income"], row["tenure"]]
        array = np.array(vector)
        array = array.astype(np.float32)
        return array.reshape(1, -1)


    def to_tensor_input(frame):
        matrix = frame[COLUMNS].to_numpy()
        matrix = matrix.astype(np.float32)
        matrix = matrix.reshape(-1, len(COLUMNS))
        return {"inputs": matrix.tolist()}


    def summary(frame):
        stats = frame.describe()
        table = stats.to_dict()
        return json.dumps(table)
"""

_ML_MODULE = """
    import numpy as np
    import torch
    from torch import nn

    EPOCHS = 10


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1))

        def forward(self, x):
            return self.body(x)


    def train(loader):
        model = Net()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        criterion = nn.BCEWithLogitsLoss()
        for epoch in range(EPOCHS):
            for x, y in loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
        return model


    def evaluate(model, loader):
        model.eval()
        with torch.no_grad():
            for x, y in loader:
                logits = model(x)
                loss = nn.functional.binary_cross_entropy_with_logits(logits, y)
                print(loss)


    def fit_more(model, loader, epochs):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1)
        criterion = nn.MSELoss()
        for epoch in range(epochs):
            for x, y in loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
            scheduler.step()
        return model
"""


def _where(facts: FileFacts, line: int) -> Tuple[int, str]:
    """A line as a reader finds it: in a notebook, the line inside its cell and ``cell N``."""
    if facts.notebook:
        found = facts.cell_of(line)
        if found is not None:
            return found[1], f"cell {found[0]}, "
    return line, ""


def _related(facts: FileFacts, line: int, message: str) -> Related:
    local, cell = _where(facts, line)
    found = facts.cell_of(line) if facts.notebook else None
    return Related(facts.path, local, cell + message, cell=found[0] if found else None)


def _place(facts: FileFacts, line: int) -> str:
    local, cell = _where(facts, line)
    return f"{facts.path} ({cell}line {local})" if cell else f"{facts.path}:{local}"


class GlueHeavyModule(Rule):
    """A file (or a package, when no single file of it is) that is mostly glue."""

    code = "DS101"
    name = "glue-heavy-module"
    category = "glue-code"
    reads = ('composition', 'facts')
    severity = "warning"
    options = {"min-code-lines": 40, "max-glue-ratio": 0.5}
    VALID = (
        Example({"train.py": _ML_MODULE}),
        Example({"service.py": _GLUE_SERVICE}, options={"min-code-lines": 60}),
    )
    INVALID = (
        Example({"service.py": _GLUE_SERVICE}, expect=(("service.py", 12),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        minimum = int(ctx.options["min-code-lines"])
        threshold = float(ctx.options["max-glue-ratio"])
        comp = ctx.project.composition
        flagged: Set[str] = set()
        for path, tally in sorted(comp.files.items()):
            if tally.code_lines < minimum or tally.ratio("glue") <= threshold:
                continue
            flagged.add(path)
            yield self._finding(ctx, path, f"`{path}`", tally)
        for directory in sorted(comp.packages, key=lambda d: (-d.count("/"), d)):
            tally = comp.packages[directory]
            prefix = directory + "/"
            members = [p for p in comp.files if p.startswith(prefix) and comp.files[p].code_lines]
            if len(members) < 2 or tally.code_lines < minimum or tally.ratio("glue") <= threshold:
                continue
            if any(p.startswith(prefix) for p in flagged):
                continue
            flagged.add(prefix)
            anchor = max(members, key=lambda p: (comp.files[p].lines["glue"], p))
            heavy = sorted((p for p in members if comp.files[p].lines["glue"]),
                           key=lambda p: (-comp.files[p].lines["glue"], p))[:3]
            files = ", ".join(f"{p} ({comp.files[p].lines['glue']})" for p in heavy)
            statements = [s for p in members for s in comp.classes.resolved(ctx.facts[p]) if s.kind is LineKind.GLUE]
            yield self._finding(ctx, anchor, f"package `{directory}/`", tally, statements,
                                extra=f" Its glue-heaviest files: {files}.", subject=f"package:{directory}")

    def _finding(self, ctx: RuleContext, path: str, what: str, tally: Tally,
                 glue: Optional[List[StatementFact]] = None, extra: str = "", subject: str = "") -> Finding:
        facts = ctx.facts[path]
        # the conversions written out in the file first (where to look); else the lines that are glue
        # because they call the project's glue helpers
        resolved = ctx.project.composition.classes.resolved(facts)
        runs = glue_runs(facts, None, resolved) or glue_runs(facts, ctx.project.composition.kinds(path), resolved)
        if glue is None:
            glue = [s for run in runs for s in run]
        anchor = longest_run(runs)
        line = anchor[0].line if anchor else 1
        adapters = top_adapters(glue)
        converts = f", mostly converting {describe_adapters(adapters)}" if adapters else ""
        message = (f"{what} is {tally.ratio('glue'):.0%} glue ({tally.lines['glue']} of {tally.code_lines} "
                   f"code lines, {tally.ratio('ml'):.0%} ML){converts}.{extra}")
        if not extra:
            message += f" Look at lines {line_ranges(runs)}."
        related = [_related(facts, run[0].line, f"{len(run)} glue line(s): "
                            f"{', '.join(dict.fromkeys(a for s in run for a in s.adapters)) or 'conversions'}")
                   for run in [r for r in sorted(runs, key=lambda r: (-len(r), r[0].line)) if r is not anchor][:6]]
        return self.finding(path, line, message, subject=subject or f"glue-heavy:{path}", related=related)


class RepeatedGlue(Rule):
    """The same conversion sequence written out in three or more places."""

    code = "DS102"
    name = "repeated-glue"
    category = "glue-code"
    reads = ('composition', 'facts')
    severity = "warning"
    measured_precision = MeasuredPrecision(
        6, 6, "judged by hand on eight public repositories nobody here wrote (issue 16)")
    options = {"min-places": 3, "min-steps": 2}
    VALID = (
        Example({"train.py": _ML_MODULE}),
        Example({
            "features.py": """
                import numpy as np


                def to_input(frame, columns):
                    values = frame[columns].to_numpy()
                    return values.astype(np.float32)
            """,
            "a.py": """
                from features import to_input
                def score(model, frame, columns):
                    return model.predict(to_input(frame, columns))
            """,
            "b.py": """
                from features import to_input
                def explain(model, frame, columns):
                    return model.predict_proba(to_input(frame, columns))
            """,
        }),
    )
    INVALID = (
        Example({"service.py": _GLUE_SERVICE}, expect=(("service.py", 16),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        min_places = max(2, int(ctx.options["min-places"]))
        min_steps = max(1, int(ctx.options["min-steps"]))
        occurrences: Dict[Tuple[str, ...], List[Tuple[str, int, int, int, Tuple[str, ...]]]] = {}
        run_id = 0
        for path, facts in sorted(ctx.facts.items()):
            for run in glue_runs(facts, None, ctx.project.composition.classes.resolved(facts)):
                run_id += 1
                seen: Set[Tuple[str, ...]] = set()
                for i in range(len(run)):
                    steps = 0
                    for j in range(i, min(len(run), i + 8)):
                        steps += _steps(run[j].shape)
                        if steps < min_steps:
                            continue
                        key = tuple(s.shape for s in run[i:j + 1])
                        if key in seen:
                            continue  # one place per contiguous block
                        seen.add(key)
                        adapters = tuple(dict.fromkeys(a for s in run[i:j + 1] for a in s.adapters))
                        occurrences.setdefault(key, []).append(
                            (path, run[i].line, run[j].end_line, run_id, adapters))
        candidates = [(k, v) for k, v in occurrences.items() if len(v) >= min_places and _conversions(k) >= min(2, min_steps)]
        candidates.sort(key=lambda kv: (-len(kv[0]), -sum(_steps(s) for s in kv[0]), -len(kv[1]), kv[0]))
        claimed: Dict[str, List[Tuple[int, int]]] = {}
        for key, places in candidates:
            free = [p for p in places
                    if not any(a <= p[2] and p[1] <= b for a, b in claimed.get(p[0], ()))]
            if len(free) < min_places:
                continue
            for place in free:
                claimed.setdefault(place[0], []).append((place[1], place[2]))
            digest = hashlib.sha256("\x1f".join(key).encode()).hexdigest()[:12]
            adapters = tuple(dict.fromkeys(a for p in free for a in p[4]))
            what = f" ({', '.join(adapters)})" if adapters else ""
            size = f"{len(key)}-statement" if len(key) > 1 else "one-statement"
            free.sort(key=lambda p: (p[0], p[1]))
            place, others = free[0], free[1:]
            where = ", ".join(_place(ctx.facts[p[0]], p[1]) for p in others[:4]) + (
                " ..." if len(others) > 4 else "")
            yield self.finding(
                place[0], place[1],
                f"This {size} conversion{what} is written out in {len(free)} places (here and {where}): "
                f"wrap it behind one function.",
                subject=f"repeated-glue:{digest}",
                end_line=place[2],
                related=[_related(ctx.facts[p[0]], p[1], "the same conversion")
                         for p in others[:MAX_RELATED_PLACES]],
            )


# A finding lists at most this many other places: the count is in the message.
MAX_RELATED_PLACES = 8


def _conversions(key: Tuple[str, ...]) -> int:
    """How many different conversions a sequence makes (``.values`` twice is one: a lone ``.values`` or
    ``.tolist()`` repeated around a repo is the idiom, not a sequence worth an API)."""
    ops = set()
    for shape in key:
        body = shape.partition(":")[2].partition("|")[0]
        ops.update(op.partition("(")[0] for op in body.split(",") if op)
    return len(ops)


def _steps(shape: str) -> int:
    start = shape.find("[")
    end = shape.find("]", start)
    if start < 0 or end < 0:
        return 0
    try:
        return int(shape[start + 1:end])
    except ValueError:
        return 0


class RepoGlueRatio(Rule):
    """The repo's glue ratio, as an info finding when it is above a threshold."""

    code = "DS103"
    name = "repo-glue-ratio"
    category = "glue-code"
    reads = ('composition', 'facts')
    severity = "info"
    options = {"max-glue-ratio": 0.3, "min-code-lines": 40}
    VALID = (
        Example({"train.py": _ML_MODULE}),
        Example({"service.py": _GLUE_SERVICE}, options={"max-glue-ratio": 0.9}),
    )
    INVALID = (
        Example({"service.py": _GLUE_SERVICE}, expect=(("service.py", 12),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        comp = ctx.project.composition
        repo = comp.repo
        ratio = repo.ratio("glue")
        if repo.code_lines < int(ctx.options["min-code-lines"]) or ratio <= float(ctx.options["max-glue-ratio"]):
            return
        heavy = comp.heaviest_files(limit=5, min_code_lines=1)
        if not heavy:
            return
        path = heavy[0][0]
        anchor = longest_run(glue_runs(ctx.facts[path]) or glue_runs(ctx.facts[path], comp.kinds(path)))
        adapters = ", ".join(f"{a} ({n})" for a, n, _ in comp.adapters[:3])
        names = ", ".join(f"{p} ({t.lines['glue']} lines, {t.ratio('glue'):.0%})" for p, t in heavy[:3])
        yield self.finding(
            path, anchor[0].line if anchor else 1,
            f"{ratio:.0%} of this repository's {repo.code_lines} code lines are glue "
            f"({repo.lines['glue']} lines; {repo.ratio('ml'):.0%} are ML)"
            + (f", mostly converting {adapters}" if adapters else "")
            + f". The glue-heaviest files: {names}.",
            subject="repo-glue-ratio",
            related=[Related(p, 1, f"{t.lines['glue']} glue lines ({t.ratio('glue'):.0%} of its code)")
                     for p, t in heavy[1:]],
        )
