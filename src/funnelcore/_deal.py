"""Deals and their history: immutable records; a move returns a new deal.

A deal is the pursuit of a sale with one lead for one product. Its type says whether it can still
move: an :class:`OpenDeal` can; a :class:`ClosedDeal` (WON or LOST) cannot, and the moves of
:class:`~funnelcore.SalesProcess` accept only open deals, so a type checker rejects a move on a
closed deal (invariant I5) before it runs.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, final

import attrs

from funnelcore._actors import Actor, Role, SalesRep
from funnelcore._leads import Lead, Product
from funnelcore._validation import flag, text_tuple, texts

if TYPE_CHECKING:
    from funnelcore._marketing import Campaign, MarketingMessage
    from funnelcore._process import SalesProcess

__all__ = ["ClosedDeal", "Deal", "Evidence", "OpenDeal", "S", "StageChange"]

#: The stage type of a process: :class:`~funnelcore.Stage`, or a user's own enum for a custom one.
S = TypeVar("S", bound=enum.Enum)


@final
@attrs.frozen(weakref_slot=False, kw_only=True)
class Evidence:
    """What a sales rep learned that lets a deal pass a guarded move.

    Each field answers one guard of the default process (seed 000):

    Attributes:
        permission: "Prospecting, where we ask permission to discuss the needs of the client"
            (needed to enter QUALIFYING).
        able_to_buy: "Qualifying, where we find out if the person ... is both able to and likely
            to buy" (needed, with ``likely_to_buy``, to enter NEEDS_ANALYSIS).
        likely_to_buy: see ``able_to_buy``.
        compelling_reasons: "understand the compelling reasons for which a prospect will take
            action" (at least one is needed to enter PROPOSAL).
        objections_handled: seed 004, "properly handling objections and asking for the sale"
            (needed to close WON).

    Raises:
        InvalidRecordError: a flag that is not ``True`` or ``False`` (a guard reads it by its
            truth value, so the text ``"false"`` would pass), or reasons that are not texts.
    """

    permission: bool = attrs.field(default=False, validator=flag("Evidence"))
    able_to_buy: bool = attrs.field(default=False, validator=flag("Evidence"))
    likely_to_buy: bool = attrs.field(default=False, validator=flag("Evidence"))
    compelling_reasons: tuple[str, ...] = attrs.field(
        default=(), converter=text_tuple, validator=texts("Evidence")
    )
    objections_handled: bool = attrs.field(default=False, validator=flag("Evidence"))


@final
@attrs.frozen(weakref_slot=False)
class StageChange(Generic[S]):
    """One move of a deal: from which stage to which, by whom, when, and why.

    The first change of every history enters the process's entry stage from ``None``.

    Attributes:
        from_stage: the stage left, or ``None`` for the change that opened the deal.
        stage: the stage entered.
        actor: who made the move.
        at: when.
        reason: why (required when a deal is lost).
        evidence: what the move's guard was shown, if it has one.
    """

    from_stage: S | None
    stage: S
    actor: Actor
    at: datetime
    reason: str | None = None
    evidence: Evidence | None = None


@final
@attrs.frozen(weakref_slot=False)
class _DealFacts(Generic[S]):
    """What stays the same for every version of one deal; shared by all of them."""

    id: str
    lead: Lead
    product: Product
    process: SalesProcess[S] = attrs.field(eq=False)
    value: float

    def __eq__(self, other: object) -> bool:
        # The process compares by identity: the same definition loaded twice is two processes.
        if not isinstance(other, _DealFacts):
            return NotImplemented
        facts: _DealFacts[Any] = other  # pyright: ignore[reportUnknownVariableType]
        return (
            self.process is facts.process
            and self.id == facts.id
            and self.value == facts.value
            and self.lead == facts.lead
            and self.product == facts.product
        )

    def __hash__(self) -> int:
        return hash((self.id, self.lead, self.product, id(self.process), self.value))


#: How many items one change takes in a deal's flat change tuple (see ``Deal.history``).
CHANGE_WIDTH: Final = 6


@attrs.frozen(weakref_slot=False, init=False, repr=False)
class Deal(Generic[S]):
    """A deal: one lead, one product, its process, its current stage and its full history.

    Deals are made by :meth:`SalesProcess.open_deal` or rebuilt by :meth:`SalesProcess.replay`;
    there is no public constructor, so a deal can only exist at a stage its history legally reaches
    (invariant I7). Every deal is either an :class:`OpenDeal` or a :class:`ClosedDeal`. Two deals
    are equal when they are of the same class, process, lead, product, value and history.
    """

    # Storage is laid out for cheap moves (benchmarks/bench_moves.py): what never changes sits in
    # one record shared by every version of the deal, and the history is one flat tuple,
    # CHANGE_WIDTH items per change, turned into StageChange records when first asked for. A move
    # then fills four slots and allocates one tuple, and bulk moves leave the garbage collector
    # nothing to do.
    _facts: _DealFacts[S]
    stage: S
    _changes: tuple[Any, ...]
    _history: tuple[StageChange[S], ...] | None = attrs.field(eq=False)

    @property
    def id(self) -> str:
        """The deal's id, unique within its process."""
        return self._facts.id

    @property
    def lead(self) -> Lead:
        """Who the deal is with."""
        return self._facts.lead

    @property
    def product(self) -> Product:
        """What is being sold."""
        return self._facts.product

    @property
    def process(self) -> SalesProcess[S]:
        """The sales process the deal follows."""
        return self._facts.process

    @property
    def value(self) -> float:
        """The deal's value, in the deal currency."""
        return self._facts.value

    @property
    def history(self) -> tuple[StageChange[S], ...]:
        """Every change from the opening one on, oldest first."""
        history = self._history
        if history is None:
            flat = self._changes
            history = tuple(
                StageChange(*flat[i : i + CHANGE_WIDTH]) for i in range(0, len(flat), CHANGE_WIDTH)
            )
            _set_history(self, history)
        return history

    @property
    def opened_at(self) -> datetime:
        """When the deal entered its process."""
        at: datetime = self._changes[3]
        return at

    @property
    def last_change(self) -> StageChange[S]:
        """The most recent change."""
        return StageChange(*self._changes[-CHANGE_WIDTH:])

    @property
    def is_open(self) -> bool:
        """Whether the deal can still move (it is not WON or LOST)."""
        return type(self) is OpenDeal

    def __repr__(self) -> str:
        facts = self._facts
        return (
            f"{type(self).__name__}(id={facts.id!r}, stage={self.stage}, "
            f"lead={facts.lead.contact!r}, product={facts.product.name!r}, value={facts.value!r}, "
            f"process={facts.process.name!r}, changes={len(self._changes) // CHANGE_WIDTH})"
        )


@final
@attrs.frozen(weakref_slot=False, init=False, repr=False)
class OpenDeal(Deal[S]):
    """A deal in an open stage: it can be advanced, won or lost."""


@final
@attrs.frozen(weakref_slot=False, init=False, repr=False)
class ClosedDeal(Deal[S]):
    """A deal that ended WON or LOST; nothing moves it any more (invariant I5)."""

    @property
    def is_won(self) -> bool:
        """Whether the deal was won."""
        return self.stage is self.process.won

    @property
    def closed_by(self) -> Actor:
        """Who made the closing move."""
        actor: Actor = self._changes[-4]
        return actor

    @property
    def closed_at(self) -> datetime:
        """When the deal was closed."""
        at: datetime = self._changes[-3]
        return at

    @property
    def credited_to(self) -> SalesRep | Campaign | MarketingMessage | None:
        """Who the win is credited to; ``None`` for a lost deal.

        A sales rep's win is theirs. A direct order by the customer is credited to the marketing
        that produced the lead. Seed 002: a sales letter's order form filled in "without ever
        contacting a sales rep ... is still a marketing activity" (invariant I9).
        """
        if not self.is_won:
            return None
        closer = self.closed_by
        if closer.role is Role.SALES:
            assert isinstance(closer, SalesRep)
            return closer
        return self.lead.credited_marketing


_new = object.__new__
# Deals have no __init__ (there is no public constructor); moves fill the slots directly.
_set_facts = Deal.__dict__["_facts"].__set__
_set_stage = Deal.__dict__["stage"].__set__
_set_changes = Deal.__dict__["_changes"].__set__
_set_history = Deal.__dict__["_history"].__set__


def open_deal_record(
    deal_id: str,
    lead: Lead,
    product: Product,
    process: SalesProcess[Any],
    value: float,
    changes: tuple[Any, ...],
) -> Any:
    """Build the first version of a deal, an OpenDeal at its first change's stage (internal)."""
    deal: OpenDeal[Any] = _new(OpenDeal)  # pyright: ignore[reportUnknownVariableType]
    _set_facts(deal, _DealFacts(deal_id, lead, product, process, value))
    _set_stage(deal, changes[1])
    _set_changes(deal, changes)
    _set_history(deal, None)
    return deal
