"""Forecasting today's open deals to a horizon date: weighted, exact and by Monte Carlo."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, final

import attrs

from funnelcore.errors import SimulationInputError
from funnelcore.simulate._answers import DEFAULT_CHUNK_SIZE, check_runs, check_scenario
from funnelcore.simulate._history import tracks
from funnelcore.simulate._results import Band
from funnelcore.simulate._scenario import Scenario

__all__ = ["Forecast", "forecast"]


@final
@attrs.frozen(weakref_slot=False)
class Forecast:
    """What today's open deals should bring by a horizon date.

    Three answers, from the crudest to the fullest:

    - ``weighted_wins`` / ``weighted_revenue``: each deal counted with its stage's probability in
      the process (``process.probability(stage)``; for a stage without one, the scenario's
      chance of winning from there), whenever it closes;
    - ``expected_wins`` / ``expected_revenue``: the scenario's exact chance of winning from each
      deal's stage (its Markov chain), whenever it closes;
    - ``wins`` / ``revenue``: by Monte Carlo, the deals won **by the horizon**, with bands across
      runs; ``eventual_wins`` counts wins at any time (it should agree with ``expected_wins``).

    Attributes:
        today: when the pipeline was taken.
        horizon: the date the forecast runs to.
        open_deals: how many open deals were forecast (closed deals in the input are skipped).
        by_stage: open deals per stage.
        pipeline_value: the sum of their values (unknown values count at the scenario's mean).
        runs: Monte Carlo runs.
        seed: the Monte Carlo seed.
    """

    today: datetime
    horizon: datetime
    open_deals: int
    by_stage: Mapping[Any, int] = attrs.field(repr=False)
    pipeline_value: float
    weighted_wins: float
    weighted_revenue: float
    expected_wins: float
    expected_revenue: float
    wins: Band
    revenue: Band
    eventual_wins: Band
    runs: int
    seed: int

    @property
    def horizon_days(self) -> float:
        """Days from ``today`` to ``horizon``."""
        return (self.horizon - self.today).total_seconds() / 86400.0

    def to_dict(self) -> dict[str, Any]:
        """The forecast as plain data."""
        return {
            "today": self.today.isoformat(),
            "horizon": self.horizon.isoformat(),
            "open_deals": self.open_deals,
            "by_stage": {str(s.value): n for s, n in self.by_stage.items()},
            "pipeline_value": self.pipeline_value,
            "weighted": {"wins": self.weighted_wins, "revenue": self.weighted_revenue},
            "expected": {"wins": self.expected_wins, "revenue": self.expected_revenue},
            "by_horizon": {"wins": self.wins.to_dict(), "revenue": self.revenue.to_dict()},
            "eventual_wins": self.eventual_wins.to_dict(),
            "runs": self.runs,
            "seed": self.seed,
        }


def forecast(
    pipeline: object,
    scenario: Scenario,
    *,
    today: datetime,
    horizon: datetime,
    runs: int = 1000,
    seed: int | None = None,
    threads: int | None = None,
) -> Forecast:
    """Forecast the wins and revenue today's open deals bring by ``horizon``.

    ``pipeline`` is a list of :class:`~funnelcore.Deal`, or stage changes with the canonical
    event-log columns (``deal_id``, ``stage``, ``at``, optionally ``value``): a dataframe (eager or
    lazy), a list of row dicts or an event-log file. Text times follow the audit's grammar. Each
    deal is in the last stage it entered. Closed deals are skipped. A deal's own value is used when
    it is above 0; otherwise its value is the scenario's (its mean, or a draw in the simulation).

    The approximation: the days a deal has already spent in its current stage are not used. Its
    remaining time there is drawn as a fresh stay, which is exact for memoryless stays
    (``Duration.gamma(shape=1)``, the exponential). With gamma stays of shape above 1 an old deal
    has less time left than a fresh stay, so the forecast by the horizon errs low for a pipeline
    of old deals; with shape below 1 it errs high. Lognormal stays lie in between: their hazard
    rises, then falls, so a deal a little past the mean has less time left, a very old one more.

    The scenario's leads and sales capacity play no part: the forecast is of the deals given.

    Raises:
        SimulationInputError: the pipeline has malformed rows or stages the scenario's process
            does not have, or a deal entered its stage after ``today``, or ``horizon`` is not
            after ``today``, or ``runs``/``seed`` are bad, or ``scenario`` is not a
            :class:`Scenario`.
    """
    check_scenario(scenario)
    check_runs(runs, seed, threads)
    try:
        horizon_days = (horizon - today).total_seconds() / 86400.0
    except TypeError as error:
        raise SimulationInputError(
            "arguments", [f"cannot compare today and horizon: {error}"]
        ) from error
    if not horizon_days > 0:
        raise SimulationInputError(
            "arguments", [f"horizon {horizon.isoformat()} is not after today {today.isoformat()}"]
        )
    import numpy as np

    from funnelcore.simulate._montecarlo import Plan, forecast_runs

    process = scenario.process
    chain = scenario._chain
    index = {stage: i for i, stage in enumerate(chain.stages)}
    open_tracks = [t for t in tracks(pipeline, process, what="pipeline") if t.stage in index]
    problems = [
        f"deal {t.deal_id!r}: entered {t.stage.value} at {t.entered.isoformat()}, after today"
        for t in open_tracks
        if _after(t.entered, today)
    ]
    if problems:
        raise SimulationInputError("pipeline", problems)
    plan = Plan(scenario)  # solves the chain once, for the weights and the Monte Carlo runs
    solution = plan.solution
    mean_value = scenario.value.mean
    by_stage: dict[Any, int] = {}
    weighted_wins = weighted_revenue = expected_wins = expected_revenue = pipeline_value = 0.0
    for track in open_tracks:
        stage = track.stage
        by_stage[stage] = by_stage.get(stage, 0) + 1
        value = mean_value if track.value is None else track.value
        chance = float(solution.win[index[stage]])
        given = process.probability(stage)
        weight = chance if given is None else given
        pipeline_value += value
        weighted_wins += weight
        weighted_revenue += weight * value
        expected_wins += chance
        expected_revenue += chance * value
    entropy = int(np.random.SeedSequence(seed).entropy)  # type: ignore[arg-type]
    start = np.array([index[t.stage] for t in open_tracks], dtype=np.intp)
    values = np.array([math.nan if t.value is None else t.value for t in open_tracks])
    won_by, revenue, won_ever = forecast_runs(
        plan,
        start=start,
        values=values,
        horizon_days=horizon_days,
        runs=runs,
        entropy=entropy,
        threads=threads,
        chunk_size=DEFAULT_CHUNK_SIZE,
    )
    return Forecast(
        today=today,
        horizon=horizon,
        open_deals=len(open_tracks),
        by_stage={s: by_stage[s] for s in chain.stages if s in by_stage},
        pipeline_value=pipeline_value,
        weighted_wins=weighted_wins,
        weighted_revenue=weighted_revenue,
        expected_wins=expected_wins,
        expected_revenue=expected_revenue,
        wins=Band.of(won_by),
        revenue=Band.of(revenue),
        eventual_wins=Band.of(won_ever),
        runs=runs,
        seed=entropy,
    )


def _after(entered: datetime, today: datetime) -> bool:
    try:
        return entered > today
    except TypeError as error:
        raise SimulationInputError(
            "pipeline", [f"cannot compare {entered!r} with today {today!r}: {error}"]
        ) from error
