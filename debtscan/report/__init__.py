"""The report stage: what a user and a dashboard see, and every format it is written in.

Takes the findings, the scan errors and the metrics (and, for the formats that draw it, the pipeline
drawing made from the project); gives the :class:`~debtscan.report.model.Report` and its renderings (text,
one format each).

It owns the ``Report`` model (:mod:`.model`: the findings the rules yielded, scan errors, metrics, the
pipeline drawing), the JSON report and its schema (:mod:`.json_format`, ``schema.json``), the renderers, one
module per format, each taking a ``Report`` and never a ``Project`` (:mod:`.formats` lists them: json,
sarif, github, gitlab, markdown, html; :mod:`.console` for the terminal), the pipeline drawing built from the
project before rendering (:mod:`.drawing`), baselines (:mod:`.baseline`), report diffs (:mod:`.diff`), and the
models and formats of ``debtscan history`` and ``debtscan aggregate`` (:mod:`.trends`,
:mod:`.aggregate_model`). It reads the rules' findings and the earlier stages; only the app reads it.
"""
from debtscan.report.model import Finding, Related, Report, ScanError

__all__ = ["Finding", "Related", "Report", "ScanError"]
