"""The one module that touches ``transitions``: it builds a machine and compiles it into a table.

Each process definition gets one ``transitions.Machine`` (``model=None``, no auto transitions),
shared by every deal of the process; deals are never models of it. Guards and role checks are
attached to the machine's transitions as conditions. At definition time the machine's events are
compiled into a dict keyed by ``(source, target)``: the hot path of a move is one dict lookup plus
the same checks, about 4x cheaper than a trigger through a bound model (DESIGN.md §5).

:func:`fire_through_machine` runs a move through the machine itself; the tests use it to prove the
compiled table and the machine agree on every move.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from transitions import Machine
from transitions.core import EventData, MachineError

from funnelcore._actors import Role, actor_types_of, role_of

if TYPE_CHECKING:
    from funnelcore._deal import Evidence
    from funnelcore._process import Guard, Move

__all__ = ["CompiledMove", "Engine"]

S = TypeVar("S", bound=enum.Enum)

# transitions logs every trigger at INFO; funnelcore reports through its own errors instead.
logging.getLogger("transitions").addHandler(logging.NullHandler())


class _RoleCondition:
    """A transitions condition: the actor's role is one the move is granted to."""

    __slots__ = ("roles",)

    def __init__(self, roles: frozenset[Role]) -> None:
        self.roles = roles

    def __call__(self, event: EventData) -> bool:
        return role_of(event.kwargs["by"]) in self.roles


class _GuardCondition:
    """A transitions condition wrapping one funnelcore guard."""

    __slots__ = ("guard",)

    def __init__(self, guard: Guard) -> None:
        self.guard = guard

    def __call__(self, event: EventData) -> bool:
        return self.guard.check(event.kwargs["deal"], event.kwargs["evidence"])


class CompiledMove(Generic[S]):
    """One edge of a process as the hot path needs it."""

    __slots__ = ("actor_types", "guards", "name", "roles", "source", "target")

    def __init__(
        self, name: str, source: S, target: S, roles: frozenset[Role], guards: tuple[Guard, ...]
    ) -> None:
        self.name: Final = name
        self.source: Final = source
        self.target: Final = target
        self.roles: Final = roles
        self.guards: Final = guards
        #: The actor classes of ``roles``: the hot path checks ``type(by)`` against these.
        self.actor_types: Final = frozenset(actor_types_of(roles))


class _Carrier:
    """The small mutable object a move is fired on in :func:`fire_through_machine`."""

    def __init__(self, state: str) -> None:
        self.state = state


class Engine(Generic[S]):
    """A process's machine and the table compiled from it."""

    def __init__(self, stages: Iterable[S], entry: S, moves: Iterable[Move[S]]) -> None:
        stage_list = list(stages)
        self._by_name: dict[str, S] = {s.name: s for s in stage_list}
        self.machine = Machine(
            model=None,
            states=[s.name for s in stage_list],
            initial=entry.name,
            auto_transitions=False,
            send_event=True,
        )
        for move in moves:
            conditions: list[Any] = [_RoleCondition(move.by)]
            conditions.extend(_GuardCondition(g) for g in move.guards)
            self.machine.add_transition(
                move.name, move.source.name, move.target.name, conditions=conditions
            )
        self.table: Mapping[tuple[S, S], CompiledMove[S]] = self._compile()

    def _compile(self) -> dict[tuple[S, S], CompiledMove[S]]:
        table: dict[tuple[S, S], CompiledMove[S]] = {}
        for name, event in self.machine.events.items():
            for source_name, transitions in event.transitions.items():
                for transition in transitions:
                    roles: frozenset[Role] = frozenset()
                    guards: list[Guard] = []
                    for condition in transition.conditions:
                        func = condition.func
                        if isinstance(func, _RoleCondition):
                            roles = func.roles
                        elif isinstance(func, _GuardCondition):
                            guards.append(func.guard)
                    source = self._by_name[source_name]
                    assert transition.dest is not None  # no internal transitions here
                    target = self._by_name[transition.dest]
                    table[source, target] = CompiledMove(name, source, target, roles, tuple(guards))
        return table

    def fire_through_machine(
        self, move: str, source: S, *, deal: Any, by: object, evidence: Evidence
    ) -> S | None:
        """Fire ``move`` from ``source`` through the transitions machine itself.

        Returns the stage entered, or ``None`` when the move exists but a condition (role or
        guard) refused it. Raises ``LookupError`` when the machine has no such move from
        ``source``. The compiled table must give the same answer for every input.
        """
        carrier = _Carrier(source.name)
        self.machine.add_model(carrier, initial=source.name)
        try:
            event = self.machine.events.get(move)
            if event is None:
                raise LookupError(move)
            try:
                moved = event.trigger(carrier, deal=deal, by=by, evidence=evidence)
            except MachineError as error:
                raise LookupError(move) from error
            return self._by_name[carrier.state] if moved else None
        finally:
            self.machine.remove_model(carrier)
