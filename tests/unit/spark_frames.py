"""Building small Spark DataFrames for the tests (the session is the ``spark`` fixture)."""

from __future__ import annotations

from typing import Any


def spark_frame(spark: Any, rows: list[dict[str, Any]], schema: Any, partitions: int = 3) -> Any:
    """A Spark DataFrame over ``rows`` split into ``partitions``, keeping their order."""
    names = schema.fieldNames()
    data = spark.sparkContext.parallelize(
        [tuple(row[n] for n in names) for row in rows], partitions
    )
    return spark.createDataFrame(data, schema)
