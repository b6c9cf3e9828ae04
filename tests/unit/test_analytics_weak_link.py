"""The weak link (seed 002) on two hand-written stories: too few leads, and leads piling up."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest

from funnelcore import MetricsInputError, SalesProcess, WeakLinkVerdict, weak_link

COMPLEX = SalesProcess.complex()
DAY0 = datetime(2026, 2, 2, 8, 0)
PATH = ["lead", "prospecting", "qualifying", "needs_analysis", "proposal", "objections", "closing"]


def log_of(deals: dict[str, list[tuple[int, str]]]) -> pl.DataFrame:
    rows = [
        {"deal_id": deal, "stage": stage, "at": DAY0 + timedelta(days=day), "actor": "sales"}
        for deal, events in deals.items()
        for day, stage in events
    ]
    return pl.DataFrame(rows)


def strong_sales_few_leads() -> pl.DataFrame:
    """Four leads in 40 days; open for 10 + 20 + 5 + 5 = 40 deal-days, so 1 deal open a day."""
    return log_of(
        {
            "m1": [(0, "lead"), (2, "prospecting"), (4, "qualifying"), (10, "lost")],
            "m2": [
                (10, "lead"),
                (11, "prospecting"),
                (15, "qualifying"),
                (20, "needs_analysis"),
                (25, "proposal"),
                (27, "objections"),
                (28, "closing"),
                (30, "won"),
            ],
            "m3": [(20, "lead"), (22, "prospecting"), (25, "lost")],
            "m4": [(35, "lead"), (40, "prospecting")],
        }
    )


def strong_marketing_poor_sales() -> pl.DataFrame:
    """Eight leads on day 0; six never touched in 10 days: 80 deal-days, 8 deals open a day."""
    deals = {f"s{n}": [(0, "lead")] for n in range(1, 7)}
    deals["s7"] = [(0, "lead"), (5, "prospecting"), (10, "lost")]
    deals["s8"] = [(day, stage) for day, stage in enumerate(PATH)] + [(10, "won")]
    return log_of(deals)


def test_a_strong_sales_team_without_enough_leads_is_marketing_limited() -> None:
    """Seed 002: 'a strong sales team is worthless without enough new leads'."""
    result = weak_link(strong_sales_few_leads(), COMPLEX, reps=2, deals_per_rep=5)
    assert result.verdict is WeakLinkVerdict.MARKETING_LIMITED
    assert result.leads == 4
    assert result.window_days == pytest.approx(40.0)
    assert result.leads_per_30_days == pytest.approx(4 / 40 * 30)
    assert result.capacity == 10
    assert result.average_open_deals == pytest.approx(40 / 40)
    assert result.load == pytest.approx(0.1)
    assert (result.open_deals, result.waiting_at_entry) == (1, 0)
    assert result.win_rate == pytest.approx(1 / 3)
    # reached: lead 4, prospecting 4, qualifying 2 (m1, m2), needs_analysis 1 ...
    assert (result.weakest_stage, result.weakest_stage_reached, result.weakest_stage_dropped) == (
        "prospecting",
        4,
        2,
    )


def test_strong_marketing_with_poor_sales_is_sales_limited() -> None:
    """Seed 002: 'gather a lot of leads ... but will not be able to convert them'."""
    result = weak_link(strong_marketing_poor_sales(), COMPLEX, reps=1, deals_per_rep=3)
    assert result.verdict is WeakLinkVerdict.SALES_LIMITED
    assert result.leads == 8
    assert result.leads_per_30_days == pytest.approx(8 / 10 * 30)
    assert result.average_open_deals == pytest.approx(80 / 10)
    assert result.load == pytest.approx(8 / 3)
    assert (result.open_deals, result.waiting_at_entry) == (6, 6)
    assert result.win_rate == pytest.approx(0.5)
    assert (result.weakest_stage, result.weakest_stage_reached, result.weakest_stage_dropped) == (
        "lead",
        8,
        6,
    )


def test_the_same_leads_with_enough_capacity_are_balanced() -> None:
    """Ten open deals a rep: 8 open on average is a load of 0.8, between idle and saturated."""
    result = weak_link(strong_marketing_poor_sales(), COMPLEX, reps=1, deals_per_rep=10)
    assert result.verdict is WeakLinkVerdict.BALANCED
    assert result.load == pytest.approx(0.8)
    result = weak_link(
        strong_marketing_poor_sales(), COMPLEX, reps=1, deals_per_rep=10, idle_below=0.9
    )
    assert result.verdict is WeakLinkVerdict.MARKETING_LIMITED


def test_the_verdict_prints_with_its_evidence() -> None:
    text = str(weak_link(strong_marketing_poor_sales(), COMPLEX, reps=1, deals_per_rep=3))
    assert text.splitlines()[0].startswith("sales-limited: more deals are open than the reps can")
    assert "8 leads in 10.0 days (24.0 per 30 days)" in text
    assert "1 rep x 3 open deals = 3" in text
    assert "8.0 deals, load 2.67" in text
    assert "6 deals, 6 still untouched" in text
    assert "win rate:         50.0%" in text
    assert "lead (6 of 8 deals went no further, 75%)" in text
    one = str(weak_link(strong_marketing_poor_sales(), COMPLEX, reps=1, deals_per_rep=1))
    assert "1 rep x 1 open deal = 1" in one


@pytest.mark.parametrize(
    ("reps", "deals_per_rep", "idle_below"),
    [(0, 5, 0.6), (2, -1, 0.6), (2, 5, 1.5), (True, 5, 0.6)],
)
def test_capacity_must_be_positive(reps: int, deals_per_rep: int, idle_below: float) -> None:
    with pytest.raises(MetricsInputError):
        weak_link(
            strong_sales_few_leads(),
            COMPLEX,
            reps=reps,
            deals_per_rep=deals_per_rep,
            idle_below=idle_below,
        )


def test_a_log_without_a_period_is_refused() -> None:
    log = log_of({"a": [(0, "lead")], "b": [(0, "lead")]})
    with pytest.raises(MetricsInputError, match="spans no time"):
        weak_link(log, COMPLEX, reps=1, deals_per_rep=1)
