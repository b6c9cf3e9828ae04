"""``examples/crm_export.py`` on a tiny export written here; the numbers worked out by hand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "crm_export.py"


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *argv], capture_output=True, text=True, check=False
    )


def tiny_export(directory: Path) -> Path:
    """Five deals: Ann wins one (10 days) and loses one (4 days), Bob wins one (20 days)."""
    (directory / "sales_pipeline.csv").write_text(
        "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
        "O1,Ann,GTX Pro,Acme,Won,2017-01-01,2017-01-11,1000\n"
        "O2,Ann,GTXPro,Acme,Lost,2017-01-01,2017-01-05,0\n"
        "O3,Bob,GTX Pro,,Won,2017-01-02,2017-01-22,3000\n"
        "O4,Bob,MG Special,Beta,Engaging,2017-01-03,,\n"
        "O5,Cy,MG Special,Beta,Prospecting,,,\n"
    )
    (directory / "sales_teams.csv").write_text(
        "sales_agent,manager,regional_office\nAnn,Mia,East\nBob,Mia,East\n"
    )
    (directory / "products.csv").write_text(
        "product,series,sales_price\nGTX Pro,GTX,4821\nMG Special,MG,55\n"
    )
    (directory / "accounts.csv").write_text("account,sector\nAcme,retail\nBeta,medical\n")
    return directory


def test_the_example_measures_a_tiny_export(tmp_path: Path) -> None:
    result = run(str(tiny_export(tmp_path)))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()

    def row(title: str, first: str) -> list[str]:
        start = lines.index(title)
        return next(line.split() for line in lines[start + 3 :] if line.split()[:1] == [first])

    assert row("Overall", "5") == ["5", "2", "2", "1", "66.7%", "2,000.00"]
    assert row("Days from engaging to close", "won") == ["won", "2", "15.0", "15.0", "19.0"]
    assert row("Days from engaging to close", "lost") == ["lost", "1", "4.0", "4.0", "4.0"]
    assert row("Win rate by manager", "Mia") == ["Mia", "2", "1", "66.7%", "2,000.00"]
    assert row("Win rate by sales agent", "Bob") == ["Bob", "1", "0", "100.0%", "3,000.00"]
    assert row("Win rate by sales agent", "Ann") == ["Ann", "1", "1", "50.0%", "1,000.00"]
    assert row("Win rate by sales agent", "Cy") == ["Cy", "0", "0", "-", "-"]
    problems = lines[lines.index("Reference values missing from the export's tables") + 1 :]
    assert problems == [
        "  - product 'GTXPro' in 1 deals is not in products (did you mean 'GTX Pro'?)",
        "  - sales_agent 'Cy' in 1 deals is not in teams",
        "  - account is empty in 1 deals",
    ]


def test_the_example_runs_on_its_built_in_sample() -> None:
    result = run()
    assert result.returncode == 0, result.stderr
    assert "(no DIR given: analysing a small built-in sample)" in result.stdout
    assert "product 'GTXPro'" in result.stdout


def test_the_example_refuses_a_directory_without_a_pipeline(tmp_path: Path) -> None:
    result = run(str(tmp_path))
    assert result.returncode == 2
    assert "no sales_pipeline.csv" in result.stderr
