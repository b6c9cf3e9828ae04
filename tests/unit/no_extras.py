"""Run Python code in a fresh interpreter that has funnelcore but none of its extras."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

#: Modules a user without the extras does not have.
EXTRAS = ("narwhals", "polars", "pandas", "duckdb", "pyarrow", "numpy", "pyspark", "matplotlib")
ROOT = Path(__file__).resolve().parents[2]


def run_without_extras(code: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` (with ``argv`` as ``sys.argv[1:]``) where importing an extra fails."""
    blocked = f"import sys\nfor name in {EXTRAS!r}:\n    sys.modules[name] = None\n"
    return subprocess.run(
        [sys.executable, "-c", blocked + textwrap.dedent(code), *argv],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""},
    )
