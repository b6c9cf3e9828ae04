"""Scenarios compared: variations of one scenario side by side, ranked by the revenue they add."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, Literal, final

import attrs

from funnelcore._validation import is_amount
from funnelcore.errors import ScenarioError, SimulationInputError, UnknownStageError
from funnelcore.simulate._answers import check_runs, check_scenario, exact, monte_carlo
from funnelcore.simulate._results import Band
from funnelcore.simulate._scenario import Scenario

__all__ = [
    "Comparison",
    "Outcome",
    "Variation",
    "better_conversion",
    "compare",
    "more_leads",
    "more_reps",
    "weak_link",
]

Method = Literal["auto", "exact", "monte-carlo"]


@final
@attrs.frozen(weakref_slot=False)
class Variation:
    """A named change to a scenario: ``change(scenario)`` returns the varied scenario.

    Build the usual ones with :func:`more_leads`, :func:`better_conversion` and :func:`more_reps`,
    or give any function of a scenario.
    """

    name: str
    change: Callable[[Scenario], Scenario] = attrs.field(eq=False, repr=False)

    def apply(self, scenario: Scenario) -> Scenario:
        """The varied scenario."""
        return self.change(scenario)


def more_leads(factor: float = 2.0) -> Variation:
    """Marketing brings ``factor`` times the leads: the cohort and every source's rate.

    Seed 001: "When fed by an effective lead generating machine ... a sales persons time is more
    efficiently spent".
    """
    if not is_amount(factor):
        raise SimulationInputError("arguments", [f"factor: {factor!r} must be a number >= 0"])

    def change(scenario: Scenario) -> Scenario:
        return attrs.evolve(
            scenario,
            leads=round(scenario.leads * factor),
            sources=[attrs.evolve(s, rate=s.rate * factor) for s in scenario.sources],
        )

    return Variation(f"leads x{factor:g}", change)


def better_conversion(stage: Any, by: float = 0.05) -> Variation:
    """Sales moves ``by`` more of the deals at ``stage`` on (absolute: 0.05 is five points).

    The advance is capped so that it and the branches from the stage sum to at most 1.
    """
    if not (isinstance(by, (int, float)) and math.isfinite(by)):
        raise SimulationInputError("arguments", [f"by: {by!r} must be a number"])

    def change(scenario: Scenario) -> Scenario:
        process = scenario.process
        try:
            found = process.stage(stage) if isinstance(stage, str) else stage
        except UnknownStageError as error:
            raise SimulationInputError("arguments", [f"better_conversion: {error}"]) from error
        if found not in process.open_stages:
            raise SimulationInputError(
                "arguments",
                [
                    f"better_conversion: {stage!r} is not an open stage of {process.name!r} "
                    f"({', '.join(str(s.value) for s in process.open_stages)})"
                ],
            )
        advance = dict(scenario.advance)
        room = 1.0 - sum(scenario.branch.get(found, {}).values())
        advance[found] = min(max(0.0, advance[found] + by), room)
        return attrs.evolve(scenario, advance=advance)

    name = stage.value if hasattr(stage, "value") else str(stage)
    return Variation(f"{name} {by * 100:+g} pts", change)


def more_reps(count: int = 1) -> Variation:
    """Sales hires ``count`` more reps (the scenario needs a capacity)."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise SimulationInputError("arguments", [f"count: {count!r} must be a whole number"])

    def change(scenario: Scenario) -> Scenario:
        if scenario.capacity is None:
            raise ScenarioError(
                scenario.name, ["capacity: the scenario has no sales capacity to add reps to"]
            )
        capacity = attrs.evolve(scenario.capacity, reps=scenario.capacity.reps + count)
        return attrs.evolve(scenario, capacity=capacity)

    return Variation(f"reps {count:+d}", change)


@final
@attrs.frozen(weakref_slot=False)
class Outcome:
    """One scenario's answer in a comparison.

    Attributes:
        name: the variation's name (``"base"`` for the scenario itself).
        scenario: the scenario answered.
        leads, won, win_rate, revenue, cost, days_to_win: expected (exact) or means across runs.
        revenue_band: the revenue band across runs (``None`` for exact answers).
        won_gain: won deals over the base scenario.
        revenue_gain: revenue over the base scenario.
        revenue_gain_band: the band of the revenue gained, run by run against the base's run
            with the same random streams (``None`` for exact answers and for the base).
    """

    name: str
    scenario: Scenario = attrs.field(repr=False)
    leads: float
    won: float
    win_rate: float
    revenue: float
    cost: float
    days_to_win: float
    revenue_band: Band | None
    won_gain: float
    revenue_gain: float
    revenue_gain_band: Band | None = None
    _revenue_per_run: Any = attrs.field(default=None, eq=False, repr=False, alias="revenue_per_run")

    def to_dict(self) -> dict[str, Any]:
        """The outcome as plain data."""
        return {
            "name": self.name,
            "leads": self.leads,
            "won": self.won,
            "win_rate": self.win_rate,
            "revenue": self.revenue,
            "cost": self.cost,
            "days_to_win": None if math.isnan(self.days_to_win) else self.days_to_win,
            "won_gain": self.won_gain,
            "revenue_gain": self.revenue_gain,
            "revenue_band": None if self.revenue_band is None else self.revenue_band.to_dict(),
            "revenue_gain_band": (
                None if self.revenue_gain_band is None else self.revenue_gain_band.to_dict()
            ),
        }


@final
@attrs.frozen(weakref_slot=False)
class Comparison:
    """Variations of a scenario side by side; :attr:`best` is the one that adds most revenue.

    Seed 002: "By understanding marketing and sales as separate activities you can locate your
    weak link". Here the weak link is a number: the revenue each change adds.

    Attributes:
        method: ``"exact"`` or ``"monte-carlo"``.
        base: the scenario as it is.
        variations: the varied scenarios, in the order given.
        seed: the seed every Monte Carlo run shared (common random numbers), or ``None``.
    """

    method: str
    base: Outcome
    variations: tuple[Outcome, ...]
    seed: int | None

    @property
    def ranked(self) -> tuple[Outcome, ...]:
        """The variations, the largest revenue gain first."""
        return tuple(sorted(self.variations, key=lambda o: o.revenue_gain, reverse=True))

    @property
    def best(self) -> Outcome:
        """The variation that adds most revenue."""
        return self.ranked[0]

    def to_dict(self) -> dict[str, Any]:
        """The comparison as plain data."""
        return {
            "method": self.method,
            "seed": self.seed,
            "base": self.base.to_dict(),
            "variations": [o.to_dict() for o in self.variations],
            "best": self.best.name,
        }

    def to_text(self) -> str:
        """A table of the outcomes, the best first."""
        header = f"{'scenario':<24}{'won':>12}{'revenue':>16}{'revenue gain':>16}"
        lines = [header, "-" * len(header)]
        for outcome in (self.base, *self.ranked):
            lines.append(
                f"{outcome.name:<24}{outcome.won:>12,.1f}{outcome.revenue:>16,.0f}"
                f"{outcome.revenue_gain:>+16,.0f}"
            )
        return "\n".join(lines)


def compare(
    scenario: Scenario,
    variations: Iterable[Variation],
    *,
    method: Method = "auto",
    runs: int = 20,
    seed: int | None = None,
    threads: int | None = None,
) -> Comparison:
    """Answer ``scenario`` and each of its ``variations``, side by side.

    ``method="auto"`` answers exactly unless the scenario has sales capacity (which only Monte
    Carlo models). Monte Carlo runs every variation with the same seed (common random numbers),
    so the differences between them are not drowned in noise.

    >>> from funnelcore.simulate import DealValue, Scenario, better_conversion, compare, more_leads
    >>> scenario = Scenario(process="simple", advance={"lead": 0.1}, days={"lead": 1},
    ...                     leads=1000, value=DealValue(100))
    >>> comparison = compare(scenario, [more_leads(1.5), better_conversion("lead", 0.1)])
    >>> comparison.best.name, comparison.best.revenue_gain
    ('lead +10 pts', 10000.0)

    Raises:
        ScenarioError: a variation makes the scenario invalid, or the method cannot answer it.
        SimulationInputError: bad ``method``, ``runs`` or ``seed``; ``scenario`` not a
            :class:`Scenario`; a variation that is not a :class:`Variation`, gives no scenario,
            or (``better_conversion``) names a stage that is not open.
    """
    if method not in ("auto", "exact", "monte-carlo"):
        raise SimulationInputError(
            "arguments", [f"method: {method!r}; use 'auto', 'exact' or 'monte-carlo'"]
        )
    check_scenario(scenario)
    check_runs(runs, seed, threads)
    varied: list[tuple[str, Scenario]] = []
    for variation in variations:
        if not isinstance(variation, Variation):
            raise SimulationInputError(
                "arguments",
                [
                    "variations: expected Variation records (more_leads(), better_conversion(), "
                    f"more_reps() or your own), got {type(variation).__name__}"
                ],
            )
        subject = variation.apply(scenario)
        if not isinstance(subject, Scenario):
            raise SimulationInputError(
                "arguments",
                [f"variation {variation.name!r} gave a {type(subject).__name__}, not a Scenario"],
            )
        varied.append((variation.name, subject))
    if not varied:
        raise SimulationInputError("arguments", ["variations: give at least one"])
    chosen = method
    if method == "auto":
        capacity = any(s.capacity is not None for s in (scenario, *(s for _, s in varied)))
        chosen = "monte-carlo" if capacity else "exact"
    if chosen == "monte-carlo" and seed is None:
        import numpy as np

        seed = int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]

    def answer(name: str, subject: Scenario, base: Outcome | None) -> Outcome:
        per_run = gain_band = None
        if chosen == "exact":
            result = exact(subject)
            leads, won, rate, revenue = result.leads, result.won, result.win_rate, result.revenue
            cost, days, band = result.cost, result.days_to_win, None
        else:
            simulated = monte_carlo(subject, runs=runs, seed=seed, threads=threads, timeline=False)
            leads, won = simulated.leads.mean, simulated.won.mean
            rate, revenue = simulated.win_rate.mean, simulated.revenue.mean
            cost, days, band = simulated.cost.mean, simulated.days_to_win.mean, simulated.revenue
            per_run = simulated.revenue_per_run
            if base is not None:
                gain_band = Band.of(per_run - base._revenue_per_run)
        return Outcome(
            name=name,
            scenario=subject,
            leads=leads,
            won=won,
            win_rate=rate,
            revenue=revenue,
            cost=cost,
            days_to_win=days,
            revenue_band=band,
            won_gain=0.0 if base is None else won - base.won,
            revenue_gain=0.0 if base is None else revenue - base.revenue,
            revenue_gain_band=gain_band,
            revenue_per_run=per_run,
        )

    base = answer("base", scenario, None)
    outcomes = tuple(answer(name, subject, base) for name, subject in varied)
    return Comparison(
        method=chosen, base=base, variations=outcomes, seed=seed if chosen != "exact" else None
    )


def weak_link(
    scenario: Scenario,
    *,
    by: float = 0.05,
    method: Method = "auto",
    runs: int = 20,
    seed: int | None = None,
    threads: int | None = None,
) -> Comparison:
    """Lift each open stage's conversion by ``by`` in turn: the best is the weak link.

    Seed 002: "you can locate your weak link take action to bring your organization back into
    alignment". The stage whose better conversion adds most revenue is where sales effort pays
    most; compare it with :func:`more_leads` to weigh marketing against sales.
    """
    return compare(
        scenario,
        [better_conversion(stage, by) for stage in scenario.open_stages],
        method=method,
        runs=runs,
        seed=seed,
        threads=threads,
    )
