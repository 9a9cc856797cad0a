"""Reading the repo's non-Python pipeline files (runners, dvc.yaml, Kedro catalogs) without trusting them."""
from __future__ import annotations

from pathlib import Path
from typing import Optional


def read_small_text(path: Path, max_bytes: int) -> Optional[str]:
    """The file's text (undecodable bytes replaced), or None when it is larger than ``max_bytes`` or unreadable."""
    try:
        if path.stat().st_size > max_bytes:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
