"""Funnel metrics per stage and per group: conversion, time in stage, win rate, velocity, pipeline.

Every function takes a log (a dataframe with the canonical columns - PySpark included -, a CSV /
JSON Lines path, or a list of row dicts) and a process, and returns a frame of the caller's type
(a list of dicts for rows: the plain-Python engine of ``_plain`` measures them). The numbers
assume a log that follows the process (run the audit first): every deal starts at the entry stage
and moves along edges.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

from funnelcore._process import SalesProcess

if TYPE_CHECKING:
    import polars as pl
    from narwhals.typing import IntoFrameT

    from funnelcore.analytics._engines import Build
    from funnelcore.analytics._frames import Kind
    from funnelcore.analytics._shape import Counts, Layout, Measures

__all__ = [
    "cycle_times",
    "funnel_result",
    "funnel_summary",
    "stage_conversion",
    "stage_funnel",
    "summary_result",
]

_CONVERSION_COLUMNS: dict[str, Kind] = {
    "stage": "str",
    "reached": "int",
    "next_stage": "str",
    "conversion": "float",
    "conversion_from_entry": "float",
    "dropped": "int",
}
_FUNNEL_COLUMNS: dict[str, Kind] = {
    **_CONVERSION_COLUMNS,
    "stays": "int",
    "median_days": "float",
    "p90_days": "float",
    "current": "int",
    "current_value": "float",
    "probability": "float",
    "weighted_value": "float",
}
_SUMMARY_COLUMNS: dict[str, Kind] = {
    "deals": "int",
    "open": "int",
    "won": "int",
    "lost": "int",
    "win_rate": "float",
    "average_won_value": "float",
    "average_cycle_days": "float",
    "sales_velocity": "float",
    "pipeline_value": "float",
    "weighted_pipeline": "float",
}
_CYCLE_COLUMNS: dict[str, Kind] = {
    "outcome": "str",
    "deals": "int",
    "mean_days": "float",
    "median_days": "float",
    "p90_days": "float",
}


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def _conversion_row(
    shape: Layout, reached: Sequence[int], index: int
) -> dict[str, str | int | float | None]:
    following = shape.next_index[index]
    here = reached[index]
    return {
        "stage": shape.names[index],
        "reached": here,
        "next_stage": None if following is None else shape.names[following],
        "conversion": None if following is None else _ratio(reached[following], here),
        "conversion_from_entry": _ratio(here, reached[shape.entry]),
        "dropped": None if following is None else here - reached[following],
    }


def _frame(
    rows: list[dict[str, Any]], columns: dict[str, Kind], by: str | None, by_kind: Kind | None
) -> tuple[dict[str, list[Any]], dict[str, Kind]]:
    kinds: dict[str, Kind] = {}
    if by is not None:
        if by in columns:
            from funnelcore.errors import MetricsInputError

            raise MetricsInputError(
                f"cannot break down by {by!r}: the result has a column of that name; "
                "rename the column first",
                column=by,
            )
        kinds[by] = by_kind or "str"
    kinds.update(columns)
    data = {name: [row[name] for row in rows] for name in kinds}
    return data, kinds


def _kind_of(values: Sequence[Any]) -> Kind:
    present = [value for value in values if value is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "float"
    return "str"


def _group_values(groups: Sequence[Any]) -> tuple[list[Any], Kind]:
    kind = _kind_of(groups)
    if kind == "str":
        return [None if group is None else str(group) for group in groups], kind
    return list(groups), kind


def _result(
    build: Build,
    groups: Sequence[Any],
    by: str | None,
    columns: dict[str, Kind],
    rows_of: Callable[[Any], list[dict[str, Any]]],
) -> Any:
    """The rows of every group, the group's value first when broken down, as the caller's frame."""
    labels, by_kind = _group_values(groups)
    rows: list[dict[str, Any]] = []
    for group, label in zip(groups, labels, strict=True):
        for row in rows_of(group):
            rows.append({by: label, **row} if by is not None else row)
    data, kinds = _frame(rows, columns, by, by_kind)
    return build(data, kinds)


def _counts(counts: Counts, group: Any) -> list[int]:
    return [counts.reached.get((group, index), 0) for index in range(len(counts.layout.names))]


@overload
def stage_conversion(
    log: Sequence[Mapping[str, Any]], process: SalesProcess[Any], *, by: str | None = None
) -> list[dict[str, Any]]: ...
@overload
def stage_conversion(
    log: IntoFrameT, process: SalesProcess[Any], *, by: str | None = None
) -> IntoFrameT: ...
@overload
def stage_conversion(
    log: str | os.PathLike[str], process: SalesProcess[Any], *, by: str | None = None
) -> pl.DataFrame: ...
def stage_conversion(log: Any, process: SalesProcess[Any], *, by: str | None = None) -> Any:
    """Deals that reached each stage and how many went on to the next: the funnel's counts.

    The fast path: one ``group_by`` of the log, run by its own engine (a large Polars frame in
    memory is grouped two parts of its deals at a time, to keep memory down; the counts are
    exact). One row per stage in process order (per group with ``by=``):

    * ``reached``: distinct deals with an event entering the stage;
    * ``next_stage``: the next stage on the way to WON (``None`` for WON, LOST, and a stage whose
      next stage can also be reached around it);
    * ``conversion``: reached(next stage) / reached; ``dropped``: reached - reached(next stage),
      the deals lost at this stage or still waiting in it;
    * ``conversion_from_entry``: reached / reached(entry stage), the cumulative conversion.

    Args:
        log: a dataframe with ``deal_id`` and ``stage`` columns, a CSV / JSON Lines path, or a
            list of row dicts.
        process: the process the log follows; stage names match its values or names as
            :meth:`~funnelcore.SalesProcess.stage` matches them (any case; ``Needs Analysis``).
        by: a column to break the funnel down by (source, campaign, sales agent, ...). Each
            deal belongs to the one value its events carry; events without a value are fine.

    Returns:
        A frame of the caller's type (Polars for a path). For a PySpark DataFrame the work runs on
        Spark and the result is a Spark DataFrame in the log's own session. For a list of row
        dicts (and for a path when the ``analytics`` extra is not installed) the work runs in
        plain Python and the result is a list of dicts with the same columns.

    Raises:
        MetricsInputError: a needed column is missing, a stage is not in the process, a deal id
            is missing, or a deal has two values in ``by``.

    >>> import polars as pl
    >>> from funnelcore import SalesProcess
    >>> log = pl.DataFrame({"deal_id": ["a", "a", "b"], "stage": ["lead", "won", "lead"]})
    >>> stage_conversion(log, SalesProcess.simple()).rows()
    [('lead', 2, 'won', 0.5, 1.0, 1), ('won', 1, None, None, 0.5, None), ('lost', 0, None, None, 0.0, None)]
    """  # noqa: E501
    from funnelcore.analytics._engines import counted

    counts, build = counted(log, process, by=by)
    shape = counts.layout

    def rows_of(group: Any) -> list[dict[str, Any]]:
        reached = _counts(counts, group)
        return [_conversion_row(shape, reached, index) for index in range(len(shape.names))]

    return _result(build, counts.groups, by, _CONVERSION_COLUMNS, rows_of)


@overload
def stage_funnel(
    log: Sequence[Mapping[str, Any]], process: SalesProcess[Any], *, by: str | None = None
) -> list[dict[str, Any]]: ...
@overload
def stage_funnel(
    log: IntoFrameT, process: SalesProcess[Any], *, by: str | None = None
) -> IntoFrameT: ...
@overload
def stage_funnel(
    log: str | os.PathLike[str], process: SalesProcess[Any], *, by: str | None = None
) -> pl.DataFrame: ...
def stage_funnel(log: Any, process: SalesProcess[Any], *, by: str | None = None) -> Any:
    """The funnel per stage: conversion, drop-off, time in stage, and what is waiting where.

    The columns of :func:`stage_conversion`, plus:

    * ``stays``, ``median_days``, ``p90_days``: the completed stays in the stage (from entering
      it to the deal's next event) and their median and 90th percentile in days (linear
      interpolation). A deal still in the stage is not counted; a stage entered twice (a revised
      proposal) counts twice.
    * ``current``: deals whose latest event entered this stage - open deals waiting here, or for
      WON and LOST the deals closed there; ``current_value``: their summed ``value`` (the latest
      value each deal recorded; deals without one count 0).
    * ``probability``: the process's win probability for the stage; ``weighted_value``:
      ``current_value x probability`` for open stages (``None`` without a probability). Their sum
      is the weighted pipeline of :func:`funnel_summary`.

    Args:
        log: a dataframe with ``deal_id``, ``stage`` and ``at`` (optional ``value``), a path, or
            a list of row dicts (see :func:`stage_conversion` for what comes back).
        process: the process the log follows.
        by: a column to break the funnel down by (see :func:`stage_conversion`).

    Raises:
        MetricsInputError: as :func:`stage_conversion`, or an event has no time.
    """
    from funnelcore.analytics._engines import measured

    measures, build = measured(log, process, by=by)
    return funnel_result(measures, build, by)


def funnel_result(measures: Measures, build: Build, by: str | None) -> Any:
    """The :func:`stage_funnel` result of measures already taken, built by ``build``."""
    shape = measures.layout

    def rows_of(group: Any) -> list[dict[str, Any]]:
        reached = [measures.cell(group, index).reached for index in range(len(shape.names))]
        rows: list[dict[str, Any]] = []
        for index in range(len(shape.names)):
            cell = measures.cell(group, index)
            probability = shape.probability[index]
            row = _conversion_row(shape, reached, index)
            row.update(
                stays=cell.stays,
                median_days=cell.median_days,
                p90_days=cell.p90_days,
                current=cell.current,
                current_value=cell.current_value,
                probability=probability,
                weighted_value=(
                    cell.current_value * probability
                    if probability is not None and shape.is_open(index)
                    else None
                ),
            )
            rows.append(row)
        return rows

    return _result(build, measures.groups, by, _FUNNEL_COLUMNS, rows_of)


def _summary_row(measures: Measures, group: Any) -> dict[str, Any]:
    shape = measures.layout
    won = measures.cell(group, shape.won)
    lost = measures.cell(group, shape.lost)
    open_stages = [index for index in range(len(shape.names)) if shape.is_open(index)]
    open_count = sum(measures.cell(group, index).current for index in open_stages)
    win_rate = _ratio(won.current, won.current + lost.current)
    average_value = _ratio(won.current_value, won.valued)
    cycle = won.cycle_mean
    velocity = (
        open_count * average_value * win_rate / cycle
        if average_value is not None and win_rate is not None and cycle
        else None
    )
    pipeline = sum(measures.cell(group, index).current_value for index in open_stages)
    weighted: float | None = 0.0
    for index in open_stages:
        cell = measures.cell(group, index)
        probability = shape.probability[index]
        if cell.current == 0:
            continue
        if probability is None or weighted is None:
            weighted = None
            continue
        weighted += cell.current_value * probability
    return {
        "deals": measures.deals(group),
        "open": open_count,
        "won": won.current,
        "lost": lost.current,
        "win_rate": win_rate,
        "average_won_value": average_value,
        "average_cycle_days": cycle,
        "sales_velocity": velocity,
        "pipeline_value": pipeline,
        "weighted_pipeline": weighted,
    }


@overload
def funnel_summary(
    log: Sequence[Mapping[str, Any]], process: SalesProcess[Any], *, by: str | None = None
) -> list[dict[str, Any]]: ...
@overload
def funnel_summary(
    log: IntoFrameT, process: SalesProcess[Any], *, by: str | None = None
) -> IntoFrameT: ...
@overload
def funnel_summary(
    log: str | os.PathLike[str], process: SalesProcess[Any], *, by: str | None = None
) -> pl.DataFrame: ...
def funnel_summary(log: Any, process: SalesProcess[Any], *, by: str | None = None) -> Any:
    """The funnel in one row (per group): win rate, sales velocity and the pipeline.

    Columns:

    * ``deals``, ``open``, ``won``, ``lost``: deals by where their latest event put them.
    * ``win_rate``: won / (won + lost), the share of closed deals that were won.
    * ``average_won_value``: mean value of the won deals that carry one.
    * ``average_cycle_days``: mean days from a won deal's first event to its win.
    * ``sales_velocity``: open x average won value x win rate / average cycle days - the value
      the open pipeline is expected to close per day.
    * ``pipeline_value``: summed value of the open deals; ``weighted_pipeline``: the same, each
      deal weighted by its stage's probability (``None`` when an open deal sits in a stage
      without one).

    A ratio with nothing to divide by is ``None``.

    Raises:
        MetricsInputError: as :func:`stage_funnel`.
    """
    from funnelcore.analytics._engines import measured

    measures, build = measured(log, process, by=by)
    return summary_result(measures, build, by)


def summary_result(measures: Measures, build: Build, by: str | None) -> Any:
    """The :func:`funnel_summary` result of measures already taken, built by ``build``."""
    return _result(
        build,
        measures.groups,
        by,
        _SUMMARY_COLUMNS,
        lambda group: [_summary_row(measures, group)],
    )


@overload
def cycle_times(
    log: Sequence[Mapping[str, Any]],
    process: SalesProcess[Any],
    *,
    start: object = None,
    by: str | None = None,
) -> list[dict[str, Any]]: ...
@overload
def cycle_times(
    log: IntoFrameT,
    process: SalesProcess[Any],
    *,
    start: object = None,
    by: str | None = None,
) -> IntoFrameT: ...
@overload
def cycle_times(
    log: str | os.PathLike[str],
    process: SalesProcess[Any],
    *,
    start: object = None,
    by: str | None = None,
) -> pl.DataFrame: ...
def cycle_times(
    log: Any, process: SalesProcess[Any], *, start: object = None, by: str | None = None
) -> Any:
    """Days from a start stage to the close, for won and for lost deals.

    One row per outcome (``won``, ``lost``; per group with ``by=``): ``deals`` closed that way
    which reached ``start``, and the ``mean_days``, ``median_days`` and ``p90_days`` from their
    first entry into ``start`` to the close. With ``start=None`` the clock starts at each deal's
    first event (its sales cycle).

    Args:
        log: a dataframe, path or rows, as :func:`stage_funnel`.
        process: the process the log follows.
        start: the stage the clock starts at: a member, its value or its name.
        by: a breakdown column.

    Raises:
        MetricsInputError: as :func:`stage_funnel`, or ``start`` is not a stage of the process.
    """
    from funnelcore.analytics._engines import measured
    from funnelcore.analytics._shape import stage_of

    start_index = None if start is None else stage_of(process, start)
    measures, build = measured(log, process, by=by, start=start_index)
    shape = measures.layout

    def rows_of(group: Any) -> list[dict[str, Any]]:
        return [
            {
                "outcome": shape.names[outcome],
                "deals": measures.cell(group, outcome).cycles,
                "mean_days": measures.cell(group, outcome).cycle_mean,
                "median_days": measures.cell(group, outcome).cycle_median,
                "p90_days": measures.cell(group, outcome).cycle_p90,
            }
            for outcome in (shape.won, shape.lost)
        ]

    return _result(build, measures.groups, by, _CYCLE_COLUMNS, rows_of)
