"""Hypothesis strategies shared by the tests, one section per area."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from funnelcore import (
    Customer,
    Lead,
    LeadSource,
    Marketing,
    Product,
    ProductKind,
    Role,
    SalesProcess,
    SalesRep,
    System,
    crm_process,
    deals_to_log,
)
from funnelcore.testing import FULL_EVIDENCE

# -- event logs and their audit --------------------------------------------------------------

#: The processes event-log properties run on: both presets and the CRM process (defined as data).
LOG_PROCESSES = (SalesProcess.complex(), SalesProcess.simple(), crm_process())

_ACTOR_OF: dict[Role, Any] = {
    Role.MARKETING: Marketing,
    Role.SALES: SalesRep,
    Role.CUSTOMER: Customer,
    Role.SYSTEM: System,
}
_NAMES = ("Sam", "Ann", "Lee")
_START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def product_kind_of(process: SalesProcess[Any]) -> ProductKind:
    """The product kind a log's deals default to: commodity when a non-rep may win."""
    for move in process.moves:
        if move.target is process.won and move.by - {Role.SALES}:
            return ProductKind.COMMODITY
    return ProductKind.COMPLEX


def actor_for(role: Role, name: str) -> Any:
    """An actor of ``role`` called ``name``."""
    return _ACTOR_OF[role](name)


@st.composite
def legal_deals(draw: st.DrawFn, process: SalesProcess[Any], count: int) -> list[Any]:
    """Deals driven through legal moves of ``process`` only, by allowed roles, in time order."""
    kind = product_kind_of(process)
    deals: list[Any] = []
    for number in range(count):
        deal_id = f"D{number}"
        opener = draw(st.sampled_from(sorted(process.open_by, key=str)))
        at = _START + timedelta(hours=draw(st.integers(0, 48)))
        deal = process.open_deal(
            Lead(deal_id, source=draw(st.sampled_from(list(LeadSource)[1:]))),
            Product(draw(st.sampled_from(("ERP", "CRM"))), kind=kind),
            by=actor_for(opener, draw(st.sampled_from(_NAMES))),
            at=at,
            value=float(draw(st.integers(0, 5000))),
            deal_id=deal_id,
        )
        for _ in range(draw(st.integers(0, 9))):
            if not deal.is_open:
                break
            target = draw(st.sampled_from(process.next_stages(deal.stage)))
            move = process.move_between(deal.stage, target)
            assert move is not None
            role = draw(st.sampled_from(sorted(move.by, key=str)))
            actor = actor_for(role, draw(st.sampled_from(_NAMES)))
            at = at + timedelta(minutes=draw(st.integers(0, 3000)))
            if target is process.won:
                deal = process.win(deal, by=actor, at=at, evidence=FULL_EVIDENCE)
            elif target is process.lost:
                deal = process.lose(deal, by=actor, at=at, reason="no budget")
            else:
                deal = process.advance(deal, target, by=actor, at=at, evidence=FULL_EVIDENCE)
        deals.append(deal)
    return deals


@st.composite
def legal_logs(draw: st.DrawFn) -> tuple[SalesProcess[Any], list[Any], list[dict[str, Any]]]:
    """``(process, deals, log rows)``: the deals' logs, interleaved across deals at random.

    Each deal's rows keep their order; rows of different deals are shuffled together.
    """
    process = draw(st.sampled_from(LOG_PROCESSES))
    deals = draw(legal_deals(process, draw(st.integers(1, 5))))
    by_deal: dict[str, list[dict[str, Any]]] = {}
    for row in deals_to_log(deals):
        by_deal.setdefault(row["deal_id"], []).append(row)
    labels = [deal_id for deal_id, rows in by_deal.items() for _ in rows]
    order = draw(st.permutations(labels))
    cursor = dict.fromkeys(by_deal, 0)
    rows = []
    for deal_id in order:
        rows.append(by_deal[deal_id][cursor[deal_id]])
        cursor[deal_id] += 1
    return process, deals, rows


#: Cells of a messy log: blanks, bad text, wrong case, offsets and none.
messy_deal_ids = st.sampled_from(["A", "B", " C ", "", None, "7"])
messy_actors = st.sampled_from(
    ["sales", "Sales", "marketing", "customer", "system", "boss", "", None]
)
messy_times = st.sampled_from(
    [
        "2026-01-05",
        "2026-01-05T09:30",
        "2026-01-05 09:30:15.5",
        "2026-01-04T23:00:00Z",
        "2026-01-06T01:00:00+02:00",
        "2026-01-06T01:00:00-0130",
        "2026-02-30",
        "yesterday",
        "",
        None,
    ]
)


@st.composite
def messy_logs(draw: st.DrawFn, process: SalesProcess[Any]) -> list[dict[str, Any]]:
    """Rows with text cells drawn from good and bad values: every rule can fire."""
    stages = [str(s.value) for s in process.stages]
    stage_cells = st.sampled_from([*stages, stages[0].upper(), "bogus", "", None])
    return draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "deal_id": messy_deal_ids,
                    "stage": stage_cells,
                    "at": messy_times,
                    "actor": messy_actors,
                }
            ),
            max_size=14,
        )
    )


@st.composite
def wellformed_logs(draw: st.DrawFn, process: SalesProcess[Any]) -> list[dict[str, Any]]:
    """Rows whose every cell is usable, but whose moves may break any rule of the process."""
    stages = [str(s.value) for s in process.stages]
    return draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "deal_id": st.sampled_from(["A", "B", "C"]),
                    "stage": st.sampled_from(stages),
                    "at": st.integers(0, 6).map(lambda day: _START + timedelta(days=day)),
                    "actor": st.sampled_from([role.value for role in Role]),
                }
            ),
            max_size=12,
        )
    )
