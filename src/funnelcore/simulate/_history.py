"""Reading deals for a forecast or a fit: a list of deals, or stage changes.

One function, :func:`tracks`, turns either into the stages each deal entered and when. Stage
changes (a dataframe, eager or lazy; a list of row dicts; an event-log file) need the canonical
event-log columns (``funnelcore._columns``): ``deal_id``, ``stage`` and ``at``, and optionally
``value``; ``actor`` and the other columns are not needed here. Times are read as the audit reads
them (``funnelcore._timestamps``). Every malformed row is reported with its row number and the
reason, all at once.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast, final

import attrs

from funnelcore._audit import deal_ids_of, timestamps
from funnelcore._columns import AT, DEAL_ID, STAGE, VALUE
from funnelcore._deal import Deal
from funnelcore._missing import is_missing
from funnelcore._process import SalesProcess
from funnelcore._timestamps import TimestampProblem, as_utc
from funnelcore._validation import is_amount
from funnelcore.errors import InvalidLogError, SimulationInputError, UnknownStageError

__all__ = ["Track", "tracks"]


@final
@attrs.frozen(weakref_slot=False)
class Track:
    """The stages one deal entered, oldest first, with when; and its value if known (internal).

    ``rows`` holds the event-log row of each entry (``None`` for a deal given as a record).
    """

    deal_id: str
    stages: tuple[Any, ...]
    times: tuple[datetime, ...]
    value: float | None
    rows: tuple[int | None, ...]

    @property
    def stage(self) -> Any:
        """The stage the deal is in now."""
        return self.stages[-1]

    @property
    def entered(self) -> datetime:
        """When the deal entered its current stage."""
        return self.times[-1]


def tracks(source: object, process: SalesProcess[Any], *, what: str = "deals") -> list[Track]:
    """The track of every deal in ``source``: deals, or stage changes (see the module doc).

    Stages are matched to ``process`` by name. A deal's value is used when it is above 0 (a
    deal's default value of 0 reads as unknown).

    Raises:
        SimulationInputError: naming every malformed row (or deal) and why.
    """
    if isinstance(source, (str, os.PathLike)):
        # An event-log file goes through the one reader of the library (malformed rows are
        # reported there, each with its 1-based row number).
        from funnelcore._eventlog import read_log

        path = cast("str | os.PathLike[str]", source)
        try:
            rows = read_log(path, process=process, backend="rows")
        except InvalidLogError as error:  # malformed rows, as from a dataframe
            raise SimulationInputError(what, map(str, error.violations)) from error
        return _from_rows(rows, process, what)
    if isinstance(source, bytes) or source is None:
        raise SimulationInputError(
            what,
            [
                "expected a list of deals, stage changes (a dataframe or rows) or an event-log "
                f"file, got {source!r}"
            ],
        )
    candidate = source  # narrowed below; ``source`` itself stays a plain object
    if isinstance(candidate, Sequence):
        items = cast("Sequence[object]", candidate)
        if all(isinstance(item, Deal) for item in items):
            return _from_deals(cast("Sequence[Deal[Any]]", items), process, what)
        if all(isinstance(item, Mapping) for item in items):
            # rows, as ``read_log(..., backend="rows")`` gives them
            rows = cast("list[Mapping[str, Any]]", list(items))
            _check_columns(dict.fromkeys(name for row in rows for name in row), what)
            return _from_rows(rows, process, what)
    rows = _rows(source, what)
    return _from_rows(rows, process, what)


def _from_deals(deals: Iterable[Deal[Any]], process: SalesProcess[Any], what: str) -> list[Track]:
    result: list[Track] = []
    problems: list[str] = []
    for deal in deals:
        stages: list[Any] = []
        for change in deal.history:
            stage = _stage(process, change.stage)
            if stage is None:
                problems.append(
                    f"deal {deal.id!r}: stage {change.stage.value!r} is not a stage of "
                    f"{process.name!r}"
                )
                break
            stages.append(stage)
        else:
            result.append(
                Track(
                    deal.id,
                    tuple(stages),
                    tuple(change.at for change in deal.history),
                    deal.value if deal.value > 0 else None,
                    tuple(None for _ in stages),
                )
            )
    if problems:
        raise SimulationInputError(what, problems)
    return result


def _stage(process: SalesProcess[Any], stage: object) -> Any | None:
    name = stage.value if isinstance(stage, enum.Enum) else stage
    if not isinstance(name, str):
        return None
    try:
        return process.stage(name)
    except UnknownStageError:
        return None


def _rows(source: object, what: str) -> list[Mapping[str, Any]]:
    """The rows of a dataframe (narwhals, or pandas without it) as dicts."""
    try:
        import narwhals as nw
    except ImportError:  # pragma: no cover - narwhals comes with the analytics extra
        to_dict = getattr(source, "to_dict", None)
        if to_dict is None:
            raise SimulationInputError(
                what, [f"cannot read {type(source).__name__} without narwhals"]
            ) from None
        records: list[Mapping[str, Any]] = to_dict("records")
        return records
    try:
        native: Any = source
        frame = nw.from_native(native)
    except TypeError as error:
        raise SimulationInputError(
            what,
            [
                "expected a list of deals, a list of rows or a dataframe, got "
                f"{type(source).__name__}: {error}"
            ],
        ) from error
    # the schema, not .columns: a lazy frame's .columns resolves it with a warning on Polars 1
    names = frame.collect_schema().names()
    _check_columns(names, what)
    wanted = [DEAL_ID, STAGE, AT] + ([VALUE] if VALUE in names else [])
    selected = frame.select(wanted)
    # a lazy frame (Polars, DuckDB, ...) is read whole: every deal's track is needed
    eager = selected.collect() if isinstance(selected, nw.LazyFrame) else selected
    return list(eager.iter_rows(named=True))


def _check_columns(columns: Iterable[str], what: str) -> None:
    """Refuse stage changes without a needed column, once (not once per row)."""
    names = list(columns)
    missing = [column for column in (DEAL_ID, STAGE, AT) if column not in names]
    if missing:
        raise SimulationInputError(
            what,
            [
                f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"(columns: {', '.join(names)})"
            ],
        )


def _from_rows(rows: list[Mapping[str, Any]], process: SalesProcess[Any], what: str) -> list[Track]:
    problems: list[str] = []
    by_deal: dict[str, list[tuple[datetime, int, Any, float | None]]] = {}
    # Deal ids and times are parsed by the audit's own column parsers: ids stripped, text times
    # by its grammar, and a naive time in a log whose other times carry an offset refused.
    deal_ids = deal_ids_of([row.get(DEAL_ID) for row in rows])
    moments, at_problems, aware = timestamps([row.get(AT) for row in rows])
    cells = zip(rows, deal_ids, moments, at_problems, strict=True)
    for number, (row, deal_id, moment, at_problem) in enumerate(cells, start=1):
        stage_name = row.get(STAGE)
        at = row.get(AT)
        value = row.get(VALUE)
        reasons: list[str] = []
        if deal_id is None:
            reasons.append("deal_id is missing")
        stage = None
        if is_missing(stage_name):
            reasons.append("stage is missing")
        else:
            stage = _stage(process, str(stage_name))
            if stage is None:
                reasons.append(f"stage {stage_name!r} is not a stage of {process.name!r}")
        if at_problem == TimestampProblem.MISSING:
            reasons.append("at is missing")
        elif at_problem == TimestampProblem.NO_OFFSET:
            reasons.append(f"at {at!r} has no UTC offset, but other rows of the log have one")
        elif at_problem != TimestampProblem.OK:
            kind = "an ISO 8601 date-time" if isinstance(at, str) else "a date-time"
            reasons.append(f"at {at!r} is not {kind}")
        amount: float | None = None
        if isinstance(value, str):
            # A log read from a file keeps its cells as text; an empty cell is no value.
            text = value.strip()
            try:
                value = float(text) if text else None
            except ValueError:
                reasons.append(f"value {value!r} is not a number")
                value = None
        if not is_missing(value):
            if not is_amount(value):
                reasons.append(f"value {value!r} is not a number >= 0")
            elif value > 0:
                amount = float(value)
        if reasons:
            problems.extend(f"row {number}: {reason}" for reason in reasons)
            continue
        assert moment is not None
        assert deal_id is not None
        when = as_utc(moment) if aware else moment
        by_deal.setdefault(deal_id, []).append((when, number, stage, amount))
    result: list[Track] = []
    for deal_id, entries in by_deal.items():
        # one kind of time (all naive, or all UTC), so they always order
        entries.sort(key=lambda entry: (entry[0], entry[1]))
        values = [e[3] for e in entries if e[3] is not None]
        result.append(
            Track(
                deal_id,
                tuple(e[2] for e in entries),
                tuple(e[0] for e in entries),
                values[-1] if values else None,
                tuple(e[1] for e in entries),
            )
        )
    if problems:
        raise SimulationInputError(what, problems)
    return result
