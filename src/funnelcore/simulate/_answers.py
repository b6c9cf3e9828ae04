"""The two ways to answer a scenario: exactly (Markov chain) and by Monte Carlo simulation."""

from __future__ import annotations

from typing import Final

from funnelcore.errors import ScenarioError, SimulationInputError
from funnelcore.simulate._results import ExactResult, MonteCarloResult
from funnelcore.simulate._scenario import Scenario

__all__ = ["DEFAULT_CHUNK_SIZE", "check_runs", "check_scenario", "exact", "monte_carlo"]

#: Leads simulated per chunk (each chunk has its own random stream; see :func:`monte_carlo`).
#: Measured on a 2-core EPYC with 1 MiB of L2 per core: chunks of 2**15 to 2**17 leads run
#: fastest; from 2**18 on a chunk's float arrays (2 MiB each) no longer fit in L2 and the same
#: work takes two to three times as long.
DEFAULT_CHUNK_SIZE: Final = 1 << 16


def check_runs(runs: object, seed: object, threads: object = None) -> None:
    """Raise :class:`SimulationInputError` for bad ``runs``, ``seed`` or ``threads`` (internal)."""
    problems: list[str] = []
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        problems.append(f"runs: {runs!r} must be a whole number >= 1")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        problems.append(f"seed: {seed!r} must be a whole number >= 0, or None")
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
    ):
        problems.append(f"threads: {threads!r} must be a whole number >= 1, or None")
    if problems:
        raise SimulationInputError("arguments", problems)


def check_scenario(scenario: object) -> None:
    """Raise :class:`SimulationInputError` for what is not a :class:`Scenario` (internal)."""
    if not isinstance(scenario, Scenario):
        raise SimulationInputError(
            "arguments", [f"scenario: expected a Scenario, got {type(scenario).__name__}"]
        )


def exact(scenario: Scenario) -> ExactResult:
    """The exact answers of a scenario, from its absorbing Markov chain.

    The win probability, the expected stays per stage and the expected days to win (given a win)
    follow from the fundamental matrix ``N = (I - Q)^-1`` of the chain over the open stages;
    see :doc:`/concepts/simulation-model` for the formulas. Expected counts are per lead times
    the expected number of leads.

    >>> from funnelcore.simulate import Scenario, exact
    >>> scenario = Scenario(process="simple", advance={"lead": 0.25}, days={"lead": 3},
    ...                     leads=1000)
    >>> result = exact(scenario)
    >>> result.win_probability, result.won, result.days_to_win
    (0.25, 250.0, 3.0)

    Raises:
        ScenarioError: the scenario has sales capacity, which has no exact model here (a queue
            with leads going cold); use :func:`monte_carlo`.
        SimulationInputError: ``scenario`` is not a :class:`Scenario`.
    """
    check_scenario(scenario)
    if scenario.capacity is not None:
        raise ScenarioError(
            scenario.name,
            [
                "capacity: the exact method has no model of sales capacity (leads queueing and "
                "going cold); use monte_carlo, or drop capacity"
            ],
        )
    from funnelcore.simulate._exact import solve

    return solve(scenario)


def monte_carlo(
    scenario: Scenario,
    *,
    runs: int = 1,
    seed: int | None = None,
    threads: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    timeline: bool = True,
    horizon_days: float | None = None,
) -> MonteCarloResult:
    """Simulate a scenario lead by lead, ``runs`` times, with vectorised numpy.

    Each run draws its leads (the cohort plus a Poisson count per source), walks them through the
    process in blocks of 65,536 leads (bounded memory however many leads), grouped into chunks of
    ``chunk_size`` leads for ``threads`` worker threads (default: every core), and counts won
    deals, revenue, days to win and the deals entering each stage per period. Each block draws
    from its own stream derived from ``seed``, and block results are added in block order, so the
    same seed gives the same result whatever the chunk size or thread count.

    A scenario with sales capacity is simulated run by run instead (its leads share the sales
    slots in arrival order), with memory that grows with the leads of a run.

    >>> from funnelcore.simulate import Scenario, monte_carlo
    >>> scenario = Scenario(process="simple", advance={"lead": 0.25}, days={"lead": 3},
    ...                     leads=10000)
    >>> result = monte_carlo(scenario, runs=20, seed=7)
    >>> 0.23 < result.win_rate.mean < 0.27
    True

    Args:
        scenario: what to simulate.
        runs: independent runs; bands (p10, p50, p90) are taken across them.
        seed: the root of every random stream; ``None`` draws a fresh one (kept in the result).
        threads: worker threads; ``None`` uses every core.
        chunk_size: leads per chunk (one task for a thread), rounded up to whole blocks of
            65,536 leads; it changes how work is shared, never the result.
        timeline: whether to count the deals entering each stage per period.
        horizon_days: how far the timeline goes (default: the sources' span plus three times
            the exact mean days to win); later entries land in its last period.

    Raises:
        SimulationInputError: ``runs``, ``seed``, ``threads`` or ``chunk_size`` is unusable, or
            ``scenario`` is not a :class:`Scenario`.
    """
    check_scenario(scenario)
    check_runs(runs, seed, threads)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise SimulationInputError(
            "arguments", [f"chunk_size: {chunk_size!r} must be a whole number >= 1"]
        )
    if horizon_days is not None and not horizon_days > 0:
        raise SimulationInputError(
            "arguments", [f"horizon_days: {horizon_days!r} must be a number > 0"]
        )
    from funnelcore.simulate._montecarlo import run_monte_carlo

    return run_monte_carlo(
        scenario,
        runs=runs,
        seed=seed,
        threads=threads,
        chunk_size=chunk_size,
        timeline=timeline,
        horizon_days=horizon_days,
    )
