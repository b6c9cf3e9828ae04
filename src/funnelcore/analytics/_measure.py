"""The vectorised engine of the funnel metrics: two queries, run by the log's own engine.

* :func:`count_reached` - one ``group_by`` of the log (of each part of a large one in memory,
  see ``deal_parts``; on a Polars log, one filter per stage, see ``_stage_counts``):
  the distinct deals that reached each stage (the stage conversion counts; the fast path).
* :func:`measure` - one ordered window over each deal's events, then one ``group_by``: everything
  else (time in stage, where each deal is now, its value, its cycle time).

Both run on whatever backend the log lives in (through narwhals) and return a few hundred numbers
at most, as the :class:`~funnelcore.analytics._shape.Counts` and ``Measures`` that the plain-Python
engine (``_plain``) fills too; everything after that is plain Python on those numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import narwhals as nw

from funnelcore import _columns as col
from funnelcore._process import SalesProcess
from funnelcore.analytics._frames import (
    Source,
    collect_parts,
    collect_rows,
    deal_parts,
    sortable_text,
    time_problem,
)
from funnelcore.analytics._shape import (
    DAY_US,
    EXAMPLES,
    Cell,
    Counts,
    Layout,
    Measures,
    check_by,
    layout,
    refuse_conflicts,
    refuse_missing,
    sorted_groups,
    stage_of,
    stage_positions,
)
from funnelcore.analytics._stage_counts import reached_per_stage
from funnelcore.errors import MetricsInputError

__all__ = [
    "Cell",
    "Counts",
    "Layout",
    "Measures",
    "count_reached",
    "layout",
    "measure",
    "sorted_groups",
    "stage_of",
]

# Private column names; a log column with one of these names is refused (see _check_by).
_RANK: Final = "__fc_rank"
_T: Final = "__fc_t"
_ORDER: Final = "__fc_order"
_E: Final = "__fc_elapsed_us"
_NEXT: Final = "__fc_next"
_FIRST: Final = "__fc_first"
_START: Final = "__fc_start"
_START_AT: Final = "__fc_start_at"
_VALUE: Final = "__fc_value"
_GROUP: Final = "__fc_group"
_GROUP_MIN: Final = "__fc_group_min"
_CONFLICT: Final = "__fc_conflict"
_LAST: Final = "__fc_last"
_DAYS: Final = "__fc_days"
_LAST_VALUE: Final = "__fc_last_value"
_CYCLE: Final = "__fc_cycle"
_LAST_T: Final = "__fc_last_t"


def _with_breakdown(source: Source, by: str | None) -> Source:
    """``source``, ready to be broken down by column ``by`` (checked to exist)."""
    if by is None:  # the schema is read only for a breakdown
        return source
    check_by(source.columns, by)
    return sortable_text(source, by)


def _group_columns(source: Source, by: str | None) -> list[nw.Expr]:
    if by is None:
        return []
    value = nw.col(by)
    if isinstance(source.frame.collect_schema()[by], (nw.Categorical, nw.Enum)):
        value = value.cast(nw.String())  # unordered categories have no min or max
    return [
        value.max().over(col.DEAL_ID).alias(_GROUP),
        value.min().over(col.DEAL_ID).alias(_GROUP_MIN),
    ]


def _refuse_conflicts(frame: nw.LazyFrame[Any], by: str) -> None:
    """Name a few deals whose events disagree on the breakdown column."""
    rows = collect_rows(
        frame.filter(nw.col(_CONFLICT) > 0)
        .select(nw.col(col.DEAL_ID).cast(nw.String()))
        .unique()
        .sort(col.DEAL_ID)
        .head(EXAMPLES)
    )
    refuse_conflicts(by, [row[col.DEAL_ID] for row in rows])


def _check_nulls(source: Source, columns: Sequence[str], *extra: nw.Expr) -> dict[str, Any]:
    """Refuse events without a deal id, stage or time (the audit names them row by row).

    With ``at`` among ``columns`` the same pass runs the source's checks of its times. Returns
    the values of the ``extra`` aggregations (and the counts).
    """
    times = source.time_checks if col.AT in columns else ()
    in_memory = source.polars_in_memory
    if in_memory is not None and not times and not extra:
        row: dict[str, Any] = {name: in_memory[name].null_count() for name in columns}
    else:
        row = collect_rows(
            source.frame.select(
                *(nw.col(name).null_count().alias(name) for name in columns), *times, *extra
            )
        )[0]
    problem = time_problem(row) if times else None
    if problem is not None:
        raise MetricsInputError(problem, column=col.AT)
    what = {col.DEAL_ID: "deal id", col.STAGE: "stage", col.AT: "time"}
    for name in columns:
        refuse_missing(row[name], what.get(name, name), name)
    return row


def _group_key(row: dict[str, Any], by: str | None) -> Any:
    return row[_GROUP] if by is not None else None


def _conflict_column() -> nw.Expr:
    """1 for an event whose deal has two values in the breakdown column, else 0.

    A number, not a boolean: it is summed per group, and Spark sums no booleans.
    """
    conflict = ~nw.col(_GROUP).is_null() & (nw.col(_GROUP) != nw.col(_GROUP_MIN))
    return conflict.cast(nw.Int64()).alias(_CONFLICT)


def count_reached(source: Source, process: SalesProcess[Any], *, by: str | None) -> Counts:
    """The distinct deals that reached each stage (and group): one ``group_by`` of the log.

    A Polars log counted without a breakdown takes one filter per stage instead
    (``_stage_counts``), unless that declines (a stage spelled otherwise than the process's
    values, a missing deal id, a process of many stages). Where
    it groups, a large log in memory is grouped one part of its deals at a time
    (``deal_parts``), and a second time when a stage is spelled two ways in the log.
    """
    shape = layout(process)
    source = _with_breakdown(source, by)
    keys: list[str] = []
    extra: list[nw.Expr] = []
    if by is not None:
        keys.append(_GROUP)
        extra.append(nw.col(_CONFLICT).sum().alias(_CONFLICT))

    def with_groups(frame: nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
        if by is None:
            return frame
        return frame.with_columns(*_group_columns(source, by)).with_columns(_conflict_column())

    # An eager Polars frame keeps null counts with its arrays: a separate check reads no data.
    # Anywhere else (a lazy frame, another engine) it would be another pass over the log: count
    # in the same pass.
    polars = source.frame.implementation.is_polars()
    separate_null_check = polars and not source.lazy_input
    if separate_null_check:
        _check_nulls(source, (col.DEAL_ID,))
    else:
        extra.append(nw.len().alias("__fc_rows"))
        extra.append(nw.col(col.DEAL_ID).count().alias("__fc_ids"))
    # Without a breakdown, a Polars log is first filtered per stage (_stage_counts). Where it
    # is grouped instead: a lazy log is read as the query runs, and its hash tables make the
    # peak: grouping by the stage as a Categorical (small codes, not millions of strings) cut
    # it from 1,084 to 943 MB at 10M events, no slower (benchmarks/bench_metrics.py). A frame
    # already in memory skips it: there the cast costs time (+50% at 1M events) and saves
    # little; a large one is grouped two parts of its deals at a time instead (deal_parts).
    categorical_stage = (
        source.lazy_input and polars and source.frame.collect_schema()[col.STAGE] == nw.String()
    )
    parts: list[nw.LazyFrame[Any]] = []

    def grouped(key: str, column: nw.Expr | None, *aggregations: nw.Expr) -> list[dict[str, Any]]:
        # Every part holds whole deals: the callers add up the parts' rows. The parts are cut
        # once, when first needed (cutting computes every event's part number).
        parts[:] = parts or deal_parts(source)
        queries: list[nw.LazyFrame[Any]] = []
        for part in map(with_groups, parts):
            if column is not None:
                part = part.with_columns(column)
            queries.append(
                part.group_by(*keys, key).agg(
                    nw.col(col.DEAL_ID).n_unique().alias("reached"), *aggregations
                )
            )
        return collect_parts(queries)

    stage = nw.col(col.STAGE).cast(nw.Categorical()) if categorical_stage else None
    rows = _filtered_counts(source, shape.names) if by is None and polars else None
    if rows is None:
        rows = grouped(col.STAGE, stage, *extra)
        if not separate_null_check:
            without = sum(row["__fc_rows"] - row["__fc_ids"] for row in rows)
            refuse_missing(without, "deal id", col.DEAL_ID)
    # events without a stage form a group of their own: _stage_positions refuses it
    positions = stage_positions(process, {row[col.STAGE] for row in rows})
    if by is not None and any(row[_CONFLICT] for row in rows):
        _refuse_conflicts(with_groups(source.frame), by)
    if len(set(positions.values())) < len(positions):
        # Two spellings of one stage ("Won", "won"): count each deal once per stage.
        rows = grouped(_RANK, _rank_column(positions))
        cells = [((_group_key(row, by), int(row[_RANK])), row) for row in rows]
    else:
        cells = [((_group_key(row, by), positions[row[col.STAGE]]), row) for row in rows]
    reached: dict[tuple[Any, int], int] = {}
    for key, row in cells:
        reached[key] = reached.get(key, 0) + int(row["reached"])
    groups = sorted_groups({group for group, _ in reached}) if by is not None else [None]
    return Counts(layout=shape, groups=groups, reached=reached)


def _filtered_counts(source: Source, stages: Sequence[str]) -> list[dict[str, Any]] | None:
    """The rows of the ``group_by`` by stage, from one filter per stage (``_stage_counts``).

    ``None`` where that declines (see ``reached_per_stage``).
    """
    given = source.polars_in_memory
    chunked = given is not None and max(given.to_native().n_chunks("all"), default=1) > 1
    reached = reached_per_stage(
        source.frame.to_native(), stages, events=source.height, chunked=chunked
    )
    if reached is None:
        return None
    return [{col.STAGE: value, "reached": count} for value, count in reached.items()]


def _rank_column(positions: dict[str, int]) -> nw.Expr:
    if not positions:  # an empty log (Spark cannot type an empty map)
        return nw.lit(-1, nw.Int64()).alias(_RANK)
    return (
        nw.col(col.STAGE)
        .replace_strict(positions, default=-1, return_dtype=nw.Int64())
        .alias(_RANK)
    )


def measure(
    source: Source, process: SalesProcess[Any], *, by: str | None, start: int | None = None
) -> Measures:
    """All per-stage aggregates in one ordered window and one ``group_by``.

    Each deal's events are ordered by time (ties by stage position). An event's stay lasts until
    the deal's next event; the deal's latest event says where it is now (its ``value`` is the
    latest one recorded); its cycle runs from its first entry into ``start`` (default: its first
    event) to its latest event.
    """
    shape = layout(process)
    source = _with_breakdown(source, by)
    frame = source.frame
    if source.micros is None:
        _check_nulls(source, (col.DEAL_ID, col.STAGE, col.AT))
        elapsed = (nw.col(col.AT) - nw.col(col.AT).min()).dt.total_microseconds()
    else:
        # Spark: the first event's time comes back with the null counts (a minimum broadcast
        # over the whole log would pull it into one partition); the same integer arithmetic.
        origin = _check_nulls(
            source,
            (col.DEAL_ID, col.STAGE, col.AT),
            nw.col(source.micros).min().alias("__fc_origin"),
        )["__fc_origin"]
        elapsed = nw.col(source.micros) - (origin or 0)
    names = collect_rows(frame.select(col.STAGE).unique())
    positions = stage_positions(process, {row[col.STAGE] for row in names})
    # One integer sort key: time, then stage position on a tie. (A window ordered by two keys,
    # [time, rank], was not honoured on Polars through narwhals: ties came out in input order.)
    order = [_ORDER]
    frame = frame.with_columns(_rank_column(positions), (elapsed / DAY_US).alias(_T))
    # Differences of times are taken on the integer microseconds, then turned into days, so
    # equal times give exactly 0 days (a difference of two divided floats may not).
    frame = frame.with_columns(
        elapsed.alias(_E),
        (elapsed * (len(process.stages) + 1) + nw.col(_RANK)).alias(_ORDER),
    )
    start_expr = (
        nw.when(nw.col(_RANK) == start).then(nw.col(_E)).otherwise(None)
        if start is not None
        else nw.col(_E)
    )
    frame = frame.with_columns(start_expr.alias(_START_AT))
    window = [
        nw.col(_E).shift(-1).over(col.DEAL_ID, order_by=order).alias(_NEXT),
        nw.col(_START_AT).min().over(col.DEAL_ID).alias(_START),
        *_group_columns(source, by),
    ]
    if source.has_value:
        window.append(
            nw.col(col.VALUE)
            .fill_null(strategy="forward")
            .over(col.DEAL_ID, order_by=order)
            .alias(_VALUE)
        )
    frame = frame.with_columns(*window)
    last = nw.col(_LAST)
    derived = [
        ((nw.col(_NEXT) - nw.col(_E)) / DAY_US).alias(_DAYS),
        nw.when(last).then((nw.col(_E) - nw.col(_START)) / DAY_US).otherwise(None).alias(_CYCLE),
        nw.when(last).then(nw.col(_T)).otherwise(None).alias(_LAST_T),
    ]
    if source.has_value:
        derived.append(nw.when(last).then(nw.col(_VALUE)).otherwise(None).alias(_LAST_VALUE))
    if by is not None:
        derived.append(_conflict_column())
    frame = frame.with_columns(nw.col(_NEXT).is_null().alias(_LAST)).with_columns(*derived)
    days = nw.col(_DAYS)
    cycle = nw.col(_CYCLE)
    aggregations = [
        nw.col(col.DEAL_ID).n_unique().alias("reached"),
        days.count().alias("stays"),
        days.median().alias("median_days"),
        days.quantile(0.9, interpolation="linear").alias("p90_days"),
        days.sum().alias("stay_days"),
        nw.col(_LAST_T).count().alias("current"),  # one per deal: its latest event
        cycle.count().alias("cycles"),
        cycle.mean().alias("cycle_mean"),
        cycle.median().alias("cycle_median"),
        cycle.quantile(0.9, interpolation="linear").alias("cycle_p90"),
        nw.col(_LAST_T).sum().alias("current_t"),
        nw.col(_T).max().alias("__fc_end"),
    ]
    if source.has_value:
        aggregations.append(nw.col(_LAST_VALUE).sum().alias("current_value"))
        aggregations.append(nw.col(_LAST_VALUE).count().alias("valued"))
    keys = [_GROUP] if by is not None else []
    if by is not None:
        aggregations.append(nw.col(_CONFLICT).sum().alias(_CONFLICT))
    rows = collect_rows(frame.group_by(*keys, _RANK).agg(*aggregations), streaming=True)
    if by is not None and any(row[_CONFLICT] for row in rows):
        _refuse_conflicts(frame, by)
    cells: dict[tuple[Any, int], Cell] = {}
    for row in rows:
        cells[(_group_key(row, by), int(row[_RANK]))] = Cell(
            reached=int(row["reached"]),
            stays=int(row["stays"]),
            median_days=_real(row["median_days"]),
            p90_days=_real(row["p90_days"]),
            stay_days=_real(row["stay_days"]) or 0.0,
            current=int(row["current"] or 0),
            current_value=_real(row.get("current_value")) or 0.0,
            valued=int(row.get("valued") or 0),
            cycles=int(row["cycles"]),
            cycle_mean=_real(row["cycle_mean"]),
            cycle_median=_real(row["cycle_median"]),
            cycle_p90=_real(row["cycle_p90"]),
            current_t=_real(row["current_t"]) or 0.0,
        )
    window_days = max((_real(row["__fc_end"]) or 0.0 for row in rows), default=0.0)
    groups = sorted_groups({group for group, _ in cells}) if by is not None else [None]
    return Measures(layout=shape, groups=groups, cells=cells, window_days=window_days)


def _real(value: Any) -> float | None:
    return None if value is None else float(value)
