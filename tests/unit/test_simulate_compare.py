"""Scenarios compared: the weak link in numbers (seed 002)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from funnelcore import SalesProcess, Stage
from funnelcore.errors import ScenarioError, SimulationInputError
from funnelcore.simulate import (
    Capacity,
    DealValue,
    LeadFlow,
    Scenario,
    Variation,
    better_conversion,
    compare,
    exact,
    forecast,
    monte_carlo,
    more_leads,
    more_reps,
    sample_deals,
    weak_link,
)

DAY = datetime(2026, 1, 5, tzinfo=timezone.utc)
OPEN = list(SalesProcess.complex().open_stages)
ADVANCE = dict(zip(OPEN, [0.6, 0.7, 0.4, 0.8, 0.7, 0.6, 0.9], strict=True))
BASE = Scenario(
    process="complex",
    advance=ADVANCE,
    days=dict.fromkeys(OPEN, 3),
    leads=10_000,
    sources=[LeadFlow("ads", 100, 5.0)],
    periods=10,
    value=DealValue(1000),
)


def test_doubling_the_leads_doubles_the_expected_revenue() -> None:
    """Seed 002's balance, exactly: twice the leads, twice the wins, twice the lead cost."""
    comparison = compare(BASE, [more_leads(2)])
    assert comparison.method == "exact"
    doubled = comparison.variations[0]
    assert doubled.won == pytest.approx(2 * comparison.base.won)
    assert doubled.revenue_gain == pytest.approx(comparison.base.revenue)
    assert doubled.cost == pytest.approx(2 * comparison.base.cost)
    assert doubled.scenario.leads == 20_000
    assert doubled.scenario.sources[0].rate == 200


def test_the_weak_link_is_the_stage_that_converts_worst() -> None:
    """The lowest advance gains most, and the ranking follows the advances upwards.

    The win probability is a product of advances, so +x at stage s adds x / a_s of it.
    """
    comparison = weak_link(BASE, by=0.05)
    assert comparison.best.name == "qualifying +5 pts"
    ranked = [o.scenario for o in comparison.ranked]
    lifted = [next(s for s in OPEN if r.advance[s] != ADVANCE[s]) for r in ranked]
    assert lifted == sorted(OPEN, key=lambda s: (ADVANCE[s], OPEN.index(s)))
    gain = comparison.best.revenue_gain
    assert gain == pytest.approx(comparison.base.revenue * 0.05 / 0.4)
    assert "qualifying +5 pts" in comparison.to_text()
    assert comparison.to_dict()["best"] == "qualifying +5 pts"


def test_better_conversion_is_capped_by_the_branches() -> None:
    """Advance plus branches from a stage never exceed 1."""
    looped = attrs.evolve(BASE, branch={Stage.OBJECTIONS: {Stage.PROPOSAL: 0.3}})
    varied = better_conversion(Stage.OBJECTIONS, 0.5).apply(looped)
    assert varied.advance[Stage.OBJECTIONS] == pytest.approx(0.7)


def test_more_reps_needs_capacity_and_then_runs_monte_carlo() -> None:
    """With capacity, compare runs Monte Carlo with common random numbers; reps help."""
    with pytest.raises(ScenarioError, match="no sales capacity"):
        compare(BASE, [more_reps(2)])
    tight = attrs.evolve(
        BASE,
        leads=0,
        sources=[LeadFlow("ads", 300)],
        capacity=Capacity(reps=2, deals_per_rep=10, decay=0.3),
    )
    comparison = compare(tight, [more_reps(4)], runs=4, seed=5)
    assert comparison.method == "monte-carlo"
    assert comparison.seed == 5
    more = comparison.variations[0]
    assert more.scenario.capacity == Capacity(6, 10, 0.3)
    assert more.won > comparison.base.won
    assert more.revenue_band is not None
    assert comparison.base.revenue_gain_band is None
    assert more.revenue_gain_band is not None
    assert more.revenue_gain_band.mean == pytest.approx(more.revenue_gain)
    assert more.to_dict()["revenue_gain_band"]["p10"] <= more.to_dict()["revenue_gain_band"]["p90"]
    again = compare(tight, [more_reps(4)], runs=4, seed=5)
    assert again == comparison


def test_custom_variations_and_bad_arguments() -> None:
    """Any function of a scenario is a variation; bad methods and factors are refused."""
    halve_days = Variation(
        "faster", lambda s: attrs.evolve(s, days={k: v / 2 for k, v in s.days.items()})
    )
    comparison = compare(BASE, [halve_days])
    assert comparison.variations[0].days_to_win == pytest.approx(comparison.base.days_to_win / 2)
    assert comparison.variations[0].revenue_gain == pytest.approx(0)
    with pytest.raises(SimulationInputError, match="method"):
        compare(BASE, [halve_days], method="guess")  # type: ignore[arg-type]
    with pytest.raises(SimulationInputError, match="at least one"):
        compare(BASE, [])
    with pytest.raises(SimulationInputError, match="factor"):
        more_leads(-1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: compare(BASE, [better_conversion("won")]), "'won' is not an open stage"),
        (lambda: compare(BASE, [better_conversion("closng")]), "unknown stage 'closng'"),
        (lambda: compare(BASE, ["faster"]), "expected Variation records"),  # type: ignore[list-item]
        (
            lambda: compare(BASE, [Variation("nothing", lambda s: None)]),  # type: ignore[arg-type,return-value]
            "variation 'nothing' gave a NoneType, not a Scenario",
        ),
        (lambda: compare("complex", [more_leads()]), "expected a Scenario, got str"),  # type: ignore[arg-type]
        (lambda: exact("complex"), "expected a Scenario, got str"),  # type: ignore[arg-type]
        (lambda: monte_carlo("complex"), "expected a Scenario, got str"),  # type: ignore[arg-type]
        (
            lambda: forecast([], "complex", today=DAY, horizon=DAY + timedelta(days=1)),  # type: ignore[arg-type]
            "expected a Scenario, got str",
        ),
        (
            lambda: sample_deals("complex", count=1, start=DAY),  # type: ignore[arg-type]
            "expected a Scenario, got str",
        ),
    ],
)
def test_unusable_variations_are_named_not_crashes(call: Any, message: str) -> None:
    """A terminal stage failed with a KeyError, a text with an AttributeError."""
    with pytest.raises(SimulationInputError, match=message):
        call()
