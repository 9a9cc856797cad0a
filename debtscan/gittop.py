"""The root of the git work tree holding a folder (``git rev-parse --show-toplevel``). Standard library only:
the result cache's replay (:mod:`debtscan.store.replay`) asks it again before it reuses an output."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Optional


def git_toplevel(start: Path) -> Optional[Path]:
    """The root of the git work tree holding ``start``, or None (no git, not a work tree)."""
    try:
        out = subprocess.run(["git", "-C", str(start), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None
