"""``python -m debtscan`` and the ``debtscan`` command.

A scan whose stored output can be written again is replayed before the command line is even loaded
(:mod:`debtscan.store.replay`, standard library only); anything else runs the command line
(:mod:`debtscan.cli`)."""
import sys


def run() -> None:
    from debtscan.store.replay import replay

    status = replay()
    if status is not None:
        sys.exit(status)
    from debtscan import startup

    startup.PROCESS[0] = True
    startup.begin_imports()  # importing allocates objects that nothing frees: no collections over them
    try:
        from debtscan.cli import main
    finally:
        startup.settled_imports()
    main()


if __name__ == "__main__":
    run()
