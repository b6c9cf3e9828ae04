"""Analyse a CRM export: win rates by agent, product and manager, cycle times, broken references.

The export is a directory in the format of the public Maven "CRM sales opportunities" sample:

* ``sales_pipeline.csv``: opportunity_id, sales_agent, product, account, deal_stage
  (Prospecting / Engaging / Won / Lost), engage_date, close_date, close_value - one row per deal,
  a snapshot of where it is now;
* ``sales_teams.csv``: sales_agent -> manager, regional_office;
* ``products.csv``: product, series, sales_price;
* ``accounts.csv``: account, sector, ... (optional).

The script defines the CRM's own process (Prospecting -> Engaging -> Won, Lost from any open
stage), turns the snapshot into an event log (one row per stage a deal entered), and measures it
with ``funnelcore.analytics``.

    python examples/crm_export.py DIR    # analyse DIR
    python examples/crm_export.py        # analyse a small built-in sample written to a temp dir

Needs the ``analytics`` extra.
"""

from __future__ import annotations

import difflib
import enum
import random
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from funnelcore import Move, Role, SalesProcess
from funnelcore.analytics import cycle_times, funnel_summary, stage_funnel, text_table


class CrmStage(str, enum.Enum):
    """The stages of the CRM export."""

    PROSPECTING = "prospecting"
    ENGAGING = "engaging"
    WON = "won"
    LOST = "lost"


#: The CRM's process: prospecting, then engaging, then won; a deal can be lost at any open stage.
CRM_PROCESS = SalesProcess.define(
    "crm",
    stages=CrmStage,
    entry=CrmStage.PROSPECTING,
    won=CrmStage.WON,
    lost=CrmStage.LOST,
    moves=[
        Move("engage", CrmStage.PROSPECTING, CrmStage.ENGAGING, {Role.SALES}),
        Move("win", CrmStage.ENGAGING, CrmStage.WON, {Role.SALES}),
    ],
    lose_by=(Role.SALES,),
)

_CARRIED = ["sales_agent", "product", "account", "manager", "regional_office"]


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


def event_log(pipeline: pl.DataFrame, teams: pl.DataFrame) -> tuple[pl.DataFrame, date]:
    """The snapshot as an event log: one row per stage each deal entered, agent's team joined.

    The export keeps no date for entering Prospecting: an engaged deal's prospecting event is
    dated at its engage date (zero days in prospecting), and a deal still in Prospecting is dated
    at the export's last date (the "as of" date). The close value goes on the Won or Lost event.
    """
    as_of = max(
        value
        for value in (pipeline["engage_date"].max(), pipeline["close_date"].max())
        if isinstance(value, date)
    )
    deals = pipeline.join(
        teams.select("sales_agent", "manager", "regional_office"), on="sales_agent", how="left"
    ).with_columns(pl.col("deal_stage").str.to_lowercase().alias("now"))
    carried = [pl.col(name) for name in _CARRIED]
    prospecting = deals.select(
        pl.col("opportunity_id").alias("deal_id"),
        pl.lit("prospecting").alias("stage"),
        pl.col("engage_date").fill_null(as_of).alias("at"),
        pl.lit(None, dtype=pl.Float64).alias("value"),
        *carried,
    )
    engaging = deals.filter(pl.col("now") != "prospecting").select(
        pl.col("opportunity_id").alias("deal_id"),
        pl.lit("engaging").alias("stage"),
        pl.col("engage_date").alias("at"),
        pl.lit(None, dtype=pl.Float64).alias("value"),
        *carried,
    )
    closed = deals.filter(pl.col("now").is_in(["won", "lost"])).select(
        pl.col("opportunity_id").alias("deal_id"),
        pl.col("now").alias("stage"),
        pl.col("close_date").alias("at"),
        pl.col("close_value").cast(pl.Float64).alias("value"),
        *carried,
    )
    log = pl.concat([prospecting, engaging, closed]).with_columns(
        pl.lit("sales").alias("actor"), pl.col("at").cast(pl.Datetime("us"))
    )
    return log, as_of


def reference_problems(tables: dict[str, pl.DataFrame]) -> list[str]:
    """Values the pipeline refers to that its reference tables do not have, and broken dates."""
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
            problems.append(f"{column} {value!r} in {rows:,} deals is not in {table}{hint}")
        missing = pipeline[column].null_count()
        if missing:
            problems.append(f"{column} is empty in {missing:,} deals")
    stage = pl.col("deal_stage")
    broken = {
        "closed without a close date": stage.is_in(["Won", "Lost"])
        & pl.col("close_date").is_null(),
        "past Prospecting without an engage date": (stage != "Prospecting")
        & pl.col("engage_date").is_null(),
        "closed before it was engaged": pl.col("close_date") < pl.col("engage_date"),
    }
    for what, condition in broken.items():
        rows = pipeline.filter(condition).height
        if rows:
            problems.append(f"{rows:,} deals {what}")
    return problems


def show(title: str, frame: pl.DataFrame, columns: list[str]) -> None:
    print(f"\n{title}")
    print(text_table(frame, columns=columns))


def win_rates(log: pl.DataFrame, by: str) -> pl.DataFrame:
    """Won, lost and win rate per value of ``by``, best win rate first."""
    return funnel_summary(log, CRM_PROCESS, by=by).sort(
        "win_rate", "won", descending=True, nulls_last=True
    )


def analyse(directory: Path) -> None:
    """Print the analysis of the export in ``directory``."""
    tables = read_export(directory)
    log, as_of = event_log(tables["pipeline"], tables["teams"])
    print(f"CRM export {directory}: {tables['pipeline'].height:,} deals as of {as_of}")
    print(f"process: {' > '.join(stage.value for stage in CRM_PROCESS.stages)}")
    print(f"event log: {log.height:,} events")

    overall = funnel_summary(log, CRM_PROCESS)
    show("Overall", overall, ["deals", "open", "won", "lost", "win_rate", "average_won_value"])
    funnel = stage_funnel(log, CRM_PROCESS)
    show("Funnel", funnel, ["stage", "reached", "conversion", "conversion_from_entry", "current"])

    cycles = cycle_times(log, CRM_PROCESS, start=CrmStage.ENGAGING)
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
