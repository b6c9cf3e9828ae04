"""Importing funnelcore and its analytics stays light: dataframe libraries load on first use."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numpy", "pandas", "polars", "narwhals", "duckdb", "pyarrow", "pyspark", "matplotlib")


def test_importing_funnelcore_and_its_analytics_loads_no_dataframe_library() -> None:
    code = (
        "import sys, funnelcore, funnelcore.analytics, funnelcore.cli\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
