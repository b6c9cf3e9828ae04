"""Plots of simulation results (the ``plot`` extra: matplotlib, imported when called).

Each function returns a :class:`matplotlib.figure.Figure` built without pyplot, so it works
headless (no display, no global state): save it with ``figure.savefig("out.png")`` or show it in
a notebook cell.
"""

# matplotlib's stubs leave the **kwargs of most Axes methods untyped, so every call would be
# "partially unknown" to pyright's strict mode; the arguments passed here are all typed.
# pyright: reportUnknownMemberType=false

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from funnelcore._figure import new_figure
from funnelcore.simulate._compare import Comparison
from funnelcore.simulate._results import MonteCarloResult, Timeline

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from matplotlib.figure import Figure

__all__ = ["plot_comparison", "plot_outcomes", "plot_pipeline"]


def plot_outcomes(result: MonteCarloResult) -> Figure:
    """The distribution of outcomes: days to win over every won deal, and revenue across runs.

    >>> from funnelcore.simulate import Scenario, monte_carlo, plot_outcomes
    >>> scenario = Scenario(process="simple", advance={"lead": 0.3}, days={"lead": 5},
    ...                     leads=2000)
    >>> figure = plot_outcomes(monte_carlo(scenario, runs=10, seed=1))
    >>> [axes.get_title() for axes in figure.axes]
    ['Days from lead to win', 'Revenue across 10 runs']
    """
    import numpy as np

    figure = new_figure(10, 4)
    days_axes, revenue_axes = figure.subplots(1, 2)
    days = result.days_to_win
    counts: npt.NDArray[np.int64] = days.histogram
    if counts.sum():
        cumulative: npt.NDArray[np.int64] = np.cumsum(counts)
        last = int(np.searchsorted(cumulative, 0.995 * int(counts.sum()))) + 1
        # Merge fine bins into about 60 bars up to the 99.5th percentile.
        merge = max(1, last // 60)
        shown: npt.NDArray[np.int64] = counts[: last - last % merge].reshape(-1, merge).sum(axis=1)
        edges = np.arange(shown.size + 1) * (days.bin_days * merge)
        days_axes.stairs(shown, edges, fill=True, alpha=0.6)
        for value, label, style in (
            (days.mean, "mean", "-"),
            (days.p50, "p50", "--"),
            (days.p90, "p90", ":"),
        ):
            days_axes.axvline(
                value, linestyle=style, linewidth=1, color="black", label=f"{label} {value:.1f}"
            )
        days_axes.legend(fontsize="small")
    else:
        days_axes.text(0.5, 0.5, "nothing won", ha="center", transform=days_axes.transAxes)
    days_axes.set_title("Days from lead to win")
    days_axes.set_xlabel("days")
    days_axes.set_ylabel("won deals")
    revenue = result.revenue_per_run
    revenue_axes.hist(revenue, bins=min(30, max(1, result.runs // 2)), alpha=0.6)
    for value in (result.revenue.p10, result.revenue.p50, result.revenue.p90):
        revenue_axes.axvline(value, linestyle="--", linewidth=1)
    revenue_axes.set_title(f"Revenue across {result.runs} run{'s' if result.runs != 1 else ''}")
    revenue_axes.set_xlabel("revenue (dashed: p10, p50, p90)")
    revenue_axes.set_ylabel("runs")
    figure.suptitle(f"{result.scenario.name}: outcomes")
    return figure


def plot_pipeline(result: MonteCarloResult | Timeline, *, cumulative: bool = True) -> Figure:
    """Deals entering each stage over time: the median across runs, with the p10-p90 band.

    Raises:
        ValueError: the result was simulated with ``timeline=False``.
    """
    import numpy as np

    timeline = result.timeline if isinstance(result, MonteCarloResult) else result
    if timeline is None:
        raise ValueError("this result has no timeline; simulate with timeline=True")
    figure = new_figure(9, 5)
    axes = figure.subplots()
    periods = timeline.periods - 1  # the last period holds every later entry
    ends = (np.arange(periods) + 1) * timeline.period_days
    for stage in timeline.stages:
        band: dict[str, Any] = timeline.band(stage, cumulative=cumulative)
        (line,) = axes.plot(ends, band["p50"][:periods], label=str(stage.value))
        axes.fill_between(
            ends, band["p10"][:periods], band["p90"][:periods], alpha=0.2, color=line.get_color()
        )
    axes.set_xlabel("days from day 0")
    axes.set_ylabel("deals that entered the stage" + (" (cumulative)" if cumulative else ""))
    axes.set_title("Pipeline over time (median, p10-p90 band)")
    axes.legend(loc="upper left", fontsize="small")
    return figure


def plot_comparison(comparison: Comparison) -> Figure:
    """Revenue gained by each variation over the base scenario, largest first.

    Monte Carlo comparisons show the p10-p90 band of the gain, run by run against the base run
    that shared its random streams.
    """
    import numpy as np

    figure = new_figure(9, 1.2 + 0.5 * len(comparison.variations))
    axes = figure.subplots()
    ranked = list(reversed(comparison.ranked))
    gains = np.array([o.revenue_gain for o in ranked])
    positions = np.arange(len(ranked))
    axes.barh(positions, gains, alpha=0.7)
    bands = [o.revenue_gain_band for o in ranked]
    if all(band is not None for band in bands):
        low = np.array([band.p10 for band in bands if band is not None])
        high = np.array([band.p90 for band in bands if band is not None])
        axes.errorbar(
            gains,
            positions,
            xerr=[np.maximum(gains - low, 0), np.maximum(high - gains, 0)],
            fmt="none",
            ecolor="black",
            capsize=3,
        )
    offset = 0.01 * float(np.abs(gains).max() or 1.0)
    for position, gain in zip(positions.tolist(), gains.tolist(), strict=True):
        # The number sits at the bar's root, clear of the band drawn at its end.
        axes.text(
            offset if gain >= 0 else -offset,
            position,
            f"{gain:+,.0f}",
            ha="left" if gain >= 0 else "right",
            va="center",
            fontsize="small",
        )
    axes.set_yticks(positions, [o.name for o in ranked])
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set_xlabel(f"revenue gained over the base ({comparison.base.revenue:,.0f})")
    axes.set_title(f"Which change moves revenue most ({comparison.method})")
    return figure
