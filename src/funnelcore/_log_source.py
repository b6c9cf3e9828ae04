"""Where an event log comes from, and reading it into plain Python columns (no extras needed).

A log is one of: a path to a CSV, JSON Lines (or, with the ``analytics`` extra, Parquet) file; a
sequence of mappings (one per row); or a dataframe of any library narwhals knows (pandas, Polars
eager or lazy, a DuckDB relation, a PyArrow table, a PySpark DataFrame). Rows are numbered from 1
in the order of the input, the header excluded.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import operator
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal, cast

import attrs

from funnelcore._columns import REQUIRED_COLUMNS
from funnelcore._mapping import ColumnMapping, plan_renames
from funnelcore._missing import is_missing
from funnelcore.errors import LogReadError

__all__ = [
    "Columns",
    "SourceKind",
    "column_blocks",
    "describe_source",
    "load_columns",
    "load_raw",
    "source_kind",
]

SourceKind = Literal["csv", "jsonl", "parquet", "rows", "frame"]

_SUFFIXES: Final[dict[str, SourceKind]] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
}


def source_kind(source: object) -> SourceKind:
    """What kind of log ``source`` is.

    Raises:
        LogReadError: a path with an unknown suffix, or a file that does not exist.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(cast("str | os.PathLike[str]", source))
        kind = _SUFFIXES.get(path.suffix.lower())
        if kind is None:
            raise LogReadError(
                str(path), "expected a .csv, .jsonl/.ndjson or .parquet file, by its suffix"
            )
        if not path.is_file():
            raise LogReadError(str(path), "no such file")
        return kind
    if isinstance(source, Sequence) and not isinstance(source, (bytes, bytearray)):
        return "rows"
    return "frame"


def describe_source(source: object) -> str:
    """How a log is named in errors: its path, or its type."""
    if isinstance(source, (str, os.PathLike)):
        return str(cast("str | os.PathLike[str]", source))
    return f"({type(source).__module__}.{type(source).__qualname__})"


@attrs.frozen(weakref_slot=False)
class Columns:
    """A log in plain Python: one list per column, canonical names, rows in input order.

    Attributes:
        names: every column, canonical ones renamed, in the input's order.
        data: the values of each column.
        rows: the number of data rows.
        at_is_text: whether ``at`` came as text (files) rather than typed values.
    """

    names: tuple[str, ...]
    data: dict[str, list[Any]]
    rows: int
    at_is_text: bool


def load_columns(source: object, mapping: ColumnMapping | None) -> Columns:
    """Read any log into :class:`Columns` (frames are collected through narwhals).

    Raises:
        LogReadError: the log cannot be read, or lacks a required column.
    """
    label = describe_source(source)
    names, data, at_is_text = load_raw(source)
    renames = plan_renames(names, mapping, label)
    new_names = tuple(renames.get(name, name) for name in names)
    new_data = {renames.get(name, name): values for name, values in data.items()}
    rows = len(next(iter(new_data.values()))) if new_data else 0
    return Columns(new_names, new_data, rows, at_is_text)


def load_raw(source: object) -> tuple[list[str], dict[str, list[Any]], bool]:
    """Read any table into plain Python columns, names as they are; also whether cells are text.

    Raises:
        LogReadError: the table cannot be read.
    """
    kind = source_kind(source)
    label = describe_source(source)
    if kind == "csv":
        names, data = _read_csv(Path(source))  # type: ignore[arg-type]
        at_is_text = True
    elif kind == "jsonl":
        names, data = _read_jsonl(Path(source))  # type: ignore[arg-type]
        at_is_text = True
    elif kind == "rows":
        names, data = _read_rows(source, label)  # type: ignore[arg-type]
        at_is_text = False
    else:
        from funnelcore._log_frames import frame_to_columns

        names, data = frame_to_columns(source, label, parquet=kind == "parquet")
        at_is_text = False
    return names, data, at_is_text


def _read_csv(path: Path) -> tuple[list[str], dict[str, list[Any]]]:
    # The file is read once: the fast split, or else the csv module, works on its bytes.
    try:
        data = path.read_bytes()
        header, columns = _split_plain_csv(data) or _parse_csv(data.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise LogReadError(str(path), str(error)) from error
    except _EmptyCsv:
        raise LogReadError(str(path), "the file is empty (no header row)") from None
    _check_header(path, header)
    return header, columns


def _check_header(path: Path, header: list[str]) -> None:
    if len(set(header)) != len(header):
        raise LogReadError(str(path), "the header names a column twice")


class _EmptyCsv(Exception):
    """The CSV text has no header row."""


#: How many bytes of a CSV file ``_split_plain_csv`` and ``column_blocks`` decode and split at
#: a time.
_BLOCK: Final = 1 << 16


def _split_plain_csv(
    data: bytes, block: int = _BLOCK
) -> tuple[list[str], dict[str, list[Any]]] | None:
    r"""The columns of a CSV file without quotes and with every row full, split at C speed.

    Such a file means the same to the ``csv`` module (no quoting; ``\r\n`` or ``\n`` ends a
    row). Anything else (quotes, a lone ``\r``, short or long rows, blank lines) returns
    ``None`` and goes to the ``csv`` module. Splitting beats building a list per row: a million
    of those cost garbage-collector passes over everything the process holds.

    Raises:
        UnicodeDecodeError: the file is not UTF-8.
    """
    split = _plain_csv_blocks(data, block)
    if split is None:
        return None
    header, blocks = split
    columns: list[list[str | None]] = [[] for _ in header]
    for cells in blocks:
        for column, part in zip(columns, cells, strict=True):
            column += part
    return header, dict(zip(header, columns, strict=True))


def _plain_csv_blocks(
    data: bytes, block: int
) -> tuple[list[str], Iterator[list[list[str | None]]]] | None:
    r"""The header of a plain CSV file (see ``_split_plain_csv``) and its columns, by blocks.

    The rows are decoded and split ``block`` bytes at a time (cut at a newline, which no
    multi-byte UTF-8 character holds): whole-file copies cost more in page faults than in
    splitting (1M events, 53 MB: 151k faults and 0.3 s of system time, half the read). Each
    block is the list of its columns' cells, an empty cell as ``None``. The whole file is checked
    before the first block comes: a file that is not plain returns ``None``.

    Raises:
        UnicodeDecodeError: the header is not UTF-8 (a block that is not raises it when read).
    """
    if not data or b'"' in data or b"\0" in data:
        return None
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
        if b"\r" in data:
            return None
    # The text is data[start:end]: without the byte-order mark and one newline at the end.
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    end = len(data) - 1 if data.endswith(b"\n") else len(data)
    header_end = data.find(b"\n", start, end)
    if header_end < 0:
        header_end = end
    first_line = data[start:header_end]
    commas = first_line.count(b",")
    rows = data.count(b"\n", start, end)  # data rows: the lines after the header
    # Every line has as many commas as the header: the separators alone, in order, say so.
    # (No byte of a multi-byte UTF-8 character is a comma or a newline.)
    separators = data.translate(None, _NOT_SEPARATORS)
    last = b"\n" if end < len(data) else b""
    if not first_line or separators != (b"," * commas + b"\n") * rows + b"," * commas + last:
        return None
    header = first_line.decode("utf-8").split(",")
    return header, _split_blocks(data, header_end + 1, end, len(header), block)


def _split_blocks(
    data: bytes, position: int, end: int, width: int, block: int
) -> Iterator[list[list[str | None]]]:
    while position <= end:  # without data rows, the header ends at end
        stop = data.find(b"\n", min(position + block, end), end)
        stop = end if stop < 0 else stop
        # (typed as cells that may be missing: they are, once an empty one becomes None)
        cells = cast(
            "list[str | None]", data[position:stop].decode("utf-8").replace("\n", ",").split(",")
        )
        # An empty cell is a missing value; "x" or None keeps every non-empty text as it is.
        yield [
            column if all(column) else [cell or None for cell in column]
            for column in (cells[index::width] for index in range(width))
        ]
        position = stop + 1


def column_blocks(
    source: object, mapping: ColumnMapping | None, block: int | None = None
) -> Iterator[Columns] | None:
    """A CSV file's rows as :class:`Columns`, about ``block`` bytes (``_BLOCK``) at a time.

    Only for a file ``_split_plain_csv`` splits (no quotes, every row full); ``None`` for any
    other file or source, which :func:`load_columns` reads whole. Each block's ``rows`` counts
    its own rows. The file is read and its header checked at once; the blocks as they are taken.
    A reader that is done with each block before taking the next holds a block's texts at a time,
    not the whole file's (the plain-Python audit of 1M events: a peak of 175 MB, not 417 MB).

    Raises:
        LogReadError: the file cannot be read, is not UTF-8, or lacks a required column.
    """
    if source_kind(source) != "csv":
        return None
    path = Path(cast("str | os.PathLike[str]", source))
    try:
        split = _plain_csv_blocks(path.read_bytes(), block or _BLOCK)
    except (OSError, UnicodeDecodeError) as error:
        raise LogReadError(str(path), str(error)) from error
    if split is None:
        return None
    header, blocks = split
    _check_header(path, header)
    renames = plan_renames(header, mapping, str(path))
    names = tuple(renames.get(name, name) for name in header)
    return _named_blocks(path, names, blocks)


def _named_blocks(
    path: Path, names: tuple[str, ...], blocks: Iterator[list[list[str | None]]]
) -> Iterator[Columns]:
    try:
        for cells in blocks:
            yield Columns(names, dict(zip(names, cells, strict=True)), len(cells[0]), True)
    except UnicodeDecodeError as error:
        raise LogReadError(str(path), str(error)) from error


_NOT_SEPARATORS: Final = bytes(byte for byte in range(256) if byte not in b",\n")


def _parse_csv(text: str) -> tuple[list[str], dict[str, list[Any]]]:
    """The columns of any CSV text, by the ``csv`` module.

    Raises:
        csv.Error: the text is not CSV.
        _EmptyCsv: it has no header row.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise _EmptyCsv
    width = len(header)
    columns: list[list[str]] = [[] for _ in header]
    appends = [column.append for column in columns]
    # Cells go straight into their columns and each record dies at once: keeping a million
    # records alive would cost garbage-collector passes over all of them.
    for record in reader:
        if len(record) != width:
            # A blank line is a data row with nothing in it (as Polars and DuckDB read it): it
            # is reported, not skipped. Short rows are padded, long ones cut.
            record = (record + [""] * width)[:width]
        for append, cell in zip(appends, record, strict=True):
            append(cell)
    # An empty cell is a missing value; "x" or None keeps every non-empty text as it is.
    return header, {
        name: [cell or None for cell in column]
        for name, column in zip(header, columns, strict=True)
    }


def _read_jsonl(path: Path) -> tuple[list[str], dict[str, list[Any]]]:
    # Each object's values go straight into their columns and the object dies at once: keeping a
    # million parsed objects alive would cost garbage-collector passes over all of them.
    columns: dict[str, list[Any]] = {}
    rows = 0
    loads = json.loads
    try:
        with path.open(encoding="utf-8") as file:
            for number, line in enumerate(file, start=1):
                if not line.strip():
                    continue
                try:
                    row = loads(line)
                except json.JSONDecodeError as error:
                    raise LogReadError(
                        str(path), f"line {number} is not JSON: {error.msg}"
                    ) from error
                if not isinstance(row, dict):
                    raise LogReadError(str(path), f"line {number} is not a JSON object")
                row = cast("dict[str, Any]", row)
                for key, value in row.items():
                    column = columns.get(key)
                    if column is None:  # a column first seen here: missing in earlier rows
                        column = columns[key] = [None] * rows
                    column.append(value)
                rows += 1
                if len(row) != len(columns):  # columns this row lacks: missing here
                    for column in columns.values():
                        if len(column) < rows:
                            column.append(None)
    except (OSError, UnicodeDecodeError) as error:
        raise LogReadError(str(path), str(error)) from error
    if not rows:  # an empty log: nothing to check, whatever its columns would have been
        return list(REQUIRED_COLUMNS), {name: [] for name in REQUIRED_COLUMNS}
    for key, column in columns.items():
        if _NESTED & set(map(type, column)):
            # An object or array in a cell reads as its JSON text, as Polars reads it beside
            # text: both engines quote the same cell the same way.
            columns[key] = [
                json.dumps(value, ensure_ascii=False) if type(value) in _NESTED else value
                for value in column
            ]
    return list(columns), columns


_NESTED: Final = frozenset((dict, list))


def _read_rows(rows: Sequence[object], label: str) -> tuple[list[str], dict[str, list[Any]]]:
    if not rows:  # an empty log: nothing to check, whatever its columns would have been
        return list(REQUIRED_COLUMNS), {name: [] for name in REQUIRED_COLUMNS}
    uniform = _uniform_columns(rows)
    if uniform is not None:
        return uniform
    names: dict[str, None] = {}
    mappings: list[Mapping[str, Any]] = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            raise LogReadError(
                label, f"row {number} is a {type(row).__name__}, not a mapping of column to value"
            )
        mapping = cast("Mapping[str, Any]", row)
        mappings.append(mapping)
        for key in mapping:
            names.setdefault(key, None)
    data = {name: [row.get(name) for row in mappings] for name in names}
    return list(names), data


def _uniform_columns(rows: Sequence[object]) -> tuple[list[str], dict[str, list[Any]]] | None:
    """The columns of rows that are all plain dicts with the same keys, else ``None``.

    The common case (``to_dicts()``, ``json.loads``, ``csv.DictReader``) read at C speed: same
    size and every key of the first row present means the same keys.
    """
    if not all_are(map(type, rows), dict):
        return None
    dicts = cast("Sequence[dict[str, Any]]", rows)
    first = dicts[0]
    if set(map(len, dicts)) != {len(first)}:
        return None
    try:
        data = {name: list(map(operator.itemgetter(name), dicts)) for name in first}
    except KeyError:
        return None
    return list(first), data


def has_analytics() -> bool:
    """Whether the ``analytics`` extra (narwhals and Polars) can be imported."""
    import importlib.util

    try:
        return all(importlib.util.find_spec(name) is not None for name in ("narwhals", "polars"))
    except (ImportError, ValueError):  # a module hidden or half-installed
        return False


def all_are(items: Iterable[object], value: object) -> bool:
    """Whether there are items and every one is ``value``: one C pass, no Python loop."""
    distinct = set(items)
    return len(distinct) == 1 and value in distinct


def blank(value: object) -> bool:
    """Whether a cell holds nothing: ``None``, NaN/NaT, or blank text."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    return is_missing(value)  # pandas NaT and NA


def text_of(value: object) -> str:
    """A cell as text, the way every engine casts it (``12`` -> ``"12"``)."""
    if isinstance(value, str):
        return value
    return str(value)
