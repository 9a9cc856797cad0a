"""The built-in metric providers (each family module registers its own on import)."""
import debtscan.pipeline_metrics  # noqa: F401
import debtscan.glue_metrics  # noqa: F401
import debtscan.signals_graph  # noqa: F401
