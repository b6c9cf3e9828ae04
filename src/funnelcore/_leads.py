"""Leads and products: what a deal is made of."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, final

import attrs

from funnelcore._validation import finite_non_negative, non_empty_text
from funnelcore.errors import InvalidRecordError

if TYPE_CHECKING:
    from funnelcore._marketing import Campaign, MarketingMessage

__all__ = ["Lead", "LeadSource", "Predisposition", "Product", "ProductKind"]


class LeadSource(str, enum.Enum):
    """Where a lead came from.

    Seed 004: marketing creates "inquiries, or leads"; seed 001 adds referrals from the existing
    client base and sales' own outbound prospecting ("cold call follow up"); seed 004 adds the
    storefront or web site where the buyer starts on their own.
    """

    MARKETING_RESPONSE = "marketing_response"
    REFERRAL = "referral"
    OUTBOUND = "outbound"
    SELF_SERVE = "self_serve"

    def __str__(self) -> str:
        return self.value


class Predisposition(str, enum.Enum):
    """How warm a lead is toward the product. It never changes the lead's stage.

    Seed 000: "Perhaps a qualified lead, perhaps an enthusiastic lead, perhaps a lead inclined to
    take action - but ... just a lead."
    """

    COLD = "cold"
    NEUTRAL = "neutral"
    WARM = "warm"
    ENTHUSIASTIC = "enthusiastic"

    def __str__(self) -> str:
        return self.value


def _check_origin(lead: Lead, _: attrs.Attribute[Any], __: object) -> None:
    if (
        lead.source is LeadSource.MARKETING_RESPONSE
        and lead.message is None
        and lead.campaign is None
    ):
        raise InvalidRecordError(
            "Lead", "source", "a marketing response needs the message or campaign it answered"
        )


def _optional_record(field: str, kind: str) -> Callable[[Lead, Any, object], None]:
    """A validator: ``None`` or a record of the class named ``kind`` (imported late: a cycle)."""

    def check(_: Lead, __: attrs.Attribute[Any], value: object) -> None:
        from funnelcore import _marketing

        if value is not None and not isinstance(value, getattr(_marketing, kind)):
            raise InvalidRecordError(
                "Lead", field, f"must be a {kind} or None, got {type(value).__name__}"
            )

    return check


def _check_message_in_campaign(lead: Lead, _: attrs.Attribute[Any], __: object) -> None:
    # Campaign.inquiry checks this too; a Lead built directly must not credit a campaign with
    # a message it never sent.
    if (
        lead.message is not None
        and lead.campaign is not None
        and lead.message not in lead.campaign.messages
    ):
        raise InvalidRecordError(
            "Lead", "message", f"is not one of campaign {lead.campaign.name!r}'s messages"
        )


@final
@attrs.frozen(weakref_slot=False)
class Lead:
    """Someone who inquired and can be talked to about buying.

    Seed 000: "as soon as the person called, we had a lead - someone we could talk to about buying
    our product." Marketing responses keep the message and campaign they answered, so a direct
    order can be credited to them (seed 002).

    Attributes:
        contact: who inquired.
        source: where the lead came from.
        predisposition: how warm they are; recorded, never a stage.
        message: the marketing message answered, if any.
        campaign: the campaign that message belongs to, if any.
    """

    contact: str = attrs.field(validator=non_empty_text("Lead"))
    source: LeadSource = attrs.field(
        kw_only=True, validator=[attrs.validators.instance_of(LeadSource), _check_origin]
    )
    predisposition: Predisposition = attrs.field(
        default=Predisposition.NEUTRAL,
        kw_only=True,
        validator=attrs.validators.instance_of(Predisposition),
    )
    message: MarketingMessage | None = attrs.field(
        default=None, kw_only=True, validator=_optional_record("message", "MarketingMessage")
    )
    campaign: Campaign | None = attrs.field(
        default=None,
        kw_only=True,
        validator=[_optional_record("campaign", "Campaign"), _check_message_in_campaign],
    )

    @property
    def is_marketing_generated(self) -> bool:
        """Whether marketing produced this lead."""
        return self.source is LeadSource.MARKETING_RESPONSE

    @property
    def credited_marketing(self) -> Campaign | MarketingMessage | None:
        """The marketing a direct order from this lead is credited to: campaign, else message."""
        return self.campaign if self.campaign is not None else self.message


class ProductKind(str, enum.Enum):
    """Whether a product can be bought without a sales person.

    Seed 000: "a book, a boxed software product, a toy, or some other physically well defined
    commodity" needs no sales steps; "a complex sale" does.
    """

    COMMODITY = "commodity"
    COMPLEX = "complex"

    def __str__(self) -> str:
        return self.value


@final
@attrs.frozen(weakref_slot=False)
class Product:
    """What is sold.

    Attributes:
        name: the product's name.
        kind: commodity (may be ordered directly) or complex (needs the full process, closed by a
            sales rep: seed 003).
        price: list price, if it has one.
    """

    name: str = attrs.field(validator=non_empty_text("Product"))
    kind: ProductKind = attrs.field(
        default=ProductKind.COMPLEX,
        kw_only=True,
        validator=attrs.validators.instance_of(ProductKind),
    )
    price: float | None = attrs.field(
        default=None,
        kw_only=True,
        validator=attrs.validators.optional(finite_non_negative("Product")),
    )

    @property
    def is_commodity(self) -> bool:
        """Whether the buyer may order it directly."""
        return self.kind is ProductKind.COMMODITY
