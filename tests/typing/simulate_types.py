"""Type checks of funnelcore.simulate: checked by mypy --strict, never run."""

from __future__ import annotations

from datetime import datetime

from typing_extensions import assert_type

from funnelcore.simulate import (
    Band,
    Comparison,
    ExactResult,
    Fit,
    Forecast,
    MonteCarloResult,
    Scenario,
    compare,
    exact,
    fit_scenario,
    forecast,
    monte_carlo,
    more_leads,
)

scenario = Scenario(process="simple", advance={"lead": 0.5}, days={"lead": 1}, leads=10)
assert_type(Scenario.from_toml("scenario.toml"), Scenario)
assert_type(exact(scenario), ExactResult)
assert_type(exact(scenario).won, float)
result = monte_carlo(scenario, runs=3, seed=1)
assert_type(result, MonteCarloResult)
assert_type(result.won, Band)
assert_type(result.days_to_win.p90, float)
assert_type(compare(scenario, [more_leads(2)]), Comparison)
assert_type(fit_scenario([]), Fit)
now = datetime(2026, 1, 1)
assert_type(forecast([], scenario, today=now, horizon=now), Forecast)

# What must not type-check:
monte_carlo(scenario, runs="3")  # type: ignore[arg-type]
monte_carlo(scenario, 3)  # type: ignore[call-arg]
Scenario(process=1, advance={}, days={})  # type: ignore[arg-type]
compare(scenario, [more_leads(2)], method="guess")  # type: ignore[arg-type]
result.won = Band(0, 0, 0, 0)  # type: ignore[misc]
