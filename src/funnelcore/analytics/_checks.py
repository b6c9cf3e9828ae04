"""Checks of arguments at the boundary: values typed loosely on purpose, checked once."""

from __future__ import annotations

import math

__all__ = ["is_real", "is_whole"]


def is_whole(value: object, *, minimum: int) -> bool:
    """Whether ``value`` is an ``int`` (not a ``bool``) of at least ``minimum``."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def is_real(value: object, *, low: float = -math.inf, high: float = math.inf) -> bool:
    """Whether ``value`` is a finite ``int`` or ``float`` (not a ``bool``) in ``[low, high]``."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and low <= value <= high
    )
