"""Importing a CRM snapshot export (one row per deal) as an event log.

A CRM export usually holds each deal once: its current stage and the date it entered some stages
(``engage_date``, ``close_date``). :func:`import_crm_snapshot` turns each such row into the events
that brought the deal to its stage, along the shortest path of the process, so the log can be
audited, replayed and measured like any other.
"""

from __future__ import annotations

import enum
import functools
import itertools
import math
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final, cast, final

import attrs

from funnelcore import _columns as C
from funnelcore._actors import Role
from funnelcore._log_source import blank, describe_source, load_raw, source_kind, text_of
from funnelcore._process import SalesProcess, check_process
from funnelcore._timestamps import TimestampProblem, coerce_timestamp
from funnelcore._validation import column_name
from funnelcore.errors import (
    InvalidArgumentError,
    InvalidRecordError,
    LogReadError,
    UnknownStageError,
)

__all__ = [
    "CRM_SNAPSHOT_MAPPING",
    "SnapshotImport",
    "SnapshotMapping",
    "SnapshotNote",
    "crm_process",
    "import_crm_snapshot",
]


@functools.cache
def crm_process() -> SalesProcess[Any]:
    """The process of a typical CRM export: prospecting → engaging → won, lost from any open stage.

    Defined as data (``funnelcore/processes/crm.toml``, loadable with ``--process`` too): every
    move is a sales agent's; the system may also lose a stale deal. One shared instance.

    >>> crm_process()
    <SalesProcess 'crm': prospecting > engaging > won > lost>
    """
    from funnelcore._process_file import load_process

    process = load_process(Path(__file__).parent / "processes" / "crm.toml")
    # Its stage enum is made from the file, so pickle cannot find it by name: its members are
    # pickled as this preset's stage of that value instead (a deal of it pickles whole).
    entry: enum.Enum = process.entry
    setattr(type(entry), "__reduce_ex__", _pickled_crm_stage)  # noqa: B010 - a method, set late
    return process


def _pickled_crm_stage(stage: Any, protocol: object) -> tuple[Any, ...]:
    return (_crm_stage, (stage.value,))


def _crm_stage(value: str) -> Any:
    """The stage of :func:`crm_process` whose value is ``value`` (for pickle)."""
    return crm_process().stage(value)


def _dates(value: Mapping[str, str]) -> dict[str, str]:
    # Anything not a mapping is left for _check_dates to refuse with the field's name.
    return dict(value) if isinstance(value, Mapping) else cast("dict[str, str]", value)


_COLUMN: Final = column_name("SnapshotMapping")
_OPTIONAL_COLUMN: Final = column_name("SnapshotMapping", optional=True)


def _check_dates(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    items = cast("dict[object, object]", value).items() if isinstance(value, dict) else None
    if items is None or not all(
        isinstance(text, str) and text.strip() for pair in items for text in pair
    ):
        raise InvalidRecordError(
            "SnapshotMapping",
            attribute.name,
            f"must map stage values to column names, got {value!r}",
        )


@final
@attrs.frozen(weakref_slot=False, kw_only=True)
class SnapshotMapping:
    """How to read a one-row-per-deal export.

    Attributes:
        deal_id: the column of the deal's id.
        stage: the column of its current stage (matched like ``SalesProcess.stage``).
        dates: for each stage (by value), the column holding when the deal entered it. The entry
            stage's event takes the earliest date the row has when it has no column of its own.
        actor_name: the column naming who works the deal (every event is credited to them).
        value: the column of the deal's value.
        role: the role that makes every move of an imported deal.
    """

    deal_id: str = attrs.field(default="opportunity_id", validator=_COLUMN)
    stage: str = attrs.field(default="deal_stage", validator=_COLUMN)
    dates: dict[str, str] = attrs.field(
        factory=lambda: {"engaging": "engage_date", "won": "close_date", "lost": "close_date"},
        converter=_dates,
        validator=_check_dates,
    )
    actor_name: str | None = attrs.field(default="sales_agent", validator=_OPTIONAL_COLUMN)
    value: str | None = attrs.field(default="close_value", validator=_OPTIONAL_COLUMN)
    role: Role = attrs.field(default=Role.SALES, validator=attrs.validators.instance_of(Role))


#: The mapping of the public Maven CRM sample (``sales_pipeline.csv``).
CRM_SNAPSHOT_MAPPING: Final = SnapshotMapping()


@final
@attrs.frozen(weakref_slot=False)
class SnapshotNote:
    """Something an import could not take from the export as it is.

    Attributes:
        row: the 1-based data row of the export.
        deal_id: the deal, when the row has one.
        message: what is missing and what the import did about it.
    """

    row: int
    deal_id: str | None
    message: str

    def __str__(self) -> str:
        deal = "" if self.deal_id is None else f" deal {self.deal_id!r}"
        return f"row {self.row}{deal}: {self.message}"


@final
@attrs.frozen(weakref_slot=False)
class SnapshotImport:
    """The event log made from an export, and the notes on rows it could not fully date.

    Attributes:
        log: the event log, in the export's frame type (a list of dicts for a list of rows, a
            Polars DataFrame for a file).
        notes: one note per problem, in row order.
    """

    log: Any
    notes: tuple[SnapshotNote, ...]


def import_crm_snapshot(
    source: object,
    *,
    mapping: SnapshotMapping = CRM_SNAPSHOT_MAPPING,
    process: SalesProcess[Any] | None = None,
    as_of: date | datetime | None = None,
) -> SnapshotImport:
    """Turn a one-row-per-deal CRM export into an event log for ``process`` (default: the CRM one).

    Each row becomes the events along the shortest path from the entry stage to its current stage
    (``Won`` → prospecting, engaging, won), each dated from its column in ``mapping.dates``. The
    export does not say when a deal entered the entry stage, so that event takes the row's
    earliest date, or ``as_of`` (the export's date) for a deal with no date at all. Nothing is
    dropped or invented silently: an event whose date is missing keeps an empty ``at`` (the audit
    reports it as malformed) and gets a note, and so does a row whose stage is unknown (kept as one
    event with that stage), a row without a deal id, a deal's second row (a snapshot has one per
    deal) and a value that is not a number >= 0 (left out). A date that is not a date gets one
    note. Every other column of the export is copied to each of the deal's events; ``value``
    (parsed as a number when the export holds text) goes on every event of the deal, and the
    metrics read one value per deal, its latest.

    Args:
        source: the export: a CSV/JSON Lines path, rows, or a dataframe.
        mapping: its column names.
        process: the process to import into (default :func:`crm_process`).
        as_of: the date of the export, for deals that record no date.

    Raises:
        LogReadError: the export cannot be read or lacks a column the mapping names.
        InvalidArgumentError: ``mapping`` is not a :class:`SnapshotMapping`, or ``process`` not a
            :class:`SalesProcess`.
    """
    if not isinstance(mapping, SnapshotMapping):
        raise InvalidArgumentError(
            f"mapping= takes a SnapshotMapping, got {type(mapping).__name__}"
        )
    if process is not None:
        check_process(process)
    chosen = process if process is not None else crm_process()
    label = describe_source(source)
    kind = source_kind(source)
    _, columns, _ = load_raw(source)
    needed = [mapping.deal_id, mapping.stage, *mapping.dates.values()]
    for optional in (mapping.actor_name, mapping.value):
        if optional is not None:
            needed.append(optional)
    missing = [name for name in dict.fromkeys(needed) if name not in columns]
    if missing:
        raise LogReadError(
            label,
            f"no column {', '.join(map(repr, missing))}; its columns are "
            f"{', '.join(map(repr, columns))}",
        )
    unknown_dates = [name for name in mapping.dates if name not in _values(chosen)]
    if unknown_dates:
        raise LogReadError(
            label, f"mapping.dates names unknown stages {unknown_dates} of {chosen.name!r}"
        )
    consumed = set(needed)
    extras = [name for name in columns if name not in consumed]
    count = len(columns[mapping.deal_id])
    fallback = None if as_of is None else coerce_timestamp(as_of)[0]
    rows: list[dict[str, Any]] = []
    notes: list[SnapshotNote] = []
    first_rows: dict[str, int] = {}
    for index in range(count):
        row_number = index + 1
        raw_id = columns[mapping.deal_id][index]
        deal_id = None if blank(raw_id) else text_of(raw_id).strip() or None
        raw_stage = columns[mapping.stage][index]
        shared = {name: columns[name][index] for name in extras}
        name = None if mapping.actor_name is None else columns[mapping.actor_name][index]

        def note(message: str, row: int = row_number, deal: str | None = deal_id) -> None:
            notes.append(SnapshotNote(row, deal, message))

        if deal_id is None:
            note(
                f"{mapping.deal_id} is empty; the deal's events have no deal id "
                "(the audit reports them as malformed)"
            )
        elif deal_id in first_rows:
            # A snapshot has one row per deal: the second row's events follow the first's.
            note(
                f"the deal is also in row {first_rows[deal_id]}; a snapshot has one row per "
                "deal, and this row's events follow that row's in the log"
            )
        else:
            first_rows[deal_id] = row_number
        value: object = None
        if mapping.value is not None:
            cell = columns[mapping.value][index]
            value = _number(cell)
            if value is None and not blank(cell):
                note(f"{mapping.value} {cell!r} is not a number; the deal has no value")
            elif value is not None and value < 0:
                # a deal's value is an amount >= 0 (SalesProcess.open_deal refuses a negative one)
                note(f"{mapping.value} {cell!r} is negative; the deal has no value")
                value = None
        common = {
            C.ACTOR: mapping.role.value,
            C.ACTOR_NAME: None if blank(name) else name,
            C.VALUE: value,
        }

        dated: dict[str, datetime | None] = {}
        unreadable: set[str] = set()  # stages whose date cell holds text that is not a date
        for stage_value, column in mapping.dates.items():
            cell = columns[column][index]
            moment, _, problem = coerce_timestamp(cell)
            if problem == TimestampProblem.UNPARSEABLE:
                note(f"{column} {cell!r} is not a date; the {stage_value} event has no date")
                unreadable.add(stage_value)
            dated[stage_value] = moment
        try:
            stage = chosen.stage(text_of(raw_stage)) if not blank(raw_stage) else None
        except UnknownStageError:
            stage = None
        if stage is None:
            note(
                f"{mapping.stage} {raw_stage!r} is not a stage of {chosen.name!r}; "
                "kept as one event for the audit to report"
            )
            earliest = min((m for m in dated.values() if m is not None), default=fallback)
            rows.append(
                _event(
                    deal_id, None if blank(raw_stage) else raw_stage, earliest, None, common, shared
                )
            )
            continue
        path_values = _path(chosen, stage, dated)
        known = [dated[v] for v in path_values if dated.get(v) is not None]
        earliest = min(known, default=None)  # type: ignore[type-var]
        previous: str | None = None
        for stage_value in path_values:
            if stage_value in mapping.dates:
                at = dated[stage_value]
                if at is None and stage_value not in unreadable:  # (that one has its note)
                    column = mapping.dates[stage_value]
                    note(
                        f"the deal reached {stage_value} but {column} is empty; "
                        "the event has no date"
                    )
            elif previous is None:
                at = earliest if earliest is not None else fallback
                if at is None:
                    note(
                        f"no date for the {stage_value} event (the export records none for this "
                        "deal); pass as_of= to date it at the export"
                    )
            else:
                at = None
                note(f"the export has no date column for {stage_value}; the event has no date")
            rows.append(_event(deal_id, stage_value, at, previous, common, shared))
            previous = stage_value
    return SnapshotImport(_like(rows, extras, source, kind, label), tuple(notes))


def _number(cell: object) -> float | int | None:
    """A value cell as a number (a file's cells are text); ``None`` when it holds no number."""
    if blank(cell) or isinstance(cell, bool):
        return None
    if isinstance(cell, (int, float)):
        return cell if math.isfinite(cell) else None
    try:  # text, Decimal, numpy scalars
        number = float(cast("Any", cell.strip() if isinstance(cell, str) else cell))
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _event(
    deal_id: str | None,
    stage: object,
    at: datetime | None,
    previous: str | None,
    common: dict[str, Any],
    shared: dict[str, Any],
) -> dict[str, Any]:
    return {
        C.DEAL_ID: deal_id,
        C.STAGE: stage,
        C.AT: at,
        C.ACTOR: common[C.ACTOR],
        C.ACTOR_NAME: common[C.ACTOR_NAME],
        C.FROM_STAGE: previous,
        C.VALUE: common[C.VALUE],
        **shared,
    }


def _path(process: SalesProcess[Any], stage: Any, dated: dict[str, datetime | None]) -> list[str]:
    """The stages a deal went through to ``stage``: through every open stage the row dates.

    A lost deal with an ``engage_date`` was engaged before it was lost, even though the shortest
    path goes straight from the entry to LOST.
    """
    waypoints = [process.entry]
    waypoints.extend(
        s
        for s in process.open_stages
        if s is not process.entry and s is not stage and dated.get(str(s.value)) is not None
    )
    waypoints.append(stage)
    path = [process.entry]
    for start, end in itertools.pairwise(waypoints):
        segment = process.path_to(end, start=start)
        if not segment:  # the dates name a stage the deal cannot have passed: take the shortest
            return [str(s.value) for s in process.path_to(stage)]
        path.extend(segment[1:])
    return [str(s.value) for s in path]


def _values(process: SalesProcess[Any]) -> set[str]:
    return {str(stage.value) for stage in process.stages}


def _like(
    rows: list[dict[str, Any]], extras: list[str], source: object, kind: str, label: str
) -> Any:
    """The rows in the caller's frame type, as ``read_log`` returns: files become Polars.

    An export without rows still gives the event log's columns (a frame of no columns is not a
    frame every engine takes: DuckDB refuses one).
    """
    if kind == "rows":
        return rows
    import polars as pl

    from funnelcore._log_frames import callers_type, rows_to_frame

    if rows:
        frame = rows_to_frame(rows, "polars")
    else:
        empty = _event(None, None, None, None, dict.fromkeys((C.ACTOR, C.ACTOR_NAME, C.VALUE)), {})
        schema: dict[str, Any] = dict.fromkeys([*empty, *extras], pl.String)
        frame = pl.DataFrame(schema=schema | {C.AT: pl.Datetime("us"), C.VALUE: pl.Float64})
    return callers_type(frame, source, kind, "polars", label)
