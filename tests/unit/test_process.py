"""Sales processes: presets, moves, guards, rejections, replay, definition checks, files."""

from __future__ import annotations

import enum
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from funnelcore import (
    ActorNotAllowedError,
    ClosedDeal,
    Customer,
    Evidence,
    GuardFailedError,
    IllegalMoveError,
    InvalidArgumentError,
    InvalidHistoryError,
    Lead,
    LeadSource,
    Marketing,
    Move,
    MoveRejectedError,
    OpenDeal,
    OutOfOrderError,
    ProcessDefinitionError,
    Product,
    ProductKind,
    Role,
    SalesProcess,
    SalesRep,
    Stage,
    StageChange,
    StageSetting,
    System,
    TerminalStageError,
    UnknownStageError,
    WrongProcessError,
)
from funnelcore.testing import FULL_EVIDENCE, walk

if sys.version_info >= (3, 11):
    import tomllib
else:  # the library reads TOML with tomli there too
    import tomli as tomllib

T0 = datetime(2026, 2, 2, 9, 0, tzinfo=timezone.utc)
REP = SalesRep("Sam")
COMPLEX = SalesProcess.complex()
SIMPLE = SalesProcess.simple()


def new_deal(process: SalesProcess[Any] = COMPLEX, **kw: Any) -> OpenDeal[Any]:
    lead = Lead("Ada", source=LeadSource.REFERRAL)
    return process.open_deal(
        lead, kw.pop("product", Product("ERP")), by=kw.pop("by", REP), at=T0, **kw
    )


class CrmStage(str, enum.Enum):
    PROSPECTING = "prospecting"
    ENGAGING = "engaging"
    WON = "won"
    LOST = "lost"


def crm_process(**overrides: Any) -> SalesProcess[CrmStage]:
    spec: dict[str, Any] = {
        "stages": CrmStage,
        "entry": CrmStage.PROSPECTING,
        "won": CrmStage.WON,
        "lost": CrmStage.LOST,
        "moves": [
            Move("engage", CrmStage.PROSPECTING, CrmStage.ENGAGING, {Role.SALES}),
            Move("win", CrmStage.ENGAGING, CrmStage.WON, {Role.SALES}),
        ],
    }
    spec.update(overrides)
    return SalesProcess.define("crm", **spec)


# -- presets -------------------------------------------------------------------------------------


def test_the_complex_process_is_the_seven_steps_of_seed_000_then_won_or_lost() -> None:
    """Seed 000: Leads, Prospecting, Qualifying, Needs Analysis, Proposal, Objections, Closing."""
    assert COMPLEX.path_to(Stage.WON) == (
        Stage.LEAD,
        Stage.PROSPECTING,
        Stage.QUALIFYING,
        Stage.NEEDS_ANALYSIS,
        Stage.PROPOSAL,
        Stage.OBJECTIONS,
        Stage.CLOSING,
        Stage.WON,
    )
    assert COMPLEX.next_stages(Stage.OBJECTIONS) == (Stage.PROPOSAL, Stage.CLOSING, Stage.LOST)
    for stage in COMPLEX.open_stages:
        assert Stage.LOST in COMPLEX.next_stages(stage)
    assert COMPLEX.next_stages(Stage.WON) == ()
    assert COMPLEX.next_stages(Stage.LOST) == ()


def test_presets_are_shared_instances() -> None:
    """One machine per process definition, shared by every deal."""
    assert SalesProcess.complex() is COMPLEX
    assert SalesProcess.simple() is SIMPLE


def test_the_simple_process_goes_from_lead_to_won_by_order() -> None:
    assert SIMPLE.stages == (Stage.LEAD, Stage.WON, Stage.LOST)
    move = SIMPLE.move_between(Stage.LEAD, Stage.WON)
    assert move is not None
    assert move.name == "order"
    assert move.by == {Role.CUSTOMER, Role.SALES}


def test_stages_carry_probabilities_and_forecast_categories() -> None:
    assert COMPLEX.probability(Stage.CLOSING) == 0.8
    assert COMPLEX.probability(Stage.WON) == 1.0
    assert SIMPLE.probability(Stage.LEAD) is None
    assert COMPLEX.setting(Stage.CLOSING).forecast is not None


def test_the_process_cannot_be_constructed_directly() -> None:
    with pytest.raises(TypeError, match="define"):
        SalesProcess()


# -- moves ---------------------------------------------------------------------------------------


def test_a_move_returns_a_new_deal_and_keeps_the_old_one() -> None:
    deal = new_deal()
    moved = COMPLEX.advance(deal, Stage.PROSPECTING, by=REP, at=T0 + timedelta(days=1))
    assert deal.stage is Stage.LEAD
    assert len(deal.history) == 1
    assert moved.stage is Stage.PROSPECTING
    assert moved.history[:1] == deal.history
    assert moved.last_change == StageChange(
        Stage.LEAD, Stage.PROSPECTING, REP, T0 + timedelta(days=1)
    )
    assert moved.id == deal.id
    assert isinstance(moved, OpenDeal)


def test_each_guard_of_the_complex_process_names_what_is_missing() -> None:
    """Seed 000: permission, able and likely, compelling reasons; seed 004: objections handled."""
    deal = walk(COMPLEX, new_deal(), Stage.PROSPECTING, by=REP)
    cases = [
        (Stage.PROSPECTING, Stage.QUALIFYING, "permission", Evidence(permission=True)),
        (
            Stage.QUALIFYING,
            Stage.NEEDS_ANALYSIS,
            "able_and_likely",
            Evidence(able_to_buy=True, likely_to_buy=True),
        ),
        (
            Stage.NEEDS_ANALYSIS,
            Stage.PROPOSAL,
            "compelling_reasons",
            Evidence(compelling_reasons=("audit findings",)),
        ),
    ]
    at = deal.last_change.at
    for source, target, guard, enough in cases:
        assert deal.stage is source
        with pytest.raises(GuardFailedError) as caught:
            COMPLEX.advance(deal, target, by=REP, at=at)
        assert caught.value.guard == guard
        assert "seed" in caught.value.reason
        deal = COMPLEX.advance(deal, target, by=REP, at=at, evidence=enough)
    # Able but not likely is not enough (seed 000: "both able to and likely to buy").
    closing = walk(COMPLEX, deal, Stage.CLOSING, by=REP)
    with pytest.raises(GuardFailedError, match="objections"):
        COMPLEX.win(closing, by=REP, at=closing.last_change.at)
    assert COMPLEX.win(closing, by=REP, evidence=Evidence(objections_handled=True)).is_won


def test_able_but_not_likely_to_buy_is_not_qualified() -> None:
    deal = walk(COMPLEX, new_deal(), Stage.QUALIFYING, by=REP)
    with pytest.raises(GuardFailedError):
        COMPLEX.advance(deal, Stage.NEEDS_ANALYSIS, by=REP, evidence=Evidence(able_to_buy=True))
    with pytest.raises(GuardFailedError):
        COMPLEX.advance(
            deal, Stage.NEEDS_ANALYSIS, by=REP, evidence=Evidence(compelling_reasons=("  ",))
        )


def test_skipping_a_stage_is_an_illegal_move_that_lists_the_next_stages() -> None:
    deal = new_deal()
    with pytest.raises(IllegalMoveError) as caught:
        COMPLEX.advance(deal, Stage.PROPOSAL, by=REP, evidence=FULL_EVIDENCE)
    error = caught.value
    assert (error.deal_id, error.stage, error.move) == (deal.id, "lead", "move to PROPOSAL")
    assert "next stages are: prospecting, lost" in error.reason
    assert error.actor == "SalesRep(name='Sam')"
    assert str(error).startswith(f"deal {deal.id!r} at LEAD: cannot move to PROPOSAL by SalesRep")
    # The stage's value, equal to the stage, is refused the same way (it failed an assert).
    with pytest.raises(IllegalMoveError, match="no move from lead to proposal"):
        COMPLEX.advance(deal, "proposal", by=REP, evidence=FULL_EVIDENCE)  # type: ignore[arg-type]


def test_a_stage_given_by_its_value_moves_to_the_member() -> None:
    """A stage's value is taken for its member, never left as text.

    advance(deal, "lost") gave an OpenDeal at the text 'lost', with no reason; "prospecting" a
    deal whose stage was a str, not Stage.PROSPECTING.
    """
    deal = new_deal()
    for closing in ("won", "lost"):
        with pytest.raises(IllegalMoveError, match="use win\\(\\) or lose\\(\\)"):
            COMPLEX.advance(deal, closing, by=REP)  # type: ignore[arg-type]
    moved = COMPLEX.advance(deal, "prospecting", by=REP)  # type: ignore[arg-type]
    assert moved.stage is Stage.PROSPECTING
    assert moved == COMPLEX.advance(deal, Stage.PROSPECTING, by=REP, at=moved.last_change.at)
    history = [
        StageChange(None, "lead", REP, T0),  # type: ignore[arg-type]
        StageChange("lead", "lost", REP, T0 + timedelta(days=1), reason="no budget"),  # type: ignore[arg-type]
    ]
    lost = COMPLEX.replay(history, deal_id="D-9", lead=deal.lead, product=deal.product)
    assert isinstance(lost, ClosedDeal)
    assert lost.stage is Stage.LOST


def test_advance_does_not_close_deals() -> None:
    closing = walk(COMPLEX, new_deal(), Stage.CLOSING, by=REP)
    with pytest.raises(IllegalMoveError, match="use win"):
        COMPLEX.advance(closing, Stage.WON, by=REP, evidence=FULL_EVIDENCE)


def test_the_objections_loop_sends_a_revised_proposal() -> None:
    deal = walk(COMPLEX, new_deal(), Stage.OBJECTIONS, by=REP)
    revised = COMPLEX.advance(deal, Stage.PROPOSAL, by=REP)
    again = COMPLEX.advance(revised, Stage.OBJECTIONS, by=REP)
    assert [c.stage for c in again.history][-3:] == [
        Stage.OBJECTIONS,
        Stage.PROPOSAL,
        Stage.OBJECTIONS,
    ]


@pytest.mark.parametrize(
    ("who", "error"),
    [
        (Marketing("Brand"), ActorNotAllowedError),
        (Customer("Ada"), ActorNotAllowedError),
        ("a campaign", ActorNotAllowedError),
    ],
)
def test_only_sales_moves_a_complex_deal(who: Any, error: type[Exception]) -> None:
    deal = new_deal()
    with pytest.raises(error) as caught:
        COMPLEX.advance(deal, Stage.PROSPECTING, by=who)
    assert isinstance(caught.value, MoveRejectedError)


def test_marketing_is_told_why_it_may_not_move_a_deal() -> None:
    with pytest.raises(ActorNotAllowedError, match="marketing produces leads, never closes"):
        COMPLEX.advance(new_deal(), Stage.PROSPECTING, by=Marketing("Brand"))  # type: ignore[arg-type]


def test_the_system_may_lose_a_deal_but_not_win_it() -> None:
    deal = walk(COMPLEX, new_deal(), Stage.CLOSING, by=REP)
    lost = COMPLEX.lose(deal, by=System("sweep"), reason="stale for 90 days")
    assert lost.stage is Stage.LOST
    assert lost.last_change.reason == "stale for 90 days"
    with pytest.raises(ActorNotAllowedError):
        COMPLEX.win(deal, by=System("sweep"), evidence=FULL_EVIDENCE)  # type: ignore[arg-type]


def test_a_lost_deal_needs_a_reason() -> None:
    with pytest.raises(GuardFailedError, match="needs a reason") as caught:
        COMPLEX.lose(new_deal(), by=REP, reason="  ")
    assert caught.value.guard == "reason"


def test_nothing_moves_a_closed_deal() -> None:
    won = walk(COMPLEX, new_deal(), Stage.WON, by=REP)
    assert isinstance(won, ClosedDeal)
    for attempt in (
        lambda: COMPLEX.lose(won, by=REP, reason="changed mind"),
        lambda: COMPLEX.advance(won, Stage.PROPOSAL, by=REP),
        lambda: COMPLEX.win(won, by=REP),
    ):
        with pytest.raises(TerminalStageError, match="nothing moves out of WON or LOST"):
            attempt()


def test_a_move_dated_before_the_last_change_is_out_of_order() -> None:
    deal = new_deal()
    with pytest.raises(OutOfOrderError, match="before the last change"):
        COMPLEX.advance(deal, Stage.PROSPECTING, by=REP, at=T0 - timedelta(seconds=1))
    naive = datetime(2026, 2, 3)
    with pytest.raises(OutOfOrderError, match="cannot compare"):
        COMPLEX.advance(deal, Stage.PROSPECTING, by=REP, at=naive)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"at": "2026-02-03"}, "at must be a datetime, got str"),
        ({"evidence": {"permission": True}}, "evidence must be an Evidence record, got dict"),
    ],
)
def test_a_move_refuses_a_time_or_evidence_of_the_wrong_kind(
    arguments: dict[str, Any], message: str
) -> None:
    """Refused as the wrong kind, the deal unchanged.

    A dict of evidence failed inside the guard with an AttributeError; a text time was reported
    as out of order.
    """
    deal = COMPLEX.advance(new_deal(), Stage.PROSPECTING, by=REP, at=T0)
    with pytest.raises(InvalidArgumentError, match=message):
        COMPLEX.advance(deal, Stage.QUALIFYING, by=REP, **arguments)
    with pytest.raises(InvalidArgumentError, match=message):
        COMPLEX.advance(new_deal(), Stage.PROSPECTING, by=REP, **arguments)
    assert deal.stage is Stage.PROSPECTING


def test_a_move_without_a_time_is_stamped_now() -> None:
    before = datetime.now(timezone.utc)
    moved = COMPLEX.advance(new_deal(), Stage.PROSPECTING, by=REP)
    assert before <= moved.last_change.at <= datetime.now(timezone.utc)


def test_a_deal_is_moved_only_by_its_own_process() -> None:
    other = crm_process()
    with pytest.raises(WrongProcessError, match="follows 'complex'"):
        other.advance(new_deal(), CrmStage.ENGAGING, by=REP)  # type: ignore[arg-type]


def test_something_that_is_not_a_deal_is_an_invalid_argument() -> None:
    with pytest.raises(InvalidArgumentError):
        COMPLEX.advance("deal-1", Stage.PROSPECTING, by=REP)  # type: ignore[arg-type]
    with pytest.raises(TypeError):  # InvalidArgumentError is also a TypeError
        COMPLEX.advance("deal-1", Stage.PROSPECTING, by=REP)  # type: ignore[arg-type]


def test_an_unknown_stage_is_an_illegal_move() -> None:
    with pytest.raises(IllegalMoveError, match="not a stage of process 'complex'"):
        COMPLEX.advance(new_deal(), CrmStage.ENGAGING, by=REP)  # type: ignore[arg-type]


def test_open_deal_checks_its_actor_and_value() -> None:
    narrow = crm_process(open_by=[Role.SALES])
    lead = Lead("Ada", source=LeadSource.OUTBOUND)
    with pytest.raises(ActorNotAllowedError, match="lets sales open deals"):
        narrow.open_deal(lead, Product("GTX"), by=Marketing("Brand"))
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(MoveRejectedError, match="finite number >= 0"):
            COMPLEX.open_deal(lead, Product("ERP"), by=REP, value=bad)
    deal = COMPLEX.open_deal(lead, Product("ERP"), by=REP, value=5, deal_id="D-7")
    assert (deal.id, deal.value) == ("D-7", 5.0)


@pytest.mark.parametrize(
    ("argument", "given", "message"),
    [
        ("lead", "Ada", "lead must be a Lead, got str"),
        ("product", "ERP", "product must be a Product, got str"),
        ("at", "2026-01-05", "at must be a datetime, got str"),
    ],
)
def test_open_deal_refuses_arguments_of_the_wrong_kind(
    argument: str, given: str, message: str
) -> None:
    arguments: dict[str, Any] = {
        "lead": Lead("Ada", source=LeadSource.OUTBOUND),
        "product": Product("ERP"),
        "at": None,
    }
    arguments[argument] = given
    with pytest.raises(InvalidArgumentError, match=message):
        COMPLEX.open_deal(arguments["lead"], arguments["product"], by=REP, at=arguments["at"])


@pytest.mark.parametrize("deal_id", ["", "   ", " D5 ", "D5\n", 5])
def test_open_deal_refuses_a_deal_id_an_event_log_would_not_give_back(deal_id: Any) -> None:
    """Logs strip ids: one with spaces around it would not survive deals_to_log -> read back."""
    lead = Lead("Ada", source=LeadSource.OUTBOUND)
    with pytest.raises(InvalidArgumentError, match="deal_id must be text, not blank"):
        COMPLEX.open_deal(lead, Product("ERP"), by=REP, deal_id=deal_id)
    # inner spaces and punctuation are part of the id
    assert COMPLEX.open_deal(lead, Product("ERP"), by=REP, deal_id='D 5, "x"').id == 'D 5, "x"'


def test_deals_get_distinct_ids_when_none_is_given() -> None:
    assert len({new_deal().id for _ in range(50)}) == 50


def test_the_deal_repr_is_short_and_says_what_matters() -> None:
    text = repr(new_deal(deal_id="D-1", value=10))
    assert text == (
        "OpenDeal(id='D-1', stage=lead, lead='Ada', product='ERP', value=10.0, process='complex', "
        "changes=1)"
    )


# -- replay --------------------------------------------------------------------------------------


def test_replay_rebuilds_the_deal() -> None:
    won = walk(COMPLEX, new_deal(value=100), Stage.WON, by=REP)
    rebuilt = COMPLEX.replay(
        won.history, deal_id=won.id, lead=won.lead, product=won.product, value=100
    )
    assert rebuilt == won
    assert isinstance(rebuilt, ClosedDeal)


def test_replay_refuses_a_forged_win() -> None:
    """A history that jumps from LEAD to WON is not a legal path (invariant I3, I7)."""
    forged = [
        StageChange(None, Stage.LEAD, Marketing("Brand"), T0),
        StageChange(Stage.LEAD, Stage.WON, REP, T0 + timedelta(days=1), evidence=FULL_EVIDENCE),
    ]
    with pytest.raises(InvalidHistoryError) as caught:
        COMPLEX.replay(
            forged,
            deal_id="D-1",
            lead=Lead("Ada", source=LeadSource.REFERRAL),
            product=Product("ERP"),
        )
    assert caught.value.index == 1
    assert "illegal move" in caught.value.reason


@pytest.mark.parametrize(
    ("history", "index", "words"),
    [
        ([], 0, "at least the opening change"),
        ([StageChange(None, Stage.PROSPECTING, REP, T0)], 0, "opens at lead"),
        (
            [
                StageChange(None, Stage.LEAD, REP, T0),
                StageChange(Stage.QUALIFYING, Stage.NEEDS_ANALYSIS, REP, T0),
            ],
            1,
            "leaves qualifying",
        ),
        (
            [
                StageChange(None, Stage.LEAD, REP, T0),
                StageChange(Stage.LEAD, Stage.PROSPECTING, Marketing("Brand"), T0),
            ],
            1,
            "actor not allowed",
        ),
        (
            [
                StageChange(None, Stage.LEAD, REP, T0),
                StageChange(Stage.LEAD, Stage.LOST, REP, T0, reason="no budget"),
                StageChange(Stage.LOST, Stage.PROSPECTING, REP, T0),
            ],
            2,
            "terminal stage",
        ),
        (
            [
                StageChange(None, Stage.LEAD, REP, T0),
                StageChange(Stage.LEAD, Stage.PROSPECTING, REP, T0 - timedelta(days=1)),
            ],
            1,
            "out of order",
        ),
        ([StageChange(None, Stage.LEAD, REP, "2026-01-05")], 0, "at must be a datetime"),
        (
            [
                StageChange(None, Stage.LEAD, REP, T0),
                StageChange(Stage.LEAD, Stage.PROSPECTING, REP, T0, evidence={"permission": True}),
            ],
            1,
            "evidence must be an Evidence record, got dict",
        ),
    ],
)
def test_replay_names_the_first_illegal_change(history: list[Any], index: int, words: str) -> None:
    with pytest.raises(InvalidHistoryError) as caught:
        COMPLEX.replay(
            history,
            deal_id="D-1",
            lead=Lead("Ada", source=LeadSource.REFERRAL),
            product=Product("ERP"),
        )
    assert caught.value.index == index
    assert words in caught.value.reason


# -- custom processes ----------------------------------------------------------------------------


def test_a_custom_process_gets_the_same_guarantees() -> None:
    crm = crm_process()
    deal = crm.open_deal(Lead("Ada", source=LeadSource.OUTBOUND), Product("GTX Pro"), by=REP, at=T0)
    assert deal.stage is CrmStage.PROSPECTING
    with pytest.raises(IllegalMoveError):
        crm.win(deal, by=REP)
    engaged = crm.advance(deal, CrmStage.ENGAGING, by=REP)
    assert crm.win(engaged, by=REP).stage is CrmStage.WON
    assert crm.lose(engaged, by=REP, reason="went dark").stage is CrmStage.LOST


def definition_problems(name: Any, stages: Any, moves: list[Any], **rest: Any) -> tuple[str, ...]:
    """What ``SalesProcess.define`` refuses in a process of ``stages``.

    The first stage is the entry; the ones named ``WON`` and ``LOST`` are the terminal stages.
    """
    with pytest.raises(ProcessDefinitionError) as caught:
        SalesProcess.define(
            name,
            stages=stages,
            entry=next(iter(stages)),
            won=stages.WON,
            lost=stages.LOST,
            moves=moves,
            **rest,
        )
    return tuple(caught.value.problems)


def test_a_definition_reports_every_problem_at_once() -> None:
    class Odd(str, enum.Enum):
        A = "a"
        B = "b"
        ORPHAN = "orphan"
        WON = "won"
        LOST = "lost"

    found = definition_problems(
        "odd",
        Odd,
        [
            Move("go", Odd.A, Odd.B, {Role.SALES}),
            Move("reopen", Odd.WON, Odd.A, {Role.SALES}),
            Move("broadcast_close", Odd.B, Odd.WON, {Role.MARKETING}),
            Move("drop", Odd.B, Odd.LOST, {Role.SALES}),
            Move("nobody", Odd.ORPHAN, Odd.B, set()),
            Move("again", Odd.A, Odd.B, {Role.SALES}),
            Move("bad name", Odd.B, Odd.ORPHAN, {Role.SALES}),
            Move("elsewhere", Odd.A, CrmStage.ENGAGING, {Role.SALES}),
        ],
        lose_by=[Role.MARKETING],
    )
    problems = "\n".join(found)
    for expected in (
        "way out of terminal stage won",
        "granted to marketing",
        "moves to lost are added from every open stage",
        "move 'nobody': no role may make it",
        "duplicates move 'go'",
        "name must be a Python identifier",
        "unknown stage engaging",
        "lose_by grants marketing",
    ):
        assert expected in problems
    assert len(found) >= 8


def test_unreachable_stages_and_dead_ends_are_reported() -> None:
    class Flow(str, enum.Enum):
        NEW = "new"
        STUCK = "stuck"
        ISLAND = "island"
        WON = "won"
        LOST = "lost"

    found = definition_problems(
        "flow",
        Flow,
        [
            Move("win", Flow.NEW, Flow.WON, {Role.SALES}),
            Move("stall", Flow.NEW, Flow.STUCK, {Role.SALES}),
        ],
    )
    assert found == (
        "stage island is unreachable from new",
        "open stage stuck has no way to won",
    )


def test_a_definition_refuses_roles_guards_and_settings_of_the_wrong_kind() -> None:
    """Each is refused with the others, none crashes or passes.

    ``lose_by="sales"`` was read as the roles 's', 'a', 'l', 'e' and accepted (nobody could lose
    a deal); a bare number as a setting failed with an AttributeError.
    """

    class Short(str, enum.Enum):
        A = "a"
        WON = "won"
        LOST = "lost"

    found = definition_problems(
        " ",
        Short,
        [Move("win", Short.A, Short.WON, {Role.SALES}, "objections")],
        lose_by="sales",
        open_by=["sales"],
        settings={Short.A: 0.5, Short.WON: StageSetting(probability=True)},
    )
    assert found == (
        "the process name must be non-empty text, got ' '",
        "move 'win': guards must be Guard records, got ('o', 'b', 'j', 'e', 'c', 't', 'i', 'o', "
        "'n', 's')",
        "lose_by must hold Role members, got ['a', 'e', 'l', 's']",
        "open_by must hold Role members, got ['sales']",
        "the setting of a must be a StageSetting, got 0.5",
        "probability of won must lie in [0, 1], got True",
    )


def test_probabilities_must_lie_between_zero_and_one() -> None:
    from funnelcore import StageSetting

    with pytest.raises(ProcessDefinitionError, match=r"must lie in \[0, 1\]"):
        crm_process(settings={CrmStage.ENGAGING: StageSetting(probability=1.5)})


def test_stage_names_parse_case_insensitively_and_unknown_names_are_refused() -> None:
    assert COMPLEX.stage("Needs_Analysis") is Stage.NEEDS_ANALYSIS
    assert COMPLEX.stage(" won ") is Stage.WON
    with pytest.raises(UnknownStageError) as caught:
        COMPLEX.stage("negotiation")
    assert "negotiation" in str(caught.value)
    assert "needs_analysis" in caught.value.known


@pytest.mark.parametrize("label", ["Needs Analysis", "needs-analysis", "NEEDS ANALYSIS"])
def test_a_stage_labelled_as_seed_000_and_crms_write_it_is_found(label: str) -> None:
    """Seed 000: "Leads, Prospecting, Qualifying, Needs Analysis, Proposal, ..."."""
    assert COMPLEX.stage(label) is Stage.NEEDS_ANALYSIS


@pytest.mark.parametrize("label", ["needs  analysis", "needs_ analysis", "needsanalysis"])
def test_a_space_or_hyphen_stands_for_one_underscore_only(label: str) -> None:
    with pytest.raises(UnknownStageError):
        COMPLEX.stage(label)


CRM_TOML = """
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
name = "win"
from = "engaging"
to = "won"
by = ["sales"]

[probability]
engaging = 0.6

[forecast]
engaging = "best_case"
"""


def test_a_process_loads_from_toml_and_json(tmp_path: Path) -> None:
    toml_file = tmp_path / "crm.toml"
    toml_file.write_text(CRM_TOML)
    crm = SalesProcess.load(toml_file)
    assert crm.name == "crm"
    assert [s.value for s in crm.stages] == ["prospecting", "engaging", "won", "lost"]
    engaging = crm.stage("engaging")
    assert crm.probability(engaging) == 0.6
    deal = crm.open_deal(Lead("Ada", source=LeadSource.OUTBOUND), Product("GTX"), by=REP)
    assert crm.advance(deal, engaging, by=REP).stage is engaging

    json_file = tmp_path / "crm.json"
    json_file.write_text(json.dumps(tomllib.loads(CRM_TOML)))
    assert [m.name for m in SalesProcess.load(json_file).moves] == [m.name for m in crm.moves]


def test_a_process_file_reports_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        """
stages = ["prospecting", "engaging", "Won!", "lost"]
entry = "prospecting"
won = "won"
lost = "lost"
colour = "red"
[[moves]]
name = "engage"
from = "prospecting"
to = "engagin"
by = ["sales", "wizard"]
guards = ["charm"]
[probability]
engaging = "high"
"""
    )
    with pytest.raises(ProcessDefinitionError) as caught:
        SalesProcess.load(bad)
    problems = "\n".join(caught.value.problems)
    for expected in (
        "unknown keys: colour",
        "stage name 'Won!'",
        "won: unknown stage 'won'",
        "move 'engage' to: unknown stage 'engagin'",
        "unknown role 'wizard'",
        "unknown guard 'charm'",
        "probability of 'engaging' must be a number",
    ):
        assert expected in problems


def test_a_process_file_names_a_missing_stage_key_as_missing(tmp_path: Path) -> None:
    """Not "unknown stage None": which key is absent, and for a move, which end."""
    path = tmp_path / "gaps.toml"
    path.write_text(
        'stages = ["a", "b", "won", "lost"]\nwon = "won"\nlost = "lost"\n'
        '[[moves]]\nname = "m"\nto = "b"\nby = ["sales"]\n'
    )
    with pytest.raises(ProcessDefinitionError) as caught:
        SalesProcess.load(path)
    assert caught.value.problems[:2] == (
        "entry is missing (it names one of the stages)",
        "move 'm' from is missing (it names one of the stages)",
    )


def test_a_process_file_refuses_a_guard_given_as_text_not_a_list(tmp_path: Path) -> None:
    """``guards = "objections_handled"`` is one guard misspelled as text; it was dropped."""
    path = tmp_path / "crm.toml"
    path.write_text(
        'name = "crm"\nstages = ["a", "won", "lost"]\nentry = "a"\nwon = "won"\nlost = "lost"\n'
        '[[moves]]\nname = "win"\nfrom = "a"\nto = "won"\nby = ["sales"]\n'
        'guards = "objections_handled"\n'
    )
    with pytest.raises(ProcessDefinitionError) as caught:
        SalesProcess.load(path)
    assert caught.value.problems == ("move 'win' guards: must be a list of guard names",)


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("p.toml", "stages = [", "is not valid"),
        ("p.json", "{", "is not valid"),
        ("p.yaml", "a: 1", "expected a .toml or .json file"),
        ("p.json", "[1, 2]", "must hold a table"),
    ],
)
def test_an_unreadable_process_file_is_a_definition_error(
    tmp_path: Path, name: str, text: str, words: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ProcessDefinitionError, match=words):
        SalesProcess.load(path)


def test_mermaid_lists_every_move() -> None:
    text = COMPLEX.to_mermaid()
    assert text.startswith("stateDiagram-v2\n    [*] --> lead\n")
    for move in COMPLEX.moves:
        assert f"    {move.source.value} --> {move.target.value}: {move.name}" in text
    assert text.endswith("won --> [*]\n    lost --> [*]")


def test_path_to_an_unreachable_stage_is_empty_and_an_unknown_stage_is_refused() -> None:
    assert COMPLEX.path_to(Stage.LEAD, start=Stage.CLOSING) == ()
    with pytest.raises(UnknownStageError):
        COMPLEX.path_to(CrmStage.ENGAGING)  # type: ignore[arg-type]


def test_an_unknown_stage_is_not_taken_for_a_missing_move() -> None:
    """A stage the process lacks is refused, not answered with "no".

    move_between, next_stages, is_terminal, setting and probability answered None, (), False
    and an empty setting.
    """
    assert COMPLEX.move_between(Stage.LEAD, Stage.WON) is None  # a stage skipped: no move
    for ask in (
        lambda: COMPLEX.move_between(Stage.LEAD, CrmStage.ENGAGING),  # type: ignore[arg-type]
        lambda: COMPLEX.move_between("leed", Stage.PROSPECTING),  # type: ignore[arg-type]
        lambda: COMPLEX.next_stages(CrmStage.ENGAGING),  # type: ignore[arg-type]
        lambda: COMPLEX.is_terminal("wonn"),  # type: ignore[arg-type]
        lambda: COMPLEX.setting(CrmStage.ENGAGING),  # type: ignore[arg-type]
        lambda: COMPLEX.probability("proposl"),  # type: ignore[arg-type]
    ):
        with pytest.raises(UnknownStageError):
            ask()
    # A str-valued stage's value finds it, as a dict of stages would.
    prospect = COMPLEX.move_between("lead", "prospecting")  # type: ignore[arg-type]
    assert prospect is not None
    assert prospect.name == "prospect"
    assert COMPLEX.is_terminal("won")  # type: ignore[arg-type]
    assert COMPLEX.probability("proposal") == COMPLEX.probability(Stage.PROPOSAL)  # type: ignore[arg-type]


def test_a_commodity_in_the_complex_process_is_still_closed_by_a_rep() -> None:
    book = Product("Handbook", kind=ProductKind.COMMODITY)
    closing = walk(COMPLEX, new_deal(product=book), Stage.CLOSING, by=REP)
    with pytest.raises(ActorNotAllowedError):
        COMPLEX.win(closing, by=Customer("Ada"), evidence=FULL_EVIDENCE)


def test_walk_lets_the_process_refuse_an_actor_it_does_not_grant() -> None:
    """testing.walk asserted on the actor's type: an AssertionError (or nothing, under -O)."""
    simple = SalesProcess.simple()
    deal = simple.open_deal(Lead("Ada", source=LeadSource.REFERRAL), Product("Book"), by=REP, at=T0)
    with pytest.raises(ActorNotAllowedError, match="'order' is for"):
        walk(simple, deal, Stage.WON, by=System("shop"))
    with pytest.raises(ActorNotAllowedError, match="'prospect' is for sales, not customer"):
        walk(COMPLEX, new_deal(), Stage.PROSPECTING, by=Customer("Ada"))


@pytest.mark.parametrize("name", ["complex", "simple", "crm"])
def test_a_deal_of_a_preset_pickles_and_copies_bound_to_the_preset(name: str) -> None:
    """A pickled or copied deal comes back bound to the preset, whose moves accept it.

    A copied deal kept a copy of its process, whose moves the preset refused (WrongProcess); a
    CRM deal did not pickle at all (its stage enum is made from a file).
    """
    import copy
    import pickle

    from funnelcore._presets import preset

    process = preset(name)
    assert process is not None
    deal = process.open_deal(
        Lead("Ada", source=LeadSource.REFERRAL), Product("ERP"), by=REP, at=T0, deal_id="D-1"
    )
    for again in (pickle.loads(pickle.dumps(deal)), copy.deepcopy(deal), copy.copy(deal)):
        assert again == deal
        assert again.process is process
        assert again.stage is deal.stage
        lost = process.lose(again, by=REP, reason="no budget", at=T0)
        assert lost.stage is process.lost
