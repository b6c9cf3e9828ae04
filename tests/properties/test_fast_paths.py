"""The plain-Python reader's and audit's fast paths agree with the general ones they shortcut.

Each fast path either declines (and the general path runs) or gives exactly the general path's
answer: splitting a CSV file without the ``csv`` module, auditing it a block of rows at a time,
reading rows that are all dicts with the same keys, and checking a column of timestamps for the
plain forms all at once.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from funnelcore import SalesProcess, audit
from funnelcore._audit import (
    _PLAIN_TIME,
    ProcessRules,
    _all_plain,
    _codes,
    audit_blocks,
    audit_columns,
    timestamps,
)
from funnelcore._log_source import (
    _parse_csv,
    _read_csv,
    _read_jsonl,
    _read_rows,
    _split_plain_csv,
    _uniform_columns,
    column_blocks,
    load_columns,
)
from funnelcore._timestamps import TimestampProblem, coerce_timestamp
from funnelcore.errors import LogReadError
from tests.strategies import messy_logs, with_process

# CSV text: tables of one width (the fast path's case, with empty cells and non-ASCII text), and
# anything built from the characters that matter to the structure.
_TABLE = st.integers(1, 4).flatmap(
    lambda width: st.lists(
        st.lists(st.text(alphabet="ab é", max_size=3), min_size=width, max_size=width),
        min_size=1,
        max_size=6,
    )
)
_CELL = st.text(alphabet='ab ,"\r\n\x00é', max_size=4)
_ROWS = st.lists(st.lists(_CELL, min_size=1, max_size=4), min_size=1, max_size=6)
_CSV = (_TABLE | _ROWS).map(lambda rows: "\n".join(",".join(row) for row in rows)) | st.text(
    alphabet='ab,"\r\n', max_size=40
)


def _slow(data: bytes) -> tuple[list[str], dict[str, list[Any]]]:
    return _parse_csv(data.decode("utf-8-sig"))


@given(
    text=_CSV,
    bom=st.booleans(),
    crlf=st.booleans(),
    newline_at_end=st.booleans(),
    block=st.integers(1, 12),
)
@example(text="a,b\n1,2\n3,", bom=False, crlf=False, newline_at_end=True, block=1)
@example(text="a\n\nb", bom=True, crlf=True, newline_at_end=False, block=1)
@example(text="a\nb\n", bom=False, crlf=False, newline_at_end=True, block=1)
def test_a_split_csv_equals_what_the_csv_module_reads(
    text: str, bom: bool, crlf: bool, newline_at_end: bool, block: int
) -> None:
    """Whatever the size of the blocks the rows are split in (a few bytes: many blocks)."""
    if crlf:
        text = text.replace("\n", "\r\n")
    if newline_at_end:
        text += "\r\n" if crlf else "\n"
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    fast = _split_plain_csv(data, block)
    assert fast == _split_plain_csv(data)
    if fast is not None:
        assert fast == _slow(data)


@given(text=_CSV)
def test_the_csv_module_path_pads_short_rows_and_cuts_long_ones(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("csv") / "log.csv"
    path.write_text(text, encoding="utf-8", newline="")
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:  # Python 3.10's csv module refuses a NUL character
        with pytest.raises(LogReadError, match=re.escape(str(error))):
            _read_csv(path)
        return
    if not records:
        with pytest.raises(LogReadError, match="empty"):
            _read_csv(path)
        return
    header, width = records[0], len(records[0])
    padded = [(record + [""] * width)[:width] for record in records[1:]]
    expected = {
        name: [record[index] or None for record in padded] for index, name in enumerate(header)
    }
    assert _parse_csv(text) == (header, expected)


def test_a_plain_csv_takes_the_fast_path() -> None:
    data = b"deal_id,stage,at,actor\r\nD1,lead,2026-01-05,marketing\r\nD1,,2026-01-06,sales\r\n"
    fast = _split_plain_csv(data)
    assert fast is not None
    assert fast == _slow(data)
    assert fast[1]["stage"] == ["lead", None]


@pytest.mark.parametrize(
    "data",
    [b'a,b\n"x,y",2\n', b"a,b\n1\n", b"a,b\n1,2,3\n", b"a,b\n\n1,2\n", b"a\rb\n", b""],
    ids=["quoted", "short row", "long row", "blank line", "lone CR", "empty"],
)
def test_anything_but_a_plain_csv_goes_to_the_csv_module(data: bytes) -> None:
    assert _split_plain_csv(data) is None


@settings(max_examples=150, deadline=None)
@given(case=with_process(messy_logs), block=st.integers(1, 64))
@example(
    case=(
        SalesProcess.complex(),
        [
            {"deal_id": "A", "stage": "lead", "at": "2026-01-05", "actor": "marketing"},
            {"deal_id": "A", "stage": "won", "at": "2026-01-06", "actor": "sales"},
            {"deal_id": "A", "stage": "lost", "at": "2026-01-04", "actor": ""},
        ],
    ),
    block=1,
)
def test_a_csv_file_audited_block_by_block_gives_the_report_of_the_whole(
    tmp_path_factory: pytest.TempPathFactory,
    case: tuple[SalesProcess[Any], list[dict[str, Any]]],
    block: int,
) -> None:
    """Whatever the size of the blocks, unless the log's times carry UTC offsets.

    Blocks of a few bytes hold a row or two each: a deal's rows, and the row that closed it,
    fall in other blocks.
    """
    process, rows = case
    path = tmp_path_factory.mktemp("csv") / "log.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, ["deal_id", "stage", "at", "actor"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    rules = ProcessRules(process)
    whole = audit_columns(load_columns(path, None), rules)
    assert audit(path, process, engine="python") == whole
    blocks = column_blocks(path, None, block)
    assert blocks is not None  # no cell of these logs needs quotes
    by_blocks = audit_blocks(blocks, rules)
    with_offset = any(re.search(r"(Z|[+-][0-9]{2}:?[0-9]{2})$", row["at"] or "") for row in rows)
    assert (by_blocks is None) == with_offset
    if by_blocks is not None:
        assert by_blocks == whole


def test_a_log_with_utc_offsets_is_audited_whole(tmp_path: Path) -> None:
    """An offset in a later block makes a time without one malformed in an earlier block."""
    path = tmp_path / "log.csv"
    path.write_text(
        "deal_id,stage,at,actor\n"
        "D1,lead,2026-01-05T09:00:00,marketing\n"
        "D2,lead,2026-01-05T10:00:00Z,marketing\n",
        encoding="utf-8",
    )
    rules = ProcessRules(SalesProcess.complex())
    blocks = column_blocks(path, None, 1)
    assert blocks is not None
    assert audit_blocks(blocks, rules) is None
    report = audit(path, SalesProcess.complex(), engine="python")
    assert [(v.row, v.rule) for v in report.violations] == [(1, "malformed")]
    assert "has no UTC offset" in report.violations[0].message


_VALUE = st.one_of(st.none(), st.integers(0, 3), st.text(alphabet="ab", max_size=2))
_ROW = st.dictionaries(st.sampled_from(["a", "b", "c"]), _VALUE, max_size=3)


@given(rows=st.lists(_ROW, min_size=1, max_size=6))
@example(rows=[{"a": 1, "b": 2}, {"a": 1, "c": 2}])
@example(rows=[{"a": 1, "b": 2}, {"b": 3, "a": 4}])
def test_uniform_rows_read_like_any_rows(rows: list[dict[str, Any]]) -> None:
    fast = _uniform_columns(rows)
    if fast is not None:
        names, data = fast
        slow_names, slow_data = _read_rows([dict(row) for row in rows] + [{}], "rows")
        assert names == slow_names
        assert data == {name: values[:-1] for name, values in slow_data.items()}


@given(rows=st.lists(_ROW, max_size=6), blank_lines=st.booleans())
def test_a_json_lines_file_reads_like_its_rows(
    tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, Any]], blank_lines: bool
) -> None:
    path = tmp_path_factory.mktemp("jsonl") / "log.jsonl"
    separator = "\n\n" if blank_lines else "\n"
    path.write_text(separator.join(json.dumps(row) for row in rows), encoding="utf-8")
    assert _read_jsonl(path) == _read_rows(rows, "rows")


def test_rows_with_other_keys_are_not_uniform() -> None:
    assert _uniform_columns([{"a": 1, "b": 2}, {"a": 1, "c": 2}]) is None
    assert _uniform_columns([{"a": 1}, {"a": 1, "b": 2}]) is None


_PLAIN_FORMS = [
    "2026-01-05",
    "2026-01-05T09:30",
    "2026-01-05 09:30:15",
    "2026-01-05T09:30:15.250",
    "2026-01-05 09:30:15.250000",
]
# A plain form with one character changed: the near misses a shape check must not let through.
_NEAR_PLAIN = st.builds(
    lambda form, at, char: form[: at % len(form)] + char + form[at % len(form) + 1 :],
    st.sampled_from(_PLAIN_FORMS),
    st.integers(0, 25),
    st.sampled_from("0123456789-:.T tZ+٣x"),
)
_TIMES = st.lists(st.one_of(st.sampled_from(_PLAIN_FORMS), _NEAR_PLAIN), min_size=1, max_size=8)


@given(texts=_TIMES, chunk=st.integers(1, 5))
@example(texts=["2026-01-05T09:30:15.250000", "2026-01-05 09:30:15.250000"], chunk=1)
@example(texts=["2026-01-05T09:30:15+0100"], chunk=1)
@example(texts=["2026-01-05", "2026-01-06", "2026-01-0x"], chunk=2)
def test_a_column_is_plain_exactly_when_each_text_matches(texts: list[str], chunk: int) -> None:
    """Whatever the number of texts checked at a time (a few: many chunks)."""
    plain = all(_PLAIN_TIME.fullmatch(text) for text in texts)
    assert _all_plain(texts, chunk) == plain
    assert _all_plain(texts) == plain


@given(texts=_TIMES)
@example(texts=["2026-02-30", "2026-01-05"])
def test_a_column_of_text_times_parses_like_each_cell(texts: list[str]) -> None:
    moments, problems, aware = timestamps(list(texts))
    expected = [coerce_timestamp(text) for text in texts]
    aware_log = any(has_offset for _, has_offset, _ in expected)
    assert aware == aware_log
    for moment, problem, (want, has_offset, want_problem) in zip(
        moments, problems, expected, strict=True
    ):
        if aware_log and want_problem == TimestampProblem.OK and not has_offset:
            assert (moment, problem) == (None, TimestampProblem.NO_OFFSET)
        else:
            assert (moment, problem) == (want, want_problem)


def test_the_plain_forms_are_what_fromisoformat_and_the_grammar_read_alike() -> None:
    for text in _PLAIN_FORMS:
        assert re.fullmatch(_PLAIN_TIME, text)
        assert coerce_timestamp(text)[0] == datetime.fromisoformat(text)


def test_cells_that_are_not_text_are_coded_and_reported_by_their_own_text() -> None:
    # 1, 1.0 and True are one dict key: the per-distinct lookup must not merge their texts.
    log = [
        {"deal_id": "D1", "stage": 1, "at": "2026-01-05", "actor": "marketing"},
        {"deal_id": "D2", "stage": True, "at": "2026-01-05", "actor": "marketing"},
        {"deal_id": "D3", "stage": 1.0, "at": "2026-01-05", "actor": "marketing"},
    ]
    assert _codes([row["stage"] for row in log], str.upper) == ["1", "TRUE", "1.0"]
    report = audit(log, SalesProcess.complex(), engine="python")
    assert [(v.row, v.rule, v.message.split(" is not")[0]) for v in report.violations] == [
        (1, "unknown_stage", "stage '1'"),
        (2, "unknown_stage", "stage 'True'"),
        (3, "unknown_stage", "stage '1.0'"),
    ]
