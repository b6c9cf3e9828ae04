"""Marketing records: audiences, media, marketing messages and campaigns.

Seed 000: "I think of marketing as an endeavor in which single messages are broadcasted to a single,
large group." A marketing message is one-way and produces leads (inquiries), never deals.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, ClassVar, cast, final

import attrs

from funnelcore._leads import Lead, LeadSource, Predisposition
from funnelcore._validation import (
    finite_non_negative,
    non_empty_text,
    text_tuple,
    texts,
)
from funnelcore.errors import InvalidRecordError

__all__ = ["Audience", "Campaign", "MarketingMessage", "Medium"]


def _positive_size(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRecordError(
            "Audience", attribute.name, f"must be a whole number >= 1, got {value!r}"
        )


@final
@attrs.frozen(weakref_slot=False)
class Audience:
    """A named group of people who share aggregate "hot buttons".

    Seed 000: "Marketers are successful when they understand the aggregate hot buttons of a target
    audience".

    Attributes:
        name: what the group is called, e.g. ``"IT directors, mid-size firms"``.
        size: how many people the message reaches.
        hot_buttons: the concerns the group shares.
    """

    name: str = attrs.field(validator=non_empty_text("Audience"))
    size: int = attrs.field(validator=_positive_size)
    hot_buttons: tuple[str, ...] = attrs.field(
        default=(), converter=text_tuple, validator=texts("Audience")
    )


class Medium(str, enum.Enum):
    """The channel a marketing message travels through.

    Seed 004: "advertising, direct mail, telemarketing, and the Internet to name a few"; seed 000
    adds PR, branding and social media. An interactive medium (social, web) does not make a message
    sales: "if it is a message going to a group, it is marketing" (seed 000).
    """

    ADVERTISING = "advertising"
    DIRECT_MAIL = "direct_mail"
    EMAIL = "email"
    SOCIAL = "social"
    WEB = "web"
    PR = "pr"
    TELEMARKETING = "telemarketing"
    EVENTS = "events"

    @property
    def is_interactive(self) -> bool:
        """Whether the audience can answer on the medium itself (social media, the web)."""
        return self in (Medium.SOCIAL, Medium.WEB)

    def __str__(self) -> str:
        return self.value


@final
@attrs.frozen(weakref_slot=False)
class MarketingMessage:
    """One focused message sent in bulk to one audience through one medium; one-way.

    Seed 000: "the basic 'unit of currency' is a focused message going out in bulk to a group."
    Seed 002: "Most marketing is very one sided." A response to it is a lead, nothing more
    (see :meth:`inquiry`).

    >>> ad = MarketingMessage("Cut your month-end close to one day",
    ...     audience=Audience("CFOs", size=40_000), medium=Medium.ADVERTISING)
    >>> ad.inquiry("Dana at Initech").source
    <LeadSource.MARKETING_RESPONSE: 'marketing_response'>
    """

    text: str = attrs.field(validator=non_empty_text("MarketingMessage"))
    audience: Audience = attrs.field(validator=attrs.validators.instance_of(Audience))
    medium: Medium = attrs.field(validator=attrs.validators.instance_of(Medium))

    #: A marketing message never carries an answer back: seed 002, "no back and forth".
    is_two_way: ClassVar[bool] = False

    def inquiry(
        self,
        contact: str,
        *,
        predisposition: Predisposition = Predisposition.NEUTRAL,
        campaign: Campaign | None = None,
    ) -> Lead:
        """Record someone's response to this message: a lead, whatever their predisposition.

        Seed 000: "as soon as the person called, we had a lead ... regardless of their
        pre-disposition."
        """
        return Lead(
            contact,
            source=LeadSource.MARKETING_RESPONSE,
            predisposition=predisposition,
            message=self,
            campaign=campaign,
        )


def _message_tuple(
    messages: MarketingMessage | Iterable[MarketingMessage],
) -> tuple[MarketingMessage, ...]:
    """A lone message is one message; anything not iterable is left for the validator."""
    if isinstance(messages, MarketingMessage):
        return (messages,)
    if isinstance(messages, Iterable) and not isinstance(messages, str):
        return tuple(messages)
    return cast("tuple[MarketingMessage, ...]", messages)


def _check_messages(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple) or not value:
        raise InvalidRecordError(
            "Campaign", attribute.name, f"must be one or more MarketingMessage, got {value!r}"
        )
    items = cast("tuple[object, ...]", value)
    strangers = [type(item).__name__ for item in items if not isinstance(item, MarketingMessage)]
    if strangers:
        raise InvalidRecordError(
            "Campaign",
            attribute.name,
            f"must be MarketingMessage records, got {', '.join(sorted(set(strangers)))}",
        )


@final
@attrs.frozen(weakref_slot=False)
class Campaign:
    """A marketing initiative: a group of messages with a cost, one item of a portfolio.

    Seed 001: "The best marketing programs have numerous initiatives ... some will be winners, some
    will swim sideways and some will lose." Campaigns are compared by the leads and wins they
    produce against what they cost.

    Attributes:
        name: the campaign's name, unique within a portfolio.
        messages: the messages it sends: at least one, ``MarketingMessage`` records (a lone
            message is one).
        cost: what it cost, in the deal currency.
    """

    name: str = attrs.field(validator=non_empty_text("Campaign"))
    messages: tuple[MarketingMessage, ...] = attrs.field(
        converter=_message_tuple, validator=_check_messages
    )
    cost: float = attrs.field(default=0.0, validator=finite_non_negative("Campaign"))

    def inquiry(
        self,
        contact: str,
        *,
        predisposition: Predisposition = Predisposition.NEUTRAL,
        message: MarketingMessage | None = None,
    ) -> Lead:
        """Record a response to this campaign (to ``message``, by default its first): a lead."""
        chosen = self.messages[0] if message is None else message
        if chosen not in self.messages:
            raise InvalidRecordError(
                "Lead", "message", f"is not one of campaign {self.name!r}'s messages"
            )
        return chosen.inquiry(contact, predisposition=predisposition, campaign=self)
