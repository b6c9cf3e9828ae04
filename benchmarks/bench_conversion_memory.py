"""Peak memory of exact ways to count the deals that reached each stage, at 10M events.

Why ``stage_conversion`` does what it does on a log already loaded into Polars: each way below is
exact (the deal parts hash a deal's id only to pick the one part that counts it) and is run in a
fresh process that first loads the 10M-event log of ``bench_metrics.py`` from Parquet, then
counts once. Printed: the peak (max RSS) and the time of the count. The loaded log alone is
the floor; the target of issue 3 is 1 GB.

    python benchmarks/bench_conversion_memory.py      # about two minutes
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: name -> what it is, in the order printed
WAYS = {
    "loaded": "the log loaded, nothing counted",
    "group_by": "group_by(stage).agg(n_unique(deal_id)), in-memory lazy",
    "deal_parts": "the same group_by on 9 parts cut by a hash of the deal id, one at a time",
    "deal_parts_two": "12 smaller parts, two at a time (collect_all; funnelcore's with `by`)",
    "group_by_categorical": "the whole-log group_by, the stage cast to Categorical first",
    "per_stage": "one filter per stage (Categorical codes), n_unique of each",
    "stage_filters": "n_unique of the ids filtered to each stage, one select (up to 4M)",
    "stage_filters_hashed": "the same on 64-bit hashes of the ids (funnelcore's plan at 10M)",
    "sorted_slices": "sort by stage code, n_unique of each stage's slice",
    "deal_codes": "deal ids cast to Categorical, n_unique of the codes per stage",
    "scan": "group_by on scan_parquet (the log never loaded)",
    "scan_categorical": "the same with the stage cast to Categorical (funnelcore's lazy plan)",
}


def count(way: str, path: str) -> None:
    """In a fresh process: load (or scan) the log, count one way, print peak and seconds."""
    import polars as pl

    n_unique = pl.col("deal_id").n_unique()
    started = time.perf_counter()
    if way.startswith("scan"):
        lazy = pl.scan_parquet(path)
        if way == "scan_categorical":
            lazy = lazy.with_columns(pl.col("stage").cast(pl.Categorical))
        lazy.group_by("stage").agg(n_unique).collect(engine="in-memory")
    else:
        log = pl.read_parquet(path)
        started = time.perf_counter()
        if way == "group_by":
            log.lazy().group_by("stage").agg(n_unique).collect(engine="in-memory")
        elif way == "group_by_categorical":
            lazy = log.lazy().with_columns(pl.col("stage").cast(pl.Categorical))
            lazy.group_by("stage").agg(n_unique).collect(engine="in-memory")
        elif way == "per_stage":
            codes = log["stage"].cast(pl.Categorical).to_physical()
            for code in codes.unique().to_list():
                log["deal_id"].filter(codes == code).n_unique()
        elif way.startswith("stage_filters"):
            deal = pl.col("deal_id")
            deal = deal.hash(0x5EED) if way.endswith("hashed") else deal
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from bench_metrics import STAGES

            masks = [pl.col("stage") == stage for stage in STAGES]
            log.lazy().select(
                *(deal.filter(mask).n_unique().alias(f"d{i}") for i, mask in enumerate(masks)),
                *(mask.sum().alias(f"e{i}") for i, mask in enumerate(masks)),
            ).collect(engine="in-memory")
        elif way == "sorted_slices":
            codes = log["stage"].cast(pl.Categorical).to_physical()
            order = codes.arg_sort()
            ids = log["deal_id"].gather(order)
            offset = 0
            for length, _ in codes.gather(order).rle().struct.unnest().iter_rows():
                ids.slice(offset, length).n_unique()
                offset += length
        elif way.startswith("deal_parts"):
            # a deal lies in one part only, so the parts' counts add up exactly
            parts = -(-log.height // (900_000 if way == "deal_parts_two" else 1_250_000))
            part_of = (log["deal_id"].hash(seed=parts) % parts).cast(pl.UInt8)
            queries = [
                log.lazy().filter(part_of == part).group_by("stage").agg(n_unique)
                for part in range(parts)
            ]
            at_once = 2 if way == "deal_parts_two" else 1
            for start in range(0, parts, at_once):
                pl.collect_all(queries[start : start + at_once], engine="in-memory")
        elif way == "deal_codes":
            log.select("stage", pl.col("deal_id").cast(pl.Categorical).to_physical()).group_by(
                "stage"
            ).agg(n_unique)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak": peak, "seconds": seconds}))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--count"]:
        count(argv[1], argv[2])
        return 0
    if argv[:1] == ["--write"]:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_metrics import make_log

        make_log(10_000_000).write_parquet(argv[1])
        return 0
    # On Linux a child's max RSS starts from its parent's resident size at fork: this process
    # stays small (the log is written and counted in children).
    with tempfile.TemporaryDirectory() as directory:
        path = str(Path(directory) / "log.parquet")
        subprocess.run([sys.executable, __file__, "--write", path], check=True)
        print("exact counts of the deals that reached each stage, 10M-event log from Parquet")
        print(f"{'peak MB':>8} {'seconds':>8}  way")
        for way, what in WAYS.items():
            output = subprocess.run(
                [sys.executable, __file__, "--count", way, path],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            data = json.loads(output.strip().splitlines()[-1])
            seconds = "" if way == "loaded" else f"{data['seconds']:8.2f}"
            print(f"{data['peak']:8.0f} {seconds:>8}  {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
