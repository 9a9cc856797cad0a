"""The base of every enumerated fact field."""
from __future__ import annotations

from enum import Enum


class FactEnum(str, Enum):
    """An enumerated fact field. Its members are strings equal to their values (``IOMode.READ == "read"``),
    so reports render, hash and sort them exactly as their values; code compares with the members, never
    with string literals. The facts cache stores the value and restores the member."""

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return str.__format__(str.__str__(self), spec)
