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

    assert "audit: clean: 12 rows, 5 deals, no violations" in lines
    assert row("Overall", "5") == ["5", "2", "2", "1", "66.7%", "2,000.00"]
    assert row("Days from engaging to close", "won") == ["won", "2", "15.0", "15.0", "19.0"]
    assert row("Days from engaging to close", "lost") == ["lost", "1", "4.0", "4.0", "4.0"]
    assert row("Win rate by manager", "Mia") == ["Mia", "2", "1", "66.7%", "2,000.00"]
    assert row("Win rate by sales agent", "Bob") == ["Bob", "1", "0", "100.0%", "3,000.00"]
    assert row("Win rate by sales agent", "Ann") == ["Ann", "1", "1", "50.0%", "1,000.00"]
    assert row("Win rate by sales agent", "Cy") == ["Cy", "0", "0", "-", "-"]
    problems = lines[lines.index("Reference values missing from the export's tables") + 1 :]
    assert problems == [
        "  - product 'GTXPro' in 1 deal is not in products (did you mean 'GTX Pro'?)",
        "  - sales_agent 'Cy' in 1 deal is not in teams",
        "  - account is empty in 1 deal",
    ]


def test_the_example_reports_what_the_import_and_the_audit_find(tmp_path: Path) -> None:
    """A deal closed before it was engaged fails the audit; one won without a date gets a note."""
    export = tiny_export(tmp_path)
    pipeline = export / "sales_pipeline.csv"
    pipeline.write_text(
        pipeline.read_text()
        + "O6,Ann,GTX Pro,Acme,Lost,2017-02-10,2017-02-01,0\n"
        + "O7,Ann,GTX Pro,Acme,Won,2017-02-10,,\n"
    )
    result = run(str(export))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        "  import: row 7 deal 'O7': the deal reached won but close_date is empty; "
        "the event has no date"
    ) in lines
    assert "audit: 2 violations in 18 rows, 7 deals: 1 malformed, 1 out_of_order" in lines
    assert "measuring the 5 deals the audit passes" in lines
    overall = lines[lines.index("Overall") + 3].split()
    assert overall == ["5", "2", "2", "1", "66.7%", "2,000.00"]  # as without O6 and O7


def test_the_example_runs_on_its_built_in_sample() -> None:
    result = run()
    assert result.returncode == 0, result.stderr
    assert "(no DIR given: analysing a small built-in sample)" in result.stdout
    assert "product 'GTXPro'" in result.stdout


def test_the_example_refuses_a_directory_without_a_pipeline(tmp_path: Path) -> None:
    result = run(str(tmp_path))
    assert result.returncode == 2
    assert "no sales_pipeline.csv" in result.stderr
