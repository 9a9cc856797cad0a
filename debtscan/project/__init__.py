"""The project stage: the cross-file model built from every file's facts, once, before any rule runs.

:mod:`.model` defines the frozen :class:`~debtscan.project.model.Project` and its typed parts; :mod:`.graph`
builds it (:func:`~debtscan.project.graph.build_project`) and draws its networkx graph from the parts.
The parts come from: :mod:`.imports` (the one import graph), :mod:`.paths` (path resolution, with
:mod:`.segments`, :mod:`.folders` and :mod:`.variants`) and :mod:`.accesses` (resolved reads and writes),
:mod:`.roots` (project roots), :mod:`.pipeline` (helpers, runners, declared pipelines, Metaflow and Kedro),
:mod:`.flow` (values followed through functions at every call site), :mod:`.signals` (components and the
signal layer), :mod:`.composition` (every line's class across files, tallied per file and folder) and
:mod:`.external` (the external-world view: models, predictions, endpoints); :mod:`.kinds` tells saved
models, code and tests by path; :mod:`.export` writes the graph out, in full or collapsed.
It reads facts and the base modules only; metrics, rules and report read it, never the other way round.
"""
