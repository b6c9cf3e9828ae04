"""The timestamps an event log may hold as text, and their parsing in plain Python.

One grammar for every engine (plain Python here; Polars and Spark in ``_log_frames``), so the
same text means the same instant whichever engine reads it: an ISO 8601 date, optionally followed
by a time (``T`` or a space between), optionally with up to nine fractional digits (kept to the
microsecond, truncated) and a UTC offset (``Z``, ``+HH:MM`` or ``+HHMM``)::

    2026-01-05
    2026-01-05T09:30            2026-01-05 09:30:15.250
    2026-01-05T09:30:15Z        2026-01-05T09:30:15+02:00

A time with an offset is converted to UTC. A log is either naive (no offsets) or aware: when any
row of a log carries an offset, a row without one is malformed (its instant is unknown).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Final

from funnelcore._missing import is_missing

__all__ = ["PATTERN", "TimestampProblem", "parse_timestamp"]

#: The grammar, anchored. Groups: year, month, day, hour, minute, second, fraction, offset sign,
#: offset hours, offset minutes, Z. Engines that lack a group (Spark returns "") treat it as absent.
PATTERN: Final = (
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(?:([+-])(\d{2}):?(\d{2})|(Z))?)?$"
)
_REGEX: Final = re.compile(PATTERN)
_UTC: Final = timezone.utc


class TimestampProblem:
    """Why an ``at`` value is not usable; the codes every engine reports."""

    OK: Final = 0
    MISSING: Final = 1
    UNPARSEABLE: Final = 2
    NO_OFFSET: Final = 3  # naive, in a log whose other rows carry a UTC offset


def parse_timestamp(text: str) -> tuple[datetime | None, bool]:
    """Parse ``text`` by the grammar; return ``(naive UTC-or-local datetime, has_offset)``.

    The datetime is ``None`` when the text does not follow the grammar or names no real time
    (``2026-02-30``). With an offset, the result is the UTC time, still naive: the caller attaches
    UTC once it knows the whole log is aware.
    """
    match = _REGEX.match(text.strip())
    if match is None:
        return None, False
    year, month, day, hour, minute, second, fraction, sign, off_h, off_m, zulu = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micro,
        )
    except ValueError:
        return None, False
    if sign is not None:
        offset = int(off_h) * 60 + int(off_m)
        moment -= timedelta(minutes=offset if sign == "+" else -offset)
        return moment, True
    return moment, zulu is not None


def coerce_timestamp(value: object) -> tuple[datetime | None, bool, int]:
    """An ``at`` cell of any Python type as ``(naive datetime, has_offset, problem code)``.

    Text follows the grammar; a ``datetime`` is taken as it is (an aware one is converted to UTC);
    a ``date`` is its midnight; ``None``, ``NaN``/``NaT`` and blank text are missing.
    """
    if value is None:
        return None, False, TimestampProblem.MISSING
    if isinstance(value, str):
        if not value.strip():
            return None, False, TimestampProblem.MISSING
        moment, aware = parse_timestamp(value)
        if moment is None:
            return None, False, TimestampProblem.UNPARSEABLE
        return moment, aware, TimestampProblem.OK
    if isinstance(value, datetime):
        if value != value:  # pandas NaT
            return None, False, TimestampProblem.MISSING
        if value.tzinfo is not None and value.utcoffset() is not None:
            return value.astimezone(_UTC).replace(tzinfo=None), True, TimestampProblem.OK
        return value.replace(tzinfo=None) if value.tzinfo else value, False, TimestampProblem.OK
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day), False, TimestampProblem.OK
    if is_missing(value):  # NaN, pandas NA
        return None, False, TimestampProblem.MISSING
    return None, False, TimestampProblem.UNPARSEABLE


def as_utc(moment: datetime) -> datetime:
    """Attach UTC to a naive datetime that ``parse_timestamp`` already converted."""
    return moment.replace(tzinfo=_UTC)
