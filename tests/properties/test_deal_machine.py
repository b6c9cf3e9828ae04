"""Stateful tests: many deals, many actors, random and deep moves; and engine agreement."""

from __future__ import annotations

import enum
import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from funnelcore import (
    ClosedDeal,
    Customer,
    Evidence,
    Marketing,
    Move,
    MoveRejectedError,
    OpenDeal,
    ProductKind,
    Role,
    SalesProcess,
    SalesRep,
    Stage,
    System,
)
from funnelcore.testing import walk
from tests import strategies as fs

PROCESSES = (SalesProcess.complex(), SalesProcess.simple())


class DealsUnderWay(RuleBasedStateMachine):
    """Deals opened, moved at random and walked deep, across both presets."""

    open_deals = Bundle("open_deals")

    def __init__(self) -> None:
        super().__init__()
        self.closed: list[ClosedDeal[Any]] = []
        self.everything: list[Any] = []
        self.rejections = 0

    @rule(
        target=open_deals,
        process=st.sampled_from(PROCESSES),
        lead=fs.leads,
        product=fs.products,
        who=fs.actors,
    )
    def open_a_deal(self, process: SalesProcess[Any], lead: Any, product: Any, who: Any) -> Any:
        deal = process.open_deal(lead, product, by=who, at=fs.START)
        self.everything.append(deal)
        return deal

    @rule(
        target=open_deals,
        deal=consumes(open_deals),
        to=fs.stages,
        who=fs.actors,
        proof=fs.evidence,
        wait=fs.steps,
    )
    def try_a_move(
        self, deal: OpenDeal[Any], to: Stage, who: Any, proof: Evidence, wait: Any
    ) -> Any:
        process = deal.process
        at = deal.last_change.at + wait
        try:
            if to is process.won:
                moved = process.win(deal, by=who, at=at, evidence=proof)
            elif to is process.lost:
                moved = process.lose(deal, by=who, at=at, reason="lost in a test")
            else:
                moved = process.advance(deal, to, by=who, at=at, evidence=proof)
        except MoveRejectedError:
            self.rejections += 1
            return deal
        assert moved.history[:-1] == deal.history
        assert moved.stage is to
        self.everything.append(moved)
        if isinstance(moved, ClosedDeal):
            self.closed.append(moved)
            return deal  # keep the bundle stocked with open deals
        return moved

    @rule(target=open_deals, deal=consumes(open_deals), to=fs.stages)
    def walk_deep(self, deal: OpenDeal[Any], to: Stage) -> Any:
        """Replay a shortest path: random moves alone rarely reach CLOSING."""
        process = deal.process
        if to not in process.stages or not process.path_to(to, start=deal.stage):
            return deal
        walked = walk(process, deal, to, by=SalesRep("Sam"))
        self.everything.append(walked)
        if isinstance(walked, ClosedDeal):
            self.closed.append(walked)
            return deal
        return walked

    @invariant()
    def every_deal_replays_to_itself(self) -> None:
        for deal in self.everything[-3:]:
            rebuilt = deal.process.replay(
                deal.history,
                deal_id=deal.id,
                lead=deal.lead,
                product=deal.product,
                value=deal.value,
            )
            assert rebuilt == deal

    @invariant()
    def closings_follow_the_rules(self) -> None:
        for deal in self.closed:
            assert deal.stage in (Stage.WON, Stage.LOST)
            assert not isinstance(deal.closed_by, Marketing)
            if deal.is_won and deal.product.kind is ProductKind.COMPLEX:
                assert isinstance(deal.closed_by, SalesRep)
            if deal.is_won and isinstance(deal.closed_by, Customer):
                assert deal.credited_to == deal.lead.credited_marketing


TestDealsUnderWay = DealsUnderWay.TestCase
TestDealsUnderWay.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)


class Cycle(str, enum.Enum):
    """Stages of a small custom process for the engine-agreement test."""

    NEW = "new"
    TALKING = "talking"
    TRIAL = "trial"
    WON = "won"
    LOST = "lost"


CUSTOM = SalesProcess.define(
    "trial",
    stages=Cycle,
    entry=Cycle.NEW,
    won=Cycle.WON,
    lost=Cycle.LOST,
    moves=[
        Move("talk", Cycle.NEW, Cycle.TALKING, {Role.SALES, Role.SYSTEM}),
        Move("start_trial", Cycle.TALKING, Cycle.TRIAL, {Role.SALES}),
        Move("back_to_talking", Cycle.TRIAL, Cycle.TALKING, {Role.SALES}),
        Move("buy", Cycle.TRIAL, Cycle.WON, {Role.SALES, Role.CUSTOMER}),
    ],
)

_EVERY_ACTOR = (Marketing("m"), SalesRep("s"), Customer("c"), System("x"), "not an actor")


@settings(max_examples=40, deadline=None)
@given(
    proof=fs.evidence,
    process=st.sampled_from([*PROCESSES, CUSTOM]),
    lead=fs.leads,
    product=fs.products,
)
def test_compiled_table_agrees_with_the_transitions_machine(
    proof: Evidence, process: SalesProcess[Any], lead: Any, product: Any
) -> None:
    """The hot path's table and the transitions machine it was compiled from agree on every move."""
    engine = process._engine
    deal = process.open_deal(lead, product, by=SalesRep("s"), at=fs.START)
    names = {move.name for move in process.moves} | {"no_such_move"}
    for source, name, by in itertools.product(process.stages, sorted(names), _EVERY_ACTOR):
        compiled = [
            move for (src, _), move in engine.table.items() if src is source and move.name == name
        ]
        try:
            through_machine = engine.fire_through_machine(
                name, source, deal=deal, by=by, evidence=proof
            )
        except LookupError:
            assert compiled == []
            continue
        assert len(compiled) == 1
        move = compiled[0]
        allowed = type(by) in move.actor_types and all(g.check(deal, proof) for g in move.guards)
        assert through_machine == (move.target if allowed else None)
