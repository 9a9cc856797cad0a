"""The project stage: the cross-file model built from every file's facts.

It owns imports between modules, resolved paths and accesses (:mod:`.paths`), project roots (:mod:`.roots`),
the pipeline (helpers, runners, declared pipelines: :mod:`.pipeline`), values followed through functions
at every call site (:mod:`.flow`), the signal layer and components (:mod:`.signals`), every line's class
across files (:mod:`.composition`), the ``Project`` (:mod:`.graph`) and the exports of its networkx graph
(:mod:`.export`).
It reads facts and the base modules only; metrics, rules and report read it, never the other way round.
"""
