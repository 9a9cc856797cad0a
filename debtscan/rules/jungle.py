"""Pipeline-jungle rules (DS2xx): data handed between scripts through intermediate files."""
from __future__ import annotations

from typing import Dict, Iterable, List, Tuple

from debtscan.graph import Access
from debtscan.report.model import Finding, Related
from debtscan.rules.base import Example, Rule, RuleContext


class IntermediateFileHandoff(Rule):
    """A file written by one module and read by another: an undeclared pipeline step."""

    code = "DS201"
    name = "intermediate-file-handoff"
    category = "pipeline-jungle"
    severity = "warning"
    summary = "A file written by one module is read by another: an undeclared pipeline hand-off."
    why = ("Scripts that pass data through intermediate files form a pipeline nobody declared: the order "
           "they must run in, the file's schema and its freshness live only in people's heads, so the "
           "chain is hard to test, to change and to recover when one step fails (Sculley et al. 2015, "
           "'pipeline jungles').")
    fix = ("Declare the step: call the producer as a function and pass the data in memory, or declare the "
           "file as an output and an input of pipeline stages (dvc.yaml, Kedro catalog, Airflow/Prefect "
           "tasks) so that the order and the contract are explicit and tested.")
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
    )

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        by_write: Dict[Tuple[str, int, str], List[Access]] = {}
        by_read: Dict[Tuple[str, int, str], List[Access]] = {}
        for write, read in ctx.project.handoffs:
            by_write.setdefault((write.module, write.line, write.artifact), []).append(read)
            by_read.setdefault((read.module, read.line, read.artifact), []).append(write)
        for (module, line, artifact), reads in sorted(by_write.items()):
            readers = sorted({(r.module, r.line) for r in reads})
            names = ", ".join(f"{m}:{n}" for m, n in readers[:4]) + (" ..." if len(readers) > 4 else "")
            column = next(w.column for w, _ in ctx.project.handoffs if (w.module, w.line) == (module, line))
            yield self.finding(
                module, line,
                f"`{artifact}` is written here and read by {len(readers)} other module(s) ({names}): "
                f"an undeclared intermediate-file hand-off.",
                column=column, subject=f"write:{artifact}",
                related=[Related(m, n, f"reads `{artifact}`") for m, n in readers],
            )
        for (module, line, artifact), writes in sorted(by_read.items()):
            writers = sorted({(w.module, w.line, w.artifact) for w in writes})
            names = ", ".join(f"{m}:{n}" for m, n, _ in writers[:4])
            column = next(r.column for _, r in ctx.project.handoffs if (r.module, r.line) == (module, line))
            yield self.finding(
                module, line,
                f"`{artifact}` is read here but produced by another module ({names}): an undeclared "
                f"intermediate-file hand-off.",
                column=column, subject=f"read:{artifact}",
                related=[Related(m, n, f"writes `{a}`") for m, n, a in writers],
            )
