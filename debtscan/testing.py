"""Helpers for testing rules (built-in or plugins): scan a small repo given as {path: source}."""
from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Type

from debtscan.config import Config, parse_section
from debtscan.engine import ScanOptions, scan
from debtscan.project.model import Project
from debtscan.report.model import Finding, Report
from debtscan.rules.base import Example, Rule
from debtscan.trust import PluginPolicy


def write_repo(root: Path, files: Mapping[str, str]) -> None:
    """Write {relative path: source} under ``root`` (sources are dedented)."""
    for relpath, source in files.items():
        target = root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, bytes):
            target.write_bytes(source)
        else:
            target.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")


def scan_repo(root: Path, config: Optional[Mapping[str, Any]] = None, select: Sequence[str] = (),
              jobs: int = 1, use_cache: bool = False, paths: Sequence[Path] = ()) -> Tuple[Report, Project]:
    """Scan a folder with an in-memory ``[tool.debtscan]`` table."""
    cfg = parse_section(root / "pyproject.toml", dict(config)) if config else Config()
    if config:
        cfg.root = root
        cfg.plugin_policy = PluginPolicy.TRUSTED  # the caller's own table, not a scanned repository's file
    return scan(ScanOptions(root=root, paths=paths, config=cfg, jobs=jobs, use_cache=use_cache,
                            select=list(select)))


def scan_sources(files: Mapping[str, str], config: Optional[Mapping[str, Any]] = None,
                 select: Sequence[str] = ()) -> Report:
    """Write ``files`` to a temporary folder and scan it."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_repo(root, files)
        report, _ = scan_repo(root, config, select)
        return report


def locations(findings: Iterable[Finding], code: Optional[str] = None) -> List[Tuple[str, int]]:
    """Sorted (path, line) of the findings (of one rule)."""
    return sorted((f.path, f.line) for f in findings if code is None or f.code == code)


def check_example(rule: Type[Rule], example: Example) -> List[Tuple[str, int]]:
    """The (path, line) findings ``rule`` gives on ``example``."""
    config: Dict[str, Any] = {"rules": {rule.code: dict(example.options)}} if example.options else {}
    report = scan_sources(example.sources(), config or None, select=[rule.code])
    return locations(report.findings, rule.code)
