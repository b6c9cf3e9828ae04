"""Reading event logs from every source, rebuilding deals, importing a CRM snapshot, the CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from funnelcore import (
    ColumnMapping,
    InvalidArgumentError,
    InvalidLogError,
    InvalidRecordError,
    Lead,
    LeadSource,
    LogReadError,
    Marketing,
    Product,
    ProductKind,
    SalesProcess,
    SalesRep,
    SnapshotMapping,
    System,
    audit,
    crm_process,
    deals_from_log,
    deals_to_log,
    import_crm_snapshot,
    read_log,
)
from funnelcore.cli import main
from funnelcore.testing import walk

COMPLEX = SalesProcess.complex()
UTC = timezone.utc

ROWS = [
    {
        "id": " D1",
        "step": "Lead",
        "when": "2026-01-05T09:00:00Z",
        "who": "Marketing",
        "channel": "web",
    },
    {
        "id": "D1",
        "step": "prospecting",
        "when": "2026-01-06T09:00:00+01:00",
        "who": "sales",
        "channel": "web",
    },
    {"id": "D2", "step": "lead", "when": "2026-01-07", "who": "sales", "channel": None},
]
MAPPING = ColumnMapping(deal_id="id", stage="step", at="when", actor="who")


def test_a_column_mapping_is_checked_when_made() -> None:
    with pytest.raises(InvalidRecordError, match="already mapped"):
        ColumnMapping(deal_id="x", stage="x")
    with pytest.raises(InvalidRecordError, match="not an event-log column"):
        ColumnMapping.from_dict({"x": "deal"})
    assert ColumnMapping.from_dict({"id": "deal_id", "when": "at"}) == ColumnMapping(
        deal_id="id", at="when"
    )


def test_read_log_brings_rows_to_the_canonical_columns_keeping_extras() -> None:
    with pytest.raises(InvalidLogError, match="row 3"):
        read_log(ROWS, mapping=MAPPING)  # D2 has a naive time in a log with offsets
    rows = read_log(ROWS, mapping=MAPPING, keep_malformed=True)
    assert list(rows[0]) == ["deal_id", "stage", "at", "actor", "channel"]
    assert [(r["deal_id"], r["at"], r["actor"]) for r in rows] == [
        ("D1", datetime(2026, 1, 5, 9, tzinfo=UTC), "marketing"),
        ("D1", datetime(2026, 1, 6, 8, tzinfo=UTC), "sales"),
        ("D2", None, "sales"),
    ]
    assert [r["stage"] for r in read_log(ROWS[:2], mapping=MAPPING, process=COMPLEX)] == [
        "lead",
        "prospecting",
    ]


def _frames() -> dict[str, Any]:
    frame = pl.DataFrame(ROWS[:2])
    return {
        "polars": frame,
        "polars-lazy": frame.lazy(),
        "pandas": frame.to_pandas(),
        "pyarrow": frame.to_arrow(),
        "duckdb": duckdb.from_arrow(frame.to_arrow()),
    }


@pytest.mark.parametrize("kind", list(_frames()))
def test_read_log_returns_the_callers_frame_type(kind: str) -> None:
    source = _frames()[kind]
    result = read_log(source, mapping=MAPPING, process=COMPLEX)
    assert type(result) is type(source)
    back = pl.from_arrow(result.to_arrow_table()) if kind == "duckdb" else result
    back = pl.from_pandas(back) if kind == "pandas" else back
    back = pl.from_arrow(back) if kind == "pyarrow" else back
    back = back.collect() if kind == "polars-lazy" else back
    assert back.columns == ["deal_id", "stage", "at", "actor", "channel"]
    assert back["deal_id"].to_list() == ["D1", "D1"]
    assert back["stage"].to_list() == ["lead", "prospecting"]
    assert back["actor"].to_list() == ["marketing", "sales"]
    assert [t.astimezone(UTC) for t in back["at"].to_list()] == [
        datetime(2026, 1, 5, 9, tzinfo=UTC),
        datetime(2026, 1, 6, 8, tzinfo=UTC),
    ]


@pytest.mark.parametrize("kind", list(_frames()))
def test_every_frame_type_audits_the_same(kind: str) -> None:
    rows = [*ROWS[:2], {**ROWS[1], "step": "won", "when": "2026-01-05T00:00:00Z"}]
    frame = pl.DataFrame(rows)
    sources = {
        "polars": frame,
        "polars-lazy": frame.lazy(),
        "pandas": frame.to_pandas(),
        "pyarrow": frame.to_arrow(),
        "duckdb": duckdb.from_arrow(frame.to_arrow()),
    }
    expected = audit(rows, COMPLEX, mapping=MAPPING, engine="python")
    assert [v.rule for v in expected.violations] == ["illegal_move", "out_of_order"]
    assert audit(sources[kind], COMPLEX, mapping=MAPPING) == expected
    assert audit(sources[kind], COMPLEX, mapping=MAPPING, engine="python") == expected


def test_typed_timestamp_and_date_columns_are_used_as_they_are() -> None:
    frame = pl.DataFrame(
        {
            "deal_id": ["D1", "D1", "D1"],
            "stage": ["lead", "prospecting", "qualifying"],
            "at": [date(2026, 1, 5), date(2026, 1, 4), None],
            "actor": ["sales"] * 3,
        }
    )
    expected = [(2, "out_of_order"), (3, "malformed")]
    for source in (
        frame,
        frame.with_columns(pl.col("at").cast(pl.Datetime("ms", "Europe/Paris"))),
        frame.to_pandas(),
    ):
        assert [(v.row, v.rule) for v in audit(source, COMPLEX).violations] == expected
        assert [
            (v.row, v.rule) for v in audit(source, COMPLEX, engine="python").violations
        ] == expected
    with pytest.raises(LogReadError, match="expected timestamps, dates or ISO 8601 text"):
        audit(frame.with_columns(pl.lit(5).alias("at")), COMPLEX)


#: ``at`` cells a pandas object column may hold, and what the audit makes of them (row, rule).
OBJECT_TIMES = {
    "aware and naive": ([datetime(2026, 1, 5, 9, tzinfo=UTC), datetime(2026, 1, 6)], [2]),
    "dates": ([date(2026, 1, 5), date(2026, 1, 6)], []),
    "two offsets": (
        [
            datetime(2026, 1, 5, 9, tzinfo=UTC),
            datetime(2026, 1, 5, 10, tzinfo=timezone(timedelta(hours=2))),
        ],
        [2],  # 08:00 UTC: out of order
    ),
    "a number and text": ([5, "2026-01-06"], [1]),
    "text and a datetime": (["2026-01-05T09:00", datetime(2026, 1, 6)], []),
}


@pytest.mark.parametrize("case", sorted(OBJECT_TIMES))
def test_a_pandas_object_time_column_audits_as_its_rows_do(case: str) -> None:
    """Each cell is read as the plain engine reads it: no naive time silently taken as UTC."""
    import pandas as pd

    times, flagged = OBJECT_TIMES[case]
    rows = [{**row, "when": when} for row, when in zip(ROWS[:2], times, strict=True)]
    frame = pd.DataFrame(
        {name: pd.Series([row[name] for row in rows], dtype=object) for name in rows[0]}
    )
    expected = audit(rows, COMPLEX, mapping=MAPPING, engine="python")
    assert [v.row for v in expected.violations] == flagged
    assert audit(frame, COMPLEX, mapping=MAPPING) == expected


#: Object columns of mixed types (pyarrow converts none of them whole) and the rules they break.
MIXED_OBJECT_COLUMNS: dict[str, tuple[list[Any], list[str]]] = {
    "id": ([1, "1"], []),  # one deal: ids are read as text
    "step": (["lead", 5], ["unknown_stage"]),
    "who": (["marketing", 3], ["malformed"]),
    "channel": ([1, "web"], []),  # a column the audit does not read cannot make the log unusable
}


@pytest.mark.parametrize("name", sorted(MIXED_OBJECT_COLUMNS))
def test_a_pandas_object_column_of_mixed_types_audits_as_its_rows_do(name: str) -> None:
    import pandas as pd

    values, rules = MIXED_OBJECT_COLUMNS[name]
    rows = [{**row, name: value} for row, value in zip(ROWS[:2], values, strict=True)]
    frame = pd.DataFrame(
        {key: pd.Series([row[key] for row in rows], dtype=object) for key in rows[0]}
    )
    expected = audit(rows, COMPLEX, mapping=MAPPING, engine="python")
    assert [v.rule for v in expected.violations] == rules
    assert audit(frame, COMPLEX, mapping=MAPPING) == expected


def test_pandas_nullable_columns_with_na_audit_alike_on_both_engines() -> None:
    """``pandas.NA`` (nullable Int64 and string columns) is a missing cell, as None is."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "deal_id": pd.array([1, 1, pd.NA, 2], dtype="Int64"),
            "stage": pd.array(["lead", "prospecting", "lead", pd.NA], dtype="string"),
            "at": pd.array(["2026-01-05", pd.NA, "2026-01-06", "2026-01-07"], dtype="string"),
            "actor": pd.array(["marketing", "sales", "marketing", "sales"], dtype="string"),
        }
    )
    expected = [
        (2, "malformed", "at is missing"),
        (3, "malformed", "deal_id is missing"),
        (4, "malformed", "stage is missing"),
    ]
    for report in (
        audit(frame, COMPLEX),
        audit(frame, COMPLEX, engine="python"),
        audit(frame.to_dict("records"), COMPLEX),
    ):
        assert [(v.row, v.rule, v.message) for v in report.violations] == expected


def test_dask_is_refused_with_a_reason() -> None:
    class FakeDask:
        pass

    FakeDask.__module__ = "dask.dataframe.core"
    with pytest.raises(LogReadError, match="Dask DataFrames are not supported"):
        audit(FakeDask(), COMPLEX)


# -- replay -------------------------------------------------------------------------------------


def _deals() -> list[Any]:
    at = datetime(2026, 1, 5, tzinfo=timezone(timedelta(hours=2)))
    won = walk(
        COMPLEX,
        COMPLEX.open_deal(
            Lead("Ada", source=LeadSource.REFERRAL),
            Product("ERP"),
            by=Marketing("Brand"),
            at=at,
            value=1200.0,
            deal_id="D1",
        ),
        COMPLEX.won,
        by=SalesRep("Sam"),
    )
    lost = COMPLEX.lose(
        COMPLEX.open_deal(
            Lead("Bo", source=LeadSource.OUTBOUND),
            Product("CRM"),
            by=SalesRep("Ann"),
            at=at,
            deal_id="D2",
        ),
        by=System(),
        at=at + timedelta(days=30),
        reason="stale",
    )
    return [won, lost]


def test_deals_written_to_every_format_read_back_equal(tmp_path: Path) -> None:
    deals = _deals()
    leads = {deal.id: deal.lead for deal in deals}
    rows = deals_to_log(deals)
    assert [r["actor"] for r in rows][:2] == ["marketing", "sales"]
    assert deals_from_log(rows, COMPLEX, leads=leads) == deals
    frame = deals_to_log(deals, backend="polars")
    frame.write_csv(tmp_path / "log.csv")
    frame.write_ndjson(tmp_path / "log.jsonl")
    for source in (
        frame,
        deals_to_log(deals, backend="pandas"),
        deals_to_log(deals, backend="pyarrow"),
        tmp_path / "log.csv",
        tmp_path / "log.jsonl",
    ):
        assert deals_from_log(source, COMPLEX, leads=leads) == deals


def test_deals_from_log_fills_what_a_plain_log_does_not_record() -> None:
    """Roles become placeholder actors; a loss without reason gets one; guards are taken as met."""
    rows = [
        {"deal_id": "D1", "stage": "lead", "at": "2026-01-05", "actor": "marketing"},
        {"deal_id": "D1", "stage": "prospecting", "at": "2026-01-06", "actor": "sales"},
        {
            "deal_id": "D1",
            "stage": "qualifying",
            "at": "2026-01-07",
            "actor": "sales",
            "actor_name": "Sam",
        },
        {"deal_id": "D1", "stage": "lost", "at": "2026-01-08", "actor": "system"},
    ]
    (deal,) = deals_from_log(rows, COMPLEX)
    assert [change.actor for change in deal.history] == [
        Marketing("marketing"),
        SalesRep("unnamed sales rep"),
        SalesRep("Sam"),
        System("system"),
    ]
    assert deal.history[-1].reason == "no reason recorded in the event log"
    assert deal.history[2].evidence is not None
    assert deal.history[2].evidence.permission
    assert deal.lead == Lead("D1", source=LeadSource.OUTBOUND)
    assert deal.product == Product("unrecorded product", kind=ProductKind.COMPLEX)


def test_deals_from_log_refuses_a_log_with_violations_listing_them_all() -> None:
    rows = [
        {"deal_id": "D1", "stage": "lead", "at": "2026-01-05", "actor": "sales"},
        {"deal_id": "D1", "stage": "won", "at": "2026-01-06", "actor": "sales"},
        {"deal_id": "D2", "stage": "won", "at": "2026-01-06", "actor": "sales"},
    ]
    with pytest.raises(InvalidLogError) as caught:
        deals_from_log(rows, COMPLEX)
    assert [(v.row, v.rule) for v in caught.value.violations] == [
        (2, "illegal_move"),
        (3, "not_from_entry"),
    ]


def _qualified_with(evidence: str, *, on: int = 2) -> list[dict[str, Any]]:
    rows = [
        {"deal_id": "D1", "stage": "lead", "at": "2026-01-05", "actor": "marketing"},
        {"deal_id": "D1", "stage": "prospecting", "at": "2026-01-06", "actor": "sales"},
        {"deal_id": "D1", "stage": "qualifying", "at": "2026-01-07", "actor": "sales"},
    ]
    rows[on]["evidence"] = evidence
    return rows


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        ('{"permission": "false"}', "permission must be True or False, got 'false'"),
        ('{"permission": 1}', "permission must be True or False, got 1"),
        ('{"compelling_reasons": 5}', "compelling_reasons must be texts, got 5"),
        ('{"compelling_reasons": null}', "compelling_reasons must be texts, got None"),
        ('{"permision": true}', "unknown key(s) 'permision'"),
        ("[true]", "not a JSON object"),
        ("{permission: true}", "is not evidence JSON"),
    ],
)
def test_evidence_that_is_not_evidence_is_refused_with_its_row(evidence: str, message: str) -> None:
    """A text flag such as "false" would pass the guard by its truth value: refused instead."""
    rows = _qualified_with(evidence)
    for log in (read_log(rows), read_log(pl.DataFrame(rows))):
        with pytest.raises(LogReadError, match=re.escape(message)) as caught:
            deals_from_log(log, COMPLEX)
        assert "row 3: evidence" in str(caught.value)


def test_a_backend_for_a_log_that_is_not_a_file_is_refused_not_ignored() -> None:
    rows = [{"deal_id": "D1", "stage": "lead", "at": "2026-01-05", "actor": "sales"}]
    with pytest.raises(LogReadError, match="backend='polars' is for a file; a sequence of rows"):
        read_log(rows, backend="polars")
    with pytest.raises(LogReadError, match="backend='rows' is for a file; a dataframe comes back"):
        read_log(pl.DataFrame(rows), backend="rows")
    assert read_log(rows, backend="rows") == read_log(rows)


def test_evidence_with_one_reason_as_text_is_that_reason() -> None:
    log = _qualified_with('{"permission": true, "compelling_reasons": "month-end close"}')
    (deal,) = deals_from_log(log, COMPLEX)
    assert deal.history[-1].evidence is not None
    assert deal.history[-1].evidence.compelling_reasons == ("month-end close",)


def test_evidence_on_a_deals_first_row_is_refused_not_dropped() -> None:
    with pytest.raises(LogReadError, match="row 1: deal 'D1' is opened with evidence"):
        deals_from_log(_qualified_with('{"permission": true}', on=0), COMPLEX)
    with pytest.raises(LogReadError, match="row 1: evidence '\\[1\\]' is not evidence JSON"):
        deals_from_log(_qualified_with("[1]", on=0), COMPLEX)
    # Evidence of nothing is no evidence.
    (deal,) = deals_from_log(_qualified_with("{}", on=0), COMPLEX)
    assert deal.history[0].evidence is None


def test_a_deals_value_is_the_latest_its_rows_record() -> None:
    """As the funnel metrics read it: a value set at the proposal is the deal's value."""
    rows = _qualified_with("")
    rows[1]["value"] = 900
    rows[2]["value"] = None
    (deal,) = deals_from_log(rows, COMPLEX)
    assert deal.value == 900.0
    rows[2]["value"] = "1,200"
    with pytest.raises(InvalidLogError) as caught:
        deals_from_log(rows, COMPLEX)
    ((row, rule, message),) = [(v.row, v.rule, v.message) for v in caught.value.violations]
    assert (row, rule) == (3, "malformed")
    assert message.startswith("value '1,200' is not a number")


def test_a_marketing_response_needs_its_lead() -> None:
    rows = [
        {
            "deal_id": "D1",
            "stage": "lead",
            "at": "2026-01-05",
            "actor": "marketing",
            "source": "marketing_response",
        }
    ]
    with pytest.raises(LogReadError, match="pass leads="):
        deals_from_log(rows, COMPLEX)


# -- CRM snapshot -------------------------------------------------------------------------------

SNAPSHOT = """\
opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value
W1,Moses Frase,GTX Basic,Cancity,Won,2016-10-20,2017-03-01,1054
L1,Anna Snelling,MG Special,,Lost,2016-10-25,2016-10-24,0
E1,Anna Snelling,GTX Pro,,Engaging,2016-11-02,,
P1,Moses Frase,GTX Pro,,Prospecting,,,
X1,Moses Frase,GTX Pro,,Won,2016-11-02,,
Q1,Moses Frase,GTX Pro,,Negotiating,2016-11-02,,
"""


def test_a_crm_snapshot_becomes_an_event_log_with_notes(tmp_path: Path) -> None:
    path = tmp_path / "sales_pipeline.csv"
    path.write_text(SNAPSHOT)
    imported = import_crm_snapshot(path)
    log = imported.log
    assert isinstance(log, pl.DataFrame)
    assert log.select("deal_id", "stage").rows()[:5] == [
        ("W1", "prospecting"),
        ("W1", "engaging"),
        ("W1", "won"),
        ("L1", "prospecting"),
        ("L1", "engaging"),
    ]
    assert log.columns[:7] == [
        "deal_id",
        "stage",
        "at",
        "actor",
        "actor_name",
        "from_stage",
        "value",
    ]
    assert {"product", "account"} <= set(log.columns)
    # the file's text cells become numbers, on every event of the deal
    assert log.filter(pl.col("deal_id") == "W1")["value"].to_list() == [1054.0] * 3
    assert log.schema["value"] == pl.Float64
    assert [str(note) for note in imported.notes] == [
        "row 4 deal 'P1': no date for the prospecting event (the export records none for this "
        "deal); pass as_of= to date it at the export",
        "row 5 deal 'X1': the deal reached won but close_date is empty; the event has no date",
        "row 6 deal 'Q1': deal_stage 'Negotiating' is not a stage of 'crm'; kept as one event for "
        "the audit to report",
    ]
    report = audit(log, crm_process())
    assert [(v.row, v.deal_id, v.rule) for v in report.violations] == [
        (6, "L1", "out_of_order"),  # closed before it was engaged
        (9, "P1", "malformed"),  # rows 7-8 are E1's
        (12, "X1", "malformed"),
        (13, "Q1", "unknown_stage"),
    ]
    dated = import_crm_snapshot(path, as_of=date(2017, 12, 31))
    assert "P1" not in {note.deal_id for note in dated.notes}


def test_a_snapshot_value_that_is_not_a_number_is_noted_and_left_out() -> None:
    rows = [
        {
            "opportunity_id": "W1",
            "sales_agent": "Moses Frase",
            "deal_stage": "Won",
            "engage_date": "2016-10-20",
            "close_date": "2017-03-01",
            "close_value": "1,054 EUR",
        }
    ]
    imported = import_crm_snapshot(rows)
    assert [row["value"] for row in imported.log] == [None, None, None]
    assert [str(note) for note in imported.notes] == [
        "row 1 deal 'W1': close_value '1,054 EUR' is not a number; the deal has no value"
    ]


def test_snapshot_rows_the_log_cannot_take_as_they_are_each_get_one_note() -> None:
    """A blank id, a deal twice, a negative value and a date that is not one: a note each."""

    def row(deal: str, stage: str, engaged: str, value: object) -> dict[str, object]:
        return {
            "opportunity_id": deal,
            "sales_agent": "Moses Frase",
            "deal_stage": stage,
            "engage_date": engaged,
            "close_date": "2017-03-01" if stage in ("Won", "Lost") else "",
            "close_value": value,
        }

    imported = import_crm_snapshot(
        [
            row("W1", "Won", "2016-10-20", 1054),
            row(" ", "Won", "2016-10-20", 5),
            row("W1", "Lost", "2016-10-20", 0),
            row("N1", "Won", "2016-10-20", -5),
            row("D1", "Engaging", "20/10/2016", ""),
        ]
    )
    assert [str(note) for note in imported.notes] == [
        "row 2: opportunity_id is empty; the deal's events have no deal id (the audit reports "
        "them as malformed)",
        "row 3 deal 'W1': the deal is also in row 1; a snapshot has one row per deal, and this "
        "row's events follow that row's in the log",
        "row 4 deal 'N1': close_value -5 is negative; the deal has no value",
        # one note for the unreadable date, not a second one calling it empty
        "row 5 deal 'D1': engage_date '20/10/2016' is not a date; the engaging event has no date",
        "row 5 deal 'D1': no date for the prospecting event (the export records none for this "
        "deal); pass as_of= to date it at the export",
    ]
    assert {row["value"] for row in imported.log if row["deal_id"] == "N1"} == {None}
    report = audit(imported.log, crm_process())
    assert "after_terminal" in {v.rule for v in report.violations if v.deal_id == "W1"}


def test_imported_clean_deals_replay_into_the_crm_process(tmp_path: Path) -> None:
    rows = [
        {
            "opportunity_id": "W1",
            "sales_agent": "Moses Frase",
            "product": "GTX Basic",
            "deal_stage": "Won",
            "engage_date": "2016-10-20",
            "close_date": "2017-03-01",
            "close_value": 1054,
        },
        {
            "opportunity_id": "E1",
            "sales_agent": "Anna Snelling",
            "product": "GTX Pro",
            "deal_stage": "Engaging",
            "engage_date": "2016-11-02",
            "close_date": None,
            "close_value": None,
        },
    ]
    imported = import_crm_snapshot(rows)
    assert imported.notes == ()
    won, engaging = deals_from_log(imported.log, crm_process())
    assert (won.stage.value, won.value, won.product.name, won.closed_by) == (
        "won",
        1054.0,
        "GTX Basic",
        SalesRep("Moses Frase"),
    )
    assert engaging.stage.value == "engaging"
    shipped = SalesProcess.load(Path(__file__).parents[2] / "src/funnelcore/processes/crm.toml")
    assert shipped.to_mermaid() == crm_process().to_mermaid()


# -- CLI ----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _only_built_subcommands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register only the subcommands these tests use (others may live on other branches)."""
    monkeypatch.setattr(
        "funnelcore.cli._COMMAND_MODULES", ("funnelcore._cli_diagram", "funnelcore._cli_audit")
    )


def _write(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / "log.csv"
    pl.DataFrame(rows).write_csv(path)
    return path


def test_the_cli_exits_0_on_a_clean_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(
        tmp_path, [{"deal_id": "D1", "stage": "lead", "at": "2026-01-05", "actor": "marketing"}]
    )
    assert main(["audit", str(path)]) == 0
    assert capsys.readouterr().out == "clean: 1 row, 1 deal, no violations\n"


def test_the_cli_exits_1_with_every_violation_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path,
        [
            {"deal_id": "D1", "stage": "lead", "at": "2026-01-05", "actor": "marketing"},
            {"deal_id": "D1", "stage": "won", "at": "2026-01-06", "actor": "marketing"},
        ],
    )
    assert main(["audit", str(path), "--format", "json", "--process", "simple"]) == 1
    assert json.loads(capsys.readouterr().out) == {
        "rows": 2,
        "deals": 1,
        "violations": [
            {
                "row": 2,
                "deal_id": "D1",
                "rule": "actor_not_allowed",
                "message": "marketing may not move a deal from lead to won: marketing produces "
                "leads, never closes (seed 000: the sales process 'is typically NOT the job of "
                "marketing')",
            }
        ],
    }
    assert main(["audit", str(path), "--engine", "python"]) == 1
    assert "1 violation in 2 rows, 1 deal: 1 illegal_move" in capsys.readouterr().out


def test_the_cli_reads_your_columns_and_a_process_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "pipeline.csv"
    path.write_text(
        "opportunity_id,deal_stage,changed,role\nA,Prospecting,2016-10-20,sales\nA,Won,2016-10-21,sales\n"
    )
    process = tmp_path / "crm.toml"
    process.write_text(
        (Path(__file__).parents[2] / "src/funnelcore/processes/crm.toml").read_text()
    )
    args = [
        "audit",
        str(path),
        "--process",
        str(process),
        "--column",
        "deal_id=opportunity_id",
        "--column",
        "stage=deal_stage",
        "--column",
        "at=changed",
        "--column",
        "actor=role",
    ]
    assert main(args) == 1
    assert "no move from prospecting to won" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["audit", "missing.csv"], "no such file"),
        (["audit", "log.txt"], "expected a .csv"),
        (["audit", "LOG", "--process", "nowhere.toml"], "process 'nowhere'"),
        (["audit", "LOG", "--column", "deal_id"], "argument --column: expected CANONICAL=YOURS"),
        (["audit", "LOG", "--column", "deal_id=x", "--column", "stage=x"], "column 'x' is already"),
        (["audit", "LOG", "--column", "deal_id=opportunity_id"], "no column 'opportunity_id'"),
        (["audit", "LOG", "--format", "xml"], "invalid choice"),
    ],
)
def test_the_cli_exits_2_with_one_line_on_unusable_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], reason: str
) -> None:
    log = _write(
        tmp_path, [{"deal_id": "D1", "stage": "lead", "at": "2026-01-05", "actor": "sales"}]
    )
    (tmp_path / "log.txt").write_text("x")
    args = [
        str(log) if a == "LOG" else str(tmp_path / a) if a.endswith((".csv", ".txt")) else a
        for a in args
    ]
    try:
        code = main(args)
    except SystemExit as stop:  # argparse refuses bad arguments itself
        code = stop.code  # type: ignore[assignment]
    assert code == 2
    err = capsys.readouterr().err
    assert reason in err
    assert err.count("\n") == 1


#: Text files Polars reads more strictly than the csv and json modules, and the rules in them.
STRICT_FOR_POLARS = {
    "long row.csv": (
        "deal_id,stage,at,actor\nD1,lead,2026-01-05,marketing\nD2,lead,2026-01-05,sales,x\n",
        [],  # cut to the header's width, as the plain reader reads it
    ),
    "open quote.csv": (
        'deal_id,stage,at,actor\nD1,lead,2026-01-05,marketing\n"D2,lead,2026-01-05,sales\n',
        ["malformed"],
    ),
    "nested cells.jsonl": (
        '{"deal_id": 1, "stage": {"x": 1}, "at": "2026-01-05", "actor": "marketing"}\n'
        '{"deal_id": 2, "stage": {"y": [1]}, "at": "2026-01-05", "actor": ["sales"]}\n',
        ["unknown_stage", "malformed", "unknown_stage"],
    ),
}


@pytest.mark.parametrize("name", sorted(STRICT_FOR_POLARS))
def test_a_file_polars_reads_strictly_is_reported_row_by_row(tmp_path: Path, name: str) -> None:
    """Not refused whole: both engines report its rows, and read_log reads a CSV as rows do.

    (Objects in a JSON Lines cell come back as Polars structs or as dicts: only the audit's
    verdict on them is compared.)
    """
    text, rules = STRICT_FOR_POLARS[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    expected = audit(path, COMPLEX, engine="python")
    assert [v.rule for v in expected.violations] == rules
    assert audit(path, COMPLEX, engine="vectorised") == expected
    if path.suffix == ".csv":
        rows = read_log(path, keep_malformed=True, backend="rows")
        assert read_log(path, keep_malformed=True).to_dicts() == rows


def test_objects_in_json_lines_cells_are_quoted_as_json_by_both_engines(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(
        '{"deal_id": "D1", "stage": "lead", "at": "2026-01-05", "actor": "marketing"}\n'
        '{"deal_id": "D1", "stage": {"x":1.50, "\\u00fc": [1]}, "at": "2026-01-06",'
        ' "actor": ["a"]}\n',
        encoding="utf-8",
    )
    expected = audit(path, COMPLEX, engine="python")
    assert [v.message.split(" is not")[0] for v in expected.violations] == [
        "actor '[\"a\"]'",
        'stage \'{"x": 1.5, "ü": [1]}\'',
    ]
    assert audit(path, COMPLEX, engine="vectorised") == expected


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("bytes.csv", b"deal_id,stage,at,actor\n\xff,lead,2026-01-05,sales\n", "can't decode"),
        ("lines.jsonl", b'{"deal_id": "D1"}\nnot json\n', "line 2 is not JSON"),
    ],
)
def test_a_file_no_reader_can_read_is_refused_with_the_plain_readers_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    for engine in ("python", "vectorised"):
        with pytest.raises(LogReadError, match=reason):
            audit(path, COMPLEX, engine=engine)  # type: ignore[arg-type]
    with pytest.raises(LogReadError, match=reason):
        read_log(path)
    assert main(["audit", str(path)]) == 2
    err = capsys.readouterr().err
    assert reason in err
    assert err.count("\n") == 1


def test_a_file_polars_reads_takes_no_detour_through_the_plain_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback is for files Polars refuses: a good file stays on the vectorised path."""
    from funnelcore import _audit, _log_frames

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the plain reader was used")

    monkeypatch.setattr(_audit, "_audit_plain", refuse)
    monkeypatch.setattr(_log_frames, "plain_frame", refuse)
    log = pl.DataFrame(
        {"deal_id": ["D1", "D1"], "stage": ["lead", "won"], "at": ["2026-01-05", "x"]}
    ).with_columns(actor=pl.lit("sales"))
    log.write_csv(tmp_path / "log.csv")
    log.write_ndjson(tmp_path / "log.jsonl")
    for name in ("log.csv", "log.jsonl"):
        report = audit(tmp_path / name, COMPLEX, engine="vectorised")
        assert [v.rule for v in report.violations] == ["malformed", "illegal_move"]
        assert read_log(tmp_path / name, keep_malformed=True).height == 2


def test_importing_funnelcore_stays_light() -> None:
    """The event-log names import no dataframe library until they are called."""
    code = (
        "import sys, funnelcore; heavy = {'numpy', 'pandas', 'polars', 'narwhals', 'duckdb', "
        "'pyarrow', 'pyspark', 'matplotlib'}; "
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_parquet_file_reads_into_every_backend(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    pl.DataFrame(ROWS[:2]).write_parquet(path)
    expected = [("D1", "lead"), ("D1", "prospecting")]
    for backend in ("polars", "pandas", "pyarrow", "rows"):
        log = read_log(path, mapping=MAPPING, process=COMPLEX, backend=backend)  # type: ignore[arg-type]
        frame = pl.DataFrame(log) if backend == "rows" else log
        frame = pl.from_pandas(frame) if backend == "pandas" else frame
        frame = pl.from_arrow(frame) if backend == "pyarrow" else frame
        assert frame.select("deal_id", "stage").rows() == expected


@pytest.mark.parametrize("kind", ["polars", "lazy", "pandas", "pyarrow", "duckdb"])
def test_a_crm_snapshot_comes_back_in_the_frame_type_it_came_in(kind: str) -> None:
    """As ``read_log`` does: a LazyFrame stays lazy, a DuckDB relation stays a relation."""
    import duckdb

    rows = [
        {"opportunity_id": "W1", "sales_agent": "Moses Frase", "deal_stage": "Won",
         "engage_date": "2016-10-20", "close_date": "2017-03-01", "close_value": 1054},
        {"opportunity_id": "E1", "sales_agent": "Anna Snelling", "deal_stage": "Engaging",
         "engage_date": "2016-11-02", "close_date": None, "close_value": None},
    ]  # fmt: skip
    frame = pl.DataFrame(rows)
    source: Any = {
        "polars": frame,
        "lazy": frame.lazy(),
        "pandas": frame.to_pandas(),
        "pyarrow": frame.to_arrow(),
        "duckdb": duckdb.from_arrow(frame.to_arrow()),
    }[kind]
    log = import_crm_snapshot(source).log
    expected = import_crm_snapshot(rows).log
    back = {
        "polars": lambda: log,
        "lazy": lambda: log.collect(),
        "pandas": lambda: pl.from_pandas(log),
        "pyarrow": lambda: pl.from_arrow(log),
        "duckdb": lambda: log.pl(),
    }[kind]
    assert type(log).__module__.split(".")[0] == type(source).__module__.split(".")[0]
    assert type(log).__name__ == type(source).__name__
    assert back().select("deal_id", "stage", "at").rows() == [
        (row["deal_id"], row["stage"], row["at"]) for row in expected
    ]


@pytest.mark.parametrize("kind", ["polars", "lazy", "duckdb"])
def test_an_empty_crm_snapshot_gives_an_empty_log_with_its_columns(kind: str) -> None:
    import duckdb

    names = ["opportunity_id", "sales_agent", "deal_stage", "engage_date", "close_date"]
    names += ["close_value", "account"]
    frame = pl.DataFrame(schema=dict.fromkeys(names, pl.String))
    source: Any = {
        "polars": frame,
        "lazy": frame.lazy(),
        "duckdb": duckdb.from_arrow(frame.to_arrow()),
    }[kind]
    log = import_crm_snapshot(source).log
    empty = {"polars": lambda: log, "lazy": lambda: log.collect(), "duckdb": lambda: log.pl()}[
        kind
    ]()
    assert empty.height == 0
    assert empty.columns[:4] == ["deal_id", "stage", "at", "actor"]
    assert "account" in empty.columns


def test_arguments_of_the_wrong_kind_are_refused_by_type() -> None:
    """Each failed with an AttributeError deep inside, or was accepted and failed later."""
    rows = [{"deal_id": "D1", "stage": "lead", "at": "2026-01-05", "actor": "sales"}]
    with pytest.raises(InvalidArgumentError, match="takes deals \\(OpenDeal or ClosedDeal\\)"):
        deals_to_log(["D1"])  # type: ignore[list-item]
    for reader in (audit, deals_from_log):
        with pytest.raises(InvalidArgumentError, match=r"ColumnMapping\.from_dict builds one"):
            reader(rows, COMPLEX, mapping={"deal_id": "id"})  # type: ignore[operator]
    with pytest.raises(InvalidArgumentError, match=r"ColumnMapping\.from_dict builds one"):
        read_log(rows, mapping={"deal_id": "id"})  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="mapping= takes a SnapshotMapping, got str"):
        import_crm_snapshot([], mapping="crm")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"deal_id": 5}, "SnapshotMapping.deal_id: must be a column name, got 5"),
        ({"stage": " "}, "SnapshotMapping.stage: must be a column name"),
        ({"actor_name": ""}, "SnapshotMapping.actor_name: must be a column name"),
        ({"dates": {"won": 5}}, "SnapshotMapping.dates: must map stage values to column names"),
        ({"dates": "close_date"}, "SnapshotMapping.dates: must map stage values"),
    ],
)
def test_a_snapshot_mapping_names_columns(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRecordError, match=re.escape(message)):
        SnapshotMapping(**fields)
    assert SnapshotMapping(actor_name=None, value=None).value is None


@pytest.mark.parametrize("backend", ["rows", "polars"])
def test_read_log_reads_value_text_by_one_grammar_on_both_paths(
    tmp_path: Path, backend: str
) -> None:
    """The plain and Polars readers give the same numbers; a bad cell is a malformed row."""
    path = tmp_path / "log.csv"
    cells = ["1.", " +2e3 ", ".5", ""]
    lines = ["deal_id,stage,at,actor,value"]
    lines += [f"D{i},lead,2026-01-05,marketing,{cell}" for i, cell in enumerate(cells)]
    path.write_text("\n".join(lines) + "\n")
    log: Any = read_log(path, backend=backend)  # type: ignore[arg-type]
    values = [r["value"] for r in log] if backend == "rows" else log["value"].to_list()
    assert values == [1.0, 2000.0, 0.5, None]
    for cell in ("1_000", "inf"):
        path.write_text("\n".join([*lines, f"D9,lead,2026-01-05,marketing,{cell}"]) + "\n")
        with pytest.raises(InvalidLogError) as caught:
            read_log(path, backend=backend)  # type: ignore[arg-type]
        assert [(v.row, v.rule) for v in caught.value.violations] == [(5, "malformed")]
        with pytest.raises(LogReadError, match=rf"must hold numbers \(row 5: '{cell}'\)"):
            read_log(path, backend=backend, keep_malformed=True)  # type: ignore[arg-type]
