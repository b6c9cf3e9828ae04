"""``funnelcore simulate``: text and JSON output, both methods, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from funnelcore import cli

EXAMPLE = Path(__file__).parents[2] / "examples" / "scenario.toml"


@pytest.fixture(autouse=True)
def _only_simulate(monkeypatch: pytest.MonkeyPatch) -> None:
    # Other subcommands are built on other branches; this test needs only its own.
    monkeypatch.setattr(cli, "_COMMAND_MODULES", ("funnelcore._cli_simulate",))


def _small(tmp_path: Path, leads: int = 20_000) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(EXAMPLE.read_text().replace("leads = 100000", f"leads = {leads}"))
    return path


def test_json_has_the_keys_the_issue_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """leads, won, win_rate, revenue, days_to_win (mean, p50, p90)."""
    code = cli.main(
        ["simulate", str(_small(tmp_path)), "--runs", "3", "--seed", "1", "--format", "json"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["leads"] == 20_000
    assert 0.05 < data["win_rate"] < 0.08
    assert data["won"] == pytest.approx(data["win_rate"] * 20_000)
    assert data["revenue"] == pytest.approx(data["won"] * 12_000)
    assert set(data["days_to_win"]) == {"mean", "p50", "p90"}
    assert data["days_to_win"]["p50"] < data["days_to_win"]["p90"]
    assert data["runs"] == 3
    assert data["seed"] == 1
    assert set(data["bands"]["won"]) == {"mean", "p10", "p50", "p90"}


def test_same_seed_same_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The seed makes the command reproducible."""
    args = ["simulate", str(_small(tmp_path)), "--seed", "5", "--format", "json"]
    cli.main(args)
    first = capsys.readouterr().out
    cli.main([*args, "--threads", "1"])
    assert capsys.readouterr().out == first


def test_exact_json_gives_the_mean_days(capsys: pytest.CaptureFixture[str]) -> None:
    """--method exact: expected counts and the mean days to win."""
    assert cli.main(["simulate", str(EXAMPLE), "--method", "exact", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "exact"
    assert data["win_rate"] == pytest.approx(0.6 * 0.7 * 0.5 * 0.8 * 0.7 * 0.6 * 0.9)
    assert data["won"] == pytest.approx(100_000 * data["win_rate"])
    assert data["days_to_win"] == {"mean": pytest.approx(39)}


def test_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The text report names the numbers and the bands."""
    assert cli.main(["simulate", str(_small(tmp_path)), "--runs", "4", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "monte-carlo, 4 runs, seed 2" in out
    assert cli.main(["simulate", str(_small(tmp_path)), "--runs", "1", "--seed", "2"]) == 0
    assert "monte-carlo, 1 run, seed 2" in capsys.readouterr().out
    for word in ("won", "win rate", "revenue", "days to win", "p10 / p50 / p90", "closing"):
        assert word in out
    assert cli.main(["simulate", str(EXAMPLE), "--method", "exact"]) == 0
    assert "expected per lead" in capsys.readouterr().out


def test_an_invalid_scenario_exits_2_naming_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit code 2, one line on stderr with all the problems."""
    bad = tmp_path / "bad.toml"
    bad.write_text(
        EXAMPLE.read_text()
        .replace("lead = 0.6", "lead = 1.6")
        .replace("closing = 3", "closing = -3")
    )
    assert cli.main(["simulate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "advance.lead: 1.6 is not a probability" in err
    assert "days.closing: -3 is negative" in err
    assert cli.main(["simulate", str(tmp_path / "none.toml")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert cli.main(["simulate", str(EXAMPLE), "--runs", "0"]) == 2
    assert "runs: 0" in capsys.readouterr().err


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Argparse errors are one line and exit code 2."""
    with pytest.raises(SystemExit) as caught:
        cli.main(["simulate", str(EXAMPLE), "--method", "guess"])
    assert caught.value.code == 2
