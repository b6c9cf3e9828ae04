"""``funnelcore report``: text and JSON, breakdowns, the weak link, and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from funnelcore import cli
from tests.unit.analytics_story import close_to, story_polars
from tests.unit.no_extras import run_without_extras


@pytest.fixture(autouse=True)
def only_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the report command alone, so these tests do not depend on the others."""
    monkeypatch.setattr(cli, "_COMMAND_MODULES", ("funnelcore._cli_report",))


@pytest.fixture
def story_csv(tmp_path: Path) -> Path:
    path = tmp_path / "story.csv"
    story_polars().write_csv(path)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_text_report_prints_summary_and_stage_tables(
    story_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "report", str(story_csv))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"funnel of {story_csv} (process 'complex', 6 deals)"
    assert lines[4].split() == [
        "6",
        "2",
        "2",
        "2",
        "50.0%",
        "2,500.00",
        "11.0",
        "227.27",
        "2,000.00",
        "1,000.00",
    ]
    [lead] = [line for line in lines if line.startswith("lead ")]
    assert lead.split() == ["lead", "6", "66.7%", "100.0%", "2", "1.0", "3.2", "1", "0.00"]


def test_json_report_by_campaign(story_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "report", str(story_csv), "--by", "campaign", "--format", "json")
    assert code == 0
    document: dict[str, Any] = json.loads(out)
    assert (document["process"], document["by"]) == ("complex", "campaign")
    assert [row["campaign"] for row in document["summary"]] == ["ads", "webinar"]
    assert [row["won"] for row in document["summary"]] == [0, 2]
    webinar_lead = document["stages"][9]
    assert (webinar_lead["campaign"], webinar_lead["stage"], webinar_lead["reached"]) == (
        "webinar",
        "lead",
        3,
    )
    assert "weak_link" not in document


def test_report_with_capacity_adds_the_weak_link(
    story_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "report", str(story_csv), "--format", "json", "--reps", "5", "--deals-per-rep", "10"
    )
    assert code == 0
    verdict = json.loads(out)["weak_link"]
    assert verdict["verdict"] == "marketing_limited"
    assert verdict["capacity"] == 50
    code, out, _ = run(capsys, "report", str(story_csv), "--reps", "1", "--deals-per-rep", "3")
    assert "sales-limited:" in out


def test_report_with_a_custom_process_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    definition = tmp_path / "crm.toml"
    definition.write_text(
        'stages = ["prospecting", "engaging", "won", "lost"]\nentry = "prospecting"\nwon = "won"\n'
        'lost = "lost"\n[[moves]]\nname = "engage"\nfrom = "prospecting"\nto = "engaging"\n'
        'by = ["sales"]\n[[moves]]\nname = "win"\nfrom = "engaging"\nto = "won"\nby = ["sales"]\n'
    )
    log = tmp_path / "log.csv"
    log.write_text(
        "deal_id,stage,at,actor\nA,Prospecting,2026-01-01,sales\nA,Engaging,2026-01-03,sales\n"
        "B,Prospecting,2026-01-02,sales\n"
    )
    code, out, _ = run(capsys, "report", str(log), "--process", str(definition), "--format", "json")
    assert code == 0
    stages = json.loads(out)["stages"]
    assert [(row["stage"], row["reached"]) for row in stages] == [
        ("prospecting", 2),
        ("engaging", 1),
        ("won", 0),
        ("lost", 0),
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "missing.csv"], "no such file"),
        (["report", "{log}", "--by", "manager"], "no such column"),
        (["report", "{log}", "--reps", "2"], "--reps and --deals-per-rep go together"),
        (["report", "{log}", "--process", "nope.toml"], "process 'nope'"),
        (["report", "{log}", "--format", "xml"], "invalid choice"),
    ],
)
def test_unusable_input_exits_2_with_one_line(
    argv: list[str], message: str, story_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [part.replace("{log}", str(story_csv)) for part in argv]
    try:
        code, _, err = run(capsys, *argv)
    except SystemExit as exit_:
        code, err = int(str(exit_.code)), capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_a_log_with_an_unknown_stage_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log.csv"
    log.write_text("deal_id,stage,at,actor\nA,lead,2026-01-01,sales\nA,demo,2026-01-03,sales\n")
    code, _, err = run(capsys, "report", str(log))
    assert code == 2
    assert err.startswith(
        "funnelcore: error: cannot measure the funnel: column 'stage': 1 stage name(s)"
    )


@pytest.mark.parametrize("output", ["text", "json"])
def test_report_runs_without_the_extras_and_prints_the_same(
    output: str, story_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With no narwhals, Polars, pandas or numpy, the plain-Python engine prints the same report."""
    argv = ["report", str(story_csv), "--by", "campaign", "--format", output]
    argv += ["--reps", "2", "--deals-per-rep", "3"]
    code, expected, _ = run(capsys, *argv)
    assert code == 0
    child = """
        from funnelcore.cli import main
        sys.exit(main(sys.argv[1:]))
        """
    ran = run_without_extras(child, *argv)
    assert ran.returncode == 0, ran.stderr
    if output == "text":
        assert ran.stdout == expected
        return
    # the engines may round the last bit of a float differently (see close_to)
    plain, vectorised = json.loads(ran.stdout), json.loads(expected)
    for table in ("summary", "stages"):
        assert plain.pop(table) == close_to(vectorised.pop(table))
    assert plain.pop("weak_link") == close_to([vectorised.pop("weak_link")])[0]
    assert plain == vectorised


def test_a_report_of_one_deal_says_deal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.csv"
    path.write_text("deal_id,stage,at,actor\nD1,lead,2026-01-05,marketing\n")
    code, out, _ = run(capsys, "report", str(path))
    assert code == 0
    assert out.splitlines()[0] == f"funnel of {path} (process 'complex', 1 deal)"
