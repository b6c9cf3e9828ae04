"""Plain-text tables for the command line and the ``str()`` of analytics results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

__all__ = ["format_table", "format_value", "text_table"]

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


def text_table(result: Any, *, columns: Sequence[str] | None = None) -> str:
    """Any result frame (or a sequence of dicts) as an aligned, readable text table.

    Ratios (columns named ``*conversion*``, ``*rate*``, ``probability``, ``roi``) print as
    percentages, days with one decimal, money with two; missing values as ``-``.

    Args:
        result: a frame of any type narwhals reads, or a sequence of dicts.
        columns: the columns to show, in order (default: all).

    >>> print(text_table([{"stage": "lead", "reached": 6, "conversion": 0.5}]))
    stage  reached  conversion
    -----  -------  ----------
    lead         6       50.0%
    """
    if isinstance(result, Sequence):  # rows: no dataframe library needed
        rows = [dict(row) for row in cast("Sequence[Mapping[str, Any]]", result)]
    else:
        from funnelcore.analytics._frames import result_rows

        rows = result_rows(result)
    names = list(columns) if columns is not None else list(rows[0]) if rows else []
    return format_table(names, rows)
