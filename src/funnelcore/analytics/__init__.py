"""Funnel analytics over event logs: conversion, time in stage, win rate, velocity, pipeline.

Seed 001: "how many cold calls lead to how many meetings, leads to how many product
demonstrations"; seed 002: "locate your weak link". Every metric takes an event log - any
dataframe narwhals understands (pandas, Polars eager or lazy, a DuckDB relation, a PyArrow table;
a PySpark DataFrame for the metrics built on stages) with the canonical columns ``deal_id``,
``stage``, ``at`` (and optionally ``value``, ``campaign``, ``source`` and your own columns), or the
path of a CSV / JSON Lines file - and returns frames in the caller's frame type. The work runs in
the log's own engine; only a few numbers per stage come back to Python.

Importing this package is light: the dataframe libraries load when a function first runs. They come
with the ``analytics`` extra (``pip install funnelcore[analytics]``); the charts need the ``plot``
extra. Without the extra, the metrics still measure a list of row dicts (or a CSV / JSON Lines
file) in plain Python and return lists of dicts.
"""

from __future__ import annotations

from funnelcore.analytics._activity import (
    DEFAULT_ACTIVITY_STEPS,
    ActivityFunnel,
    ActivityStep,
    activity_funnel,
)
from funnelcore.analytics._funnel import cycle_times, funnel_summary, stage_conversion, stage_funnel
from funnelcore.analytics._plot import plot_conversion, plot_funnel, plot_time_in_stage
from funnelcore.analytics._portfolio import (
    CampaignPortfolio,
    CampaignScore,
    PortfolioVerdict,
    campaign_portfolio,
    default_qualified_stage,
)
from funnelcore.analytics._table import text_table
from funnelcore.analytics._weak_link import WeakLink, WeakLinkVerdict, weak_link

__all__ = [
    # per stage and per group
    "stage_conversion",
    "stage_funnel",
    "funnel_summary",
    "cycle_times",
    # seed 001: the campaign portfolio and the outbound activity funnel
    "campaign_portfolio",
    "default_qualified_stage",
    "CampaignPortfolio",
    "CampaignScore",
    "PortfolioVerdict",
    "activity_funnel",
    "ActivityFunnel",
    "ActivityStep",
    "DEFAULT_ACTIVITY_STEPS",
    # seed 002: the weak link
    "weak_link",
    "WeakLink",
    "WeakLinkVerdict",
    # output
    "text_table",
    # charts (the plot extra)
    "plot_funnel",
    "plot_conversion",
    "plot_time_in_stage",
]
