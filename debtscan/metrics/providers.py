"""The built-in metric providers (each family module registers its own on import)."""
import debtscan.metrics.pipeline  # noqa: F401
import debtscan.metrics.glue  # noqa: F401
import debtscan.project.signals  # noqa: F401
