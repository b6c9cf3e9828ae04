"""Counts in messages, with the noun that agrees: "1 deal", "2 deals"."""

from __future__ import annotations

__all__ = ["noun"]


def noun(count: float, singular: str, plural: str | None = None) -> str:
    """``singular`` for a count of one, else ``plural`` (by default ``singular`` + "s")."""
    if count == 1:
        return singular
    return plural if plural is not None else singular + "s"
