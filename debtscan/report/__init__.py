"""Findings and reports, and the formats they are written in."""
from debtscan.report.model import Finding, Related, Report, ScanError

__all__ = ["Finding", "Related", "Report", "ScanError"]
