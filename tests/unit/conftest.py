"""Fixtures shared by the unit tests: one local Spark session for the whole run."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local PySpark session, started once for every test that asks for it.

    Spark is slow to start. The ``dev`` extra installs pyspark and CI has Java 17, so the tests
    that use it are never skipped there.
    """
    pyspark_sql = pytest.importorskip("pyspark.sql")
    # Spark's Python workers must run this interpreter: the python3 on PATH may be another
    # version (PySpark refuses a mismatch) or lack the venv's packages.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("funnelcore-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
