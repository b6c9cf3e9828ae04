"""Deals driven through the happy path: funnelcore against the baselines of issue 2.

The happy path is 8 stage changes: the deal opens at LEAD, then 7 moves (prospect, qualify,
analyse_needs, propose, hear_objections, close, win), each with the evidence its guard needs.

Baselines, doing the same 8 stage changes:
  (a) transitions, one Machine per deal (the deal object is the machine's model);
  (b) transitions, one shared Machine and ``add_model`` per deal;
  (c) the floor: a plain dict transition table and ``attrs.evolve`` of a small frozen record
      (no guards, no roles, no history).

Run: ``python benchmarks/bench_moves.py [--deals N] [--baseline-deals M]``. Times are the best of
three repeats; bytes per deal are measured in a separate pass under tracemalloc.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
from transitions import Machine

from funnelcore import (
    Lead,
    LeadSource,
    Marketing,
    Product,
    SalesProcess,
    SalesRep,
    Stage,
)
from funnelcore.testing import FULL_EVIDENCE

PROCESS = SalesProcess.complex()
REP = SalesRep("Sam")
BRAND = Marketing("Brand")
PRODUCT = Product("ERP")
FULL = FULL_EVIDENCE
T0 = datetime(2026, 1, 5, tzinfo=timezone.utc)
TIMES = [T0 + timedelta(days=i) for i in range(8)]
PATH = [s.name for s in PROCESS.path_to(Stage.WON)]
TRIGGERS = ["prospect", "qualify", "analyse_needs", "propose", "hear_objections", "close", "win"]
MOVES_PER_DEAL = 7


def best_of(repeats: int, run: Callable[[], float]) -> float:
    return min(run() for _ in range(repeats))


# -- funnelcore ----------------------------------------------------------------------------------


def make_leads(n: int) -> list[Lead]:
    return [Lead(f"lead-{i}", source=LeadSource.OUTBOUND) for i in range(n)]


def funnelcore_open(leads: list[Lead]) -> list[Any]:
    open_deal = PROCESS.open_deal
    t = TIMES[0]
    return [
        open_deal(lead, PRODUCT, by=BRAND, at=t, value=1000.0, deal_id=f"D{i}")
        for i, lead in enumerate(leads)
    ]


def funnelcore_drive(deals: list[Any]) -> list[Any]:
    advance, win = PROCESS.advance, PROCESS.win
    t1, t2, t3, t4, t5, t6, t7 = TIMES[1:]
    out: list[Any] = []
    append = out.append
    for deal in deals:
        deal = advance(deal, Stage.PROSPECTING, by=REP, at=t1)
        deal = advance(deal, Stage.QUALIFYING, by=REP, at=t2, evidence=FULL)
        deal = advance(deal, Stage.NEEDS_ANALYSIS, by=REP, at=t3, evidence=FULL)
        deal = advance(deal, Stage.PROPOSAL, by=REP, at=t4, evidence=FULL)
        deal = advance(deal, Stage.OBJECTIONS, by=REP, at=t5)
        deal = advance(deal, Stage.CLOSING, by=REP, at=t6)
        append(win(deal, by=REP, at=t7, evidence=FULL))
    return out


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def measure_funnelcore(n: int) -> dict[str, float]:
    leads = make_leads(n)
    create = best_of(3, lambda: timed(lambda: funnelcore_open(leads))[0])
    opened = funnelcore_open(leads)
    drive = best_of(3, lambda: timed(lambda: funnelcore_drive(opened))[0])
    # Sanity: every deal really reached WON with its full history.
    final = funnelcore_drive(opened)
    assert all(d.stage is Stage.WON and len(d.history) == 8 for d in final)
    del final

    def bytes_per_deal(with_leads: bool) -> float:
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        own_leads = make_leads(n) if with_leads else leads
        deals = funnelcore_drive(funnelcore_open(own_leads))
        used = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        del deals
        return used / n

    return {
        "create_s": create,
        "move_us": drive / (n * MOVES_PER_DEAL) * 1e6,
        "bytes": bytes_per_deal(with_leads=False),
        "bytes_with_lead": bytes_per_deal(with_leads=True),
    }


# -- baselines -----------------------------------------------------------------------------------

TRANSITIONS = [
    {"trigger": trigger, "source": source, "dest": dest}
    for trigger, source, dest in zip(TRIGGERS, PATH[:-1], PATH[1:], strict=True)
]


class Carrier:
    """A mutable deal for transitions to drive."""

    def __init__(self, deal_id: str) -> None:
        self.deal_id = deal_id
        self.state = PATH[0]


def machine_per_deal(n: int) -> tuple[float, float]:
    def build(count: int) -> list[Carrier]:
        carriers = [Carrier(f"D{i}") for i in range(count)]
        for carrier in carriers:
            Machine(
                model=carrier,
                states=PATH,
                transitions=TRANSITIONS,
                initial=PATH[0],
                auto_transitions=False,
            )
        return carriers

    def drive(carriers: list[Carrier]) -> None:
        for carrier in carriers:
            for trigger in TRIGGERS:
                getattr(carrier, trigger)()
        assert all(c.state == PATH[-1] for c in carriers)

    def one_run() -> float:
        carriers = build(n)
        return timed(lambda: drive(carriers))[0]

    seconds = best_of(3, one_run)
    # Memory on a tenth of the deals: a machine per deal is large.
    small = max(200, n // 10)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    kept = build(small)
    drive(kept)
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return seconds / (n * MOVES_PER_DEAL) * 1e6, used / small


def shared_machine(n: int) -> tuple[float, float]:
    machine = Machine(
        model=None, states=PATH, transitions=TRANSITIONS, initial=PATH[0], auto_transitions=False
    )
    carriers = [Carrier(f"D{i}") for i in range(n)]

    def attach() -> None:
        for carrier in carriers:
            machine.add_model(carrier)

    setup, _ = timed(attach)

    def drive() -> None:
        for carrier in carriers:
            for trigger in TRIGGERS:
                getattr(carrier, trigger)()

    seconds, _ = timed(drive)
    assert all(c.state == PATH[-1] for c in carriers)
    return seconds / (n * MOVES_PER_DEAL) * 1e6, setup


@attrs.frozen
class Row:
    """The floor's deal: an id and a stage."""

    deal_id: str
    stage: str


FLOOR_TABLE = {
    (source, trigger): dest
    for trigger, source, dest in zip(TRIGGERS, PATH[:-1], PATH[1:], strict=True)
}


def floor_build(n: int) -> list[Row]:
    return [Row(f"D{i}", PATH[0]) for i in range(n)]


def floor_drive(rows: list[Row]) -> list[Row]:
    table = FLOOR_TABLE
    evolve = attrs.evolve
    out = []
    for row in rows:
        for trigger in TRIGGERS:
            row = evolve(row, stage=table[row.stage, trigger])
        out.append(row)
    return out


def interleaved(n: int, repeats: int = 5) -> tuple[float, float]:
    """Per-move time of funnelcore and of the floor, measured turn about (best of ``repeats``).

    On a shared machine the load drifts; timing the two in alternation keeps their ratio honest.
    """
    opened = funnelcore_open(make_leads(n))
    rows = floor_build(n)
    ours = theirs = float("inf")
    for _ in range(repeats):
        ours = min(ours, timed(lambda: funnelcore_drive(opened))[0])
        theirs = min(theirs, timed(lambda: floor_drive(rows))[0])
    scale = 1e6 / (n * MOVES_PER_DEAL)
    return ours * scale, theirs * scale


def floor(n: int) -> tuple[float, float]:
    build, drive = floor_build, floor_drive
    rows = build(n)
    seconds = best_of(3, lambda: timed(lambda: drive(rows))[0])
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    kept = drive(build(n))
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert all(r.stage == PATH[-1] for r in kept)
    return seconds / (n * MOVES_PER_DEAL) * 1e6, used / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument(
        "--baseline-deals",
        type=int,
        default=20_000,
        help="deals for the transitions baselines (a) and (b), which are slow and large",
    )
    args = parser.parse_args()
    n, m = args.deals, args.baseline_deals

    fc = measure_funnelcore(n)
    a_move, a_bytes = machine_per_deal(m)
    b_move, b_setup = shared_machine(m)
    c_move, c_bytes = floor(n)
    # The headline per-move numbers: funnelcore and the floor timed turn about.
    fc["move_us"], c_move = interleaved(n)

    def row(label: str, move_us: float | None, bytes_per_deal: float | None) -> None:
        move = "" if move_us is None else f"{move_us:.2f}"
        size = "" if bytes_per_deal is None else f"{bytes_per_deal:.0f}"
        print(f"{label:48}{move:>10}{size:>12}")

    print(f"happy path: 8 stage changes per deal (open + {MOVES_PER_DEAL} moves)")
    print(f"{'':48}{'us/move':>10}{'bytes/deal':>12}")
    row(f"funnelcore, validated moves, {n:,} deals", fc["move_us"], fc["bytes"])
    row("  ... counting each deal's own Lead too", None, fc["bytes_with_lead"])
    row(f"(a) transitions, Machine per deal, {m:,} deals", a_move, a_bytes)
    row(f"(b) transitions, add_model, {m:,} deals", b_move, None)
    row(f"(c) floor: dict table + attrs.evolve, {n:,}", c_move, c_bytes)
    print()
    print(f"(b) add_model for {m:,} deals took {b_setup:.2f} s")
    print(f"funnelcore: {n:,} deals created in {fc['create_s']:.3f} s")
    print()
    fm = fc["move_us"]
    print("ratios, funnelcore per-move time / baseline (< 1 is faster):")
    print(f"  vs (a) {fm / a_move:.2f}   vs (b) {fm / b_move:.2f}   vs (c) floor {fm / c_move:.2f}")
    ratio_a, ratio_c = fc["bytes"] / a_bytes, fc["bytes"] / c_bytes
    print(f"memory, funnelcore / (a): {ratio_a:.3f}; / (c) floor: {ratio_c:.1f}")
    print()
    # The issue measured the floor at 0.84 us/move on a quiet machine; this machine's load moves
    # both numbers together, so the ratio carries over (an estimate, labelled as one).
    print(
        f"per move at the issue's floor of 0.84 us (estimate from the ratio): "
        f"{0.84 * fm / c_move:.2f} us"
    )
    print()
    verdicts = [
        ("per validated move <= 1.5 us (measured here)", fc["move_us"] <= 1.5),
        ("<= 1 KB per deal incl. 8-change history", fc["bytes"] <= 1024),
        (f"{n:,} deals created in < 0.5 s", fc["create_s"] < 0.5 * n / 100_000),
    ]
    for label, ok in verdicts:
        print(f"target {label}: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
