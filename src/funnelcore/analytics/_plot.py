"""Charts of the funnel metrics (the ``plot`` extra: matplotlib).

Each function takes a result of :func:`~funnelcore.analytics.stage_funnel` (any frame type) and
returns a :class:`matplotlib.figure.Figure` built without pyplot, so nothing global changes and no
display is needed: save it with ``figure.savefig("funnel.png")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from funnelcore._process import spellings_of
from funnelcore.errors import MetricsInputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_conversion", "plot_funnel", "plot_time_in_stage"]


def _rows(result: Any, needed: Sequence[str]) -> list[dict[str, Any]]:
    from funnelcore.analytics._frames import result_rows

    return result_rows(result, needed)


def _figure(title: str | None, size: tuple[float, float]) -> tuple[Figure, Any]:
    from funnelcore._figure import new_figure

    figure = new_figure(*size)
    axes: Any = figure.add_subplot()
    if title:
        axes.set_title(title)
    return figure, axes


def _one_group(rows: list[dict[str, Any]]) -> None:
    stages = [row["stage"] for row in rows]
    if len(set(stages)) != len(stages):
        raise MetricsInputError(
            "the funnel has several rows per stage (a breakdown); plot one group at a time "
            "or use plot_conversion"
        )


def plot_funnel(funnel: Any, *, title: str | None = "Deals that reached each stage") -> Figure:
    """A funnel chart: one horizontal bar per stage, as long as the deals that reached it.

    Each bar is labelled with its count and the share of the entry stage it keeps
    (``conversion_from_entry``).

    Args:
        funnel: a result of ``stage_funnel`` or ``stage_conversion`` without a breakdown.
        title: the chart's title.
    """
    rows = _rows(funnel, ("stage", "reached", "conversion_from_entry"))
    _one_group(rows)
    figure, axes = _figure(title, (7.0, 0.45 * len(rows) + 1.5))
    stages = [row["stage"] for row in rows]
    reached = [row["reached"] for row in rows]
    bars = axes.barh(stages, reached, color="#4C72B0")
    axes.invert_yaxis()
    labels = [
        f"{row['reached']:,}"
        + (
            f"  ({row['conversion_from_entry']:.0%})"
            if row["conversion_from_entry"] is not None
            else ""
        )
        for row in rows
    ]
    axes.bar_label(bars, labels=labels, padding=3)
    axes.set_xlabel("deals")
    axes.margins(x=0.2)
    return figure


def plot_conversion(
    funnel: Any,
    by: str,
    *,
    stage: str = "won",
    title: str | None = None,
) -> Figure:
    """One bar per group: the share of its leads that reached ``stage`` (default: won).

    Args:
        funnel: a result of ``stage_funnel`` or ``stage_conversion`` with ``by=``.
        by: the breakdown column.
        stage: the stage whose ``conversion_from_entry`` is charted (its value, in
            any case, a space or hyphen standing for an underscore: ``"Needs Analysis"``).
        title: the chart's title (default: "Leads that reached <stage>, by <by>").
    """
    rows = _rows(funnel, (by, "stage", "conversion_from_entry"))
    # As SalesProcess.stage matches names: any case, a space or hyphen for an underscore.
    wanted = stage.strip().lower()
    chosen = [row for row in rows if wanted in spellings_of(str(row["stage"]))]
    if not chosen:
        raise MetricsInputError(f"the funnel has no stage {stage!r}", column="stage")
    figure, axes = _figure(
        title if title is not None else f"Leads that reached {stage}, by {by}",
        (7.0, 0.45 * len(chosen) + 1.5),
    )
    groups = ["(none)" if row[by] is None else str(row[by]) for row in chosen]
    shares = [row["conversion_from_entry"] or 0.0 for row in chosen]
    bars = axes.barh(groups, shares, color="#55A868")
    axes.invert_yaxis()
    axes.bar_label(bars, labels=[f"{share:.1%}" for share in shares], padding=3)
    axes.set_xlabel(f"share of leads that reached {stage}")
    axes.margins(x=0.2)
    return figure


def plot_time_in_stage(funnel: Any, *, title: str | None = "Days in stage") -> Figure:
    """One bar per stage with completed stays: the median days, with a marker at the p90.

    Args:
        funnel: a result of ``stage_funnel`` without a breakdown.
        title: the chart's title.
    """
    rows = _rows(funnel, ("stage", "median_days", "p90_days"))
    _one_group(rows)
    measured = [row for row in rows if row["median_days"] is not None]
    figure, axes = _figure(title, (7.0, 0.45 * max(len(measured), 1) + 1.5))
    stages = [row["stage"] for row in measured]
    bars = axes.barh(stages, [row["median_days"] for row in measured], color="#C44E52")
    axes.scatter(
        [row["p90_days"] for row in measured],
        stages,
        marker="|",
        s=200,
        color="black",
        label="90th percentile",
        zorder=3,
    )
    axes.invert_yaxis()
    axes.bar_label(bars, labels=[f"{row['median_days']:.1f}" for row in measured], padding=3)
    axes.set_xlabel("days (bar: median; mark: 90th percentile)")
    if measured:
        axes.legend(loc="lower right")
    axes.margins(x=0.2)
    return figure
