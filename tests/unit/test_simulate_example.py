"""The simulation example runs to the end and says what it found."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_simulate_forecast_example_runs(tmp_path: Path) -> None:
    """examples/simulate_forecast.py finishes, names the weak link and writes its plots."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    completed = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "simulate_forecast.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert "qualifying +5 pts" in completed.stdout
    assert "open deals worth" in completed.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "outcomes.png",
        "pipeline.png",
        "weak_link.png",
    ]
