"""The outbound activity funnel (seed 001): calls, meetings, demos."""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterable

import pandas as pd
import polars as pl
import pytest

from funnelcore import (
    InteractionKind,
    MetricsInputError,
    SalesInteraction,
    SalesRep,
    activity_funnel,
)

REP = SalesRep("Sam")


def interactions() -> list[SalesInteraction]:
    """10 calls on 5 deals, 4 meetings on 3 deals, 2 demos on 1 deal, and 1 email."""
    calls = [
        SalesInteraction(InteractionKind.CALL, REP, ["x"], deal_id=f"d{n % 5}") for n in range(10)
    ]
    meetings = [
        SalesInteraction(InteractionKind.MEETING, REP, ["x"], deal_id=d)
        for d in ("d0", "d1", "d2", "d2")
    ]
    demos = [SalesInteraction(InteractionKind.DEMO, REP, ["x"], deal_id="d0") for _ in range(2)]
    email = SalesInteraction(InteractionKind.EMAIL, REP, ["x"], deal_id="d4")
    return [*calls, *meetings, *demos, email]


def test_counts_and_conversion_per_step() -> None:
    result = activity_funnel(interactions())
    assert result.rows() == [
        {"kind": "call", "count": 10, "deals": 5, "conversion": None, "from_first": 1.0},
        {"kind": "meeting", "count": 4, "deals": 3, "conversion": 0.4, "from_first": 0.4},
        {"kind": "demo", "count": 2, "deals": 1, "conversion": 0.5, "from_first": 0.2},
    ]
    assert result.other == 1
    assert str(result) == "10 calls -> 4 meetings (40.0%) -> 2 demos (50.0%)"


def test_a_frame_of_interactions_counts_the_same() -> None:
    records = interactions()
    frame = pl.DataFrame(
        {
            "kind": [str(r.kind).upper() if n % 2 else str(r.kind) for n, r in enumerate(records)],
            "deal_id": [r.deal_id for r in records],
        }
    )
    assert activity_funnel(frame) == activity_funnel(records)
    assert activity_funnel(frame.to_pandas()) == activity_funnel(records)


def test_custom_steps_and_interactions_without_deals() -> None:
    records = [SalesInteraction(InteractionKind.EMAIL, REP, ["x"]) for _ in range(3)]
    records.append(SalesInteraction(InteractionKind.MEETING, REP, ["x"]))
    result = activity_funnel(records, steps=[InteractionKind.EMAIL, InteractionKind.MEETING])
    assert [(s.count, s.deals, s.conversion) for s in result.steps] == [
        (3, None, None),
        (1, None, pytest.approx(1 / 3)),
    ]


def test_a_frame_with_an_unknown_kind_is_refused() -> None:
    with pytest.raises(MetricsInputError, match=r"unknown interaction kind.*'fax'"):
        activity_funnel(pd.DataFrame({"kind": ["call", "fax"]}))
    with pytest.raises(MetricsInputError, match=r"'kind': some interactions have no kind$"):
        activity_funnel(pd.DataFrame({"kind": ["call", None]}))


@pytest.mark.parametrize(
    "wrap",
    [
        collections.deque,
        iter,
        lambda records: dict(enumerate(records)).values(),
    ],
    ids=["deque", "iterator", "dict values"],
)
def test_any_iterable_of_records_counts_as_a_list_does(
    wrap: Callable[[list[SalesInteraction]], Iterable[SalesInteraction]],
) -> None:
    """The signature takes any ``Iterable[SalesInteraction]``; a deque was taken for a frame."""
    assert activity_funnel(wrap(interactions())) == activity_funnel(interactions())


def test_what_is_neither_records_nor_a_frame_is_refused_by_type() -> None:
    with pytest.raises(TypeError, match=r"SalesInteraction records or a dataframe.*got int"):
        activity_funnel(5)


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([], "at least one step"),
        ([InteractionKind.CALL, InteractionKind.CALL], "each step may appear once"),
        (["call", "meeting"], "steps must be InteractionKind members"),
    ],
)
def test_steps_must_be_distinct_and_present(steps: list[InteractionKind], message: str) -> None:
    with pytest.raises(MetricsInputError, match=message):
        activity_funnel(interactions(), steps=steps)


def test_no_interactions_at_all() -> None:
    result = activity_funnel([])
    assert [(s.count, s.conversion, s.from_first) for s in result.steps] == [(0, None, None)] * 3


@pytest.mark.parametrize("backend", ["polars", "pandas", "pyarrow"])
def test_the_funnel_as_a_frame_holds_its_rows(backend: str) -> None:
    result = activity_funnel(interactions())
    frame = result.to_frame(backend)  # type: ignore[arg-type]
    assert pl.from_dataframe(frame).to_dicts() == result.rows()
    if backend == "pandas":
        return  # pandas holds a column of integers and nulls as floats
    empty = activity_funnel([]).to_frame(backend)  # type: ignore[arg-type]
    assert pl.from_dataframe(empty).schema == {
        "kind": pl.String,
        "count": pl.Int64,
        "deals": pl.Int64,
        "conversion": pl.Float64,
        "from_first": pl.Float64,
    }
