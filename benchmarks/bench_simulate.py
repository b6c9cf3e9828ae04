"""Benchmark of funnelcore.simulate: the vectorised simulator against raw RNG and a naive loop.

Prints, in one run, on the scenario of examples/scenario.toml (the complex process):

1. leads/s on one thread for the vectorised simulator (``monte_carlo``), with and without the
   timeline of entries per stage and period;
2. leads/s for a naive per-lead Python loop (``random``: one uniform per stay, one lognormal per
   stay that is not lost);
3. leads/s for raw numpy RNG making the same draws as the naive loop (the uniforms and lognormals
   a per-lead simulation needs, counted from the vectorised run), in the same chunk size; and for
   the draws the vectorised simulator makes (normals for the surviving stays only);
4. the ratios (targets: >= 0.7x raw RNG per thread, >= 15x the naive loop);
5. leads/s on every core;
6. peak memory (``ru_maxrss`` of a fresh subprocess) for 1M, 10M and 100M leads.

Each speed is the best of a few repeats: the machine may be shared, and the best run is the one
least disturbed. The load average is printed alongside.

    PYTHONPATH=src python benchmarks/bench_simulate.py [--quick]
"""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import attrs
import numpy as np

from funnelcore.simulate import DEFAULT_CHUNK_SIZE, Scenario, exact, monte_carlo

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "examples" / "scenario.toml"
QUICK = "--quick" in sys.argv
VECTOR_LEADS = 2_000_000 if QUICK else 20_000_000
NAIVE_LEADS = 50_000 if QUICK else 300_000
REPEATS = 2 if QUICK else 3
MEMORY_LEADS = (1_000_000, 10_000_000) if QUICK else (1_000_000, 10_000_000, 100_000_000)


def best_of(repeats: int, run: Callable[[], object]) -> float:
    """The shortest wall time of ``repeats`` runs, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def naive(scenario: Scenario, leads: int, seed: int) -> tuple[int, float]:
    """The per-lead Python loop: won deals and the sum of their days."""
    rng = random.Random(seed)
    chain = scenario._chain
    won_index = len(chain.stages)
    sigma = scenario.duration.sigma
    mus = [math.log(m) - sigma * sigma / 2 for m in chain.mean_days]
    targets = chain.targets
    won = 0
    days = 0.0
    for _ in range(leads):
        stage = 0
        elapsed = 0.0
        while True:
            draw = rng.random()
            target = -1
            for candidate, probability in targets[stage]:
                if draw < probability:
                    target = candidate
                    break
                draw -= probability
            if target < 0:
                break
            elapsed += rng.lognormvariate(mus[stage], sigma)
            if target == won_index:
                won += 1
                days += elapsed
                break
            stage = target
    return won, days


def raw_draws(uniforms: int, lognormals: int, chunks: int) -> None:
    """Raw numpy draws: ``uniforms`` uniforms and ``lognormals`` lognormals, spread over chunks."""
    rng = np.random.default_rng(1)
    per_u = uniforms // chunks
    per_l = lognormals // chunks
    for _ in range(chunks):
        rng.random(per_u)
        rng.lognormal(0.5, 0.47, per_l)


def raw_normals(normals: int, chunks: int) -> None:
    """What the vectorised simulator draws: one normal per surviving stay (exp applied)."""
    rng = np.random.default_rng(1)
    per = normals // chunks
    for _ in range(chunks):
        days = rng.standard_normal(per)
        np.exp(days, out=days)


def peak_memory(leads: int) -> int:
    """ru_maxrss (KiB) of a fresh process that simulates ``leads`` leads on every core."""
    code = (
        "import resource, attrs\n"
        "from funnelcore.simulate import Scenario, monte_carlo\n"
        f"s = attrs.evolve(Scenario.from_toml({str(SCENARIO)!r}), leads={leads})\n"
        "r = monte_carlo(s, seed=1)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, r.won.mean)\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environment
    ).stdout.split()
    return int(output[0])


def baseline_memory() -> int:
    """ru_maxrss (KiB) of a process that imports funnelcore.simulate and numpy and stops."""
    code = (
        "import resource, numpy\n"
        "import funnelcore.simulate._montecarlo\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return int(
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env=environment,
        ).stdout
    )


def main() -> None:
    scenario = Scenario.from_toml(SCENARIO)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"funnelcore.simulate benchmark - numpy {np.__version__}, {cores} cores, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"scenario: {SCENARIO.name} (complex process, 7 open stages), chunk {DEFAULT_CHUNK_SIZE}")
    expected = exact(scenario)
    print(
        f"exact: win probability {expected.win_probability:.6f}, "
        f"days to win {expected.days_to_win:.2f}"
    )
    print()

    big = attrs.evolve(scenario, leads=VECTOR_LEADS)
    monte_carlo(attrs.evolve(scenario, leads=100_000), threads=1)  # warm up
    result = monte_carlo(big, threads=1, seed=1)
    seconds = best_of(REPEATS, lambda: monte_carlo(big, threads=1, seed=1))
    bare = best_of(REPEATS, lambda: monte_carlo(big, threads=1, seed=1, timeline=False))
    vector = VECTOR_LEADS / seconds
    vector_bare = VECTOR_LEADS / bare

    # The draws a per-lead simulation makes: one uniform per stay, one lognormal per stay that is
    # not lost (counted from the vectorised run itself).
    stays = sum(band.mean for band in result.visits.values())
    chain = scenario._chain
    moving = sum(
        result.visits[stage].mean * sum(p for _, p in chain.targets[i])
        for i, stage in enumerate(chain.stages)
    )
    chunks = max(1, VECTOR_LEADS // DEFAULT_CHUNK_SIZE)
    raw_seconds = best_of(REPEATS, lambda: raw_draws(int(stays), int(moving), chunks))
    raw = VECTOR_LEADS / raw_seconds
    normal_seconds = best_of(REPEATS, lambda: raw_normals(int(moving), chunks))
    raw_own = VECTOR_LEADS / normal_seconds

    naive_seconds = best_of(2, lambda: naive(scenario, NAIVE_LEADS, 1))
    loop = NAIVE_LEADS / naive_seconds
    won, days = naive(scenario, NAIVE_LEADS, 2)

    print(
        f"per lead: {stays / VECTOR_LEADS:.3f} stays (uniform draws), "
        f"{moving / VECTOR_LEADS:.3f} surviving stays (duration draws)"
    )
    print(f"{'vectorised monte_carlo, 1 thread':<58}{vector / 1e6:8.2f} M leads/s")
    print(f"{'  ... without the timeline':<58}{vector_bare / 1e6:8.2f} M leads/s")
    print(f"{'naive per-lead Python loop':<58}{loop / 1e6:8.2f} M leads/s")
    print(f"{'raw numpy RNG, same draws (uniforms + lognormals)':<58}{raw / 1e6:8.2f} M leads/s")
    print(
        f"{'raw numpy RNG, the vectorised draws (survivor normals)':<58}"
        f"{raw_own / 1e6:8.2f} M leads/s"
    )
    print()
    print(
        f"vectorised / raw RNG (same draws):  {vector / raw:6.2f}x   (target >= 0.7x)"
        f"   without timeline {vector_bare / raw:.2f}x"
    )
    print(
        f"vectorised / raw RNG (its draws):   {vector / raw_own:6.2f}x"
        f"   without timeline {vector_bare / raw_own:.2f}x"
    )
    print(f"vectorised / naive loop:            {vector / loop:6.1f}x   (target >= 15x)")
    print(
        f"agreement: naive loop win rate {won / NAIVE_LEADS:.5f}, vectorised "
        f"{result.win_rate.mean:.5f}, exact {expected.win_probability:.5f}; days to win "
        f"{days / max(won, 1):.2f} / {result.days_to_win.mean:.2f} / {expected.days_to_win:.2f}"
    )
    print()

    every = best_of(REPEATS, lambda: monte_carlo(big, seed=1))
    print(
        f"{f'vectorised monte_carlo, {cores} threads':<58}{VECTOR_LEADS / every / 1e6:8.2f} "
        f"M leads/s  ({seconds / every:.2f}x one thread; load average "
        f"{os.getloadavg()[0]:.2f})"
    )
    print()
    base = baseline_memory()
    print(
        f"peak memory (ru_maxrss, fresh process, {cores} threads); "
        f"import numpy + funnelcore.simulate alone: {base / 1024:.0f} MiB"
    )
    for leads in MEMORY_LEADS:
        start = time.perf_counter()
        peak = peak_memory(leads)
        took = time.perf_counter() - start
        print(f"  {leads:>12,} leads: {peak / 1024:7.0f} MiB   ({took:5.1f} s wall)")


if __name__ == "__main__":
    main()
