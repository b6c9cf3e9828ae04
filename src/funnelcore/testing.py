"""Helpers for testing code that uses funnelcore.

Evidence that passes every built-in guard, and a walk that drives a deal along the shortest legal
path to a stage.

>>> from datetime import datetime, timezone
>>> from funnelcore import Lead, LeadSource, Product, SalesProcess, SalesRep, Stage
>>> from funnelcore.testing import walk
>>> process = SalesProcess.complex()
>>> deal = process.open_deal(Lead("Ada", source=LeadSource.REFERRAL), Product("ERP"),
...     by=SalesRep("Sam"), at=datetime(2026, 1, 5, tzinfo=timezone.utc))
>>> walk(process, deal, Stage.CLOSING, by=SalesRep("Sam")).stage
<Stage.CLOSING: 'closing'>
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from funnelcore._actors import Customer, SalesRep, System
from funnelcore._deal import ClosedDeal, Evidence, OpenDeal, S
from funnelcore._process import SalesProcess

__all__ = ["FULL_EVIDENCE", "walk"]

#: Evidence that satisfies every built-in guard.
FULL_EVIDENCE: Final = Evidence(
    permission=True,
    able_to_buy=True,
    likely_to_buy=True,
    compelling_reasons=("the need the prospect named",),
    objections_handled=True,
)


def walk(
    process: SalesProcess[S],
    deal: OpenDeal[S],
    to: S,
    *,
    by: SalesRep | System | Customer,
    step: timedelta = timedelta(days=1),
    evidence: Evidence = FULL_EVIDENCE,
    reason: str = "lost on the walk",
) -> Any:
    """Move ``deal`` along the shortest legal path to ``to``, one ``step`` after its last change.

    Each move is made by ``by`` with ``evidence``; a move to LOST gives ``reason``. The result is
    an :class:`OpenDeal`, or a :class:`ClosedDeal` when ``to`` is WON or LOST.

    Raises:
        ValueError: when ``to`` cannot be reached from the deal's stage.
        MoveRejectedError: when ``by`` may not make one of the moves.
    """
    path = process.path_to(to, start=deal.stage)
    if not path:
        raise ValueError(f"{to!r} cannot be reached from {deal.stage!r} in {process.name!r}")
    at: datetime = deal.last_change.at
    current: OpenDeal[S] | ClosedDeal[S] = deal
    for stage in path[1:]:
        at = at + step
        assert isinstance(current, OpenDeal)
        # The process itself refuses an actor a move is not granted to (a System winning, a
        # Customer advancing) with its MoveRejectedError, as the docstring says.
        actor: Any = by
        if stage is process.won:
            current = process.win(current, by=actor, at=at, evidence=evidence)
        elif stage is process.lost:
            current = process.lose(current, by=actor, at=at, reason=reason)
        else:
            current = process.advance(current, stage, by=actor, at=at, evidence=evidence)
    return current
