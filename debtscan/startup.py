"""The command's own process: what it imports stays for its whole life (standard library only).

:func:`debtscan.__main__.run` pauses the cyclic garbage collector while the command line is imported and
:func:`settled_imports` then freezes what was imported (``gc.freeze``), so that collections no longer
revisit hundreds of thousands of import-time objects; ``debtscan scan`` does the same for the scan's modules.
A program calling :mod:`debtscan.cli` itself (tests, ``CliRunner``) keeps its collector as it is."""
import gc

#: set by :func:`debtscan.__main__.run`: this process is the command's own
PROCESS = [False]


def begin_imports() -> None:
    """Pause the collector for the imports that follow (in the command's own process only)."""
    if PROCESS[0]:
        gc.disable()


def settled_imports() -> None:
    """The modules imported so far live as long as the process: frozen out of the collector's reach, and
    the collector running again (in the command's own process only)."""
    if PROCESS[0]:
        gc.freeze()
        gc.enable()
