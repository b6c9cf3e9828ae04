"""Properties of event logs: legal logs audit clean, corruptions are caught, the core agrees."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta, timezone
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from funnelcore import (
    AuditReport,
    InvalidHistoryError,
    InvalidLogError,
    Lead,
    LeadSource,
    Product,
    Role,
    SalesProcess,
    StageChange,
    audit,
    deals_from_log,
    deals_to_log,
    read_log,
)
from funnelcore.testing import FULL_EVIDENCE
from tests.strategies import (
    VALUE_CELLS,
    actor_for,
    interleaved_legal_logs,
    messy_logs,
    messy_valued_logs,
    product_kind_of,
    text_frame,
    wellformed_logs,
    with_process,
)

_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(interleaved_legal_logs())
def test_a_log_of_legal_moves_audits_clean(case: tuple[SalesProcess[Any], list[Any], Any]) -> None:
    """Any log produced by driving deals through legal moves has no violation, on both engines."""
    process, deals, rows = case
    python = audit(rows, process, engine="python")
    vectorised = audit(pl.DataFrame(rows), process)
    assert python.violations == ()
    assert vectorised == python
    assert (python.rows, python.deals) == (len(rows), len(deals))


@_SETTINGS
@given(interleaved_legal_logs())
def test_writing_deals_and_reading_them_back_gives_the_same_deals(
    case: tuple[SalesProcess[Any], list[Any], Any],
) -> None:
    """I7 through a log: deals_to_log then deals_from_log rebuilds equal deals, in order."""
    process, deals, _ = case
    assert deals_from_log(deals_to_log(deals), process) == deals
    assert deals_from_log(deals_to_log(deals, backend="polars"), process) == deals


_CORRUPTIONS = (
    "blank_deal",
    "blank_stage",
    "bad_time",
    "bad_actor",
    "unknown_stage",
    "first_not_entry",
    "skip",
    "marketing_moves",
    "after_close",
    "earlier",
)
#: Corruptions whose effect stays on their own row: exactly one violation.
_CONTAINED = {"bad_time", "bad_actor", "unknown_stage", "marketing_moves", "after_close", "earlier"}


def _corrupt(
    process: SalesProcess[Any], rows: list[dict[str, Any]], how: str, pick: int
) -> tuple[list[dict[str, Any]], int, str] | None:
    """Apply one corruption; return ``(rows, expected row, expected rule)`` or ``None``."""
    rows = copy.deepcopy(rows)
    firsts = {}
    for index, row in enumerate(rows):
        firsts.setdefault(row["deal_id"], index)
    later = [i for i in range(len(rows)) if firsts[rows[i]["deal_id"]] != i]
    stages = [str(s.value) for s in process.stages]
    index = pick % len(rows)
    if how == "blank_deal":
        rows[index]["deal_id"] = None
        return rows, index + 1, "malformed"
    if how == "blank_stage":
        rows[index]["stage"] = "  "
        return rows, index + 1, "malformed"
    if how == "bad_time":
        rows[index]["at"] = "2026-13-01"
        return rows, index + 1, "malformed"
    if how == "bad_actor":
        rows[index]["actor"] = "intern"
        return rows, index + 1, "malformed"
    if how == "unknown_stage":
        rows[index]["stage"] = "negotiation"
        return rows, index + 1, "unknown_stage"
    if how == "first_not_entry":
        first = sorted(firsts.values())[pick % len(firsts)]
        rows[first]["stage"] = stages[1 + pick % (len(stages) - 1)]
        return rows, first + 1, "not_from_entry"
    if not later:
        return None
    index = later[pick % len(later)]
    previous = max(i for i in range(index) if rows[i]["deal_id"] == rows[index]["deal_id"])
    if how == "skip":
        source = process.stage(rows[previous]["stage"])
        options = [s for s in stages if process.move_between(source, process.stage(s)) is None]
        rows[index]["stage"] = options[pick % len(options)]
        return rows, index + 1, "illegal_move"
    if how == "marketing_moves":
        rows[index]["actor"] = "marketing"
        return rows, index + 1, "actor_not_allowed"
    if how == "earlier":
        rows[index]["at"] = rows[previous]["at"] - timedelta(seconds=1)
        return rows, index + 1, "out_of_order"
    closed = [
        row for row in rows if row["stage"] in (str(process.won.value), str(process.lost.value))
    ]
    if not closed:
        return None
    extra = dict(closed[pick % len(closed)])
    extra["at"] = extra["at"] + timedelta(days=1)
    extra["stage"] = str(process.entry.value)
    return [*rows, extra], len(rows) + 1, "after_terminal"


@_SETTINGS
@given(interleaved_legal_logs(), st.sampled_from(_CORRUPTIONS), st.integers(0, 1000))
def test_any_single_corruption_is_flagged_with_its_rule_and_row(
    case: tuple[SalesProcess[Any], list[Any], Any], how: str, pick: int
) -> None:
    """One corrupted row is reported at that row under its rule; nothing before it is flagged."""
    process, _, rows = case
    corrupted = _corrupt(process, rows, how, pick)
    assume(corrupted is not None)
    assert corrupted is not None
    bad_rows, row, rule = corrupted
    report = audit(bad_rows, process, engine="python")
    found = [(v.row, v.rule) for v in report.violations]
    assert (row, rule) in found
    assert min(r for r, _ in found) == row
    if how in _CONTAINED:
        assert found == [(row, rule)]
    text_rows = [
        {**r, "at": r["at"].isoformat() if hasattr(r["at"], "isoformat") else r["at"]}
        for r in bad_rows
    ]
    assert audit(text_rows, process, engine="python") == report
    assert audit(pl.DataFrame(text_rows), process, engine="vectorised") == report


def _replay_verdicts(
    process: SalesProcess[Any], rows: list[dict[str, Any]]
) -> dict[str, int | None]:
    """For each deal, the 1-based row of the first change the core refuses (None: it replays)."""
    kind = product_kind_of(process)
    groups: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(row["deal_id"], []).append(index)
    verdicts: dict[str, int | None] = {}
    for deal_id, indexes in groups.items():
        history = []
        previous = None
        for index in indexes:
            row = rows[index]
            stage = process.stage(row["stage"])
            history.append(
                StageChange(
                    previous,
                    stage,
                    actor_for(Role(row["actor"]), "Sam"),
                    row["at"],
                    "no budget" if stage is process.lost else None,
                    FULL_EVIDENCE if previous is not None else None,
                )
            )
            previous = stage
        try:
            process.replay(
                history,
                deal_id=deal_id,
                lead=Lead(deal_id, source=LeadSource.REFERRAL),
                product=Product("ERP", kind=kind),
            )
            verdicts[deal_id] = None
        except InvalidHistoryError as error:
            verdicts[deal_id] = indexes[error.index] + 1
    return verdicts


@settings(max_examples=150, deadline=None)
@given(with_process(wellformed_logs))
def test_the_audit_agrees_with_the_core_on_every_deal(
    case: tuple[SalesProcess[Any], list[dict[str, Any]]],
) -> None:
    """A deal audits clean exactly when the core replays it, else first fails where it does.

    I1, I3, I4, I5 and time order are judged the same way by the audit and by replay.
    """
    process, rows = case
    report = audit(rows, process, engine="python")
    first_violation: dict[str, int] = {}
    for violation in report.violations:
        assert violation.deal_id is not None
        first_violation.setdefault(violation.deal_id, violation.row)
    verdicts = _replay_verdicts(process, rows)
    assert {deal: verdicts[deal] for deal in verdicts} == {
        deal: first_violation.get(deal) for deal in verdicts
    }


@settings(max_examples=120, deadline=None)
@given(with_process(messy_logs))
def test_the_python_and_vectorised_engines_give_identical_reports(
    case: tuple[SalesProcess[Any], list[dict[str, Any]]],
) -> None:
    """On any log, however broken, both engines report the same violations, rows and deals."""
    process, rows = case
    python = audit(rows, process, engine="python")
    frame = text_frame(rows)
    assert audit(frame, process, engine="vectorised") == python


#: Typed cells a pandas object column may hold in place of a messy log's text.
_TYPED_CELLS: dict[str, Any] = {
    "7": 7,
    "2026-01-05": date(2026, 1, 5),
    "2026-01-05T09:30": datetime(2026, 1, 5, 9, 30),
    "2026-01-04T23:00:00Z": datetime(2026, 1, 4, 23, tzinfo=timezone.utc),
    "2026-01-06T01:00:00+02:00": datetime(2026, 1, 6, 1, tzinfo=timezone(timedelta(hours=2))),
}


@settings(max_examples=120, deadline=None)
@given(with_process(messy_logs), st.data())
def test_a_pandas_frame_of_python_objects_audits_as_its_rows_do(
    case: tuple[SalesProcess[Any], list[dict[str, Any]]], data: st.DataObject
) -> None:
    """Object columns mixing text, numbers, dates and naive and aware times: the rows' report.

    pandas keeps such cells as Python objects; the vectorised engine reads each one as the
    plain-Python engine does (as text), never as a whole column converted by one type.
    """
    import pandas as pd

    process, rows = case
    typed = [
        {
            name: _TYPED_CELLS[cell] if cell in _TYPED_CELLS and data.draw(st.booleans()) else cell
            for name, cell in row.items()
        }
        for row in rows
    ]
    frame = pd.DataFrame(
        {
            name: pd.Series([row[name] for row in typed], dtype=object)
            for name in ("deal_id", "stage", "at", "actor")
        }
    )
    assert audit(frame, process, engine="vectorised") == audit(typed, process, engine="python")


@settings(max_examples=80, deadline=None)
@given(
    with_process(messy_logs),
    st.integers(1, 6),
)
def test_auditing_a_large_log_part_by_part_gives_the_report_of_the_whole(
    case: tuple[SalesProcess[Any], list[dict[str, Any]]], part_rows: int
) -> None:
    """Cut by deal into parts of ``part_rows`` rows, any log audits as it does whole.

    A large log (``PART_ROWS``) is audited one part of its deals at a time; ``part_rows`` small
    enough cuts even a small one into several parts. The plain-Python engine is the oracle.
    """
    from funnelcore import _log_frames

    process, rows = case
    python = audit(rows, process, engine="python")
    frame = text_frame(rows)
    cuts: list[int] = []
    deal_parts = _log_frames.deal_parts

    def parts(prepared: _log_frames.Prepared) -> list[Any]:
        found = deal_parts(prepared, part_rows=part_rows)
        cuts.append(len(found))
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_log_frames, "deal_parts", parts)
        assert audit(frame, process, engine="vectorised") == python
    assert cuts == [max(1, -(-len(rows) // part_rows))]


@settings(max_examples=80, deadline=None)
@given(with_process(messy_logs), st.integers(1, 3))
def test_deal_ids_that_share_a_hash_give_the_report_of_distinct_hashes(
    case: tuple[SalesProcess[Any], list[dict[str, Any]]], buckets: int
) -> None:
    """The Polars engine groups a deal's rows by a hash of its id; colliding hashes change nothing.

    The hash is replaced by one of ``buckets`` values (the id's length modulo ``buckets``, a
    missing id too), so most deals share one: the report is still the plain-Python engine's.
    """
    from funnelcore import _log_frames

    process, rows = case
    python = audit(rows, process, engine="python")
    frame = text_frame(rows)

    def bucket(deal: pl.Expr) -> pl.Expr:
        return (deal.str.len_bytes().fill_null(0) % buckets).cast(pl.UInt64)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_log_frames, "_group_key", bucket)
        assert audit(frame, process, engine="vectorised") == python


@settings(max_examples=120, deadline=None)
@given(with_process(messy_logs))
def test_read_log_refuses_exactly_the_rows_the_audit_calls_malformed(
    case: tuple[SalesProcess[Any], list[dict[str, Any]]],
) -> None:
    """A frame and its rows: read_log lists the audit's ``malformed`` violations, no more."""
    process, rows = case
    _read_log_refuses_the_malformed_rows(rows, process, audit(rows, process, engine="python"))


def _read_log_refuses_the_malformed_rows(
    rows: list[dict[str, Any]], process: SalesProcess[Any], report: AuditReport
) -> None:
    """read_log of ``rows`` and of their text frame lists ``report``'s malformed rows, no more."""
    malformed = [v for v in report.violations if v.rule == "malformed"]
    for source in (rows, text_frame(rows)):
        if not malformed:
            read_log(source, process=process)
            continue
        with pytest.raises(InvalidLogError) as caught:
            read_log(source, process=process)
        assert list(caught.value.violations) == malformed


@settings(max_examples=120, deadline=None)
@given(with_process(messy_valued_logs))
def test_a_value_that_is_not_a_number_is_malformed_on_every_engine(
    case: tuple[SalesProcess[Any], list[dict[str, Any]]],
) -> None:
    """A value cell is a finite decimal number or nothing; any other is a malformed field.

    The oracle is ``VALUE_CELLS``, written by hand. Each row whose value is not a number has a
    ``malformed`` violation naming it; no other row's violations mention a value; the
    vectorised engine and ``read_log`` (both paths) agree with the plain-Python audit.
    """
    process, rows = case
    is_value = dict(VALUE_CELLS)
    report = audit(rows, process, engine="python")
    named = {v.row for v in report.violations if v.rule == "malformed" and "value " in v.message}
    assert named == {row for row, item in enumerate(rows, 1) if not is_value[item["value"]]}
    assert audit(text_frame(rows), process, engine="vectorised") == report
    _read_log_refuses_the_malformed_rows(rows, process, report)
