"""Pipeline-jungle rules (DS2xx): data handed between scripts through intermediate files.

All of them read the resolved accesses and hand-offs of the project (its ``paths`` and ``pipeline``
parts): raw inputs (only read) and final outputs (only written) are never hand-offs, saved models loaded for
inference are not data hand-offs, and artifacts declared in ``dvc.yaml`` / a Kedro catalog are managed, not jungle.
"""
from __future__ import annotations

import re
from typing import Dict, Iterable, List, Sequence, Set, Tuple

from debtscan.project.accesses import Access
from debtscan.project.kinds import is_model_access
from debtscan.project.model import HandoffGroup, producer_order
from debtscan.project.paths import PathBase
from debtscan.project.segments import Certainty, pattern_regex
from debtscan.rules.findings import Finding, Related, chain_subject, group_subject
from debtscan.rules.base import Example, MeasuredPrecision, Rule, RuleContext

CATEGORY = "pipeline-jungle"
_ALLOWED_ABSOLUTE = ["/tmp/", "/dev/", "/proc/", "/kaggle/"]


def _names(items: Iterable[Tuple[str, int]], limit: int = 4) -> str:
    items = sorted(set(items))
    text = ", ".join(f"{m}:{n}" for m, n in items[:limit])
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")


_CLUSTER_APIS = ("pyspark.sql.DataFrameReader.", "pyspark.sql.DataFrameWriter.", "delta.tables.DeltaTable.")


def _artifacts(names: Iterable[str], limit: int = 3) -> str:
    names = sorted(set(names))
    text = ", ".join(f"`{n}`" for n in names[:limit])
    return text + (f" and {len(names) - limit} more" if len(names) > limit else "")


class IntermediateFileHandoff(Rule):
    """A file written by one module and read by another: an undeclared pipeline step."""

    code = "DS201"
    name = "intermediate-file-handoff"
    category = CATEGORY
    reads = ('pipeline',)
    severity = "warning"
    measured_precision = MeasuredPrecision(
        34, 40,
        "judged by hand on five public repositories nobody here wrote (issue 15)")
    VALID = (
        Example({
            "train.py": """
                import pandas as pd
                df = pd.read_csv("data/raw/train.csv")
                df.to_csv("reports/summary.csv")
            """,
        }),
        Example({
            "pipeline.py": """
                import pandas as pd
                def clean(df):
                    return df.dropna()
                def run():
                    raw = pd.read_csv("data/raw/train.csv")
                    return clean(raw)
            """,
        }),
        Example({
            "dvc.yaml": """
                stages:
                  prepare:
                    cmd: python prepare.py
                    deps: [data/raw/train.csv]
                    outs: [data/interim/clean.csv]
                  train:
                    cmd: python train.py
                    deps: [data/interim/clean.csv]
            """,
            "prepare.py": """
                import pandas as pd
                pd.read_csv("data/raw/train.csv").dropna().to_csv("data/interim/clean.csv")
            """,
            "train.py": """
                import pandas as pd
                df = pd.read_csv("data/interim/clean.csv")
            """,
        }),
    )
    INVALID = (
        Example({
            "prepare.py": """
                import pandas as pd
                OUT = "data/interim/clean.csv"
                df = pd.read_csv("data/raw/train.csv")
                df.dropna().to_csv(OUT, index=False)
            """,
            "train.py": """
                import pandas as pd
                df = pd.read_csv("data/interim/clean.csv")
            """,
        }, expect=(("prepare.py", 4), ("train.py", 2))),
        Example({
            "utils.py": """
                def to_pickles(df, path, split_size=4):
                    for i in range(split_size):
                        df.iloc[i::split_size].to_pickle(f"{path}/{i}.p")
            """,
            "000_init.py": """
                import pandas as pd
                import utils
                utils.to_pickles(pd.read_csv("input/train.csv"), "data/train")
            """,
            "101_feature.py": """
                import pandas as pd
                train = pd.read_pickle("data/train/0.p")
            """,
        }, expect=(("000_init.py", 3), ("101_feature.py", 2))),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        """One finding per write place and per read place: where the access's path is written down (a
        helper's line when the path is fixed inside the helper, the call when the caller supplies it), the
        other ends and a helper's callers as related places. Cost: O(writes + reads) per hand-off group to
        file the places, and for each finding at most :data:`MAX_RELATED` related places, so that one file
        written by 300 modules and read by 300 costs 600 findings, not 90,000 pairs."""
        writes_at: Dict[Tuple[str, int], List[Tuple[Access, HandoffGroup]]] = {}
        reads_at: Dict[Tuple[str, int], List[Tuple[Access, HandoffGroup]]] = {}
        for group in ctx.project.pipeline.handoff_groups:
            readers = set(group.reader_modules)
            writers = set(group.writer_modules)
            if not group.ambiguous:  # a family that may have produced a read: one finding, at the read
                for write in group.writes:
                    if write.module in writers:
                        writes_at.setdefault(write.where[:2], []).append((write, group))
            for read in group.reads:
                if read.module in readers:
                    reads_at.setdefault(read.where[:2], []).append((read, group))
        for (path, line), entries in sorted(writes_at.items()):
            artifacts = sorted({w.artifact for w, _ in entries})
            modules = {w.module for w, _ in entries}
            others = _Places([(r, g.read) for g in _unique_groups(entries) for r in g.reads], modules)
            yield self.finding(
                path, line,
                f"{_artifacts(artifacts)} written here{_how(entries, path, line)} is read by {others.modules} "
                f"other module(s) ({others.names()}): an undeclared intermediate-{entries[0][0].kind.noun} "
                f"hand-off.",
                column=_column(entries), subject="write:" + ",".join(artifacts),
                related=others.related("reads") + _callers(entries, path, line),
            )
        for (path, line), entries in sorted(reads_at.items()):
            artifacts = sorted({r.artifact for r, _ in entries})
            groups = _unique_groups(entries)
            modules = {r.module for r, _ in entries}
            read_path = artifacts[0]
            producers = sorted(((w, g.written) for g in groups for w in g.writes if w.module not in modules),
                               key=lambda item: producer_order(read_path, item[0]))
            others = _Places(producers, modules, ordered=True)
            exact = any(g.certainty is Certainty.EXACT for g in groups)
            if all(g.ambiguous for g in groups):
                families = sorted({g.written for g in groups})
                what = (f"may be produced by any of {others.modules} modules writing {_artifacts(families)} "
                        f"({others.names(MAX_PRODUCERS)}; pattern match, ambiguous: the paths do not tell which)")
            else:
                what = (f"is produced by another module ({others.names(MAX_PRODUCERS)}; "
                        f"{'exact' if exact else 'pattern'} match)")
            yield self.finding(
                path, line,
                f"{_artifacts(artifacts)} read here{_how(entries, path, line)} {what}: "
                f"an undeclared intermediate-{entries[0][0].kind.noun} hand-off.",
                column=_column(entries), subject="read:" + ",".join(artifacts),
                related=others.related("writes", MAX_PRODUCERS) + _callers(entries, path, line),
            )


def _how(entries: Sequence[Tuple[Access, HandoffGroup]], path: str, line: int) -> str:
    """How the accesses at a place are made: through a helper called here, or by the modules that call the
    helper whose fixed path this is."""
    callers = sorted({(a.module, a.line) for a, _ in entries if (a.module, a.line) != (path, line)})
    if callers:
        return f" (by {_names(callers, 3)}, calling this helper)"
    via = next((a.via for a, _ in entries if a.via), "")
    return f" (through `{via}`)" if via else ""


def _column(entries: Sequence[Tuple[Access, HandoffGroup]]) -> int:
    return min(a.where[2] for a, _ in entries)


def _callers(entries: Sequence[Tuple[Access, HandoffGroup]], path: str, line: int) -> List[Related]:
    """The calls of a helper whose fixed path is reported at its own line (at most :data:`MAX_RELATED`)."""
    calls: Dict[Tuple[str, int], Tuple[int, str]] = {}
    for access, _ in entries:
        if (access.module, access.line) != (path, line):
            key = (access.module, access.line)
            column = min(access.column, calls.get(key, (access.column, ""))[0])
            calls[key] = (column, access.via)
    return [Related(m, n, f"calls `{via}`" if via else "calls this helper", column=column)
            for (m, n), (column, via) in sorted(calls.items())[:MAX_RELATED]]


#: Related places listed on one finding at most (the message counts them all).
MAX_RELATED = 50
#: Producers listed on a read's finding at most, surest first (the message counts them all).
MAX_PRODUCERS = 3


def _unique_groups(entries: Sequence[Tuple[Access, HandoffGroup]]) -> List[HandoffGroup]:
    seen: Dict[int, HandoffGroup] = {}
    for _, group in entries:
        seen.setdefault(id(group), group)
    return list(seen.values())


class _Places:
    """The places of the other side of some hand-offs (accesses of modules other than ``module``), with the
    artifact each touches: counted in full, listed up to a bound."""

    def __init__(self, accesses: Iterable[Tuple[Access, str]], module, ordered: bool = False) -> None:
        """``module``: the module (or set of modules) on this side, whose own accesses are left out; each
        place is where the access's path is written down (:attr:`Access.where`)."""
        self.what: Dict[Tuple[str, int], Set[str]] = {}
        self.columns: Dict[Tuple[str, int], int] = {}
        mine = {module} if isinstance(module, str) else set(module)
        modules: Set[str] = set()
        for access, artifact in accesses:
            if access.module not in mine:
                modules.add(access.module)
                where, line, column = access.where
                key = (where, line)
                self.what.setdefault(key, set()).add(access.artifact)
                self.columns[key] = min(column, self.columns.get(key, column))
        # ``ordered``: the places in the order given (surest producer first), else by place
        self.places = list(self.what) if ordered else sorted(self.what)
        self.ordered = ordered
        self.modules = len(modules)

    def names(self, limit: int = 4) -> str:
        if not self.ordered:
            return _names(self.places, limit)
        text = ", ".join(f"{m}:{n}" for m, n in self.places[:limit])
        more = len(self.places) - limit
        return text + (f" and {more} more" if more > 0 else "")

    def related(self, verb: str, limit: int = MAX_RELATED) -> List[Related]:
        return [Related(m, n, f"{verb} " + _artifacts(self.what[(m, n)]), column=self.columns[(m, n)])
                for m, n in self.places[:limit]]


class JungleChain(Rule):
    """Scripts linked through intermediate files into a long chain."""

    code = "DS202"
    name = "jungle-chain"
    category = CATEGORY
    reads = ('pipeline',)
    severity = "warning"
    options = {"min-handoffs": 3}
    VALID = (
        Example({
            "a.py": "import pandas as pd\npd.read_csv('input/raw.csv').to_csv('data/a.csv')\n",
            "b.py": "import pandas as pd\npd.read_csv('data/a.csv').to_csv('data/b.csv')\n",
            "c.py": "import pandas as pd\npd.read_csv('data/b.csv').to_csv('output/c.csv')\n",
        }),
    )
    INVALID = (
        Example({
            "01_clean.py": "import pandas as pd\npd.read_csv('input/raw.csv').to_csv('data/a.csv')\n",
            "02_join.py": "import pandas as pd\npd.read_csv('data/a.csv').to_csv('data/b.csv')\n",
            "03_feats.py": "import pandas as pd\npd.read_csv('data/b.csv').to_pickle('data/c.pkl')\n",
            "04_train.py": "import pandas as pd\nX = pd.read_pickle('data/c.pkl')\n",
        }, expect=(("01_clean.py", 2),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        project = ctx.project
        minimum = ctx.options["min-handoffs"]
        hubs = project.pipeline.hubs
        for chain in project.pipeline.chains:
            hops = len(chain) - 1
            if hops < minimum:
                continue
            steps: List[str] = []
            related: List[Related] = []
            first_write = None
            nouns: Set[str] = set()
            for source, target in zip(chain, chain[1:]):
                write, read = hubs.witness(source, target, read_line_first=True)
                if first_write is None:
                    first_write = write
                nouns.add(write.kind.noun)
                steps.append(f"`{write.artifact}`")
                related.append(Related(*write.where[:2], f"writes `{write.artifact}`", column=write.where[2]))
                related.append(Related(*read.where[:2], f"reads `{read.artifact}`", column=read.where[2]))
            text = chain[0]
            for artifact, module in zip(steps, chain[1:]):
                text += f" -> {artifact} -> {module}"
            runners = {project.pipeline.run_position[m][0] for m in chain if m in project.pipeline.run_position}
            order = f" (run in this order by {', '.join(sorted(runners))})" if runners else ""
            yield self.finding(
                *first_write.where[:2],
                f"jungle chain of {hops} intermediate-{nouns.pop() if len(nouns) == 1 else 'artifact'} hand-offs across {len(chain)} modules{order}: {text}.",
                column=first_write.where[2], subject=chain_subject("chain", chain, first_write.artifact),
                related=related,
            )


class MultipleWriters(Rule):
    """One intermediate artifact written by more than one module."""

    code = "DS203"
    name = "multiple-writers"
    category = CATEGORY
    reads = ('pipeline', 'paths', 'tables')
    severity = "warning"
    measured_precision = MeasuredPrecision(
        2, 2,
        "judged by hand on KazukiOnodera/Home-Credit-Default-Risk (0.1.0 closing note)")
    VALID = (
        Example({
            "a.py": "import pandas as pd\npd.read_csv('input/x.csv').to_csv('data/a.csv')\n",
            "b.py": "import pandas as pd\npd.read_csv('input/y.csv').to_csv('data/b.csv')\n",
            "c.py": "import pandas as pd\npd.read_csv('data/a.csv').merge(pd.read_csv('data/b.csv'))\n",
        }),
    )
    INVALID = (
        Example({
            "clean_v1.py": "import pandas as pd\npd.read_csv('input/x.csv').to_csv('data/clean.csv')\n",
            "clean_v2.py": "import pandas as pd\npd.read_csv('input/x.csv').dropna().to_csv('data/clean.csv')\n",
            "train.py": "import pandas as pd\ndf = pd.read_csv('data/clean.csv')\n",
        }, expect=(("clean_v1.py", 2), ("clean_v2.py", 2))),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        """O(writes log writes) per intermediate artifact: the writers are filed per module once."""
        project = ctx.project
        intermediate = {g.written for g in project.pipeline.handoff_groups}
        for artifact in sorted(intermediate):
            if "*" in artifact:
                continue
            writes = [w for w in project.paths.writers.get(artifact, []) if not is_model_access(w, project.tables.artifacts)]
            first: Dict[str, Access] = {}
            for write in writes:
                known = first.get(write.module)
                if known is None or (write.line, write.column) < (known.line, known.column):
                    first[write.module] = write
            if len(first) < 2:
                continue
            places = sorted({(w.module, w.line) for w in writes})
            columns: Dict[Tuple[str, int], int] = {}
            for write in writes:
                key = (write.module, write.line)
                columns[key] = min(write.column, columns.get(key, write.column))
            for module in sorted(first):
                others = [(m, n) for m, n in places if m != module]
                yield self.finding(
                    module, first[module].line,
                    f"`{artifact}` is also written by {_names(others)}: {len(first)} modules write this "
                    f"intermediate file, so its content depends on which ran last.",
                    column=first[module].column, subject=f"writer:{artifact}",
                    related=[Related(m, n, f"also writes `{artifact}`", column=columns[(m, n)])
                             for m, n in others[:MAX_RELATED]],
                )


class JoinOfIntermediates(Rule):
    """A step that joins several intermediate files, or writes a sample that later steps read."""

    code = "DS204"
    name = "join-of-intermediates"
    category = CATEGORY
    reads = ('pipeline', 'facts', 'tables')
    severity = "warning"
    measured_precision = MeasuredPrecision(
        10, 11,
        "judged by hand: KazukiOnodera/Instacart 5 of 5, KazukiOnodera/Home-Credit-Default-Risk 5 of 6 (0.1.0"
        " closing note)")
    VALID = (
        Example({
            "a.py": "import pandas as pd\npd.read_csv('input/x.csv').to_csv('data/a.csv')\n",
            "b.py": "import pandas as pd\ndf = pd.read_csv('data/a.csv')\nraw = pd.read_csv('input/y.csv')\n"
                    "df.merge(raw).to_csv('output/z.csv')\n",
        }),
    )
    INVALID = (
        Example({
            "a.py": "import pandas as pd\npd.read_csv('input/x.csv').to_csv('data/a.csv')\n",
            "b.py": "import pandas as pd\npd.read_csv('input/y.csv').to_csv('data/b.csv')\n",
            "c.py": "import pandas as pd\nleft = pd.read_csv('data/a.csv')\nright = pd.read_csv('data/b.csv')\n"
                    "both = left.merge(right, on='id')\n",
        }, expect=(("c.py", 4),)),
        Example({
            "split.py": "import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
                        "df = pd.read_csv('input/all.csv')\ntrain, test = train_test_split(df)\n"
                        "train.to_csv('data/train.csv')\n",
            "fit.py": "import pandas as pd\ntrain = pd.read_csv('data/train.csv')\n",
        }, expect=(("split.py", 5),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        """O(writes + reads) of the hand-off groups to file reads per scope and writes per sample place; the
        readers of a sampled write are gathered from its own groups only."""
        project = ctx.project
        # per (module, scope): each read place with the writer modules of each file it may read
        reads_by_scope: Dict[Tuple[str, str], List[Tuple[Access, str, frozenset]]] = {}
        for group in project.pipeline.handoff_groups:
            if group.ambiguous:
                continue
            readers = set(group.reader_modules)
            for read in group.reads:
                if read.module in readers:
                    writers = frozenset(w.module for w in group.writes if w.module != read.module)
                    reads_by_scope.setdefault((read.module, read.scope), []).append((read, group.written, writers))
        for (module, scope), entries in sorted(reads_by_scope.items()):
            joins = sorted((c for c in project.facts[module].calls if c.scope == scope and c.qualname in project.tables.frames.joins),
                           key=lambda c: (c.line, c.column))
            previous = 0
            flagged: Set[int] = set()
            for join in joins:
                if join.line in flagged:
                    continue  # two joins on one line: one finding
                # the inputs of a join: what this scope reads after the previous join, up to the join's line
                # (the reads inside the join's own call when there are some: ``concat([read(f) for f in fs])``)
                # inside the call: on its line, or on the next lines indented deeper than the call
                own = [(r, w, m) for r, w, m in entries if r.line == join.line or
                       (join.line < r.line <= join.line + 3 and r.column > join.column + 4)]
                inputs = own or [(r, w, m) for r, w, m in entries if previous < r.line <= join.line]
                if own:
                    previous = max(previous, join.line)  # what it read is consumed here
                producers = {written: writers for _, written, writers in inputs}
                # who made the inputs: a file several modules write (``fold*/X_tr.csv`` by two split
                # scripts) has alternative producers, one unit; files of a family read by a glob
                # (``features/test/*.csv``) that several modules write are each module's own
                units: Set[frozenset] = set()
                for read, written, writers in inputs:
                    if "*" in read.artifact.rsplit("/", 1)[-1] and "*" in written.rsplit("/", 1)[-1]:
                        units.update(frozenset({w}) for w in writers)
                    else:
                        units.add(writers)
                if len(units) < 2 or len(frozenset().union(*producers.values())) < 2:
                    continue  # every input made by the same producer(s): no join of two steps' outputs
                reads: Dict[str, Access] = {}
                for read, _, _ in sorted(inputs, key=lambda item: (item[0].line, item[0].artifact)):
                    reads.setdefault(read.artifact, read)
                previous = max(previous, join.line)
                flagged.add(join.line)
                makers = sorted(frozenset().union(*producers.values()))
                method = join.qualname.rpartition(".")[2]
                yield self.finding(
                    module, join.line,
                    f"`{method}` joins intermediate files of {len(makers)} other scripts "
                    f"({_names([(m, 0) for m in makers], 3).replace(':0', '')}) read here "
                    f"({_artifacts(reads)}): a join in the pipeline jungle.",
                    column=join.column, subject=f"join:{scope}:" + ",".join(sorted(reads)),
                    related=[Related(*r.where[:2], f"reads `{a}`", column=r.where[2])
                             for a, r in sorted(reads.items())],
                )
        intermediate_writes: Dict[Tuple[str, str], List[Access]] = {}
        groups_of: Dict[Tuple[str, int, str], List[HandoffGroup]] = {}
        for group in project.pipeline.handoff_groups:
            writers = set(group.writer_modules)
            for write in group.writes:
                if write.module in writers:
                    intermediate_writes.setdefault((write.module, write.scope), []).append(write)
                    groups_of.setdefault((write.module, write.line, write.artifact), []).append(group)
        read_column: Dict[Tuple[str, int], int] = {}
        for group in project.pipeline.handoff_groups:
            for read in group.reads:
                key = (read.module, read.line)
                read_column[key] = min(read.column, read_column.get(key, read.column))
        for (module, scope), writes in sorted(intermediate_writes.items()):
            samples = [c for c in project.facts[module].calls if c.scope == scope and c.qualname in project.tables.frames.samples]
            if not samples:
                continue
            seen: Set[int] = set()
            for write in sorted(writes, key=lambda w: (w.line, w.artifact)):
                before = [c for c in samples if c.line <= write.line]
                if not before or write.line in seen:
                    continue
                seen.add(write.line)
                sample = max(before, key=lambda c: c.line)
                readers = sorted({(r.module, r.line) for g in groups_of[(write.module, write.line, write.artifact)]
                                  for r in g.reads if r.module != write.module})
                yield self.finding(
                    module, write.line,
                    f"sampled data (`{sample.qualname.rpartition('.')[2]}` at line {sample.line}) is written to "
                    f"`{write.artifact}` and read by later steps ({_names(readers)}): the draw is frozen "
                    f"into an intermediate file.",
                    column=write.column, subject=f"sample:{write.artifact}",
                    related=[Related(m, n, f"reads `{write.artifact}`", column=read_column.get((m, n)))
                             for m, n in readers[:8]],
                )


_USER_PATH = re.compile(r"^(/home/[^/]+|/Users/[^/]+|/root|~|[A-Za-z]:/Users/[^/]+|/mnt/[a-z]/Users/[^/]+)(/|$)")


class HardCodedPath(Rule):
    """A read or write of an absolute or user-specific path."""

    code = "DS205"
    name = "hard-coded-path"
    category = CATEGORY
    reads = ('paths',)
    severity = "warning"
    measured_precision = MeasuredPrecision(
        26, 29,
        "judged by hand: KazukiOnodera/Home-Credit-Default-Risk 9 of 9, huggingface/diffusers about 17 of 20 "
        "(0.1.0 closing note)")
    options = {"allowed-prefixes": list(_ALLOWED_ABSOLUTE)}
    VALID = (
        Example({"a.py": "import pandas as pd\ndf = pd.read_csv('data/raw/train.csv')\n"
                         "df.to_csv('/tmp/scratch.csv')\n"}),
    )
    INVALID = (
        Example({"a.py": "import pandas as pd\ndf = pd.read_csv('/home/alice/projects/churn/train.csv')\n"},
                expect=(("a.py", 2),)),
        Example({"config.py": "DATA = 'C:\\\\Users\\\\bob\\\\data'\n",
                 "a.py": "import os\nimport pandas as pd\nfrom config import DATA\n"
                         "df = pd.read_csv(os.path.join(DATA, 'train.csv'))\n"
                         "df.to_csv(os.path.join(DATA, 'clean.csv'))\n"},
                expect=(("config.py", 1),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        project = ctx.project
        allowed = tuple(ctx.options["allowed-prefixes"])
        grouped: Dict[Tuple[str, int], List[Access]] = {}
        for access in project.paths.accesses:
            if access.base is not PathBase.ABSOLUTE:
                continue
            path = access.artifact
            if path.startswith(allowed) or path in ("/dev/null",):
                continue
            if access.api.startswith(_CLUSTER_APIS):
                continue  # Spark resolves a path without a scheme on the cluster's file system (HDFS), not one machine
            where = project.paths.anchors.get((access.module, access.line, access.column), (access.module, access.line))
            grouped.setdefault(where, []).append(access)
        for (path, line), accesses in sorted(grouped.items()):
            artifacts = sorted({a.artifact for a in accesses})
            user = any(_USER_PATH.match(a) for a in artifacts)
            kind = "user-specific" if user else "absolute"
            modes = sorted({a.mode for a in accesses})
            uses = sorted({(a.module, a.line) for a in accesses} - {(path, line)})
            column = min(a.column for a in accesses) if all(a.module == path and a.line == line
                                                           for a in accesses) else 0
            yield self.finding(
                path, line,
                f"hard-coded {kind} path {_artifacts(artifacts)} used in a {' and '.join(modes)}: it only "
                f"exists on one machine.",
                column=column, subject="abs:" + ",".join(artifacts),
                related=[Related(m, n, f"{'reads' if any(a.mode == 'read' for a in accesses if a.module == m and a.line == n) else 'writes'} it",
                                 column=min(a.column for a in accesses if a.module == m and a.line == n))
                         for m, n in uses[:10]],
            )


class FileCycle(Rule):
    """Modules that feed each other through files in a loop."""

    code = "DS206"
    name = "file-cycle"
    category = CATEGORY
    reads = ('pipeline', 'projects')
    severity = "warning"
    options = {"max-cycles": 20}
    VALID = (
        Example({
            "a.py": "import pandas as pd\npd.read_csv('input/x.csv').to_csv('data/a.csv')\n",
            "b.py": "import pandas as pd\npd.read_csv('data/a.csv').to_csv('output/b.csv')\n",
        }),
    )
    INVALID = (
        Example({
            "label.py": "import pandas as pd\npreds = pd.read_csv('data/preds.csv')\n"
                        "preds[preds['p'] > 0.9].to_csv('data/pseudo_labels.csv')\n",
            "train.py": "import pandas as pd\nlabels = pd.read_csv('data/pseudo_labels.csv')\n"
                        "labels.to_csv('data/preds.csv')\n",
        }, expect=(("label.py", 3),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        """One finding per strongly connected component of the flow graph (modules that feed each other),
        with one shortest cycle through it as the witness: O(V + E) (Tarjan, then one breadth-first search
        per component), never an enumeration of cycles. ``max-cycles`` bounds the findings of each project."""
        project = ctx.project
        hubs = project.pipeline.hubs
        limit = ctx.options["max-cycles"]
        witnessed = []
        for members in project.pipeline.cycles:
            cycle = project.pipeline.shortest_cycle(members)
            if len(cycle) >= 2:
                witnessed.append((cycle, members))
        witnessed.sort(key=lambda item: (len(item[0]), sorted(item[0])))
        per_project: Dict[str, int] = {}
        for cycle, members in witnessed:
            home = project.project_of(min(members)).path
            per_project[home] = per_project.get(home, 0) + 1
            if per_project[home] > limit:
                continue  # ``max-cycles`` per project: one project's loops never hide another's
            hops = list(zip(cycle, cycle[1:] + cycle[:1]))
            related: List[Related] = []
            text = cycle[0]
            first = None
            for source, target in hops:
                write, read = hubs.witness(source, target)
                first = first or write
                text += f" -> `{write.artifact}` -> {target}"
                related.append(Related(*write.where[:2], f"writes `{write.artifact}`", column=write.where[2]))
                related.append(Related(*read.where[:2], f"reads `{read.artifact}`", column=read.where[2]))
            more = len(members) - len(cycle)
            group = f" (one of the loops among {len(members)} modules that feed each other)" if more else ""
            yield self.finding(
                *first.where[:2],
                f"file cycle between {len(cycle)} modules{group}: {text}.",
                column=first.where[2], subject=group_subject("cycle", members), related=related,
            )




class ReadBeforeWrite(Rule):
    """A runner runs a script that reads a file before the script that writes it."""

    code = "DS208"
    name = "read-before-write"
    category = CATEGORY
    severity = "warning"
    reads = ('pipeline',)
    VALID = (
        Example({
            "run.sh": "python prepare.py\npython train.py\n",
            "prepare.py": "import pandas as pd\npd.read_csv('input/x.csv').to_csv('data/clean.csv')\n",
            "train.py": "import pandas as pd\ndf = pd.read_csv('data/clean.csv')\n",
        }),
    )
    INVALID = (
        Example({
            "run.sh": "python train.py\npython prepare.py\n",
            "prepare.py": "import pandas as pd\npd.read_csv('input/x.csv').to_csv('data/clean.csv')\n",
            "train.py": "import pandas as pd\ndf = pd.read_csv('data/clean.csv')\n",
        }, expect=(("train.py", 2),)),
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        """Nothing to do without a runner; else O(runners x read places + writes x reads of the groups)."""
        project = ctx.project
        positions: Dict[str, Dict[str, int]] = {}
        for step in project.pipeline.steps:
            positions.setdefault(step.runner, {}).setdefault(step.script, step.order)
        if not positions:
            return
        reported: Set[Tuple[str, int]] = set()
        by_read: Dict[Tuple[str, int, str], List[Access]] = {}
        first_read: Dict[Tuple[str, int], Access] = {}
        for group in project.pipeline.handoff_groups:
            for read in group.reads:
                writes = [w for w in group.writes if w.module != read.module]
                if writes:
                    by_read.setdefault((read.module, read.line, read.artifact), []).extend(writes)
                    first_read.setdefault((read.module, read.line), read)
        for (module, line, artifact), writes in sorted(by_read.items()):
            for runner, order in sorted(positions.items()):
                if module not in order:
                    continue
                writer_positions = [order[w.module] for w in writes if w.module in order]
                if not writer_positions or min(writer_positions) < order[module]:
                    continue
                if (module, line) in reported:
                    continue
                reported.add((module, line))
                writer = min((w for w in writes if w.module in order), key=lambda w: order[w.module])
                read = first_read[(module, line)]
                yield self.finding(
                    module, line,
                    f"`{artifact}` is read here, but {runner} runs this script (step {order[module] + 1}) before "
                    f"{writer.module} (step {order[writer.module] + 1}), which writes it: the read sees a stale "
                    f"or missing file.",
                    column=read.column, subject=f"order:{artifact}",
                    related=[Related(*writer.where[:2], f"writes `{artifact}`", column=writer.where[2])],
                )
