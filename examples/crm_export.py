"""Analyse a CRM export: win rates by agent, product and manager, cycle times, broken references.

The export is a directory in the format of the public Maven "CRM sales opportunities" sample:

* ``sales_pipeline.csv``: opportunity_id, sales_agent, product, account, deal_stage
  (Prospecting / Engaging / Won / Lost), engage_date, close_date, close_value - one row per deal,
  a snapshot of where it is now;
* ``sales_teams.csv``: sales_agent -> manager, regional_office;
* ``products.csv``: product, series, sales_price;
* ``accounts.csv``: account, sector, ... (optional).

The library does the CRM work: ``crm_process()`` is the export's own process (prospecting ->
engaging -> won, lost from any open stage) and ``import_crm_snapshot`` turns the snapshot into an
event log (one row per stage each deal entered). This script joins the sales teams on, audits the
log, measures it with ``funnelcore.analytics`` and checks the export's references.

    python examples/crm_export.py DIR    # analyse DIR
    python examples/crm_export.py        # analyse a small built-in sample written to a temp dir

Needs the ``analytics`` extra.
"""

from __future__ import annotations

import difflib
import random
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from funnelcore import audit, crm_process, import_crm_snapshot
from funnelcore.analytics import cycle_times, funnel_summary, stage_funnel, text_table

CRM = crm_process()


def read_export(directory: Path) -> dict[str, pl.DataFrame]:
    """The export's tables (accounts may be missing)."""
    tables = {
        "pipeline": pl.read_csv(directory / "sales_pipeline.csv", try_parse_dates=True),
        "teams": pl.read_csv(directory / "sales_teams.csv"),
        "products": pl.read_csv(directory / "products.csv"),
    }
    accounts = directory / "accounts.csv"
    if accounts.exists():
        tables["accounts"] = pl.read_csv(accounts)
    return tables


def export_date(pipeline: pl.DataFrame) -> date:
    """The export's "as of" date: the last date it records."""
    return max(
        value
        for value in (pipeline["engage_date"].max(), pipeline["close_date"].max())
        if isinstance(value, date)
    )


def event_log(directory: Path, teams: pl.DataFrame, as_of: date) -> tuple[pl.DataFrame, list[str]]:
    """The snapshot as an event log with each agent's team joined on, and the import's notes.

    ``import_crm_snapshot`` credits every event to the deal's agent (``actor_name``) and copies
    the other columns (product, account); deals still prospecting are dated at ``as_of``.
    """
    imported = import_crm_snapshot(directory / "sales_pipeline.csv", as_of=as_of)
    log = imported.log.with_columns(sales_agent=pl.col("actor_name")).join(
        teams.select("sales_agent", "manager", "regional_office"), on="sales_agent", how="left"
    )
    return log, [str(note) for note in imported.notes]


def reference_problems(tables: dict[str, pl.DataFrame]) -> list[str]:
    """Values the pipeline refers to that its reference tables do not have."""
    pipeline = tables["pipeline"]
    problems: list[str] = []
    checks = [("product", "products", "product"), ("sales_agent", "teams", "sales_agent")]
    if "accounts" in tables:
        checks.append(("account", "accounts", "account"))
    for column, table, key in checks:
        known = set(tables[table][key].drop_nulls().to_list())
        counts = (
            pipeline.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(sorted(known)))
            .group_by(column)
            .len()
            .sort(column)
        )
        for value, rows in counts.iter_rows():
            near = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            deals = f"{rows:,} deal{'' if rows == 1 else 's'}"
            problems.append(f"{column} {value!r} in {deals} is not in {table}{hint}")
        missing = pipeline[column].null_count()
        if missing:
            problems.append(f"{column} is empty in {missing:,} deal{'' if missing == 1 else 's'}")
    return problems


def show(title: str, frame: pl.DataFrame, columns: list[str]) -> None:
    print(f"\n{title}")
    print(text_table(frame, columns=columns))


def win_rates(log: pl.DataFrame, by: str) -> pl.DataFrame:
    """Won, lost and win rate per value of ``by``, best win rate first."""
    return funnel_summary(log, CRM, by=by).sort("win_rate", "won", descending=True, nulls_last=True)


def analyse(directory: Path) -> None:
    """Print the analysis of the export in ``directory``."""
    tables = read_export(directory)
    as_of = export_date(tables["pipeline"])
    log, notes = event_log(directory, tables["teams"], as_of)
    print(f"CRM export {directory}: {tables['pipeline'].height:,} deals as of {as_of}")
    print(f"process: {' > '.join(stage.value for stage in CRM.stages)}")
    print(f"event log: {log.height:,} events")
    for note in notes:  # rows the import could not fully date or value
        print(f"  import: {note}")
    # A deal closed before it was engaged, or closed without a close date, shows up here; the
    # metrics measure the deals the audit passes (they refuse events without a time).
    report = audit(log, CRM)
    print(f"audit: {report.to_text().splitlines()[-1]}")
    flawed = sorted({v.deal_id for v in report.violations if v.deal_id is not None})
    if flawed:
        log = log.filter(~pl.col("deal_id").is_in(flawed))
        print(f"measuring the {log['deal_id'].n_unique():,} deals the audit passes")

    overall = funnel_summary(log, CRM)
    show("Overall", overall, ["deals", "open", "won", "lost", "win_rate", "average_won_value"])
    funnel = stage_funnel(log, CRM)
    show("Funnel", funnel, ["stage", "reached", "conversion", "conversion_from_entry", "current"])

    cycles = cycle_times(log, CRM, start="engaging")
    show(
        "Days from engaging to close",
        cycles,
        ["outcome", "deals", "median_days", "mean_days", "p90_days"],
    )

    columns = ["won", "lost", "win_rate", "average_won_value"]
    show("Win rate by manager", win_rates(log, "manager"), ["manager", *columns])
    show("Win rate by product", win_rates(log, "product"), ["product", *columns])
    show("Win rate by sales agent", win_rates(log, "sales_agent"), ["sales_agent", *columns])

    print("\nReference values missing from the export's tables")
    for problem in reference_problems(tables) or ["none"]:
        print(f"  - {problem}")


def write_sample(directory: Path) -> Path:
    """A small export in the same format (made up, deterministic), for runs without data."""
    rng = random.Random(2016)
    teams = [
        ("Ada Quill", "Rhea North", "East"),
        ("Ben Ortiz", "Rhea North", "East"),
        ("Cleo Marsh", "Sol Weston", "West"),
        ("Dev Patel", "Sol Weston", "West"),
    ]
    products = [("GTX Basic", "GTX", 550), ("GTX Pro", "GTX", 4821), ("MG Special", "MG", 55)]
    spelled = ["GTX Basic", "GTX Pro", "GTXPro", "MG Special"]  # one product misspelled
    accounts = ["Acme Corporation", "Betasoloin", "Cancity"]
    rows = [
        "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value"
    ]
    start = date(2017, 1, 2)
    for number in range(60):
        agent = teams[number % len(teams)][0]
        product = spelled[rng.randrange(len(spelled))]
        account = accounts[rng.randrange(len(accounts))] if rng.random() < 0.9 else ""
        roll = rng.random()
        stage = (
            "Prospecting"
            if roll < 0.1
            else "Engaging"
            if roll < 0.3
            else "Won"
            if roll < 0.75
            else "Lost"
        )
        engage = start + timedelta(days=rng.randrange(120))
        close = engage + timedelta(days=rng.randrange(5, 90))
        price = next((p for name, _, p in products if name == product), 4821)
        value = round(price * rng.uniform(0.9, 1.1)) if stage == "Won" else 0
        rows.append(
            ",".join(
                [
                    f"OPP{number:04d}",
                    agent,
                    product,
                    account,
                    stage,
                    "" if stage == "Prospecting" else engage.isoformat(),
                    close.isoformat() if stage in ("Won", "Lost") else "",
                    str(value) if stage in ("Won", "Lost") else "",
                ]
            )
        )
    (directory / "sales_pipeline.csv").write_text("\n".join(rows) + "\n")
    (directory / "sales_teams.csv").write_text(
        "sales_agent,manager,regional_office\n" + "".join(f"{a},{m},{o}\n" for a, m, o in teams)
    )
    (directory / "products.csv").write_text(
        "product,series,sales_price\n" + "".join(f"{p},{s},{v}\n" for p, s, v in products)
    )
    (directory / "accounts.csv").write_text(
        "account,sector\n" + "".join(f"{a},technology\n" for a in accounts)
    )
    return directory


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print("usage: crm_export.py [DIR]", file=sys.stderr)
        return 2
    if argv:
        directory = Path(argv[0])
        if not (directory / "sales_pipeline.csv").is_file():
            print(f"crm_export.py: no sales_pipeline.csv in {directory}", file=sys.stderr)
            return 2
        analyse(directory)
        return 0
    with tempfile.TemporaryDirectory() as temporary:
        print("(no DIR given: analysing a small built-in sample)")
        analyse(write_sample(Path(temporary)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
