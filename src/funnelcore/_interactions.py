"""Sales interactions and the rule that tells marketing from sales.

Seed 000: marketing is "single messages ... broadcasted to a single, large group"; sales is
"persuasive communication, executed one-on-one or in a relatively small group". Seed 002: "Most
marketing is very one sided ... Sales on the other hand, is much more interactive."
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, ClassVar, Final, final

import attrs

from funnelcore._actors import SalesRep
from funnelcore._marketing import MarketingMessage
from funnelcore._validation import text_tuple
from funnelcore.errors import InvalidArgumentError, InvalidRecordError

__all__ = [
    "DEFAULT_SMALL_GROUP_LIMIT",
    "Activity",
    "Communication",
    "InteractionKind",
    "SalesInteraction",
    "classify",
]

#: The largest group a conversation can have and still be "a relatively small group" (seed 000).
#: Pass ``small_group_limit=`` to :class:`SalesInteraction` or :func:`classify` to use your own.
DEFAULT_SMALL_GROUP_LIMIT: Final = 12


class InteractionKind(str, enum.Enum):
    """The forms a two-way sales contact takes.

    Seed 002: "Calls, emails or even letters ... a face to face meeting"; seed 001: "product
    demonstrations".
    """

    CALL = "call"
    EMAIL = "email"
    LETTER = "letter"
    MEETING = "meeting"
    DEMO = "demo"
    PRESENTATION = "presentation"

    def __str__(self) -> str:
        return self.value


class Activity(str, enum.Enum):
    """What a communication is, by the seed-000 definitions."""

    MARKETING = "marketing"
    SALES = "sales"
    #: Two-way and small but not persuasive (a support call): by seed 000 neither one.
    NEITHER = "neither"

    def __str__(self) -> str:
        return self.value


def _check_limit(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRecordError("SalesInteraction", attribute.name, f"must be >= 1, got {value!r}")


def _check_participants(
    interaction: SalesInteraction, attribute: attrs.Attribute[Any], value: tuple[str, ...]
) -> None:
    # attrs validates in field order; the limit this check relies on must be sound first.
    _check_limit(
        interaction, attrs.fields(SalesInteraction).small_group_limit, interaction.small_group_limit
    )
    if not value:
        raise InvalidRecordError(
            "SalesInteraction", attribute.name, "a sales interaction needs someone to talk with"
        )
    if any(not isinstance(p, str) or not p.strip() for p in value):
        raise InvalidRecordError(
            "SalesInteraction", attribute.name, "participants are non-empty names"
        )
    if len(value) > interaction.small_group_limit:
        raise InvalidRecordError(
            "SalesInteraction",
            attribute.name,
            f"{len(value)} participants exceed the small-group limit of "
            f"{interaction.small_group_limit}; a message to a group is marketing (seed 000)",
        )


@final
@attrs.frozen(weakref_slot=False)
class SalesInteraction:
    """A persuasive, two-way contact between a sales rep and one or a few people.

    Seed 000: sales is "executed one-on-one or in a relatively small group"; seed 004: "asking
    probing question and listening, presenting information, properly handling objections".

    Attributes:
        kind: call, email, letter, meeting, demo or presentation.
        rep: the sales rep who holds the conversation.
        participants: the people on the other side (1 to ``small_group_limit``).
        at: when it happened.
        deal_id: the deal it belongs to, if any.
        small_group_limit: the largest group still counted as sales.
    """

    kind: InteractionKind = attrs.field(validator=attrs.validators.instance_of(InteractionKind))
    rep: SalesRep = attrs.field(validator=attrs.validators.instance_of(SalesRep))
    participants: tuple[str, ...] = attrs.field(converter=text_tuple, validator=_check_participants)
    at: datetime | None = attrs.field(default=None, kw_only=True)
    deal_id: str | None = attrs.field(default=None, kw_only=True)
    small_group_limit: int = attrs.field(
        default=DEFAULT_SMALL_GROUP_LIMIT, kw_only=True, validator=_check_limit
    )

    #: A sales interaction always goes both ways (seed 002).
    is_two_way: ClassVar[bool] = True


def _check_audience_size(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRecordError("Communication", attribute.name, f"must be >= 1, got {value!r}")


@final
@attrs.frozen(weakref_slot=False)
class Communication:
    """Any communication described by its shape, for :func:`classify`.

    Attributes:
        audience_size: how many people receive it.
        two_way: whether the recipients answer and are answered.
        persuasive: whether it seeks to persuade toward buying.
    """

    audience_size: int = attrs.field(validator=_check_audience_size)
    two_way: bool = attrs.field(kw_only=True)
    persuasive: bool = attrs.field(default=True, kw_only=True)


def classify(
    communication: MarketingMessage | SalesInteraction | Communication,
    *,
    small_group_limit: int = DEFAULT_SMALL_GROUP_LIMIT,
) -> Activity:
    """Tell marketing from sales by the seed-000 definitions.

    Seed 000: "even there, if it is a message going to a group, it is marketing"; sales is
    "persuasive communication, executed one-on-one or in a relatively small group". Seed 002: a
    sales letter with an order form, filled in "without ever contacting a sales rep", is marketing.

    So: a one-way communication, or one that goes to more than ``small_group_limit`` people (even on
    an interactive medium), is marketing; a persuasive two-way one within the limit is sales.

    >>> classify(Communication(250_000, two_way=True))  # a social media post with replies
    <Activity.MARKETING: 'marketing'>
    >>> classify(Communication(3, two_way=True))  # a meeting with a buying committee
    <Activity.SALES: 'sales'>
    """
    if isinstance(communication, MarketingMessage):
        return Activity.MARKETING
    if isinstance(communication, SalesInteraction):
        return Activity.SALES
    if not isinstance(communication, Communication):
        raise InvalidArgumentError(
            f"classify() takes a MarketingMessage, SalesInteraction or Communication, "
            f"not {type(communication).__name__}"
        )
    if not communication.two_way or communication.audience_size > small_group_limit:
        return Activity.MARKETING
    return Activity.SALES if communication.persuasive else Activity.NEITHER
