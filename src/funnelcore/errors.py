"""The errors funnelcore raises.

Every error derives from :class:`FunnelError`; leaves also derive from the built-in exception
that fits (:class:`ValueError` for bad values), so callers can catch either. Errors carry their
data as attributes (``deal_id``, ``stage``, ``move``, ``actor``, ``reason``, ``problems``) and
their message says what was refused, where and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

__all__ = [
    "ActorNotAllowedError",
    "FunnelError",
    "GuardFailedError",
    "IllegalMoveError",
    "InvalidArgumentError",
    "InvalidHistoryError",
    "InvalidLogError",
    "InvalidRecordError",
    "LogReadError",
    "MetricsInputError",
    "MoveRejectedError",
    "OutOfOrderError",
    "ProcessDefinitionError",
    "ScenarioError",
    "SimulationInputError",
    "TerminalStageError",
    "UnknownStageError",
    "WrongProcessError",
]


class FunnelError(Exception):
    """The root of every error funnelcore raises on purpose."""


class InvalidArgumentError(FunnelError, TypeError):
    """An argument is not of the kind a function takes (a campaign where a deal belongs, say)."""


class InvalidRecordError(FunnelError, ValueError):
    """A record was built with a value that breaks a domain rule.

    Attributes:
        record: the record type's name, e.g. ``"MarketingMessage"``.
        field: the offending field.
        reason: why the value is refused.
    """

    def __init__(self, record: str, field: str, reason: str) -> None:
        self.record: str = record
        self.field: str = field
        self.reason: str = reason
        super().__init__(f"invalid {record}.{field}: {reason}")


class UnknownStageError(FunnelError, ValueError):
    """A stage name or member does not belong to the process.

    Attributes:
        stage: what was asked for.
        process: the process name.
        known: the stage names the process has.
    """

    def __init__(self, stage: object, process: str, known: Iterable[str]) -> None:
        self.stage: object = stage
        self.process: str = process
        self.known: tuple[str, ...] = tuple(known)
        super().__init__(
            f"unknown stage {stage!r} for process {process!r}; "
            f"known stages: {', '.join(self.known)}"
        )


class ProcessDefinitionError(FunnelError, ValueError):
    """A process definition is unusable; ``problems`` lists every problem found, not just one.

    Attributes:
        process: the process name.
        problems: one sentence per problem.
    """

    def __init__(self, process: str, problems: Iterable[str]) -> None:
        self.process: str = process
        self.problems: tuple[str, ...] = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        count = len(self.problems)
        super().__init__(
            f"process {process!r} has {count} problem{'s' if count != 1 else ''}:\n{lines}"
        )


class MoveRejectedError(FunnelError, ValueError):
    """A move of a deal was refused; the deal is unchanged.

    The subclass says which rule refused it. Invariant I6: a rejected move changes nothing and
    raises a typed error that says why.

    Attributes:
        deal_id: the deal's id.
        stage: the stage the deal is in (its value, e.g. ``"proposal"``).
        move: the move asked for, e.g. ``"qualify"`` or ``"proposal -> won"``.
        actor: a short description of who tried, e.g. ``"Marketing('Brand team')"``.
        reason: why it was refused.
    """

    #: What kind of refusal this is; used in the message.
    kind: ClassVar[str] = "move rejected"

    def __init__(self, *, deal_id: str, stage: str, move: str, actor: str, reason: str) -> None:
        self.deal_id: str = deal_id
        self.stage: str = stage
        self.move: str = move
        self.actor: str = actor
        self.reason: str = reason
        super().__init__(
            f"deal {deal_id!r} at {stage.upper()}: cannot {move} by {actor}: {self.kind}: {reason}"
        )


class IllegalMoveError(MoveRejectedError):
    """The process has no such move from the deal's stage (for example a skipped stage)."""

    kind: ClassVar[str] = "illegal move"


class GuardFailedError(MoveRejectedError):
    """The move exists, but its guard is not satisfied by the evidence given.

    Attributes:
        guard: the guard's name, e.g. ``"permission"``.
    """

    kind: ClassVar[str] = "guard failed"

    def __init__(
        self, *, deal_id: str, stage: str, move: str, actor: str, reason: str, guard: str
    ) -> None:
        self.guard: str = guard
        super().__init__(deal_id=deal_id, stage=stage, move=move, actor=actor, reason=reason)


class ActorNotAllowedError(MoveRejectedError):
    """The actor's role may not make this move (for example marketing closing a deal)."""

    kind: ClassVar[str] = "actor not allowed"


class TerminalStageError(MoveRejectedError):
    """The deal is WON or LOST; nothing moves out of a terminal stage (invariant I5)."""

    kind: ClassVar[str] = "terminal stage"


class OutOfOrderError(MoveRejectedError):
    """The move is dated before the deal's previous move."""

    kind: ClassVar[str] = "out of order"


class WrongProcessError(MoveRejectedError):
    """The deal belongs to another process than the one asked to move it."""

    kind: ClassVar[str] = "wrong process"


class InvalidHistoryError(FunnelError, ValueError):
    """A history is not a legal path through the process, so no deal can be rebuilt from it.

    Attributes:
        index: the 0-based position of the first offending change in the history.
        reason: why that change is refused.
    """

    def __init__(self, *, deal_id: str, index: int, reason: str) -> None:
        self.deal_id: str = deal_id
        self.index: int = index
        self.reason: str = reason
        super().__init__(f"history of deal {deal_id!r} is not legal at change {index}: {reason}")


# -- simulation (funnelcore.simulate) -------------------------------------------------------------


class ScenarioError(FunnelError, ValueError):
    """A simulation scenario is unusable; ``problems`` lists every problem found, not just one.

    Attributes:
        scenario: the scenario's name (or the file it came from).
        problems: one sentence per problem, each naming the key at fault, e.g.
            ``"advance.lead: 1.2 is not a probability in [0, 1]"``.
    """

    def __init__(self, scenario: str, problems: Iterable[str]) -> None:
        self.scenario: str = scenario
        self.problems: tuple[str, ...] = tuple(problems)
        count, lines = _listed(self.problems)
        super().__init__(f"scenario {scenario!r} has {count}:\n{lines}")


class SimulationInputError(FunnelError, ValueError):
    """The deals, event log or arguments given to a simulation, forecast or fit are unusable.

    Attributes:
        what: what was given, e.g. ``"event log"`` or ``"runs"``.
        problems: one sentence per problem; a problem with a row of an event log names the row
            (1-based, header excluded) and the reason, e.g.
            ``"row 3: stage 'closng' is not a stage of 'complex'"``.
    """

    def __init__(self, what: str, problems: Iterable[str]) -> None:
        self.what: str = what
        self.problems: tuple[str, ...] = tuple(problems)
        count, lines = _listed(self.problems)
        super().__init__(f"unusable {what} ({count}):\n{lines}")


def _listed(
    items: tuple[object, ...], noun: str = "problem", *, limit: int | None = None
) -> tuple[str, str]:
    """The count ("2 problems") and the bulleted lines of ``items`` (the first ``limit``)."""
    count = len(items)
    lines = "\n".join(f"  - {item}" for item in items[:limit])
    if limit is not None and count > limit:
        lines += f"\n  ... and {count - limit} more"
    return f"{count} {noun}{'s' if count != 1 else ''}", lines


# -- analytics --------------------------------------------------------------------------------


class MetricsInputError(FunnelError, ValueError):
    """A log or argument given to a funnel metric cannot be measured; nothing was computed.

    Attributes:
        column: the offending column of the log, or ``None`` when the problem is not one column.
        reason: what is wrong and how to fix it.
    """

    def __init__(self, reason: str, *, column: str | None = None) -> None:
        self.column: str | None = column
        self.reason: str = reason
        where = f"column {column!r}: " if column is not None else ""
        super().__init__(f"cannot measure the funnel: {where}{reason}")


# -- event logs --------------------------------------------------------------------------------


class LogReadError(FunnelError, ValueError):
    """An event log cannot be read at all: a missing file or column, an unknown format.

    A log that can be read but has bad rows does not raise this: its rows are reported one by one
    (see ``audit``).

    Attributes:
        source: what was being read (a path, or the frame's type).
        reason: why it cannot be used.
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source: str = source
        self.reason: str = reason
        super().__init__(f"cannot read event log {source}: {reason}")


class InvalidLogError(FunnelError, ValueError):
    """An event log breaks the rules of its process, so it cannot be used as asked.

    Attributes:
        violations: every violation found (``Violation`` records, in row order).
    """

    def __init__(self, what: str, violations: Iterable[object]) -> None:
        self.violations: tuple[object, ...] = tuple(violations)
        count, lines = _listed(self.violations, "violation", limit=20)
        super().__init__(f"{what}: the log has {count}:\n{lines}")
