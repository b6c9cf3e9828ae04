"""A deal value cell of an event log, read by one grammar on every engine.

A value (the optional ``value`` column: a deal's worth as of that event) is a finite decimal
number: a number, or text such as ``1200``, ``-3.5``, ``.5`` or ``1.2e3``, spaces around
allowed. A missing cell, blank text and a float NaN (pandas' missing value) are no value.
Anything else is not a value: ``"abc"``, ``"1,200"``, ``"1_200"``, ``"inf"``, ``"nan"``, text too
large for a float (``"1e999"``), an infinite float, ``True``. The audit reports such a row as
``malformed`` (the rule for an unparseable field) and the log readers refuse it, where a plain
``float()`` would have taken some of these and refused others, and engines would have
disagreed.
"""

from __future__ import annotations

import math
import re
from typing import Final

from funnelcore._log_source import text_of

__all__ = ["PATTERN", "value_problem"]

#: The text of a value, stripped of spaces around: digits in ASCII, an optional sign, fraction
#: and exponent. Anchored; the Polars and Spark engines match the same pattern.
PATTERN: Final = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_REGEX: Final = re.compile(PATTERN)


def value_problem(cell: object) -> str | None:
    """The cell as text when it holds something that is not a value; ``None`` otherwise.

    ``None`` means the cell is a value or holds none (see the module text); the text returned
    is what a message quotes (an infinite float as ``inf`` or ``-inf``, as every engine
    writes it).
    """
    if cell is None:
        return None
    if isinstance(cell, str):
        text = cell.strip()
        if not text or (_REGEX.match(text) and math.isfinite(float(text))):
            return None
        return cell
    if isinstance(cell, bool):
        return text_of(cell)
    try:
        number = float(cell)  # type: ignore[arg-type]  # int, float, Decimal, numpy scalars
    except (TypeError, ValueError, OverflowError):
        return text_of(cell)
    if math.isnan(number) or math.isfinite(number):
        return None
    return "inf" if number > 0 else "-inf"
