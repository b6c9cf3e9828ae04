"""Simulate a funnel, find its weak link, fit it to past deals and forecast today's pipeline.

A notebook-style script (``# %%`` cells): run it whole, or cell by cell in an editor that knows
the cells. It uses examples/scenario.toml and data it draws itself; plots go to a temporary
directory (pass a directory as the first argument to keep them).

    PYTHONPATH=src python examples/simulate_forecast.py [OUTPUT_DIR]
"""

# %% The scenario: the complex sale of seed 000, from a TOML file
from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import attrs

from funnelcore import Stage
from funnelcore.simulate import (
    Capacity,
    LeadFlow,
    Scenario,
    better_conversion,
    compare,
    exact,
    fit_scenario,
    forecast,
    monte_carlo,
    more_leads,
    more_reps,
    sample_deals,
    weak_link,
)

HERE = Path(__file__).resolve().parent
scenario = Scenario.from_toml(HERE / "scenario.toml")
print(f"{scenario.name}: {scenario.leads:,} leads through the {scenario.process.name!r} process")

# %% Exact answers from the Markov chain
answer = exact(scenario)
print(
    f"exact: win probability {answer.win_probability:.4f}, {answer.won:,.0f} won, "
    f"revenue {answer.revenue:,.0f}, {answer.days_to_win:.1f} days to win"
)

# %% Monte Carlo, with bands across runs
result = monte_carlo(scenario, runs=20, seed=1)
print(
    f"monte carlo: won {result.won.mean:,.0f} (p10 {result.won.p10:,.0f}, "
    f"p90 {result.won.p90:,.0f}); days to win mean {result.days_to_win.mean:.1f}, "
    f"p50 {result.days_to_win.p50:.1f}, p90 {result.days_to_win.p90:.1f}"
)

# %% Seed 002: marketing or sales? The weak link in numbers
links = weak_link(scenario, by=0.05)
print(links.to_text())
weakest = links.best.name.split()[0]
versus = compare(scenario, [more_leads(1.1), better_conversion(weakest, 0.05)])
print(versus.to_text())
# 0.50 -> 0.55 is a tenth more, so five points at the weak link are worth ten percent more leads
# (which cost money); five points at CLOSING (0.90 -> 0.95) are worth barely six percent.

# %% Leads from campaigns, and the reps to work them
flowing = attrs.evolve(
    scenario,
    leads=0,
    sources=[LeadFlow("webinars", 400, 35.0), LeadFlow("referrals", 100, 0.0)],
    periods=13,
    capacity=Capacity(reps=4, deals_per_rep=25, decay=0.05),
    name="quarter with capacity",
)
staffed = compare(flowing, [more_reps(2), more_leads(1.2)], runs=5, seed=2)
print(staffed.to_text())
base = staffed.base
print(
    f"lead cost {base.cost:,.0f}; revenue gain per extra rep ~ "
    f"{staffed.variations[0].revenue_gain / 2:,.0f}"
)

# %% Fit a scenario to last year's deals (drawn here from the scenario itself)
start = datetime(2025, 1, 1, tzinfo=timezone.utc)
history = sample_deals(scenario, count=5000, start=start, spread_days=365, seed=3)
fit = fit_scenario(history, name="fitted")
for stage in (Stage.QUALIFYING, Stage.CLOSING):
    print(
        f"{stage.value}: advance {fit.scenario.advance[stage]:.2f} "
        f"(true {scenario.advance[stage]:.2f}, from {fit.exits[stage]} stays), "
        f"days {fit.scenario.days[stage]:.1f} (true {scenario.days[stage]:.1f})"
    )

# %% Forecast today's pipeline to the end of the quarter
today = start + timedelta(days=90)
pipeline = sample_deals(scenario, count=2000, start=start, spread_days=90, until=today, seed=4)
quarter = forecast(
    pipeline, fit.scenario, today=today, horizon=today + timedelta(days=30), runs=300, seed=5
)
print(
    f"{quarter.open_deals} open deals worth {quarter.pipeline_value:,.0f}: by "
    f"{quarter.horizon:%Y-%m-%d} expect {quarter.wins.mean:.1f} wins "
    f"(p10 {quarter.wins.p10:.0f}, p90 {quarter.wins.p90:.0f}), revenue "
    f"{quarter.revenue.mean:,.0f}; weighted by stage {quarter.weighted_revenue:,.0f}"
)

# %% Plots (the plot extra)
try:
    from funnelcore.simulate import plot_comparison, plot_outcomes, plot_pipeline

    output = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    output.mkdir(parents=True, exist_ok=True)
    plot_outcomes(result).savefig(output / "outcomes.png")
    plot_pipeline(result).savefig(output / "pipeline.png")
    plot_comparison(links).savefig(output / "weak_link.png")
    print(f"plots in {output}")
except ImportError:  # pragma: no cover - without matplotlib
    print("install funnelcore[plot] for the plots")
