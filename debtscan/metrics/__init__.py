"""The metrics stage: numbers computed from the ``Project`` for the report (``metrics`` in the JSON).

Takes the frozen ``Project`` and the configuration; gives a mapping of section name to plain JSON values
(``composition``, ``glue_code_ratio``, ``ml_code_ratio``, ``pipeline``, ``signals``).

:mod:`.providers` is the explicit list of providers (nothing registers itself on import); :mod:`.base`
computes them (``compute_metrics``); :mod:`.glue` (code composition), :mod:`.pipeline` (hand-offs, chains,
the jungle) and :mod:`.signals` (signals, models, components, cascades) are the providers. It reads the
project's parts and the configuration (never a rule's options) and the base modules; rules, report
and app read it.
"""
