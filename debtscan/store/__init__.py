"""Store: how facts are kept and computed at scale, between the facts stage and the project stage.

Takes the sources' file tasks; gives every file's :class:`~debtscan.facts.model.FileFacts` (from the cache
when its content and debtscan's version are unchanged, else computed by the worker pool) and the files that
failed, with a typed :class:`~debtscan.errors.ErrorKind`.

- :mod:`~debtscan.store.codec`: the one encoding of facts (marshal of plain nested values; no generated
  code), used by the cache and by worker processes;
- :mod:`~debtscan.store.cache`: the per-file facts cache, one pack per cache key;
- :mod:`~debtscan.store.history`: the cache ``debtscan history`` keeps across commits;
- :mod:`~debtscan.store.work`: the work on one file (read, guard, parse, extract; failures typed by
  :class:`~debtscan.errors.ErrorKind`);
- :mod:`~debtscan.store.pool`: the worker pool (crash- and stall-tolerant);
- :mod:`~debtscan.store.collect`: the facts of every file of a scan, from the cache or the pool.
"""
