"""The project stage: the cross-file model built from every file's facts, once, before any rule runs.

Takes the facts of every file, the sources' :class:`~debtscan.sources.discover.SourceSet` (runners, declared
pipelines, listings), the configuration and the liveness split; gives one frozen
:class:`~debtscan.project.model.Project` whose parts (``Project.PARTS``) are typed values: imports, paths,
pipeline, components, signals, composition, external, clones, the knowledge tables, and the networkx graph
drawn from them. It never touches the disk.

:mod:`.model` defines the frozen :class:`~debtscan.project.model.Project` and its typed parts; :mod:`.graph`
builds it (:func:`~debtscan.project.graph.build_project`) and draws its networkx graph from the parts.
The parts come from: :mod:`.imports` (the one import graph), :mod:`.paths` (path resolution, with
:mod:`.segments`, :mod:`.folders` and :mod:`.variants`) and :mod:`.accesses` (resolved reads and writes),
:mod:`.roots` (project roots), :mod:`.pipeline` (helpers, runners, declared pipelines, Metaflow and Kedro),
:mod:`.calls` and :mod:`.flow` (the value-flow core: the function summaries of the facts evaluated at every
call site with the arguments passed; paths, frames, columns, models and glue's call resolution all read it),
:mod:`.signals` (components and the
signal layer), :mod:`.composition` (every line's class across files, tallied per file and folder) and
:mod:`.external` (the external-world view: models, predictions, endpoints); :mod:`.kinds` tells saved
models, code and tests by path; :mod:`.export` writes the graph out, in full or collapsed.
It reads facts and the base modules only; metrics, rules and report read it, never the other way round.

Cost of the cross-file step (see :func:`~debtscan.project.graph.build_project` for each part): for F files
and C call sites, O(F) to index modules, constants and functions; the value-flow core O(C x
:data:`~debtscan.project.calls.MAX_DEPTH`) evaluations, each (callee, arguments, place) once, helper I/O
included (the same depth); path resolution O(A) for A accesses;
hand-offs O(A log A).
"""
