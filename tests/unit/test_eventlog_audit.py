"""The audit of event logs: each rule, with rows that must and must not be flagged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from funnelcore import (
    RULES,
    AuditReport,
    ColumnMapping,
    LogReadError,
    SalesProcess,
    Violation,
    audit,
    read_log,
)

COMPLEX = SalesProcess.complex()
SIMPLE = SalesProcess.simple()


def row(deal: Any, stage: Any, at: Any, actor: Any = "sales", **extra: Any) -> dict[str, Any]:
    return {"deal_id": deal, "stage": stage, "at": at, "actor": actor, **extra}


def found(
    rows: list[dict[str, Any]], process: SalesProcess[Any] = COMPLEX
) -> list[tuple[int, str]]:
    """``(row, rule)`` of every violation, after checking that both engines agree."""
    import polars as pl

    report = audit(rows, process, engine="python")
    frame = pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String)) if rows else None
    if frame is not None and all(isinstance(r["at"], (str, type(None))) for r in rows):
        assert audit(frame, process, engine="vectorised") == report
    return [(v.row, v.rule) for v in report.violations]


CLEAN = [
    row("D1", "lead", "2026-01-05", "marketing"),
    row("D1", "prospecting", "2026-01-06"),
    row("D1", "qualifying", "2026-01-07"),
    row("D1", "needs_analysis", "2026-01-08"),
    row("D1", "proposal", "2026-01-09"),
    row("D1", "objections", "2026-01-10"),
    row("D1", "proposal", "2026-01-11"),
    row("D1", "objections", "2026-01-12"),
    row("D1", "closing", "2026-01-12"),
    row("D1", "won", "2026-01-13"),
    row("D2", "lead", "2026-01-05T10:00", "system"),
    row("D2", "lost", "2026-01-06", "system"),
]


def test_a_complete_legal_history_is_clean() -> None:
    """A deal walked through every stage, with a revised proposal and equal times, is clean."""
    report = audit(CLEAN, COMPLEX)
    assert report == AuditReport(rows=12, deals=2, violations=())
    assert report.is_clean


def test_the_rule_ids_are_the_documented_ones() -> None:
    assert RULES == (
        "malformed",
        "unknown_stage",
        "not_from_entry",
        "illegal_move",
        "actor_not_allowed",
        "after_terminal",
        "out_of_order",
    )


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (row(None, "lead", "2026-01-05"), "deal_id is missing"),
        (row("  ", "lead", "2026-01-05"), "deal_id is missing"),
        (row("D9", "", "2026-01-05"), "stage is missing"),
        (row("D9", "lead", None), "at is missing"),
        (row("D9", "lead", "05/01/2026"), "at '05/01/2026' is not a timestamp"),
        (row("D9", "lead", "2026-02-30"), "at '2026-02-30' is not a timestamp"),
        (row("D9", "lead", "2026-01-05", None), "actor is missing"),
        (row("D9", "lead", "2026-01-05", "intern"), "actor 'intern' is not a role"),
    ],
)
def test_malformed_rows_are_reported_with_the_field_and_why(
    bad: dict[str, Any], message: str
) -> None:
    """A missing or unparseable required field is `malformed` at its row, never dropped."""
    report = audit([*CLEAN, bad], COMPLEX, engine="python")
    assert [(v.row, v.rule) for v in report.violations] == [(13, "malformed")]
    assert message in report.violations[0].message
    assert found([*CLEAN, bad]) == [(13, "malformed")]


def test_a_row_with_several_bad_fields_is_one_violation_naming_each() -> None:
    report = audit([row(None, None, "soon", "boss")], COMPLEX)
    assert len(report.violations) == 1
    assert report.violations[0].message == (
        "deal_id is missing; stage is missing; at 'soon' is not a timestamp (expected ISO 8601, "
        "e.g. 2026-01-05 or 2026-01-05T09:30:00Z); actor 'boss' is not a role (marketing, sales, "
        "customer, system)"
    )


def _valued(values: list[Any]) -> list[dict[str, Any]]:
    """CLEAN's first five rows, each with one of ``values``."""
    return [{**item, "value": value} for item, value in zip(CLEAN[:5], values, strict=True)]


def test_a_value_that_is_not_a_number_is_malformed_and_the_move_still_judged() -> None:
    """The optional value is a field too: unparseable, it is malformed (issue 3's rule id).

    Row 3 also skips a stage: its move is judged as any other row's.
    """
    rows = _valued(["", "1200", "1,200", " 99.5 ", "inf"])
    rows[2]["stage"] = "needs_analysis"
    report = audit(rows, COMPLEX, engine="python")
    assert [(v.row, v.rule) for v in report.violations] == [
        (3, "malformed"),
        (3, "illegal_move"),
        (4, "illegal_move"),
        (5, "malformed"),
    ]
    assert report.violations[0].message == (
        "value '1,200' is not a number (expected a finite decimal number, e.g. 1200 or 1200.50)"
    )
    assert "value 'inf' is not a number" in report.violations[3].message
    assert found(rows) == [(v.row, v.rule) for v in report.violations]


def test_a_bad_value_is_named_in_the_one_malformed_violation_of_its_row() -> None:
    rows = [row(None, "lead", "2026-01-05", "marketing", value="about 5k")]
    (violation,) = audit(rows, COMPLEX).violations
    assert violation.message == (
        "deal_id is missing; value 'about 5k' is not a number (expected a finite decimal number, "
        "e.g. 1200 or 1200.50)"
    )
    assert found(rows) == [(1, "malformed")]


@pytest.mark.parametrize("kind", ["rows", "polars", "pandas"])
def test_numbers_in_a_value_column_are_values_but_infinities(kind: str) -> None:
    """A float NaN is pandas' missing value: no value. An infinite float is not a value."""
    import pandas as pd
    import polars as pl

    rows = _valued([1200, float("nan"), float("inf"), -float("inf"), 3.5])
    log: Any = {"rows": rows, "polars": pl.DataFrame(rows), "pandas": pd.DataFrame(rows)}[kind]
    report = audit(log, COMPLEX)
    assert [(v.row, v.rule) for v in report.violations] == [(3, "malformed"), (4, "malformed")]
    assert ["'inf'" in report.violations[0].message, "'-inf'" in report.violations[1].message] == [
        True,
        True,
    ]


def test_an_integer_value_column_has_nothing_to_check() -> None:
    import polars as pl

    assert audit(pl.DataFrame(_valued([1, 2, 3, 4, 5])), COMPLEX).is_clean


@pytest.mark.parametrize("engine", ["python", "vectorised"])
def test_a_csv_files_bad_values_are_malformed_on_both_engines(tmp_path: Path, engine: str) -> None:
    path = tmp_path / "log.csv"
    lines = ["deal_id,stage,at,actor,value"]
    lines += [
        f"{r['deal_id']},{r['stage']},{r['at']},{r['actor']},{v}"
        for r, v in zip(CLEAN[:5], ["", "1.", "+2e3", "n/a", "1e999"], strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    report = audit(path, COMPLEX, engine=engine)  # type: ignore[arg-type]
    assert [(v.row, v.rule) for v in report.violations] == [(4, "malformed"), (5, "malformed")]
    assert "'n/a'" in report.violations[0].message
    assert "'1e999'" in report.violations[1].message


def test_accepted_spellings_are_not_malformed() -> None:
    """Stages match like SalesProcess.stage; roles ignore case; ISO forms with offsets parse."""
    rows = [
        row("D1", " Lead ", "2026-01-05 09:30:15.123456789Z", " Marketing"),
        row(" D1 ", "PROSPECTING", "2026-01-05T12:30+0200", "SALES"),
        row(7, "needs_analysis", "2026-01-05T10:30:00-00:30", "sales"),
    ]
    assert audit(rows, COMPLEX, engine="python").violations[0].rule == "not_from_entry"
    assert [v.rule for v in audit(rows[:2], COMPLEX).violations] == []


def test_rows_without_an_offset_in_a_log_with_offsets_are_malformed() -> None:
    """Once any row carries a UTC offset, a naive row's instant is unknown."""
    rows = [row("D1", "lead", "2026-01-05T09:00Z"), row("D1", "prospecting", "2026-01-06 09:00")]
    assert found(rows) == [(2, "malformed")]
    assert "has no UTC offset" in audit(rows, COMPLEX).violations[0].message


def test_an_unknown_stage_is_reported_and_the_next_move_is_not_judged() -> None:
    rows = [
        row("D1", "lead", "2026-01-05"),
        row("D1", "negotiation", "2026-01-06"),
        row("D1", "qualifying", "2026-01-07"),
    ]
    assert found(rows) == [(2, "unknown_stage")]
    message = audit(rows, COMPLEX).violations[0].message
    assert message.startswith("stage 'negotiation' is not a stage of process 'complex'")


def test_a_deal_must_start_at_the_entry_stage() -> None:
    """I2/I3: the first event of every deal enters LEAD; a later LEAD is an illegal move."""
    rows = [row("D1", "prospecting", "2026-01-05"), row("D1", "qualifying", "2026-01-06")]
    assert found(rows) == [(1, "not_from_entry")]
    assert found([row("D1", "lead", "2026-01-05")]) == []


def test_skipping_a_stage_is_an_illegal_move() -> None:
    """I3, seed 000: no skipping in a complex sale."""
    rows = [row("D1", "lead", "2026-01-05"), row("D1", "qualifying", "2026-01-06")]
    assert found(rows) == [(2, "illegal_move")]
    assert audit(rows, COMPLEX).violations[0].message == (
        "no move from lead to qualifying in process 'complex'; "
        "from lead a deal goes to prospecting, lost"
    )
    assert found([row("D1", "lead", "2026-01-05"), row("D1", "lead", "2026-01-06")]) == [
        (2, "illegal_move")
    ]


def test_marketing_never_moves_a_deal_past_the_entry_stage() -> None:
    """I1, seed 000: marketing may open a deal at LEAD and do nothing else."""
    rows = [
        row("D1", "lead", "2026-01-05", "marketing"),
        row("D1", "prospecting", "2026-01-06", "marketing"),
    ]
    assert found(rows) == [(2, "actor_not_allowed")]
    assert "marketing produces leads, never closes" in audit(rows, COMPLEX).violations[0].message
    assert found(
        [row("D1", "lead", "2026-01-05", "marketing"), row("D1", "lost", "2026-01-06", "marketing")]
    ) == [(2, "actor_not_allowed")]


def test_a_complex_sale_is_won_only_by_a_sales_rep() -> None:
    """I4, seed 003: a customer or the system cannot close a complex sale as won."""
    path = [
        row("D1", stage, f"2026-01-0{day}")
        for day, stage in enumerate(
            [
                "lead",
                "prospecting",
                "qualifying",
                "needs_analysis",
                "proposal",
                "objections",
                "closing",
            ],
            1,
        )
    ]
    for role in ("customer", "system"):
        rows = [*path, row("D1", "won", "2026-01-09", role)]
        assert found(rows) == [(8, "actor_not_allowed")]
        assert "closed only by a sales rep" in audit(rows, COMPLEX).violations[0].message
    assert found([*path, row("D1", "won", "2026-01-09", "sales")]) == []


def test_a_commodity_is_won_by_the_customers_own_order() -> None:
    """I9, seeds 000/002: in the simple process the customer's order is a legal win."""
    rows = [
        row("D1", "lead", "2026-01-05", "marketing"),
        row("D1", "won", "2026-01-06", "customer"),
    ]
    assert found(rows, SIMPLE) == []
    assert found([rows[0], row("D1", "won", "2026-01-06", "system")], SIMPLE) == [
        (2, "actor_not_allowed")
    ]


def test_nothing_moves_out_of_won_or_lost() -> None:
    """I5: every event after the close is reported, naming the closing row."""
    rows = [
        row("D1", "lead", "2026-01-05"),
        row("D1", "lost", "2026-01-06"),
        row("D1", "prospecting", "2026-01-07"),
        row("D1", "lost", "2026-01-08"),
    ]
    assert found(rows) == [(3, "after_terminal"), (4, "after_terminal")]
    assert audit(rows, COMPLEX).violations[0].message == (
        "the deal was closed at row 2; nothing moves out of won or lost"
    )


def test_an_event_dated_before_the_deals_previous_event_is_out_of_order() -> None:
    rows = [
        row("D1", "lead", "2026-01-05"),
        row("D2", "lead", "2026-01-01"),
        row("D1", "prospecting", "2026-01-04T23:59:59"),
        row("D1", "qualifying", "2026-01-05"),
    ]
    assert found(rows) == [(3, "out_of_order")]
    assert audit(rows, COMPLEX).violations[0].message == (
        "at is earlier than the deal's previous event at row 1"
    )


def test_offsets_are_compared_as_instants() -> None:
    """09:00+02:00 is 07:00 UTC: earlier than 08:00Z, so out of order."""
    rows = [
        row("D1", "lead", "2026-01-05T08:00:00Z"),
        row("D1", "prospecting", "2026-01-05T09:00:00+02:00"),
    ]
    assert found(rows) == [(2, "out_of_order")]


def test_every_violation_is_reported_in_row_then_rule_order() -> None:
    rows = [
        row("D1", "lead", "2026-01-05"),
        row("D1", "qualifying", "2026-01-04", "marketing"),
        row(None, "lead", "x"),
        row("D1", "won", "2026-01-06"),
        row("D2", "won", "2026-01-06"),
        row("D2", "lead", "2026-01-05"),
    ]
    assert found(rows) == [
        (2, "illegal_move"),
        (2, "out_of_order"),
        (3, "malformed"),
        (4, "illegal_move"),
        (5, "not_from_entry"),
        (6, "after_terminal"),
        (6, "out_of_order"),
    ]
    assert audit(rows, COMPLEX).deals == 2


def test_a_process_that_limits_who_opens_deals_is_enforced() -> None:
    process = SalesProcess.from_mapping(
        {
            "name": "inbound",
            "stages": ["new", "won", "lost"],
            "entry": "new",
            "won": "won",
            "lost": "lost",
            "open_by": ["marketing"],
            "moves": [{"name": "win", "from": "new", "to": "won", "by": ["sales"]}],
        }
    )
    assert found([row("D1", "new", "2026-01-05", "sales")], process) == [(1, "actor_not_allowed")]
    assert found([row("D1", "new", "2026-01-05", "marketing")], process) == []


def test_the_report_serialises_to_the_documented_json_shape() -> None:
    report = audit([row("D1", "lead", "2026-01-05"), row("D1", "won", "2026-01-06")], COMPLEX)
    assert report.to_dict() == {
        "rows": 2,
        "deals": 1,
        "violations": [
            {
                "row": 2,
                "deal_id": "D1",
                "rule": "illegal_move",
                "message": "no move from lead to won in process 'complex'; "
                "from lead a deal goes to prospecting, lost",
            }
        ],
    }
    assert json.loads(json.dumps(report.to_dict())) == report.to_dict()
    assert report.counts() == {"illegal_move": 1}
    assert str(report.violations[0]).startswith("row 2 deal 'D1': illegal_move: ")


def test_an_empty_log_is_clean() -> None:
    assert audit([], COMPLEX) == AuditReport(0, 0, ())


# -- files --------------------------------------------------------------------------------------

CSV = """opportunity,step,when,who,channel
D1,lead,2026-01-05,marketing,web
D1,qualifying,2026-01-06,sales,web

D2,lead,not a date,sales,fair
"""


@pytest.mark.parametrize("engine", ["python", "vectorised"])
def test_a_csv_file_is_read_with_a_column_mapping(tmp_path: Path, engine: str) -> None:
    """Rows are numbered from 1 after the header; a blank line is a row with nothing in it."""
    path = tmp_path / "log.csv"
    path.write_text(CSV)
    mapping = ColumnMapping(deal_id="opportunity", stage="step", at="when", actor="who")
    report = audit(path, COMPLEX, mapping=mapping, engine=engine)  # type: ignore[arg-type]
    assert [(v.row, v.rule) for v in report.violations] == [
        (2, "illegal_move"),
        (3, "malformed"),
        (4, "malformed"),
    ]
    assert (
        report.violations[1].message
        == "deal_id is missing; stage is missing; at is missing; actor is missing"
    )
    assert (report.rows, report.deals) == (4, 2)


@pytest.mark.parametrize("block", [None, 1])
def test_a_plain_csv_file_is_audited_block_by_block_with_a_column_mapping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int | None
) -> None:
    """The plain-Python engine reads a CSV without quotes or blank lines a block at a time."""
    from funnelcore import _log_source

    if block is not None:  # a row or so per block: every row in a block of its own
        monkeypatch.setattr(_log_source, "_BLOCK", block)
    path = tmp_path / "log.csv"
    path.write_text(CSV.replace("\n\n", "\n"))
    mapping = ColumnMapping(deal_id="opportunity", stage="step", at="when", actor="who")
    report = audit(path, COMPLEX, mapping=mapping, engine="python")
    assert report == audit(path, COMPLEX, mapping=mapping, engine="vectorised")
    assert [(v.row, v.rule) for v in report.violations] == [(2, "illegal_move"), (3, "malformed")]
    assert report.violations[1].message.startswith("at 'not a date' is not a timestamp")
    assert (report.rows, report.deals) == (3, 2)


def test_a_plain_csv_file_that_cannot_be_used_is_refused_by_the_plain_engine(
    tmp_path: Path,
) -> None:
    path = tmp_path / "log.csv"
    path.write_text("deal_id,stage,at\nD1,lead,2026-01-05\n")
    with pytest.raises(LogReadError, match=r"no column 'actor' \(for actor\)"):
        audit(path, COMPLEX, engine="python")
    path.write_text("deal_id,stage,at,stage\nD1,lead,2026-01-05,x\n")
    with pytest.raises(LogReadError, match="names a column twice"):
        audit(path, COMPLEX, engine="python")
    # a byte that is not UTF-8, far into the file: found when its block is read
    rows = "".join(f"D{i},lead,2026-01-05,marketing\n" for i in range(20_000))
    path.write_bytes(f"deal_id,stage,at,actor\n{rows}".encode() + b"D\xff,lead,2026-01-05,sales\n")
    with pytest.raises(LogReadError, match="can't decode byte 0xff"):
        audit(path, COMPLEX, engine="python")


@pytest.mark.parametrize("engine", ["python", "vectorised"])
def test_a_json_lines_file_is_read(tmp_path: Path, engine: str) -> None:
    path = tmp_path / "log.jsonl"
    lines = [
        {"deal_id": 1, "stage": "lead", "at": "2026-01-05", "actor": "sales"},
        {"deal_id": 1, "stage": "prospecting", "at": "2026-01-04", "actor": "sales"},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    report = audit(path, COMPLEX, engine=engine)  # type: ignore[arg-type]
    assert report.violations == (
        Violation(2, "1", "out_of_order", "at is earlier than the deal's previous event at row 1"),
    )


def test_unusable_input_raises_a_read_error(tmp_path: Path) -> None:
    with pytest.raises(LogReadError, match="no such file"):
        audit(tmp_path / "missing.csv", COMPLEX)
    with pytest.raises(LogReadError, match=r"expected a \.csv"):
        audit(tmp_path / "log.xlsx", COMPLEX)
    (tmp_path / "short.csv").write_text("deal_id,stage,at\nD1,lead,2026-01-05\n")
    with pytest.raises(LogReadError, match=r"no column 'actor' \(for actor\)"):
        audit(tmp_path / "short.csv", COMPLEX)
    (tmp_path / "bad.jsonl").write_text('{"deal_id": "D1"}\nnot json\n')
    with pytest.raises(LogReadError, match="line 2 is not JSON"):
        audit(tmp_path / "bad.jsonl", COMPLEX, engine="python")
    with pytest.raises(LogReadError, match="expected a path, a sequence of row mappings"):
        audit(42, COMPLEX)


def test_a_mapping_that_clashes_with_an_existing_column_is_refused() -> None:
    rows = [
        {"deal_id": "x", "opportunity": "D1", "stage": "lead", "at": "2026-01-05", "actor": "sales"}
    ]
    with pytest.raises(LogReadError, match="more than one column is named 'deal_id'"):
        audit(rows, COMPLEX, mapping=ColumnMapping(deal_id="opportunity"))


@pytest.mark.parametrize("engine", ["python", "vectorised"])
def test_stages_labelled_as_a_crm_labels_them_audit_and_count_as_their_stage(
    engine: str,
) -> None:
    """Seed 000's "Needs Analysis" and a CRM's "needs-analysis" are needs_analysis everywhere."""
    labels = ["Lead", "Prospecting", "Qualifying", "Needs Analysis", "Proposal", "needs-analysis"]
    rows = [
        row("D1", label, f"2026-01-{day:02d}", "marketing" if day == 5 else "sales")
        for day, label in enumerate(labels, start=5)
    ]
    report = audit(rows, COMPLEX, engine=engine)  # type: ignore[arg-type]
    # the last row moves from proposal back to needs_analysis: the one violation
    assert [(v.row, v.rule) for v in report.violations] == [(6, "illegal_move")]
    assert "to needs_analysis" in report.violations[0].message
    assert read_log(rows, process=COMPLEX)[3]["stage"] == "needs_analysis"


@pytest.mark.parametrize("source", ["rows", "csv-python", "csv-vectorised", "frame"])
def test_a_mapping_naming_a_column_the_log_lacks_is_refused(tmp_path: Path, source: str) -> None:
    """A misspelled mapping is an error, not a quiet audit of the log's own ``deal_id``."""
    header = "deal_id,stage,at,actor"
    lines = ["D1,lead,2026-01-05,marketing", "D1,won,2026-01-06,sales"]
    log: Any = [dict(zip(header.split(","), line.split(","), strict=True)) for line in lines]
    engine = "vectorised" if source.endswith("vectorised") else "python"
    if source.startswith("csv"):
        log = tmp_path / "log.csv"
        log.write_text("\n".join([header, *lines]) + "\n")
    elif source == "frame":
        pl = pytest.importorskip("polars")
        log, engine = pl.DataFrame(log), "vectorised"
    mapping = ColumnMapping(deal_id="opportunity_id")
    with pytest.raises(LogReadError, match=r"no column 'opportunity_id' \(for deal_id\)"):
        audit(log, COMPLEX, mapping=mapping, engine=engine)  # type: ignore[arg-type]
    with pytest.raises(LogReadError, match=r"no column 'opportunity_id' \(for deal_id\)"):
        read_log(log, mapping=mapping)
    # without the mapping, the log's own deal_id is the deal id
    report = audit(log, COMPLEX, engine=engine)  # type: ignore[arg-type]
    assert [(v.row, v.rule) for v in report.violations] == [(2, "illegal_move")]


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-05",
        "2026-01-05T09:30",
        "2026-01-05 09:30:15",
        "2026-01-05T09:30:15.250",
        "2026-01-05T09:30:15.250000",
        "2026-02-30",
        "2026-01-05T24:00",
        "2026-01-05T09:61:00",
        "2026-01-05X09:30:15",
        "2026-01-05T09:30:15,250",
        "2026-01-05T09:30:15.25000a",
        "20260105T09:30:15",
        "2026-W01-1",
        "+2026-01-05",
    ],
)
def test_the_fast_timestamp_path_agrees_with_the_grammar(text: str) -> None:
    """The plain-Python engine's shortcut for common forms reads exactly what the grammar reads."""
    from funnelcore._audit import timestamps
    from funnelcore._timestamps import coerce_timestamp

    moment, _, problem = coerce_timestamp(text)
    assert timestamps([text])[:2] == ([moment], [problem])


def _keyed_sorts(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record, for each run of the Polars checks, whether it sorted on the (deal, order) key."""
    from funnelcore import _log_frames

    keyed: list[bool] = []
    checks = _log_frames._checks

    def spy(*args: Any, **kwargs: Any) -> Any:
        keyed.append(kwargs.get("by_key", False))
        return checks(*args, **kwargs)

    monkeypatch.setattr(_log_frames, "_checks", spy)
    return keyed


def test_rows_reaching_the_sort_out_of_input_order_fall_back_to_the_keyed_sort(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The Polars engine's stable sort on a hash of the deal id relies on the rows arriving in
    # input order. Break that on purpose (reverse them before the sort): the misordered count
    # must catch it and the audit re-run on a (deal, order) key, reporting what the plain-Python
    # engine reports.
    import polars as pl

    from funnelcore import _log_frames

    normalise = _log_frames._normalise_polars

    def reversed_rows(frame: Any, rules: Any, tables: Any = None) -> Any:
        import narwhals as nw

        return nw.from_native(nw.to_native(normalise(frame, rules, tables)).reverse())

    monkeypatch.setattr(_log_frames, "_normalise_polars", reversed_rows)
    keyed = _keyed_sorts(monkeypatch)
    rows = [
        *CLEAN,
        row("D3", "lead", "2026-01-05"),
        row("D3", "qualifying", "2026-01-04", "marketing"),
        row("D3", "won", "2026-01-06"),
        row("D3", "lead", "2026-01-07"),
    ]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String))
    assert audit(frame, COMPLEX, engine="vectorised") == audit(rows, COMPLEX, engine="python")
    assert keyed == [False, True]


@pytest.mark.parametrize(
    ("other", "other_rules"),
    [
        # two ids with one hash
        ("D2", {"out_of_order"}),
        # a missing id whose hash is an id's
        (" ", {"malformed"}),
    ],
)
def test_deal_ids_that_share_a_hash_fall_back_to_the_keyed_sort(
    other: str, other_rules: set[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Polars engine groups a deal's rows by a hash of its id. Make every id of two bytes, and
    # a missing id, share a "hash": the collided count must catch the interleaved rows and the
    # audit re-run on a (deal, order) key, reporting what the plain-Python engine reports.
    import polars as pl

    from funnelcore import _log_frames

    def length(deal: pl.Expr) -> pl.Expr:
        return deal.str.len_bytes().fill_null(2).cast(pl.UInt64)

    monkeypatch.setattr(_log_frames, "_group_key", length)
    keyed = _keyed_sorts(monkeypatch)
    rows = [
        row("D1", "lead", "2026-01-05", "marketing"),
        row(other, "lead", "2026-01-05", "marketing"),
        row("D1", "prospecting", "2026-01-06"),
        row(other, "qualifying", "2026-01-06"),
        row("D1", "won", "2026-01-07"),
        row(other, "lost", "2026-01-04"),
        row("D1", "closing", "2026-01-08"),
    ]
    expected = audit(rows, COMPLEX, engine="python")
    assert {v.rule for v in expected.violations} == {"illegal_move", "after_terminal", *other_rules}
    frame = pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String))
    assert audit(frame, COMPLEX, engine="vectorised") == expected
    assert keyed == [False, True]


def test_deal_ids_with_distinct_hashes_take_one_sort(monkeypatch: pytest.MonkeyPatch) -> None:
    import polars as pl

    keyed = _keyed_sorts(monkeypatch)
    frame = pl.DataFrame(CLEAN, schema=dict.fromkeys(CLEAN[0], pl.String))
    assert audit(frame, COMPLEX, engine="vectorised") == audit(CLEAN, COMPLEX, engine="python")
    assert keyed == [False]


@pytest.mark.parametrize("source", ["frame", "parquet"])
def test_a_log_cut_into_deal_parts_keeps_a_deal_whose_id_is_padded_in_one_part(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """' D7 ' and 'D7' are one deal to the audit, so they must land in the same part."""
    import polars as pl

    from funnelcore import _log_frames

    rows = []
    for number in range(20):
        rows.append({"deal_id": f"D{number}", "stage": "lead", "actor": "marketing"})
        rows.append({"deal_id": f" D{number} ", "stage": "prospecting", "actor": "sales"})
        rows.append({"deal_id": f"D{number}", "stage": "needs_analysis", "actor": "sales"})
    for index, row in enumerate(rows):
        row["at"] = f"2026-01-{1 + index // 10:02d}T{index % 10:02d}:00:00"
    expected = audit(rows, COMPLEX, engine="python")
    assert [(v.row, v.rule) for v in expected.violations] == [
        (3 * number + 3, "illegal_move") for number in range(20)
    ]
    log: Any = pl.DataFrame(rows)
    if source == "parquet":
        log = tmp_path / "log.parquet"
        pl.DataFrame(rows).write_parquet(log)
    deal_parts = _log_frames.deal_parts
    cuts: list[int] = []

    def parts(prepared: _log_frames.Prepared) -> list[Any]:
        found = deal_parts(prepared, part_rows=6)
        cuts.append(len(found))
        return found

    monkeypatch.setattr(_log_frames, "deal_parts", parts)
    assert audit(log, COMPLEX, engine="vectorised") == expected
    assert cuts == [10]


@pytest.mark.parametrize("reader", ["audit", "deals_from_log", "read_log"])
def test_a_process_that_is_not_a_sales_process_is_refused_by_type(reader: str) -> None:
    """A preset's name where the process belongs failed with "'str' has no attribute 'name'"."""
    import funnelcore
    from funnelcore import InvalidArgumentError

    rows = [{"deal_id": "D1", "stage": "lead", "at": "2026-01-05", "actor": "sales"}]
    function = getattr(funnelcore, reader)
    arguments: dict[str, Any] = {"process": "complex"}
    with pytest.raises(InvalidArgumentError, match="expected a SalesProcess, got str"):
        function(rows, **arguments)


def test_a_decimal_value_column_is_read_as_numbers() -> None:
    """Decimals hold finite numbers only: nothing to report, on either engine."""
    from decimal import Decimal

    import polars as pl

    rows = _valued([Decimal("12.50"), None, Decimal("-3"), Decimal("0"), Decimal("1e3")])
    frame = pl.DataFrame(rows, schema_overrides={"value": pl.Decimal(10, 2)})
    assert audit(frame, COMPLEX, engine="vectorised").is_clean
    assert audit(rows, COMPLEX, engine="python").is_clean
