"""debtscan: find the machine-learning technical debt of Sculley et al. in Python codebases."""

__version__ = "0.1.0"
