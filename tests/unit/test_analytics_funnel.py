"""Funnel metrics on the hand-written story of ``analytics_story.py``; every number by hand."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pandas as pd
import polars as pl
import pytest

from funnelcore import LogReadError, MetricsInputError, SalesProcess
from funnelcore.analytics import cycle_times, funnel_summary, stage_conversion, stage_funnel
from tests.unit.analytics_story import (
    START,
    close_to,
    rows_of,
    story_columns,
    story_frames,
    story_polars,
)

COMPLEX = SalesProcess.complex()
UTC = timezone.utc
STAGES = [
    "lead",
    "prospecting",
    "qualifying",
    "needs_analysis",
    "proposal",
    "objections",
    "closing",
    "won",
    "lost",
]


def column(rows: list[dict[str, Any]], name: str) -> list[Any]:
    return [row[name] for row in rows]


def approx_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: pytest.approx(v) if isinstance(v, float) else v for k, v in row.items()} for row in rows
    ]


# -- stage conversion -------------------------------------------------------------------------


def test_reached_counts_distinct_deals_per_stage() -> None:
    """A deal counts once per stage it entered, even when it entered it twice (d6's proposal)."""
    rows = rows_of(stage_conversion(story_polars(), COMPLEX))
    assert column(rows, "stage") == STAGES
    assert column(rows, "reached") == [6, 4, 4, 3, 3, 2, 2, 2, 2]


def test_conversion_and_drop_off_to_the_next_stage() -> None:
    """Conversion is reached(next) / reached; dropped is the difference; WON and LOST have none."""
    rows = rows_of(stage_conversion(story_polars(), COMPLEX))
    assert column(rows, "next_stage") == [*STAGES[1:8], None, None]
    assert column(rows, "conversion") == pytest.approx(
        [4 / 6, 4 / 4, 3 / 4, 3 / 3, 2 / 3, 2 / 2, 2 / 2, None, None]
    )
    assert column(rows, "dropped") == [2, 0, 1, 0, 1, 0, 0, None, None]


def test_cumulative_conversion_from_the_entry_stage() -> None:
    """conversion_from_entry is reached / reached(LEAD): 2 of 6 leads were won, 2 lost."""
    rows = rows_of(stage_conversion(story_polars(), COMPLEX))
    assert column(rows, "conversion_from_entry") == pytest.approx(
        [6 / 6, 4 / 6, 4 / 6, 3 / 6, 3 / 6, 2 / 6, 2 / 6, 2 / 6, 2 / 6]
    )


def test_stage_conversion_needs_no_time_column() -> None:
    """Counting who reached what needs deal_id and stage only."""
    log = pl.DataFrame({"deal_id": ["a", "a", "b"], "stage": ["lead", "won", "lead"]})
    rows = rows_of(stage_conversion(log, SalesProcess.simple()))
    assert column(rows, "reached") == [2, 1, 0]
    assert column(rows, "conversion") == [0.5, None, None]


def test_stage_names_match_ignoring_case_and_spelling_twice_counts_once() -> None:
    """'Lead', 'LEAD' and 'lead' are one stage; a deal logged under two spellings counts once."""
    log = pl.DataFrame(
        {
            "deal_id": ["a", "a", "a", "b"],
            "stage": ["Lead", "WON", "won", "lead"],
        }
    )
    rows = rows_of(stage_conversion(log, SalesProcess.simple()))
    assert column(rows, "reached") == [2, 1, 0]


def test_breakdown_by_campaign() -> None:
    """Each deal joins the campaign on its first event; later events leave the column empty."""
    rows = rows_of(stage_conversion(story_polars(), COMPLEX, by="campaign"))
    assert column(rows, "campaign") == ["ads"] * 9 + ["webinar"] * 9
    assert column(rows, "reached") == [*[3, 1, 1, 1, 1, 0, 0, 0, 1], *[3, 3, 3, 2, 2, 2, 2, 2, 1]]
    ads_conversion = column(rows, "conversion")[:9]
    assert ads_conversion == pytest.approx([1 / 3, 1.0, 1.0, 1.0, 0.0, None, None, None, None])


def test_breakdown_group_counts_sum_to_the_total() -> None:
    """Every deal is in exactly one group, so the groups add up to the whole funnel."""
    total = column(rows_of(stage_conversion(story_polars(), COMPLEX)), "reached")
    rows = rows_of(stage_conversion(story_polars(), COMPLEX, by="campaign"))
    summed = [sum(row["reached"] for row in rows if row["stage"] == stage) for stage in STAGES]
    assert summed == total


def test_deals_without_a_group_value_form_the_missing_group_last() -> None:
    """A deal with no value in the column anywhere lands in the group None, listed last."""
    columns = story_columns()
    columns["campaign"] = [
        None if d == "d4" else c
        for d, c in zip(columns["deal_id"], columns["campaign"], strict=True)
    ]
    rows = rows_of(stage_conversion(pl.DataFrame(columns), COMPLEX, by="campaign"))
    assert column(rows, "campaign") == ["ads"] * 9 + ["webinar"] * 9 + [None] * 9
    assert rows[-9]["reached"] == 1  # d4 at LEAD
    assert rows[0]["reached"] == 2  # ads now has d3 and d5


def test_numeric_breakdown_column_keeps_its_type() -> None:
    log = pl.DataFrame(
        {"deal_id": ["a", "b", "b"], "stage": ["lead", "lead", "won"], "tier": [1, 2, 2]}
    )
    rows = rows_of(stage_conversion(log, SalesProcess.simple(), by="tier"))
    assert column(rows, "tier") == [1, 1, 1, 2, 2, 2]
    assert column(rows, "reached") == [1, 0, 0, 1, 1, 0]


def test_a_deal_with_two_values_in_the_breakdown_column_is_refused() -> None:
    columns = story_columns()
    index = columns["deal_id"].index("d2") + 1
    columns["campaign"][index] = "ads"
    with pytest.raises(MetricsInputError, match=r"more than one value in 'campaign'.*'d2'") as info:
        stage_conversion(pl.DataFrame(columns), COMPLEX, by="campaign")
    assert info.value.column == "campaign"
    with pytest.raises(MetricsInputError, match="'d2'"):
        stage_funnel(pl.DataFrame(columns), COMPLEX, by="campaign")


@pytest.mark.parametrize("by", ["deal_id", "stage", "at"])
def test_breaking_down_by_a_log_key_is_refused(by: str) -> None:
    with pytest.raises(MetricsInputError, match="one value per deal"):
        stage_conversion(story_polars(), COMPLEX, by=by)


def test_breaking_down_by_a_missing_column_names_the_columns() -> None:
    with pytest.raises(MetricsInputError, match="no such column; its columns are deal_id"):
        stage_funnel(story_polars(), COMPLEX, by="manager")


# -- stage funnel: time in stage and what is waiting where ------------------------------------


def test_time_in_stage_median_and_p90_of_completed_stays() -> None:
    """Stays end at the deal's next event; open stays (d3 at proposal, d4 at lead) are left out."""
    rows = rows_of(stage_funnel(story_polars(), COMPLEX))
    assert column(rows, "stays") == [5, 4, 4, 3, 3, 3, 2, 0, 0]
    # lead [1,1,1,2,4]; prospecting [1,1,2,3]; qualifying [1,1,1,2]; needs_analysis [1,2,3];
    # proposal [1,1,1]; objections [1,2,2]; closing [1,3]. p90 by linear interpolation at
    # position 0.9 * (n - 1) of the sorted stays.
    assert column(rows, "median_days") == pytest.approx(
        [1.0, 1.5, 1.0, 2.0, 1.0, 2.0, 2.0, None, None]
    )
    assert column(rows, "p90_days") == pytest.approx(
        [3.2, 2.7, 1.7, 2.8, 1.0, 2.0, 2.8, None, None]
    )


def test_current_deals_value_and_weighted_value_per_stage() -> None:
    """d4 waits at LEAD (no value), d3 at PROPOSAL (2000 x 0.5); d1 and d6 won, d2 and d5 lost."""
    rows = rows_of(stage_funnel(story_polars(), COMPLEX))
    assert column(rows, "current") == [1, 0, 0, 0, 1, 0, 0, 2, 2]
    assert column(rows, "current_value") == pytest.approx(
        [0.0, 0.0, 0.0, 0.0, 2000.0, 0.0, 0.0, 5000.0, 800.0]
    )
    assert column(rows, "probability") == pytest.approx(
        [0.05, 0.10, 0.20, 0.35, 0.50, 0.60, 0.80, 1.0, 0.0]
    )
    assert column(rows, "weighted_value") == pytest.approx(
        [0.0, 0.0, 0.0, 0.0, 1000.0, 0.0, 0.0, None, None]
    )


def test_the_latest_recorded_value_of_a_deal_counts() -> None:
    """A value revised on a later event replaces the first one; an empty value keeps it."""
    day = timedelta(days=1)
    log = pl.DataFrame(
        {
            "deal_id": ["revised", "revised", "kept", "kept"],
            "stage": ["lead", "won", "lead", "won"],
            "at": [START, START + day, START, START + day],
            "value": [100.0, 80.0, 300.0, None],
        }
    )
    rows = rows_of(stage_funnel(log, SalesProcess.simple()))
    assert rows[1]["current_value"] == 80.0 + 300.0


def test_events_at_the_same_time_are_ordered_by_stage() -> None:
    """A lead opened and won in the same minute spent 0 days at LEAD and is WON now."""
    log = pl.DataFrame({"deal_id": ["a", "a"], "stage": ["won", "lead"], "at": [START, START]})
    rows = rows_of(stage_funnel(log, SalesProcess.simple()))
    assert column(rows, "current") == [0, 1, 0]
    assert rows[0]["median_days"] == 0.0


def test_stage_funnel_by_campaign() -> None:
    rows = rows_of(stage_funnel(story_polars(), COMPLEX, by="campaign"))
    ads = rows[:9]
    assert column(ads, "current") == [1, 0, 0, 0, 1, 0, 0, 0, 1]
    # ads lead stays: d3 1 day, d5 4 days (d4 is still there)
    assert ads[0]["median_days"] == pytest.approx(2.5)
    assert ads[0]["p90_days"] == pytest.approx(1 + 0.9 * 3)


# -- summary: win rate, velocity, pipeline ----------------------------------------------------


def test_funnel_summary() -> None:
    """Win rate 2 of 4 closed; velocity = 2 open x 2500 x 0.5 / 11 days."""
    [row] = rows_of(funnel_summary(story_polars(), COMPLEX))
    assert approx_rows([row]) == [
        {
            "deals": 6,
            "open": 2,
            "won": 2,
            "lost": 2,
            "win_rate": 0.5,
            "average_won_value": 2500.0,
            "average_cycle_days": 11.0,
            "sales_velocity": 2 * 2500 * 0.5 / 11,
            "pipeline_value": 2000.0,
            "weighted_pipeline": 1000.0,
        }
    ]


def test_funnel_summary_by_campaign() -> None:
    rows = rows_of(funnel_summary(story_polars(), COMPLEX, by="campaign"))
    assert approx_rows(rows) == [
        {
            "campaign": "ads",
            "deals": 3,
            "open": 2,
            "won": 0,
            "lost": 1,
            "win_rate": 0.0,
            "average_won_value": None,
            "average_cycle_days": None,
            "sales_velocity": None,
            "pipeline_value": 2000.0,
            "weighted_pipeline": 1000.0,
        },
        {
            "campaign": "webinar",
            "deals": 3,
            "open": 0,
            "won": 2,
            "lost": 1,
            "win_rate": 2 / 3,
            "average_won_value": 2500.0,
            "average_cycle_days": 11.0,
            "sales_velocity": 0.0,
            "pipeline_value": 0.0,
            "weighted_pipeline": 0.0,
        },
    ]


def test_weighted_pipeline_is_unknown_without_probabilities() -> None:
    """A custom process with no stage probabilities cannot weigh its open deals."""
    process = SalesProcess.from_mapping(
        {
            "name": "crm",
            "stages": ["prospecting", "engaging", "won", "lost"],
            "entry": "prospecting",
            "won": "won",
            "lost": "lost",
            "moves": [
                {"name": "engage", "from": "prospecting", "to": "engaging", "by": ["sales"]},
                {"name": "win", "from": "engaging", "to": "won", "by": ["sales"]},
            ],
        }
    )
    log = pl.DataFrame({"deal_id": ["a"], "stage": ["Prospecting"], "at": [START], "value": [10.0]})
    [row] = rows_of(funnel_summary(log, process))
    assert row["pipeline_value"] == 10.0
    assert row["weighted_pipeline"] is None
    assert row["win_rate"] is None


# -- cycle times ------------------------------------------------------------------------------


def test_cycle_times_from_the_first_event() -> None:
    """Won: d1 10 days, d6 12 days; lost: d2 6 days, d5 4 days."""
    rows = rows_of(cycle_times(story_polars(), COMPLEX))
    assert approx_rows(rows) == [
        {"outcome": "won", "deals": 2, "mean_days": 11.0, "median_days": 11.0, "p90_days": 11.8},
        {"outcome": "lost", "deals": 2, "mean_days": 5.0, "median_days": 5.0, "p90_days": 5.8},
    ]


def test_cycle_times_from_a_start_stage_leave_out_deals_that_never_reached_it() -> None:
    """From PROSPECTING: won d1 9, d6 11 days; lost only d2 (d5 was lost at LEAD), 4 days."""
    rows = rows_of(cycle_times(story_polars(), COMPLEX, start="Prospecting"))
    assert approx_rows(rows) == [
        {"outcome": "won", "deals": 2, "mean_days": 10.0, "median_days": 10.0, "p90_days": 10.8},
        {"outcome": "lost", "deals": 1, "mean_days": 4.0, "median_days": 4.0, "p90_days": 4.0},
    ]


def test_cycle_times_refuse_a_start_outside_the_process() -> None:
    with pytest.raises(MetricsInputError, match="has no stage 'engaging'"):
        cycle_times(story_polars(), COMPLEX, start="engaging")


# -- input checks -----------------------------------------------------------------------------


def test_a_stage_outside_the_process_is_refused_with_every_unknown_name() -> None:
    log = pl.DataFrame(
        {"deal_id": ["a", "b", "c"], "stage": ["lead", "demo", "Trial"], "at": [START] * 3}
    )
    with pytest.raises(MetricsInputError, match=r"2 stage name\(s\).*'Trial', 'demo'") as info:
        stage_funnel(log, COMPLEX)
    assert info.value.column == "stage"


@pytest.mark.parametrize(
    ("missing", "what"), [("deal_id", "deal id"), ("stage", "stage"), ("at", "time")]
)
def test_events_without_a_needed_value_are_refused(missing: str, what: str) -> None:
    columns = story_columns()
    columns[missing][3] = None
    with pytest.raises(MetricsInputError, match=f"1 event\\(s\\) have no {what}"):
        stage_funnel(pl.DataFrame(columns), COMPLEX)


@pytest.mark.parametrize("lazy", [False, True])
def test_stage_conversion_refuses_events_without_a_deal_id(lazy: bool) -> None:
    """In memory the null count is read first; a lazy log's stage filters decline on it."""
    columns = story_columns()
    columns["deal_id"][3] = None
    log = pl.DataFrame(columns)
    with pytest.raises(MetricsInputError, match=r"1 event\(s\) have no deal id"):
        stage_conversion(log.lazy() if lazy else log, COMPLEX)


def test_a_missing_column_is_named() -> None:
    log = pl.DataFrame({"deal_id": ["a"], "stage": ["lead"]})
    with pytest.raises(MetricsInputError, match="the log has no column 'at'") as info:
        stage_funnel(log, COMPLEX)
    assert info.value.column == "at"


def test_text_timestamps_are_parsed() -> None:
    log = pd.DataFrame(
        {
            "deal_id": ["a", "a"],
            "stage": ["lead", "won"],
            "at": ["2026-01-01T00:00", "2026-01-03T12:00"],
        }
    )
    rows = rows_of(stage_funnel(log, SalesProcess.simple()))
    assert rows[0]["median_days"] == pytest.approx(2.5)


def duckdb_relation(rows: list[dict[str, Any]]) -> Any:
    import duckdb

    return duckdb.from_arrow(pl.DataFrame(rows).to_arrow())


TEXT_ENGINES: dict[str, Any] = {
    "polars": pl.DataFrame,
    "pandas": pd.DataFrame,
    "duckdb": duckdb_relation,
    "pyarrow": lambda rows: pl.DataFrame(rows).to_arrow(),
}


@pytest.mark.parametrize("engine", sorted(TEXT_ENGINES))
def test_text_times_follow_the_audits_grammar_on_every_engine(engine: str) -> None:
    # UTC offsets are instants (as the plain engine and the audit read them); text that is not
    # a time is counted and refused, not parsed by another grammar (pandas would guess one format
    # from the first row, DuckDB would ask for one).
    make = TEXT_ENGINES[engine]
    rows = [
        {"deal_id": "a", "stage": "lead", "at": "2026-01-05T09:00:00Z"},
        {"deal_id": "a", "stage": "won", "at": "2026-01-07T09:30:00+02:00"},
    ]
    measured = rows_of(stage_funnel(make(rows), SalesProcess.simple()))
    plain_rows = stage_funnel(rows, SalesProcess.simple())
    assert measured[0]["median_days"] == pytest.approx(1.9375)
    assert measured[0]["median_days"] == pytest.approx(plain_rows[0]["median_days"])
    mixed = [{**rows[0], "at": "2026-01-05"}, {**rows[1], "at": "2026-01-06 10:30"}]
    assert rows_of(stage_funnel(make(mixed), SalesProcess.simple()))[0]["median_days"] == (
        pytest.approx(1.4375)
    )
    bad = [{**rows[0], "at": "2026-01-05"}, {**rows[1], "at": "x"}]
    with pytest.raises(MetricsInputError, match="1 event"):
        stage_funnel(make(bad), SalesProcess.simple())
    with pytest.raises(MetricsInputError, match="1 have one"):
        stage_funnel(make([rows[0], mixed[1]]), SalesProcess.simple())


@pytest.mark.parametrize(
    "times",
    [
        [datetime(2026, 1, 5, 9), "2026-01-07"],  # a datetime beside text
        [date(2026, 1, 5), date(2026, 1, 7)],  # pandas keeps dates as objects
        [
            datetime(2026, 1, 5, tzinfo=UTC),
            datetime(2026, 1, 7, tzinfo=timezone(timedelta(hours=2))),
        ],
    ],
)
def test_a_pandas_object_time_column_measures_as_its_rows_do(times: list[Any]) -> None:
    rows = [
        {"deal_id": "a", "stage": stage, "at": at}
        for stage, at in zip(["lead", "won"], times, strict=True)
    ]
    frame = pd.DataFrame(
        {name: pd.Series([row[name] for row in rows], dtype=object) for name in rows[0]}
    )
    expected = stage_funnel(rows, SalesProcess.simple())
    assert rows_of(stage_funnel(frame, SalesProcess.simple())) == close_to(expected)


def test_a_pandas_object_column_of_mixed_types_does_not_stop_text_times_from_being_read() -> None:
    rows = [
        {"deal_id": 1, "stage": "lead", "at": "2026-01-05", "campaign": 7},
        {"deal_id": 1, "stage": "won", "at": "2026-01-07 12:00", "campaign": "web"},
    ]
    frame = pd.DataFrame(
        {name: pd.Series([row[name] for row in rows], dtype=object) for name in rows[0]}
    )
    measured = rows_of(stage_funnel(frame, SalesProcess.simple()))
    assert measured == close_to(stage_funnel(rows, SalesProcess.simple()))
    assert measured[0]["median_days"] == pytest.approx(2.5)


def test_a_pandas_object_time_column_mixing_aware_and_naive_times_is_refused() -> None:
    times = pd.Series([datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 7)], dtype=object)
    frame = pd.DataFrame({"deal_id": ["a", "a"], "stage": ["lead", "won"], "at": times})
    with pytest.raises(MetricsInputError, match=r"no UTC offset while 1 have one"):
        stage_funnel(frame, SalesProcess.simple())


def test_dates_count_whole_days() -> None:
    log = pl.DataFrame(
        {
            "deal_id": ["a", "a"],
            "stage": ["lead", "won"],
            "at": [START.date(), (START + timedelta(days=3)).date()],
        }
    )
    assert rows_of(stage_funnel(log, SalesProcess.simple()))[0]["median_days"] == 3.0


def test_a_timestamp_column_of_numbers_is_refused() -> None:
    log = pl.DataFrame({"deal_id": ["a"], "stage": ["lead"], "at": [1]})
    with pytest.raises(MetricsInputError, match="must hold datetimes"):
        stage_funnel(log, COMPLEX)


def test_something_that_is_not_a_frame_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"expected a dataframe .*, a file path or a list of row"):
        stage_funnel({"deal_id": ["a"]}, COMPLEX)  # type: ignore[call-overload]


def test_a_missing_file_is_refused(tmp_path: Any) -> None:
    with pytest.raises(LogReadError, match="no such file"):
        stage_funnel(tmp_path / "nope.csv", COMPLEX)


def test_a_csv_path_gives_a_polars_frame(tmp_path: Any) -> None:
    path = tmp_path / "log.csv"
    story_polars().write_csv(path)
    result = stage_conversion(path, COMPLEX)
    assert isinstance(result, pl.DataFrame)
    assert result["reached"].to_list() == [6, 4, 4, 3, 3, 2, 2, 2, 2]


def test_an_empty_log_has_zero_counts_and_no_ratios() -> None:
    log = pl.DataFrame(
        {"deal_id": [], "stage": [], "at": []},
        schema={"deal_id": pl.String, "stage": pl.String, "at": pl.Datetime("us")},
    )
    rows = rows_of(stage_funnel(log, COMPLEX))
    assert column(rows, "reached") == [0] * 9
    assert column(rows, "conversion") == [None] * 9
    [summary] = rows_of(funnel_summary(log, COMPLEX))
    assert summary["deals"] == 0
    assert summary["win_rate"] is None


# -- engines ----------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["pandas", "polars-lazy", "pyarrow", "duckdb"])
@pytest.mark.parametrize("metric", [stage_conversion, stage_funnel, funnel_summary, cycle_times])
def test_every_engine_gives_the_polars_numbers(engine: str, metric: Any) -> None:
    """pandas, Polars (lazy), PyArrow and DuckDB agree with Polars, breakdown included."""
    frames = story_frames()
    expected = approx_rows(rows_of(metric(frames["polars"], COMPLEX, by="campaign")))
    assert rows_of(metric(frames[engine], COMPLEX, by="campaign")) == expected


def test_results_come_back_in_the_callers_frame_type() -> None:
    import duckdb
    import pyarrow as pa

    frames = story_frames()
    assert isinstance(stage_funnel(frames["pandas"], COMPLEX), pd.DataFrame)
    assert isinstance(stage_funnel(frames["polars"], COMPLEX), pl.DataFrame)
    assert isinstance(stage_funnel(frames["polars-lazy"], COMPLEX), pl.LazyFrame)
    assert isinstance(stage_funnel(frames["pyarrow"], COMPLEX), pa.Table)
    assert isinstance(stage_funnel(frames["duckdb"], COMPLEX), duckdb.DuckDBPyRelation)


def test_timezone_aware_timestamps_measure_the_same() -> None:
    from datetime import timezone

    columns = story_columns()
    columns["at"] = [at.replace(tzinfo=timezone.utc) for at in columns["at"]]
    naive = rows_of(stage_funnel(story_polars(), COMPLEX))
    assert rows_of(stage_funnel(pl.DataFrame(columns), COMPLEX)) == naive
    assert rows_of(stage_funnel(pd.DataFrame(columns), COMPLEX)) == approx_rows(naive)


def test_a_pandas_object_breakdown_with_gaps_is_read_as_pandas_text() -> None:
    """A pandas object column of text and None is read as text: pandas 2 takes no max of it.

    The result equals Polars' on every pandas; on pandas 2 the breakdown failed with a TypeError.
    """
    from funnelcore.analytics._frames import as_frame, sortable_text

    columns = story_columns()
    native = pd.DataFrame(columns).astype({"campaign": object})
    source = sortable_text(as_frame(native), "campaign")
    assert str(source.frame.to_native()["campaign"].dtype) == "string"
    numbers = pd.DataFrame(columns).assign(number=range(len(columns["deal_id"])))
    untouched = as_frame(numbers.astype({"number": object}))
    assert sortable_text(untouched, "number") is untouched  # not text: left alone
    expected = approx_rows(rows_of(stage_funnel(story_polars(), COMPLEX, by="campaign")))
    assert rows_of(stage_funnel(native, COMPLEX, by="campaign")) == expected


def test_categorical_columns_and_whole_number_ids() -> None:
    """Categorical stage and breakdown columns and integer deal ids measure like text ones."""
    log = pl.DataFrame(
        {
            "deal_id": [1, 1, 2],
            "stage": ["lead", "won", "lead"],
            "at": [START] * 3,
            "src": ["a", "a", "b"],
        }
    ).with_columns(pl.col("stage", "src").cast(pl.Categorical))
    expected = [1, 1, 0, 1, 0, 0]
    assert (
        column(rows_of(stage_conversion(log, SalesProcess.simple(), by="src")), "reached")
        == expected
    )
    assert (
        column(rows_of(stage_funnel(log.to_pandas(), SalesProcess.simple(), by="src")), "reached")
        == expected
    )


def test_an_empty_value_column_without_a_type_means_no_values() -> None:
    log = pd.DataFrame({"deal_id": ["a"], "stage": ["lead"], "at": [START], "value": [None]})
    [row] = rows_of(funnel_summary(log, COMPLEX))
    assert row["pipeline_value"] == 0.0


def test_a_value_column_of_text_is_refused() -> None:
    log = pl.DataFrame({"deal_id": ["a"], "stage": ["lead"], "at": [START], "value": ["lots"]})
    with pytest.raises(MetricsInputError, match="column 'value': must hold numbers"):
        funnel_summary(log, COMPLEX)


@pytest.mark.parametrize("engine", ["polars", "pandas", "duckdb"])
@pytest.mark.parametrize(
    ("missing", "message"),
    [("deal_id", "1 event(s) have no deal id"), ("stage", "some events have no stage")],
)
def test_counts_refuse_events_without_id_or_stage_on_every_engine(
    engine: str, missing: str, message: str
) -> None:
    import duckdb

    columns = story_columns()
    columns[missing][3] = None
    log = pl.DataFrame(columns)
    native = {
        "polars": log,
        "pandas": log.to_pandas(),
        "duckdb": duckdb.from_arrow(log.to_arrow()),
    }[engine]
    with pytest.raises(MetricsInputError, match=re.escape(message)):
        stage_conversion(native, COMPLEX)


def test_events_at_the_same_time_are_ordered_by_stage_and_stay_zero_days() -> None:
    """A deal's LEAD and LOST logged at the same moment (in that order or not) ends LOST.

    Found by hypothesis: a window ordered by [time, stage] kept input order on ties, and a
    difference of times divided into days gave -4e-16 instead of 0.
    """
    at = datetime(2026, 1, 8, 20, 0)
    log = pl.DataFrame(
        {
            "deal_id": ["d0", "d1", "d0"],
            "stage": ["lost", "lead", "lead"],
            "at": [at, datetime(2026, 1, 5, 9, 0), at],
            "actor": ["sales", "marketing", "marketing"],
        }
    )
    rows = {row["stage"]: row for row in stage_funnel(log, COMPLEX).rows(named=True)}
    assert (rows["lead"]["current"], rows["lost"]["current"]) == (1, 1)
    assert rows["lead"]["stays"] == 1
    assert rows["lead"]["median_days"] == 0.0
    assert rows["lost"]["stays"] == 0


def test_a_large_in_memory_polars_log_is_cut_into_parts_that_share_no_deal() -> None:
    """Each deal's events fall in one part, and the parts together are the log, row for row."""
    from funnelcore.analytics._frames import as_frame, deal_parts

    log = pl.DataFrame(
        {
            "deal_id": [f"D{i % 37}" for i in range(500)],
            "stage": ["lead"] * 500,
            "at": [START + timedelta(minutes=i) for i in range(500)],
        }
    )
    cut = deal_parts(as_frame(log), part_events=100, cut_above=100)
    parts = [part.collect().to_native() for part in cut]
    assert len(parts) == 5
    deals = [set(part["deal_id"]) for part in parts]
    assert sum(len(found) for found in deals) == len(set().union(*deals)) == 37
    assert pl.concat(parts).sort("at").equals(log)


@pytest.mark.parametrize("kind", ["small", "lazy", "pandas"])
def test_a_small_lazy_or_non_polars_log_is_one_part(kind: str) -> None:
    from funnelcore.analytics._frames import as_frame, deal_parts

    log = pl.DataFrame({"deal_id": ["D1", "D2"] * 50, "stage": ["lead"] * 100})
    native: Any = {"small": log, "lazy": log.lazy(), "pandas": log.to_pandas()}[kind]
    size = 100 if kind == "small" else 10
    source = as_frame(native, needed=("deal_id", "stage"))
    assert len(deal_parts(source, part_events=size, cut_above=size)) == 1


def test_a_log_up_to_the_cut_is_one_part_and_above_it_is_cut_in_parts_of_part_events() -> None:
    from funnelcore.analytics._frames import as_frame, deal_parts

    frame = pl.DataFrame({"deal_id": [f"D{i}" for i in range(90)], "stage": ["lead"] * 90})
    log = as_frame(frame, needed=("deal_id", "stage"))
    assert len(deal_parts(log, part_events=10, cut_above=90)) == 1
    assert len(deal_parts(log, part_events=10, cut_above=89)) == 9


def _counted(log: pl.DataFrame, *, hash_above: int, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``reached`` by stage of ``log``, counting on hashes above ``hash_above`` events."""
    from funnelcore.analytics import _stage_counts

    monkeypatch.setattr(_stage_counts, "HASH_ABOVE", hash_above)
    return dict(stage_conversion(log, COMPLEX).select("stage", "reached").iter_rows())


def _entered_twice() -> pl.DataFrame:
    """D1 entered LEAD twice (logged twice), D2 once; D1 went on to PROSPECTING."""
    return pl.DataFrame(
        {
            "deal_id": ["D1", "D1", "D2", "D1"],
            "stage": ["lead", "lead", "lead", "prospecting"],
            "at": [START, START, START, START + timedelta(days=1)],
        }
    )


@pytest.mark.parametrize("hash_above", [-1, 1_000])
def test_a_deal_entering_a_stage_twice_counts_once_by_ids_or_by_hashes(
    hash_above: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On hashes, LEAD's 2 distinct hashes for 3 events send it to be counted on the ids."""
    counted = _counted(_entered_twice(), hash_above=hash_above, monkeypatch=monkeypatch)
    assert (counted["lead"], counted["prospecting"]) == (2, 1)


def test_deal_ids_whose_hashes_collide_are_still_counted_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every id hashed to one value: distinct hashes (1) < events, so the ids are counted."""
    from funnelcore.analytics import _stage_counts

    monkeypatch.setattr(_stage_counts, "hashed_ids", lambda: pl.lit(7, pl.UInt64))
    log = pl.DataFrame({"deal_id": ["D1", "D2", "D3"], "stage": ["lead"] * 3, "at": [START] * 3})
    assert _counted(log, hash_above=-1, monkeypatch=monkeypatch)["lead"] == 3


def test_a_polars_log_in_memory_is_counted_by_stage_filters_without_cutting_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The filters answer alone: the log is never cut into parts for a group_by."""
    from funnelcore.analytics import _measure

    def refuse(*_: object) -> object:
        raise AssertionError("cut into parts")

    monkeypatch.setattr(_measure, "deal_parts", refuse)
    counted = _counted(_entered_twice(), hash_above=1_000, monkeypatch=monkeypatch)
    assert counted["lead"] == 2


@pytest.mark.parametrize("hash_above", [-1, 1_000])
def test_stages_spelled_otherwise_are_grouped_and_their_spellings_merged(
    hash_above: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'Lead' and 'lead' are one stage: the filters by value decline and the group_by counts."""
    from funnelcore.analytics import _measure, _stage_counts

    answers: list[dict[str, int] | None] = []

    def spy(*args: Any, **kwargs: Any) -> dict[str, int] | None:
        answers.append(_stage_counts.reached_per_stage(*args, **kwargs))
        return answers[-1]

    monkeypatch.setattr(_measure, "reached_per_stage", spy)
    log = _entered_twice().with_columns(stage=pl.Series(["Lead", "lead", "lead", "Prospecting"]))
    counted = _counted(log, hash_above=hash_above, monkeypatch=monkeypatch)
    assert (counted["lead"], counted["prospecting"]) == (2, 1)
    assert answers == [None]


@pytest.mark.parametrize("stage", ["negotiation", None])
def test_an_unknown_or_missing_stage_is_refused_after_the_filters_decline(
    stage: str | None,
) -> None:
    log = _entered_twice().with_columns(stage=pl.Series(["lead", "lead", stage, "prospecting"]))
    with pytest.raises(MetricsInputError):
        stage_conversion(log, COMPLEX)


@pytest.mark.parametrize(("pieces", "hashed"), [(1, False), (2, True)])
def test_a_small_log_in_memory_is_counted_on_hashes_when_its_columns_are_in_pieces(
    pieces: int, hashed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As pl.read_parquet gives a log (a piece per row group); its counts stay exact."""
    from funnelcore.analytics import _stage_counts

    calls: list[object] = []
    hashed_ids = _stage_counts.hashed_ids

    def spy() -> Any:
        calls.append(None)
        return hashed_ids()

    monkeypatch.setattr(_stage_counts, "hashed_ids", spy)
    log = _entered_twice()
    log = pl.concat([log[:2], log[2:]], rechunk=False) if pieces == 2 else log
    assert max(log.n_chunks("all")) == pieces
    counted = _counted(log, hash_above=1_000, monkeypatch=monkeypatch)
    assert (counted["lead"], counted["prospecting"]) == (2, 1)
    assert bool(calls) is hashed


def test_the_stage_filters_decline_a_process_of_many_stages() -> None:
    """Each filter reads the whole stage column: past MOST_STAGES the group_by is faster."""
    from funnelcore.analytics._stage_counts import MOST_STAGES, reached_per_stage

    names = [f"s{i}" for i in range(MOST_STAGES + 1)]
    log = pl.LazyFrame({"deal_id": ["D1"] * len(names), "stage": names})
    assert reached_per_stage(log, names, events=len(names)) is None
    assert reached_per_stage(log, names[:-1], events=len(names)) is None  # s12: unknown
    assert reached_per_stage(
        log.head(MOST_STAGES), names[:-1], events=MOST_STAGES
    ) == dict.fromkeys(names[:-1], 1)
