"""What a downstream application's type checker sees when it uses funnelcore."""

from __future__ import annotations

import enum

from typing_extensions import assert_never, assert_type

from funnelcore import (
    Audience,
    Campaign,
    ClosedDeal,
    Customer,
    Deal,
    Evidence,
    Lead,
    LeadSource,
    Marketing,
    MarketingMessage,
    Medium,
    Move,
    OpenDeal,
    Product,
    Role,
    SalesProcess,
    SalesRep,
    Stage,
    System,
)

process = SalesProcess.complex()
rep = SalesRep("Sam")
brand = Marketing("Brand")
lead = Lead("Ada", source=LeadSource.REFERRAL)
campaign = Campaign(
    "Q1", [MarketingMessage("Hi", audience=Audience("CFOs", size=10), medium=Medium.EMAIL)]
)

# -- correct use: what is inferred ---------------------------------------------------------------
assert_type(process, SalesProcess[Stage])
deal = process.open_deal(lead, Product("ERP"), by=brand)
assert_type(deal, OpenDeal[Stage])
moved = process.advance(deal, Stage.PROSPECTING, by=rep)
assert_type(moved, OpenDeal[Stage])
assert_type(moved.stage, Stage)
won = process.win(moved, by=rep, evidence=Evidence(objections_handled=True))
assert_type(won, ClosedDeal[Stage])
lost = process.lose(moved, by=System("sweep"), reason="stale")
assert_type(lost, ClosedDeal[Stage])
rebuilt = process.replay(won.history, deal_id=won.id, lead=lead, product=won.product)
assert_type(rebuilt, OpenDeal[Stage] | ClosedDeal[Stage])
assert_type(SalesProcess.simple().win(deal, by=Customer("Ada")), ClosedDeal[Stage])


class CrmStage(str, enum.Enum):
    PROSPECTING = "prospecting"
    ENGAGING = "engaging"
    WON = "won"
    LOST = "lost"


crm = SalesProcess.define(
    "crm",
    stages=CrmStage,
    entry=CrmStage.PROSPECTING,
    won=CrmStage.WON,
    lost=CrmStage.LOST,
    moves=[Move("engage", CrmStage.PROSPECTING, CrmStage.ENGAGING, {Role.SALES})],
)
assert_type(crm, SalesProcess[CrmStage])
crm_deal = crm.open_deal(lead, Product("GTX"), by=rep)
assert_type(crm.advance(crm_deal, CrmStage.ENGAGING, by=rep), OpenDeal[CrmStage])


def describe(stage: Stage) -> str:
    """An exhaustive match over Stage type-checks, with assert_never as the proof."""
    match stage:
        case Stage.LEAD | Stage.PROSPECTING | Stage.QUALIFYING:
            return "early"
        case Stage.NEEDS_ANALYSIS | Stage.PROPOSAL | Stage.OBJECTIONS | Stage.CLOSING:
            return "late"
        case Stage.WON | Stage.LOST:
            return "closed"
        case _:
            assert_never(stage)


def narrow(any_deal: Deal[Stage]) -> str:
    """An application narrows a deal it read back before moving it."""
    if isinstance(any_deal, OpenDeal):
        return process.advance(any_deal, Stage.PROSPECTING, by=rep).stage.value
    return "closed"


# -- misuse: every line below must be rejected ---------------------------------------------------

# A campaign, or a marketing actor, as the closer of a deal (invariant I1).
process.win(moved, by=brand)  # type: ignore[arg-type]
process.win(moved, by=campaign)  # type: ignore[arg-type]
process.advance(deal, Stage.PROSPECTING, by=brand)  # type: ignore[arg-type]
process.lose(moved, by=brand, reason="gave up")  # type: ignore[arg-type]
# The system may not win a deal.
process.win(moved, by=System("sweep"))  # type: ignore[arg-type]

# A misspelled stage.
process.advance(deal, Stage.QUALIFING, by=rep)  # type: ignore[attr-defined]
# A stage given as a string.
process.advance(deal, "qualifying", by=rep)  # type: ignore[arg-type]
# Another process's stage.
crm.advance(crm_deal, Stage.PROPOSAL, by=rep)  # type: ignore[arg-type]

# A move on a won or lost deal (invariant I5).
process.advance(won, Stage.PROPOSAL, by=rep)  # type: ignore[arg-type]
process.lose(lost, by=rep, reason="again")  # type: ignore[arg-type]
process.win(won, by=rep)  # type: ignore[arg-type]

# Losing a deal without saying why.
process.lose(moved, by=rep)  # type: ignore[call-arg]

# Deals and records are immutable.
moved.stage = Stage.WON  # type: ignore[misc]


def non_exhaustive(stage: Stage) -> str:
    """A match over Stage that forgets WON and LOST does not type-check."""
    match stage:
        case Stage.LEAD | Stage.PROSPECTING | Stage.QUALIFYING | Stage.NEEDS_ANALYSIS:
            return "early"
        case Stage.PROPOSAL | Stage.OBJECTIONS | Stage.CLOSING:
            return "late"
        case _:
            assert_never(stage)  # type: ignore[arg-type]
