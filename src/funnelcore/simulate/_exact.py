"""Exact answers from the absorbing Markov chain of a scenario (imports numpy).

The open stages are the transient states, WON and LOST the absorbing ones. With ``Q`` the
transient-to-transient probabilities and ``r`` the probabilities of moving to WON, the fundamental
matrix ``N = (I - Q)^-1`` gives:

- ``N[i, j]``: the expected number of stays at stage ``j`` of a deal now entering stage ``i``;
- ``h = N r``: ``h[i]`` is the probability that a deal entering stage ``i`` is won;
- ``N[i, j] / N[j, j]``: the probability that a deal entering ``i`` ever reaches ``j``.

Expected days to win, given the deal is won. A stay's length does not depend on where the deal
goes next, so the days of a deal are the sum over its stays of independent stay lengths, and

    E[days | won, start i] = sum_j E[stays at j | won, start i] * tau_j

with ``tau_j`` the mean days of a stay at ``j``. By the strong Markov property, each stay at
``j`` is followed by a win with probability ``h[j]`` whatever came before, so
``E[stays at j and won | start i] = N[i, j] * h[j]``; dividing by ``P(won | start i) = h[i]``:

    E[days | won, start i] = sum_j N[i, j] * h[j] * tau_j / h[i]

which is the expected absorption time of the chain conditioned on winning (the Doob h-transform,
``Q~[i, j] = Q[i, j] h[j] / h[i]``, whose fundamental matrix is ``N~[i, j] = N[i, j] h[j] / h[i]``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from funnelcore.simulate._results import ExactResult
from funnelcore.simulate._scenario import Chain, Scenario

__all__ = ["ChainSolution", "solve"]


class ChainSolution:
    """The fundamental matrix of a chain and what follows from it (internal)."""

    __slots__ = ("days_to_win", "fundamental", "win")

    def __init__(self, chain: Chain) -> None:
        size = len(chain.stages)
        transient = np.zeros((size, size))
        to_won = np.zeros(size)
        for i, targets in enumerate(chain.targets):
            for j, probability in targets:
                if j == chain.won:
                    to_won[i] += probability
                else:
                    transient[i, j] += probability
        inverse = np.linalg.inv(np.eye(size) - transient)
        self.fundamental: npt.NDArray[np.float64] = inverse.astype(np.float64)
        self.win: npt.NDArray[np.float64] = self.fundamental @ to_won
        tau = np.asarray(chain.mean_days, dtype=float)
        weighted = self.fundamental @ (self.win * tau)
        with np.errstate(divide="ignore", invalid="ignore"):
            days = np.where(self.win > 0, weighted / self.win, math.nan)
        self.days_to_win: npt.NDArray[np.float64] = days.astype(np.float64)


def solve(scenario: Scenario) -> ExactResult:
    """The exact answers of ``scenario`` (see :func:`funnelcore.simulate.exact`)."""
    chain: Chain = scenario._chain
    solution = ChainSolution(chain)
    n = solution.fundamental
    stages = chain.stages
    probability = float(solution.win[0])
    leads = scenario.expected_leads
    won = leads * probability
    visits: dict[Any, float] = {s: float(n[0, j]) for j, s in enumerate(stages)}
    reach: dict[Any, float] = {s: float(n[0, j] / n[j, j]) for j, s in enumerate(stages)}
    return ExactResult(
        scenario=scenario,
        leads=leads,
        win_probability=probability,
        won=won,
        revenue=won * scenario.value.mean,
        cost=scenario.expected_cost,
        days_to_win=float(solution.days_to_win[0]),
        visits=visits,
        reach=reach,
        win_probability_at={s: float(solution.win[j]) for j, s in enumerate(stages)},
        days_to_win_at={s: float(solution.days_to_win[j]) for j, s in enumerate(stages)},
    )
