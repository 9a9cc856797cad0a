"""The metrics stage: numbers computed from the ``Project`` for the report (``metrics`` in the JSON).

:mod:`.providers` is the explicit list of providers (nothing registers itself on import); :mod:`.base`
computes them (``compute_metrics``); :mod:`.glue` (code composition), :mod:`.pipeline` (hand-offs, chains,
the jungle) and :mod:`.signals` (signals, models, components, cascades) are the providers. It reads the
project's parts and the configuration (never a rule's options) and the base modules; rules, report
and app read it.
"""
