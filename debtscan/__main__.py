"""``python -m debtscan`` and the ``debtscan`` command.

A scan whose stored output can be written again is replayed before the command line is even loaded
(:mod:`debtscan.store.replay`, standard library only); anything else runs the command line
(:mod:`debtscan.cli`)."""
import gc
import sys

#: set by :func:`run`: this process is the command's own, so what it imports stays for its whole life
PROCESS = [False]


def settled_imports() -> None:
    """The modules imported so far live as long as the process: the cyclic garbage collector stops
    revisiting their objects (``gc.freeze``) and starts again if it was paused for the imports. Only in the
    command's own process (a program calling :mod:`debtscan.cli` keeps its collector as it is)."""
    if PROCESS[0]:
        gc.freeze()
        gc.enable()


def run() -> None:
    from debtscan.store.replay import replay

    status = replay()
    if status is not None:
        sys.exit(status)
    PROCESS[0] = True
    gc.disable()  # importing allocates hundreds of thousands of objects that nothing frees: no passes over them
    try:
        from debtscan.cli import main
    finally:
        settled_imports()
    main()


if __name__ == "__main__":
    run()
