"""The vectorised Monte Carlo engine (imports numpy).

How a chunk of leads is walked through the process. The leads waiting at a stage form batches:
arrays of the days each lead has spent since it arrived, whose order says nothing about their
values (their elements are exchangeable: independent draws, or a random permutation). At a stage,
one multinomial draw splits a batch of ``n`` leads into how many advance, take each branch and are
lost; because the batch is exchangeable, the first ``k1`` leads may be the ones that advance, the
next ``k2`` the ones that branch, and the rest the lost ones, without changing the joint law of
anything reported. Lost leads are then dropped, and a stay is drawn only for the survivors. Each
target receives a contiguous slice (a view, no copy), itself exchangeable. A loop (a revised
proposal) sends a new, smaller batch back, until no lead is left.

This needs one binomial-like draw per batch instead of one uniform per lead, and one duration per
surviving lead; everything else is slicing and a few in-place array operations.

Leads are cut into fixed blocks of ``STREAM_BLOCK`` leads, and each block draws from its own
stream, ``SeedSequence(seed, spawn_key=(run, 1, block))``; per-run lead counts come from
``spawn_key=(run, 0)``. A chunk (one task for a thread) is a run of whole blocks, and block results
are combined in block order, so a seed gives the same result whatever the chunk size or the number
of threads.

With sales capacity the leads of a run share the sales slots in arrival order, so a run cannot be
split into independent chunks: each run is simulated whole (memory grows with its leads), each
lead's path with one uniform per stay, and the queue in a plain loop.
"""

from __future__ import annotations

import heapq
import itertools
import math
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Final, TypeVar

import numpy as np
import numpy.typing as npt

from funnelcore.simulate._exact import ChainSolution
from funnelcore.simulate._results import Band, DaysToWin, MonteCarloResult, Timeline
from funnelcore.simulate._scenario import Chain, Scenario, lognormal_log

__all__ = ["STREAM_BLOCK", "Plan", "Walker", "forecast_runs", "run_monte_carlo", "threads_for"]

#: Bins of the days-to-win histogram; its range is 32 times the exact mean days to win.
_HISTOGRAM_BINS: Final = 1 << 14
_HISTOGRAM_SPAN: Final = 32.0
#: Leads per random stream. The unit of reproducibility: chunks are made of whole blocks, so a
#: seed gives the same numbers whatever the chunk size or thread count. 2**16 leads keep a
#: block's float arrays within a core's L2 cache (see DEFAULT_CHUNK_SIZE).
STREAM_BLOCK: Final = 1 << 16

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
T = TypeVar("T")


def threads_for(threads: int | None) -> int:
    """The worker threads to use: ``threads``, or every core the process may use."""
    if threads is not None:
        return threads
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class Plan:
    """What every chunk of one simulation needs, computed once (internal)."""

    def __init__(self, scenario: Scenario) -> None:
        chain: Chain = scenario._chain
        self.scenario = scenario
        self.chain = chain
        self.size = len(chain.stages)
        self.targets: list[tuple[int, ...]] = [tuple(j for j, _ in t) for t in chain.targets]
        self.pvals: list[Floats] = []
        for targets in chain.targets:
            kept = [p for _, p in targets]
            self.pvals.append(np.array([*kept, max(0.0, 1.0 - math.fsum(kept))]))
        duration = scenario.duration
        self.kind = duration.distribution
        self.means = chain.mean_days
        cv = duration.cv if self.kind == "lognormal" else 0.0
        self.sigma = lognormal_log(1.0, cv)[1]
        self.mu = [lognormal_log(m, cv)[0] if m > 0 else 0.0 for m in self.means]
        self.shape = duration.shape if self.kind == "gamma" else 1.0
        self.scale = [m / self.shape for m in self.means]
        value = scenario.value
        self.value_mean = value.mean
        self.value_random = value.distribution == "lognormal" and value.cv > 0 and value.mean > 0
        self.value_mu, self.value_sigma = (
            lognormal_log(value.mean, value.cv) if self.value_random else (0.0, 0.0)
        )
        #: the chain solved exactly: win probability and days to win from each stage
        self.solution = ChainSolution(chain)
        days = float(self.solution.days_to_win[0])
        # NaN when nothing can be won; 0 when every stay lasts 0 days.
        self.exact_days = days if math.isfinite(days) else 0.0
        span_days = self.exact_days if self.exact_days > 0 else 1.0
        self.histogram_days = span_days * _HISTOGRAM_SPAN
        self.bin_days = self.histogram_days / _HISTOGRAM_BINS

    def stays(
        self, rng: np.random.Generator, stage: int, count: int, elapsed: Floats | None
    ) -> Floats | None:
        """``elapsed[:count]`` plus one stay at ``stage`` each (``None`` stands for zeros)."""
        mean = self.means[stage]
        if mean == 0:
            return None if elapsed is None else elapsed[:count]
        if self.kind == "lognormal":
            # exp(mu + sigma * z): the lognormal, a little faster than rng.lognormal.
            days = rng.standard_normal(count)
            days *= self.sigma
            days += self.mu[stage]
            np.exp(days, out=days)
        elif self.kind == "gamma":
            days = rng.standard_gamma(self.shape, count)
            days *= self.scale[stage]
        else:
            if elapsed is None:
                return np.full(count, mean)
            return elapsed[:count] + mean
        if elapsed is not None:
            days += elapsed[:count]
        return days

    def values(self, rng: np.random.Generator, count: int) -> Floats:
        """``count`` deal values drawn from the scenario's value distribution."""
        if self.value_random:
            return rng.lognormal(self.value_mu, self.value_sigma, count)
        return np.full(count, self.value_mean)


Batch = tuple[int, "Floats | None", "npt.NDArray[Any] | None"]


class Walker:
    """Walks batches of exchangeable leads through the stages of one chunk (internal).

    ``on_enter(stage, count, elapsed, tag)`` is called for every batch entering an open stage or
    WON (index ``plan.size``); ``elapsed`` ``None`` stands for zeros. ``tag`` is an array sliced
    alongside ``elapsed`` (arrival days, or deal ids), or ``None``.
    """

    def __init__(
        self,
        plan: Plan,
        rng: np.random.Generator,
        on_enter: Callable[[int, int, Floats | None, npt.NDArray[Any] | None], None],
    ) -> None:
        self.plan = plan
        self.rng = rng
        self.on_enter = on_enter
        self.queues: list[list[Batch]] = [[] for _ in range(plan.size)]
        self.visits = np.zeros(plan.size, dtype=np.int64)

    def add(self, stage: int, count: int, elapsed: Floats | None, tag: Any) -> None:
        """Put a batch at ``stage`` (it has just entered it)."""
        if count:
            self.queues[stage].append((count, elapsed, tag))
            self.on_enter(stage, count, elapsed, tag)

    def run(self) -> None:
        """Walk every batch until every lead is won or lost."""
        plan, rng, queues = self.plan, self.rng, self.queues
        won = plan.size
        pending = True
        while pending:
            pending = False
            for stage in range(plan.size):
                queue = queues[stage]
                while queue:
                    pending = True
                    count, elapsed, tag = queue.pop()
                    self.visits[stage] += count
                    counts = rng.multinomial(count, plan.pvals[stage])
                    survivors = count - int(counts[-1])
                    if survivors == 0:
                        continue
                    moved = plan.stays(rng, stage, survivors, elapsed)
                    offset = 0
                    for target, taken in zip(
                        plan.targets[stage], counts[:-1].tolist(), strict=True
                    ):
                        if not taken:
                            continue
                        end = offset + taken
                        part = None if moved is None else moved[offset:end]
                        part_tag = None if tag is None else tag[offset:end]
                        offset = end
                        if target == won:
                            self.on_enter(won, taken, part, part_tag)
                        else:
                            self.add(target, taken, part, part_tag)


class Tally:
    """What one chunk (or one run, once chunks are added up) counted (internal)."""

    def __init__(self, plan: Plan, periods: int, period_days: float) -> None:
        self.leads = 0
        self.won = 0
        self.days_sum = 0.0
        self.days_squares = 0.0
        self.revenue = 0.0
        self.cost = 0.0
        self.lost_waiting = 0
        self.visits = np.zeros(plan.size, dtype=np.int64)
        self.histogram = np.zeros(_HISTOGRAM_BINS, dtype=np.int64)
        self.entries = np.zeros((plan.size + 1, periods), dtype=np.int64) if periods else None
        self._per_day = 1.0 / period_days
        self._per_bin = 1.0 / plan.bin_days

    def enter(self, stage: int, count: int, elapsed: Floats | None, arrival: Floats | None) -> None:
        """Count ``count`` leads entering ``stage`` at ``arrival + elapsed``."""
        entries = self.entries
        if entries is None:
            return
        if elapsed is None and arrival is None:
            entries[stage, 0] += count
            return
        if elapsed is None:
            at = arrival
        elif arrival is None:
            at = elapsed
        else:
            at = arrival + elapsed
        assert at is not None
        bins = (at * self._per_day).astype(np.intp)
        np.minimum(bins, entries.shape[1] - 1, out=bins)
        entries[stage] += np.bincount(bins, minlength=entries.shape[1])

    def win(self, count: int, days: Floats | None) -> None:
        """Count ``count`` won deals that took ``days`` from arrival (``None``: no days)."""
        self.won += count
        if days is None:
            self.histogram[0] += count
            return
        self.days_sum += float(days.sum())
        self.days_squares += float(np.dot(days, days))
        bins = (days * self._per_bin).astype(np.intp)
        np.minimum(bins, _HISTOGRAM_BINS - 1, out=bins)
        self.histogram += np.bincount(bins, minlength=_HISTOGRAM_BINS)

    def add(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        self.leads += other.leads
        self.won += other.won
        self.days_sum += other.days_sum
        self.days_squares += other.days_squares
        self.revenue += other.revenue
        self.cost += other.cost
        self.lost_waiting += other.lost_waiting
        self.visits += other.visits
        self.histogram += other.histogram
        if self.entries is not None and other.entries is not None:
            self.entries += other.entries


def _chunk(
    plan: Plan,
    seed: np.random.SeedSequence,
    cohort: int,
    flow: int,
    periods: int,
    period_days: float,
) -> Tally:
    """Simulate one chunk: ``cohort`` leads arriving on day 0, ``flow`` leads over the span."""
    rng = np.random.default_rng(seed)
    tally = Tally(plan, periods, period_days)
    tally.leads = cohort + flow
    won = plan.size

    def on_enter(stage: int, count: int, elapsed: Floats | None, arrival: Any) -> None:
        if stage == won:
            tally.win(count, elapsed)
            if plan.value_random:
                tally.revenue += float(plan.values(rng, count).sum())
            else:
                tally.revenue += count * plan.value_mean
        tally.enter(stage, count, elapsed, arrival)

    walker = Walker(plan, rng, on_enter)
    walker.add(0, cohort, None, None)
    if flow:
        # Arrival days of a Poisson flow, given its count, are independent and uniform over
        # the sources' span (the rate is constant over the periods).
        arrival = rng.random(flow)
        arrival *= plan.scenario.arrival_days
        walker.add(0, flow, None, arrival)
    walker.run()
    tally.visits = walker.visits
    return tally


def _run_counts(scenario: Scenario, entropy: int, run: int) -> tuple[int, int, float]:
    """The cohort, the flow leads and their cost in one run."""
    flow = 0
    cost = 0.0
    if scenario.sources:
        rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(run, 0)))
        for source in scenario.sources:
            count = int(rng.poisson(source.rate * scenario.periods))
            flow += count
            cost += count * source.cost_per_lead
    return scenario.leads, flow, cost


def _map(threads: int, function: Callable[[Any], T], tasks: Sequence[Any]) -> list[T]:
    return list(_ordered(threads, function, tasks))


def _ordered(threads: int, function: Callable[[Any], T], tasks: Sequence[Any]) -> Iterator[T]:
    """``function`` of each task, in task order, on ``threads`` threads.

    At most ``2 * threads`` tasks are in flight, so results waiting to be consumed stay few
    whatever the number of tasks (memory does not grow with the number of chunks).
    """
    if threads <= 1 or len(tasks) <= 1:
        yield from map(function, tasks)
        return
    with ThreadPoolExecutor(max_workers=threads) as executor:
        pending: deque[Future[T]] = deque()
        remaining = iter(tasks)
        for task in itertools.islice(remaining, 2 * threads):
            pending.append(executor.submit(function, task))
        while pending:
            result = pending.popleft().result()
            for task in itertools.islice(remaining, 1):
                pending.append(executor.submit(function, task))
            yield result


def _timeline_periods(scenario: Scenario, plan: Plan, horizon_days: float | None) -> int:
    if horizon_days is None:
        horizon_days = scenario.arrival_days + 3.0 * plan.exact_days
    periods = max(1, math.ceil(horizon_days / scenario.period_days))
    return periods + 1  # the last period holds every later entry


def run_monte_carlo(
    scenario: Scenario,
    *,
    runs: int,
    seed: int | None,
    threads: int | None,
    chunk_size: int,
    timeline: bool,
    horizon_days: float | None,
) -> MonteCarloResult:
    """Simulate ``scenario`` ``runs`` times (see :func:`funnelcore.simulate.monte_carlo`)."""
    plan = Plan(scenario)
    entropy = int(np.random.SeedSequence(seed).entropy)  # type: ignore[arg-type]
    periods = _timeline_periods(scenario, plan, horizon_days) if timeline else 0
    period_days = scenario.period_days
    workers = threads_for(threads)
    tallies: list[Tally] = []
    if scenario.capacity is not None:
        tallies = _map(
            workers,
            lambda run: _capacity_run(plan, entropy, run, periods, period_days),
            range(runs),
        )
    else:
        # Random streams belong to fixed blocks of STREAM_BLOCK leads, and a task (a chunk) is
        # a run of whole blocks: block tallies are added in block order whatever the chunk size
        # or thread count, so a seed gives the same result, to the last bit, under any chunking.
        per_task = max(1, -(-chunk_size // STREAM_BLOCK))
        tasks: list[tuple[int, list[tuple[int, int, int]]]] = []
        costs: list[float] = []
        for run in range(runs):
            cohort, flow, cost = _run_counts(scenario, entropy, run)
            costs.append(cost)
            total = cohort + flow
            blocks: list[tuple[int, int, int]] = []
            for block, start in enumerate(range(0, max(total, 1), STREAM_BLOCK)):
                end = min(total, start + STREAM_BLOCK)
                in_cohort = max(0, min(end, cohort) - start)
                blocks.append((block, in_cohort, end - start - in_cohort))
            tasks.extend(
                (run, blocks[first : first + per_task]) for first in range(0, len(blocks), per_task)
            )

        def work(task: tuple[int, list[tuple[int, int, int]]]) -> list[Tally]:
            run, blocks = task
            return [
                _chunk(
                    plan,
                    np.random.SeedSequence(entropy, spawn_key=(run, 1, block)),
                    in_cohort,
                    in_flow,
                    periods,
                    period_days,
                )
                for block, in_cohort, in_flow in blocks
            ]

        tallies = [Tally(plan, periods, period_days) for _ in range(runs)]
        for (run, _), block_tallies in zip(tasks, _ordered(workers, work, tasks), strict=True):
            for tally in block_tallies:
                tallies[run].add(tally)
        for tally, cost in zip(tallies, costs, strict=True):
            tally.cost = cost
    effective = max(1, -(-chunk_size // STREAM_BLOCK)) * STREAM_BLOCK
    return _result(scenario, plan, tallies, entropy, effective, period_days)


def _percentile(histogram: Ints, bin_days: float, q: float) -> float:
    """The ``q`` quantile of the values binned in ``histogram``, linear within a bin."""
    total = int(histogram.sum())
    if total == 0:
        return math.nan
    cumulative = np.cumsum(histogram)
    rank = q * total
    index = int(np.searchsorted(cumulative, rank, side="left"))
    before = int(cumulative[index - 1]) if index else 0
    inside = int(histogram[index])
    fraction = (rank - before) / inside if inside else 0.0
    return (index + fraction) * bin_days


def _result(
    scenario: Scenario,
    plan: Plan,
    tallies: list[Tally],
    entropy: int,
    chunk_size: int,
    period_days: float,
) -> MonteCarloResult:
    leads = np.array([t.leads for t in tallies], dtype=float)
    won = np.array([t.won for t in tallies], dtype=np.int64)
    revenue = np.array([t.revenue for t in tallies], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(leads > 0, won / np.maximum(leads, 1), 0.0)
    histogram = np.sum([t.histogram for t in tallies], axis=0).astype(np.int64)
    total_won = int(won.sum())
    days_sum = math.fsum(t.days_sum for t in tallies)
    squares = math.fsum(t.days_squares for t in tallies)
    if total_won:
        mean = days_sum / total_won
        variance = max(0.0, squares / total_won - mean * mean)
        std = math.sqrt(variance * total_won / (total_won - 1)) if total_won > 1 else 0.0
    else:
        mean = std = math.nan
    days = DaysToWin(
        mean=mean,
        p50=_percentile(histogram, plan.bin_days, 0.5),
        p90=_percentile(histogram, plan.bin_days, 0.9),
        std=std,
        bin_days=plan.bin_days,
        histogram=histogram,
    )
    stages = plan.chain.stages
    visits = np.array([t.visits for t in tallies])
    timeline = None
    entries = [t.entries for t in tallies]
    if all(e is not None for e in entries):
        timeline = Timeline(
            stages=(*stages, scenario.process.won),
            period_days=period_days,
            entries=np.array(entries, dtype=np.int64),
        )
    return MonteCarloResult(
        scenario=scenario,
        runs=len(tallies),
        seed=entropy,
        chunk_size=chunk_size,
        leads=Band.of(leads),
        won=Band.of(won),
        win_rate=Band.of(rate),
        revenue=Band.of(revenue),
        cost=Band.of([t.cost for t in tallies]),
        lost_waiting=Band.of([t.lost_waiting for t in tallies]),
        days_to_win=days,
        visits={s: Band.of(visits[:, j]) for j, s in enumerate(stages)},
        timeline=timeline,
        won_per_run=won,
        revenue_per_run=revenue,
    )


# -- with sales capacity -------------------------------------------------------------------------


def _capacity_run(plan: Plan, entropy: int, run: int, periods: int, period_days: float) -> Tally:
    """One run of a scenario with sales capacity: paths first, then the queue for the slots."""
    scenario = plan.scenario
    capacity = scenario.capacity
    assert capacity is not None
    cohort, flow, cost = _run_counts(scenario, entropy, run)
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(run, 1, 0)))
    total = cohort + flow
    tally = Tally(plan, periods, period_days)
    tally.leads = total
    tally.cost = cost
    arrival: Floats = np.zeros(total)
    arrival[cohort:] = rng.random(flow) * scenario.arrival_days
    # Each lead's path, one uniform per stay; lost deals' stays are drawn too, since a deal holds
    # a slot until it is won or lost.
    service = np.zeros(total)
    won_after = np.full(total, math.nan)
    entered: list[tuple[int, npt.NDArray[np.intp], Floats]] = []
    won_index = plan.size
    frontier: list[tuple[int, npt.NDArray[np.intp], Floats]] = [
        (0, np.arange(total), np.zeros(total))
    ]
    entered.append(frontier[0])
    while frontier:
        stage, index, elapsed = frontier.pop()
        if index.size == 0:
            continue
        stays = plan.stays(rng, stage, index.size, None)
        end = elapsed if stays is None else elapsed + stays
        uniform = rng.random(index.size)
        low = 0.0
        for target, probability in zip(
            plan.targets[stage], plan.pvals[stage][:-1].tolist(), strict=True
        ):
            chosen = (uniform >= low) & (uniform < low + probability)
            low += probability
            picked, at = index[chosen], end[chosen]
            if target == won_index:
                service[picked] = at
                won_after[picked] = at
                entered.append((won_index, picked, at))
            else:
                entered.append((target, picked, at))
                frontier.append((target, picked, at))
        lost = uniform >= low
        service[index[lost]] = end[lost]
    # The queue: first come, first served, for reps * deals_per_rep slots; a waiting lead goes
    # cold after an exponential patience of mean 1 / decay days.
    if capacity.decay > 0:
        patience = rng.exponential(1.0 / capacity.decay, total)
    else:
        patience = np.full(total, math.inf)
    start: Floats = np.copy(arrival)
    cold = np.zeros(total, dtype=bool)
    if capacity.slots < total:
        slots = [0.0] * capacity.slots
        arrivals = arrival.tolist()
        services = service.tolist()
        patiences = patience.tolist()
        starts: list[float] = start.tolist()
        for lead in np.argsort(arrival, kind="stable").tolist():
            at = arrivals[lead]
            free = slots[0]
            begin = at if at > free else free
            if begin - at > patiences[lead]:
                cold[lead] = True
                continue
            starts[lead] = begin
            heapq.heapreplace(slots, begin + services[lead])
        start = np.asarray(starts)
    tally.lost_waiting = int(cold.sum())
    visits = np.zeros(plan.size, dtype=np.int64)
    for stage, index, elapsed in entered:
        keep = ~cold[index]
        index, elapsed = index[keep], elapsed[keep]
        if stage < plan.size:
            visits[stage] += index.size
        tally.enter(stage, index.size, start[index] + elapsed, None)
    tally.visits = visits
    won_mask = ~np.isnan(won_after) & ~cold
    days = (start - arrival + np.nan_to_num(won_after))[won_mask]
    tally.win(int(won_mask.sum()), days)
    tally.revenue = float(plan.values(rng, int(won_mask.sum())).sum())
    return tally


# -- forecasting open deals ----------------------------------------------------------------------


def forecast_runs(
    plan: Plan,
    *,
    start: npt.NDArray[np.intp],
    values: Floats,
    horizon_days: float,
    runs: int,
    entropy: int,
    threads: int | None,
    chunk_size: int,
) -> tuple[Ints, Floats, Ints]:
    """Walk open deals from their stages ``runs`` times: wins and revenue by the horizon, wins ever.

    ``start[d]`` is deal ``d``'s stage index, ``values[d]`` its value (NaN: drawn from the
    scenario). Each run walks every deal once; a chunk holds whole runs. Within a chunk, the
    copies of the deals starting at one stage are shuffled once, so each batch is exchangeable
    and the engine's slicing applies (see the module docstring).
    """
    deals = int(start.size)
    per_chunk = max(1, chunk_size // max(deals, 1))
    groups = [np.flatnonzero(start == stage) for stage in range(plan.size)]
    tasks = [(first, min(runs, first + per_chunk)) for first in range(0, runs, per_chunk)]

    def work(task: tuple[int, int]) -> tuple[Ints, Floats, Ints]:
        first, last = task
        count = last - first
        rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(2, first)))
        won_by = np.zeros(count, dtype=np.int64)
        revenue = np.zeros(count)
        won_ever = np.zeros(count, dtype=np.int64)

        def on_enter(stage: int, taken: int, elapsed: Floats | None, ids: Any) -> None:
            if stage != plan.size:
                return
            run = ids // deals
            won_ever[:] += np.bincount(run, minlength=count)
            if elapsed is None:
                in_time, chosen = run, ids
            else:
                on_time = elapsed <= horizon_days
                in_time, chosen = run[on_time], ids[on_time]
            won_by[:] += np.bincount(in_time, minlength=count)
            worth: Floats = values[chosen % deals]
            unknown = np.isnan(worth)
            if unknown.any():
                worth = np.copy(worth)
                worth[unknown] = plan.values(rng, int(unknown.sum()))
            revenue[:] += np.bincount(in_time, weights=worth, minlength=count)

        walker = Walker(plan, rng, on_enter)
        offsets = np.arange(count, dtype=np.int64) * deals
        for stage, members in enumerate(groups):
            if members.size:
                ids = (offsets[:, None] + members[None, :]).ravel()
                walker.add(stage, int(ids.size), None, rng.permutation(ids))
        walker.run()
        return won_by, revenue, won_ever

    parts = _map(threads_for(threads), work, tasks)
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )
