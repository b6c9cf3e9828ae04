"""The same audit on a local PySpark session: results identical to the pandas path.

One session for the whole test run (the ``spark`` fixture of ``conftest.py``: Spark is slow to
start); it runs in CI, where ``pyspark`` comes with the ``dev`` extra and Java 17 is on the machine.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings

from funnelcore import SalesProcess, audit, crm_process, read_log
from tests.strategies import messy_logs, with_process
from tests.unit.spark_frames import spark_frame

pyspark_sql = pytest.importorskip("pyspark.sql")  # the dev extra installs it: never skipped in CI
T = pytest.importorskip("pyspark.sql.types")

COMPLEX = SalesProcess.complex()
TEXT_SCHEMA = T.StructType(
    [T.StructField(name, T.StringType()) for name in ("deal_id", "stage", "at", "actor")]
)


ROWS = [
    {"deal_id": "D1", "stage": "lead", "at": "2026-01-05T09:00:00Z", "actor": "marketing"},
    {"deal_id": "D1", "stage": "qualifying", "at": "2026-01-06T09:00:00+01:00", "actor": "sales"},
    {
        "deal_id": "D1",
        "stage": "needs_analysis",
        "at": "2026-01-04T00:00:00Z",
        "actor": "marketing",
    },
    {"deal_id": "D2", "stage": "prospecting", "at": "2026-01-06T10:00Z", "actor": "sales"},
    {"deal_id": None, "stage": "lead", "at": "bad", "actor": "boss"},
    {"deal_id": " D2", "stage": "Wonn", "at": "2026-02-30T00:00Z", "actor": "sales"},
    {"deal_id": "D3", "stage": "lead", "at": "2026-01-05", "actor": "sales"},
    {"deal_id": "D3", "stage": "LOST", "at": "2026-01-06T00:00Z", "actor": "system"},
    {"deal_id": "D3", "stage": "lead", "at": "2026-01-07T00:00Z", "actor": "sales"},
]


def test_a_spark_text_log_audits_exactly_as_the_pandas_path(spark: Any) -> None:
    """Every rule fires once at least; row numbers come back exact across 3 partitions."""
    expected = audit(pd.DataFrame(ROWS), COMPLEX)
    assert {v.rule for v in expected.violations} == {
        "malformed",
        "unknown_stage",
        "not_from_entry",
        "illegal_move",
        "actor_not_allowed",
        "after_terminal",
        "out_of_order",
    }
    assert audit(spark_frame(spark, ROWS, TEXT_SCHEMA), COMPLEX) == expected


def test_a_spark_timestamp_column_audits_as_the_pandas_one(spark: Any) -> None:
    utc = timezone.utc
    rows = [
        {
            "deal_id": "D1",
            "stage": "lead",
            "at": datetime(2026, 1, 5, tzinfo=utc),
            "actor": "sales",
        },
        {
            "deal_id": "D1",
            "stage": "prospecting",
            "at": datetime(2026, 1, 4, tzinfo=utc),
            "actor": "sales",
        },
        {"deal_id": "D1", "stage": "qualifying", "at": None, "actor": "sales"},
    ]
    schema = T.StructType(
        [*TEXT_SCHEMA.fields[:2], T.StructField("at", T.TimestampType()), TEXT_SCHEMA.fields[3]]
    )
    expected = audit(pd.DataFrame(rows), COMPLEX)
    assert [(v.row, v.rule) for v in expected.violations] == [(2, "out_of_order"), (3, "malformed")]
    assert audit(spark_frame(spark, rows, schema, partitions=2), COMPLEX) == expected


def test_a_csv_read_by_spark_audits_as_the_same_file_read_by_funnelcore(
    spark: Any, tmp_path: Path
) -> None:
    path = tmp_path / "log.csv"
    pl.DataFrame(ROWS).write_csv(path)
    native = spark.read.csv(str(path), header=True)
    assert audit(native, COMPLEX) == audit(path, COMPLEX) == audit(path, COMPLEX, engine="python")


def test_read_log_on_spark_returns_a_spark_frame_in_canonical_columns(spark: Any) -> None:
    frame = spark_frame(spark, ROWS[:2], TEXT_SCHEMA, partitions=1).withColumnRenamed(
        "deal_id", "id"
    )
    result = read_log(
        frame, mapping=__import__("funnelcore").ColumnMapping(deal_id="id"), process=COMPLEX
    )
    assert type(result).__module__.startswith("pyspark.sql")
    assert result.columns == ["deal_id", "stage", "at", "actor"]
    collected = [row.asDict() for row in result.collect()]
    assert [(r["deal_id"], r["stage"], r["actor"]) for r in collected] == [
        ("D1", "lead", "marketing"),
        ("D1", "qualifying", "sales"),
    ]
    assert [r["at"] for r in collected] == [datetime(2026, 1, 5, 9), datetime(2026, 1, 6, 8)]


def test_read_log_on_spark_lists_the_malformed_rows_the_audit_finds(spark: Any) -> None:
    """Row numbers on Spark come from its partitions: the same rows as the plain-Python audit."""
    from funnelcore import InvalidLogError

    expected = [
        v for v in audit(ROWS, COMPLEX, engine="python").violations if v.rule == "malformed"
    ]
    assert [v.row for v in expected] == [5, 6, 7]
    with pytest.raises(InvalidLogError) as caught:
        read_log(spark_frame(spark, ROWS, TEXT_SCHEMA, partitions=3))
    assert list(caught.value.violations) == expected


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(with_process(messy_logs))
def test_spark_agrees_with_the_pandas_path_on_any_log(
    spark: Any, case: tuple[Any, list[dict[str, Any]]]
) -> None:
    process, rows = case
    expected = audit(
        pd.DataFrame(rows, columns=["deal_id", "stage", "at", "actor"], dtype=object),
        process,
        engine="python",
    )
    assert audit(spark_frame(spark, rows, TEXT_SCHEMA), process) == expected


def test_spark_reads_value_cells_as_the_pandas_path(spark: Any) -> None:
    """Text values by the one grammar, float infinities: the same malformed rows and texts."""
    texts = ["12", " 1. ", "n/a", "1e999", "\t7\t", "", None, "inf", "1_0"]
    rows = [{**item, "value": text} for item, text in zip(ROWS, texts, strict=True)]
    schema = T.StructType([*TEXT_SCHEMA.fields, T.StructField("value", T.StringType())])
    expected = audit(pd.DataFrame(rows, dtype=object), COMPLEX, engine="python")
    valued = [v.row for v in expected.violations if "value " in v.message]
    assert valued == [3, 4, 8, 9]
    assert audit(spark_frame(spark, rows, schema), COMPLEX) == expected
    numbers = [{**item, "value": n} for item, n in zip(ROWS, [1.0, float("inf")] * 5, strict=False)]
    double = T.StructType([*TEXT_SCHEMA.fields, T.StructField("value", T.DoubleType())])
    expected = audit(pd.DataFrame(numbers), COMPLEX, engine="python")
    assert [v.row for v in expected.violations if "value 'inf'" in v.message] == [2, 4, 6, 8]
    assert audit(spark_frame(spark, numbers, double), COMPLEX) == expected


def test_the_crm_process_runs_on_spark(spark: Any) -> None:
    rows = [
        {"deal_id": "A", "stage": "Prospecting", "at": "2016-10-20", "actor": "sales"},
        {"deal_id": "A", "stage": "Won", "at": "2016-10-21", "actor": "sales"},
    ]
    report = audit(spark_frame(spark, rows, TEXT_SCHEMA, partitions=1), crm_process())
    assert [(v.row, v.rule) for v in report.violations] == [(2, "illegal_move")]
