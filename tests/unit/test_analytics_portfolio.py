"""The campaign portfolio (seed 001) on a hand-written log; every ROI worked out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import polars as pl
import pytest

from funnelcore import (
    Audience,
    Campaign,
    MarketingMessage,
    Medium,
    MetricsInputError,
    PortfolioVerdict,
    SalesProcess,
    campaign_portfolio,
)
from tests.unit.analytics_story import story_polars

SIMPLE = SalesProcess.simple()
DAY0 = datetime(2026, 4, 1)

#: campaign: (leads, [values of the won deals], cost)
PORTFOLIO: dict[str, tuple[int, list[float], float]] = {
    "A": (4, [1000.0, 1000.0], 500.0),  # revenue 2000, ROI 3.0
    "B": (2, [1000.0], 500.0),  # revenue 1000, ROI 1.0
    "C": (3, [600.0], 500.0),  # revenue 600, ROI 0.2
    "D": (2, [], 400.0),  # revenue 0, ROI -1.0
    "E": (1, [1100.0], 1000.0),  # revenue 1100, ROI 0.1
    "F": (1, [50.0], 0.0),  # free: no ROI
}
COSTS = {name: cost for name, (_, _, cost) in PORTFOLIO.items()}


def portfolio_log() -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for name, (leads, wins, _) in PORTFOLIO.items():
        for number in range(leads):
            deal = f"{name}{number}"
            value = wins[number] if number < len(wins) else 100.0
            rows.append(
                {"deal_id": deal, "stage": "lead", "at": DAY0, "campaign": name, "value": value}
            )
            if number < len(wins):
                rows.append(
                    {
                        "deal_id": deal,
                        "stage": "won",
                        "at": DAY0 + timedelta(days=3),
                        "campaign": None,
                        "value": None,
                    }
                )
    rows.append(
        {"deal_id": "walk-in", "stage": "lead", "at": DAY0, "campaign": None, "value": 10.0}
    )
    return pl.DataFrame(rows)


def test_scores_per_campaign() -> None:
    result = campaign_portfolio(portfolio_log(), SIMPLE, COSTS)
    by_name = {score.campaign: score for score in result.campaigns}
    a = by_name["A"]
    assert (a.leads, a.qualified, a.wins, a.revenue, a.cost) == (4, 2, 2, 2000.0, 500.0)
    assert a.cost_per_lead == pytest.approx(125.0)
    assert a.cost_per_win == pytest.approx(250.0)
    assert a.roi == pytest.approx(3.0)
    assert by_name["C"].cost_per_lead == pytest.approx(500 / 3)
    assert by_name["D"].cost_per_win is None
    assert by_name["D"].roi == pytest.approx(-1.0)
    assert by_name["F"].roi is None
    assert result.unattributed_leads == 1


def test_campaigns_are_classified_against_the_portfolio() -> None:
    """ROIs -1, 0.1, 0.2, 1, 3: median 0.2, quartiles 0.1 and 1.0, band 0.2 +- 0.45."""
    result = campaign_portfolio(portfolio_log(), SIMPLE, COSTS)
    assert result.median_roi == pytest.approx(0.2)
    assert result.roi_iqr == pytest.approx(0.9)
    verdicts = {score.campaign: score.verdict for score in result.campaigns}
    assert verdicts == {
        "A": PortfolioVerdict.WINNER,
        "B": PortfolioVerdict.WINNER,
        "C": PortfolioVerdict.SIDEWAYS,
        "D": PortfolioVerdict.LOSER,
        "E": PortfolioVerdict.SIDEWAYS,
        "F": PortfolioVerdict.WINNER,
    }
    assert result.to_replace == ("D",)
    assert [score.campaign for score in result.campaigns] == ["A", "B", "C", "E", "D", "F"]


def test_a_narrow_band_replaces_the_campaign_that_lags_the_portfolio() -> None:
    """Band 0.1 x 0.9: sideways only within 0.11 .. 0.29, so E (ROI 0.1) lags and is replaced."""
    result = campaign_portfolio(portfolio_log(), SIMPLE, COSTS, band=0.1)
    assert result.to_replace == ("E", "D")
    assert "below the portfolio's 11.0%" in result.campaigns[3].reason


def test_a_campaign_without_leads_loses_its_cost() -> None:
    result = campaign_portfolio(portfolio_log(), SIMPLE, {**COSTS, "G": 300.0})
    [g] = [score for score in result.campaigns if score.campaign == "G"]
    assert (g.leads, g.wins, g.revenue, g.roi, g.cost_per_lead) == (0, 0, 0.0, -1.0, None)
    assert g.verdict is PortfolioVerdict.LOSER


def test_qualified_leads_passed_qualifying_in_the_complex_process() -> None:
    """Seed 000: qualified means able and likely to buy - the deal entered NEEDS_ANALYSIS."""
    result = campaign_portfolio(
        story_polars(), SalesProcess.complex(), {"webinar": 1000.0, "ads": 500.0}
    )
    assert result.qualified_stage == "needs_analysis"
    scores = {score.campaign: score for score in result.campaigns}
    assert (scores["webinar"].leads, scores["webinar"].qualified, scores["webinar"].wins) == (
        3,
        2,
        2,
    )
    assert (scores["ads"].leads, scores["ads"].qualified, scores["ads"].wins) == (3, 1, 0)
    assert scores["webinar"].roi == pytest.approx((5000 - 1000) / 1000)
    assert result.to_replace == ("ads",)


def test_campaign_records_carry_their_costs() -> None:
    message = MarketingMessage("Close the month in a day", Audience("CFOs", 5000), Medium.EMAIL)
    campaigns = [
        Campaign("webinar", [message], cost=1000.0),
        Campaign("ads", [message], cost=500.0),
    ]
    result = campaign_portfolio(
        story_polars(), SalesProcess.complex(), campaigns, qualified_stage="Prospecting"
    )
    assert result.qualified_stage == "prospecting"
    assert {s.campaign: s.qualified for s in result.campaigns} == {"webinar": 3, "ads": 1}


def test_a_campaign_in_the_log_without_a_cost_is_refused() -> None:
    with pytest.raises(MetricsInputError, match="no cost for campaign\\(s\\) 'E', 'F'"):
        campaign_portfolio(
            portfolio_log(), SIMPLE, {k: v for k, v in COSTS.items() if k not in "EF"}
        )


@pytest.mark.parametrize("costs", [{"A": -1.0}, {"A": float("nan")}])
def test_costs_must_be_non_negative_numbers(costs: dict[str, float]) -> None:
    with pytest.raises(MetricsInputError, match="cost of campaign 'A'"):
        campaign_portfolio(portfolio_log(), SIMPLE, costs)


def test_the_portfolio_prints_a_table_and_what_to_replace() -> None:
    text = str(campaign_portfolio(portfolio_log(), SIMPLE, COSTS))
    assert text.splitlines()[0].split() == [
        "campaign",
        "leads",
        "qualified",
        "wins",
        "revenue",
        "cost",
        "cost_per_lead",
        "cost_per_win",
        "roi",
        "verdict",
    ]
    assert "median ROI 20.0%, IQR 90.0%, band 0.5 x IQR" in text
    assert text.splitlines()[-1] == "to replace: D"


def test_the_portfolio_as_a_frame() -> None:
    frame = campaign_portfolio(portfolio_log(), SIMPLE, COSTS).to_frame()
    assert frame["campaign"].to_list() == ["A", "B", "C", "E", "D", "F"]
    assert frame["verdict"].to_list()[:2] == ["winner", "winner"]
    assert frame["roi"].to_list()[-1] is None


def test_unusable_costs_and_band_are_refused_before_the_log_is_read() -> None:
    message = MarketingMessage("Close the month in a day", Audience("CFOs", 5000), Medium.EMAIL)
    twice = [Campaign("A", [message], cost=1.0), Campaign("A", [message], cost=2.0)]
    with pytest.raises(MetricsInputError, match="campaign 'A' is given two costs"):
        campaign_portfolio(portfolio_log(), SIMPLE, twice)
    with pytest.raises(MetricsInputError, match="campaign '1' is given two costs"):
        campaign_portfolio(portfolio_log(), SIMPLE, {1: 1.0, "1": 2.0})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="Campaign records, got a str"):
        campaign_portfolio(portfolio_log(), SIMPLE, ["A"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="got NoneType"):
        campaign_portfolio(portfolio_log(), SIMPLE, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected a SalesProcess, got str"):
        campaign_portfolio(portfolio_log(), "simple", COSTS)  # type: ignore[arg-type]
    for band in (-0.5, float("nan"), True):
        with pytest.raises(MetricsInputError, match="band must be a number >= 0"):
            campaign_portfolio(portfolio_log(), SIMPLE, COSTS, band=band)


def test_a_free_campaign_that_won_nothing_swims_sideways() -> None:
    costs = COSTS | {"G": 0.0}
    result = campaign_portfolio(portfolio_log(), SIMPLE, costs)
    (free,) = [score for score in result.campaigns if score.campaign == "G"]
    assert (free.leads, free.roi, free.verdict) == (0, None, PortfolioVerdict.SIDEWAYS)
    assert free.reason == "cost nothing and won nothing"
