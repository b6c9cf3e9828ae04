"""Benchmark: auditing a synthetic event log of 1M and 10M events.

Prints events/s for funnelcore's ``audit`` on its default (vectorised) path, for a hand-written
DuckDB SQL query doing the same checks, and for the pure-Python fallback (1M only) beside a
plain-Python audit written by hand (the csv module and a dict of deals: what the fallback's
absolute target means on this machine); and the peak memory (max RSS) of each measurement.
``funnelcore, frame`` audits the same log loaded into a Polars DataFrame first (for
information: its peak includes the loaded log). Every engine must find the same violations, or
the script stops. Every measurement runs in a fresh subprocess, so its max RSS is its own
(tracemalloc would miss native memory), and the engines take turns in every round, so a drift
of the machine's speed hits them alike.

Targets (issue 3): audit >= 0.9x the DuckDB SQL baseline; peak memory <= 1 GB at 10M events;
pure-Python fallback >= 0.5M events/s. The issue measured plain Python at about 0.6M events/s on
its own machine; the script also prints the fallback's speed scaled to that figure by its ratio to
the hand-written audit (an estimate, labelled as one), since this machine's speed drifts.

    python benchmarks/bench_audit.py            # 1M and 10M (a few minutes)
    python benchmarks/bench_audit.py --quick    # 100k and 1M
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from funnelcore import Role, SalesProcess

OUT = Path(__file__).resolve().parent / "out"
ROOT = Path(__file__).resolve().parents[1]

#: The complex process's main path (its stages up to WON, in order); a deal walks a prefix of
#: it, some end LOST instead.
PATH = [str(stage.value) for stage in SalesProcess.complex().stages][:8]


def generate(events: int, path: Path) -> None:
    """Write a log of about ``events`` rows, time-ordered across deals, to Parquet (and CSV).

    Vectorised with numpy and Polars: no Python loop per event. Each deal walks a random prefix of
    the main path (1-8 events); a third of the unfinished ones end LOST. One row in 10,000 is
    corrupted (a skipped stage), so the audits have violations to report.
    """
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(7)
    lengths = rng.integers(1, 9, size=events // 4 + 1)
    lengths = lengths[: np.searchsorted(np.cumsum(lengths), events) + 1]
    deals = len(lengths)
    total = int(lengths.sum())
    deal = np.repeat(np.arange(deals), lengths)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    position = np.arange(total) - starts
    last = position == np.repeat(lengths - 1, lengths)
    lost = np.repeat(rng.random(deals) < 0.33, lengths) & last & (position > 0) & (position < 7)
    stage_codes = np.where(lost, len(PATH), position)
    corrupt = rng.random(total) < 1e-4
    stage_codes = np.where(corrupt & (position > 0), np.minimum(position + 1, 7), stage_codes)
    minutes = np.repeat(rng.integers(0, 60 * 24 * 365, size=deals), lengths) + position * 1440
    names = np.array([*PATH, "lost"])
    frame = pl.DataFrame(
        {
            "deal_id": pl.Series(deal).cast(pl.String).str.pad_start(8, "0"),
            "stage": names[stage_codes],
            "at": pl.Series(minutes * 60_000_000).cast(pl.Datetime("us")),
            "actor": np.where(position == 0, "marketing", "sales"),
        }
    ).sort("at", maintain_order=True)
    frame = frame.with_columns(pl.concat_str(pl.lit("D"), "deal_id").alias("deal_id"))
    frame.write_parquet(path)
    if total <= 1_500_000:
        frame.write_csv(path.with_suffix(".csv"))


DUCKDB_SQL = """
WITH base AS (
    SELECT file_row_number AS _order,
           nullif(trim(deal_id), '') AS deal,
           nullif(trim(stage), '') AS stage_text,
           lower(trim(stage)) AS st,
           "at" AS moment,
           lower(trim(actor)) AS role
    FROM read_parquet('{path}', file_row_number = true)
), walked AS (
    SELECT *,
        lag(_order) OVER w AS prev_order,
        lag(st) OVER w AS prev_st,
        lag(moment) OVER w AS prev_at,
        min(CASE WHEN st IN ('won', 'lost') THEN _order END) OVER (PARTITION BY deal) AS closed
    FROM base
    WINDOW w AS (PARTITION BY deal ORDER BY _order)
), flagged AS (
    SELECT *,
        deal IS NULL OR stage_text IS NULL OR moment IS NULL
            OR role NOT IN ('marketing', 'sales', 'customer', 'system') AS malformed,
        stage_text IS NOT NULL AND st NOT IN ({stages}) AS unknown_stage,
        prev_order IS NULL AND st <> 'lead' AS not_from_entry,
        closed < _order AS after_terminal,
        prev_order IS NOT NULL AND NOT coalesce(closed < _order, false)
            AND (prev_st || '>' || st) NOT IN ({edges}) AS illegal_move,
        prev_order IS NOT NULL AND NOT coalesce(closed < _order, false)
            AND (prev_st || '>' || st) IN ({edges})
            AND (prev_st || '>' || st || '>' || role) NOT IN ({allowed}) AS actor_not_allowed,
        moment < prev_at AS out_of_order
    FROM walked
)
SELECT _order, deal, malformed, unknown_stage, not_from_entry, illegal_move, actor_not_allowed,
       after_terminal, out_of_order
FROM flagged
WHERE malformed OR unknown_stage OR not_from_entry OR illegal_move OR actor_not_allowed
   OR after_terminal OR out_of_order
"""


def _duckdb_sql(path: Path) -> str:
    process = SalesProcess.complex()

    def quoted(items: list[str]) -> str:
        return ", ".join(f"'{item}'" for item in items)

    edges = [f"{m.source.value}>{m.target.value}" for m in process.moves]
    allowed = [f"{m.source.value}>{m.target.value}>{r.value}" for m in process.moves for r in m.by]
    return DUCKDB_SQL.format(
        path=path,
        stages=quoted([s.value for s in process.stages]),
        edges=quoted(edges),
        allowed=quoted(allowed),
    )


def hand_written_python(path: Path) -> int:
    """The audit in plain Python as a user would write it: the csv module, a dict of deals.

    The same rules and the same count of violations as ``audit`` on the benchmark's logs, but
    no messages, no row numbers and no report: a generous baseline for the plain-Python path.
    """
    import csv
    from datetime import datetime

    process = SalesProcess.complex()
    stages = {str(stage.value) for stage in process.stages}
    entry = str(process.entry.value)
    terminal = {str(process.won.value), str(process.lost.value)}
    roles = {role.value for role in Role}
    open_by = {role.value for role in process.open_by}
    moves = {
        (str(move.source.value), str(move.target.value)): {role.value for role in move.by}
        for move in process.moves
    }
    violations = 0
    deals: dict[str, tuple[str | None, datetime | None, bool]] = {}
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        header = next(reader)
        i_deal, i_stage, i_at, i_actor = map(header.index, ("deal_id", "stage", "at", "actor"))
        for row in reader:
            deal, stage, actor = row[i_deal], row[i_stage], row[i_actor]
            try:
                at: datetime | None = datetime.fromisoformat(row[i_at])
            except ValueError:
                at = None
            if not deal or not stage or at is None or actor not in roles:
                violations += 1  # malformed
            if not deal:
                continue
            known: str | None = stage
            if stage not in stages:
                violations += 1 if stage else 0  # unknown_stage
                known = None
            previous = deals.get(deal)
            if previous is None:
                if known is not None and known != entry:
                    violations += 1  # not_from_entry
                elif known is not None and actor in roles and actor not in open_by:
                    violations += 1  # actor_not_allowed
                closed = known in terminal
            else:
                last_stage, last_at, closed = previous
                if closed:
                    violations += 1  # after_terminal
                elif last_stage is not None and known is not None:
                    allowed = moves.get((last_stage, known))
                    if allowed is None or (actor in roles and actor not in allowed):
                        violations += 1  # illegal_move or actor_not_allowed
                if at is not None and last_at is not None and at < last_at:
                    violations += 1  # out_of_order
                closed = closed or known in terminal
            deals[deal] = (known, at, closed)
    return violations


def measure(name: str, path: Path) -> dict[str, float]:
    """Run one measurement in this (fresh) process; return seconds, violations, max RSS."""
    import polars as pl

    rows = pl.scan_parquet(path).select(pl.len()).collect().item()
    from funnelcore import audit

    process = SalesProcess.complex()
    rows_in_memory = pl.read_parquet(path).to_dicts() if name == "python-rows" else None
    frame = pl.read_parquet(path) if name == "funnelcore-frame" else None
    start = time.perf_counter()
    if name == "funnelcore":
        violations = len(audit(path, process).violations)
    elif name == "funnelcore-frame":
        violations = len(audit(frame, process).violations)
    elif name == "python":
        violations = len(audit(path.with_suffix(".csv"), process, engine="python").violations)
    elif name == "python-rows":
        violations = len(audit(rows_in_memory, process, engine="python").violations)
    elif name == "python-hand":
        violations = hand_written_python(path.with_suffix(".csv"))
    elif name == "duckdb":
        import duckdb

        relation = duckdb.sql(_duckdb_sql(path))
        assert relation is not None, "a SELECT gives a relation"
        violations = len(relation.fetchall())
    else:
        raise SystemExit(f"unknown measurement {name}")
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rows": rows, "seconds": seconds, "violations": violations, "peak_mb": peak_kb / 1024}


def verdict(met: bool) -> str:
    """A target's verdict, judged on the unrounded number (0.497M/s prints 0.50: not met)."""
    return "met" if met else "NOT met"


def child(*argv: str) -> str:
    """Run this script with ``argv`` in a fresh process; return what it printed.

    Fresh, because on Linux a process's max RSS starts from its parent's resident size at fork.
    """
    return subprocess.run(
        [sys.executable, __file__, *argv],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    ).stdout


def run_once(name: str, path: Path) -> dict[str, float]:
    """``measure`` in a fresh subprocess."""
    data: dict[str, float] = json.loads(child("--measure", name, str(path)).splitlines()[-1])
    return data


def run(names: list[str], path: Path, repeat: int) -> dict[str, dict[str, float]]:
    """Each measurement ``repeat`` times, the engines taking turns within every round.

    Why turns: this machine's speed drifts by a quarter from minute to minute, so all runs of
    one engine and then all of the next would compare two different machines. Per engine: the
    best time, and the largest peak memory of its runs.
    """
    best: dict[str, dict[str, float]] = {}
    for _ in range(repeat):
        for name in names:
            data = run_once(name, path)
            previous = best.get(name)
            if previous is None:
                best[name] = data
                continue
            peak = max(data["peak_mb"], previous["peak_mb"])
            best[name] = {**min(data, previous, key=lambda run: run["seconds"]), "peak_mb": peak}
    return best


def main(argv: list[str]) -> int:
    if argv[:1] == ["--measure"]:
        print(json.dumps(measure(argv[1], Path(argv[2]))))
        return 0
    if argv[:1] == ["--generate"]:
        generate(int(argv[1]), Path(argv[2]))
        return 0
    sizes = [100_000, 1_000_000] if "--quick" in argv else [1_000_000, 10_000_000]
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start")
    OUT.mkdir(exist_ok=True)
    header = ("events", "engine", "seconds", "events/s", "peak MB", "violations")
    print("{:>10} {:<22} {:>8} {:>12} {:>8} {:>10}".format(*header))
    for size in sizes:
        path = OUT / f"log_{size}.parquet"
        if not path.exists():
            # In a child: a parent that built the log itself would inflate every peak measured.
            child("--generate", str(size), str(path))
        names = ["funnelcore", "duckdb", "funnelcore-frame"]
        names += ["python", "python-rows", "python-hand"] if size <= 1_000_000 else []
        results = run(names, path, repeat=3 if size <= 1_000_000 else 2)
        for name in names:
            result = results[name]
            label = {
                "funnelcore": "funnelcore audit",
                "duckdb": "DuckDB SQL (by hand)",
                "funnelcore-frame": "funnelcore, frame",
                "python": "pure Python (CSV file)",
                "python-rows": "pure Python (rows)",
                "python-hand": "plain Python (by hand)",
            }[name]
            rate = result["rows"] / result["seconds"]
            print(
                f"{int(result['rows']):>10} {label:<22} {result['seconds']:>8.2f} "
                f"{rate:>12,.0f} {result['peak_mb']:>8.0f} {int(result['violations']):>10}"
            )
        counts = {name: int(results[name]["violations"]) for name in names}
        if len(set(counts.values())) > 1:
            raise SystemExit(f"the engines disagree on the violations: {counts}")
        ratio = results["duckdb"]["seconds"] / results["funnelcore"]["seconds"]
        print(
            f"{'':>10} audit speed vs DuckDB SQL: {ratio:.2f}x "
            f"(target >= 0.9x: {verdict(ratio >= 0.9)})"
        )
        if size >= 10_000_000:
            peak = results["funnelcore"]["peak_mb"]
            print(
                f"{'':>10} peak memory of the audit: {peak:.0f} MB "
                f"(target <= 1024 MB: {verdict(peak <= 1024)})"
            )
        for name in ("python", "python-rows"):
            if name in results:
                rate = results[name]["rows"] / results[name]["seconds"]
                print(
                    f"{'':>10} {name}: {rate / 1e6:.2f}M events/s "
                    f"(target >= 0.5M/s: {verdict(rate >= 500_000)})"
                )
        if "python-hand" in results:
            ratio = results["python-hand"]["seconds"] / results["python"]["seconds"]
            print(f"{'':>10} pure Python vs plain Python by hand, CSV file: {ratio:.2f}x")
            # The issue measured plain Python at about 0.6M events/s on its machine; this
            # machine's drift moves funnelcore and the hand-written audit together, so the ratio
            # carries over (an estimate, labelled as one).
            print(
                f"{'':>10} python at the issue's plain Python of 0.6M/s (estimate from the "
                f"ratio): {0.6 * ratio:.2f}M events/s "
                f"(target >= 0.5M/s: {verdict(0.6 * ratio >= 0.5)})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
