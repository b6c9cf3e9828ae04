"""Importing funnelcore (and funnelcore.simulate) stays light: numpy only when simulating."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
HEAVY = ("numpy", "pandas", "polars", "narwhals", "duckdb", "pyarrow", "pyspark", "matplotlib")


def _loaded(statement: str) -> list[str]:
    code = f"import sys\n{statement}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environment
    )
    return output.stdout.split()


@pytest.mark.parametrize(
    "statement",
    [
        "import funnelcore",
        "import funnelcore.simulate",
        "from funnelcore.simulate import Scenario, exact, monte_carlo, plot_outcomes",
        "import funnelcore.cli; funnelcore.cli.build_parser",
    ],
)
def test_imports_load_no_heavy_dependency(statement: str) -> None:
    """Scenarios are plain Python; numpy is imported by the functions that compute."""
    assert _loaded(statement) == []


def test_simulating_loads_numpy_only() -> None:
    """An exact answer needs numpy, and nothing heavier."""
    statement = (
        "from funnelcore.simulate import Scenario, exact\n"
        "exact(Scenario(process='simple', advance={'lead': 0.5}, days={'lead': 1}))"
    )
    assert _loaded(statement) == ["numpy"]
