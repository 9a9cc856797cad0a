"""debtscan: find the machine-learning technical debt of Sculley et al. in Python codebases.

``debtscan.scan(path, config=...)`` returns a :class:`Report` (see :mod:`debtscan.api`).
"""

__version__ = "0.1.0"

__all__ = ["__version__", "scan", "Report", "Finding"]


def __getattr__(name):  # the API is imported on first use: `import debtscan` (and the CLI) stays cheap
    if name == "scan":
        from debtscan.api import scan

        return scan
    if name in ("Report", "Finding"):
        from debtscan.report import model

        return getattr(model, name)
    raise AttributeError(f"module 'debtscan' has no attribute {name!r}")
