"""Plots render headless to PNG, with the titles and series they promise."""

from __future__ import annotations

import io

import attrs
import pytest

from funnelcore import SalesProcess
from funnelcore.simulate import (
    Capacity,
    DealValue,
    LeadFlow,
    Scenario,
    compare,
    monte_carlo,
    more_leads,
    more_reps,
    plot_comparison,
    plot_outcomes,
    plot_pipeline,
    weak_link,
)

pytest.importorskip("matplotlib")

SCENARIO = Scenario(
    process="complex",
    advance=dict.fromkeys(SalesProcess.complex().open_stages, 0.7),
    days=dict.fromkeys(SalesProcess.complex().open_stages, 4),
    branch={"objections": {"proposal": 0.2}},
    sources=[LeadFlow("ads", 300, 2.0)],
    periods=6,
    value=DealValue(1000, "lognormal", 0.5),
    name="plots",
)


def _png(figure: object) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")  # type: ignore[attr-defined]
    return buffer.getvalue()


def test_outcomes_render() -> None:
    """Days to win and revenue across runs."""
    figure = plot_outcomes(monte_carlo(SCENARIO, runs=12, seed=1))
    assert [a.get_title() for a in figure.axes] == [
        "Days from lead to win",
        "Revenue across 12 runs",
    ]
    assert _png(figure).startswith(b"\x89PNG")


def test_outcomes_with_nothing_won_render() -> None:
    """A scenario that wins nothing still plots."""
    scenario = Scenario(process="simple", advance={"lead": 0}, days={"lead": 1}, leads=10)
    assert _png(plot_outcomes(monte_carlo(scenario, seed=1))).startswith(b"\x89PNG")


def test_pipeline_renders_one_line_per_stage() -> None:
    """Seven open stages and WON, each a median line with a band."""
    result = monte_carlo(SCENARIO, runs=5, seed=2)
    figure = plot_pipeline(result)
    (axes,) = figure.axes
    assert [line.get_label() for line in axes.get_lines()] == [
        "lead",
        "prospecting",
        "qualifying",
        "needs_analysis",
        "proposal",
        "objections",
        "closing",
        "won",
    ]
    assert _png(figure).startswith(b"\x89PNG")
    assert result.timeline is not None
    assert _png(plot_pipeline(result.timeline, cumulative=False)).startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="no timeline"):
        plot_pipeline(monte_carlo(SCENARIO, seed=1, timeline=False))


def test_comparison_renders_exact_and_monte_carlo() -> None:
    """Bars of revenue gained, largest on top; Monte Carlo adds error bars."""
    figure = plot_comparison(weak_link(SCENARIO))
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels[-1] == weak_link(SCENARIO).best.name
    assert _png(figure).startswith(b"\x89PNG")
    capped = compare(
        attrs.evolve(SCENARIO, capacity=Capacity(2, 5, 0.1)),
        [more_reps(2), more_leads(1.5)],
        runs=3,
        seed=1,
    )
    assert _png(plot_comparison(capped)).startswith(b"\x89PNG")


def test_figures_do_not_touch_pyplot_state() -> None:
    """No pyplot figure is left open (works in servers and loops)."""
    import matplotlib.pyplot as plt

    before = len(plt.get_fignums())
    plot_outcomes(monte_carlo(SCENARIO, seed=3))
    assert len(plt.get_fignums()) == before
