"""The plain-Python engine of the funnel metrics: no extras, for logs held as rows.

It fills the same :class:`~funnelcore.analytics._shape.Counts` and ``Measures`` as the vectorised
engine (``_measure``), by the same rules, so every metric built on them gives the same numbers:

* each deal's events are ordered by time, ties by stage position; an event's stay lasts until the
  deal's next event, and its latest event says where it is now;
* times are taken in whole microseconds from the log's first event and divided into days, as
  the vectorised engine does (on pandas and Spark to the same floating-point number; Polars
  multiplies by the reciprocal, which can differ in the last bit);
* quantiles interpolate linearly between the two nearest stays.

It runs on a list of row mappings (what ``read_log(..., backend="rows")`` gives), and on a CSV or
JSON Lines file when the ``analytics`` extra is not installed. Small logs only: it is one pass over
the rows in Python (the benchmark reports its speed).
"""

from __future__ import annotations

import enum
import math
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, Final, cast

from funnelcore import _columns as col
from funnelcore._log_source import has_analytics
from funnelcore._missing import is_missing
from funnelcore._process import SalesProcess
from funnelcore._timestamps import TimestampProblem, coerce_timestamp
from funnelcore.analytics._shape import (
    DAY_US,
    EXAMPLES,
    Cell,
    Counts,
    Measures,
    check_by,
    check_columns,
    layout,
    mixed_offsets,
    refuse_conflicts,
    refuse_missing,
    sorted_groups,
    stage_positions,
)
from funnelcore.errors import MetricsInputError

__all__ = ["count_reached_rows", "log_rows", "measure_rows", "rows_result"]

_MICROSECOND: Final = timedelta(microseconds=1)


def log_rows(log: object) -> list[Mapping[str, Any]] | None:
    """The log as rows when the plain-Python engine measures it; ``None`` for the vectorised one.

    A sequence of row mappings always runs here (a list in, a list out). A CSV or JSON Lines path
    runs here when the ``analytics`` extra is missing, read by :func:`funnelcore.read_log` as
    rows (every malformed row is reported there).

    Raises:
        TypeError: a sequence whose items are not mappings.
    """
    if isinstance(log, (str, os.PathLike)):
        if has_analytics():
            return None
        from funnelcore._eventlog import read_log

        rows: list[Mapping[str, Any]] = read_log(
            cast("str | os.PathLike[str]", log), backend="rows"
        )
        return rows
    if isinstance(log, Sequence) and not isinstance(log, (bytes, bytearray)):
        items = cast("Sequence[object]", log)
        for item in items:
            if not isinstance(item, Mapping):
                raise TypeError(
                    "expected a dataframe, a file path or a sequence of row mappings, got a "
                    f"sequence holding {type(item).__name__}"
                )
        return cast("list[Mapping[str, Any]]", list(items))
    return None


def rows_result(
    data: Mapping[str, Sequence[Any]], kinds: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Result columns as a list of dicts, one per row, columns in order (``kinds`` unused)."""
    del kinds
    names = list(data)
    return [dict(zip(names, values, strict=True)) for values in zip(*data.values(), strict=True)]


def _columns_of(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every column of the rows, in order of appearance (rows may differ; most do not)."""
    first = rows[0].keys()
    names = dict.fromkeys(first)
    for row in rows:
        if row.keys() != first:
            names.update(dict.fromkeys(row))
    return list(names)


def _check_columns(
    rows: Sequence[Mapping[str, Any]], needed: Sequence[str], by: str | None
) -> None:
    """Refuse a log without a needed column, and a breakdown column it lacks or that is a key.

    The first row usually has every column, so the others are read only when it does not. An
    empty list says nothing of its columns: it has every column asked for.
    """
    if not rows:
        check_by([*needed, *([by] if isinstance(by, str) else [])], by)
        return
    first = rows[0].keys()
    asked = [*needed, *([by] if isinstance(by, str) else [])]
    columns = list(first) if all(name in first for name in asked) else _columns_of(rows)
    check_columns(columns, needed)
    check_by(columns, by)


def _column(rows: Sequence[Mapping[str, Any]], name: str) -> list[Any]:
    return [row.get(name) for row in rows]


def _deal_ids(rows: Sequence[Mapping[str, Any]]) -> list[Any]:
    """The rows' deal ids; refuse a missing one (None, and NaN or NA from a pandas frame)."""
    deals = _column(rows, col.DEAL_ID)
    if set(map(type, deals)) <= _NEVER_NAN:  # one C pass: text and whole numbers
        missing = deals.count(None)
    else:
        missing = sum(map(is_missing, deals))
    refuse_missing(missing, "deal id", col.DEAL_ID)
    return deals


_NEVER_NAN: Final[frozenset[type]] = frozenset((str, int, type(None)))


def _ranks(process: SalesProcess[Any], stages: list[Any]) -> dict[Any, int]:
    """The position of every stage spelling in the log; refuse what is not a stage name."""
    try:
        distinct = set(stages)
    except TypeError:  # an unhashable cell: not a name
        distinct = {object()}
    texts: dict[Any, str | None] = {}
    for raw in distinct:
        text = raw.value if isinstance(raw, enum.Enum) else raw
        if text is not None and not isinstance(text, str):
            raise MetricsInputError(
                f"must hold stage names as text, not {type(text).__name__}", column=col.STAGE
            )
        texts[raw] = text
    positions = stage_positions(process, set(texts.values()))
    return {raw: positions[text] for raw, text in texts.items() if text is not None}


def _groups(deals: list[Any], values: list[Any], by: str) -> dict[Any, Any]:
    """Each deal's group (its one value in ``by``, else ``None``); refuse deals with two values."""
    pairs = {
        (deal, value)
        for deal, value in zip(deals, values, strict=True)
        if not is_missing(value)  # NaN is no value
    }
    group_of: dict[Any, Any] = dict.fromkeys(deals)
    conflicts: set[str] = set()
    for deal, value in pairs:
        if group_of[deal] is not None:
            conflicts.add(str(deal))
        group_of[deal] = value
    if conflicts:
        refuse_conflicts(by, sorted(conflicts)[:EXAMPLES])
    return group_of


def count_reached_rows(
    rows: Sequence[Mapping[str, Any]], process: SalesProcess[Any], *, by: str | None
) -> Counts:
    """The distinct deals that reached each stage (and group): distinct (stage, deal) pairs."""
    shape = layout(process)
    _check_columns(rows, (col.DEAL_ID, col.STAGE), by)
    deals = _deal_ids(rows)
    stages = _column(rows, col.STAGE)
    rank_of = _ranks(process, stages)
    entered = set(zip(stages, deals, strict=True))
    if len(set(rank_of.values())) < len(rank_of):  # two spellings of a stage: one deal once
        entered = {(rank_of[stage], deal) for stage, deal in entered}
        rank_of = {rank: rank for rank in rank_of.values()}
    if by is None:
        per_stage = Counter(map(itemgetter(0), entered))
        reached = {(None, rank_of[stage]): n for stage, n in per_stage.items()}
        return Counts(layout=shape, groups=[None], reached=reached)
    group_of = _groups(deals, _column(rows, by), by)
    pairs = list(entered)
    per_cell = Counter(
        zip(
            map(group_of.__getitem__, map(itemgetter(1), pairs)),
            map(itemgetter(0), pairs),
            strict=True,
        )
    )
    reached = {(group, rank_of[stage]): n for (group, stage), n in per_cell.items()}
    return Counts(layout=shape, groups=sorted_groups({g for g, _ in reached}), reached=reached)


def _times(rows: Sequence[Mapping[str, Any]]) -> list[datetime]:
    """Each event's time as a naive datetime (UTC when the log carries offsets)."""
    cells = _column(rows, col.AT)
    if all(type(cell) is datetime and cell.tzinfo is None for cell in cells):
        return cells  # the common case (read_log's rows): nothing to convert
    moments: list[datetime | None] = []
    unparseable = aware = naive = 0
    for cell in cells:
        moment, has_offset, problem = coerce_timestamp(cell)
        if problem == TimestampProblem.UNPARSEABLE:
            unparseable += 1
        elif moment is not None:
            if has_offset:
                aware += 1
            else:
                naive += 1
        moments.append(moment)
    if unparseable:
        raise MetricsInputError(
            f"cannot parse as datetimes: {unparseable} event(s) hold a value that is not a "
            "datetime, a date or ISO 8601 text; audit the log to find them",
            column=col.AT,
        )
    refuse_missing(sum(moment is None for moment in moments), "time", col.AT)
    if aware and naive:
        raise MetricsInputError(mixed_offsets(naive, aware), column=col.AT)
    return cast("list[datetime]", moments)


def _values(rows: Sequence[Mapping[str, Any]]) -> list[Any]:
    """The ``value`` column (``None`` where there is none); refuse what is not a number."""
    values = _column(rows, col.VALUE)
    for kind in set(map(type, values)):
        if kind is bool or not (kind is type(None) or issubclass(kind, (int, float))):
            raise MetricsInputError(f"must hold numbers, not {kind.__name__}", column=col.VALUE)
    return values


def _quantile(ordered: Sequence[float], share: float) -> float | None:
    """The ``share`` quantile of sorted values, interpolated linearly (as Polars and Spark)."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * share
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    fraction = position - low
    if fraction == 0.0:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


def _median(ordered: Sequence[float]) -> float | None:
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


class _Tally:
    """The running aggregates of one stage in one group."""

    __slots__ = ("current", "current_t", "current_value", "cycles", "reached", "stays", "valued")

    def __init__(self) -> None:
        self.reached = 0
        self.stays: list[float] = []
        self.current = 0
        self.current_value = 0.0
        self.valued = 0
        self.cycles: list[float] = []
        self.current_t = 0.0

    def cell(self) -> Cell:
        stays = sorted(self.stays)
        cycles = sorted(self.cycles)
        return Cell(
            reached=self.reached,
            stays=len(stays),
            median_days=_median(stays),
            p90_days=_quantile(stays, 0.9),
            stay_days=math.fsum(stays) if stays else 0.0,
            current=self.current,
            current_value=self.current_value,
            valued=self.valued,
            cycles=len(cycles),
            cycle_mean=math.fsum(cycles) / len(cycles) if cycles else None,
            cycle_median=_median(cycles),
            cycle_p90=_quantile(cycles, 0.9),
            current_t=self.current_t,
        )


def measure_rows(
    rows: Sequence[Mapping[str, Any]],
    process: SalesProcess[Any],
    *,
    by: str | None,
    start: int | None = None,
) -> Measures:
    """Every per-stage aggregate of :func:`funnelcore.analytics._measure.measure`, in Python."""
    shape = layout(process)
    _check_columns(rows, (col.DEAL_ID, col.STAGE, col.AT), by)
    values = _values(rows)
    deals = _deal_ids(rows)
    stages = _column(rows, col.STAGE)
    refuse_missing(stages.count(None), "stage", col.STAGE)
    moments = _times(rows)
    rank_of = _ranks(process, stages)
    group_of = _groups(deals, _column(rows, by), by) if by is not None else {}
    origin = min(moments, default=None)
    histories: dict[Any, list[tuple[int, int, int]]] = {}
    for index, (deal, stage, moment) in enumerate(zip(deals, stages, moments, strict=True)):
        micros = (moment - cast("datetime", origin)) // _MICROSECOND
        event = (micros, rank_of[stage], index)
        history = histories.get(deal)
        if history is None:
            histories[deal] = [event]
        else:
            history.append(event)
    count = len(shape.names)
    tallies: dict[Any, list[_Tally | None]] = {}
    end = 0.0
    for deal, history in histories.items():
        history.sort()  # by time, then stage; exact ties keep the input order (the index)
        group = group_of.get(deal)
        here = tallies.get(group)
        if here is None:
            here = tallies[group] = [None] * count
        days = [micros / DAY_US for micros, _, _ in history]
        ranks = [rank for _, rank, _ in history]
        for rank in set(ranks):
            tally = here[rank]
            if tally is None:
                tally = here[rank] = _Tally()
            tally.reached += 1
        # a stay lasts from an event to the deal's next one
        for rank, entered, left in zip(ranks, days, days[1:], strict=False):
            cast("_Tally", here[rank]).stays.append(left - entered)
        # where the deal is now: its latest event, its latest value, its cycle
        t = days[-1]
        end = max(end, t)
        tally = cast("_Tally", here[ranks[-1]])
        tally.current += 1
        tally.current_t += t
        latest = next(
            (
                values[i]
                for _, _, i in reversed(history)
                if values[i] is not None and values[i] == values[i]
            ),
            None,
        )
        if latest is not None:
            tally.current_value += latest
            tally.valued += 1
        if start is None:
            tally.cycles.append(t - days[0])
        else:
            if start in ranks:
                tally.cycles.append(t - days[ranks.index(start)])
    cells = {
        (group, rank): tally.cell()
        for group, here in tallies.items()
        for rank, tally in enumerate(here)
        if tally is not None
    }
    groups = sorted_groups(set(tallies)) if by is not None else [None]
    return Measures(layout=shape, groups=groups, cells=cells, window_days=end)
