"""Exact answers of the absorbing Markov chain, checked against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from funnelcore import SalesProcess, Stage
from funnelcore.errors import ScenarioError
from funnelcore.simulate import Capacity, DealValue, LeadFlow, Scenario, exact

OPEN = list(SalesProcess.complex().open_stages)
ADVANCE = dict(zip(OPEN, [0.6, 0.7, 0.5, 0.8, 0.7, 0.6, 0.9], strict=True))
DAYS = dict(zip(OPEN, [2, 5, 7, 10, 7, 5, 3], strict=True))


def test_the_issue_scenario_without_a_loop() -> None:
    """Win probability is the product of the advances; days to win the sum of the means."""
    scenario = Scenario(
        process="complex", advance=ADVANCE, days=DAYS, leads=100_000, value=DealValue(12_000)
    )
    result = exact(scenario)
    probability = 0.6 * 0.7 * 0.5 * 0.8 * 0.7 * 0.6 * 0.9
    assert result.win_probability == pytest.approx(probability)
    assert result.won == pytest.approx(100_000 * probability)
    assert result.revenue == pytest.approx(100_000 * probability * 12_000)
    assert result.days_to_win == pytest.approx(2 + 5 + 7 + 10 + 7 + 5 + 3)
    assert result.visits[Stage.QUALIFYING] == pytest.approx(0.6 * 0.7)
    assert result.reach[Stage.CLOSING] == pytest.approx(0.6 * 0.7 * 0.5 * 0.8 * 0.7 * 0.6)
    assert result.win_probability_at[Stage.CLOSING] == pytest.approx(0.9)
    assert result.days_to_win_at[Stage.OBJECTIONS] == pytest.approx(5 + 3)


def test_a_revised_proposal_loop_worked_by_hand() -> None:
    """OBJECTIONS -> PROPOSAL with probability b: geometric loops, conditioned on the win.

    From PROPOSAL, a round is PROPOSAL then OBJECTIONS. It ends in a loop with probability
    rho = a_P * b, moves on to CLOSING with a_P * a_O, and is lost otherwise. So
    h_P = a_P a_O h_C / (1 - rho); stays at PROPOSAL per deal reaching it: 1 / (1 - rho).
    Given a win, the number of loops K has P(K = k | win) proportional to rho**k, so
    E[K | win] = rho / (1 - rho) and each loop adds the days of PROPOSAL and OBJECTIONS.
    """
    a_p, a_o, b, a_c = 0.7, 0.5, 0.3, 0.9
    advance = ADVANCE | {Stage.OBJECTIONS: a_o}
    scenario = Scenario(
        process="complex",
        advance=advance,
        days=DAYS,
        branch={Stage.OBJECTIONS: {Stage.PROPOSAL: b}},
        leads=1000,
    )
    result = exact(scenario)
    rho = a_p * b
    to_proposal = 0.6 * 0.7 * 0.5 * 0.8
    h_proposal = a_p * a_o * a_c / (1 - rho)
    assert result.win_probability_at[Stage.PROPOSAL] == pytest.approx(h_proposal)
    assert result.win_probability == pytest.approx(to_proposal * h_proposal)
    assert result.visits[Stage.PROPOSAL] == pytest.approx(to_proposal / (1 - rho))
    assert result.visits[Stage.OBJECTIONS] == pytest.approx(to_proposal * a_p / (1 - rho))
    assert result.reach[Stage.PROPOSAL] == pytest.approx(to_proposal)
    loops = rho / (1 - rho)
    assert result.days_to_win == pytest.approx(39 + loops * (7 + 5))
    assert result.days_to_win_at[Stage.OBJECTIONS] == pytest.approx(5 + 3 + loops * (7 + 5))


def test_sources_add_expected_leads_and_cost() -> None:
    """Expected leads: the cohort plus rate times periods; cost: rate times cost per lead."""
    scenario = Scenario(
        process="simple",
        advance={"lead": 0.1},
        days={"lead": 1},
        leads=50,
        sources=[LeadFlow("ads", 100, 2.5), LeadFlow("events", 20, 40)],
        periods=4,
        value=DealValue(300),
    )
    result = exact(scenario)
    assert result.leads == 50 + 120 * 4
    assert result.cost == (100 * 2.5 + 20 * 40) * 4
    assert result.won == pytest.approx(0.1 * 530)
    assert result.revenue == pytest.approx(0.1 * 530 * 300)


def test_a_stage_nothing_can_win_from_has_no_days() -> None:
    """With a zero advance somewhere, nothing is won and days to win are NaN."""
    scenario = Scenario(process="simple", advance={"lead": 0.0}, days={"lead": 1}, leads=9)
    result = exact(scenario)
    assert result.won == 0
    assert math.isnan(result.days_to_win)
    assert result.to_dict()["days_to_win"] == {"mean": None}


def test_capacity_has_no_exact_answer() -> None:
    """Queues and cold leads are for Monte Carlo; the exact method says so."""
    scenario = Scenario(
        process="simple", advance={"lead": 0.5}, days={"lead": 1}, capacity=Capacity(1, 1)
    )
    with pytest.raises(ScenarioError, match="no model of sales capacity"):
        exact(scenario)
