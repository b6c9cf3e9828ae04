"""The answers of a simulation: exact (Markov chain) and Monte Carlo results, as frozen records."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, final

import attrs

from funnelcore.simulate._scenario import Scenario

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["Band", "DaysToWin", "ExactResult", "MonteCarloResult", "Timeline"]


def _number(value: float) -> float | None:
    """A float for JSON: ``None`` for NaN."""
    return None if math.isnan(value) else value


@final
@attrs.frozen(weakref_slot=False)
class Band:
    """One quantity across the runs of a simulation: its mean and its 10th, 50th, 90th percentiles.

    With one run the four numbers are equal.
    """

    mean: float
    p10: float
    p50: float
    p90: float

    @classmethod
    def of(cls, values: Sequence[float] | npt.NDArray[Any]) -> Band:
        """The band of ``values`` (one per run); NaN for no values."""
        import numpy as np

        array = np.asarray(values, dtype=float)
        if array.size == 0:
            return cls(math.nan, math.nan, math.nan, math.nan)
        p10, p50, p90 = np.percentile(array, [10, 50, 90])
        return cls(float(array.mean()), float(p10), float(p50), float(p90))

    def to_dict(self) -> dict[str, float | None]:
        """The band as plain data."""
        return {
            "mean": _number(self.mean),
            "p10": _number(self.p10),
            "p50": _number(self.p50),
            "p90": _number(self.p90),
        }


@final
@attrs.frozen(weakref_slot=False)
class DaysToWin:
    """Days from a lead's arrival to the win, over every won deal of every run.

    ``p50`` and ``p90`` are read from a histogram of the days (see ``bin_days``), interpolated
    within a bin; ``mean`` and ``std`` are exact sums. NaN when nothing was won.

    Attributes:
        mean: the mean days to win.
        p50: the median.
        p90: the 90th percentile.
        std: the standard deviation over won deals.
        bin_days: the width of a histogram bin, in days.
        histogram: counts of won deals per bin (the last bin also holds everything beyond).
    """

    mean: float
    p50: float
    p90: float
    std: float
    bin_days: float = attrs.field(repr=False)
    histogram: npt.NDArray[np.int64] = attrs.field(eq=False, repr=False)

    def to_dict(self) -> dict[str, float | None]:
        """Mean, p50 and p90 as plain data."""
        return {"mean": _number(self.mean), "p50": _number(self.p50), "p90": _number(self.p90)}


@final
@attrs.frozen(weakref_slot=False)
class Timeline:
    """How many deals entered each stage, period by period, in each run.

    ``entries[run, k, period]`` counts the deals that entered ``stages[k]`` during ``period``
    (periods of ``period_days`` days from day 0); the last period also holds every later entry.
    WON is the last stage. A deal lost at a stage leaves no entry of its own: the simulator does
    not draw the time it spends there (nothing it reports depends on it), so LOST has no timeline.

    Attributes:
        stages: the open stages, in the order a deal first reaches them, then WON.
        period_days: the length of a period.
        entries: an int array of shape ``(runs, len(stages), periods)``.
    """

    stages: tuple[Any, ...]
    period_days: float
    entries: npt.NDArray[np.int64] = attrs.field(eq=False, repr=False)

    @property
    def periods(self) -> int:
        """How many periods the timeline has (the last one is open-ended)."""
        return int(self.entries.shape[2])

    def cumulative(self, stage: Any) -> npt.NDArray[np.int64]:
        """Deals that entered ``stage`` by the end of each period, per run: ``(runs, periods)``."""
        import numpy as np

        index = self._index(stage)
        return np.cumsum(self.entries[:, index, :], axis=1)

    def band(self, stage: Any, *, cumulative: bool = True) -> dict[str, npt.NDArray[np.float64]]:
        """The 10th, 50th and 90th percentiles across runs, per period, and the mean."""
        import numpy as np

        values = (
            self.cumulative(stage) if cumulative else self.entries[:, self._index(stage), :]
        ).astype(float)
        p10, p50, p90 = np.percentile(values, [10, 50, 90], axis=0)
        return {"mean": values.mean(axis=0), "p10": p10, "p50": p50, "p90": p90}

    def _index(self, stage: Any) -> int:
        for index, known in enumerate(self.stages):
            if known is stage or known.value == stage:
                return index
        names = ", ".join(str(s.value) for s in self.stages)
        raise KeyError(f"no stage {stage!r} in the timeline; stages: {names}")


@final
@attrs.frozen(weakref_slot=False)
class ExactResult:
    """The exact answers of a scenario, from its absorbing Markov chain.

    Attributes:
        scenario: the scenario solved.
        leads: the expected number of leads.
        win_probability: the probability that a lead is won.
        won: the expected number of won deals.
        revenue: the expected revenue (won deals times the mean deal value).
        cost: the expected cost of the leads.
        days_to_win: the expected days from a lead's arrival to the win, given the deal is won
            (NaN when no deal can be won).
        visits: per open stage, the expected number of stays per lead (a revised proposal makes
            PROPOSAL's count exceed the probability of reaching it).
        reach: per open stage, the probability that a lead ever reaches it.
        win_probability_at: per open stage, the probability that a deal there is eventually won.
        days_to_win_at: per open stage, the expected days from entering it to the win, given
            the deal is won (NaN where it cannot be won).
    """

    scenario: Scenario = attrs.field(repr=False)
    leads: float
    win_probability: float
    won: float
    revenue: float
    cost: float
    days_to_win: float
    visits: Mapping[Any, float] = attrs.field(repr=False)
    reach: Mapping[Any, float] = attrs.field(repr=False)
    win_probability_at: Mapping[Any, float] = attrs.field(repr=False)
    days_to_win_at: Mapping[Any, float] = attrs.field(repr=False)

    @property
    def win_rate(self) -> float:
        """The expected share of leads won (the win probability)."""
        return self.win_probability

    def to_dict(self) -> dict[str, Any]:
        """The result as plain data (the JSON of ``funnelcore simulate --method exact``)."""
        return {
            "method": "exact",
            "scenario": self.scenario.name,
            "leads": self.leads,
            "won": self.won,
            "win_rate": self.win_probability,
            "revenue": self.revenue,
            "cost": self.cost,
            "days_to_win": {"mean": _number(self.days_to_win)},
            "visits": {str(s.value): v for s, v in self.visits.items()},
            "reach": {str(s.value): v for s, v in self.reach.items()},
        }


@final
@attrs.frozen(weakref_slot=False)
class MonteCarloResult:
    """The answers of a Monte Carlo simulation of a scenario, with bands across runs.

    Every quantity per run (leads, won, win rate, revenue, cost, stays per stage) is a
    :class:`Band` over the runs; days to win pool every won deal of every run. Run it again with
    the same ``seed`` to get the same numbers, whatever the chunk size or thread count.

    Attributes:
        scenario: the scenario simulated.
        runs: how many independent runs.
        seed: the seed (the root entropy); pass it back to reproduce the result.
        chunk_size: how many leads one chunk (one task for a thread) simulated, in whole blocks.
        leads, won, win_rate, revenue, cost: bands across runs.
        lost_waiting: leads that went cold waiting for sales capacity (zero without capacity).
        days_to_win: days from arrival to win over every won deal.
        visits: per open stage, the band of stays there per run.
        timeline: deals entering each stage per period, per run (``None`` if not tracked).
        won_per_run: won deals in each run.
        revenue_per_run: revenue in each run.
    """

    scenario: Scenario = attrs.field(repr=False)
    runs: int
    seed: int
    chunk_size: int
    leads: Band
    won: Band
    win_rate: Band
    revenue: Band
    cost: Band
    lost_waiting: Band
    days_to_win: DaysToWin
    visits: Mapping[Any, Band] = attrs.field(repr=False)
    timeline: Timeline | None = attrs.field(repr=False)
    won_per_run: npt.NDArray[np.int64] = attrs.field(eq=False, repr=False)
    revenue_per_run: npt.NDArray[np.float64] = attrs.field(eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain data (the JSON of ``funnelcore simulate``); means across runs."""
        bands = {
            "leads": self.leads,
            "won": self.won,
            "win_rate": self.win_rate,
            "revenue": self.revenue,
            "cost": self.cost,
        }
        data: dict[str, Any] = {
            "method": "monte-carlo",
            "scenario": self.scenario.name,
            "runs": self.runs,
            "seed": self.seed,
        }
        data.update({name: _number(band.mean) for name, band in bands.items()})
        data["days_to_win"] = self.days_to_win.to_dict()
        if self.scenario.capacity is not None:
            data["lost_waiting"] = _number(self.lost_waiting.mean)
            bands["lost_waiting"] = self.lost_waiting
        data["visits"] = {str(s.value): _number(b.mean) for s, b in self.visits.items()}
        data["bands"] = {name: band.to_dict() for name, band in bands.items()}
        return data
