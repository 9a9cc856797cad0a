"""``debtscan history`` output: JSON Lines (one record per commit, schema in ``report/history-schema.json``)
and CSV (one row per commit; a column per category, severity and rule seen in any record)."""
from __future__ import annotations

import csv
import io
import json
from importlib import resources
from typing import Any, Callable, Dict, List, Sequence

from debtscan.report.trends import HEADLINE_FIELDS, CommitRecord


def jsonl_line(record: CommitRecord) -> str:
    return json.dumps(record.to_json(), ensure_ascii=False, sort_keys=False) + "\n"


def render_jsonl(records: Sequence[CommitRecord]) -> str:
    return "".join(jsonl_line(r) for r in records)


BASE_COLUMNS = ("commit", "date", "author_date", "author", "subject", "error", "files_scanned",
                "files_with_errors", "findings", "suppressed")


def _cell(value: Any) -> Any:
    return "" if value is None else value


def render_csv(records: Sequence[CommitRecord]) -> str:
    groups = (("category", "by_category"), ("severity", "by_severity"), ("rule", "by_rule"))
    extra: Dict[str, List[str]] = {}
    for prefix, key in groups:
        extra[prefix] = sorted({name for r in records for name in (r.summary.get(key) or {})})
    header = [*BASE_COLUMNS, *HEADLINE_FIELDS, "compared_with", "added", "paid",
              *(f"{prefix}:{name}" for prefix, _ in groups for name in extra[prefix])]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for r in records:
        data = r.to_json()
        s = r.summary if r.ok else {}
        row = [r.commit.sha, r.commit.date, r.commit.author_date, r.commit.author, r.commit.subject,
               _cell(r.error), *(_cell(s.get(k)) for k in BASE_COLUMNS[6:])]
        row += [_cell(data["metrics"][k]) if data["metrics"] else "" for k in HEADLINE_FIELDS]
        row += [_cell(data["compared_with"]), _cell(data["added"]), _cell(data["paid"])]
        for prefix, key in groups:
            counts = s.get(key) or {}
            row += [counts.get(name, 0) if r.ok else "" for name in extra[prefix]]
        writer.writerow(row)
    return out.getvalue()


def history_schema() -> Dict[str, Any]:
    """The JSON Schema every history record (one line of ``--format jsonl``) validates against."""
    with resources.files("debtscan.report").joinpath("history-schema.json").open("r", encoding="utf-8") as handle:
        return json.load(handle)


def renderers() -> Dict[str, Callable[..., str]]:
    from debtscan.report import trend_html

    return {"jsonl": lambda records, **_: render_jsonl(records), "csv": lambda records, **_: render_csv(records),
            "html": trend_html.render}
