"""From a campaign's lead to a won deal, and a commodity ordered directly.

Run: python examples/quickstart.py
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from funnelcore import (
    Audience,
    Campaign,
    Customer,
    Evidence,
    Marketing,
    MarketingMessage,
    Medium,
    MoveRejectedError,
    Predisposition,
    Product,
    ProductKind,
    SalesProcess,
    SalesRep,
    Stage,
)


def main() -> None:
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    cfos = Audience("CFOs of mid-size firms", size=40_000)
    email = MarketingMessage("Close your books in one day", audience=cfos, medium=Medium.EMAIL)
    campaign = Campaign("One-day close", [email], cost=18_000)
    lead = campaign.inquiry("Dana Ito", predisposition=Predisposition.ENTHUSIASTIC)

    process = SalesProcess.complex()
    deal = process.open_deal(lead, Product("ERP"), by=Marketing("Demand gen"), at=t0, value=48_000)
    print(f"{lead.contact} ({lead.predisposition}) opens at {deal.stage}")

    sam = SalesRep("Sam Rivera")
    evidence = Evidence(
        permission=True,
        able_to_buy=True,
        likely_to_buy=True,
        compelling_reasons=("month-end takes nine days",),
        objections_handled=True,
    )
    at = t0
    for stage in process.path_to(Stage.CLOSING)[1:]:
        at += timedelta(days=2)
        deal = process.advance(deal, stage, by=sam, at=at, evidence=evidence)
        print(f"  {sam.name} moves it to {stage}")

    try:
        process.win(deal, by=Marketing("Demand gen"), at=at, evidence=evidence)  # type: ignore[arg-type]
    except MoveRejectedError as error:
        print(f"  refused: {error.reason.split(';')[0]}")

    won = process.win(deal, by=sam, at=at + timedelta(days=1), evidence=evidence)
    print(f"{won.stage}, credited to {won.credited_to}, {len(won.history)} changes in its history")

    simple = SalesProcess.simple()
    buyer = Customer("Pat Lee")
    book = Product("Handbook", kind=ProductKind.COMMODITY, price=39)
    order = simple.open_deal(campaign.inquiry("Pat Lee"), book, by=buyer, at=t0, value=39)
    sold = simple.win(order, by=buyer, at=t0 + timedelta(minutes=3))
    print(f"{buyer.name} ordered directly: {sold.stage}, credited to campaign {campaign.name!r}")
    assert sold.credited_to == campaign


if __name__ == "__main__":
    main()
