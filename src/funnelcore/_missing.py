"""What counts as no value in a cell: one test for every reader of foreign data."""

from __future__ import annotations

__all__ = ["is_missing"]


def is_missing(value: object) -> bool:
    """Whether ``value`` is no value: ``None``, NaN, pandas ``NaT`` or pandas ``NA``.

    NaN and ``NaT`` compare unequal to themselves. ``pandas.NA`` compares to ``NA``, which has
    no truth value (``bool(NA)`` raises): it is told by its type's name, so this module needs no
    pandas. Anything else whose comparison has no truth value (a numpy array) is a value.
    """
    if value is None:
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return type(value).__name__ == "NAType"
