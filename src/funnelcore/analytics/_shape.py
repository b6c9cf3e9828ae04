"""What the funnel metrics know of a process, and the aggregates every engine hands back.

No dataframe library here: the vectorised engine (``_measure``) and the plain-Python one
(``_plain``) both fill :class:`Counts` and :class:`Measures`, and ``_funnel`` turns them into the
result rows the same way whichever engine ran.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any, Final, NoReturn

import attrs

from funnelcore import _columns as col
from funnelcore._process import SalesProcess, check_process
from funnelcore.errors import MetricsInputError, UnknownStageError

__all__ = [
    "DAY_US",
    "EXAMPLES",
    "Cell",
    "Counts",
    "Layout",
    "Measures",
    "check_by",
    "check_columns",
    "layout",
    "mixed_offsets",
    "refuse_conflicts",
    "refuse_missing",
    "sorted_groups",
    "stage_of",
    "stage_positions",
]

#: Microseconds in a day: durations are measured in microseconds and reported in days.
DAY_US: Final = 86_400_000_000

#: How many offending values an error names.
EXAMPLES: Final = 5


@attrs.frozen
class Layout:
    """What the metrics need to know of a process, by stage position.

    Attributes:
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
    check_process(process)
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


def stage_positions(process: SalesProcess[Any], raw_names: Iterable[Any]) -> dict[str, int]:
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
        shown = ", ".join(repr(name) for name in sorted(unknown)[:EXAMPLES])
        more = f" and {len(unknown) - EXAMPLES} more" if len(unknown) > EXAMPLES else ""
        raise MetricsInputError(
            f"{len(unknown)} stage name(s) are not stages of process {process.name!r}: "
            f"{shown}{more}; its stages are {known}",
            column=col.STAGE,
        )
    return positions


def check_columns(columns: Sequence[str], needed: Sequence[str]) -> None:
    """Refuse a log that lacks a column the metric needs, naming the columns it has."""
    missing = [name for name in needed if name not in columns]
    if missing:
        raise MetricsInputError(
            f"the log has no column {', '.join(repr(m) for m in missing)}; "
            f"its columns are {', '.join(columns)}",
            column=missing[0],
        )


def refuse_missing(count: int, what: str, column: str) -> None:
    """Refuse a log where ``count`` events have no ``what`` (the audit names them row by row)."""
    if count:
        raise MetricsInputError(
            f"{count} event(s) have no {what}; audit the log to find them", column=column
        )


def refuse_conflicts(by: str, deal_ids: Sequence[object]) -> NoReturn:
    """Refuse a breakdown column in which the deals ``deal_ids`` (examples) have two values."""
    shown = ", ".join(repr(deal) for deal in deal_ids)
    raise MetricsInputError(
        f"deals have more than one value in {by!r} (for example {shown}); a breakdown puts "
        "each deal in one group, so give all of a deal's events the same value (events "
        "without a value are fine)",
        column=by,
    )


def mixed_offsets(naive: int, aware: int) -> str:
    """Why a log with ``naive`` times without and ``aware`` with a UTC offset is refused."""
    return (
        f"{naive} event(s) have no UTC offset while {aware} have one: their instants cannot be "
        "compared; audit the log to find them"
    )


def check_by(columns: Sequence[str], by: str | None) -> None:
    """Refuse a breakdown column the log does not have, or one that is not per deal."""
    if by is None:
        return
    if not isinstance(by, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"by= takes a column name, got {type(by).__name__}")
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
