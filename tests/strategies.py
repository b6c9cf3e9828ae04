"""Hypothesis strategies shared by the property tests, one section per area."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from funnelcore import SalesProcess

# -- analytics: event logs that follow a process ----------------------------------------------

LOG_START = datetime(2026, 1, 5, 9, 0)


@st.composite
def legal_logs(
    draw: st.DrawFn,
    process: SalesProcess[Any],
    *,
    max_deals: int = 10,
    max_moves: int = 12,
    groups: tuple[str, ...] = ("ads", "webinar", "referral"),
) -> dict[str, list[Any]]:
    """An event log (as columns) of deals driven through legal moves of ``process``.

    Each deal opens at the entry stage, then takes up to ``max_moves`` moves, each to one of the
    stages the process allows next (LOST included), 0 to 72 hours after the previous one; it may
    stop anywhere (an open deal). Columns: deal_id, stage, at, actor, value (on the first event),
    group (on the first event, or missing for the whole deal).
    """
    columns: dict[str, list[Any]] = {
        "deal_id": [],
        "stage": [],
        "at": [],
        "actor": [],
        "value": [],
        "group": [],
    }
    for number in range(draw(st.integers(0, max_deals))):
        stage = process.entry
        at = LOG_START + timedelta(hours=draw(st.integers(0, 500)))
        group = draw(st.sampled_from((*groups, None)))
        value = float(draw(st.integers(0, 10_000)))
        events = [(stage, at)]
        for _ in range(max_moves):
            if process.is_terminal(stage):
                break
            following = draw(st.sampled_from((None, *process.next_stages(stage))))
            if following is None:
                break
            stage = following
            at = at + timedelta(hours=draw(st.integers(0, 72)))
            events.append((stage, at))
        for position, (entered, when) in enumerate(events):
            columns["deal_id"].append(f"deal-{number}")
            columns["stage"].append(str(entered.value))
            columns["at"].append(when)
            columns["actor"].append("marketing" if position == 0 else "sales")
            columns["value"].append(value if position == 0 else None)
            columns["group"].append(group if position == 0 else None)
    return columns
