"""The charts render to PNG, and their bars are the metric numbers."""

from __future__ import annotations

import io

import pytest

from funnelcore import MetricsInputError, SalesProcess, stage_funnel
from funnelcore.analytics import plot_conversion, plot_funnel, plot_time_in_stage
from tests.unit.analytics_story import story_polars

COMPLEX = SalesProcess.complex()


def png(figure: object) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")  # type: ignore[attr-defined]
    return buffer.getvalue()


def test_funnel_chart_bars_are_the_reached_counts() -> None:
    funnel = stage_funnel(story_polars(), COMPLEX)
    figure = plot_funnel(funnel)
    [axes] = figure.axes
    assert [bar.get_width() for bar in axes.patches] == [6, 4, 4, 3, 3, 2, 2, 2, 2]
    assert [label.get_text() for label in axes.get_yticklabels()][:2] == ["lead", "prospecting"]
    assert png(figure).startswith(b"\x89PNG")


def test_a_plain_python_result_charts_like_a_frame() -> None:
    rows = story_polars().to_dicts()
    from_rows = plot_funnel(stage_funnel(rows, COMPLEX))
    [axes] = from_rows.axes
    assert [bar.get_width() for bar in axes.patches] == [6, 4, 4, 3, 3, 2, 2, 2, 2]


def test_conversion_chart_bars_are_each_groups_share_of_leads_won() -> None:
    funnel = stage_funnel(story_polars(), COMPLEX, by="campaign").to_pandas()
    figure = plot_conversion(funnel, "campaign")
    [axes] = figure.axes
    assert [bar.get_width() for bar in axes.patches] == pytest.approx([0 / 3, 2 / 3])
    assert [label.get_text() for label in axes.get_yticklabels()] == ["ads", "webinar"]
    assert png(figure).startswith(b"\x89PNG")


def test_time_in_stage_chart_bars_are_medians_and_marks_are_p90() -> None:
    figure = plot_time_in_stage(stage_funnel(story_polars(), COMPLEX))
    [axes] = figure.axes
    assert [bar.get_width() for bar in axes.patches] == pytest.approx(
        [1.0, 1.5, 1.0, 2.0, 1.0, 2.0, 2.0]
    )
    [marks] = axes.collections
    assert [x for x, _ in marks.get_offsets()] == pytest.approx([3.2, 2.7, 1.7, 2.8, 1.0, 2.0, 2.8])
    assert png(figure).startswith(b"\x89PNG")


def test_a_broken_down_funnel_needs_plot_conversion() -> None:
    with pytest.raises(MetricsInputError, match="several rows per stage"):
        plot_funnel(stage_funnel(story_polars(), COMPLEX, by="campaign"))


def test_conversion_chart_of_an_unknown_stage_is_refused() -> None:
    with pytest.raises(MetricsInputError, match="no stage 'signed'"):
        plot_conversion(
            stage_funnel(story_polars(), COMPLEX, by="campaign"), "campaign", stage="signed"
        )


def test_conversion_chart_takes_a_stage_as_the_process_spells_it() -> None:
    """The stage "Needs Analysis" is needs_analysis, as SalesProcess.stage reads it."""
    funnel = stage_funnel(story_polars(), COMPLEX, by="campaign")
    spaced = plot_conversion(funnel, "campaign", stage="Needs Analysis")
    exact = plot_conversion(funnel, "campaign", stage="needs_analysis")
    widths = [[bar.get_width() for bar in figure.axes[0].patches] for figure in (spaced, exact)]
    assert widths[0] == widths[1]
    with pytest.raises(MetricsInputError, match="no stage 'needs  analysis'"):
        plot_conversion(funnel, "campaign", stage="needs  analysis")
