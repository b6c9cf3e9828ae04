"""Funnel analytics over event logs: conversion, time in stage, win rate, velocity, pipeline.

Seed 001: "how many cold calls lead to how many meetings, leads to how many product
demonstrations"; seed 002: "locate your weak link". Every function takes an event log - any
dataframe narwhals understands (pandas, Polars eager or lazy, a DuckDB relation, a PyArrow table)
with the canonical columns ``deal_id``, ``stage``, ``at`` (and optionally ``value``, ``campaign``,
``source`` and your own columns), or the path of a CSV / JSON Lines file - and returns its result in
the caller's frame type. The work runs in the log's own engine; only a few numbers per stage come
back to Python.

Importing this package is light: the dataframe libraries load when a function first runs. They come
with the ``analytics`` extra (``pip install funnelcore[analytics]``).
"""

from __future__ import annotations

from funnelcore.analytics._funnel import cycle_times, funnel_summary, stage_conversion, stage_funnel

__all__ = [
    "stage_conversion",
    "stage_funnel",
    "funnel_summary",
    "cycle_times",
]
