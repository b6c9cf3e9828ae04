"""Properties of simulation over random valid scenarios (hypothesis)."""

from __future__ import annotations

import math

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from funnelcore.simulate import Scenario, exact, monte_carlo
from tests.strategies import complex_scenarios


@given(complex_scenarios())
@settings(max_examples=150, deadline=None)
def test_exact_answers_are_probabilities_and_non_negative(scenario: Scenario) -> None:
    """Probabilities in range -> win rate in [0, 1], revenue >= 0, reach <= 1 <= stays / reach."""
    result = exact(scenario)
    assert 0.0 <= result.win_probability <= 1.0 + 1e-12
    assert result.won >= 0
    assert result.revenue >= 0
    assert math.isnan(result.days_to_win) or result.days_to_win >= -1e-9
    for stage in scenario.open_stages:
        assert -1e-12 <= result.reach[stage] <= 1.0 + 1e-9
        assert result.visits[stage] >= result.reach[stage] - 1e-9


@given(complex_scenarios(max_leads=800), st.integers(min_value=0, max_value=10_000))
@settings(max_examples=40, deadline=None)
def test_monte_carlo_answers_are_in_range(scenario: Scenario, seed: int) -> None:
    """Win rate in [0, 1], won <= leads, revenue >= 0, days to win >= 0."""
    result = monte_carlo(scenario, runs=2, seed=seed, threads=1)
    assert 0.0 <= result.win_rate.p10 <= result.win_rate.p90 <= 1.0
    assert all(w <= scenario.leads for w in result.won_per_run.tolist())
    assert all(r >= 0 for r in result.revenue_per_run.tolist())
    days = result.days_to_win
    assert math.isnan(days.mean) or (days.mean >= 0 and days.p50 >= 0 and days.p90 >= 0)


@given(complex_scenarios(), st.integers(min_value=1, max_value=10_000))
@settings(max_examples=80, deadline=None)
def test_more_leads_never_fewer_expected_wins(scenario: Scenario, extra: int) -> None:
    """Seed 002's balance: adding leads can only add expected wins and revenue."""
    more = attrs.evolve(scenario, leads=scenario.leads + extra)
    assert exact(more).won >= exact(scenario).won
    assert exact(more).revenue >= exact(scenario).revenue
