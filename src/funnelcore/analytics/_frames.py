"""Logs in, results out: the one place that knows where a log comes from.

Every metric of :mod:`funnelcore.analytics` reads its log through :func:`as_frame` and hands its
result back through :attr:`Source.build`. A log is any dataframe narwhals understands (pandas,
Polars eager or lazy, a DuckDB relation, a PyArrow table, ...) with the canonical columns of
:mod:`funnelcore._columns`, or the path of a CSV / JSON Lines file. Results come back in the
caller's frame type (a file path gives a Polars ``DataFrame``).

This module imports narwhals at the top, so the public modules import it inside their functions.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Literal, TypeAlias, cast

import attrs

try:
    import narwhals as nw
except ModuleNotFoundError as error:  # pragma: no cover - exercised without the extra only
    raise ModuleNotFoundError(
        "funnelcore.analytics needs the 'analytics' extra: pip install 'funnelcore[analytics]'",
        name=error.name,
    ) from error

from funnelcore import _columns as col
from funnelcore._missing import is_missing
from funnelcore.analytics._shape import DAY_US, check_columns, mixed_offsets
from funnelcore.errors import MetricsInputError

__all__ = [
    "MICROS",
    "CUT_ABOVE",
    "PART_EVENTS",
    "PARTS_AT_ONCE",
    "Kind",
    "Source",
    "as_frame",
    "collect_parts",
    "collect_rows",
    "deal_parts",
    "read_log_file",
    "sortable_text",
    "time_problem",
]

#: The type of a result column: text, whole number or real number.
Kind: TypeAlias = Literal["str", "int", "float"]

_DTYPES: dict[str, Any] = {"str": nw.String(), "int": nw.Int64(), "float": nw.Float64()}
#: The columns the metrics need; ``actor`` and the optional columns are used when present.
NEEDED: tuple[str, ...] = (col.DEAL_ID, col.STAGE, col.AT)


def read_log_file(path: str | os.PathLike[str]) -> Any:
    """Read a CSV, JSON Lines or Parquet event log into a Polars ``DataFrame``.

    It goes through :func:`funnelcore.read_log`, the library's one log reader: timestamps parsed,
    canonical column types, and every malformed row reported with its 1-based row number.

    Raises:
        LogReadError: the file is missing, of an unknown kind, or lacks a required column.
        InvalidLogError: some rows are malformed (each is listed).
    """
    from funnelcore._eventlog import read_log

    return read_log(path)


#: On Spark: the column of ``at`` in microseconds since the epoch (narwhals has no duration
#: arithmetic on Spark), and the counts of text times that are unusable or aware.
MICROS: Final = "__fc_micros"
_UNPARSEABLE: Final = "__fc_unparseable"
_AWARE: Final = "__fc_aware"
_NAIVE: Final = "__fc_naive"
#: A Polars log in memory with more events than ``CUT_ABOVE`` is grouped by parts of its deals,
#: two at a time, in parts of about ``PART_EVENTS`` events (see deal_parts, collect_parts).
PART_EVENTS: Final = 900_000
CUT_ABOVE: Final = 4_000_000


@attrs.frozen
class Source:
    """A log ready for the engine.

    Attributes:
        frame: the log as a narwhals LazyFrame with ``at`` as a datetime and ``stage`` as text.
        build: turns result columns into the caller's frame type.
        has_value: whether the log has a ``value`` column.
        micros: the column holding ``at`` as microseconds since the epoch, for an engine without
            duration arithmetic (Spark); ``None`` elsewhere, where ``at`` is subtracted directly.
        time_checks: aggregations to run with the null check of ``at``; :func:`time_problem` reads
            their values.
        height: the number of events of a log that came eager (already in memory); ``None`` for
            one that came lazy (a LazyFrame, such as ``polars.scan_parquet(path)``), read as the
            query runs. A file path is read into memory first (``read_log_file``).
        polars_in_memory: the log as given, when it is a Polars DataFrame: its columns know
            their null counts, which a query would take a fraction of a millisecond to ask.
    """

    frame: nw.LazyFrame[Any]
    build: Callable[[Mapping[str, Sequence[Any]], Mapping[str, Kind]], Any]
    has_value: bool
    micros: str | None = None
    time_checks: tuple[nw.Expr, ...] = ()
    height: int | None = None
    polars_in_memory: nw.DataFrame[Any] | None = None

    @property
    def lazy_input(self) -> bool:
        """Whether the log came lazy: read as the query runs rather than already in memory."""
        return self.height is None

    @property
    def columns(self) -> list[str]:
        """The log's column names."""
        return list(self.frame.collect_schema().names())


def as_frame(log: object, *, needed: Sequence[str] = NEEDED) -> Source:
    """Accept a log (any narwhals-supported dataframe or a file path) for the metrics.

    Eager PyArrow tables run on Polars (or DuckDB), since PyArrow has no ordered windows; so does
    a log with text times on any backend but Polars and Spark, the two that parse them by the
    audit's grammar (``_polars_times``, ``_spark_times``). Every other log runs on its own backend.

    Raises:
        MetricsInputError: the log lacks a needed column or a column has an unusable type.
        TypeError: ``log`` is neither a dataframe nor a path.
    """
    native: Any = log
    if isinstance(log, (str, os.PathLike)):
        native = read_log_file(cast("str | os.PathLike[str]", log))
    try:
        frame: nw.DataFrame[Any] | nw.LazyFrame[Any] | nw.Series[Any] = nw.from_native(native)
    except TypeError as error:
        raise TypeError(
            "expected a dataframe (pandas, Polars, DuckDB, PyArrow, ...), a file path or a list "
            f"of row dicts, got {type(native).__name__}"
        ) from error
    if isinstance(frame, nw.Series):
        raise TypeError(f"expected a dataframe, got a series ({type(native).__name__})")
    build = _builder(frame)
    lazy = _engine_frame(frame)
    schema = lazy.collect_schema()
    check_columns(schema.names(), needed)
    fixes: list[nw.Expr] = []
    micros: str | None = None
    time_checks: tuple[nw.Expr, ...] = ()
    spark = lazy.implementation.is_pyspark() or lazy.implementation.is_pyspark_connect()
    if col.AT in schema and spark:
        lazy, time_checks = _spark_times(lazy)
        micros = MICROS
    elif col.AT in schema:
        if (
            isinstance(schema[col.AT], (nw.String, nw.Object))
            and not lazy.implementation.is_polars()
        ):
            lazy = _on_polars(frame)
            schema = lazy.collect_schema()
        at_type = schema[col.AT]
        if isinstance(at_type, nw.Datetime):
            pass
        elif isinstance(at_type, nw.Date):
            fixes.append(nw.col(col.AT).cast(nw.Datetime("us")))
        elif isinstance(at_type, nw.String):
            lazy, time_checks = _polars_times(lazy)
        else:
            raise MetricsInputError(
                f"must hold datetimes, dates or ISO 8601 text, not {at_type}", column=col.AT
            )
    stage_type = schema.get(col.STAGE)
    if stage_type is not None and not isinstance(stage_type, nw.String):
        if isinstance(stage_type, (nw.Categorical, nw.Enum, nw.Object)):
            fixes.append(nw.col(col.STAGE).cast(nw.String()))
        else:
            raise MetricsInputError(
                f"must hold stage names as text, not {stage_type}", column=col.STAGE
            )
    has_value = col.VALUE in schema
    if has_value:
        value_type = schema[col.VALUE]
        if value_type.is_numeric():
            fixes.append(nw.col(col.VALUE).cast(nw.Float64()))
        elif _all_null(lazy, col.VALUE):
            # an empty column read without a type (pandas: object) holds no values at all
            fixes.append(nw.lit(None, nw.Float64()).alias(col.VALUE))
        else:
            raise MetricsInputError(f"must hold numbers, not {value_type}", column=col.VALUE)
    if fixes:
        lazy = lazy.with_columns(*fixes)
    return Source(
        frame=lazy,
        build=build,
        has_value=has_value,
        micros=micros,
        time_checks=time_checks,
        height=None if isinstance(frame, nw.LazyFrame) else len(frame),
        polars_in_memory=(
            frame if isinstance(frame, nw.DataFrame) and frame.implementation.is_polars() else None
        ),
    )


def _on_polars(frame: nw.DataFrame[Any] | nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
    """A log whose ``at`` is text or Python objects, moved to Polars to read its times.

    pandas parses text by one format guessed from the first row (a log mixing dates and times,
    fractions or offsets fails) and DuckDB asks for a format; Polars parses by the audit's
    grammar (``_polars_times``), as Spark does. A pandas object column of times becomes text
    first, cell by cell as the plain engine reads it (``eager_to_polars``).

    Raises:
        MetricsInputError: the frame cannot be converted.
    """
    from funnelcore._log_frames import eager_to_polars

    if isinstance(frame, nw.DataFrame):
        try:
            native: Any = eager_to_polars(frame, (col.AT,))
        except (TypeError, ValueError) as error:  # pragma: no cover - no column to blame
            raise MetricsInputError(f"cannot be read on Polars: {error}") from error
    else:
        native = frame.collect(backend="polars").to_native()
    lazy: nw.LazyFrame[Any] = nw.from_native(native.lazy())
    return lazy


def _spark_times(frame: nw.LazyFrame[Any]) -> tuple[nw.LazyFrame[Any], tuple[nw.Expr, ...]]:
    """Add ``at`` in microseconds since the epoch, computed by Spark itself.

    Timestamps give their instant; naive timestamps and dates give their wall-clock time read as
    UTC (so no session time zone or daylight saving moves them, as on every other engine). Text
    is parsed on Spark by the grammar of the audit (``_timestamps.PATTERN``): ``at`` becomes null
    where it does not parse, and the counts returned say how many did not, and how many carry a
    UTC offset and how many do not (a log may not mix them).

    Raises:
        MetricsInputError: ``at`` holds something else than timestamps, dates or text.
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from funnelcore._log_frames import _spark_parse
    from funnelcore._timestamps import TimestampProblem

    native: Any = frame.to_native()
    dtype = native.schema[col.AT].dataType
    at = F.col(col.AT)
    checks: tuple[nw.Expr, ...] = ()
    if isinstance(dtype, T.TimestampType):
        native = native.withColumn(MICROS, F.unix_micros(at))
    elif isinstance(dtype, T.DateType):
        native = native.withColumn(MICROS, F.unix_date(at).cast("long") * DAY_US)
    elif isinstance(dtype, T.TimestampNTZType):
        # From the wall-clock fields, which no time zone touches (a cast to TIMESTAMP or a
        # timestamp_diff would read them in the session's zone, across its daylight saving).
        seconds = F.hour(at) * 3600 + F.minute(at) * 60
        native = native.withColumn(
            MICROS,
            F.unix_date(at.cast("date")).cast("long") * DAY_US
            + seconds.cast("long") * 1_000_000
            + (F.date_part(F.lit("SECOND"), at) * 1_000_000).cast("long"),
        )
    elif isinstance(dtype, T.StringType):
        value, problem, aware, _ = _spark_parse(at)
        parsed = problem == F.lit(TimestampProblem.OK)
        native = native.withColumns(
            {
                MICROS: value,
                col.AT: F.when(parsed, F.timestamp_micros(value)),
                _UNPARSEABLE: (problem == F.lit(TimestampProblem.UNPARSEABLE)).cast("long"),
                _AWARE: (parsed & aware).cast("long"),
                _NAIVE: (parsed & ~aware).cast("long"),
            }
        )
        checks = tuple(nw.col(name).sum().alias(name) for name in (_UNPARSEABLE, _AWARE, _NAIVE))
    else:
        raise MetricsInputError(
            f"must hold datetimes, dates or ISO 8601 text, not {dtype.simpleString()}",
            column=col.AT,
        )
    return nw.from_native(native).lazy(), checks


def _polars_times(frame: nw.LazyFrame[Any]) -> tuple[nw.LazyFrame[Any], tuple[nw.Expr, ...]]:
    """Parse a text ``at`` on Polars by the audit's grammar, as the Spark path does.

    Times with a UTC offset become UTC; ``at`` is null where the text does not parse, and the
    checks returned count those rows and the rows with and without an offset (see
    :func:`time_problem`).
    """
    import polars as pl

    from funnelcore._log_frames import _polars_parse
    from funnelcore._timestamps import TimestampProblem

    moment, problem, aware, _ = _polars_parse(pl.col(col.AT))
    parsed = pl.col("_at_problem") == TimestampProblem.OK
    native: pl.LazyFrame = frame.to_native()
    native = (
        native.with_columns(moment, problem, aware)
        .with_columns(
            pl.when(parsed).then(pl.col("_at")).alias(col.AT),
            (pl.col("_at_problem") == TimestampProblem.UNPARSEABLE)
            .cast(pl.Int64)
            .alias(_UNPARSEABLE),
            (parsed & pl.col("_aware")).cast(pl.Int64).alias(_AWARE),
            (parsed & ~pl.col("_aware")).cast(pl.Int64).alias(_NAIVE),
        )
        .drop("_at", "_at_problem", "_aware")
    )
    checks = tuple(nw.col(name).sum().alias(name) for name in (_UNPARSEABLE, _AWARE, _NAIVE))
    return nw.from_native(native), checks


def deal_parts(
    source: Source, *, part_events: int = PART_EVENTS, cut_above: int = CUT_ABOVE
) -> list[nw.LazyFrame[Any]]:
    """A log of more than ``cut_above`` events cut by deal into parts of about ``part_events``.

    Used to group a large log by stage with a breakdown, or one that spells a stage otherwise
    than the process's values; without those, the stage filters of ``_stage_counts`` count it
    (faster, and at a lower peak).

    Why: on a log already in memory, Polars' ``group_by(stage)`` with ``n_unique(deal_id)``
    holds about 60 bytes per event besides the log: 640 MB at 10M events, on top of the log's own
    670 MB, where funnelcore keeps its peak under 1 GB. Parts of a ninth of that log, one at a
    time, peaked at 0.84 GB, and their smaller ``group_by``s ran fast enough to pay for the
    cutting (same time as the whole; ``benchmarks/bench_conversion_memory.py``). Twelve parts,
    two at a time (``collect_parts``), peaked at 0.87-0.92 GB (nine one at a time: 0.83-0.90 GB)
    and ran 1.05x faster than nine one at a time (median of 30 alternating rounds, 95% interval
    1.00x-1.10x); nine two at a time peaked at 0.91-0.94 GB. On a day the machine ran faster
    (2026-12-03), the cutting did not pay for itself: twelve parts ran 0.80x the whole-log
    ``group_by`` (the twelve filters alone took 75-94 ms of about 310), the price of the peak;
    six, eight or nine parts were no faster and peaked higher (0.92-1.03 GB), and cutting by a
    sort or ``partition_by`` held every part at once (1.2-1.6 GB).

    Exact: a deal falls in one part only (the part is a hash of its id), so per-deal counts and
    distinct-deal counts of the parts add up to those of the log; the hash only decides where a
    deal is counted. One part, the log itself, for a log of up to ``cut_above`` events (at 2M
    events two parts ran 0.76x the hand-written ``group_by``, one part 0.91x; at 4M four parts
    and one ran alike), for a lazy one (read as the query runs: cutting it would read it once
    per part) and on every other engine.
    """
    frame = source.frame
    height = source.height
    if height is None or height <= cut_above or not frame.implementation.is_polars():
        return [frame]
    import polars as pl

    from funnelcore._log_frames import cut_by_deal

    native: pl.LazyFrame = frame.to_native()
    parts = -(-height // part_events)
    return [
        nw.from_native(part)
        for part in cut_by_deal(native, pl.col(col.DEAL_ID), parts, in_memory=True)
    ]


def sortable_text(source: Source, name: str) -> Source:
    """``source`` with a pandas text column of dtype ``object`` turned into pandas' string dtype.

    Why: a breakdown takes each deal's maximum and minimum of the column, and pandas 2 refuses
    both on an ``object`` column where text and missing values meet (``TypeError``), where every
    other engine skips the missing ones. pandas' string dtype skips them too. Any other column
    or engine is left as it is (pandas 3 reads text as a string dtype already).
    """
    if not source.frame.implementation.is_pandas():
        return source
    import pandas as pd

    native = source.frame.to_native()
    column = native[name]
    if column.dtype != object or pd.api.types.infer_dtype(column, skipna=True) != "string":
        return source
    converted = native.assign(**{name: column.astype("string")})
    return attrs.evolve(source, frame=nw.from_native(converted).lazy())


def time_problem(row: Mapping[str, Any]) -> str | None:
    """What is wrong with a log's text times, from the values of :attr:`Source.time_checks`."""
    unparseable = row.get(_UNPARSEABLE) or 0
    if unparseable:
        return (
            f"cannot parse as datetimes: {unparseable} event(s) hold text that is not an ISO 8601 "
            "time; audit the log to find them"
        )
    if (row.get(_AWARE) or 0) and (row.get(_NAIVE) or 0):
        return mixed_offsets(row[_NAIVE], row[_AWARE])
    return None


def _all_null(frame: nw.LazyFrame[Any], name: str) -> bool:
    [row] = collect_rows(
        frame.select(nw.len().alias("rows"), nw.col(name).null_count().alias("nulls"))
    )
    return bool(row["rows"] == row["nulls"])


def _engine_frame(frame: nw.DataFrame[Any] | nw.LazyFrame[Any]) -> nw.LazyFrame[Any]:
    if isinstance(frame, nw.LazyFrame):
        return frame
    if frame.implementation.is_pyarrow():
        for backend in ("polars", "duckdb"):
            try:
                return frame.lazy(backend=backend)
            except (ImportError, ModuleNotFoundError):  # pragma: no cover - extras missing
                continue
    return frame.lazy()


def _builder(
    frame: nw.DataFrame[Any] | nw.LazyFrame[Any],
) -> Callable[[Mapping[str, Sequence[Any]], Mapping[str, Kind]], Any]:
    implementation: nw.Implementation = frame.implementation
    eager = isinstance(frame, nw.DataFrame)

    def build(data: Mapping[str, Sequence[Any]], kinds: Mapping[str, Kind]) -> Any:
        columns = {name: list(values) for name, values in data.items()}
        if implementation.is_polars():
            import polars as pl

            # Series by Series: a third of the time of narwhals.from_dict (44 against 140 us for
            # the 9 x 6 cells of stage_conversion), which counts against a small log.
            types = {"str": pl.String, "int": pl.Int64, "float": pl.Float64}
            built = pl.DataFrame(
                [
                    pl.Series(name, values, dtype=types[kinds[name]])
                    for name, values in columns.items()
                ]
            )
            return built if eager else built.lazy()
        schema = nw.Schema({name: _DTYPES[kinds[name]] for name in data})
        table = nw.from_dict(columns, schema=schema, backend="pyarrow")
        if eager:
            if implementation.is_pyarrow():
                return table.to_native()
            if implementation.is_pandas_like():
                return table.to_pandas()
            return table.to_native()  # pragma: no cover - another eager backend
        try:
            backend: Any = implementation
            if implementation.is_spark_like():
                # a Spark DataFrame in the caller's own session, made from the few result rows
                session = frame.to_native().sparkSession
                return table.lazy(backend=backend, session=session).to_native()
            return table.lazy(backend=backend).to_native()
        except (ValueError, TypeError, NotImplementedError, AssertionError):
            # A lazy backend narwhals cannot build from local data: hand back a PyArrow table,
            # which every backend reads.
            return table.to_native()

    return build


def rows_frame(
    rows: Sequence[Mapping[str, Any]],
    schema: nw.Schema,
    backend: Literal["polars", "pandas", "pyarrow"],
) -> Any:
    """``rows`` as a native dataframe of ``backend`` with ``schema`` (pandas built via PyArrow)."""
    data = {name: [row[name] for row in rows] for name in schema}
    if backend == "pandas":
        return nw.from_dict(data, schema=schema, backend="pyarrow").to_pandas()
    return nw.from_dict(data, schema=schema, backend=backend).to_native()


def result_rows(result: Any, needed: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The rows of a metric's result: a frame of any type narwhals reads, or a list of dicts.

    Raises:
        MetricsInputError: the result lacks a column in ``needed``.
    """
    if isinstance(result, Sequence) and not isinstance(result, (str, bytes)):
        rows = [dict(row) for row in cast("Sequence[Mapping[str, Any]]", result)]
        names = list(rows[0]) if rows else list(needed)
    else:
        frame: nw.DataFrame[Any] | nw.LazyFrame[Any] = nw.from_native(result)
        lazy = frame if isinstance(frame, nw.LazyFrame) else frame.lazy()
        names = list(lazy.collect_schema().names())
        rows = collect_rows(lazy)
    check_columns(names, needed)
    return rows


def collect_rows(frame: nw.LazyFrame[Any], *, streaming: bool = False) -> list[dict[str, Any]]:
    """Run a query with a small result and return its rows, nulls as ``None`` on every backend.

    ``streaming`` picks Polars' streaming engine (faster for the ordered windows of a large log);
    otherwise Polars runs in memory (several times faster for a plain ``group_by``). Both were
    measured with ``benchmarks/bench_metrics.py``; other backends choose for themselves.
    """
    if frame.implementation.is_polars():
        result = frame.collect(engine="streaming" if streaming else "in-memory")
    else:
        result = frame.collect()
    return _rows(result)


#: How many parts of a log (see ``deal_parts``) Polars groups at once.
PARTS_AT_ONCE: Final = 2


def collect_parts(parts: Sequence[nw.LazyFrame[Any]]) -> list[dict[str, Any]]:
    """The rows of every query in ``parts``, run ``PARTS_AT_ONCE`` at a time on Polars.

    Why two at a time: on Polars in memory (2 cores), ``collect_all`` of two parts'
    ``group_by``s ran 1.04x faster than one after the other (median of 30 alternating rounds at
    10M events, 95% interval 0.99x-1.07x) for 50-90 MB more at the peak, which smaller parts
    (``PART_EVENTS``) pay back. All nine at once ran no faster here, and on a machine with more
    cores would hold every part's hash tables at the same time: the peak the parts are there to
    avoid. Other engines run the queries one by one.
    """
    if not parts or not all(part.implementation.is_polars() for part in parts):
        return [row for part in parts for row in collect_rows(part)]
    import polars as pl

    rows: list[dict[str, Any]] = []
    for start in range(0, len(parts), PARTS_AT_ONCE):
        batch = [part.to_native() for part in parts[start : start + PARTS_AT_ONCE]]
        results = pl.collect_all(batch, engine="in-memory")
        for result in results:
            rows += _rows(nw.from_native(result))
    return rows


def _rows(result: nw.DataFrame[Any]) -> list[dict[str, Any]]:
    return [{key: _clean(value) for key, value in row.items()} for row in result.rows(named=True)]


def _clean(value: Any) -> Any:
    if is_missing(value):  # None, NaN, NaT, pandas NA
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()  # numpy scalars
    return value
