"""Type-checked, not run: the analytics give back the caller's frame type, and refuse the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import polars as pl
from typing_extensions import assert_type

from funnelcore import (
    ActivityFunnel,
    CampaignPortfolio,
    SalesProcess,
    WeakLink,
    activity_funnel,
    campaign_portfolio,
    cycle_times,
    funnel_summary,
    stage_conversion,
    stage_funnel,
    weak_link,
)

process = SalesProcess.complex()
frame: pd.DataFrame = pd.DataFrame()
eager: pl.DataFrame = pl.DataFrame()
lazy: pl.LazyFrame = pl.LazyFrame()

assert_type(stage_funnel(frame, process), pd.DataFrame)
assert_type(stage_funnel(eager, process, by="campaign"), pl.DataFrame)
assert_type(stage_conversion(lazy, process), pl.LazyFrame)


def on_duckdb(relation: duckdb.DuckDBPyRelation) -> None:
    """A DuckDB relation in, a DuckDB relation out."""
    assert_type(funnel_summary(relation, process), duckdb.DuckDBPyRelation)
    assert_type(cycle_times(relation, process, start="proposal"), duckdb.DuckDBPyRelation)


assert_type(stage_funnel("log.csv", process), pl.DataFrame)
assert_type(stage_conversion(Path("log.csv"), process), pl.DataFrame)

assert_type(weak_link("log.csv", process, reps=3, deals_per_rep=20), WeakLink)
assert_type(campaign_portfolio("log.csv", process, {"webinar": 100.0}), CampaignPortfolio)
assert_type(activity_funnel([]), ActivityFunnel)

rows: list[dict[str, object]] = [{"deal_id": "a", "stage": "lead", "at": "2026-01-05"}]
assert_type(stage_funnel(rows, process), list[dict[str, Any]])
assert_type(funnel_summary(rows, process, by="campaign"), list[dict[str, Any]])
assert_type(stage_conversion(rows, process), list[dict[str, Any]])
assert_type(cycle_times(rows, process, start="proposal"), list[dict[str, Any]])

pairs: list[tuple[str, str]] = [("a", "lead")]
stage_funnel(pairs, process)  # type: ignore[arg-type]
stage_funnel(frame, "complex")  # type: ignore[call-overload]
weak_link("log.csv", process, reps=3)  # type: ignore[call-arg]
