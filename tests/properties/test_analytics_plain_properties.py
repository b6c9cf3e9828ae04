"""The plain-Python metrics give the vectorised engine's results on any log that follows a process.

Rows in (what ``read_log(..., backend="rows")`` gives), a list of dicts out, with the columns and
numbers of the Polars result: counts and names equal, days and values equal up to floating-point
rounding (Polars divides by multiplying with a reciprocal, Python divides).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from funnelcore import SalesProcess, crm_process
from funnelcore.analytics import cycle_times, funnel_summary, stage_conversion, stage_funnel
from tests.strategies import CHAIN, legal_log_frame, legal_logs
from tests.unit.analytics_story import close_to

PROCESSES = [SalesProcess.complex(), SalesProcess.simple(), crm_process(), CHAIN]


def rows_of(columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
    names = list(columns)
    return [dict(zip(names, cells, strict=True)) for cells in zip(*columns.values(), strict=True)]


@st.composite
def shuffled(draw: st.DrawFn, process: SalesProcess[Any]) -> dict[str, list[Any]]:
    """A legal log with its rows in any order: both engines order each deal's events by time."""
    columns = draw(legal_logs(process))
    order = draw(st.permutations(range(len(columns["deal_id"]))))
    return {name: [values[i] for i in order] for name, values in columns.items()}


def logs() -> st.SearchStrategy[tuple[SalesProcess[Any], dict[str, list[Any]]]]:
    return st.sampled_from(PROCESSES).flatmap(lambda p: st.tuples(st.just(p), shuffled(p)))


@settings(max_examples=60, deadline=None)
@given(case=logs(), by=st.sampled_from([None, "group"]))
def test_plain_python_metrics_equal_the_vectorised_ones(
    case: tuple[SalesProcess[Any], dict[str, list[Any]]], by: str | None
) -> None:
    process, columns = case
    frame = legal_log_frame(columns)
    rows = rows_of(columns)
    for metric in (stage_conversion, stage_funnel, funnel_summary, cycle_times):
        plain = metric(rows, process, by=by)
        vectorised = metric(frame, process, by=by).rows(named=True)
        assert [list(row) for row in plain] == [list(row) for row in vectorised], metric
        assert plain == close_to(vectorised), metric


@settings(max_examples=30, deadline=None)
@given(case=logs(), data=st.data())
def test_cycle_times_from_any_start_stage_equal_the_vectorised_ones(
    case: tuple[SalesProcess[Any], dict[str, list[Any]]], data: st.DataObject
) -> None:
    process, columns = case
    start = data.draw(st.sampled_from([str(stage.value) for stage in process.stages]))
    expected = cycle_times(legal_log_frame(columns), process, start=start)
    assert cycle_times(rows_of(columns), process, start=start) == close_to(
        expected.rows(named=True)
    )
