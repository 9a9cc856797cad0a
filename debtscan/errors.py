"""What kind of problem a scan error is: told apart by this enumeration, never by the wording of a message.

A file's facts carry one when the file could not be analysed (:attr:`debtscan.facts.model.FileFacts.error_kind`),
and so does each error of the report (:attr:`debtscan.report.model.ScanError.kind`). Importable by every stage.
"""
from __future__ import annotations

import enum

from debtscan.config import ConfigError


class ErrorKind(enum.Enum):
    """Why something could not be analysed."""

    SOURCE = "source"
    """The file's own contents: not decodable, not valid Python, too large, machine-generated. Depends on
    the bytes alone, so it is cached like facts."""
    UNREADABLE = "unreadable"
    """The file could not be read (permissions, a vanished file)."""
    TIMEOUT = "timeout"
    """The analysis of one file took longer than its deadline."""
    MEMORY = "memory"
    """The analysis of one file ran out of memory."""
    NESTING = "nesting"
    """The file nests too deeply for the recursion budget of one file."""
    CRASHED = "crashed"
    """The worker process analysing the file died (the parser aborted, or the kernel killed it)."""
    INTERNAL = "internal"
    """A debtscan bug: while analysing a file, building the project or running a built-in rule. The command
    line exits with status 2 when a report holds one."""
    PLUGIN = "plugin"
    """A plugin's rule failed or yielded something that is not a valid finding."""

    @property
    def transient(self) -> bool:
        """Whether the next scan should try again (nothing about the file's bytes decides it): such an error
        is never cached, and the cross-file stage notes that it ran without the file's facts."""
        return self in _TRANSIENT


_TRANSIENT = frozenset({ErrorKind.UNREADABLE, ErrorKind.TIMEOUT, ErrorKind.MEMORY, ErrorKind.NESTING,
                        ErrorKind.CRASHED, ErrorKind.INTERNAL})

# The message of a failure that is debtscan's own bug (not the file's): it begins every INTERNAL message.
INTERNAL_ERROR = "internal error"


class InternalError(Exception):
    """A debtscan bug outside any one file's extraction; the message names the stage and, if found, the file."""


class SelectorError(ConfigError):
    """A selector that matches no loaded rule; the message names where it was written and the closest one."""
