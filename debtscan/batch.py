"""One repository's scan as a self-contained task, for running many at once with a scheduler that exists
(a CI matrix, Dask, Ray, a process pool): debtscan writes no scheduler of its own.

:func:`scan_to_report` takes plain paths and returns a plain path, so it pickles and runs anywhere debtscan is
installed; each task writes its own JSON report, and ``debtscan aggregate`` summarises the lot.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence, Union

from debtscan.config import load_config
from debtscan.engine import ScanOptions, scan
from debtscan.report import json_format

PathLike = Union[str, Path]


def scan_to_report(repository: PathLike, output: PathLike, select: Sequence[str] = (), ignore: Sequence[str] = (),
                   config_file: Optional[PathLike] = None, jobs: int = 1, use_cache: bool = True) -> str:
    """Scan ``repository`` as ``debtscan scan REPOSITORY --format json -o OUTPUT`` does and return ``output``.

    ``jobs`` defaults to 1: the scheduler already runs one task per core.
    """
    root = Path(repository).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"not a folder: {repository}")
    config = load_config(Path(config_file) if config_file else None, root)
    report, _ = scan(ScanOptions(root=root, config=config, jobs=jobs, use_cache=use_cache, select=list(select),
                                 ignore=list(ignore)))
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    tmp.write_text(json_format.render(report), encoding="utf-8")
    tmp.replace(target)  # a task killed half-way leaves no half report for aggregate to read
    return str(target)
