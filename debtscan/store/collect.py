"""Facts of every file of a scan: from the cache where a file is unchanged, else extracted (in the pool)."""
from __future__ import annotations

import gc
import itertools
import marshal
import os
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from debtscan.config import Config
from debtscan.facts.model import FileFacts
from debtscan.knowledge import Knowledge
from debtscan.sources.files import FileTask
from debtscan.store.cache import FactsCache, content_digest
from debtscan.store.folder import DEFAULT_CACHE_DIR, cache_disabled_by_env, cache_folder  # noqa: F401 - re-exported
from debtscan.store.codec import make_decoder
from debtscan.store.pool import default_jobs, gc_tick, parallel
from debtscan.store.work import cacheable, extract_encoded, extract_file, read

ProgressCallback = Callable[[int, int], None]


# A pool pays for itself only with enough files per worker (start-up is ~50 ms per process).
MIN_FILES_PER_WORKER = 8


def collect_facts(root: Path, tasks: Sequence[FileTask], config: Config, knowledge: Knowledge, jobs: int,
                  cache: Optional[FactsCache], progress: Optional[ProgressCallback] = None,
                  digests: Optional[Dict[str, bytes]] = None) -> Dict[str, FileFacts]:
    """Facts of every file: from the cache where the content is unchanged, else extracted (in parallel).

    With ``jobs`` > 1 (0: one per core) the files to parse go to a process pool; workers send back the
    compact encoding of :mod:`debtscan.store.codec` (never trees), and the result is identical to ``jobs=1``.
    The cyclic garbage collector is paused meanwhile: parsing allocates millions of short-lived nodes that
    reference counting frees, and each collection pass would rescan the facts gathered so far.

    ``digests``, when given (with a cache), receives each file's :func:`content_digest` of the bytes its facts
    come from (``b""`` when the file could not be read): what the result cache checks its key against.
    """
    root_text = str(root)
    max_size = config.max_file_size
    results: Dict[str, FileFacts] = {}
    seen: Dict[str, bytes] = digests if digests is not None else {}
    pending: List[FileTask] = []
    hits: List[Tuple[FileTask, bytes]] = []
    if cache is not None:
        for task in tasks:
            try:
                data = read(root_text, task, max_size)
            except OSError:
                pending.append(task)
                continue
            digest = content_digest(data, task.path, task.module, task.is_package)
            seen[task.path] = digest
            if cache.has(task.path, digest):
                hits.append((task, digest))
            else:
                pending.append(task)
    else:
        pending = list(tasks)
    total = len(tasks)
    done = 0
    workers = min(jobs if jobs > 0 else default_jobs(), len(pending) // MIN_FILES_PER_WORKER)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    outputs = parallel(pending, workers, root_text, knowledge, max_size) if workers > 1 else None
    try:
        if outputs is not None:
            next_output = next(outputs, None)  # starts the workers before the cache hits are decoded
        for task, digest in hits:  # decoded while the workers parse
            facts = cache.get(task.path, digest)
            if facts is None:  # a corrupt entry: analyse the file after all
                digest, blob, facts = extract_encoded(root_text, task, knowledge, max_size)
                seen[task.path] = digest
                if digest and cacheable(facts):
                    cache.put(task.path, digest, blob)
            results[task.path] = facts
            done += 1
            if progress and (done % 64 == 0 or done == len(hits)):
                progress(done, total)
        if outputs is not None:
            decode = make_decoder()
            for path, digest, blob in itertools.chain([next_output] if next_output else [], outputs):
                facts = decode(marshal.loads(blob))
                results[path] = facts
                seen[path] = digest
                if cache is not None and digest and cacheable(facts):
                    cache.put(path, digest, blob)
                done += 1
                if progress:
                    progress(done, total)
        else:
            for task in pending:
                gc_tick()
                if cache is not None:
                    digest, blob, facts = extract_encoded(root_text, task, knowledge, max_size)
                    seen[task.path] = digest
                    if digest and cacheable(facts):
                        cache.put(task.path, digest, blob)
                else:
                    facts = extract_file(root_text, task, knowledge, max_size)
                results[task.path] = facts
                done += 1
                if progress:
                    progress(done, total)
    finally:
        if outputs is not None:
            outputs.close()
        if gc_was_enabled:
            gc.enable()
    if cache is not None:
        cache.save()
    return {task.path: results[task.path] for task in tasks}
