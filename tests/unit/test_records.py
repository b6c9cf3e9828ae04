"""Records validate their fields with funnelcore's own error, and classify() follows seed 000."""

from __future__ import annotations

import re
from typing import Any

import attrs
import pytest

from funnelcore import (
    Activity,
    Audience,
    Campaign,
    Communication,
    Customer,
    Evidence,
    InteractionKind,
    InvalidArgumentError,
    InvalidRecordError,
    Lead,
    LeadSource,
    Marketing,
    MarketingMessage,
    Medium,
    Predisposition,
    Product,
    ProductKind,
    SalesInteraction,
    SalesRep,
    System,
    classify,
)

CFOS = Audience("CFOs", size=40_000)
AD = MarketingMessage("Close in a day", audience=CFOS, medium=Medium.ADVERTISING)


@pytest.mark.parametrize(
    ("build", "record", "field"),
    [
        (lambda: Audience("", size=10), "Audience", "name"),
        (lambda: Audience("CFOs", size=0), "Audience", "size"),
        (lambda: Audience("CFOs", size=True), "Audience", "size"),
        (
            lambda: MarketingMessage("  ", audience=CFOS, medium=Medium.EMAIL),
            "MarketingMessage",
            "text",
        ),
        (lambda: Campaign("Q1", []), "Campaign", "messages"),
        (lambda: Campaign("Q1", "Close in a day"), "Campaign", "messages"),  # type: ignore[arg-type]
        (lambda: Campaign("Q1", ["Close in a day"]), "Campaign", "messages"),  # type: ignore[list-item]
        (
            lambda: Lead("Ada", source=LeadSource.MARKETING_RESPONSE, campaign="Q1"),  # type: ignore[arg-type]
            "Lead",
            "campaign",
        ),
        (
            lambda: Lead("Ada", source=LeadSource.MARKETING_RESPONSE, message="Close"),  # type: ignore[arg-type]
            "Lead",
            "message",
        ),
        (lambda: Campaign("Q1", [AD], cost=-1), "Campaign", "cost"),
        (lambda: Campaign("Q1", [AD], cost=float("nan")), "Campaign", "cost"),
        (lambda: Lead("", source=LeadSource.REFERRAL), "Lead", "contact"),
        (lambda: Lead("Ada", source=LeadSource.MARKETING_RESPONSE), "Lead", "source"),
        (lambda: Product("ERP", price=-5), "Product", "price"),
        (lambda: SalesRep(""), "SalesRep", "name"),
        (lambda: Marketing(" "), "Marketing", "name"),
        (lambda: Customer(""), "Customer", "name"),
        (lambda: System(""), "System", "name"),
        (
            lambda: SalesInteraction(InteractionKind.CALL, SalesRep("Sam"), []),
            "SalesInteraction",
            "participants",
        ),
        (
            lambda: SalesInteraction(
                InteractionKind.CALL, SalesRep("Sam"), ["Ada"], small_group_limit=0
            ),
            "SalesInteraction",
            "small_group_limit",
        ),
        (lambda: Communication(0, two_way=True), "Communication", "audience_size"),
    ],
)
def test_invalid_records_are_refused_with_the_field_named(
    build: Any, record: str, field: str
) -> None:
    with pytest.raises(InvalidRecordError) as caught:
        build()
    assert (caught.value.record, caught.value.field) == (record, field)
    assert isinstance(caught.value, ValueError)


def test_records_are_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        AD.text = "other"  # type: ignore[misc]


def test_a_response_to_a_message_is_a_marketing_lead_that_remembers_its_origin() -> None:
    campaign = Campaign("Q1", [AD], cost=5_000)
    lead = campaign.inquiry("Ada", predisposition=Predisposition.ENTHUSIASTIC)
    assert lead.source is LeadSource.MARKETING_RESPONSE
    assert lead.is_marketing_generated
    assert (lead.message, lead.campaign) == (AD, campaign)
    assert lead.credited_marketing == campaign
    assert AD.inquiry("Bo").credited_marketing == AD
    assert Lead("Cy", source=LeadSource.REFERRAL).credited_marketing is None


def test_a_campaign_only_answers_for_its_own_messages() -> None:
    other = MarketingMessage("Other", audience=CFOS, medium=Medium.PR)
    with pytest.raises(InvalidRecordError, match="not one of campaign"):
        Campaign("Q1", [AD]).inquiry("Ada", message=other)
    # Built directly, a lead may not credit a campaign with a message it never sent either.
    with pytest.raises(InvalidRecordError, match=r"Lead\.message: is not one of campaign 'Q1'"):
        Lead(
            "Ada", source=LeadSource.MARKETING_RESPONSE, message=other, campaign=Campaign("Q1", AD)
        )


def test_a_campaign_of_one_message_may_be_given_the_message() -> None:
    assert Campaign("Q1", AD).messages == (AD,)


def test_a_marketing_message_is_one_way_and_a_sales_interaction_two_way() -> None:
    """Seed 002: "Most marketing is very one sided ... Sales ... is much more interactive"."""
    assert MarketingMessage.is_two_way is False
    assert SalesInteraction.is_two_way is True


def test_a_group_larger_than_the_small_group_limit_is_not_a_sales_interaction() -> None:
    people = [f"person {i}" for i in range(13)]
    with pytest.raises(InvalidRecordError, match="a message to a group is marketing"):
        SalesInteraction(InteractionKind.PRESENTATION, SalesRep("Sam"), people)
    assert (
        len(
            SalesInteraction(
                InteractionKind.PRESENTATION, SalesRep("Sam"), people, small_group_limit=20
            ).participants
        )
        == 13
    )


@pytest.mark.parametrize(
    ("communication", "limit", "expected"),
    [
        (Communication(1, two_way=False), 12, Activity.MARKETING),  # a sales letter to one reader
        (Communication(500_000, two_way=True), 12, Activity.MARKETING),  # social media with replies
        (Communication(1, two_way=True), 12, Activity.SALES),  # one-on-one
        (Communication(12, two_way=True), 12, Activity.SALES),  # a small group
        (Communication(13, two_way=True), 12, Activity.MARKETING),
        (Communication(13, two_way=True), 20, Activity.SALES),
        (Communication(2, two_way=True, persuasive=False), 12, Activity.NEITHER),
    ],
)
def test_classify_follows_the_seed_000_definitions(
    communication: Communication, limit: int, expected: Activity
) -> None:
    assert classify(communication, small_group_limit=limit) is expected


def test_classify_refuses_what_is_not_a_communication() -> None:
    with pytest.raises(InvalidArgumentError, match="not str"):
        classify("a tweet")  # type: ignore[arg-type]


def test_interactive_media_are_known() -> None:
    assert Medium.SOCIAL.is_interactive
    assert not Medium.DIRECT_MAIL.is_interactive


def test_products_default_to_complex() -> None:
    assert Product("ERP").kind is ProductKind.COMPLEX
    assert Product("Book", kind=ProductKind.COMMODITY).is_commodity


def test_evidence_takes_a_single_reason_as_one_reason() -> None:
    assert Evidence(compelling_reasons="audit").compelling_reasons == ("audit",)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"permission": "false"}, "Evidence.permission: must be True or False, got 'false'"),
        ({"able_to_buy": 1}, "Evidence.able_to_buy: must be True or False, got 1"),
        ({"likely_to_buy": None}, "Evidence.likely_to_buy: must be True or False, got None"),
        ({"objections_handled": "yes"}, "Evidence.objections_handled: must be True or False"),
        ({"compelling_reasons": None}, "Evidence.compelling_reasons: must be texts, got None"),
        ({"compelling_reasons": ["audit", 5]}, "must be texts, got ('audit', 5)"),
    ],
)
def test_evidence_refuses_what_a_guard_would_misread(fields: dict[str, Any], message: str) -> None:
    """A guard reads a flag by its truth value: the text "false" would give permission."""
    with pytest.raises(InvalidRecordError, match=re.escape(message)):
        Evidence(**fields)


def test_an_audiences_hot_buttons_are_texts() -> None:
    assert Audience("CFOs", size=10, hot_buttons="cost").hot_buttons == ("cost",)  # type: ignore[arg-type]
    with pytest.raises(InvalidRecordError, match=r"Audience\.hot_buttons: must be texts"):
        Audience("CFOs", size=10, hot_buttons=[1])  # type: ignore[list-item]
