"""Fitting a scenario to past deals recovers the parameters the deals were drawn with."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from funnelcore import Stage
from funnelcore.errors import LogReadError, SimulationInputError
from funnelcore.simulate import DealValue, Duration, Scenario, fit_scenario, sample_deals

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
# The complex process, in the words of the test: where each stage advances to, and its branch.
FORWARD = {
    "lead": "prospecting",
    "prospecting": "qualifying",
    "qualifying": "needs_analysis",
    "needs_analysis": "proposal",
    "proposal": "objections",
    "objections": "closing",
    "closing": "won",
}
ADVANCE = {
    "lead": 0.8,
    "prospecting": 0.75,
    "qualifying": 0.7,
    "needs_analysis": 0.85,
    "proposal": 0.8,
    "objections": 0.5,
    "closing": 0.9,
}
LOOP = 0.3  # objections -> proposal
DAYS = {
    "lead": 1.5,
    "prospecting": 4,
    "qualifying": 6,
    "needs_analysis": 9,
    "proposal": 5,
    "objections": 3,
    "closing": 2,
}
CV = 0.6
VALUE_MEAN, VALUE_CV = 20_000.0, 0.5
Z = 5.0


def _lognormal(rng: random.Random, mean: float, cv: float) -> float:
    sigma = math.sqrt(math.log1p(cv * cv))
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


def _event_log(deals: int, seed: int) -> pd.DataFrame:
    """An event log drawn directly from the parameters above (not with funnelcore.simulate)."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for number in range(deals):
        deal_id = f"deal-{number}"
        at = T0 + timedelta(days=rng.random() * 365)
        value = _lognormal(rng, VALUE_MEAN, VALUE_CV)
        rows.append({"deal_id": deal_id, "stage": "lead", "at": at, "actor": "marketing"})
        stage = "lead"
        while stage not in ("won", "lost"):
            at = at + timedelta(days=_lognormal(rng, DAYS[stage], CV))
            draw = rng.random()
            if draw < ADVANCE[stage]:
                stage = FORWARD[stage]
            elif stage == "objections" and draw < ADVANCE[stage] + LOOP:
                stage = "proposal"
            else:
                stage = "lost"
            rows.append({"deal_id": deal_id, "stage": stage, "at": at, "actor": "sales"})
        rows[-1]["value"] = value
    frame = pd.DataFrame(rows)
    # Shuffled, as a log gathered from several systems might be: the fit orders by time.
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def test_fit_recovers_the_parameters_of_a_simulated_log() -> None:
    """Probabilities within 5 binomial standard errors; days, spread and value within 5 SE."""
    log = _event_log(12_000, seed=7)
    fit = fit_scenario(log, process="complex")
    scenario = fit.scenario
    assert fit.deals == 12_000
    assert fit.open_deals == 0
    assert scenario.leads == 12_000
    for name, probability in ADVANCE.items():
        stage = Stage(name)
        exits = fit.exits[stage]
        error = math.sqrt(probability * (1 - probability) / exits)
        assert abs(scenario.advance[stage] - probability) <= Z * error, name
        mean_error = DAYS[name] * CV / math.sqrt(fit.timed[stage])
        assert abs(scenario.days[stage] - DAYS[name]) <= Z * mean_error, name
    loop = scenario.branch[Stage.OBJECTIONS][Stage.PROPOSAL]
    exits = fit.exits[Stage.OBJECTIONS]
    assert abs(loop - LOOP) <= Z * math.sqrt(LOOP * (1 - LOOP) / exits)
    assert scenario.duration.distribution == "lognormal"
    assert scenario.duration.cv == pytest.approx(CV, rel=0.05)
    won = list(log["value"].dropna())
    assert scenario.value.distribution == "lognormal"
    assert abs(scenario.value.mean - VALUE_MEAN) <= Z * VALUE_MEAN * VALUE_CV / math.sqrt(len(won))
    assert scenario.value.cv == pytest.approx(VALUE_CV, rel=0.15)


def test_fit_from_deals_and_open_deals() -> None:
    """Deals made through the process fit too; open deals count as open, their stays unused."""
    truth = Scenario(
        process="complex",
        advance={Stage(k): v for k, v in ADVANCE.items()},
        branch={Stage.OBJECTIONS: {Stage.PROPOSAL: LOOP}},
        days={Stage(k): v for k, v in DAYS.items()},
        duration=Duration.lognormal(cv=CV),
        value=DealValue(VALUE_MEAN),
    )
    deals = sample_deals(
        truth, count=3000, start=T0, spread_days=200, until=T0 + timedelta(days=200), seed=2
    )
    fit = fit_scenario(deals, leads=77)
    assert fit.deals == 3000
    assert fit.open_deals == sum(1 for d in deals if d.is_open)
    assert fit.open_deals > 0
    assert fit.scenario.leads == 77
    lead = fit.scenario.advance[Stage.LEAD]
    assert abs(lead - 0.8) <= Z * math.sqrt(0.8 * 0.2 / fit.exits[Stage.LEAD])
    assert fit.scenario.value == DealValue(VALUE_MEAN)


def test_malformed_rows_are_reported_with_their_row_and_reason() -> None:
    """Every bad row is named; nothing is dropped silently."""
    log = pd.DataFrame(
        {
            "deal_id": ["a", "a", None, "b", "b", "c"],
            "stage": ["lead", "prospectng", "lead", "lead", "won", "lead"],
            "at": [T0, T0 + timedelta(days=1), T0, "2025-01-02", "yesterday", None],
            "actor": ["sales"] * 6,
            "value": [None, None, None, -3.0, None, None],
        }
    )
    with pytest.raises(SimulationInputError) as caught:
        fit_scenario(log)
    assert caught.value.problems == (
        "row 2: stage 'prospectng' is not a stage of 'complex'",
        "row 3: deal_id is missing",
        # rows 1-3 carry a UTC offset, so row 4's naive time has no known instant (as the audit
        # reports it)
        "row 4: at '2025-01-02' has no UTC offset, but other rows of the log have one",
        "row 4: value -3.0 is not a number >= 0",
        "row 5: at 'yesterday' is not an ISO 8601 date-time",
        "row 6: at is missing",
    )


def test_illegal_paths_and_missing_columns_are_reported() -> None:
    """A skipped stage names its row; a log without the needed columns is refused."""
    log = pd.DataFrame(
        {
            "deal_id": ["a", "a", "b"],
            "stage": ["lead", "proposal", "prospecting"],
            "at": [T0, T0 + timedelta(days=1), T0],
        }
    )
    with pytest.raises(SimulationInputError) as caught:
        fit_scenario(log)
    problems = "\n".join(caught.value.problems)
    assert "deal 'a' (row 2): moves from lead to proposal, which 'complex' has no move for" in (
        problems
    )
    assert "deal 'b' (row 3): starts at prospecting, not at lead" in problems
    with pytest.raises(SimulationInputError, match="missing column at"):
        fit_scenario(pd.DataFrame({"deal_id": ["a"], "stage": ["lead"]}))
    with pytest.raises(LogReadError, match="no such file"):
        fit_scenario("no-such-deals.csv")


def test_a_fit_reads_an_event_log_file_like_its_dataframe(tmp_path: Path) -> None:
    """A CSV path goes through read_log and fits exactly as the same log given as a dataframe."""
    log = _event_log(300, seed=4)
    path = tmp_path / "log.csv"
    log.to_csv(path, index=False)
    from_file = fit_scenario(path)
    from_frame = fit_scenario(log)
    assert from_file.scenario.advance == from_frame.scenario.advance
    assert from_file.exits == from_frame.exits


def test_malformed_rows_of_an_event_log_file_are_a_simulation_input_error(tmp_path: Path) -> None:
    """As from a dataframe: the documented error, naming each malformed row."""
    path = tmp_path / "log.csv"
    path.write_text(
        "deal_id,stage,at,actor\na,lead,2026-01-05,marketing\nb,lead,nope,marketing\n",
        encoding="utf-8",
    )
    with pytest.raises(SimulationInputError) as caught:
        fit_scenario(path)
    assert caught.value.what == "history"
    assert [problem.split(":")[0] for problem in caught.value.problems] == ["row 2 deal 'b'"]
    assert "at 'nope' is not a timestamp" in caught.value.problems[0]


def test_a_stage_nobody_left_cannot_be_estimated() -> None:
    """Deals that all stop before CLOSING leave its probability unknown; the fit says so."""
    log = _event_log(200, seed=1)
    cut = log[~log["stage"].isin(["closing", "won"])]
    with pytest.raises(SimulationInputError, match="stage closing: no deal in the history left"):
        fit_scenario(cut)


def test_polars_frames_work_too() -> None:
    """Any dataframe narwhals reads will do."""
    polars = pytest.importorskip("polars")
    log = polars.from_pandas(_event_log(400, seed=3))
    assert fit_scenario(log).deals == 400


def test_rows_and_lazy_frames_fit_like_the_dataframe() -> None:
    """A list of row dicts and a Polars LazyFrame give the fit of the same log as a DataFrame."""
    polars = pytest.importorskip("polars")
    log = _event_log(300, seed=5)
    expected = fit_scenario(log)
    rows: list[dict[str, Any]] = log.to_dict("records")
    for source in (rows, polars.from_pandas(log).lazy()):
        fit = fit_scenario(source)
        assert fit.scenario.advance == expected.scenario.advance
        assert fit.exits == expected.exits
        assert fit.scenario.value == expected.scenario.value


def test_times_follow_the_audits_grammar() -> None:
    """Text times mean what they mean to the audit.

    An offset gives the UTC instant, a date its midnight; compact ISO text (``20250102``), which
    the audit refuses, is refused here too.
    """
    from datetime import date

    from funnelcore import SalesProcess, audit
    from funnelcore.simulate._history import tracks

    process = SalesProcess.complex()
    aware: list[dict[str, Any]] = [
        {"deal_id": "a", "stage": "lead", "at": "2025-01-01T10:00:00+02:00", "actor": "marketing"},
        {"deal_id": "a", "stage": "lost", "at": "2025-01-01T09:00:00Z", "actor": "sales"},
    ]
    assert audit(aware, process).is_clean
    [track] = tracks(aware, process)
    assert track.times == (T0 + timedelta(hours=8), T0 + timedelta(hours=9))
    naive: list[dict[str, Any]] = [
        {"deal_id": "b", "stage": "lead", "at": date(2025, 1, 1), "actor": "marketing"},
        {"deal_id": "b", "stage": "lost", "at": "20250102", "actor": "sales"},
    ]
    assert [(v.row, v.rule) for v in audit(naive, process).violations] == [(2, "malformed")]
    with pytest.raises(SimulationInputError) as caught:
        tracks(naive, process)
    assert caught.value.problems == ("row 2: at '20250102' is not an ISO 8601 date-time",)
    [track] = tracks(naive[:1], process)
    assert track.times == (datetime(2025, 1, 1),)


def test_rows_are_read_as_the_audit_reads_them() -> None:
    """Rows are read as the audit reads them.

    Padded deal ids are one deal; a naive time in an aware log is refused; a row list without a
    needed column is refused once, not row by row.
    """
    from funnelcore import SalesProcess, audit
    from funnelcore.simulate._history import tracks

    process = SalesProcess.complex()
    padded: list[dict[str, Any]] = [
        {"deal_id": " C ", "stage": "lead", "at": "2025-01-01", "actor": "marketing"},
        {"deal_id": "C", "stage": "lost", "at": "2025-01-02", "actor": "sales"},
    ]
    assert audit(padded, process).deals == 1
    [track] = tracks(padded, process)
    assert (track.deal_id, [stage.value for stage in track.stages]) == ("C", ["lead", "lost"])
    mixed: list[dict[str, Any]] = [
        {"deal_id": "A", "stage": "lead", "at": "2025-01-01T10:00:00Z", "actor": "marketing"},
        {"deal_id": "B", "stage": "lead", "at": "2025-01-01T10:00:00", "actor": "marketing"},
    ]
    assert [(v.row, v.rule) for v in audit(mixed, process).violations] == [(2, "malformed")]
    with pytest.raises(SimulationInputError) as caught:
        tracks(mixed, process)
    assert caught.value.problems == (
        "row 2: at '2025-01-01T10:00:00' has no UTC offset, but other rows of the log have one",
    )
    with pytest.raises(SimulationInputError) as caught:
        tracks([{"id": "A", "stage": "lead", "at": "2025-01-01"}] * 1000, process)
    assert caught.value.problems == ("missing column deal_id (columns: id, stage, at)",)


def test_a_stay_of_zero_days_gives_a_moment_based_spread() -> None:
    """A 0-day stay has no logarithm: the spread is the stays' coefficient of variation.

    Four orders after 0, 2, 4 and 6 days: mean 3, sample variance (9 + 1 + 1 + 9) / 3, so
    cv = sqrt(20/3) / 3. The loss after one day ends a stay that did not move on: not timed.
    """
    rows: list[dict[str, Any]] = []
    for number, days in enumerate([0, 2, 4, 6]):
        rows.append({"deal_id": f"W{number}", "stage": "lead", "at": T0, "actor": "marketing"})
        rows.append(
            {
                "deal_id": f"W{number}",
                "stage": "won",
                "at": T0 + timedelta(days=days),
                "actor": "customer",
                "value": 100.0,
            }
        )
    rows.append({"deal_id": "L", "stage": "lead", "at": T0, "actor": "marketing"})
    rows.append({"deal_id": "L", "stage": "lost", "at": T0 + timedelta(days=1), "actor": "system"})
    scenario = fit_scenario(rows, process="simple").scenario
    assert scenario.days[Stage.LEAD] == 3.0
    assert scenario.advance[Stage.LEAD] == 0.8
    assert scenario.duration.distribution == "lognormal"
    assert scenario.duration.cv == pytest.approx(math.sqrt(20 / 3) / 3, rel=1e-12)
    # Equal values have no spread: a fixed value.
    assert scenario.value == DealValue(100.0)


def test_text_values_are_read_as_numbers_and_bad_ones_reported_with_their_row() -> None:
    """Rows read from a file keep their cells as text: " 12.5 " is 12.5, a blank is no value."""
    rows: list[dict[str, Any]] = [
        {"deal_id": "A", "stage": "lead", "at": T0, "actor": "marketing", "value": "  "},
        {
            "deal_id": "A",
            "stage": "won",
            "at": T0 + timedelta(days=1),
            "actor": "customer",
            "value": " 12.5 ",
        },
    ]
    assert fit_scenario(rows, process="simple").scenario.value == DealValue(12.5)
    rows[1]["value"] = "12,5"
    with pytest.raises(SimulationInputError) as caught:
        fit_scenario(rows, process="simple")
    assert caught.value.problems == ("row 2: value '12,5' is not a number",)
