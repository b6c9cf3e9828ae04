"""Scenarios: the minimal TOML of the issue, the format, and invalid scenarios reported whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from funnelcore import Move, Role, SalesProcess, Stage
from funnelcore.errors import FunnelError, ScenarioError
from funnelcore.simulate import Capacity, DealValue, Duration, LeadFlow, Scenario

EXAMPLE = Path(__file__).parents[2] / "examples" / "scenario.toml"

MINIMAL = """
process = "complex"
leads = 100000
[advance]          # probability of moving on from each open stage
lead = 0.6
prospecting = 0.7
qualifying = 0.5
needs_analysis = 0.8
proposal = 0.7
objections = 0.6
closing = 0.9
[days]             # mean days spent in each open stage
lead = 2
prospecting = 5
qualifying = 7
needs_analysis = 10
proposal = 7
objections = 5
closing = 3
[value]
mean = 12000
"""

OPEN = list(SalesProcess.complex().open_stages)


def test_the_minimal_toml_of_the_issue_loads_verbatim(tmp_path: Path) -> None:
    """The minimal scenario of the issue is accepted as written."""
    path = tmp_path / "minimal.toml"
    path.write_text(MINIMAL)
    scenario = Scenario.from_toml(path)
    assert scenario.process is SalesProcess.complex()
    assert scenario.leads == 100_000
    assert scenario.advance[Stage.QUALIFYING] == 0.5
    assert scenario.days[Stage.NEEDS_ANALYSIS] == 10.0
    assert scenario.value == DealValue(12000, "fixed", 0.0)
    assert scenario.branch == {}
    assert scenario.name == "minimal"
    assert scenario.open_stages == tuple(OPEN)


def test_the_example_file_is_the_minimal_scenario() -> None:
    """examples/scenario.toml holds the issue's scenario."""
    example = Scenario.from_toml(EXAMPLE)
    assert example.advance == dict(zip(OPEN, [0.6, 0.7, 0.5, 0.8, 0.7, 0.6, 0.9], strict=True))
    assert example.leads == 100_000


def test_objections_advance_to_closing_and_branch_back_to_proposal() -> None:
    """Advance is the next stage on the shortest way to WON; the revised proposal is a branch."""
    scenario = Scenario.from_mapping(
        {
            "process": "complex",
            "advance": {s.value: 0.5 for s in OPEN},
            "days": {s.value: 1 for s in OPEN},
            "branch": {"objections": {"proposal": 0.3}},
        }
    )
    assert scenario.next_stage(Stage.OBJECTIONS) is Stage.CLOSING
    assert scenario.next_stage("closing") is Stage.WON
    assert scenario.branch == {Stage.OBJECTIONS: {Stage.PROPOSAL: 0.3}}
    assert scenario.leave_probability(Stage.OBJECTIONS) == pytest.approx(0.8)


def test_full_format_round_trips_through_to_mapping() -> None:
    """Every section of the format is read, and to_mapping gives it back."""
    data = {
        "name": "q3",
        "process": "complex",
        "leads": 10,
        "periods": 13,
        "period_days": 7,
        "advance": {s.value: 0.5 for s in OPEN},
        "branch": {"objections": {"proposal": 0.25}},
        "days": {s.value: 2 for s in OPEN},
        "duration": {"distribution": "gamma", "shape": 4},
        "value": {"mean": 1000, "cv": 0.5},
        "sources": [
            {"name": "webinars", "rate": 40, "cost_per_lead": 35},
            {"name": "referrals", "rate": 5},
        ],
        "capacity": {"reps": 3, "deals_per_rep": 20, "decay": 0.1},
    }
    scenario = Scenario.from_mapping(data)
    assert scenario.duration == Duration("gamma", 0.5)
    assert scenario.duration.shape == pytest.approx(4.0)
    assert scenario.value == DealValue(1000, "lognormal", 0.5)
    assert scenario.sources == (LeadFlow("webinars", 40, 35), LeadFlow("referrals", 5, 0.0))
    assert scenario.capacity == Capacity(3, 20, 0.1)
    assert scenario.expected_leads == 10 + 45 * 13
    assert scenario.expected_cost == 40 * 35 * 13
    assert scenario.arrival_days == 91
    assert Scenario.from_mapping(scenario.to_mapping()) == scenario


def test_lognormal_sigma_and_cv_describe_the_same_stay() -> None:
    """sigma**2 = log(1 + cv**2)."""
    assert Duration.lognormal(sigma=0.5).sigma == pytest.approx(0.5)
    assert Duration.lognormal(cv=0.5).cv == 0.5


def test_stages_may_be_given_as_members_or_names() -> None:
    """Keys may be Stage members or their names, in any case."""
    by_member = Scenario(process="simple", advance={Stage.LEAD: 0.2}, days={Stage.LEAD: 1})
    by_name = Scenario(process="simple", advance={"LEAD": 0.2}, days={"lead": 1})
    assert by_member == by_name


def test_an_invalid_scenario_names_every_problem_at_once() -> None:
    """Probability outside [0, 1], branches over 1, unknown stage, negative days, missing stage."""
    data = {
        "process": "complex",
        "advance": {
            "lead": 1.2,  # outside [0, 1]
            "prospecting": 0.7,
            "qualifying": 0.5,
            "needs_analysis": 0.8,
            "proposal": 0.7,
            "objections": 0.6,
            "closng": 0.9,  # unknown stage, so closing is missing
        },
        "branch": {"objections": {"proposal": 0.6}},  # 0.6 + 0.6 > 1
        "days": {s.value: 1 for s in OPEN} | {"qualifying": -3},
        "value": {"mean": -5},
        "leads": -1,
    }
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_mapping(data)
    problems = caught.value.problems
    expected = [
        "advance.lead: 1.2 is not a probability in [0, 1]",
        "advance.closng: unknown stage 'closng' for process 'complex'",
        "advance: missing stage closing",
        "days.qualifying: -3 is negative",
        "branch.objections: advance and branch probabilities from objections sum to 1.2 > 1",
        "value.mean: -5 must be a number >= 0",
        "leads: -1 must be a whole number >= 0",
    ]
    for fragment in expected:
        assert any(fragment in problem for problem in problems), (fragment, problems)
    assert len(problems) == len(expected)
    assert isinstance(caught.value, FunnelError)
    assert isinstance(caught.value, ValueError)
    assert "7 problems" in str(caught.value)


def test_direct_construction_is_checked_the_same_way() -> None:
    """The constructor reports every problem too, not only from_mapping."""
    with pytest.raises(ScenarioError) as caught:
        Scenario(
            process="simple",
            advance={"lead": -0.1, "won": 1.0},
            days={"lead": -1},
            duration=Duration("weibull", 1.0),
            sources=[LeadFlow("a", -1), LeadFlow("a", 1, -2)],
            capacity=Capacity(0, 1, -1),
            periods=0,
        )
    problems = "\n".join(caught.value.problems)
    for fragment in (
        "advance.lead: -0.1 is not a probability",
        "advance.won: won is terminal",
        "days.lead: -1 is negative",
        "duration.distribution: unknown 'weibull'",
        "sources[0].rate: -1",
        "sources[1].name: 'a' is given twice",
        "sources[1].cost_per_lead: -2",
        "capacity.reps: 0",
        "capacity.decay: -1",
        "periods: 0",
    ):
        assert fragment in problems, fragment


def test_tables_that_are_not_tables_are_problems_not_crashes(tmp_path: Path) -> None:
    """A branch given as text failed inside the constructor with a bare ValueError."""
    path = tmp_path / "scenario.toml"
    path.write_text(EXAMPLE.read_text() + '\n[branch]\nproposal = "x"\n')
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_toml(path)
    assert caught.value.problems == (
        "branch.proposal: expected a table of stage = probability, got 'x'",
    )
    with pytest.raises(ScenarioError) as caught:
        Scenario(process="simple", advance=5, days=[1], branch=3)  # type: ignore[arg-type]
    assert caught.value.problems == (
        "advance: expected a table of stage = probability, got 5",
        "days: expected a table of stage = mean days, got [1]",
        "branch: expected a table of stage = {stage = probability}, got 3",
    )


def test_a_stage_given_twice_is_a_problem() -> None:
    """Two spellings of one stage do not silently override each other."""
    with pytest.raises(ScenarioError) as caught:
        Scenario(
            process="simple",
            advance={"lead": 0.3, "Lead": 0.9},
            days={"LEAD": 1, "lead": 2},
        )
    assert caught.value.problems == (
        "advance.Lead: lead is given twice",
        "days.lead: lead is given twice",
    )


def test_branches_must_be_moves_of_the_process() -> None:
    """A branch needs a move; LOST and the advance target are not branches."""
    with pytest.raises(ScenarioError) as caught:
        Scenario(
            process="complex",
            advance=dict.fromkeys(OPEN, 0.5),
            days=dict.fromkeys(OPEN, 1),
            branch={
                "qualifying": {"proposal": 0.1},
                "objections": {"closing": 0.1, "lost": 0.1, "nowhere": 0.1},
            },
        )
    problems = "\n".join(caught.value.problems)
    assert "branch.qualifying.proposal: the process has no move from qualifying to proposal" in (
        problems
    )
    assert "branch.objections.closing: objections advances to closing" in problems
    assert "branch.objections.lost: a branch to LOST is implied" in problems
    assert "branch.objections.nowhere: unknown stage 'nowhere'" in problems


def test_a_loop_a_deal_can_never_leave_is_refused() -> None:
    """PROPOSAL always advancing and OBJECTIONS always sending back: no way to WON or LOST."""
    advance = dict.fromkeys(OPEN, 0.5) | {Stage.PROPOSAL: 1.0, Stage.OBJECTIONS: 0.0}
    with pytest.raises(ScenarioError, match="proposal, objections: a deal there would move"):
        Scenario(
            process="complex",
            advance=advance,
            days=dict.fromkeys(OPEN, 1),
            branch={Stage.OBJECTIONS: {Stage.PROPOSAL: 1.0}},
        )


def test_unknown_keys_and_bad_files_are_reported(tmp_path: Path) -> None:
    """A misspelt key is a problem; an unreadable or invalid file is a ScenarioError."""
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_mapping(
            {"process": "complx", "advance": {}, "days": {}, "leeds": 5, "duration": {"cv": 0}}
        )
    problems = "\n".join(caught.value.problems)
    assert "leeds: unknown key" in problems
    assert "process: unknown preset 'complx'" in problems
    assert "duration.cv: 0 must be a number > 0" in problems
    with pytest.raises(ScenarioError, match="cannot read"):
        Scenario.from_toml(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("process = ")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        Scenario.from_toml(bad)


def test_a_custom_process_file_is_read_relative_to_the_scenario(tmp_path: Path) -> None:
    """A process file (process = "crm.toml") loads a custom process next to the scenario file."""
    (tmp_path / "crm.toml").write_text(
        """
name = "crm"
stages = ["prospecting", "engaging", "won", "lost"]
entry = "prospecting"
won = "won"
lost = "lost"
[[moves]]
name = "engage"
from = "prospecting"
to = "engaging"
by = ["sales"]
[[moves]]
name = "close"
from = "engaging"
to = "won"
by = ["sales"]
"""
    )
    (tmp_path / "s.toml").write_text(
        """
process = "crm.toml"
leads = 10
[advance]
prospecting = 0.5
engaging = 0.4
[days]
prospecting = 3
engaging = 9
"""
    )
    scenario = Scenario.from_toml(tmp_path / "s.toml")
    assert scenario.process.name == "crm"
    assert [s.value for s in scenario.open_stages] == ["prospecting", "engaging"]


def test_a_custom_process_object_works() -> None:
    """A SalesProcess defined in Python can be simulated."""
    import enum

    class Step(enum.Enum):
        NEW = "new"
        TALKING = "talking"
        WON = "won"
        LOST = "lost"

    process = SalesProcess.define(
        "tiny",
        stages=Step,
        entry=Step.NEW,
        won=Step.WON,
        lost=Step.LOST,
        moves=[
            Move("talk", Step.NEW, Step.TALKING, {Role.SALES}),
            Move("close", Step.TALKING, Step.WON, {Role.SALES}),
        ],
    )
    scenario = Scenario(
        process=process, advance={"new": 0.5, "talking": 0.5}, days={"new": 1, "talking": 1}
    )
    assert scenario.open_stages == (Step.NEW, Step.TALKING)


def test_a_scenario_pickles_and_copies_equal() -> None:
    """Its read-only maps did not pickle ("cannot pickle 'mappingproxy' object")."""
    import copy
    import pickle

    scenario = Scenario.from_toml(EXAMPLE)
    for again in (pickle.loads(pickle.dumps(scenario)), copy.deepcopy(scenario)):
        assert again == scenario
        assert again.process is scenario.process
        assert again.to_mapping() == scenario.to_mapping()
