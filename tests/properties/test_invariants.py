"""One property test per invariant of DESIGN.md §3, each named after it, with its seed sentence."""

from __future__ import annotations

import contextlib
import itertools
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from funnelcore import (
    Activity,
    ActorNotAllowedError,
    Campaign,
    ClosedDeal,
    Communication,
    Customer,
    InteractionKind,
    InvalidHistoryError,
    InvalidRecordError,
    Marketing,
    MarketingMessage,
    MoveRejectedError,
    OpenDeal,
    ProductKind,
    SalesInteraction,
    SalesProcess,
    SalesRep,
    Stage,
    StageChange,
    TerminalStageError,
    classify,
)
from funnelcore.testing import walk
from tests import strategies as fs

COMPLEX = SalesProcess.complex()
SIMPLE = SalesProcess.simple()


def attempt(process: SalesProcess[Any], deal: OpenDeal[Any], to: Stage, by: Any, **kw: Any) -> Any:
    """Try any move (even an ill-typed one) the way untyped callers could."""
    at = deal.last_change.at + timedelta(hours=1)
    if to is process.won:
        return process.win(deal, by=by, at=at, evidence=kw.get("evidence"))
    if to is process.lost:
        return process.lose(deal, by=by, at=at, reason=kw.get("reason", "no budget"))
    return process.advance(deal, to, by=by, at=at, evidence=kw.get("evidence"))


@st.composite
def deals_at_open_stages(draw: st.DrawFn, process: SalesProcess[Any] = COMPLEX) -> OpenDeal[Any]:
    """A deal of ``process`` walked legally to a random open stage."""
    deal = process.open_deal(draw(fs.leads), draw(fs.products), by=draw(fs.actors), at=fs.START)
    target = draw(st.sampled_from(process.open_stages))
    walked: OpenDeal[Any] = walk(process, deal, target, by=SalesRep("Sam"))
    return walked


@given(deal=deals_at_open_stages(), to=fs.stages, who=fs.marketing_actors, proof=fs.evidence)
def test_i1_marketing_produces_leads_never_closes(
    deal: OpenDeal[Any], to: Stage, who: Marketing, proof: Any
) -> None:
    """I1. Seed 000: the sales process "is typically NOT the job of marketing".

    Whatever stage an open deal is at, no move by a marketing actor succeeds.
    """
    with pytest.raises(MoveRejectedError):
        attempt(COMPLEX, deal, to, who, evidence=proof)


@given(lead=fs.marketing_leads(), product=fs.products, who=fs.actors)
def test_i2_a_lead_is_a_lead(lead: Any, product: Any, who: Any) -> None:
    """I2. Seed 000: "still a lead, nothing more, regardless of their pre-disposition".

    A marketing-generated contact opens at LEAD, whatever its predisposition and whoever opens it.
    """
    for process in (COMPLEX, SIMPLE):
        deal = process.open_deal(lead, product, by=who, at=fs.START)
        assert deal.stage is Stage.LEAD
        assert [c.stage for c in deal.history] == [Stage.LEAD]


@given(
    deal=deals_at_open_stages(),
    tries=st.lists(st.tuples(fs.stages, fs.actors, fs.evidence), max_size=12),
)
def test_i3_no_skipping_in_a_complex_sale(deal: OpenDeal[Any], tries: list[Any]) -> None:
    """I3. Seed 000: a lead has had no prospecting, qualifying, needs analysis, proposal or close.

    After any sequence of attempted moves, the history is a path of the process graph from LEAD.
    """
    current: Any = deal
    for to, who, proof in tries:
        if not isinstance(current, OpenDeal):
            break
        with contextlib.suppress(MoveRejectedError):
            current = attempt(COMPLEX, current, to, who, evidence=proof)
    history = current.history
    assert history[0].from_stage is None
    assert history[0].stage is Stage.LEAD
    for earlier, later in itertools.pairwise(history):
        assert later.from_stage is earlier.stage
        assert COMPLEX.move_between(earlier.stage, later.stage) is not None


@given(lead=fs.leads, product=fs.complex_products, buyer=fs.customers)
def test_i4_a_significant_sale_is_closed_only_by_a_sales_rep(
    lead: Any, product: Any, buyer: Customer
) -> None:
    """I4. Seed 003: the final stages "can only be made with and through a person; a sales person".

    Even in a process that lets the customer order, a complex product is not won by the customer.
    """
    deal = SIMPLE.open_deal(lead, product, by=buyer, at=fs.START)
    with pytest.raises(ActorNotAllowedError):
        SIMPLE.win(deal, by=buyer, at=fs.START)
    won = SIMPLE.win(deal, by=SalesRep("Sam"), at=fs.START)
    assert isinstance(won.closed_by, SalesRep)


@given(
    deal=deals_at_open_stages(),
    ending=st.sampled_from([Stage.WON, Stage.LOST]),
    to=fs.stages,
    who=fs.actors,
    proof=fs.evidence,
)
def test_i5_terminal_means_terminal(
    deal: OpenDeal[Any], ending: Stage, to: Stage, who: Any, proof: Any
) -> None:
    """I5. Nothing moves out of WON or LOST."""
    closed = walk(COMPLEX, deal, ending, by=SalesRep("Sam"))
    assert isinstance(closed, ClosedDeal)
    with pytest.raises(TerminalStageError):
        attempt(COMPLEX, closed, to, who, evidence=proof)


@given(deal=deals_at_open_stages(), to=fs.stages, who=fs.actors, proof=fs.evidence)
def test_i6_a_rejected_move_changes_nothing(
    deal: OpenDeal[Any], to: Stage, who: Any, proof: Any
) -> None:
    """I6. A rejected move changes nothing and raises a typed error that says why."""
    before_history = deal.history
    before = (deal.stage, deal.id, deal.value, before_history)
    rejected: MoveRejectedError | None = None
    try:
        attempt(COMPLEX, deal, to, who, evidence=proof)
    except MoveRejectedError as error:
        rejected = error
    assume(rejected is not None)
    assert rejected is not None
    assert (deal.stage, deal.id, deal.value, deal.history) == before
    assert rejected.deal_id == deal.id
    assert rejected.stage == deal.stage.value
    assert rejected.reason
    assert rejected.move
    assert rejected.actor
    assert deal.id in str(rejected)


@given(
    deal=deals_at_open_stages(),
    ending=st.sampled_from([None, Stage.WON, Stage.LOST]),
)
def test_i7_history_is_complete(deal: OpenDeal[Any], ending: Stage | None) -> None:
    """I7. Replaying a deal's history from its lead reproduces the deal."""
    final = deal if ending is None else walk(COMPLEX, deal, ending, by=SalesRep("Sam"))
    rebuilt = COMPLEX.replay(
        final.history, deal_id=final.id, lead=final.lead, product=final.product, value=final.value
    )
    assert rebuilt == final
    assert type(rebuilt) is type(final)


@given(deal=deals_at_open_stages(), cut=st.integers(min_value=1), who=fs.actors)
def test_i7_a_forged_history_is_refused(deal: OpenDeal[Any], cut: int, who: Any) -> None:
    """I7. A history that skips a stage (a forged WON without the path) is not replayable."""
    history = list(deal.history)
    last = history[-1]
    forged = StageChange(last.stage, Stage.WON, who, last.at + timedelta(days=1))
    assume(COMPLEX.move_between(last.stage, Stage.WON) is None)
    with pytest.raises(InvalidHistoryError) as caught:
        COMPLEX.replay([*history, forged], deal_id=deal.id, lead=deal.lead, product=deal.product)
    assert caught.value.index == len(history)
    # Dropping any middle change breaks the path too.
    if len(history) > 2:
        index = 1 + cut % (len(history) - 2)
        with pytest.raises(InvalidHistoryError):
            COMPLEX.replay(
                history[:index] + history[index + 1 :],
                deal_id=deal.id,
                lead=deal.lead,
                product=deal.product,
            )


@given(
    message=fs.marketing_messages,
    size=st.integers(1, 1_000_000),
    two_way=st.booleans(),
    persuasive=st.booleans(),
    limit=st.integers(1, 50),
    people=st.lists(fs.names, min_size=1, max_size=60),
)
def test_i8_marketing_is_one_to_many_and_one_way_sales_is_small_and_two_way(
    message: MarketingMessage,
    size: int,
    two_way: bool,
    persuasive: bool,
    limit: int,
    people: list[str],
) -> None:
    """I8. Seed 000: marketing is one message "broadcasted to a single, large group".

    Sales is "persuasive communication, executed one-on-one or in a relatively small group".
    """
    assert classify(message) is Activity.MARKETING
    verdict = classify(
        Communication(size, two_way=two_way, persuasive=persuasive), small_group_limit=limit
    )
    if not two_way or size > limit:
        assert verdict is Activity.MARKETING
    else:
        assert verdict is (Activity.SALES if persuasive else Activity.NEITHER)
    if len(people) <= limit:
        meeting = SalesInteraction(
            InteractionKind.MEETING, SalesRep("Sam"), people, small_group_limit=limit
        )
        assert classify(meeting) is Activity.SALES
    else:
        with pytest.raises(InvalidRecordError):
            SalesInteraction(
                InteractionKind.MEETING, SalesRep("Sam"), people, small_group_limit=limit
            )


@given(campaign=fs.campaigns, contact=fs.names, buyer=fs.customers, product=fs.commodities)
def test_i9_a_direct_order_is_credited_to_marketing_and_performed_by_the_buyer(
    campaign: Campaign, contact: str, buyer: Customer, product: Any
) -> None:
    """I9. Seed 002: an order form filled in "without ever contacting a sales rep" is marketing."""
    assert product.kind is ProductKind.COMMODITY
    deal = SIMPLE.open_deal(campaign.inquiry(contact), product, by=buyer, at=fs.START)
    won = SIMPLE.win(deal, by=buyer, at=fs.START)
    assert won.closed_by == buyer
    assert won.credited_to == campaign
