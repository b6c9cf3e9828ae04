"""Forecasts of an open pipeline: weighted, exact and Monte Carlo, against worked values."""

from __future__ import annotations

import enum
import math
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from funnelcore import Lead, LeadSource, Move, Product, Role, SalesProcess, SalesRep, Stage
from funnelcore.errors import SimulationInputError
from funnelcore.simulate import DealValue, Duration, Scenario, forecast, sample_deals
from funnelcore.testing import walk

TODAY = datetime(2026, 3, 31, tzinfo=timezone.utc)
REP = SalesRep("Ada")
Z = 5.0


def _open_at(process: SalesProcess[Stage], stage: Stage, number: int, value: float = 0.0):  # type: ignore[no-untyped-def]
    deal = process.open_deal(
        Lead(f"lead {number}", source=LeadSource.REFERRAL),
        Product("ERP"),
        by=REP,
        at=TODAY - timedelta(days=30),
        value=value,
        deal_id=f"d{number}",
    )
    return walk(process, deal, stage, by=REP)


def test_exponential_stays_give_the_textbook_answer() -> None:
    """One stage, advance p, exponential stays of mean m: P(won by H) = p (1 - exp(-H / m))."""
    p, m, horizon = 0.4, 20.0, 15.0
    scenario = Scenario(
        process="simple",
        advance={"lead": p},
        days={"lead": m},
        duration=Duration.gamma(shape=1),
        value=DealValue(1000),
    )
    process = SalesProcess.simple()
    deals = [_open_at(process, Stage.LEAD, n) for n in range(200)]
    result = forecast(
        deals, scenario, today=TODAY, horizon=TODAY + timedelta(days=horizon), runs=2000, seed=1
    )
    per_deal = p * (1 - math.exp(-horizon / m))
    expected = 200 * per_deal
    error = math.sqrt(200 * per_deal * (1 - per_deal) / 2000)
    assert abs(result.wins.mean - expected) <= Z * error
    assert abs(result.revenue.mean - 1000 * expected) <= Z * 1000 * error
    assert abs(result.eventual_wins.mean - 200 * p) <= Z * math.sqrt(200 * p * (1 - p) / 2000)
    assert result.expected_wins == pytest.approx(200 * p)
    assert result.open_deals == 200
    assert result.horizon_days == horizon


def test_two_exponential_stages_give_the_hypoexponential_answer() -> None:
    """Two certain stages with exponential stays of means a and b: the hypoexponential CDF.

    P(won by H) = 1 - (a e^(-H/a) - b e^(-H/b)) / (a - b).
    """

    class Step(enum.Enum):
        PROPOSAL = "proposal"
        CLOSING = "closing"
        WON = "won"
        LOST = "lost"

    process = SalesProcess.define(
        "two",
        stages=Step,
        entry=Step.PROPOSAL,
        won=Step.WON,
        lost=Step.LOST,
        moves=[
            Move("close", Step.PROPOSAL, Step.CLOSING, {Role.SALES}),
            Move("win", Step.CLOSING, Step.WON, {Role.SALES}),
        ],
    )
    a, b, horizon = 10.0, 4.0, 12.0
    scenario = Scenario(
        process=process,
        advance={"proposal": 1.0, "closing": 1.0},
        days={"proposal": a, "closing": b},
        duration=Duration.gamma(shape=1),
    )
    log = pd.DataFrame(
        {
            "deal_id": [f"d{n}" for n in range(100)],
            "stage": ["proposal"] * 100,
            "at": [TODAY - timedelta(days=3)] * 100,
            "actor": ["sales"] * 100,
            "value": [500.0] * 100,
        }
    )
    result = forecast(
        log, scenario, today=TODAY, horizon=TODAY + timedelta(days=horizon), runs=2000, seed=3
    )
    per_deal = 1 - (a * math.exp(-horizon / a) - b * math.exp(-horizon / b)) / (a - b)
    error = math.sqrt(100 * per_deal * (1 - per_deal) / 2000)
    assert abs(result.wins.mean - 100 * per_deal) <= Z * error
    assert result.revenue.mean == pytest.approx(500 * result.wins.mean)
    assert result.pipeline_value == 100 * 500
    assert result.expected_wins == 100


def test_weighted_forecast_uses_the_stage_probabilities() -> None:
    """Weighted: sum of value x process.probability(stage); closed deals are skipped."""
    process = SalesProcess.complex()
    scenario = Scenario(
        process="complex",
        advance=dict.fromkeys(process.open_stages, 0.5),
        days=dict.fromkeys(process.open_stages, 5),
        value=DealValue(100),
    )
    deals = [
        _open_at(process, Stage.PROPOSAL, 1, value=1000),
        _open_at(process, Stage.CLOSING, 2, value=2000),
        _open_at(process, Stage.LEAD, 3),  # value unknown: the scenario's mean
        _open_at(process, Stage.WON, 4, value=5000),  # closed, skipped
    ]
    result = forecast(
        deals, scenario, today=TODAY, horizon=TODAY + timedelta(days=60), runs=50, seed=1
    )
    assert result.open_deals == 3
    assert result.by_stage == {Stage.LEAD: 1, Stage.PROPOSAL: 1, Stage.CLOSING: 1}
    assert result.weighted_wins == pytest.approx(0.5 + 0.8 + 0.05)
    assert result.weighted_revenue == pytest.approx(0.5 * 1000 + 0.8 * 2000 + 0.05 * 100)
    # exact: from PROPOSAL three certain-0.5 steps, from CLOSING one, from LEAD seven
    assert result.expected_revenue == pytest.approx(1000 / 8 + 2000 / 2 + 100 / 2**7)
    assert result.pipeline_value == 3100
    assert result.to_dict()["weighted"]["wins"] == pytest.approx(1.35)


def test_an_empty_pipeline_forecasts_nothing() -> None:
    """No open deals: zero everywhere, no error."""
    scenario = Scenario(process="simple", advance={"lead": 0.3}, days={"lead": 4})
    result = forecast([], scenario, today=TODAY, horizon=TODAY + timedelta(days=1), runs=5)
    assert result.open_deals == 0
    assert result.wins.mean == result.revenue.p90 == result.weighted_wins == 0


def test_forecast_is_reproducible_and_checks_its_arguments() -> None:
    """Same seed, same forecast; a horizon before today or a deal from the future is refused."""
    scenario = Scenario(process="simple", advance={"lead": 0.3}, days={"lead": 4})
    deals = sample_deals(
        scenario, count=50, start=TODAY - timedelta(days=10), spread_days=10, seed=1, until=TODAY
    )
    horizon = TODAY + timedelta(days=7)
    first = forecast(deals, scenario, today=TODAY, horizon=horizon, runs=30, seed=9)
    assert first.open_deals == sum(1 for deal in deals if deal.is_open) > 0
    assert first == forecast(deals, scenario, today=TODAY, horizon=horizon, runs=30, seed=9)
    with pytest.raises(SimulationInputError, match="is not after today"):
        forecast(deals, scenario, today=TODAY, horizon=TODAY)
    with pytest.raises(SimulationInputError, match="after today"):
        forecast(deals, scenario, today=TODAY - timedelta(days=30), horizon=horizon)
    with pytest.raises(SimulationInputError, match="cannot compare"):
        forecast(deals, scenario, today=datetime(2026, 1, 1), horizon=horizon)
