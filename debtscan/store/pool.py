"""The worker pool: files parsed in parallel processes that send back encoded facts, never trees.

Each worker receives task indices on its own pipe, says which file it starts and sends the compact facts
(:mod:`debtscan.store.codec`) after each file, so the parent always knows which file a worker was on. A worker
that dies on a file (libcst aborts, or the kernel kills it when memory runs out on machine-generated code) or
stalls in the parser beyond the time guard (the parse itself cannot be interrupted) is replaced; that file
gets an error and every other file is still analysed. Workers die with their parent.
"""
from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
from typing import List, Optional, Sequence

from debtscan.errors import ErrorKind
from debtscan.knowledge import Knowledge
from debtscan.sources import guards
from debtscan.sources.files import FileTask
from debtscan.store.codec import dumps
from debtscan.store.work import extract_encoded, failed, preload

def _init_worker(root: str, knowledge: Knowledge, max_size: int) -> None:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))
    gc.disable()  # young-generation passes only (_gc_tick); see collect_facts
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    except (ValueError, OSError):
        pass


# The cyclic garbage collector is paused while extracting (see collect_facts); a young-generation pass every
# GC_EVERY files frees the few small cycles that do occur (``ast.literal_eval``'s closures, via libcst's
# ``evaluated_value``) at a cost proportional to the objects allocated since the last pass only.
GC_EVERY = 32
_GC_TICKS = [0]


def gc_tick() -> None:
    _GC_TICKS[0] += 1
    if _GC_TICKS[0] % GC_EVERY == 0:
        gc.collect(0)


def default_jobs() -> int:
    """One worker per core available to this process."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def mp_context():
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else "spawn")


def _worker_main(root: str, knowledge: Knowledge, max_size: int, tasks: Sequence[FileTask], conn,
                 parent: int = 0, inherited: Sequence[int] = ()) -> None:
    """A worker process: receives task indices on its own pipe; says "start" before and sends the compact
    facts after each file (synchronously), so that the parent knows which file it was on if it dies.

    ``inherited`` are the parent's ends of every worker's pipe that a forked child holds copies of: closed
    first, so that the parent's death reaches each worker as end-of-file on its pipe. The worker also dies
    with its parent on a parent-death signal (Linux) and, everywhere, by a watchdog on its parent's pid."""
    for fd in inherited:
        try:
            os.close(fd)
        except OSError:
            pass
    die_with_parent(parent)
    _init_worker(root, knowledge, max_size)
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler: SIGTERM simply ends a worker
    except (ValueError, OSError):
        pass
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _INTERRUPTIONS)  # blocked around the fork
    try:
        while True:
            index = conn.recv()
            if index is None:
                break
            conn.send((index, None, None))
            gc_tick()
            digest, blob, _ = extract_encoded(root, tasks[index], knowledge, max_size)
            conn.send((index, digest, blob))
    except (EOFError, OSError):  # the parent is gone (its end of the pipe closed): nothing to report to
        os._exit(0)
    conn.close()


_INTERRUPTIONS = {signal.SIGINT, signal.SIGTERM}


def _block_interruptions():
    if hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread():
        return signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTIONS)
    return None


def _restore_signal_mask(previous) -> None:
    if previous is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


PR_SET_PDEATHSIG = 1
WATCHDOG_INTERVAL = 0.5


def die_with_parent(parent: int) -> None:
    """End this (worker) process when ``parent`` ends: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` on Linux, and a
    daemon thread that exits the process once its parent's pid changes (the process was re-parented)."""
    if not parent:
        return
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(0)

    def watch() -> None:
        while True:
            time.sleep(WATCHDOG_INTERVAL)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="debtscan-parent-watchdog", daemon=True).start()


def _failed(task: FileTask, reason: str, kind: ErrorKind) -> bytes:
    return dumps(failed(task, reason, kind))


class _Worker:
    """One worker process, its pipe, the task indices sent to it and not yet done, and the one it is on."""

    # Task indices queued in a worker's pipe beyond the one it is on: at least PREFETCH, up to MAX_PREFETCH
    # while many files remain (see ``parallel``'s ``feed``). Two were too few on small files: a 10-line file
    # takes 2-3 ms, less than the parent may take to be scheduled again on a busy machine, so a worker often
    # waited for work (800 tiny files, 2 workers, load ~3: wall 3.6-5.4 -> 2.9-4.0 s with 16).
    PREFETCH = 2
    MAX_PREFETCH = 16

    def __init__(self, context, root: str, knowledge: Knowledge, max_size: int, tasks: Sequence[FileTask],
                 siblings: Sequence["_Worker"] = ()):
        self.conn, child = context.Pipe(duplex=True)
        # a forked child inherits the parent's end of its own pipe and of every sibling's: it closes them
        inherited = ([w.conn.fileno() for w in siblings] + [self.conn.fileno()]
                     if context.get_start_method() == "fork" else [])
        self.process = context.Process(target=_worker_main, daemon=True,
                                       args=(root, knowledge, max_size, tasks, child, os.getpid(), inherited))
        # Ctrl-C / SIGTERM wait until the fork is done: raised inside fork's own handlers, the interruption
        # would be swallowed ("Exception ignored") and the scan would go on
        blocked = _block_interruptions()
        try:
            self.process.start()
        finally:
            _restore_signal_mask(blocked)
        child.close()
        self.assigned: List[int] = []
        self.current: Optional[int] = None
        self.since = 0.0

    def give(self, index: int) -> None:
        self.assigned.append(index)
        self.conn.send(index)

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


def parallel(tasks: Sequence[FileTask], workers: int, root: str, knowledge: Knowledge, max_size: int):
    """Extract ``tasks`` in ``workers`` processes; yields (path, digest, compact facts) as files finish.

    A worker that dies on a file (libcst aborts, or the kernel kills it when memory runs out on a
    machine-generated file) or stalls in the parser beyond the time guard (the parse itself cannot be
    interrupted) is replaced; that file gets an error note and every other file is still analysed.
    """
    from multiprocessing.connection import wait

    context = mp_context()
    if context.get_start_method() == "fork":
        # the parser and the extraction are imported once, here, and every forked worker shares them: a
        # worker no longer pays its own import (about a quarter of a second of CPU each)
        preload()
    queue = list(range(len(tasks) - 1, -1, -1))  # popped from the end: in order
    stall_limit = guards.FILE_TIMEOUT + 30 if guards.FILE_TIMEOUT > 0 else None
    pool: List[_Worker] = []
    remaining = len(tasks)

    def feed(worker: _Worker) -> None:
        # deep queues while many files remain, shallow ones near the end (so that the last files are shared
        # out evenly): a quarter of each worker's share of what is left, between PREFETCH and MAX_PREFETCH
        depth = max(_Worker.PREFETCH, min(_Worker.MAX_PREFETCH, len(queue) // (4 * max(len(pool), 1))))
        while queue and len(worker.assigned) < depth:
            worker.give(queue.pop())

    def replace(worker: _Worker, reason: str, kind: ErrorKind):
        """Retire a dead or stalled worker: its file in progress fails, its other tasks go back."""
        nonlocal remaining
        worker.kill()
        pool.remove(worker)
        culprit = worker.current
        for index in reversed(worker.assigned):
            if index != culprit:
                queue.append(index)
        if culprit is not None:
            remaining -= 1
            task = tasks[culprit]
            yield task.path, b"", _failed(task, reason, kind)
        if queue:
            fresh = _Worker(context, root, knowledge, max_size, tasks, pool)
            pool.append(fresh)
            feed(fresh)

    try:
        for _ in range(workers):
            worker = _Worker(context, root, knowledge, max_size, tasks, pool)
            pool.append(worker)
            feed(worker)
        while remaining:
            if not pool:
                raise RuntimeError("every worker process died")
            by_conn = {w.conn: w for w in pool}
            by_sentinel = {w.process.sentinel: w for w in pool}
            ready = wait(list(by_conn) + list(by_sentinel), timeout=1.0)
            dead = []
            for handle in ready:
                worker = by_conn.get(handle)
                if worker is None:
                    if by_sentinel[handle].conn.poll():
                        continue  # read what it sent first; its death is seen on the next round
                    dead.append(by_sentinel[handle])
                    continue
                try:
                    index, digest, blob = worker.conn.recv()
                except (EOFError, OSError):
                    dead.append(worker)
                    continue
                if blob is None:
                    worker.current, worker.since = index, time.monotonic()
                    continue
                worker.current = None
                worker.assigned.remove(index)
                remaining -= 1
                feed(worker)
                yield tasks[index].path, digest, blob
            for worker in dict.fromkeys(dead):
                if worker in pool:
                    yield from replace(worker, "the parser crashed on this file (out of memory on "
                                               "machine-generated code?): skipped", ErrorKind.CRASHED)
            if stall_limit is not None:
                now = time.monotonic()
                for worker in list(pool):
                    if worker.current is not None and now - worker.since > stall_limit:
                        yield from replace(worker, f"analysis took longer than {stall_limit:g} s "
                                                   f"(machine-generated code?): skipped", ErrorKind.TIMEOUT)
        for worker in pool:
            worker.stop()
        for worker in pool:
            worker.process.join(10)
    finally:
        for worker in pool:
            worker.kill()
