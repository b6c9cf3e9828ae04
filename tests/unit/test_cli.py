"""The ``funnelcore`` command: demo, diagram, and bad arguments."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from funnelcore import SalesProcess
from funnelcore.cli import main


def test_the_demo_tells_every_seed_story(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for section in (
        "1. Marketing broadcasts one message",
        "it produced 10 leads",
        "-> stage lead",
        "2. Marketing or sales?",
        "a social post with replies     -> marketing",
        "3. A sales rep walks one deal through all seven steps",
        "close            -> closing",
        "4. Marketing tries to close the deal itself, and is refused",
        "ActorNotAllowedError: deal",
        "the deal is unchanged, still at closing",
        "closes it: won",
        "5. A commodity ordered directly",
        "won by Customer, credited to the marketing",
        "6. The pipeline at a glance",
        "win rate (won / closed): 2/5 = 40%",
    ):
        assert section in out


def test_the_demo_pipeline_counts_add_up(capsys: pytest.CaptureFixture[str]) -> None:
    main(["demo"])
    rows = {}
    for line in capsys.readouterr().out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            rows[parts[0]] = (int(parts[1]), int(parts[2]))
    assert sum(now for now, _ in rows.values()) == 10  # every lead is somewhere
    assert rows["lead"] == (1, 10)  # everyone started as a lead
    assert rows["won"][0] + rows["lost"][0] == 5


@pytest.mark.parametrize("name", ["complex", "simple"])
def test_diagram_prints_the_process(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", "--process", name]) == 0
    expected = getattr(SalesProcess, name)().to_mermaid()
    assert capsys.readouterr().out == expected + "\n"


def test_diagram_reads_a_process_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "two.toml"
    path.write_text(
        'stages = ["new", "won", "lost"]\nentry = "new"\nwon = "won"\nlost = "lost"\n'
        '[[moves]]\nname = "buy"\nfrom = "new"\nto = "won"\nby = ["customer"]\n'
    )
    assert main(["diagram", "--process", str(path)]) == 0
    assert "new --> won: buy" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["diagram", "--process", "missing.toml"], "cannot read missing.toml"),
        (
            ["diagram", "--process", "Complex"],
            "unknown preset 'Complex'; use complex, simple, crm or a .toml/.json process file",
        ),
        (["nonsense"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse stops the parse itself
        code = int(stop.code or 0)
    assert code == 2
    err = capsys.readouterr().err
    assert words in err
    assert len(err.strip().splitlines()) == 1


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"funnelcore {version('funnelcore')}\n"


def test_the_console_script_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "funnelcore", "diagram", "--process", "simple"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("stateDiagram-v2")


def test_the_crm_preset_is_the_crm_process(capsys: pytest.CaptureFixture[str]) -> None:
    from funnelcore import crm_process

    assert main(["diagram", "--process", "crm"]) == 0
    assert capsys.readouterr().out == crm_process().to_mermaid() + "\n"


def test_audit_and_report_take_the_crm_preset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "deal_id,stage,at,actor\n"
        "A,prospecting,2026-01-01,sales\nA,engaging,2026-01-03,sales\nA,won,2026-02-01,sales\n"
    )
    assert main(["audit", str(log), "--process", "crm"]) == 0
    assert main(["audit", str(log)]) == 1  # the complex process has no such stages
    capsys.readouterr()
    assert main(["report", str(log), "--process", "crm", "--format", "json"]) == 0
    assert '"won"' in capsys.readouterr().out
