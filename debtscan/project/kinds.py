"""What an artifact or a module is, by its path: a saved model, source code, test code; whether a write and
a read that match surely name the same file(s). Read by the project stage, the metrics and the rules.
"""
from __future__ import annotations

import posixpath

from debtscan.project.accesses import Access


MODEL_SUFFIXES = (".joblib", ".pt", ".pth", ".ckpt", ".h5", ".hdf5", ".keras", ".onnx", ".safetensors", ".model",
                  ".cbm", ".bst", ".pb", ".tflite", ".bin")
MODEL_DIRS = ("models", "model", "checkpoints", "checkpoint", "ckpt", "weights", "saved_models", "saved_model")
MODEL_FORMATS = ("torch", "keras", "pretrained", "model")


def is_model_artifact(path: str) -> bool:
    """Whether a path names a saved model (by its folder or its suffix)."""
    parts = path.lower().split("/")
    return parts[-1].endswith(MODEL_SUFFIXES) or any(p in MODEL_DIRS for p in parts[:-1])


CODE_SUFFIXES = (".py", ".pyi", ".ipynb", ".md", ".rst", ".cfg", ".toml", ".ini", ".lock")


def is_model_access(access: Access) -> bool:
    """Whether an access saves or loads a model (by path, by format, or by what was written), or touches
    source code and documentation (code generators and model cards are no data hand-offs). The path is read
    relative to its project: a project folder named ``models/churn`` does not make all its files models."""
    return access.value == "model" or access.fmt in MODEL_FORMATS or is_model_artifact(access.local) \
        or access.artifact.lower().endswith(CODE_SUFFIXES) or access.fmt == "listing"


def certain_link(written: str, read: str) -> bool:
    """Whether a write and a read that match surely name the same file(s)."""
    if "*" not in written or "*" not in read or written == read:
        return True
    prefix_w = written.split("*", 1)[0]
    prefix_r = read.split("*", 1)[0]
    return prefix_w == prefix_r and prefix_w.endswith("/")


def is_test_module(path: str) -> bool:
    """Test code (``tests/``, ``test_*.py``, ``*_test.py``, ``conftest.py``) checks data, it is no pipeline step."""
    name = posixpath.basename(path)
    parts = path.split("/")[:-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py" or \
        any(p in ("tests", "test", "testing") for p in parts)
