"""The concrete stories of the seeds, told with funnelcore."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from funnelcore import (
    Activity,
    ActorNotAllowedError,
    Audience,
    Campaign,
    Customer,
    InteractionKind,
    Marketing,
    MarketingMessage,
    Medium,
    Predisposition,
    Product,
    ProductKind,
    SalesInteraction,
    SalesProcess,
    SalesRep,
    Stage,
    classify,
)
from funnelcore.testing import FULL_EVIDENCE, walk

T0 = datetime(2026, 4, 1, 10, 0, tzinfo=timezone.utc)


def test_the_marketing_made_phone_call_is_still_a_lead() -> None:
    """Seed 000: the caller "totally turned on by your product" is a lead, nothing more.

    No prospecting, qualifying or anything after it has happened, and marketing cannot move them on.
    """
    process = SalesProcess.complex()
    ad = MarketingMessage(
        "Mastering your sales process",
        audience=Audience("Sales managers", size=80_000),
        medium=Medium.ADVERTISING,
    )
    caller = ad.inquiry("Pat, sales manager at Acme", predisposition=Predisposition.ENTHUSIASTIC)
    deal = process.open_deal(caller, Product("Sales training"), by=Marketing("PR team"), at=T0)
    assert deal.stage is Stage.LEAD
    assert [c.stage for c in deal.history] == [Stage.LEAD]
    with pytest.raises(ActorNotAllowedError):
        process.advance(deal, Stage.PROSPECTING, by=Marketing("PR team"), at=T0)  # type: ignore[arg-type]
    # The call itself is a sales conversation: two-way, one-on-one.
    call = SalesInteraction(InteractionKind.CALL, SalesRep("Sam"), ["Pat"], at=T0, deal_id=deal.id)
    assert classify(call) is Activity.SALES
    # Only the sales work takes the lead further, one step at a time.
    prospecting = process.advance(deal, Stage.PROSPECTING, by=SalesRep("Sam"), at=T0)
    assert prospecting.stage is Stage.PROSPECTING


def test_the_sales_letter_with_an_order_form_is_marketing() -> None:
    """Seed 002: a sales letter with an order form is "still a marketing activity".

    The customer fills it in "without ever contacting a sales rep"; the order is credited to the
    letter's campaign (invariant I9).
    """
    letter = MarketingMessage(
        "The Month-End Handbook: order today",
        audience=Audience("Newsletter readers", size=12_000),
        medium=Medium.DIRECT_MAIL,
    )
    campaign = Campaign("Spring mailing", [letter], cost=2_400)
    assert classify(letter) is Activity.MARKETING
    simple = SalesProcess.simple()
    buyer = Customer("Lee")
    book = Product("The Month-End Handbook", kind=ProductKind.COMMODITY, price=39)
    order = simple.open_deal(campaign.inquiry("Lee"), book, by=buyer, at=T0, value=39)
    won = simple.win(order, by=buyer, at=T0 + timedelta(minutes=5))
    assert won.is_won
    assert won.closed_by == buyer
    assert won.credited_to == campaign
    assert (
        len(won.history) == 2
    )  # no sales steps: "there is no need to go through all of the steps"


def test_a_significant_b2b_sale_closes_only_through_a_sales_person() -> None:
    """Seed 003: the final stages "can only be made with and through a person; a sales person".

    Not marketing, and not a point-and-click order by the customer.
    """
    process = SalesProcess.complex()
    rep = SalesRep("Sam")
    deal = process.open_deal(
        Campaign(
            "ABM",
            [MarketingMessage("Hi", audience=Audience("CIOs", size=900), medium=Medium.EMAIL)],
        ).inquiry("Dana"),
        Product("Data platform", kind=ProductKind.COMPLEX, price=250_000),
        by=Marketing("ABM team"),
        at=T0,
    )
    closing = walk(process, deal, Stage.CLOSING, by=rep)
    for not_a_rep in (Marketing("ABM team"), Customer("Dana")):
        with pytest.raises(ActorNotAllowedError):
            process.win(closing, by=not_a_rep, evidence=FULL_EVIDENCE)  # type: ignore[arg-type]
    won = process.win(closing, by=rep, evidence=FULL_EVIDENCE)
    assert won.credited_to == rep


def test_the_commodity_caller_needs_none_of_the_steps() -> None:
    """Seed 000: "hey, I read about your stuff - please send some to me" - no need for the steps."""
    simple = SalesProcess.simple()
    toy = Product("Toy robot", kind=ProductKind.COMMODITY, price=25)
    web = MarketingMessage(
        "Robots!", audience=Audience("Parents", size=1_000_000), medium=Medium.WEB
    )
    deal = simple.open_deal(web.inquiry("Jo"), toy, by=Customer("Jo"), at=T0)
    assert simple.win(deal, by=Customer("Jo"), at=T0).credited_to == web
    # A customer-service rep taking the order is a sales win (seed 004).
    assert simple.win(deal, by=SalesRep("Desk"), at=T0).credited_to == SalesRep("Desk")
