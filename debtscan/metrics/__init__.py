"""The metrics stage: numbers computed from the ``Project`` for the report (``metrics`` in the JSON).

:mod:`.base` holds the registry and ``compute_metrics``; :mod:`.glue` (code composition), :mod:`.pipeline`
(hand-offs, chains, the jungle) and the signal metrics are the providers.
"""
