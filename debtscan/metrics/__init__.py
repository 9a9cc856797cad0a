"""The metrics stage: numbers computed from the ``Project`` for the report (``metrics`` in the JSON).

:mod:`.providers` lists the providers (no registration, no import side effects) and computes them;
:mod:`.glue` (code composition), :mod:`.pipeline` (hand-offs, chains, the jungle) and :mod:`.signals`
(signals, models, shared signals, cascades) are the providers. Metrics read the project's parts and the
configuration, never a rule's options.
"""
