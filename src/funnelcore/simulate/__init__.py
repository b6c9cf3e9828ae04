"""Funnel simulation and forecasting: Monte Carlo and exact Markov answers, in one API.

Seed 002: "In order to have a successful business you need to strike a balance between sales and
marketing ... locate your weak link". A :class:`Scenario` states the leads marketing brings and the
conversion and timing of each stage of the sales process; :func:`exact` answers it from its
absorbing Markov chain, :func:`monte_carlo` by simulating every lead; :func:`forecast` projects
today's open deals to a horizon date, :func:`fit_scenario` estimates a scenario from past deals and
:func:`compare` runs variations side by side to find what moves revenue most.

Importing this package does not import numpy; the functions that need it import it when called
(install the ``simulate`` extra). Plots need the ``plot`` extra.
"""

from __future__ import annotations

from funnelcore.simulate._answers import DEFAULT_CHUNK_SIZE, exact, monte_carlo
from funnelcore.simulate._compare import (
    Comparison,
    Outcome,
    Variation,
    better_conversion,
    compare,
    more_leads,
    more_reps,
    weak_link,
)
from funnelcore.simulate._fit import Fit, fit_scenario
from funnelcore.simulate._forecast import Forecast, forecast
from funnelcore.simulate._plot import plot_comparison, plot_outcomes, plot_pipeline
from funnelcore.simulate._results import Band, DaysToWin, ExactResult, MonteCarloResult, Timeline
from funnelcore.simulate._sample import sample_deals
from funnelcore.simulate._scenario import Capacity, DealValue, Duration, LeadFlow, Scenario

__all__ = [
    # scenario
    "Scenario",
    "Duration",
    "DealValue",
    "LeadFlow",
    "Capacity",
    # answers
    "exact",
    "ExactResult",
    "monte_carlo",
    "MonteCarloResult",
    "Band",
    "DaysToWin",
    "Timeline",
    "DEFAULT_CHUNK_SIZE",
    # forecasts and fits
    "forecast",
    "Forecast",
    "fit_scenario",
    "Fit",
    "sample_deals",
    # comparisons
    "compare",
    "Comparison",
    "Outcome",
    "Variation",
    "more_leads",
    "better_conversion",
    "more_reps",
    "weak_link",
    # plots (the plot extra)
    "plot_outcomes",
    "plot_pipeline",
    "plot_comparison",
]
