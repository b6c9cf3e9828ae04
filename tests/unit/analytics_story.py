"""A small hand-written event log of the complex process, shared by the analytics tests.

Six deals; every expected number in the tests is worked out by hand from this table.

==== ======== ================================================================ ===== ========
deal campaign events (day: stage)                                             value outcome
==== ======== ================================================================ ===== ========
d1   webinar  0 lead, 1 prosp., 3 qual., 4 needs, 6 proposal, 7 obj., 9 closing,  1000  won day 10
d2   webinar  0 lead, 2 prospecting, 5 qualifying, 6 lost                     500   lost
d3   ads      1 lead, 2 prospecting, 3 qualifying, 5 needs_analysis, 8 proposal 2000  open
d4   ads      2 lead                                                          -     open
d5   ads      0 lead, 4 lost                                                  300   lost
d6   webinar  0 lead, 1, 2, 3, 4 proposal, 5 obj., 7 proposal, 8 obj., 9 closing 4000  won day 12
==== ======== ================================================================ ===== ========

The campaign is written on each deal's first event only (later events leave it empty), as a CRM
that records where a lead came from would.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

START = datetime(2026, 3, 2, 9, 0)

_DEALS: list[tuple[str, str, float | None, list[tuple[int, str]]]] = [
    (
        "d1",
        "webinar",
        1000.0,
        [
            (0, "lead"),
            (1, "prospecting"),
            (3, "qualifying"),
            (4, "needs_analysis"),
            (6, "proposal"),
            (7, "objections"),
            (9, "closing"),
            (10, "won"),
        ],
    ),
    ("d2", "webinar", 500.0, [(0, "lead"), (2, "prospecting"), (5, "qualifying"), (6, "lost")]),
    (
        "d3",
        "ads",
        2000.0,
        [
            (1, "lead"),
            (2, "prospecting"),
            (3, "qualifying"),
            (5, "needs_analysis"),
            (8, "proposal"),
        ],
    ),
    ("d4", "ads", None, [(2, "lead")]),
    ("d5", "ads", 300.0, [(0, "lead"), (4, "lost")]),
    (
        "d6",
        "webinar",
        4000.0,
        [
            (0, "lead"),
            (1, "prospecting"),
            (2, "qualifying"),
            (3, "needs_analysis"),
            (4, "proposal"),
            (5, "objections"),
            (7, "proposal"),
            (8, "objections"),
            (9, "closing"),
            (12, "won"),
        ],
    ),
]


def story_columns() -> dict[str, list[Any]]:
    """The story as columns: deal_id, stage, at, actor, value, campaign, reason."""
    columns: dict[str, list[Any]] = {
        "deal_id": [],
        "stage": [],
        "at": [],
        "actor": [],
        "value": [],
        "campaign": [],
        "reason": [],
    }
    for deal_id, campaign, value, events in _DEALS:
        for position, (day, stage) in enumerate(events):
            columns["deal_id"].append(deal_id)
            columns["stage"].append(stage)
            columns["at"].append(START + timedelta(days=day))
            columns["actor"].append("marketing" if position == 0 else "sales")
            columns["value"].append(value if position == 0 else None)
            columns["campaign"].append(campaign if position == 0 else None)
            columns["reason"].append("no budget" if stage == "lost" else None)
    return columns


def story_polars() -> Any:
    """The story as a Polars DataFrame."""
    import polars as pl

    return pl.DataFrame(story_columns())


def story_frames() -> dict[str, Any]:
    """The story in every engine the metrics accept natively, by name."""
    import duckdb
    import pandas as pd
    import polars as pl

    frame = pl.DataFrame(story_columns())
    return {
        "polars": frame,
        "polars-lazy": frame.lazy(),
        "pandas": pd.DataFrame(story_columns()),
        "pyarrow": frame.to_arrow(),
        "duckdb": duckdb.from_arrow(frame.to_arrow()),
    }


def rows_of(native: Any) -> list[dict[str, Any]]:
    """The rows of any result frame as dicts, with nulls (and NaN) as ``None``."""
    import math

    import narwhals as nw

    frame = nw.from_native(native)
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    rows = frame.rows(named=True)
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in rows
    ]


def close_to(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with every float compared to 1e-12.

    Engines may round the last bit differently: Polars divides by multiplying with the reciprocal,
    Spark interpolates medians its own way.
    """
    return [
        {k: pytest.approx(v, rel=1e-12) if isinstance(v, float) else v for k, v in row.items()}
        for row in rows
    ]
