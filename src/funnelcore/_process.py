"""Sales processes: definition, validation at definition time, and the moves of a deal.

A :class:`SalesProcess` is defined once and shared by every deal that follows it. It is checked
when it is defined (every problem reported at once) and it enforces its rules on every move: the
move must be an edge of the process, the actor's role must be granted that move, the guard must be
satisfied, and the deal must still be open. A rejected move raises a :class:`MoveRejectedError`
subclass and changes nothing (invariant I6).
"""

from __future__ import annotations

import enum
import itertools
from collections import deque
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Final, Generic, SupportsIndex, TypeVar, cast, final

import attrs

from funnelcore._actors import Actor, Customer, Role, SalesRep, System, describe_actor, role_of
from funnelcore._deal import (
    ClosedDeal,
    Deal,
    Evidence,
    OpenDeal,
    S,
    StageChange,
    _set_changes,
    _set_facts,
    _set_history,
    _set_stage,
    open_deal_record,
)
from funnelcore._engine import CompiledMove, Engine
from funnelcore._leads import Lead, Product, ProductKind
from funnelcore._stages import ForecastCategory, Stage
from funnelcore._validation import is_amount
from funnelcore.errors import (
    ActorNotAllowedError,
    FunnelError,
    GuardFailedError,
    IllegalMoveError,
    InvalidArgumentError,
    InvalidHistoryError,
    MoveRejectedError,
    OutOfOrderError,
    ProcessDefinitionError,
    TerminalStageError,
    UnknownStageError,
    WrongProcessError,
)

__all__ = ["Guard", "Move", "SalesProcess", "StageSetting"]

_ALL_ROLES: Final = frozenset(Role)
#: A method-level stage type, for the constructors (S is the class's own).
T = TypeVar("T", bound=enum.Enum)
N = TypeVar("N", bound=Hashable)  # a node of a graph
_new = object.__new__
_NO_EVIDENCE: Final = Evidence()


@final
@attrs.frozen(weakref_slot=False)
class Guard:
    """A condition a move must meet, checked against the deal and the evidence given with the move.

    Attributes:
        name: a short name, used in errors (``"permission"``).
        check: returns ``True`` when the move may happen.
        explanation: what is missing when the check fails, with its source.
    """

    name: str
    check: Callable[[Deal[Any], Evidence], bool] = attrs.field(eq=False)
    explanation: str


def _role_set(roles: Iterable[Role]) -> frozenset[Role]:
    return frozenset(roles)


def _guard_tuple(guards: Iterable[Guard]) -> tuple[Guard, ...]:
    return tuple(guards)


@final
@attrs.frozen(weakref_slot=False)
class Move(Generic[S]):
    """One move a process allows: from ``source`` to ``target``, granted to the roles in ``by``.

    Attributes:
        name: the move's verb in the domain's words (``"qualify"``); a Python identifier.
        source: the stage the deal must be in.
        target: the stage it enters.
        by: the roles that may make the move. Marketing may never be among them (invariant I1).
        guards: conditions the move must meet.
    """

    name: str
    source: S
    target: S
    by: frozenset[Role] = attrs.field(converter=_role_set)
    guards: tuple[Guard, ...] = attrs.field(default=(), converter=_guard_tuple)


@final
@attrs.frozen(weakref_slot=False)
class StageSetting:
    """What a stage carries for forecasting: a default win probability and a forecast category."""

    probability: float | None = None
    forecast: ForecastCategory | None = None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _spellings(stages: Iterable[S]) -> dict[str, S]:
    """Every lowercase text that names a stage.

    Its value and its member name, and each of them with spaces or hyphens for its underscores
    (``needs analysis``, ``needs-analysis``). The exact values and names come first, so a
    spelling that could mean two stages means the one whose value or name it is.
    """
    named = [
        (spellings_of(base), stage) for stage in stages for base in (str(stage.value), stage.name)
    ]
    table: dict[str, S] = {}
    for keys, stage in named:
        table.setdefault(keys[0], stage)
    for keys, stage in named:
        for key in keys[1:]:
            table.setdefault(key, stage)
    return table


def spellings_of(name: str) -> tuple[str, ...]:
    """The lowercase texts that spell ``name``: itself, then with spaces or hyphens for ``_``."""
    key = name.strip().lower()
    return (key, key.replace("_", " "), key.replace("_", "-"))


def check_process(process: object) -> None:
    """Raise :class:`InvalidArgumentError` for what is not a :class:`SalesProcess`.

    For the functions that take a process beside a log (the audit, the log readers, the metrics,
    the CRM import): a preset's name given instead would fail later, unnamed.
    """
    if not isinstance(process, SalesProcess):
        raise InvalidArgumentError(f"expected a SalesProcess, got {type(process).__name__}")


def stage_spellings(process: SalesProcess[S]) -> Mapping[str, S]:
    """The lowercase texts :meth:`SalesProcess.stage` accepts for each stage (for log readers)."""
    return process._spellings


@final
class SalesProcess(Generic[S]):
    """A sales process: its stages, its moves and who may make them, enforced on every deal.

    Build one with :meth:`define` (your own stages), :meth:`complex` (the seven-step process of seed
    000) or :meth:`simple` (a commodity ordered directly). Move deals with :meth:`open_deal`,
    :meth:`advance`, :meth:`win` and :meth:`lose`; each returns a new deal and leaves the old one
    as it was.

    A process is immutable and shared by its deals: copying a deal keeps its process. A deal of a
    preset (``complex``, ``simple``, ``crm``) pickles bound to that preset, in any interpreter; a
    deal of any other process pickles with a copy of it, whose moves (``deal.process``) take it.

    >>> from funnelcore import SalesProcess, SalesRep, Stage
    >>> process = SalesProcess.complex()
    >>> process.next_stages(Stage.OBJECTIONS)
    (<Stage.PROPOSAL: 'proposal'>, <Stage.CLOSING: 'closing'>, <Stage.LOST: 'lost'>)
    """

    __slots__ = (
        "_counter",
        "_engine",
        "_moves_from",
        "_settings",
        "_spellings",
        "_table",
        "entry",
        "lost",
        "moves",
        "name",
        "open_by",
        "stages",
        "won",
    )

    name: str
    stages: tuple[S, ...]
    entry: S
    won: S
    lost: S
    moves: tuple[Move[S], ...]
    open_by: frozenset[Role]
    _settings: dict[S, StageSetting]
    _engine: Engine[S]
    _table: Mapping[tuple[S, S], CompiledMove[S]]
    _moves_from: dict[S, tuple[S, ...]]
    _spellings: dict[str, S]
    _counter: Iterator[int]

    def __init__(self) -> None:
        raise TypeError("use SalesProcess.define(), .complex(), .simple() or .from_mapping()")

    # A process is immutable and shared by all its deals: a copy of a deal keeps its process,
    # so the process's moves still accept it (a copied process would refuse it: WrongProcess).
    def __copy__(self) -> SalesProcess[S]:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> SalesProcess[S]:
        return self

    def __reduce_ex__(self, protocol: SupportsIndex) -> str | tuple[Any, ...]:
        # A preset is one shared instance: pickled by its name, a deal comes back bound to it
        # (in another interpreter too). Any other process is pickled by value.
        from funnelcore._presets import PRESETS, preset

        if self.name in PRESETS and preset(self.name) is self:
            return (preset, (self.name,))
        return super().__reduce_ex__(protocol)

    # -- definition ---------------------------------------------------------------------------

    @staticmethod
    def define(
        name: str,
        *,
        stages: type[T] | Iterable[T],
        entry: T,
        won: T,
        lost: T,
        moves: Iterable[Move[T]],
        lose_by: Iterable[Role] = (Role.SALES, Role.SYSTEM),
        open_by: Iterable[Role] = _ALL_ROLES,
        settings: Mapping[T, StageSetting] | None = None,
    ) -> SalesProcess[T]:
        """Define a process and check it, reporting every problem at once.

        A move to ``lost`` named ``lose`` is added from every open stage for the roles in
        ``lose_by`` (a deal can be lost at any open stage). The checks: every stage named is one of
        ``stages``; every stage is reachable from ``entry``; nothing leaves ``won`` or ``lost``;
        ``won`` can be reached from every open stage; no move is granted to marketing ("Marketing
        produces leads, never closes"); move names are identifiers; probabilities lie in [0, 1].

        Raises:
            ProcessDefinitionError: listing every problem found.
        """
        stage_tuple = tuple(stages)
        move_list = list(moves)
        lose_roles = frozenset(lose_by)
        open_roles = frozenset(open_by)
        setting_map = dict(settings or {})
        problems = check_definition(
            stage_tuple, entry, won, lost, move_list, lose_roles, open_roles, setting_map
        )
        if not isinstance(name, str) or not name.strip():
            problems.insert(0, f"the process name must be non-empty text, got {name!r}")
        if problems:
            raise ProcessDefinitionError(name, problems)
        all_moves: list[Move[T]] = list(move_list)
        if lose_roles:
            all_moves.extend(
                Move("lose", stage, lost, lose_roles)
                for stage in stage_tuple
                if stage not in (won, lost)
            )
        self = cast("SalesProcess[T]", object.__new__(SalesProcess))
        self.name = name
        self.stages = stage_tuple
        self.entry = entry
        self.won = won
        self.lost = lost
        self.moves = tuple(all_moves)
        self.open_by = open_roles
        self._settings = setting_map
        self._engine = Engine(stage_tuple, entry, all_moves)
        self._table = self._engine.table
        moves_from: dict[T, list[T]] = {stage: [] for stage in stage_tuple}
        for move in all_moves:
            moves_from[move.source].append(move.target)
        self._moves_from = {stage: tuple(targets) for stage, targets in moves_from.items()}
        self._spellings = _spellings(stage_tuple)
        self._counter = itertools.count(1)
        return self

    @classmethod
    def complex(cls) -> SalesProcess[Stage]:
        """The default seven-step process of a complex sale (seed 000); one shared instance.

        LEAD → PROSPECTING → QUALIFYING → NEEDS_ANALYSIS → PROPOSAL → OBJECTIONS → CLOSING → WON,
        with OBJECTIONS → PROPOSAL for a revised proposal and LOST from any open stage. Every move
        is a sales rep's; the system may also lose a deal. Guards: permission before QUALIFYING,
        able and likely to buy before NEEDS_ANALYSIS, compelling reasons before PROPOSAL,
        objections handled before WON.
        """
        from funnelcore._presets import complex_process

        return complex_process()

    @classmethod
    def simple(cls) -> SalesProcess[Stage]:
        """The process of a simple (commodity) sale: LEAD → WON by the customer's own order.

        Seed 000: a caller who says "please send some to me" needs none of the steps. Seed 004: a
        storefront, web site or customer service rep "takes the order". The win is credited to the
        marketing that produced the lead (seed 002, invariant I9).
        """
        from funnelcore._presets import simple_process

        return simple_process()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SalesProcess[Any]:
        """Define a process from plain data (parsed TOML or JSON); stages are given by name.

        See :doc:`/how-to/custom-process` for the format. Every problem (unknown stage, role or
        guard names, and every check of :meth:`define`) is reported at once.

        Raises:
            ProcessDefinitionError: listing every problem found.
        """
        from funnelcore._process_file import process_from_mapping

        return process_from_mapping(data)

    @classmethod
    def load(cls, path: str | Any) -> SalesProcess[Any]:
        """Load a process definition from a ``.toml`` or ``.json`` file (see ``from_mapping``)."""
        from funnelcore._process_file import load_process

        return load_process(path)

    # -- reading the definition ----------------------------------------------------------------

    @property
    def open_stages(self) -> tuple[S, ...]:
        """The stages a deal can still move from (all but WON and LOST)."""
        return tuple(s for s in self.stages if s is not self.won and s is not self.lost)

    def is_terminal(self, stage: S) -> bool:
        """Whether ``stage`` is WON or LOST.

        Raises:
            UnknownStageError: when ``stage`` is not one of the process's stages.
        """
        if stage is self.won or stage is self.lost:
            return True
        self._check_known(stage)
        return stage == self.won or stage == self.lost

    def _as_member(self, stage: Any) -> Any:
        """The stage member equal to ``stage`` (a member, or a str-valued member's value).

        Anything else comes back as it is, for the move's own checks to refuse.
        """
        if stage.__class__ is self.entry.__class__:  # a member already: the common case
            return stage
        for member in self.stages:
            if member == stage:
                return member
        return stage

    def _check_known(self, stage: object) -> None:
        # Members hash and compare as themselves (str-valued ones also as their value): a
        # stage the process lacks is said, never taken for "no", "none" or "empty".
        if stage not in self._moves_from:
            raise UnknownStageError(stage, self.name, (str(s.value) for s in self.stages))

    def stage(self, name: str) -> S:
        """The stage whose value or name is ``name``, in any case and with or without underscores.

        Spaces around ``name`` are ignored, and a space or a hyphen stands for an underscore. Seed
        000 writes the steps as "Leads, Prospecting, Qualifying, Needs Analysis, ...", as a CRM
        labels them: ``stage("Needs Analysis")`` is ``needs_analysis``. Every reader of an event
        log matches stage names this way (the audit, ``read_log``, the metrics).

        Raises:
            UnknownStageError: when the process has no such stage.
        """
        if isinstance(name, str):
            found = self._spellings.get(name.strip().lower())
            if found is not None:
                return found
        else:  # a member of the process's stage enum
            for stage in self.stages:
                if stage == name:
                    return stage
        raise UnknownStageError(name, self.name, (str(s.value) for s in self.stages))

    def next_stages(self, stage: S) -> tuple[S, ...]:
        """The stages a deal at ``stage`` may move to, in definition order.

        Raises:
            UnknownStageError: when ``stage`` is not one of the process's stages.
        """
        self._check_known(stage)
        return self._moves_from[stage]

    def move_between(self, source: S, target: S) -> Move[S] | None:
        """The move from ``source`` to ``target``, or ``None`` if the process has none.

        Raises:
            UnknownStageError: when ``source`` or ``target`` is not one of the process's stages
                (so an unknown stage is not taken for a missing move).
        """
        for end in (source, target):
            self._check_known(end)
        for move in self.moves:
            if move.source == source and move.target == target:
                return move
        return None

    def path_to(self, stage: S, *, start: S | None = None) -> tuple[S, ...]:
        """The shortest path of stages from ``start`` (default: the entry stage) to ``stage``.

        Both ends are included; an empty tuple means ``stage`` cannot be reached from ``start``.

        Raises:
            UnknownStageError: when ``stage`` or ``start`` is not one of the process's stages.
        """
        origin = self.entry if start is None else start
        for end in (stage, origin):
            self._check_known(end)
        previous: dict[S, S | None] = {origin: None}
        queue = deque([origin])
        while queue:
            current = queue.popleft()
            if current is stage:
                break
            for target in self._moves_from[current]:
                if target not in previous:
                    previous[target] = current
                    queue.append(target)
        if stage not in previous:
            return ()
        path: list[S] = []
        node: S | None = stage
        while node is not None:
            path.append(node)
            node = previous[node]
        return tuple(reversed(path))

    def setting(self, stage: S) -> StageSetting:
        """The forecast settings of ``stage`` (empty if none were given).

        Raises:
            UnknownStageError: when ``stage`` is not one of the process's stages.
        """
        found = self._settings.get(stage)
        if found is None:
            self._check_known(stage)
            return _EMPTY_SETTING
        return found

    def probability(self, stage: S) -> float | None:
        """The default win probability of a deal at ``stage``, if the process gives one.

        Raises:
            UnknownStageError: when ``stage`` is not one of the process's stages.
        """
        return self.setting(stage).probability

    def to_mermaid(self) -> str:
        """The process as a Mermaid state diagram.

        >>> print(SalesProcess.simple().to_mermaid())
        stateDiagram-v2
            [*] --> lead
            lead --> won: order
            lead --> lost: lose
            won --> [*]
            lost --> [*]
        """
        lines = ["stateDiagram-v2", f"    [*] --> {self.entry.value}"]
        lines.extend(
            f"    {move.source.value} --> {move.target.value}: {move.name}" for move in self.moves
        )
        lines.extend(f"    {terminal.value} --> [*]" for terminal in (self.won, self.lost))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<SalesProcess {self.name!r}: {' > '.join(str(s.value) for s in self.stages)}>"

    # -- moves ---------------------------------------------------------------------------------

    def open_deal(
        self,
        lead: Lead,
        product: Product,
        *,
        by: Actor,
        at: datetime | None = None,
        value: float = 0.0,
        deal_id: str | None = None,
    ) -> OpenDeal[S]:
        """Open a deal with ``lead`` for ``product``; it enters the process's entry stage.

        Invariant I2, seed 000: a marketing-generated contact "is still a lead, nothing more,
        regardless of their pre-disposition" - there is no way to open a deal past the entry stage.

        Raises:
            InvalidArgumentError: ``lead`` is not a :class:`Lead`, ``product`` not a
                :class:`Product`, ``at`` not a datetime (a deal records who and what it is
                about, and when), or ``deal_id`` is not text, is blank or has spaces around it.
            ActorNotAllowedError: when ``by`` may not open deals in this process.
            MoveRejectedError: when ``value`` is negative or not finite.
        """
        for name, given, kind in (("lead", lead, Lead), ("product", product, Product)):
            if not isinstance(given, kind):
                raise InvalidArgumentError(
                    f"{name} must be a {kind.__name__}, got {type(given).__name__}"
                )
        if at is not None and not isinstance(at, datetime):
            raise InvalidArgumentError(f"at must be a datetime, got {type(at).__name__}")
        if deal_id is not None and (
            not isinstance(deal_id, str) or not deal_id or deal_id != deal_id.strip()
        ):
            # An event log's reader strips ids (" D1" and "D1" are one deal there), so an id
            # with spaces around it would not come back from deals_to_log as it went out.
            raise InvalidArgumentError(
                f"deal_id must be text, not blank and without spaces around it, got {deal_id!r}"
            )
        identifier = f"{self.name}-{next(self._counter)}" if deal_id is None else deal_id
        role = role_of(by)
        if role not in self.open_by:
            raise ActorNotAllowedError(
                deal_id=identifier,
                stage="(none)",
                move="open",
                actor=describe_actor(by),
                reason=f"{self.name!r} lets {_roles(self.open_by)} open deals",
            )
        if not is_amount(value):
            raise MoveRejectedError(
                deal_id=identifier,
                stage="(none)",
                move="open",
                actor=describe_actor(by),
                reason=f"value must be a finite number >= 0, got {value!r}",
            )
        changes = (None, self.entry, by, _now() if at is None else at, None, None)
        result: OpenDeal[S] = open_deal_record(
            identifier, lead, product, self, float(value), changes
        )
        return result

    def advance(
        self,
        deal: OpenDeal[S],
        to: S,
        *,
        by: SalesRep | System,
        at: datetime | None = None,
        reason: str | None = None,
        evidence: Evidence | None = None,
    ) -> OpenDeal[S]:
        """Move an open deal to the open stage ``to``; use :meth:`win` or :meth:`lose` to close it.

        Raises:
            IllegalMoveError: the process has no move from the deal's stage to ``to`` (a skipped
                stage, say), or ``to`` is WON or LOST.
            ActorNotAllowedError: ``by``'s role is not granted the move.
            GuardFailedError: the evidence does not satisfy the move's guard.
            TerminalStageError: the deal is already closed.
            OutOfOrderError: ``at`` is earlier than the deal's last change.
            InvalidArgumentError: ``at`` is not a datetime, or ``evidence`` not an
                :class:`Evidence`.
        """
        # A stage's value (equal to a str-valued stage): the member it stands for, so that
        # "lost" is refused here as LOST is, and the deal records the member.
        to = self._as_member(to)
        if (to is self.won or to is self.lost) and type(deal) is OpenDeal:
            raise self._rejection(
                IllegalMoveError,
                deal,
                f"advance to {to.value.upper()}",
                by,
                "advance() moves between open stages; use win() or lose() to close a deal",
            )
        result: OpenDeal[S] = self._move(deal, to, by, at, reason, evidence, OpenDeal)
        return result

    def win(
        self,
        deal: OpenDeal[S],
        *,
        by: SalesRep | Customer,
        at: datetime | None = None,
        reason: str | None = None,
        evidence: Evidence | None = None,
    ) -> ClosedDeal[S]:
        """Close a deal as WON.

        Invariant I4, seed 003: "where a significant transaction is involved, the final stages of a
        purchase can only be made with and through a person; a sales person" - a complex product is
        won only by a :class:`SalesRep`. A commodity may be won by the customer's own order, and
        that win is credited to marketing (I9).

        Raises:
            ActorNotAllowedError: marketing (never allowed), or a non-rep winning a complex sale.
            IllegalMoveError, GuardFailedError, TerminalStageError, OutOfOrderError: as
                :meth:`advance`.
        """
        result: ClosedDeal[S] = self._move(deal, self.won, by, at, reason, evidence, ClosedDeal)
        return result

    def lose(
        self,
        deal: OpenDeal[S],
        *,
        by: SalesRep | Customer | System,
        reason: str,
        at: datetime | None = None,
    ) -> ClosedDeal[S]:
        """Close a deal as LOST, from any open stage, saying why.

        Raises:
            GuardFailedError: no reason was given.
            ActorNotAllowedError, TerminalStageError, OutOfOrderError: as :meth:`advance`.
        """
        result: ClosedDeal[S] = self._move(deal, self.lost, by, at, reason, None, ClosedDeal)
        return result

    def replay(
        self,
        history: Sequence[StageChange[S]],
        *,
        deal_id: str,
        lead: Lead,
        product: Product,
        value: float = 0.0,
    ) -> OpenDeal[S] | ClosedDeal[S]:
        """Rebuild a deal from its history, checking every change as if it were made now.

        Invariant I7: replaying a deal's history reproduces the deal. A history that is not a legal
        path - a forged WON without the path, a skipped stage, a change by a role not allowed, a
        change after WON or LOST - is refused.

        Raises:
            InvalidHistoryError: naming the index of the first illegal change and why.
        """
        if not history:
            raise InvalidHistoryError(
                deal_id=deal_id, index=0, reason="a history has at least the opening change"
            )
        first = history[0]
        if first.from_stage is not None or self._as_member(first.stage) is not self.entry:
            raise InvalidHistoryError(
                deal_id=deal_id,
                index=0,
                reason=f"a deal opens at {self.entry.value} from nothing, "
                f"not {_stage_text(first.from_stage)} -> {_stage_text(first.stage)}",
            )
        try:
            deal: Deal[S] = self.open_deal(
                lead, product, by=first.actor, at=first.at, value=value, deal_id=deal_id
            )
        except (MoveRejectedError, InvalidArgumentError) as error:
            raise InvalidHistoryError(deal_id=deal_id, index=0, reason=str(error)) from error
        for index, change in enumerate(history[1:], start=1):
            if self._as_member(change.from_stage) is not deal.stage:
                raise InvalidHistoryError(
                    deal_id=deal_id,
                    index=index,
                    reason=f"it leaves {_stage_text(change.from_stage)} but the deal is at "
                    f"{deal.stage.value}",
                )
            target = self._as_member(change.stage)
            closed = target is self.won or target is self.lost
            try:
                deal = self._move(
                    deal,
                    target,
                    change.actor,
                    change.at,
                    change.reason,
                    change.evidence,
                    ClosedDeal if closed else OpenDeal,
                )
            except (MoveRejectedError, InvalidArgumentError) as error:
                # A change holding the wrong kind of time or evidence is an unusable history too.
                raise InvalidHistoryError(
                    deal_id=deal_id, index=index, reason=str(error)
                ) from error
        assert isinstance(deal, (OpenDeal, ClosedDeal))
        return deal

    # -- internals -----------------------------------------------------------------------------

    def _move(
        self,
        deal: Deal[S],
        to: S,
        by: object,
        at: datetime | None,
        reason: str | None,
        evidence: Evidence | None,
        result_type: type[Deal[Any]],
    ) -> Any:
        # The hot path: one dict lookup and a handful of identity checks; failures branch out.
        # type() rather than isinstance(): OpenDeal is final, and this is the hottest line.
        if deal.__class__ is not OpenDeal or deal._facts.process is not self:
            raise self._closed_or_foreign(deal, to, by)
        stage = deal.stage
        move = self._table.get((stage, to))
        if move is None:
            raise self._illegal(deal, to, by)
        to = move.target  # the member, whatever equal value was given
        if type(by) not in move.actor_types:
            raise self._rejection(
                ActorNotAllowedError,
                deal,
                move.name,
                by,
                self._not_allowed_reason(move, role_of(by)),
            )
        if to is self.won and type(by) is not SalesRep and deal.product.kind is ProductKind.COMPLEX:
            raise self._rejection(
                ActorNotAllowedError,
                deal,
                move.name,
                by,
                "a complex sale is closed only by a sales rep (seed 003: the final stages of a "
                "significant purchase 'can only be made with and through ... a sales person')",
            )
        if evidence is not None and evidence.__class__ is not Evidence:
            # A guard reads the record's fields: a dict would fail inside it, unnamed.
            raise InvalidArgumentError(
                f"evidence must be an Evidence record, got {type(evidence).__name__}"
            )
        if at is not None and not isinstance(at, datetime):
            raise InvalidArgumentError(f"at must be a datetime, got {type(at).__name__}")
        if move.guards:
            shown = _NO_EVIDENCE if evidence is None else evidence
            for guard in move.guards:
                if not guard.check(deal, shown):
                    raise GuardFailedError(
                        deal_id=deal.id,
                        stage=str(stage.value),
                        move=move.name,
                        actor=describe_actor(by),
                        reason=guard.explanation,
                        guard=guard.name,
                    )
        if to is self.lost and not (isinstance(reason, str) and reason.strip()):
            raise GuardFailedError(
                deal_id=deal.id,
                stage=str(stage.value),
                move=move.name,
                actor=describe_actor(by),
                reason="a lost deal needs a reason",
                guard="reason",
            )
        changes = deal._changes
        if at is None:
            at = _now()
        else:
            last_at = changes[-3]
            try:
                earlier = at < last_at
            except TypeError as error:
                raise self._rejection(
                    OutOfOrderError,
                    deal,
                    move.name,
                    by,
                    f"cannot compare {at!r} with the last change: {error}",
                ) from error
            if earlier:
                raise self._rejection(
                    OutOfOrderError,
                    deal,
                    move.name,
                    by,
                    f"{at.isoformat()} is before the last change at {last_at.isoformat()}",
                )
        new = _new(result_type)
        _set_facts(new, deal._facts)
        _set_stage(new, to)
        # Concatenation, not (*changes, ...): it copies the tuple in one go, ~0.1 us faster.
        _set_changes(new, changes + (stage, to, by, at, reason, evidence))  # noqa: RUF005
        _set_history(new, None)
        return new

    def _rejection(
        self, error: type[MoveRejectedError], deal: Deal[Any], move: str, by: object, reason: str
    ) -> MoveRejectedError:
        return error(
            deal_id=deal.id,
            stage=str(deal.stage.value),
            move=move,
            actor=describe_actor(by),
            reason=reason,
        )

    def _closed_or_foreign(self, given: object, to: S, by: object) -> FunnelError:
        if not isinstance(given, Deal):
            return InvalidArgumentError(f"expected a deal, got {type(given).__name__}")
        deal: Deal[Any] = given  # pyright: ignore[reportUnknownVariableType]
        move = f"move to {to.value.upper()}"
        if deal.process is not self:
            return self._rejection(
                WrongProcessError,
                deal,
                move,
                by,
                f"the deal follows {deal.process.name!r}, not {self.name!r}",
            )
        return self._rejection(
            TerminalStageError,
            deal,
            move,
            by,
            f"the deal is {deal.stage.value.upper()}; nothing moves out of WON or LOST",
        )

    def _illegal(self, deal: Deal[S], to: object, by: object) -> MoveRejectedError:
        if to not in self._moves_from:
            reason = f"{to!r} is not a stage of process {self.name!r}"
            return self._rejection(IllegalMoveError, deal, f"move to {to}", by, reason)
        member = self._as_member(to)  # a str-valued stage's value: the member it stands for
        allowed = ", ".join(str(s.value) for s in self._moves_from[deal.stage])
        return self._rejection(
            IllegalMoveError,
            deal,
            f"move to {str(member.value).upper()}",
            by,
            f"no move from {deal.stage.value} to {member.value}; next stages are: {allowed}",
        )

    @staticmethod
    def _not_allowed_reason(move: CompiledMove[S], role: Role | None) -> str:
        if role is None:
            return "only a Marketing, SalesRep, Customer or System actor can make a move"
        if role is Role.MARKETING:
            return (
                "marketing produces leads, never closes; moving a deal is sales work "
                "(seed 000: 'the sales process - is typically NOT the job of marketing')"
            )
        return f"{move.name!r} is for {_roles(move.roles)}, not {role.value}"


_EMPTY_SETTING: Final = StageSetting()


def _roles(roles: Iterable[Role]) -> str:
    names = sorted(r.value for r in roles)
    return " or ".join(names) if names else "nobody"


def _stage_text(stage: enum.Enum | None) -> str:
    return "(nothing)" if stage is None else str(stage.value)


def check_definition(
    stages: tuple[S, ...],
    entry: S,
    won: S,
    lost: S,
    moves: list[Move[S]],
    lose_by: frozenset[Role],
    open_by: frozenset[Role],
    settings: dict[S, StageSetting],
) -> list[str]:
    """Every problem of a definition, as sentences; empty when the process is sound."""
    problems: list[str] = []
    known = set(stages)

    def name(stage: object) -> str:
        return str(stage.value) if isinstance(stage, enum.Enum) else repr(stage)

    if not stages:
        problems.append("the process has no stages")
    if any(not isinstance(s, enum.Enum) for s in stages):
        problems.append("stages must be members of an Enum")
    elif len({type(s) for s in stages}) > 1:
        problems.append("stages must all be members of one Enum")
    if len(known) != len(stages):
        problems.append("stage names must be unique")
    for role_name, stage in (("entry", entry), ("won", won), ("lost", lost)):
        if stage not in known:
            problems.append(f"unknown stage {name(stage)} given as the {role_name} stage")
    if won is lost:
        problems.append("the won and lost stages must differ")
    if entry is won or entry is lost:
        problems.append("the entry stage cannot be terminal")

    seen: dict[tuple[S, S], str] = {}
    for move in moves:
        label = f"move {move.name!r}"
        if not (isinstance(move.name, str) and move.name.isidentifier()):
            problems.append(f"{label}: a move's name must be a Python identifier")
        for end in (move.source, move.target):
            if end not in known:
                problems.append(f"{label}: unknown stage {name(end)}")
        if move.source is won or move.source is lost:
            problems.append(f"{label}: a way out of terminal stage {name(move.source)}")
        if move.target is lost:
            problems.append(
                f"{label}: moves to {name(lost)} are added from every open stage; use lose_by="
            )
        if not move.by:
            problems.append(f"{label}: no role may make it")
        if Role.MARKETING in move.by:
            problems.append(
                f"{label}: granted to marketing, but marketing produces leads, never closes"
            )
        if not all(isinstance(r, Role) for r in move.by):
            problems.append(f"{label}: roles must be Role members")
        if not all(isinstance(guard, Guard) for guard in move.guards):
            problems.append(f"{label}: guards must be Guard records, got {move.guards!r}")
        key = (move.source, move.target)
        if key in seen:
            problems.append(
                f"{label}: duplicates move {seen[key]!r} "
                f"from {name(move.source)} to {name(move.target)}"
            )
        seen[key] = move.name
    for roles_name, roles in (("lose_by", lose_by), ("open_by", open_by)):
        if not all(isinstance(role, Role) for role in roles):
            # A lone "sales" would be read as the roles 's', 'a', 'l' and 'e'.
            problems.append(f"{roles_name} must hold Role members, got {sorted(map(str, roles))}")
    if Role.MARKETING in lose_by:
        problems.append(
            "lose_by grants marketing a move, but marketing produces leads, never closes"
        )
    if not open_by:
        problems.append("open_by is empty: no one could open a deal")
    for stage, setting in settings.items():
        if stage not in known:
            problems.append(f"settings name unknown stage {name(stage)}")
        if not isinstance(setting, StageSetting):
            problems.append(f"the setting of {name(stage)} must be a StageSetting, got {setting!r}")
            continue
        probability = setting.probability
        if probability is not None and not (is_amount(probability) and probability <= 1.0):
            problems.append(f"probability of {name(stage)} must lie in [0, 1], got {probability!r}")
    if problems:
        # Reachability on a broken graph would only add noise.
        return problems

    forward: dict[S, set[S]] = {s: set() for s in stages}
    for move in moves:
        forward[move.source].add(move.target)
    lose_edges = {s: {lost} for s in stages if s not in (won, lost)} if lose_by else {}
    full = {s: forward[s] | lose_edges.get(s, set()) for s in stages}

    reached = reachable(entry, full)
    for stage in stages:
        if stage not in reached:
            problems.append(f"stage {name(stage)} is unreachable from {name(entry)}")
    for stage in stages:
        if stage in (won, lost) or stage not in reached:
            continue
        if won not in reachable(stage, forward):
            problems.append(f"open stage {name(stage)} has no way to {name(won)}")
    return problems


def reachable(start: N, graph: Mapping[N, Collection[N]]) -> set[N]:
    """``start`` and every node ``graph`` leads to from it (a node with no entry leads nowhere)."""
    seen = {start}
    queue = deque([start])
    while queue:
        for target in graph.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen
