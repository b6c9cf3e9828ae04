"""Monte Carlo: agreement with the exact chain, reproducibility, chunking, capacity, timeline."""

from __future__ import annotations

import math

import attrs
import numpy as np
import pytest

from funnelcore import SalesProcess, Stage
from funnelcore.errors import SimulationInputError
from funnelcore.simulate import (
    Capacity,
    DealValue,
    Duration,
    ExactResult,
    LeadFlow,
    MonteCarloResult,
    Scenario,
    exact,
    monte_carlo,
)
from funnelcore.simulate._montecarlo import STREAM_BLOCK

OPEN = list(SalesProcess.complex().open_stages)
ADVANCE = dict(zip(OPEN, [0.6, 0.7, 0.5, 0.8, 0.7, 0.6, 0.9], strict=True))
DAYS = dict(zip(OPEN, [2, 5, 7, 10, 7, 5, 3], strict=True))
Z = 5.0  # bounds at five standard deviations: a false alarm about once in 3.5 million checks

ISSUE = Scenario(
    process="complex", advance=ADVANCE, days=DAYS, leads=200_000, value=DealValue(12_000)
)
LOOP = Scenario(
    process="complex",
    advance=ADVANCE | {Stage.OBJECTIONS: 0.4, Stage.LEAD: 0.9},
    days=DAYS,
    branch={Stage.OBJECTIONS: {Stage.PROPOSAL: 0.45}},
    duration=Duration.gamma(shape=2),
    value=DealValue(5_000, "lognormal", 0.8),
    leads=200_000,
)
FLOWS = Scenario(
    process="complex",
    advance=ADVANCE | {Stage.OBJECTIONS: 0.3},
    days=DAYS | {Stage.LEAD: 0},
    branch={Stage.OBJECTIONS: {Stage.PROPOSAL: 0.6}},
    duration=Duration.lognormal(cv=1.5),
    sources=[LeadFlow("ads", 20_000, 3.0), LeadFlow("events", 5_000, 50.0)],
    periods=8,
    value=DealValue(1_000),
)
SIMPLE = Scenario(
    process="simple",
    advance={"lead": 0.3},
    days={"lead": 4},
    leads=50_000,
    duration=Duration.fixed(),
    value=DealValue(80),
)


def _visit_variance(result: ExactResult, stage: Stage) -> tuple[float, float]:
    """Per-lead mean and second moment of the stays at ``stage``.

    Given the stage is reached, stays are geometric: each stay is followed by another with the
    return probability r = 1 - 1 / N[j, j], and E[V**2 | reached] = (1 + r) / (1 - r)**2.
    """
    reach = result.reach[stage]
    per_reach = result.visits[stage] / reach if reach else 1.0  # N[j, j]
    r = 1 - 1 / per_reach
    return result.visits[stage], reach * (1 + r) / (1 - r) ** 2


def _check_agreement(scenario: Scenario, simulated: MonteCarloResult) -> None:
    expected = exact(scenario)
    p = expected.win_probability
    poisson = bool(scenario.sources)
    leads = expected.leads
    # won: binomial for a cohort, Poisson for Poisson leads (each lead won independently)
    variance = leads * p if poisson else leads * p * (1 - p)
    assert abs(simulated.won.mean - expected.won) <= Z * math.sqrt(variance)
    # days to win: the mean of the won deals' days
    spread = simulated.days_to_win.std / math.sqrt(simulated.won.mean)
    assert abs(simulated.days_to_win.mean - expected.days_to_win) <= Z * spread
    # stays per stage
    for stage in scenario.open_stages:
        mean, second = _visit_variance(expected, stage)
        per_lead = second if poisson else second - mean * mean
        bound = Z * math.sqrt(leads * per_lead) + 1e-9
        assert abs(simulated.visits[stage].mean - leads * mean) <= bound, stage
    # revenue: a random sum of values, Var = E[W] Var(V) + Var(W) E[V]**2
    value = scenario.value
    value_variance = (value.cv * value.mean) ** 2 if value.distribution == "lognormal" else 0.0
    revenue_variance = expected.won * value_variance + variance * value.mean**2
    assert abs(simulated.revenue.mean - expected.revenue) <= Z * math.sqrt(revenue_variance)
    if poisson:
        assert abs(simulated.leads.mean - leads) <= Z * math.sqrt(leads)
        cost_variance = sum(
            s.rate * scenario.periods * s.cost_per_lead**2 for s in scenario.sources
        )
        assert abs(simulated.cost.mean - expected.cost) <= Z * math.sqrt(cost_variance)


@pytest.mark.parametrize(
    "scenario", [ISSUE, LOOP, FLOWS, SIMPLE], ids=["issue", "loop", "flows", "simple"]
)
def test_monte_carlo_agrees_with_the_exact_chain(scenario: Scenario) -> None:
    """Won, days to win, stays per stage and revenue lie within five standard errors."""
    simulated = monte_carlo(scenario, seed=2024, chunk_size=1 << 15)
    _check_agreement(scenario, simulated)


def test_days_to_win_percentiles_match_a_direct_sample() -> None:
    """Without a loop every won deal has one stay per stage: p50 and p90 of a direct sum."""
    simulated = monte_carlo(ISSUE, seed=5, runs=2)
    rng = np.random.default_rng(99)
    sigma = Duration.lognormal(cv=0.5).sigma
    direct = sum(rng.lognormal(math.log(m) - sigma**2 / 2, sigma, 400_000) for m in DAYS.values())
    p50, p90 = np.percentile(direct, [50, 90])
    assert simulated.days_to_win.p50 == pytest.approx(p50, rel=0.02)
    assert simulated.days_to_win.p90 == pytest.approx(p90, rel=0.02)


def test_fixed_stays_give_exact_days() -> None:
    """With fixed stays and no loop, every win takes the sum of the means."""
    scenario = Scenario(
        process="complex", advance=ADVANCE, days=DAYS, leads=20_000, duration=Duration.fixed()
    )
    result = monte_carlo(scenario, seed=1)
    assert result.days_to_win.mean == pytest.approx(39)
    assert result.days_to_win.std == pytest.approx(0, abs=1e-6)
    assert result.days_to_win.p50 == pytest.approx(39, rel=0.01)
    assert result.timeline is not None
    wins = result.timeline.entries[0, -1]  # WON is the last stage row
    assert wins[39 // 7] == result.won.mean
    assert wins.sum() == result.won.mean


def test_same_seed_same_result_whatever_the_thread_count() -> None:
    """Chunk boundaries depend on chunk_size only, so threads change nothing."""
    one = monte_carlo(LOOP, runs=3, seed=11, threads=1, chunk_size=1 << 14)
    two = monte_carlo(LOOP, runs=3, seed=11, threads=2, chunk_size=1 << 14)
    assert one == two
    assert np.array_equal(one.won_per_run, two.won_per_run)
    assert np.array_equal(one.revenue_per_run, two.revenue_per_run)
    assert np.array_equal(one.days_to_win.histogram, two.days_to_win.histogram)
    assert one.timeline is not None
    assert two.timeline is not None
    assert np.array_equal(one.timeline.entries, two.timeline.entries)
    again = monte_carlo(FLOWS, runs=2, seed=3, threads=2, chunk_size=1 << 14)
    assert again == monte_carlo(FLOWS, runs=2, seed=3, threads=1, chunk_size=1 << 14)


def test_a_fresh_seed_is_kept_and_reproduces_the_result() -> None:
    """seed=None draws one; passing it back gives the same numbers; another seed does not."""
    first = monte_carlo(SIMPLE, runs=2)
    assert first == monte_carlo(SIMPLE, runs=2, seed=first.seed)
    assert first.won != monte_carlo(SIMPLE, runs=2, seed=first.seed + 1).won


def test_the_same_seed_gives_the_same_result_whatever_the_chunking() -> None:
    """Streams belong to fixed blocks of leads, so chunk size and threads change nothing."""
    many = attrs.evolve(ISSUE, leads=5 * STREAM_BLOCK + 123)
    results = [
        monte_carlo(many, runs=2, seed=8, chunk_size=size, threads=threads)
        for size, threads in ((1000, 1), (2 * STREAM_BLOCK, 2), (1 << 22, 1), (3 * STREAM_BLOCK, 2))
    ]
    first = results[0]
    assert first.timeline is not None
    for other in results[1:]:
        assert other.won_per_run.tolist() == first.won_per_run.tolist()
        assert other.revenue_per_run.tolist() == first.revenue_per_run.tolist()
        assert other.days_to_win.histogram.tolist() == first.days_to_win.histogram.tolist()
        assert other.days_to_win.mean == first.days_to_win.mean
        assert other.visits == first.visits
        assert other.timeline is not None
        assert other.timeline.entries.tolist() == first.timeline.entries.tolist()
    _check_agreement(many, first)


def test_bands_across_runs_bracket_the_expected_value() -> None:
    """p10 <= p50 <= p90, and the exact expectation lies between p10 and p90 of 40 runs."""
    scenario = Scenario(
        process="complex", advance=ADVANCE, days=DAYS, leads=5_000, value=DealValue(100)
    )
    result = monte_carlo(scenario, runs=40, seed=4)
    expected = exact(scenario)
    assert result.won.p10 <= result.won.p50 <= result.won.p90
    assert result.won.p10 < expected.won < result.won.p90
    assert len(result.won_per_run) == 40
    band = result.timeline.band(Stage.WON) if result.timeline else {}
    assert np.all(band["p10"] <= band["p90"])
    assert band["p50"][-1] == result.won.p50


def test_timeline_counts_every_entry() -> None:
    """A cohort enters LEAD on day 0; cumulative entries end at the stays per stage."""
    result = monte_carlo(LOOP, runs=2, seed=6, chunk_size=1 << 14)
    timeline = result.timeline
    assert timeline is not None
    assert timeline.stages[-1] is Stage.WON
    assert timeline.entries[:, 0, 0].tolist() == [LOOP.leads] * 2
    for index, stage in enumerate(LOOP.open_stages):
        assert timeline.cumulative(stage)[:, -1].tolist() == [
            # stays, minus the revisits that are entries too
            int(v)
            for v in timeline.entries[:, index, :].sum(axis=1)
        ]
    assert timeline.cumulative("won")[:, -1].tolist() == result.won_per_run.tolist()
    with pytest.raises(KeyError):
        timeline.cumulative("lost")
    assert monte_carlo(LOOP, seed=1, timeline=False, chunk_size=1 << 14).timeline is None


def test_flows_arrive_over_the_periods() -> None:
    """Poisson leads enter LEAD spread evenly over periods * period_days."""
    result = monte_carlo(FLOWS, seed=2, horizon_days=8 * 7)
    assert result.timeline is not None
    entries = result.timeline.entries[0, 0, :8]
    assert entries.sum() == result.leads.mean
    assert np.all(np.abs(entries - 25_000) <= Z * math.sqrt(25_000))


def test_capacity_queues_leads_first_come_first_served() -> None:
    """One slot, fixed one-day deals that are all won: three leads win on days 1, 2 and 3."""
    scenario = Scenario(
        process="simple",
        advance={"lead": 1.0},
        days={"lead": 1},
        duration=Duration.fixed(),
        leads=3,
        capacity=Capacity(reps=1, deals_per_rep=1),
        value=DealValue(10),
    )
    result = monte_carlo(scenario, seed=1)
    assert result.won.mean == 3
    assert result.days_to_win.mean == pytest.approx(2.0)
    assert result.revenue.mean == 30
    assert result.lost_waiting.mean == 0


def test_waiting_leads_go_cold() -> None:
    """With an enormous decay, every lead that has to wait is lost before a slot frees."""
    scenario = Scenario(
        process="simple",
        advance={"lead": 1.0},
        days={"lead": 1},
        duration=Duration.fixed(),
        leads=5,
        capacity=Capacity(reps=2, deals_per_rep=1, decay=1e9),
    )
    result = monte_carlo(scenario, seed=1)
    assert result.won.mean == 2
    assert result.lost_waiting.mean == 3
    assert result.visits[Stage.LEAD].mean == 2
    assert result.to_dict()["lost_waiting"] == 3


def test_ample_capacity_changes_nothing_on_average() -> None:
    """With more slots than leads, the capacity run agrees with the exact chain."""
    scenario = Scenario(
        process="complex",
        advance=ADVANCE | {Stage.OBJECTIONS: 0.4},
        days=DAYS,
        branch={Stage.OBJECTIONS: {Stage.PROPOSAL: 0.45}},
        leads=100_000,
        value=DealValue(10),
        capacity=Capacity(reps=1000, deals_per_rep=1000),
    )
    simulated = monte_carlo(scenario, seed=3)
    without = attrs.evolve(scenario, capacity=None)
    _check_agreement(without, simulated)


def test_scarce_capacity_costs_wins_and_time() -> None:
    """Fewer slots than leads, with decay: leads go cold, fewer wins, wins take longer."""
    base = Scenario(
        process="complex",
        advance=ADVANCE,
        days=DAYS,
        sources=[LeadFlow("ads", 500)],
        periods=10,
        value=DealValue(100),
    )
    capped = attrs.evolve(base, capacity=Capacity(reps=5, deals_per_rep=10, decay=0.2))
    free = monte_carlo(base, runs=4, seed=9)
    tight = monte_carlo(capped, runs=4, seed=9)
    assert tight.lost_waiting.mean > 0
    assert tight.won.mean < free.won.mean
    assert tight.days_to_win.mean > free.days_to_win.mean


def test_bad_arguments_are_refused_together() -> None:
    """runs, seed, threads: every problem named."""
    with pytest.raises(SimulationInputError) as caught:
        monte_carlo(SIMPLE, runs=0, seed=-1, threads=0)
    assert len(caught.value.problems) == 3
    with pytest.raises(SimulationInputError, match="chunk_size"):
        monte_carlo(SIMPLE, chunk_size=0)


def test_no_leads_no_wins() -> None:
    """A scenario with no leads runs and reports nothing won."""
    scenario = Scenario(process="simple", advance={"lead": 0.5}, days={"lead": 1})
    result = monte_carlo(scenario, seed=1)
    assert result.won.mean == 0
    assert math.isnan(result.days_to_win.mean)
    assert result.to_dict()["days_to_win"]["mean"] is None
