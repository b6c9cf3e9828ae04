"""Deals drawn from a scenario, move by move through the real process: data for fits and demos."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

from funnelcore._actors import SalesRep
from funnelcore._deal import ClosedDeal, OpenDeal
from funnelcore._leads import Lead, LeadSource, Product
from funnelcore.errors import SimulationInputError
from funnelcore.simulate._answers import check_scenario
from funnelcore.simulate._scenario import Scenario, lognormal_log
from funnelcore.testing import FULL_EVIDENCE

__all__ = ["sample_deals"]


def sample_deals(
    scenario: Scenario,
    *,
    count: int,
    start: datetime,
    spread_days: float = 0.0,
    until: datetime | None = None,
    seed: int | None = None,
    by: SalesRep | None = None,
) -> list[OpenDeal[Any] | ClosedDeal[Any]]:
    """Draw ``count`` deals from ``scenario``, each moved through its process by ``by``.

    Deal ``i`` opens at a uniform time in ``[start, start + spread_days)``; each stay lasts a draw
    of the stage's duration and ends by moving on, branching or losing the deal, with the
    scenario's probabilities (lost deals also spend their stay). Moves due after ``until`` are not
    made, so those deals are still open: a pipeline as of ``until``. Every move passes the
    process's checks with evidence that satisfies the built-in guards
    (:data:`funnelcore.testing.FULL_EVIDENCE`); a custom process with other guards may refuse.

    >>> from datetime import datetime, timezone
    >>> from funnelcore.simulate import Scenario, sample_deals
    >>> scenario = Scenario(process="simple", advance={"lead": 0.5}, days={"lead": 2}, leads=10)
    >>> deals = sample_deals(scenario, count=3, start=datetime(2026, 1, 1, tzinfo=timezone.utc),
    ...                      seed=1)
    >>> [deal.stage.value for deal in deals]
    ['won', 'won', 'won']

    Raises:
        SimulationInputError: ``count`` or ``spread_days`` is unusable, or ``scenario`` is not a
            :class:`Scenario`.
    """
    check_scenario(scenario)
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise SimulationInputError("arguments", [f"count: {count!r} must be a whole number >= 0"])
    if (
        not (isinstance(spread_days, (int, float)) and math.isfinite(spread_days))
        or spread_days < 0
    ):
        raise SimulationInputError(
            "arguments", [f"spread_days: {spread_days!r} must be a number >= 0"]
        )
    rng = random.Random(seed)
    process = scenario.process
    rep = SalesRep("Sam Seller") if by is None else by
    product = Product("the product")
    forward = {stage: scenario.next_stage(stage) for stage in scenario.open_stages}
    deals: list[OpenDeal[Any] | ClosedDeal[Any]] = []
    for number in range(count):
        opened = start + timedelta(days=rng.random() * spread_days)
        lead = Lead(f"lead {number + 1}", source=LeadSource.OUTBOUND)
        deal: Any = process.open_deal(
            lead, product, by=rep, at=opened, value=_value(scenario, rng), deal_id=f"d{number + 1}"
        )
        at = opened
        while deal.is_open:
            stage = deal.stage
            at = at + timedelta(days=_stay(scenario, stage, rng))
            if until is not None and at > until:
                break
            draw = rng.random()
            target = process.lost
            for candidate, probability in (
                (forward[stage], scenario.advance[stage]),
                *scenario.branch.get(stage, {}).items(),
            ):
                if draw < probability:
                    target = candidate
                    break
                draw -= probability
            if target is process.won:
                deal = process.win(deal, by=rep, at=at, evidence=FULL_EVIDENCE)
            elif target is process.lost:
                deal = process.lose(deal, by=rep, at=at, reason="the prospect went elsewhere")
            else:
                deal = process.advance(deal, target, by=rep, at=at, evidence=FULL_EVIDENCE)
        deals.append(deal)
    return deals


def _stay(scenario: Scenario, stage: Any, rng: random.Random) -> float:
    mean = scenario.days[stage]
    duration = scenario.duration
    if mean == 0 or duration.distribution == "fixed":
        return mean
    if duration.distribution == "gamma":
        return rng.gammavariate(duration.shape, mean / duration.shape)
    return rng.lognormvariate(*lognormal_log(mean, duration.cv))


def _value(scenario: Scenario, rng: random.Random) -> float:
    value = scenario.value
    if value.distribution == "lognormal" and value.cv > 0 and value.mean > 0:
        return rng.lognormvariate(*lognormal_log(value.mean, value.cv))
    return value.mean
