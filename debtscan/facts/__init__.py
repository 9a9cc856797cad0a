"""The facts stage: one libcst pass per file turns its source into typed, serialisable facts.

Takes one file's source text (a :mod:`~debtscan.sources` task: path, dotted module name, decoded text) and
the library knowledge (:mod:`debtscan.knowledge`); gives that file's frozen
:class:`~debtscan.facts.model.FileFacts`, which depend on that file alone (so the store caches them by
content hash and computes them in parallel). Nothing here reads another file, the disk or the project.

- :mod:`.extract`: the single pass (parse once, run every collector over one walk);
- :mod:`.collector`: the collector base every fact family plugs into, with its declared peers and order;
- :mod:`.codegen`: the one module that touches libcst internals (checked by a contract test);
- :mod:`.model`, :mod:`.external_model`, :mod:`.summary_model`: the typed facts (dataclasses;
  :mod:`.enums` for enumerated fields), registered in :mod:`.schema` for the store's codec;
- :mod:`.values`: symbolic values (literals, references, joins of paths, typed unknowns with a reason);
- the families: :mod:`.io`, :mod:`.warehouse` and :mod:`.sql` (reads and writes), :mod:`.signals`
  (columns consumed, models), :mod:`.lines` (each line's box of Figure 1), :mod:`.summaries` (function
  summaries for value flow), :mod:`.external` (predictions, thresholds, endpoints), :mod:`.orchestration`
  (tasks and assets), :mod:`.settings` (literal settings), :mod:`.deadcode`, :mod:`.fingerprints`
  (clone fingerprints), :mod:`.shell` (notebook shell escapes).

It reads the base modules only; the store, the project and later stages read it.
"""
