"""Who performs a move: marketing, a sales rep, the customer, or the system.

Actors are nominal classes so that a type checker can tell them apart: a function that closes a
deal takes a ``SalesRep``, and passing ``Marketing`` (or a ``Campaign``) is a type error before it
is a runtime error.
"""

from __future__ import annotations

import enum
from typing import ClassVar, Final, TypeAlias, final

import attrs

from funnelcore._validation import non_empty_text

__all__ = [
    "Actor",
    "Customer",
    "Marketing",
    "Role",
    "SalesRep",
    "System",
    "actor_types_of",
    "describe_actor",
    "role_of",
]


class Role(str, enum.Enum):
    """The role an actor plays in the funnel; processes grant moves to roles."""

    MARKETING = "marketing"
    SALES = "sales"
    CUSTOMER = "customer"
    SYSTEM = "system"

    def __str__(self) -> str:
        return self.value


@final
@attrs.frozen(weakref_slot=False)
class Marketing:
    """Marketing: broadcasts messages to audiences and produces leads, never closes.

    Seed 000: "Once the lead is generated, then all of the 'sales stuff' needs to happen ... This
    work - the sales process - is typically NOT the job of marketing."
    """

    name: str = attrs.field(validator=non_empty_text("Marketing"))
    role: ClassVar[Role] = Role.MARKETING


@final
@attrs.frozen(weakref_slot=False)
class SalesRep:
    """A sales person: the one actor who moves a complex deal through the process and closes it.

    Seed 003: "the final stages of a purchase can only be made with and through a person; a sales
    person."
    """

    name: str = attrs.field(validator=non_empty_text("SalesRep"))
    role: ClassVar[Role] = Role.SALES


@final
@attrs.frozen(weakref_slot=False)
class Customer:
    """The buyer, acting on their own: an order form, a web store, a storefront order.

    Seed 002: a customer who fills in the order form of a sales letter "without ever contacting a
    sales rep" performs the close of a simple sale.
    """

    name: str = attrs.field(validator=non_empty_text("Customer"))
    role: ClassVar[Role] = Role.CUSTOMER


@final
@attrs.frozen(weakref_slot=False)
class System:
    """Automation: imports, timeouts, housekeeping (for example closing stale deals as lost)."""

    name: str = attrs.field(default="system", validator=non_empty_text("System"))
    role: ClassVar[Role] = Role.SYSTEM


#: Any actor. A union of nominal classes, so signatures can name exactly the roles they accept.
Actor: TypeAlias = Marketing | SalesRep | Customer | System

_ROLE_BY_TYPE: Final[dict[type, Role]] = {
    Marketing: Role.MARKETING,
    SalesRep: Role.SALES,
    Customer: Role.CUSTOMER,
    System: Role.SYSTEM,
}


def actor_types_of(roles: frozenset[Role]) -> tuple[type, ...]:
    """The actor classes that play one of ``roles``."""
    return tuple(cls for cls, role in _ROLE_BY_TYPE.items() if role in roles)


def role_of(actor: object) -> Role | None:
    """Return the role of ``actor``, or ``None`` if it is not an actor at all (a campaign, say)."""
    return _ROLE_BY_TYPE.get(type(actor))


def describe_actor(actor: object) -> str:
    """Describe an actor (or a non-actor passed where an actor belongs) for an error message."""
    if type(actor) in _ROLE_BY_TYPE:
        return repr(actor)
    return f"{type(actor).__name__} (not an actor)"
