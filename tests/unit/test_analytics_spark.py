"""The funnel metrics on a local PySpark session: results identical to the pandas path.

The session is the ``spark`` fixture of ``conftest.py``, one for the whole test run.
"""

from __future__ import annotations

from datetime import date, timezone
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from funnelcore import MetricsInputError, SalesProcess
from funnelcore.analytics import cycle_times, funnel_summary, stage_conversion, stage_funnel
from tests.strategies import legal_logs
from tests.unit.analytics_story import close_to, rows_of, story_columns
from tests.unit.spark_frames import spark_frame

T = pytest.importorskip("pyspark.sql.types")  # the dev extra installs it: never skipped in CI

COMPLEX = SalesProcess.complex()
METRICS = [stage_conversion, stage_funnel, funnel_summary, cycle_times]
#: The story's columns on Spark: naive times as TIMESTAMP_NTZ (no session time zone applies).
STORY_SCHEMA = T.StructType(
    [
        T.StructField("deal_id", T.StringType()),
        T.StructField("stage", T.StringType()),
        T.StructField("at", T.TimestampNTZType()),
        T.StructField("actor", T.StringType()),
        T.StructField("value", T.DoubleType()),
        T.StructField("campaign", T.StringType()),
        T.StructField("reason", T.StringType()),
    ]
)


def as_rows(columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
    names = list(columns)
    return [dict(zip(names, cells, strict=True)) for cells in zip(*columns.values(), strict=True)]


def with_at(schema: Any, at_type: Any) -> Any:
    return T.StructType(
        [T.StructField("at", at_type) if f.name == "at" else f for f in schema.fields]
    )


@pytest.fixture(scope="module")
def story(spark: Any) -> Any:
    """The hand-written story of ``analytics_story.py`` as a Spark DataFrame in 3 partitions."""
    return spark_frame(spark, as_rows(story_columns()), STORY_SCHEMA).cache()


@pytest.mark.parametrize("by", [None, "campaign"])
@pytest.mark.parametrize("metric", METRICS)
def test_every_metric_on_spark_equals_the_pandas_path(story: Any, metric: Any, by: Any) -> None:
    expected = rows_of(metric(pd.DataFrame(story_columns()), COMPLEX, by=by))
    assert rows_of(metric(story, COMPLEX, by=by)) == close_to(expected)


def test_results_are_spark_frames_of_the_callers_session(spark: Any, story: Any) -> None:
    """The few result rows come back as a Spark DataFrame, typed like every other engine's."""
    result = funnel_summary(story, COMPLEX, by="campaign")
    assert type(result).__module__.startswith("pyspark.sql")
    assert result.sparkSession is spark
    types = {field.name: field.dataType.simpleString() for field in result.schema.fields}
    assert (types["campaign"], types["deals"], types["win_rate"]) == ("string", "bigint", "double")
    assert [row["campaign"] for row in result.collect()] == ["ads", "webinar"]


def test_text_dates_and_aware_timestamps_measure_as_on_pandas(spark: Any) -> None:
    """``at`` as ISO text (with offsets), as dates, and as UTC timestamps gives pandas' numbers."""
    columns = story_columns()
    utc = timezone.utc
    text = {**columns, "at": [f"{at.isoformat()}+01:00" for at in columns["at"]]}
    aware = {**columns, "at": [at.replace(tzinfo=utc) for at in columns["at"]]}
    dates = {**columns, "at": [at.date() for at in columns["at"]]}
    cases = [
        (text, T.StringType()),
        (aware, T.TimestampType()),
        (dates, T.DateType()),
    ]
    for data, at_type in cases:
        frame = spark_frame(spark, as_rows(data), with_at(STORY_SCHEMA, at_type), partitions=2)
        expected = pd.DataFrame(data)
        if at_type == T.DateType():
            expected["at"] = pd.to_datetime(expected["at"])
        # stage_funnel: every stay in days, so every difference of two times
        expected_rows = rows_of(stage_funnel(expected, COMPLEX))
        assert rows_of(stage_funnel(frame, COMPLEX)) == close_to(expected_rows)


def test_unusable_times_on_spark_are_refused_with_a_reason(spark: Any) -> None:
    schema = with_at(STORY_SCHEMA, T.StringType())
    columns = story_columns()
    rows = as_rows({**columns, "at": ["2026-03-02"] * len(columns["at"])})
    rows[3]["at"] = "next week"
    with pytest.raises(MetricsInputError, match=r"1 event\(s\) hold text that is not an ISO 8601"):
        stage_funnel(spark_frame(spark, rows, schema, partitions=1), COMPLEX)
    rows[3]["at"] = "2026-03-02T10:00:00Z"
    with pytest.raises(
        MetricsInputError, match=r"29 event\(s\) have no UTC offset while 1 have one"
    ):
        funnel_summary(spark_frame(spark, rows, schema, partitions=1), COMPLEX)
    rows[3]["at"] = None
    with pytest.raises(MetricsInputError, match=r"1 event\(s\) have no time"):
        cycle_times(spark_frame(spark, rows, schema, partitions=1), COMPLEX)


def test_a_deal_with_two_breakdown_values_is_refused_on_spark(spark: Any) -> None:
    rows = as_rows(story_columns())
    rows[1]["campaign"] = "ads"  # d1 opened by the webinar
    with pytest.raises(MetricsInputError, match=r"more than one value in 'campaign' .*'d1'"):
        stage_conversion(
            spark_frame(spark, rows, STORY_SCHEMA, partitions=1), COMPLEX, by="campaign"
        )


LEGAL_SCHEMA = T.StructType(
    [
        T.StructField("deal_id", T.StringType()),
        T.StructField("stage", T.StringType()),
        T.StructField("at", T.TimestampNTZType()),
        T.StructField("actor", T.StringType()),
        T.StructField("value", T.DoubleType()),
        T.StructField("group", T.StringType()),
    ]
)


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(columns=legal_logs(COMPLEX, max_deals=8))
def test_spark_agrees_with_the_pandas_path_on_any_legal_log(
    spark: Any, columns: dict[str, list[Any]]
) -> None:
    """Ties, loops (a revised proposal), open deals and empty logs: the same numbers.

    ``stage_funnel`` runs every aggregate but the cycle times (the story covers those); a few
    examples, as each costs a handful of Spark jobs.
    """
    frame = spark_frame(spark, as_rows(columns), LEGAL_SCHEMA, partitions=2)
    expected = pd.DataFrame(
        {
            name: pd.Series(values, dtype=dtype)
            for (name, values), dtype in zip(
                columns.items(),
                ["object", "object", "datetime64[us]", "object", "float64", "object"],
                strict=True,
            )
        }
    )
    assert rows_of(stage_funnel(frame, COMPLEX, by="group")) == close_to(
        rows_of(stage_funnel(expected, COMPLEX, by="group"))
    )


def test_dates_are_whole_days_on_spark(spark: Any) -> None:
    """Days between dates are whole days whatever the session's time zone."""
    rows = [
        {"deal_id": "a", "stage": "lead", "at": date(2026, 3, 28)},
        {"deal_id": "a", "stage": "won", "at": date(2026, 3, 30)},  # across a DST change in Europe
    ]
    schema = T.StructType(
        [
            T.StructField("deal_id", T.StringType()),
            T.StructField("stage", T.StringType()),
            T.StructField("at", T.DateType()),
        ]
    )
    spark.conf.set("spark.sql.session.timeZone", "Europe/Berlin")
    try:
        [won, _] = rows_of(cycle_times(spark_frame(spark, rows, schema), SalesProcess.simple()))
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")
    assert won["mean_days"] == 2.0


def test_the_portfolio_and_the_weak_link_on_spark_equal_the_pandas_path(story: Any) -> None:
    """Both are built on the same measures, so they run on Spark too."""
    from funnelcore.analytics import campaign_portfolio, weak_link

    costs = {"ads": 100.0, "webinar": 200.0}
    pandas_log = pd.DataFrame(story_columns())
    assert campaign_portfolio(story, COMPLEX, costs) == campaign_portfolio(
        pandas_log, COMPLEX, costs
    )
    assert weak_link(story, COMPLEX, reps=2, deals_per_rep=3) == weak_link(
        pandas_log, COMPLEX, reps=2, deals_per_rep=3
    )
