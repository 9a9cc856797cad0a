"""Plugin code never writes into the report stream: while it runs, stdout goes to stderr.

stdout carries the report (``--format json`` piped into a file or a dashboard). A plugin that prints at import
or in ``check`` (a debug ``print``, a library's banner, a subprocess) would corrupt it, so while plugin code
runs both ``sys.stdout`` and file descriptor 1 point at stderr.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Iterator, Optional


def _flush(stream) -> None:
    try:
        if stream is not None:
            stream.flush()
    except (OSError, ValueError, AttributeError):  # closed or detached: nothing buffered to lose
        pass


@contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send everything written to stdout (``print``, ``sys.__stdout__``, ``os.write(1, ...)``, child processes)
    to stderr until the block ends; the report stream is untouched."""
    _flush(sys.stdout)
    _flush(sys.__stdout__)
    saved: Optional[int] = None
    try:
        saved = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # no fd 1 or 2 (a daemon, an embedding host): the Python-level redirect still holds
        if saved is not None:
            os.close(saved)
            saved = None
    previous = sys.stdout
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        _flush(sys.stdout)
        _flush(sys.__stdout__)  # written through the original stream: still stderr until fd 1 is restored
        sys.stdout = previous
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)
