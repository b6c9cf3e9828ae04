"""Event logs as dataframes: the vectorised audit, written once with narwhals.

Every input is brought to a lazy frame with the canonical columns plus ``_order`` (a number that
follows the input's row order) and a parsed ``_at``:

- files, pandas, PyArrow, Polars (eager or lazy) and DuckDB relations run on **Polars** (files are
  scanned lazily; ``_order`` is the exact row index);
- a PySpark DataFrame runs on **Spark**, unchanged: nothing is collected but the violations and
  a few counts. ``_order`` is ``monotonically_increasing_id()``, which follows Spark's partition
  order (a file's order when Spark reads one file); row numbers are rebuilt from it exactly with
  one small count per partition.

The checks are one narwhals pipeline that both engines run, except two steps each engine does its
own way for speed and memory: finding each row's previous row in its deal (ordered windows on
Spark; one stable sort on a hash of the deal id and a shift on Polars) and turning stage and actor
texts into codes (expressions on Spark; a join with their few distinct values on Polars). Text
timestamps are parsed by each engine natively, by the one grammar of ``_timestamps``. The tests
hold every path to the plain-Python engine's reports. Only this module imports narwhals, polars
and pyspark, and only when called.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Final, TypeAlias, cast

from funnelcore import _columns as C
from funnelcore._actors import Role
from funnelcore._audit import (
    AuditReport,
    ProcessRules,
    Violation,
    sorted_report,
    texts_of,
    value_message,
)
from funnelcore._mapping import DEFAULT_MAPPING, ColumnMapping, plan_renames
from funnelcore._timestamps import PATTERN, TimestampProblem
from funnelcore._values import PATTERN as VALUE_PATTERN
from funnelcore._values import value_problem
from funnelcore.errors import LogReadError

if TYPE_CHECKING:
    import narwhals as nw
    import polars as pl

__all__ = [
    "PART_ROWS",
    "PART_ROWS_IN_MEMORY",
    "audit_frame",
    "callers_type",
    "cut_by_deal",
    "deal_parts",
    "eager_to_polars",
    "frame_to_columns",
    "malformed_violations",
    "native_frame",
    "object_columns_as_text",
    "plain_frame",
    "polars_read_errors",
    "prepare",
]

_ROLES: Final = tuple(role.value for role in Role)
_MASK: Final = (1 << 33) - 1


def _require_analytics(what: str) -> None:
    from funnelcore._log_source import has_analytics

    if not has_analytics():
        raise LogReadError(  # pragma: no cover - the tests run with the extra
            what,
            "reading dataframes needs the analytics extra: pip install 'funnelcore[analytics]'",
        )


def _is_spark(native: object) -> bool:
    module = type(native).__module__
    return module.startswith("pyspark.sql")


def native_frame(source: object, label: str) -> Any:
    """``source`` as a narwhals frame (eager or lazy), refusing what funnelcore cannot run.

    Raises:
        LogReadError: not a dataframe narwhals knows, or a Dask frame (not supported).
    """
    _require_analytics(label)
    import narwhals as nw

    module = type(source).__module__
    if module.startswith("dask"):
        raise LogReadError(
            label,
            "Dask DataFrames are not supported (their row order is not defined across "
            "partitions); call .compute() for pandas, or use PySpark to scale out",
        )
    native: Any = source
    try:
        return nw.from_native(native)
    except TypeError as error:
        raise LogReadError(
            label,
            "expected a path, a sequence of row mappings, or a dataframe "
            "(pandas, Polars, DuckDB, PyArrow, PySpark)",
        ) from error


def frame_to_columns(
    source: object, label: str, *, parquet: bool
) -> tuple[list[str], dict[str, list[Any]]]:
    """Collect a dataframe (or a Parquet file) into plain Python columns, in row order."""
    if parquet:
        _require_analytics(label)
        import polars as pl

        data = pl.read_parquet(source)  # type: ignore[arg-type]
        return data.columns, {name: data[name].to_list() for name in data.columns}
    frame: Any = native_frame(source, label)
    import narwhals as nw

    lazy = isinstance(frame, nw.LazyFrame)
    if lazy:
        native = cast(Any, frame.to_native())
        if _is_spark(native):
            rows = cast("list[Any]", native.collect())
            names = cast("list[str]", list(native.columns))
            return names, {name: [row[i] for row in rows] for i, name in enumerate(names)}
        polars_frame = _polars_lazy(cast(Any, frame), label).collect()
        _check_at_type(nw.from_native(polars_frame).schema, C.AT, label)
        return polars_frame.columns, {n: polars_frame[n].to_list() for n in polars_frame.columns}
    _check_at_type(frame.schema, C.AT, label)
    return frame.columns, {name: frame[name].to_list() for name in frame.columns}


def _check_at_type(schema: Any, name: str, label: str) -> None:
    import narwhals as nw

    dtype = schema.get(name)
    if dtype is None:
        return
    if dtype in (nw.String, nw.Date, nw.Unknown, nw.Object) or isinstance(dtype, nw.Datetime):
        return
    raise LogReadError(
        label, f"column {name!r} holds {dtype}; expected timestamps, dates or ISO 8601 text"
    )


# -- bringing any input to a prepared lazy frame ------------------------------------------------


class Prepared:
    """A log as a narwhals LazyFrame with the private columns the audit needs.

    Attributes:
        frame: canonical columns, extras, and ``_order``, ``_at``, ``_at_problem``, ``_at_raw``.
        row_of: turns an ``_order`` value into the 1-based row number.
        spark: whether it runs on Spark.
        sized: whether counting the rows takes no pass over the data (a frame in memory, a
            Parquet file's metadata).
        in_memory: whether the log is a frame already in memory (not a file scanned lazily).
    """

    def __init__(
        self,
        frame: Any,
        row_of: Callable[[int], int],
        *,
        spark: bool,
        aware: bool,
        sized: bool = False,
        in_memory: bool = False,
    ) -> None:
        self.frame = frame
        self.row_of = row_of
        self.spark = spark
        self.aware = aware
        self.sized = sized
        self.in_memory = in_memory


def _polars_lazy(
    frame: nw.DataFrame[Any] | nw.LazyFrame[Any], label: str, text_columns: Iterable[str] = ()
) -> pl.LazyFrame:
    """A narwhals frame of any non-Spark backend as a Polars LazyFrame, row order kept.

    A pandas object column among ``text_columns`` (or one Polars cannot convert) becomes text,
    cell by cell (``eager_to_polars``).
    """
    import narwhals as nw
    import polars as pl

    native = nw.to_native(frame)
    if isinstance(native, pl.LazyFrame):
        return native
    if isinstance(native, pl.DataFrame):
        return native.lazy()
    if isinstance(frame, nw.DataFrame):
        try:
            return eager_to_polars(frame, text_columns).lazy()
        except (TypeError, ValueError) as error:  # pragma: no cover - no column to blame
            raise LogReadError(label, _first_line(error)) from error
    # narwhals names the library: a class's module does not (DuckDB 1.x calls it "_duckdb")
    if frame.implementation.is_duckdb():
        # DuckDB keeps insertion order for a query without ORDER BY (preserve_insertion_order).
        return pl.from_arrow(native.to_arrow_table()).lazy()  # type: ignore[union-attr]
    raise LogReadError(label, f"cannot run on {type(native).__name__} frames")


def object_columns_as_text(
    frame: nw.DataFrame[Any] | nw.LazyFrame[Any], names: Iterable[str]
) -> nw.DataFrame[Any] | nw.LazyFrame[Any]:
    """A pandas log with its object columns among ``names`` as text, as the plain engine reads them.

    The plain-Python engine reads deal ids, stages, actors and times cell by cell as text. A
    pandas object column may hold several types: converted whole (by pyarrow, on the way to
    Polars), ``1`` beside ``"1"`` fails, and a naive time beside aware ones silently reads as
    UTC. As text, every cell reads as the plain engine reads it (a time through the audit's
    grammar: a naive one in an aware log is reported, not moved). Any other frame or column
    comes back as it is.
    """
    import narwhals as nw

    if not isinstance(frame, nw.DataFrame) or not frame.implementation.is_pandas():
        return frame
    schema = frame.schema
    mixed = [name for name in names if schema.get(name) == nw.Object]
    if not mixed:
        return frame
    native: Any = frame.to_native()
    # (a column of text and None: narwhals and pyarrow read it as text)
    texts = {name: texts_of(native[name].tolist()) for name in mixed}
    converted: nw.DataFrame[Any] = nw.from_native(native.assign(**texts))
    return converted


def eager_to_polars(frame: nw.DataFrame[Any], text_columns: Iterable[str] = ()) -> pl.DataFrame:
    """An eager frame as Polars; a pandas object column becomes text where it must.

    The object columns among ``text_columns``, and any other that Polars cannot convert whole
    (``1`` beside ``"web"``), become text as the plain engine reads them
    (``object_columns_as_text``): a column the caller never reads cannot make the log unusable.

    Raises:
        TypeError, ValueError: the frame cannot be converted, and no single column is to blame.
    """
    frame = cast("nw.DataFrame[Any]", object_columns_as_text(frame, text_columns))
    try:
        return frame.to_polars()
    except (TypeError, ValueError):  # pyarrow's ArrowTypeError, ArrowInvalid
        native: Any = frame.to_native()
        mixed = [name for name in native.columns if not _converts(native, name)]
        if not frame.implementation.is_pandas() or not mixed:
            raise
    return cast("nw.DataFrame[Any]", object_columns_as_text(frame, mixed)).to_polars()


def _converts(native: Any, name: str) -> bool:
    """Whether Polars converts the pandas column ``name`` alone."""
    import polars as pl

    if native[name].dtype != object:
        return True
    try:
        pl.from_pandas(native[[name]])
    except (TypeError, ValueError):
        return False
    return True


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class _PolarsCannotRead(LogReadError):
    """Polars cannot scan a CSV or JSON Lines file (see :func:`polars_read_errors`)."""


def polars_read_errors(kind: str) -> tuple[type[Exception], ...]:
    """The errors of a ``kind`` file that Polars reads more strictly than the plain reader.

    Polars refuses a CSV row with more cells than the header, an unclosed quote, bytes that are
    not UTF-8, or JSON Lines with objects where text belongs; some of it only when a query runs.
    The ``csv`` and ``json`` modules read such files (or say which line is not JSON): a caller
    that catches these errors reads the file as the plain engine does (:func:`plain_frame`), so
    it is reported row by row, never refused whole. Empty for any other kind of log.
    """
    if kind not in ("csv", "jsonl"):
        return ()
    import narwhals as nw
    import polars as pl

    # Any of Polars' errors: which one depends on the file (a ragged row is a ComputeError, a
    # struct where text belongs an InvalidOperationError), and narwhals re-raises them as its own.
    return (pl.exceptions.PolarsError, nw.exceptions.NarwhalsError, _PolarsCannotRead)


def plain_frame(source: object) -> pl.DataFrame:
    """A CSV or JSON Lines file read by the plain reader, as a Polars frame (see above).

    A column of one type keeps it; any other (``1`` beside ``"1"``) becomes text cell by cell,
    as the plain engine reads it (the reader already gives a nested JSON cell as its text).

    Raises:
        LogReadError: the file cannot be read at all (a line that is not JSON, bytes that are
            not UTF-8), with the plain reader's reason.
    """
    import polars as pl

    from funnelcore._log_source import load_raw

    names, data, _ = load_raw(source)
    columns: list[pl.Series] = []
    for name in names:
        values: list[object] = data[name]
        if len(set(map(type, values)) - {type(None)}) <= 1:
            columns.append(pl.Series(name, values))
        else:
            columns.append(pl.Series(name, texts_of(values), dtype=pl.String))
    return pl.DataFrame(columns)


def prepare(source: object, kind: str, mapping: ColumnMapping | None, label: str) -> Prepared:
    """Bring any log to a :class:`Prepared` frame (lazy; nothing is computed yet).

    Raises:
        LogReadError: the log cannot be read or lacks a required column.
    """
    _require_analytics(label)
    import narwhals as nw
    import polars as pl

    if kind in ("csv", "jsonl", "parquet"):
        try:
            if kind == "csv":
                lazy = pl.scan_csv(source, infer_schema=False)  # type: ignore[arg-type]
            elif kind == "jsonl":
                lazy = pl.scan_ndjson(source, infer_schema_length=None)  # type: ignore[arg-type]
            else:
                lazy = pl.scan_parquet(source)  # type: ignore[arg-type]
            columns = lazy.collect_schema().names()
        except OSError as error:
            raise LogReadError(label, _first_line(error)) from error
        except pl.exceptions.PolarsError as error:
            raise _PolarsCannotRead(label, _first_line(error)) from error
        prepared = _prepare_polars(lazy, columns, mapping, label, at_is_text=kind == "csv")
        # a Parquet file's row count is in its metadata; a text file's would take a pass
        prepared.sized = kind == "parquet"
        return prepared
    frame = native_frame(source, label)
    native = nw.to_native(frame)
    if _is_spark(native):
        return _prepare_spark(native, mapping, label)
    # the columns the audit reads, by the caller's names
    names = mapping or DEFAULT_MAPPING
    read_as_text = [getattr(names, column) for column in C.REQUIRED_COLUMNS]
    lazy = _polars_lazy(frame, label, read_as_text)
    prepared = _prepare_polars(
        lazy, lazy.collect_schema().names(), mapping, label, at_is_text=False
    )
    if isinstance(frame, nw.DataFrame):
        prepared.sized = prepared.in_memory = True
    return prepared


def _prepare_polars(
    lazy: pl.LazyFrame,
    columns: list[str],
    mapping: ColumnMapping | None,
    label: str,
    *,
    at_is_text: bool,
) -> Prepared:
    import narwhals as nw
    import polars as pl

    renames = plan_renames(columns, mapping, label)
    lazy = lazy.rename(renames).with_row_index("_order")
    dtype = lazy.collect_schema()[C.AT]
    raw = pl.col(C.AT)
    aware = isinstance(dtype, pl.Datetime) and dtype.time_zone is not None
    if at_is_text or dtype == pl.String or dtype == pl.Categorical:
        text = raw.cast(pl.String)
        lazy = lazy.with_columns(_polars_parse(text))
        aware = bool(lazy.select(pl.col("_aware").any()).collect().item())
        settled = _settle(pl.col, pl.lit, aware)
        lazy = lazy.with_columns(
            _at_problem=settled.get("_at_problem", pl.col("_at_problem")).cast(pl.Int8),
            _at=settled.get("_at", pl.col("_at")).cast(pl.Datetime("us")),
        ).drop("_aware")
    elif dtype == pl.Null:
        lazy = lazy.with_columns(
            _at=pl.lit(None, pl.Datetime("us")),
            _at_problem=pl.lit(TimestampProblem.MISSING, pl.Int8),
            _at_raw=pl.lit(None, pl.String),
        )
    elif isinstance(dtype, (pl.Datetime, pl.Date)):
        moment = raw.cast(pl.Datetime("us")) if dtype == pl.Date else raw
        lazy = lazy.with_columns(
            _at=moment,
            _at_problem=pl.when(raw.is_null())
            .then(pl.lit(TimestampProblem.MISSING, pl.Int8))
            .otherwise(pl.lit(TimestampProblem.OK, pl.Int8)),
            _at_raw=pl.lit(None, pl.String),
        )
    else:
        raise LogReadError(
            label, f"column {C.AT!r} holds {dtype}; expected timestamps, dates or ISO 8601 text"
        )
    return Prepared(nw.from_native(lazy), lambda order: order + 1, spark=False, aware=aware)


def _polars_parse(text: pl.Expr) -> list[pl.Expr]:
    """Polars expressions parsing text by ``_timestamps.PATTERN`` (see ``parse_timestamp``)."""
    import polars as pl

    stripped = text.str.strip_chars()
    groups = stripped.str.extract_groups(PATTERN)

    def group(number: int) -> pl.Expr:
        return groups.struct.field(str(number))

    fraction = group(7).fill_null("0").str.slice(0, 6).str.pad_end(6, "0")
    canonical = pl.concat_str(
        [
            group(1),
            pl.lit("-"),
            group(2),
            pl.lit("-"),
            group(3),
            pl.lit(" "),
            group(4).fill_null("00"),
            pl.lit(":"),
            group(5).fill_null("00"),
            pl.lit(":"),
            group(6).fill_null("00"),
            pl.lit("."),
            fraction,
        ]
    )
    naive = canonical.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f", strict=False)
    minutes = group(9).cast(pl.Int64) * 60 + group(10).cast(pl.Int64)
    signed = pl.when(group(8) == "-").then(-minutes).otherwise(minutes).fill_null(0)
    has_offset = group(8).is_not_null() | group(11).is_not_null()
    blank = text.is_null() | (stripped.str.len_chars() == 0)
    problem = (
        pl.when(blank)
        .then(pl.lit(TimestampProblem.MISSING, pl.Int8))
        .when(naive.is_null())
        .then(pl.lit(TimestampProblem.UNPARSEABLE, pl.Int8))
        .otherwise(pl.lit(TimestampProblem.OK, pl.Int8))
    )
    return [
        (naive - pl.duration(minutes=signed)).alias("_at"),
        problem.alias("_at_problem"),
        (has_offset & naive.is_not_null()).alias("_aware"),
        text.alias("_at_raw"),
    ]


def _settle(col: Any, lit: Any, aware: bool) -> dict[str, Any]:
    """Once it is known whether the log is aware, naive rows of an aware log lose their time.

    Returns ``{column: expression}`` in the engine of ``col``/``lit`` (Polars or Spark).
    """
    if not aware:
        return {}
    naive_in_aware = (col("_at_problem") == TimestampProblem.OK) & ~col("_aware")
    return {
        "_at_problem": _when(naive_in_aware, lit(TimestampProblem.NO_OFFSET), col("_at_problem")),
        "_at": _when(naive_in_aware, lit(None), col("_at")),
    }


def _when(condition: Any, then: Any, otherwise: Any) -> Any:
    module = type(condition).__module__
    if module.startswith("polars"):
        import polars as pl

        return pl.when(condition).then(then).otherwise(otherwise)
    from pyspark.sql import functions as F

    return F.when(condition, then).otherwise(otherwise)


# -- Spark --------------------------------------------------------------------------------------


def _prepare_spark(native: Any, mapping: ColumnMapping | None, label: str) -> Prepared:
    import narwhals as nw
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    renames = plan_renames(list(native.columns), mapping, label)
    frame = native
    for old, new in renames.items():
        frame = frame.withColumnRenamed(old, new)
    # Row numbers: the partition each row sits in and its place there, from the source itself.
    sizes = {
        row["p"]: row["n"]
        for row in frame.groupBy(F.spark_partition_id().alias("p"))
        .agg(F.count(F.lit(1)).alias("n"))
        .collect()
    }
    offsets: dict[int, int] = {}
    running = 0
    for partition in sorted(sizes):
        offsets[partition] = running
        running += sizes[partition]
    frame = frame.withColumn("_order", F.monotonically_increasing_id())
    dtype = frame.schema[C.AT].dataType
    raw = F.col(C.AT)
    aware = isinstance(dtype, T.TimestampType)
    if isinstance(dtype, T.StringType):
        frame = frame.select("*", *_spark_parse(raw))
        aware = bool(frame.agg(F.max(F.col("_aware").cast("int"))).collect()[0][0] or 0)
        settled = _settle(F.col, F.lit, aware)
        if settled:  # both at once: each expression reads the columns as they were
            frame = frame.withColumns(settled)
        frame = frame.drop("_aware")
    elif isinstance(dtype, (T.TimestampType, T.TimestampNTZType, T.DateType)):
        frame = frame.select(
            "*",
            F.unix_micros(raw.cast("timestamp")).alias("_at"),
            F.when(raw.isNull(), F.lit(TimestampProblem.MISSING))
            .otherwise(F.lit(TimestampProblem.OK))
            .alias("_at_problem"),
            F.lit(None).cast("string").alias("_at_raw"),
        )
    elif isinstance(dtype, T.NullType):
        frame = frame.select(
            "*",
            F.lit(None).cast("long").alias("_at"),
            F.lit(TimestampProblem.MISSING).alias("_at_problem"),
            F.lit(None).cast("string").alias("_at_raw"),
        )
    else:
        raise LogReadError(
            label,
            f"column {C.AT!r} holds {dtype.simpleString()}; "
            "expected timestamps, dates or ISO 8601 text",
        )

    def row_of(order: int) -> int:
        return offsets[order >> 33] + (order & _MASK) + 1

    return Prepared(nw.from_native(frame), row_of, spark=True, aware=aware)


def _spark_parse(raw: Any) -> list[Any]:
    """Spark columns parsing text by ``_timestamps.PATTERN`` into UTC microseconds."""
    from pyspark.sql import functions as F

    stripped = F.trim(raw)

    def group(number: int) -> Any:
        value = F.regexp_extract(stripped, PATTERN, number)
        return F.when(value != "", value)

    matches = stripped.rlike(PATTERN)
    fraction = F.rpad(F.substring(F.coalesce(group(7), F.lit("0")), 1, 6), 6, "0")
    canonical = F.concat(
        group(1),
        F.lit("-"),
        group(2),
        F.lit("-"),
        group(3),
        F.lit(" "),
        F.coalesce(group(4), F.lit("00")),
        F.lit(":"),
        F.coalesce(group(5), F.lit("00")),
        F.lit(":"),
        F.coalesce(group(6), F.lit("00")),
        F.lit("."),
        fraction,
        F.lit("Z"),
    )
    parsed = F.try_to_timestamp(F.when(matches, canonical), F.lit("yyyy-MM-dd HH:mm:ss.SSSSSSX"))
    minutes = group(9).try_cast("long") * 60 + group(10).try_cast("long")
    signed = F.coalesce(F.when(group(8) == "-", -minutes).otherwise(minutes), F.lit(0))
    micros = F.unix_micros(parsed) - signed * 60_000_000
    has_offset = group(8).isNotNull() | group(11).isNotNull()
    blank = raw.isNull() | (F.length(stripped) == 0)
    problem = (
        F.when(blank, F.lit(TimestampProblem.MISSING))
        .when(parsed.isNull(), F.lit(TimestampProblem.UNPARSEABLE))
        .otherwise(F.lit(TimestampProblem.OK))
    )
    return [
        F.when(parsed.isNotNull(), micros).alias("_at"),
        problem.alias("_at_problem"),
        (has_offset & parsed.isNotNull()).alias("_aware"),
        raw.alias("_at_raw"),
    ]


# -- the checks, once, in narwhals --------------------------------------------------------------


def _text_or_null(name: str) -> nw.Expr:
    import narwhals as nw

    text = nw.col(name).cast(nw.String)
    return nw.when(text.str.strip_chars().str.len_chars() > 0).then(text)


def _walk(base: Any, rules: ProcessRules, *, spark: bool, by_key: bool = False) -> Any:
    """Add each row's previous row in its deal (order, stage, time) and the deal's closing row.

    On Spark these are window functions over each deal ordered by ``_order``. On Polars the same
    columns come from one stable sort that brings each deal's rows together in input order, and
    a shift masked where the deal changes: several times faster than ordered windows, and the
    same values (the engines' tests compare them on every rule).
    """
    import narwhals as nw

    terminal = nw.col("_stage_code").is_in([rules.stage_values.index(t) for t in rules.terminal])

    def closed(group: str) -> Any:
        return nw.when(terminal).then(nw.col("_order")).min().over(group)

    if spark:
        window = {"order_by": "_order"}
        previous_at = nw.col("_at").shift(1).over("_deal", **window)
        return base.with_columns(
            _prev_order=nw.col("_order").shift(1).over("_deal", **window),
            _prev_code=nw.col("_stage_code").shift(1).over("_deal", **window),
            _earlier=nw.col("_at") < previous_at,
            _closed_order=closed("_deal"),
        )
    import polars as pl

    deal = pl.col("_deal")
    kept = ("_order", "_stage_code", "_stage_missing", "_role_code", "_at", "_at_problem")
    if by_key:
        # Exact whatever the ids hash to: a (deal code, order) key, the deal as a categorical.
        code = deal.cast(pl.Categorical).to_physical()
        narrow = nw.to_native(base).select(*kept, code.alias("_deal"))
        key = deal.cast(pl.UInt64) * (1 << 32) + pl.col("_order").cast(pl.UInt64)
        lazy = narrow.sort(key, nulls_last=True)
        collided: pl.Expr = pl.lit(False)
        group = "_deal"
    else:
        # A stable sort on a hash of the deal id brings each deal's rows together and keeps
        # them in input order, as they reach it (``_order`` counts up; the joins of
        # _normalise_polars keep the log's order; the ``misordered`` count of _checks verifies
        # that on every run). A categorical code of the ids took 3.1 s to make at 10M events,
        # the hash 0.02 s. Two ids with one hash would interleave their rows: ``_collided``
        # marks a row whose hash is its predecessor's but whose deal is not, and the
        # ``collided`` count of _checks sends such a log to the keyed sort.
        narrow = nw.to_native(base).select(*kept, "_deal", _group_key(deal).alias("_group"))
        lazy = narrow.sort("_group", maintain_order=True)
        collided = (pl.col("_group") == pl.col("_group").shift(1)) & deal.ne_missing(deal.shift(1))
        group = "_group"
    same = deal.is_not_null() & (deal == deal.shift(1))

    def previous(name: str) -> pl.Expr:
        return pl.when(same).then(pl.col(name).shift(1))

    lazy = lazy.with_columns(
        _prev_order=previous("_order"),
        _prev_code=previous("_stage_code"),
        _earlier=pl.col("_at") < previous("_at"),
        _collided=collided.fill_null(False),
    ).drop("_at")
    walked = nw.from_native(lazy).with_columns(_closed_order=closed(group))
    return walked.drop("_group", strict=False)


def _group_key(deal: pl.Expr) -> pl.Expr:
    """The key the Polars walk sorts deals by: a hash of the id (see :func:`_walk`)."""
    return deal.hash()


#: Stage and role codes are combined into one integer per move: (source * K + target) * R + role.
_K: Final = 1 << 12
_R: Final = 8


def _normalise(frame: Any, rules: ProcessRules) -> Any:
    """Add ``_deal``, stage and role codes and whether they are missing (narwhals, any engine)."""
    import narwhals as nw

    codes = {key: rules.stage_values.index(value) for key, value in rules.keys.items()}
    stage_raw = nw.col(C.STAGE).cast(nw.String)
    actor_raw = nw.col(C.ACTOR).cast(nw.String)
    key = stage_raw.str.strip_chars().str.to_lowercase()
    role = actor_raw.str.strip_chars().str.to_lowercase()
    return frame.with_columns(
        _deal=_text_or_null(C.DEAL_ID).str.strip_chars(),
        _stage_missing=stage_raw.is_null() | (key.str.len_chars() == 0),
        _stage_code=key.replace_strict(
            list(codes), list(codes.values()), default=None, return_dtype=nw.Int16
        ),
        _role_code=role.replace_strict(
            list(_ROLES), list(range(len(_ROLES))), default=None, return_dtype=nw.Int8
        ),
    )


#: The stage and actor code tables of a log (see :func:`_code_tables`).
_CodeTables: TypeAlias = "tuple[pl.LazyFrame, pl.LazyFrame]"


def _normalise_polars(frame: Any, rules: ProcessRules, tables: _CodeTables | None = None) -> Any:
    """``_normalise`` on Polars, light on memory: stage and actor texts are few distinct values.

    Each distinct text is normalised once, in Python, by the plain-Python engine's own rules, and
    the codes are joined on (a per-row string replace costs about 60 bytes a row at 10M rows).
    ``tables`` are the code tables of a log this frame is a part of (see :func:`_code_tables`).
    """
    import narwhals as nw
    import polars as pl

    lazy: pl.LazyFrame = nw.to_native(frame).with_columns(
        pl.col(C.STAGE).cast(pl.String).alias("_stage_raw"),
        pl.col(C.ACTOR).cast(pl.String).alias("_actor_raw"),
    )
    stage_table, actor_table = tables if tables is not None else _code_tables(frame, rules)
    deal = pl.col(C.DEAL_ID).cast(pl.String).str.strip_chars()
    joined = (
        lazy.join(stage_table, on="_stage_raw", how="left", nulls_equal=True, maintain_order="left")
        .join(actor_table, on="_actor_raw", how="left", nulls_equal=True, maintain_order="left")
        .with_columns(
            pl.when(deal.str.len_chars() > 0).then(deal).alias("_deal"),
            pl.col("_stage_missing").fill_null(True),
        )
        .drop("_stage_raw", "_actor_raw")
    )
    return nw.from_native(joined)


def _code_tables(frame: Any, rules: ProcessRules) -> _CodeTables:
    """Each distinct stage and actor text of a prepared Polars log with its code: one pass.

    Stage texts get ``_stage_code`` and ``_stage_missing``, actor texts ``_role_code``, by the
    plain-Python engine's own rules. A log audited in parts (see :func:`deal_parts`) reads them
    once for all its parts: each part's own pass re-read the file (0.3 s a part at 10M events,
    against 0.2 s for the whole log).
    """
    import narwhals as nw
    import polars as pl

    from funnelcore._audit import role_of, texts_of

    lazy: pl.LazyFrame = nw.to_native(frame)
    distinct = pl.collect_all(
        [
            lazy.select(pl.col(C.STAGE).cast(pl.String).alias("_stage_raw").unique()),
            lazy.select(pl.col(C.ACTOR).cast(pl.String).alias("_actor_raw").unique()),
        ]
    )
    stage_texts = distinct[0]["_stage_raw"].to_list()
    actor_texts = distinct[1]["_actor_raw"].to_list()
    stage_cells = texts_of(stage_texts)
    roles = [role_of(text) for text in texts_of(actor_texts)]
    stage_table = pl.LazyFrame(
        {
            "_stage_raw": stage_texts,
            "_stage_code": [None if text is None else _code(rules, text) for text in stage_cells],
            "_stage_missing": [text is None for text in stage_cells],
        },
        schema={"_stage_raw": pl.String, "_stage_code": pl.Int16, "_stage_missing": pl.Boolean},
    )
    actor_table = pl.LazyFrame(
        {
            "_actor_raw": actor_texts,
            "_role_code": [None if role is None else _ROLES.index(role) for role in roles],
        },
        schema={"_actor_raw": pl.String, "_role_code": pl.Int8},
    )
    return stage_table, actor_table


def _code(rules: ProcessRules, text: str) -> int | None:
    value = rules.keys.get(text.strip().lower())
    return None if value is None else rules.stage_values.index(value)


def _malformed_flag() -> Any:
    """Whether a normalised row lacks or cannot use its deal id, stage, time or actor."""
    import narwhals as nw

    return (
        nw.col("_deal").is_null()
        | nw.col("_stage_missing")
        | (nw.col("_at_problem") != TimestampProblem.OK)
        | nw.col("_role_code").is_null()
    )


def _checks(
    frame: Any,
    rules: ProcessRules,
    *,
    spark: bool,
    by_key: bool = False,
    tables: _CodeTables | None = None,
) -> tuple[Any, Any]:
    """The violation candidates and the counts (two lazy frames) of a prepared log.

    Stages and roles are turned into small integer codes (their index in the process's stages
    and in the roles) once per row, so the move checks compare integers, not strings. On Polars
    the counts include ``misordered``: rows whose previous row in the deal comes later in the
    input, which only a sort that did not keep the input order can produce (see ``_walk``).
    """
    import narwhals as nw

    base = _normalise(frame, rules) if spark else _normalise_polars(frame, rules, tables)
    walked = _walk(base, rules, spark=spark, by_key=by_key)
    has_deal = ~nw.col("_deal").is_null()
    stage = nw.col("_stage_code")
    first = has_deal & nw.col("_prev_order").is_null()
    after = (
        has_deal & ~nw.col("_closed_order").is_null() & (nw.col("_closed_order") < nw.col("_order"))
    )
    judged = has_deal & ~first & ~after & ~stage.is_null() & ~nw.col("_prev_code").is_null()
    pair = nw.col("_prev_code").cast(nw.Int64) * _K + stage
    triple = pair * _R + nw.col("_role_code")
    index = rules.stage_values.index
    edges = [index(source) * _K + index(target) for source, target in rules.moves]
    allowed = [
        (index(source) * _K + index(target)) * _R + _ROLES.index(role_name)
        for source, target, role_name in rules.allowed
    ]
    refused = [_ROLES.index(r) for r in _ROLES if r not in rules.open_by] or [-1]
    flags = {
        "_malformed": _malformed_flag(),
        "_unknown": ~nw.col("_stage_missing") & stage.is_null(),
        "_not_from_entry": first & ~stage.is_null() & (stage != index(rules.entry)),
        "_open_refused": first
        & (stage == index(rules.entry))
        & nw.col("_role_code").is_in(refused),
        "_after": after,
        "_illegal": judged & ~pair.is_in(edges),
        "_actor": judged
        & pair.is_in(edges)
        & ~nw.col("_role_code").is_null()
        & ~triple.is_in(allowed),
        "_out_of_order": has_deal & ~first & nw.col("_earlier"),
    }
    flagged = walked.with_columns(**{name: expr.fill_null(False) for name, expr in flags.items()})
    any_flag = nw.any_horizontal(*(nw.col(name) for name in flags), ignore_nulls=True)
    kept = [
        "_order",
        "_stage_code",
        "_role_code",
        "_at_problem",
        "_prev_order",
        "_prev_code",
        "_closed_order",
        *flags,
    ]
    candidates = flagged.filter(any_flag).select(*kept)
    # Every deal has exactly one first row: counting them counts the deals.
    tallies = [
        nw.len().alias("rows"),
        (first.fill_null(False)).cast(nw.Int64).sum().alias("deals"),
    ]
    if not spark:
        misordered = (nw.col("_prev_order") > nw.col("_order")).fill_null(False)
        tallies.append(misordered.cast(nw.Int64).sum().alias("misordered"))
        tallies.append(nw.col("_collided").cast(nw.Int64).sum().alias("collided"))
    counts = flagged.select(*tallies)
    return candidates, counts


#: Rows per part when a large log is audited one part of its deals at a time (see deal_parts):
#: of a file scanned lazily (each part reads the file again) and of a frame already in memory.
PART_ROWS: Final = 5_000_000
PART_ROWS_IN_MEMORY: Final = 1_250_000


def deal_parts(prepared: Prepared, *, part_rows: int | None = None) -> list[Any]:
    """The prepared log cut by deal into parts of about ``part_rows`` rows, audited in turn.

    Why: the audit's joins, sort and shifts hold 50-100 bytes a row besides the log. At 10M rows
    (``benchmarks/bench_audit.py`` and a frame of its log loaded first):

    - from Parquet, the whole-log audit peaked at 1.18-1.22 GB; two parts at 0.74-0.82 GB, 8%
      slower (the filter is pushed into the scan, so a part reads only its own rows' columns);
    - from a frame in memory (0.68 GB), 1.05-1.13 GB in four parts; 0.95-0.98 GB in eight,
      about 10% slower than four.

    Exact: every rule looks at one deal's rows only, and a deal lies in one part (the part is a
    hash of its id as ``_normalise_polars`` reads it, spaces stripped). ``_order`` is numbered
    before the cut, so row numbers are the log's. One part, the log itself, when the log is
    small or its size is unknown without a pass over it (a CSV or JSON Lines file, a LazyFrame).
    """
    import narwhals as nw
    import polars as pl

    if not prepared.sized:
        return [prepared.frame]
    if part_rows is None:
        part_rows = PART_ROWS_IN_MEMORY if prepared.in_memory else PART_ROWS
    native: pl.LazyFrame = nw.to_native(prepared.frame)
    height: int = native.select(pl.len()).collect().item()
    if height <= part_rows:
        return [prepared.frame]
    deal = pl.col(C.DEAL_ID).cast(pl.String).str.strip_chars()
    cut = cut_by_deal(native, deal, -(-height // part_rows), in_memory=prepared.in_memory)
    return [nw.from_native(part) for part in cut]


def cut_by_deal(
    lazy: pl.LazyFrame, deal: pl.Expr, parts: int, *, in_memory: bool
) -> list[pl.LazyFrame]:
    """``lazy`` in ``parts`` parts by a hash of ``deal``: every deal's rows in exactly one part.

    Used where per-deal work (the audit, distinct deals per stage) is done one part at a time to
    keep memory down; the parts' results add up because no deal is split. A frame in memory
    computes the part numbers once and filters by them; a scanned file evaluates the hash in
    its scan, so a part reads only its own rows' other columns.
    """
    import polars as pl

    part_of: pl.Expr | pl.Series = deal.hash(seed=parts) % parts
    if in_memory:
        # Narrowed: each part's filter compares every row's part number, and a byte per row
        # reads faster than eight. At 10M events in twelve parts, stage_conversion ran 1.07x
        # faster (median of 11 alternating rounds) and peaked at 879 MB, not 901, than with the
        # UInt64 hashes (benchmarks/bench_metrics.py, Polars 2.1).
        narrow = pl.UInt8 if parts <= 256 else pl.UInt32
        part_of = lazy.select(part_of.cast(narrow)).collect(engine="in-memory").to_series()
    return [lazy.filter(part_of == part) for part in range(parts)]


def _collect_polars(candidates: Any, counts: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    import narwhals as nw
    import polars as pl

    found, tally = pl.collect_all([nw.to_native(candidates), nw.to_native(counts)])
    return found.rows(named=True), tally.rows(named=True)[0]


def _texts(frame: Any, orders: list[int]) -> dict[int, dict[str, Any]]:
    """The texts of the violating rows (deal id, raw stage, actor and at), by ``_order``."""
    import narwhals as nw

    if not orders:
        return {}
    stage_raw = nw.col(C.STAGE).cast(nw.String)
    actor_raw = nw.col(C.ACTOR).cast(nw.String)
    selected = frame.filter(nw.col("_order").is_in(orders)).select(
        "_order",
        _text_or_null(C.DEAL_ID).str.strip_chars().alias("_deal"),
        stage_raw.alias("_stage_raw"),
        actor_raw.alias("_actor_raw"),
        (actor_raw.is_null() | (actor_raw.str.strip_chars().str.len_chars() == 0)).alias(
            "_actor_missing"
        ),
        nw.col("_at_raw"),
        (stage_raw.is_null() | (stage_raw.str.strip_chars().str.len_chars() == 0)).alias(
            "_stage_missing"
        ),
    )
    rows = selected.collect().rows(named=True)
    return {row["_order"]: row for row in rows}


def _malformed(
    rules: ProcessRules, row: int, item: dict[str, Any], value_text: str | None
) -> Violation:
    """The ``malformed`` violation of a found row, its texts looked up (see :func:`_texts`).

    ``value_text``: the row's value cell when it is not a value (see :func:`bad_values`).
    """
    deal = item["_deal"]
    return Violation(
        row,
        deal,
        "malformed",
        rules.malformed(
            deal_missing=deal is None,
            stage_missing=item["_stage_missing"],
            at_problem=item["_at_problem"],
            at_text=item["_at_raw"],
            actor_text=None if item["_actor_missing"] else item["_actor_raw"],
            actor_bad=item["_role_code"] is None,
            value_text=value_text,
        ),
    )


def bad_values(prepared: Prepared) -> dict[int, tuple[str | None, str]]:
    """Each row (by ``_order``) whose optional ``value`` is not a value: its deal id and cell text.

    The engine only picks candidates, cells that might not be values (blank text, and text of
    the grammar of ``_values`` that is a finite number, are not picked); the plain-Python
    engine's own ``value_problem`` judges each candidate and writes its text, so every engine
    reports the same rows with the same texts. A clean log's value column gives no candidate.
    """
    import narwhals as nw

    native = nw.to_native(prepared.frame)
    candidates_of = _spark_value_candidates if prepared.spark else _polars_value_candidates
    marked = candidates_of(native)
    if marked is None:
        return {}
    deal = _text_or_null(C.DEAL_ID).str.strip_chars().alias("_deal")
    candidates = nw.from_native(marked).filter(nw.col(_CANDIDATE))
    found = candidates.select("_order", deal, C.VALUE).collect().rows(named=True)
    problems: dict[int, tuple[str | None, str]] = {}
    for item in found:
        problem = value_problem(item[C.VALUE])
        if problem is not None:
            problems[item["_order"]] = (item["_deal"], problem)
    return problems


_CANDIDATE: Final = "_value_candidate"


def _polars_value_candidates(lazy: pl.LazyFrame) -> pl.LazyFrame | None:
    """``lazy`` with a column marking where ``value`` might not be a value (``None``: nowhere)."""
    import polars as pl

    dtype = lazy.collect_schema().get(C.VALUE)
    value = pl.col(C.VALUE)
    # integers and decimals hold finite numbers only
    if dtype is None or dtype.is_integer() or dtype.is_decimal() or dtype == pl.Null:
        return None
    if dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum)):
        candidate = _not_a_value_text(value.cast(pl.String))
    elif dtype.is_float():
        candidate = value.is_infinite()
    else:  # booleans, dates, nested: each cell is judged in Python
        candidate = value.is_not_null()
    return lazy.with_columns(candidate.fill_null(False).alias(_CANDIDATE))


def _not_a_value_text(text: pl.Expr) -> pl.Expr:
    """Where a text cell is not blank and not a value by the grammar of ``_values``."""
    import polars as pl

    stripped = text.str.strip_chars()
    number = stripped.cast(pl.Float64, strict=False)
    value = (stripped.str.contains(VALUE_PATTERN) & number.is_finite()).fill_null(False)
    return (stripped.str.len_chars() > 0) & ~value


def _spark_value_candidates(frame: Any) -> Any:
    """``_polars_value_candidates`` on Spark."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    if C.VALUE not in frame.columns:
        return None
    dtype = frame.schema[C.VALUE].dataType
    value = F.col(C.VALUE)
    if isinstance(dtype, (T.IntegralType, T.DecimalType, T.NullType)):
        return None
    if isinstance(dtype, T.StringType):
        text = F.trim(value)
        number = text.cast("double")
        fine = text.rlike(VALUE_PATTERN) & ~number.isin(float("inf"), float("-inf"))
        candidate = (F.length(text) > 0) & ~F.coalesce(fine, F.lit(False))
    elif isinstance(dtype, (T.FloatType, T.DoubleType)):
        candidate = value.isin(float("inf"), float("-inf"))
    else:
        candidate = value.isNotNull()
    return frame.withColumn(_CANDIDATE, F.coalesce(candidate, F.lit(False)))


def malformed_violations(prepared: Prepared, rules: ProcessRules) -> list[Violation]:
    """The ``malformed`` violations of a prepared log, as :func:`audit_frame` reports them.

    Malformed is a matter of the row alone, so no deal's rows are put in order: one filter of
    the normalised log, without the sort and shifts of the full audit (``read_log`` needs only
    these).
    """
    normalise = _normalise if prepared.spark else _normalise_polars
    base = normalise(prepared.frame, rules)
    candidates = base.filter(_malformed_flag()).select("_order", "_role_code", "_at_problem")
    found: list[dict[str, Any]] = candidates.collect().rows(named=True)
    texts = _texts(prepared.frame, [item["_order"] for item in found])
    values = bad_values(prepared)
    violations: list[Violation] = []
    for item in found:
        item.update(texts[item["_order"]])
        value_text = values.pop(item["_order"], (None, None))[1]
        violations.append(_malformed(rules, prepared.row_of(item["_order"]), item, value_text))
    violations += _value_violations(prepared, rules, values)
    violations.sort(key=lambda violation: violation.row)
    return violations


def _value_violations(
    prepared: Prepared, rules: ProcessRules, values: dict[int, tuple[str | None, str]]
) -> list[Violation]:
    """The ``malformed`` violations of rows whose only bad field is the value."""
    return [
        Violation(prepared.row_of(order), deal, "malformed", value_message(rules, text))
        for order, (deal, text) in values.items()
    ]


def audit_frame(
    source: object,
    kind: str,
    rules: ProcessRules,
    mapping: ColumnMapping | None,
    label: str,
    *,
    prepared: Prepared | None = None,
) -> AuditReport:
    """Audit any log on its engine (Polars or Spark); see the module doc.

    ``prepared`` is the log as :func:`prepare` gave it, when the caller already has it.
    """
    if prepared is None:
        prepared = prepare(source, kind, mapping, label)
    if prepared.spark:
        candidates, counts = _checks(prepared.frame, rules, spark=True)
        found: list[dict[str, Any]] = candidates.collect().rows(named=True)
        tally: dict[str, Any] = counts.collect().rows(named=True)[0]
    else:
        found = []
        tally = {}
        tables = _code_tables(prepared.frame, rules)
        for part in deal_parts(prepared):
            part_found, part_tally = _collect_polars(
                *_checks(part, rules, spark=False, tables=tables)
            )
            if part_tally["misordered"] or part_tally["collided"]:
                # The rows reached the stable sort out of input order, or two deal ids share a
                # hash: sort on (deal, order).
                checks = _checks(part, rules, spark=False, by_key=True, tables=tables)
                part_found, part_tally = _collect_polars(*checks)
            # every deal lies in one part: its rows, first row and violations add up
            found += part_found
            tally = {name: tally.get(name, 0) + (value or 0) for name, value in part_tally.items()}
    texts = _texts(prepared.frame, [item["_order"] for item in found])
    for item in found:
        item.update(texts[item["_order"]])
    values = bad_values(prepared)
    row_of = prepared.row_of
    stages: tuple[str, ...] = rules.stage_values
    violations: list[Violation] = []
    add = violations.append
    for item in found:
        row = row_of(item["_order"])
        deal = item["_deal"]
        code = item["_stage_code"]
        role_code = item["_role_code"]
        previous_code = item["_prev_code"]
        stage = None if code is None else stages[int(code)]
        role = None if role_code is None else _ROLES[int(role_code)]
        previous = None if previous_code is None else stages[int(previous_code)]
        if item["_malformed"]:
            add(_malformed(rules, row, item, values.pop(item["_order"], (None, None))[1]))
        if item["_unknown"]:
            add(Violation(row, deal, "unknown_stage", rules.unknown_stage(item["_stage_raw"])))
        if item["_not_from_entry"]:
            assert stage is not None
            add(Violation(row, deal, "not_from_entry", rules.not_from_entry(stage)))
        if item["_open_refused"]:
            assert role is not None
            add(Violation(row, deal, "actor_not_allowed", rules.open_not_allowed(role)))
        if item["_after"]:
            closed_row = row_of(item["_closed_order"])
            add(Violation(row, deal, "after_terminal", rules.after_terminal(closed_row)))
        if item["_illegal"]:
            assert previous is not None
            assert stage is not None
            add(Violation(row, deal, "illegal_move", rules.illegal_move(previous, stage)))
        if item["_actor"]:
            assert previous is not None
            assert stage is not None
            assert role is not None
            message = rules.move_not_allowed(previous, stage, role)
            add(Violation(row, deal, "actor_not_allowed", message))
        if item["_out_of_order"]:
            previous_row = row_of(item["_prev_order"])
            add(Violation(row, deal, "out_of_order", rules.out_of_order(previous_row)))
    violations += _value_violations(prepared, rules, values)
    # Counts of an empty frame are null on Spark.
    return sorted_report(int(tally["rows"] or 0), int(tally["deals"] or 0), violations)


# -- frames out -----------------------------------------------------------------------------------

_PRIVATE: Final = ("_order", "_at", "_at_problem", "_at_raw")


def canonical_frame(
    source: object,
    kind: str,
    mapping: ColumnMapping | None,
    label: str,
    *,
    process: ProcessRules | None,
    backend: str,
    prepared: Prepared | None = None,
    values_checked: bool = False,
) -> Any:
    """The log in funnelcore's columns, as the caller's frame type (see ``read_log``).

    ``prepared`` is the log as :func:`prepare` gave it, when the caller already has it.
    ``values_checked``: the caller found no malformed row (:func:`malformed_violations`), so
    every text value is one and the pass that would refuse the others is skipped.
    """
    import narwhals as nw

    if prepared is None:
        prepared = prepare(source, kind, mapping, label)
    native = nw.to_native(prepared.frame)
    if prepared.spark:
        from pyspark.sql import functions as F

        role = F.lower(F.trim(F.col(C.ACTOR)))
        frame = native.withColumn(C.DEAL_ID, F.trim(F.col(C.DEAL_ID).cast("string")))
        frame = frame.withColumn(
            C.DEAL_ID, F.when(F.length(F.col(C.DEAL_ID)) > 0, F.col(C.DEAL_ID))
        )
        frame = frame.withColumn(
            C.ACTOR, F.when(role.isin(*_ROLES), role).otherwise(F.col(C.ACTOR))
        )
        frame = frame.withColumn(C.AT, F.timestamp_micros(F.col("_at")))
        if process is not None:
            key = F.lower(F.trim(F.col(C.STAGE).cast("string")))
            mapped = F.create_map(*(F.lit(x) for pair in process.keys.items() for x in pair))
            frame = frame.withColumn(
                C.STAGE, F.coalesce(mapped[key], F.col(C.STAGE).cast("string"))
            )
        return frame.select(*_canonical_order(frame.columns))
    import polars as pl

    lazy: pl.LazyFrame = native
    role_pl = pl.col(C.ACTOR).cast(pl.String).str.strip_chars().str.to_lowercase()
    deal = pl.col(C.DEAL_ID).cast(pl.String).str.strip_chars()
    at = pl.col("_at")
    if prepared.aware:
        at = at.dt.replace_time_zone(None).dt.replace_time_zone("UTC")
    columns = [
        pl.when(deal.str.len_chars() > 0).then(deal).alias(C.DEAL_ID),
        at.alias(C.AT),
        pl.when(role_pl.is_in(list(_ROLES)))
        .then(role_pl)
        .otherwise(pl.col(C.ACTOR).cast(pl.String))
        .alias(C.ACTOR),
    ]
    if process is not None:
        stage_key = pl.col(C.STAGE).cast(pl.String).str.strip_chars().str.to_lowercase()
        columns.append(
            stage_key.replace_strict(process.keys, default=pl.col(C.STAGE).cast(pl.String)).alias(
                C.STAGE
            )
        )
    schema = lazy.collect_schema()
    if C.VALUE in schema and schema[C.VALUE] == pl.String:
        # A file's cells are text; the canonical value is a number. A non-empty cell that is not
        # a value (``_values``) is refused with its rows, never turned into a silent null.
        if not values_checked:
            bad = (
                lazy.with_row_index("_row", offset=1)
                .filter(_not_a_value_text(pl.col(C.VALUE)))
                .select("_row", C.VALUE)
                .head(20)
                .collect()
            )
            if bad.height:
                shown = ", ".join(f"row {r}: {v!r}" for r, v in bad.iter_rows())
                raise LogReadError(label, f"column 'value' must hold numbers ({shown})")
        number = pl.col(C.VALUE).str.strip_chars().cast(pl.Float64, strict=False)
        columns.append(number.alias(C.VALUE))
    lazy = lazy.with_columns(columns)
    lazy = lazy.select(_canonical_order(lazy.collect_schema().names()))
    return callers_type(lazy, source, kind, backend, label)


def callers_type(
    frame: pl.LazyFrame | pl.DataFrame, source: object, kind: str, backend: str, label: str
) -> Any:
    """A Polars result in the frame type of the input ``source`` (a file's: ``backend``).

    A Polars LazyFrame stays lazy; pandas, PyArrow and DuckDB get their own type back; any other
    input (and a Polars DataFrame) gets a Polars DataFrame.
    """
    import narwhals as nw
    import polars as pl

    native: Any = source
    wrapped: Any = None if kind in ("csv", "jsonl", "parquet") else nw.from_native(native)
    if wrapped is not None and isinstance(wrapped.to_native(), pl.LazyFrame):
        return frame.lazy()
    collected = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    if wrapped is None:  # a file: the backend asked for
        return _as_backend(collected, backend, label)
    # narwhals names the library: a class's module does not (DuckDB 1.x calls it "_duckdb")
    implementation = wrapped.implementation
    if implementation.is_pandas():
        return _as_backend(collected, "pandas", label)
    if implementation.is_pyarrow():
        return _as_backend(collected, "pyarrow", label)
    if implementation.is_duckdb():
        import duckdb

        arrow = cast(Any, collected.to_arrow())
        relation: Any = duckdb.from_arrow(arrow)
        return relation
    return collected


def _canonical_order(names: list[str]) -> list[str]:
    kept = [name for name in names if name not in _PRIVATE]
    first = [name for name in C.REQUIRED_COLUMNS if name in kept]
    return [*first, *(name for name in kept if name not in first)]


def _as_backend(frame: pl.DataFrame, backend: str, label: str) -> Any:
    if backend == "polars":
        return frame
    if backend == "pandas":
        as_pandas: Any = frame.to_pandas()
        return as_pandas
    if backend == "rows":
        return frame.to_dicts()
    if backend == "pyarrow":
        return cast(Any, frame.to_arrow())
    raise LogReadError(label, f"unknown backend {backend!r}; use polars, pandas, pyarrow or rows")


def rows_to_frame(rows: list[dict[str, Any]], backend: str) -> Any:
    """A list of row dicts (all with the same keys) as a frame of ``backend``."""
    import polars as pl

    names = list(rows[0]) if rows else []
    frame = pl.DataFrame({name: [row[name] for row in rows] for name in names}, strict=False)
    return _as_backend(frame, backend, "deals_to_log")
