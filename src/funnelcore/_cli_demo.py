"""``funnelcore demo``: the seed stories end to end, on built-in data."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from funnelcore._actors import Customer, Marketing, SalesRep, System
from funnelcore._deal import ClosedDeal, Evidence, OpenDeal
from funnelcore._interactions import Communication, InteractionKind, SalesInteraction, classify
from funnelcore._leads import Predisposition, Product, ProductKind
from funnelcore._marketing import Audience, Campaign, MarketingMessage, Medium
from funnelcore._process import SalesProcess
from funnelcore._stages import Stage
from funnelcore.errors import MoveRejectedError

__all__ = ["register", "run_demo"]

_START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

# The built-in pipeline: (contact, predisposition, the furthest stage reached, and why the deal
# was lost there - None while it is open, or when the furthest stage is WON).
_PIPELINE: tuple[tuple[str, Predisposition, Stage, str | None], ...] = (
    ("Dana Ito, Initech", Predisposition.ENTHUSIASTIC, Stage.WON, None),
    ("Omar Haddad, Globex", Predisposition.WARM, Stage.WON, None),
    ("Lena Fischer, Umbrella", Predisposition.NEUTRAL, Stage.QUALIFYING, "no budget this year"),
    ("Raj Patel, Hooli", Predisposition.WARM, Stage.PROPOSAL, None),
    ("Mia Chen, Vandelay", Predisposition.COLD, Stage.OBJECTIONS, "chose a competitor"),
    ("Tom Okafor, Stark", Predisposition.ENTHUSIASTIC, Stage.CLOSING, None),
    ("Ana Silva, Wayne", Predisposition.NEUTRAL, Stage.QUALIFYING, None),
    ("Ivo Novak, Tyrell", Predisposition.WARM, Stage.NEEDS_ANALYSIS, None),
    ("Eva Berg, Cyberdyne", Predisposition.COLD, Stage.LEAD, None),
    ("Kai Müller, Soylent", Predisposition.WARM, Stage.PROSPECTING, "went silent"),
)

_FULL = Evidence(
    permission=True,
    able_to_buy=True,
    likely_to_buy=True,
    compelling_reasons=("month-end close takes nine days",),
    objections_handled=True,
)


def register(subparsers: Any) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser(
        "demo", help="run the seed stories end to end on built-in data (the main job)"
    )
    parser.set_defaults(handler=_run)


def _run(_: argparse.Namespace) -> int:
    run_demo(print)
    return 0


def run_demo(say: Callable[[str], None]) -> None:
    """Tell the seed stories end to end, one line at a time through ``say``."""
    process = SalesProcess.complex()
    brand = Marketing("Demand generation")
    rep = SalesRep("Sam Rivera")
    erp = Product("Ledgerline ERP", kind=ProductKind.COMPLEX, price=48_000)

    say("funnelcore demo: marketing produces leads, sales closes deals")
    say("")
    say("1. Marketing broadcasts one message to one large audience (seed 000)")
    cfos = Audience("CFOs of mid-size firms", size=40_000, hot_buttons=("slow month-end close",))
    email = MarketingMessage("Close your books in one day", audience=cfos, medium=Medium.EMAIL)
    webinar = MarketingMessage("Live: a one-day close", audience=cfos, medium=Medium.EVENTS)
    campaign = Campaign("One-day close, Q1", [email, webinar], cost=18_000)
    say(
        f"   campaign {campaign.name!r}: {len(campaign.messages)} messages "
        f"to {cfos.size:,} {cfos.name}"
    )
    leads = [campaign.inquiry(contact, predisposition=mood) for contact, mood, _, _ in _PIPELINE]
    say(f"   it produced {len(leads)} leads - however warm, each one is still a lead:")
    for lead in leads[:3]:
        opened = process.open_deal(lead, erp, by=brand, at=_START)
        say(
            f"     {lead.contact:<24} {lead.predisposition.value:<13} -> stage {opened.stage.value}"
        )
    say("")

    say("2. Marketing or sales? classify() by the seed-000 definition")
    call = SalesInteraction(InteractionKind.CALL, rep, ["Dana Ito"])
    post = Communication(250_000, two_way=True)
    for label, item in (
        ("the campaign email", email),
        ("a discovery call, one-on-one", call),
        ("a social post with replies", post),
    ):
        say(f"   {label:<30} -> {classify(item).value}")
    say("")

    say("3. A sales rep walks one deal through all seven steps (seed 000)")
    deal = process.open_deal(leads[0], erp, by=brand, at=_START, value=48_000)
    at = _START
    for stage in process.path_to(Stage.CLOSING)[1:]:
        at += timedelta(days=3)
        deal = process.advance(deal, stage, by=rep, at=at, evidence=_FULL)
        move = process.move_between(deal.history[-2].stage, stage)
        assert move is not None
        say(f"   {move.name:<16} -> {stage.value}")

    say("")
    say("4. Marketing tries to close the deal itself, and is refused (seed 003)")
    try:
        process.win(deal, by=brand, at=at + timedelta(days=1), evidence=_FULL)  # type: ignore[arg-type]
    except MoveRejectedError as error:
        say(f"   {type(error).__name__}: {error}")
    say(f"   the deal is unchanged, still at {deal.stage.value}")
    won = process.win(deal, by=rep, at=at + timedelta(days=2), evidence=_FULL)
    say(f"   {rep.name} closes it: {won.stage.value}, credited to {won.credited_to}")
    say("")

    say("5. A commodity ordered directly from a sales letter's order form (seed 002)")
    simple = SalesProcess.simple()
    letter = MarketingMessage(
        "The Month-End Handbook: order today",
        audience=Audience("Finance newsletter readers", size=12_000),
        medium=Medium.DIRECT_MAIL,
    )
    book = Product("The Month-End Handbook", kind=ProductKind.COMMODITY, price=39)
    buyer = Customer("Pat Lee")
    order = simple.open_deal(letter.inquiry("Pat Lee"), book, by=buyer, at=_START, value=39)
    sold = simple.win(order, by=buyer, at=_START + timedelta(hours=1))
    say(f"   the letter is {classify(letter).value}; {buyer.name} orders without a sales rep")
    say(
        f"   {sold.stage.value} by {type(sold.closed_by).__name__}, credited to the marketing: "
        f"{getattr(sold.credited_to, 'text', sold.credited_to)!r}"
    )
    say("")

    say("6. The pipeline at a glance")
    final = [
        _drive(process, lead, erp, furthest, lost_because, brand, rep)
        for lead, (_, _, furthest, lost_because) in zip(leads, _PIPELINE, strict=True)
    ]
    counts = Counter(d.stage for d in final)
    reached = Counter(change.stage for d in final for change in d.history)
    say(f"   {'stage':<16}{'now':>5}{'reached':>9}")
    for stage in process.stages:
        say(f"   {stage.value:<16}{counts.get(stage, 0):>5}{reached.get(stage, 0):>9}")
    closed = [d for d in final if isinstance(d, ClosedDeal)]
    wins = sum(1 for d in closed if d.is_won)
    say(f"   win rate (won / closed): {wins}/{len(closed)} = {wins / len(closed):.0%}")
    weighted = sum(d.value * (process.probability(d.stage) or 0.0) for d in final if d.is_open)
    say(f"   weighted open pipeline: {weighted:,.0f}")


def _drive(
    process: SalesProcess[Stage],
    lead: Any,
    product: Product,
    furthest: Stage,
    lost_because: str | None,
    brand: Marketing,
    rep: SalesRep,
) -> OpenDeal[Stage] | ClosedDeal[Stage]:
    """Open a deal for ``lead``, move it to ``furthest`` the legal way, and lose it if told why."""
    from funnelcore.testing import walk

    opened = process.open_deal(lead, product, by=brand, at=_START, value=48_000)
    deal: OpenDeal[Stage] | ClosedDeal[Stage] = walk(
        process, opened, furthest, by=rep, step=timedelta(days=2), evidence=_FULL
    )
    if lost_because is not None and isinstance(deal, OpenDeal):
        # A deal that went silent is closed by the stale-deal sweep, not by a person.
        closer = System("stale-deal sweep") if lost_because == "went silent" else rep
        at = deal.last_change.at + timedelta(days=1)
        return process.lose(deal, by=closer, reason=lost_because, at=at)
    return deal
