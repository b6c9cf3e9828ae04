"""Every hypothesis strategy the tests share, one section per area."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from funnelcore import (
    Actor,
    Audience,
    Campaign,
    Customer,
    Evidence,
    Lead,
    LeadSource,
    Marketing,
    MarketingMessage,
    Medium,
    Predisposition,
    Product,
    ProductKind,
    SalesRep,
    Stage,
    System,
)

# -- core: records and actors --------------------------------------------------------------------

names = st.text(
    alphabet=st.characters(categories=("L", "N"), max_codepoint=0x17F), min_size=1, max_size=12
)

marketing_actors = names.map(Marketing)
sales_reps = names.map(SalesRep)
customers = names.map(Customer)
systems = names.map(System)
actors: st.SearchStrategy[Actor] = st.one_of(marketing_actors, sales_reps, customers, systems)

audiences = st.builds(
    Audience, name=names, size=st.integers(1, 10_000_000), hot_buttons=st.lists(names, max_size=3)
)
marketing_messages = st.builds(
    MarketingMessage, text=names, audience=audiences, medium=st.sampled_from(Medium)
)
campaigns = st.builds(
    Campaign,
    name=names,
    messages=st.lists(marketing_messages, min_size=1, max_size=3),
    cost=st.floats(0, 1e7, allow_nan=False),
)
predispositions = st.sampled_from(Predisposition)


@st.composite
def marketing_leads(draw: st.DrawFn) -> Lead:
    """A lead that answered a campaign, at any predisposition."""
    campaign = draw(campaigns)
    message = draw(st.sampled_from(campaign.messages))
    return campaign.inquiry(draw(names), predisposition=draw(predispositions), message=message)


other_leads = st.builds(
    Lead,
    contact=names,
    source=st.sampled_from([s for s in LeadSource if s is not LeadSource.MARKETING_RESPONSE]),
    predisposition=predispositions,
)
leads = st.one_of(marketing_leads(), other_leads)
products = st.builds(Product, name=names, kind=st.sampled_from(ProductKind))
complex_products = st.builds(Product, name=names, kind=st.just(ProductKind.COMPLEX))
commodities = st.builds(Product, name=names, kind=st.just(ProductKind.COMMODITY))

evidence = st.builds(
    Evidence,
    permission=st.booleans(),
    able_to_buy=st.booleans(),
    likely_to_buy=st.booleans(),
    compelling_reasons=st.lists(st.sampled_from(["", "cost", "risk"]), max_size=2),
    objections_handled=st.booleans(),
)

stages = st.sampled_from(Stage)
open_stages = st.sampled_from([s for s in Stage if s not in (Stage.WON, Stage.LOST)])

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
steps = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30))
