"""Every hypothesis strategy the tests share, one section per area."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, Final

from hypothesis import reject
from hypothesis import strategies as st

from funnelcore import (
    Actor,
    Audience,
    Campaign,
    Customer,
    Evidence,
    Lead,
    LeadSource,
    Marketing,
    MarketingMessage,
    Medium,
    Predisposition,
    Product,
    ProductKind,
    Role,
    SalesProcess,
    SalesRep,
    Stage,
    System,
    crm_process,
    deals_to_log,
)
from funnelcore.errors import ScenarioError
from funnelcore.simulate import DealValue, Duration, Scenario
from funnelcore.testing import FULL_EVIDENCE

# -- core: records and actors --------------------------------------------------------------------

# Names as people type them: letters, digits, spaces (around them too), punctuation and quotes.
names = st.text(
    alphabet=st.characters(categories=("L", "N", "Zs", "P"), max_codepoint=0x17F),
    min_size=1,
    max_size=12,
).filter(str.strip)

marketing_actors = names.map(Marketing)
sales_reps = names.map(SalesRep)
customers = names.map(Customer)
systems = names.map(System)
actors: st.SearchStrategy[Actor] = st.one_of(marketing_actors, sales_reps, customers, systems)

audiences = st.builds(
    Audience, name=names, size=st.integers(1, 10_000_000), hot_buttons=st.lists(names, max_size=3)
)
marketing_messages = st.builds(
    MarketingMessage, text=names, audience=audiences, medium=st.sampled_from(Medium)
)
campaigns = st.builds(
    Campaign,
    name=names,
    messages=st.lists(marketing_messages, min_size=1, max_size=3),
    cost=st.floats(0, 1e7, allow_nan=False),
)
predispositions = st.sampled_from(Predisposition)


@st.composite
def marketing_leads(draw: st.DrawFn) -> Lead:
    """A lead that answered a campaign, at any predisposition."""
    campaign = draw(campaigns)
    message = draw(st.sampled_from(campaign.messages))
    return campaign.inquiry(draw(names), predisposition=draw(predispositions), message=message)


other_leads = st.builds(
    Lead,
    contact=names,
    source=st.sampled_from([s for s in LeadSource if s is not LeadSource.MARKETING_RESPONSE]),
    predisposition=predispositions,
)
leads = st.one_of(marketing_leads(), other_leads)
products = st.builds(Product, name=names, kind=st.sampled_from(ProductKind))
complex_products = st.builds(Product, name=names, kind=st.just(ProductKind.COMPLEX))
commodities = st.builds(Product, name=names, kind=st.just(ProductKind.COMMODITY))

evidence = st.builds(
    Evidence,
    permission=st.booleans(),
    able_to_buy=st.booleans(),
    likely_to_buy=st.booleans(),
    compelling_reasons=st.lists(st.sampled_from(["", "cost", "risk"]), max_size=2),
    objections_handled=st.booleans(),
)

stages = st.sampled_from(Stage)
open_stages = st.sampled_from([s for s in Stage if s not in (Stage.WON, Stage.LOST)])

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
steps = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30))


# -- simulation (funnelcore.simulate) -------------------------------------------------------------

_COMPLEX_OPEN = SalesProcess.complex().open_stages

probabilities = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
mean_days = st.floats(min_value=0.0, max_value=60.0, allow_nan=False)
durations = st.one_of(
    st.builds(Duration.lognormal, cv=st.floats(min_value=0.05, max_value=2.0)),
    st.builds(Duration.gamma, shape=st.floats(min_value=0.3, max_value=20.0)),
    st.just(Duration.fixed()),
)
deal_values = st.builds(
    DealValue,
    mean=st.floats(min_value=0.0, max_value=1e6, allow_nan=False),
    distribution=st.sampled_from(["fixed", "lognormal"]),
    cv=st.floats(min_value=0.0, max_value=2.0, allow_nan=False),
)


@st.composite
def complex_scenarios(draw: st.DrawFn, *, max_leads: int = 2_000) -> Scenario:
    """A valid scenario of the complex process, with or without a revised-proposal loop."""
    advance = {stage: draw(probabilities) for stage in _COMPLEX_OPEN}
    loop = draw(st.floats(min_value=0.0, max_value=1.0 - advance[Stage.OBJECTIONS]))
    days = {stage: draw(mean_days) for stage in _COMPLEX_OPEN}
    try:
        return Scenario(
            process="complex",
            advance=advance,
            days=days,
            branch={Stage.OBJECTIONS: {Stage.PROPOSAL: loop}} if loop else {},
            duration=draw(durations),
            value=draw(deal_values),
            leads=draw(st.integers(min_value=0, max_value=max_leads)),
        )
    except ScenarioError:
        # A revised proposal taken for certain, with PROPOSAL always advancing, traps a deal
        # between PROPOSAL and OBJECTIONS for ever; such scenarios are rejected (tested apart).
        reject()


# -- analytics: event logs that follow a process ----------------------------------------------

LOG_START = datetime(2026, 1, 5, 9, 0)

#: A custom process without loops: a chain to WON, LOST from every open stage.
CHAIN = SalesProcess.from_mapping(
    {
        "name": "chain",
        "stages": ["inquiry", "meeting", "demo", "offer", "won", "lost"],
        "entry": "inquiry",
        "won": "won",
        "lost": "lost",
        "moves": [
            {"name": "meet", "from": "inquiry", "to": "meeting", "by": ["sales"]},
            {"name": "show", "from": "meeting", "to": "demo", "by": ["sales"]},
            {"name": "offer", "from": "demo", "to": "offer", "by": ["sales"]},
            {"name": "win", "from": "offer", "to": "won", "by": ["sales"]},
        ],
    }
)


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


def legal_log_frame(columns: dict[str, list[Any]]) -> Any:
    """A log of :func:`legal_logs` as a Polars DataFrame with its column types."""
    import polars as pl

    return pl.DataFrame(
        columns,
        schema={
            "deal_id": pl.String,
            "stage": pl.String,
            "at": pl.Datetime("us"),
            "actor": pl.String,
            "value": pl.Float64,
            "group": pl.String,
        },
    )


# -- event logs and their audit --------------------------------------------------------------

#: The processes event-log properties run on: both presets and the CRM process (defined as data).
LOG_PROCESSES = (SalesProcess.complex(), SalesProcess.simple(), crm_process())

_ACTOR_OF: dict[Role, Any] = {
    Role.MARKETING: Marketing,
    Role.SALES: SalesRep,
    Role.CUSTOMER: Customer,
    Role.SYSTEM: System,
}
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
            Product(draw(names), kind=kind),
            by=actor_for(opener, draw(names)),
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
            actor = actor_for(role, draw(names))
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
def interleaved_legal_logs(
    draw: st.DrawFn,
) -> tuple[SalesProcess[Any], list[Any], list[dict[str, Any]]]:
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
messy_deal_ids = st.sampled_from(["A", "B", " C ", "C", "", None, "7"])  # " C " is deal C
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
    # a CRM's labels ("Needs Analysis", "needs-analysis") name stages too; two spaces do not
    two_words = [stage for stage in stages if "_" in stage][:1]
    spelled = [
        spelling
        for stage in two_words
        for spelling in (
            stage.replace("_", " ").title(),
            stage.replace("_", "-"),
            stage.replace("_", "  "),
        )
    ]
    stage_cells = st.sampled_from([*stages, stages[0].upper(), *spelled, "bogus", "", None])
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


#: Value cells and whether each is a value (a finite decimal number) or holds none: written
#: out by hand, the oracle of the audit's ``malformed`` rule for the optional ``value`` column.
VALUE_CELLS: Final = (
    ("12", True),
    (" 1.5 ", True),
    ("-3", True),
    (".5", True),
    ("1.", True),
    ("+2e3", True),
    ("1E-2", True),
    ("", True),
    ("  ", True),
    (None, True),
    ("abc", False),
    ("1,200", False),
    ("1_200", False),
    ("inf", False),
    ("nan", False),
    ("-Infinity", False),
    ("1e999", False),
    ("1e", False),
    ("\u0661\u0662", False),  # Arabic-Indic digits: float() reads them, the grammar does not
    ("$5", False),
)


@st.composite
def messy_valued_logs(draw: st.DrawFn, process: SalesProcess[Any]) -> list[dict[str, Any]]:
    """``messy_logs`` with a text ``value`` column drawn from ``VALUE_CELLS``."""
    rows = draw(messy_logs(process))
    cells = draw(st.lists(st.sampled_from(VALUE_CELLS), min_size=len(rows), max_size=len(rows)))
    return [{**row, "value": cell} for row, (cell, _) in zip(rows, cells, strict=True)]


def with_process(
    logs: Callable[[SalesProcess[Any]], st.SearchStrategy[list[dict[str, Any]]]],
) -> st.SearchStrategy[tuple[SalesProcess[Any], list[dict[str, Any]]]]:
    """A process of ``LOG_PROCESSES`` and a log drawn for it by ``logs``."""
    return st.sampled_from(LOG_PROCESSES).flatmap(lambda p: st.tuples(st.just(p), logs(p)))


def text_frame(rows: list[dict[str, Any]]) -> Any:
    """Rows of text cells (``messy_logs``) as a Polars DataFrame of text columns."""
    import polars as pl

    names = (
        "deal_id",
        "stage",
        "at",
        "actor",
        *(("value",) if rows and "value" in rows[0] else ()),
    )
    return pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String))


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
