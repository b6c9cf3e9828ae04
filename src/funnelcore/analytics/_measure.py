"""The engine of the funnel metrics: two vectorised queries and the process facts they need.

* :func:`count_reached` - one ``group_by`` of the log: the distinct deals that reached each stage
  (the stage conversion counts; the fast path).
* :func:`measure` - one ordered window over each deal's events, then one ``group_by``: everything
  else (time in stage, where each deal is now, its value, its cycle time).

Both run on whatever backend the log lives in (through narwhals) and return a few hundred numbers
at most; everything after that is plain Python on those numbers.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any, Final

import attrs
import narwhals as nw

from funnelcore import _columns as col
from funnelcore._process import SalesProcess
from funnelcore.analytics._frames import Source, collect_rows, time_problem
from funnelcore.errors import MetricsInputError, UnknownStageError

__all__ = ["Cell", "Layout", "Measures", "count_reached", "layout", "measure", "stage_of"]

_DAY_US: Final = 86_400_000_000
_EXAMPLES: Final = 5
# Private column names; a log column with one of these names is refused (see _check_by).
_RANK: Final = "__fc_rank"
_T: Final = "__fc_t"
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


@attrs.frozen
class Layout:
    """What the metrics need to know of a process, by stage position.

    Attributes:
        process: the process's name.
        names: the stage values in process order.
        next_index: for each stage, the position of its next stage on the way to WON, or ``None``.
            The next stage is the second stage of the shortest path to WON, kept only when every
            path from the entry stage to it passes through this stage; so in a log that follows
            the process, the deals that reached the next stage are a subset of those that reached
            this one, and conversion lies in [0, 1].
        entry: the entry stage's position.
        won: the WON stage's position.
        lost: the LOST stage's position.
        probability: each stage's default win probability, if the process gives one.
    """

    process: str
    names: tuple[str, ...]
    next_index: tuple[int | None, ...]
    entry: int
    won: int
    lost: int
    probability: tuple[float | None, ...]

    def is_open(self, index: int) -> bool:
        """Whether the stage at ``index`` is neither WON nor LOST."""
        return index not in (self.won, self.lost)


def layout(process: SalesProcess[Any]) -> Layout:
    """The :class:`Layout` of ``process``."""
    if not isinstance(process, SalesProcess):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"expected a SalesProcess, got {type(process).__name__}")
    stages = process.stages
    position = {stage: index for index, stage in enumerate(stages)}
    next_index: list[int | None] = []
    for stage in stages:
        if process.is_terminal(stage):
            next_index.append(None)
            continue
        path = process.path_to(process.won, start=stage)
        following = path[1] if len(path) > 1 else None
        if following is None or not _dominates(process, stage, following):
            next_index.append(None)
        else:
            next_index.append(position[following])
    return Layout(
        process=process.name,
        names=tuple(str(stage.value) for stage in stages),
        next_index=tuple(next_index),
        entry=position[process.entry],
        won=position[process.won],
        lost=position[process.lost],
        probability=tuple(process.probability(stage) for stage in stages),
    )


def _dominates(process: SalesProcess[Any], stage: enum.Enum, target: enum.Enum) -> bool:
    """Whether every path from the entry stage to ``target`` passes through ``stage``."""
    if stage is process.entry:
        return True
    seen = {process.entry}
    queue = deque([process.entry])
    while queue:
        for following in process.next_stages(queue.popleft()):
            if following is stage or following in seen:
                continue
            if following is target:
                return False
            seen.add(following)
            queue.append(following)
    return True


def stage_of(process: SalesProcess[Any], name: object) -> int:
    """The position in ``process`` of a stage given by member, value or name.

    Raises:
        MetricsInputError: the process has no such stage.
    """
    for index, stage in enumerate(process.stages):
        if name is stage:
            return index
    text = name.value if isinstance(name, enum.Enum) else name
    if isinstance(text, str):
        try:
            return process.stages.index(process.stage(text))
        except UnknownStageError:
            pass
    known = ", ".join(str(stage.value) for stage in process.stages)
    raise MetricsInputError(
        f"process {process.name!r} has no stage {name!r}; its stages are {known}"
    )


def _stage_positions(process: SalesProcess[Any], raw_names: Iterable[Any]) -> dict[str, int]:
    """Map each stage spelling found in a log to its position; refuse unknown or missing ones."""
    positions: dict[str, int] = {}
    unknown: list[str] = []
    missing = False
    for raw in raw_names:
        if raw is None:
            missing = True
            continue
        try:
            positions[raw] = process.stages.index(process.stage(str(raw)))
        except UnknownStageError:
            unknown.append(str(raw))
    if missing:
        raise MetricsInputError(
            "some events have no stage; audit the log to find them", column=col.STAGE
        )
    if unknown:
        known = ", ".join(str(stage.value) for stage in process.stages)
        shown = ", ".join(repr(name) for name in sorted(unknown)[:_EXAMPLES])
        more = f" and {len(unknown) - _EXAMPLES} more" if len(unknown) > _EXAMPLES else ""
        raise MetricsInputError(
            f"{len(unknown)} stage name(s) are not stages of process {process.name!r}: "
            f"{shown}{more}; its stages are {known}",
            column=col.STAGE,
        )
    return positions


def _check_by(source: Source, by: str | None) -> None:
    if by is None:
        return
    if not isinstance(by, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"by= takes a column name, got {type(by).__name__}")
    columns = source.columns
    if by not in columns:
        raise MetricsInputError(
            f"cannot break down by {by!r}: the log has no such column; "
            f"its columns are {', '.join(columns)}",
            column=by,
        )
    if by in (col.DEAL_ID, col.STAGE, col.AT) or by.startswith("__fc_"):
        raise MetricsInputError(
            f"cannot break down by {by!r}: a breakdown column holds one value per deal "
            "(source, campaign, sales agent, product, ...)",
            column=by,
        )


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


def _refuse_conflicts(frame: nw.LazyFrame[Any], by: str, at_from_text: bool) -> None:
    """Name a few deals whose events disagree on the breakdown column."""
    rows = collect_rows(
        frame.filter(nw.col(_CONFLICT) > 0)
        .select(nw.col(col.DEAL_ID).cast(nw.String()))
        .unique()
        .sort(col.DEAL_ID)
        .head(_EXAMPLES),
        at_from_text=at_from_text,
    )
    shown = ", ".join(repr(row[col.DEAL_ID]) for row in rows)
    raise MetricsInputError(
        f"deals have more than one value in {by!r} (for example {shown}); a breakdown puts "
        "each deal in one group, so give all of a deal's events the same value (events "
        "without a value are fine)",
        column=by,
    )


def _check_nulls(source: Source, columns: Sequence[str], *extra: nw.Expr) -> dict[str, Any]:
    """Refuse events without a deal id, stage or time (the audit names them row by row).

    With ``at`` among ``columns`` the same pass runs the source's checks of its times. Returns
    the values of the ``extra`` aggregations (and the counts).
    """
    times = source.time_checks if col.AT in columns else ()
    row = collect_rows(
        source.frame.select(
            *(nw.col(name).null_count().alias(name) for name in columns), *times, *extra
        ),
        at_from_text=source.at_from_text,
    )[0]
    problem = time_problem(row) if times else None
    if problem is not None:
        raise MetricsInputError(problem, column=col.AT)
    what = {col.DEAL_ID: "deal id", col.STAGE: "stage", col.AT: "time"}
    for name in columns:
        if row[name]:
            raise MetricsInputError(
                f"{row[name]} event(s) have no {what.get(name, name)}; audit the log to find them",
                column=name,
            )
    return row


def _group_key(row: dict[str, Any], by: str | None) -> Any:
    return row[_GROUP] if by is not None else None


def _conflict_column() -> nw.Expr:
    """1 for an event whose deal has two values in the breakdown column, else 0.

    A number, not a boolean: it is summed per group, and Spark sums no booleans.
    """
    conflict = ~nw.col(_GROUP).is_null() & (nw.col(_GROUP) != nw.col(_GROUP_MIN))
    return conflict.cast(nw.Int64()).alias(_CONFLICT)


def sorted_groups(groups: Iterable[Any]) -> list[Any]:
    """Group values in ascending order, the missing (``None``) group last."""
    present = {group for group in groups if group is not None}
    try:
        ordered = sorted(present)
    except TypeError:
        ordered = sorted(present, key=str)
    return [*ordered, *([None] if None in set(groups) else [])]


@attrs.frozen
class Counts:
    """Distinct deals that reached each stage, per group (``None`` when there is no breakdown)."""

    layout: Layout
    groups: list[Any]
    reached: dict[tuple[Any, int], int]


def count_reached(source: Source, process: SalesProcess[Any], *, by: str | None) -> Counts:
    """The distinct deals that reached each stage (and group): one ``group_by`` of the log."""
    shape = layout(process)
    _check_by(source, by)
    frame = source.frame
    keys: list[str] = []
    extra: list[nw.Expr] = []
    if by is not None:
        frame = frame.with_columns(*_group_columns(source, by)).with_columns(_conflict_column())
        keys.append(_GROUP)
        extra.append(nw.col(_CONFLICT).sum().alias(_CONFLICT))
    if frame.implementation.is_polars():
        # Polars keeps null counts with its arrays: this check reads no data.
        _check_nulls(source, (col.DEAL_ID,))
    else:
        # Elsewhere a separate check is another pass over the log: count in the same pass.
        extra.append(nw.len().alias("__fc_rows"))
        extra.append(nw.col(col.DEAL_ID).count().alias("__fc_ids"))
    rows = collect_rows(
        frame.group_by(*keys, col.STAGE).agg(
            nw.col(col.DEAL_ID).n_unique().alias("reached"), *extra
        ),
        at_from_text=source.at_from_text,
    )
    if not frame.implementation.is_polars():
        without = sum(row["__fc_rows"] - row["__fc_ids"] for row in rows)
        if without:
            raise MetricsInputError(
                f"{without} event(s) have no deal id; audit the log to find them",
                column=col.DEAL_ID,
            )
    # events without a stage form a group of their own: _stage_positions refuses it
    positions = _stage_positions(process, {row[col.STAGE] for row in rows})
    if by is not None and any(row[_CONFLICT] for row in rows):
        _refuse_conflicts(frame, by, source.at_from_text)
    if len(set(positions.values())) < len(positions):
        # Two spellings of one stage ("Won", "won"): count each deal once per stage.
        frame = frame.with_columns(_rank_column(positions))
        rows = collect_rows(
            frame.group_by(*keys, _RANK).agg(nw.col(col.DEAL_ID).n_unique().alias("reached")),
            at_from_text=source.at_from_text,
        )
        reached: dict[tuple[Any, int], int] = {
            (_group_key(row, by), int(row[_RANK])): int(row["reached"]) for row in rows
        }
    else:
        reached = {}
        for row in rows:
            key = (_group_key(row, by), positions[row[col.STAGE]])
            reached[key] = reached.get(key, 0) + int(row["reached"])
    groups = sorted_groups({group for group, _ in reached}) if by is not None else [None]
    return Counts(layout=shape, groups=groups, reached=reached)


def _rank_column(positions: dict[str, int]) -> nw.Expr:
    if not positions:  # an empty log (Spark cannot type an empty map)
        return nw.lit(-1, nw.Int64()).alias(_RANK)
    return (
        nw.col(col.STAGE)
        .replace_strict(positions, default=-1, return_dtype=nw.Int64())
        .alias(_RANK)
    )


@attrs.frozen
class Cell:
    """The aggregates of one stage (in one group).

    Attributes:
        reached: distinct deals with an event entering the stage.
        stays: completed stays (an entry followed by another event of the same deal).
        median_days: median length of the completed stays, in days.
        p90_days: their 90th percentile (linear interpolation).
        stay_days: their total length, in days.
        current: deals whose latest event entered this stage.
        current_value: the summed value of those deals (deals without a value count 0).
        valued: how many of them have a value.
        cycles: how many of them have a cycle time (they reached the start stage).
        cycle_mean: mean days from the start stage to their latest event.
        cycle_median: median of the same.
        cycle_p90: 90th percentile of the same.
        current_t: the summed time of their latest events, in days since the log's first event.
    """

    reached: int = 0
    stays: int = 0
    median_days: float | None = None
    p90_days: float | None = None
    stay_days: float = 0.0
    current: int = 0
    current_value: float = 0.0
    valued: int = 0
    cycles: int = 0
    cycle_mean: float | None = None
    cycle_median: float | None = None
    cycle_p90: float | None = None
    current_t: float = 0.0


_EMPTY: Final = Cell()


@attrs.frozen
class Measures:
    """Every aggregate the metrics use, per group and stage position.

    Attributes:
        layout: the process facts.
        groups: the group values in order (``[None]`` without a breakdown).
        cells: the aggregates by ``(group, stage position)``; absent means nothing there.
        window_days: days from the log's first event to its last.
    """

    layout: Layout
    groups: list[Any]
    cells: dict[tuple[Any, int], Cell]
    window_days: float

    def cell(self, group: Any, index: int) -> Cell:
        """The aggregates of stage ``index`` in ``group`` (empty when nothing is there)."""
        return self.cells.get((group, index), _EMPTY)

    def deals(self, group: Any) -> int:
        """The number of deals in ``group`` (each deal has exactly one latest event)."""
        return sum(self.cell(group, index).current for index in range(len(self.layout.names)))


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
    _check_by(source, by)
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
    names = collect_rows(frame.select(col.STAGE).unique(), at_from_text=source.at_from_text)
    positions = _stage_positions(process, {row[col.STAGE] for row in names})
    order = [_T, _RANK]
    frame = frame.with_columns(_rank_column(positions), (elapsed / _DAY_US).alias(_T))
    start_expr = (
        nw.when(nw.col(_RANK) == start).then(nw.col(_T)).otherwise(None)
        if start is not None
        else nw.col(_T)
    )
    frame = frame.with_columns(start_expr.alias(_START_AT))
    window = [
        nw.col(_T).shift(-1).over(col.DEAL_ID, order_by=order).alias(_NEXT),
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
        (nw.col(_NEXT) - nw.col(_T)).alias(_DAYS),
        nw.when(last).then(nw.col(_T) - nw.col(_START)).otherwise(None).alias(_CYCLE),
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
    rows = collect_rows(
        frame.group_by(*keys, _RANK).agg(*aggregations),
        at_from_text=source.at_from_text,
        streaming=True,
    )
    if by is not None and any(row[_CONFLICT] for row in rows):
        _refuse_conflicts(frame, by, source.at_from_text)
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
