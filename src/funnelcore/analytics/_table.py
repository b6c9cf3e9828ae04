"""Plain-text tables for the command line and the ``str()`` of analytics results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["format_table", "format_value"]

_PERCENT = ("conversion", "rate", "probability", "roi", "load")
_DAYS = ("days",)
_MONEY = ("value", "pipeline", "velocity", "revenue", "cost")


def format_value(column: str, value: Any) -> str:
    """A cell as text, formatted by what its column name says it holds."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}" if "value" not in column else f"{value:,.2f}"
    if any(word in column for word in _PERCENT):
        return f"{value:.1%}"
    if any(word in column for word in _DAYS):
        return f"{value:,.1f}"
    if any(word in column for word in _MONEY):
        return f"{value:,.2f}"
    return f"{value:,.3g}"


def format_table(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as an aligned text table: text columns to the left, numbers to the right."""
    cells = [[format_value(column, row[column]) for column in columns] for row in rows]
    numeric = [
        all(
            row[column] is None
            or (isinstance(row[column], (int, float)) and not isinstance(row[column], bool))
            for row in rows
        )
        for column in columns
    ]
    widths = [
        max([len(column), *(len(line[index]) for line in cells)])
        for index, column in enumerate(columns)
    ]

    def line(values: Sequence[str]) -> str:
        parts = [
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(list(columns)), rule, *(line(values) for values in cells)])
