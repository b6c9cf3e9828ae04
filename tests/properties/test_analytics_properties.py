"""Properties of the funnel metrics on random logs that follow a process."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funnelcore import SalesProcess
from funnelcore.analytics import stage_conversion, stage_funnel
from tests.strategies import CHAIN, legal_log_frame, legal_logs

COMPLEX = SalesProcess.complex()
PROCESSES = {"complex": COMPLEX, "chain": CHAIN, "simple": SalesProcess.simple()}
SETTINGS = settings(max_examples=40, deadline=None)


def frame(columns: dict[str, list[Any]]) -> pl.DataFrame:
    frame: pl.DataFrame = legal_log_frame(columns)
    return frame


@pytest.mark.parametrize("name", sorted(PROCESSES))
@SETTINGS
@given(data=st.data())
def test_conversion_rates_lie_between_0_and_1(name: str, data: st.DataObject) -> None:
    process = PROCESSES[name]
    result = stage_conversion(frame(data.draw(legal_logs(process))), process)
    for row in result.iter_rows(named=True):
        for ratio in (row["conversion"], row["conversion_from_entry"]):
            assert ratio is None or 0.0 <= ratio <= 1.0


@pytest.mark.parametrize("name", ["chain", "complex"])
@SETTINGS
@given(data=st.data())
def test_reached_never_grows_along_the_way_to_won(name: str, data: st.DataObject) -> None:
    """A deal reaches a stage of the happy path only through the stages before it."""
    process = PROCESSES[name]
    reached = dict(
        stage_conversion(frame(data.draw(legal_logs(process))), process)
        .select("stage", "reached")
        .iter_rows()
    )
    path = [str(stage.value) for stage in process.path_to(process.won)]
    counts = [reached[stage] for stage in path]
    assert counts == sorted(counts, reverse=True)


@SETTINGS
@given(columns=legal_logs(COMPLEX))
def test_group_counts_sum_to_the_total(columns: dict[str, list[Any]]) -> None:
    log = frame(columns)
    total = stage_funnel(log, COMPLEX)
    grouped = stage_funnel(log, COMPLEX, by="group")
    for measure in ("reached", "stays", "current"):
        summed = [
            sum(row[measure] for row in grouped.iter_rows(named=True) if row["stage"] == stage)
            for stage in total["stage"]
        ]
        assert summed == total[measure].to_list()


@SETTINGS
@given(columns=legal_logs(COMPLEX))
def test_counts_and_times_match_a_plain_python_count(columns: dict[str, list[Any]]) -> None:
    """reached, stays and their median, recounted event by event in plain Python."""
    events: dict[str, list[tuple[Any, int, str]]] = defaultdict(list)
    order = {str(stage.value): index for index, stage in enumerate(COMPLEX.stages)}
    for deal_id, stage, at in zip(columns["deal_id"], columns["stage"], columns["at"], strict=True):
        events[deal_id].append((at, order[stage], stage))
    reached: dict[str, set[str]] = defaultdict(set)
    stays: dict[str, list[float]] = defaultdict(list)
    for deal_id, history in events.items():
        history.sort()
        for index, (at, _, stage) in enumerate(history):
            reached[stage].add(deal_id)
            if index + 1 < len(history):
                stays[stage].append((history[index + 1][0] - at).total_seconds() / 86_400)
    result = stage_funnel(frame(columns), COMPLEX)
    for row in result.iter_rows(named=True):
        stage = row["stage"]
        assert row["reached"] == len(reached[stage])
        assert row["stays"] == len(stays[stage])
        expected = statistics.median(stays[stage]) if stays[stage] else None
        assert row["median_days"] == pytest.approx(expected)


@st.composite
def counted_twice(draw: st.DrawFn) -> dict[str, list[Any]]:
    """A legal log, shuffled, with some events logged twice and some stages spelled in capitals.

    A deal logged twice at a stage, or under two spellings of it, still reached it once: the
    counts must not depend on how the deals are cut into parts.
    """
    columns = draw(legal_logs(COMPLEX))
    size = len(columns["deal_id"])
    order = draw(st.permutations(range(size)))
    again = draw(st.lists(st.integers(0, max(size - 1, 0)), max_size=5)) if size else []
    rows = [*order, *again]
    capitals = draw(st.booleans())
    out = {name: [values[i] for i in rows] for name, values in columns.items()}
    if capitals:
        # (and as a CRM labels them: "Needs Analysis")
        out["stage"] = [
            s.upper() if i % 2 else s.replace("_", " ").title() for i, s in enumerate(out["stage"])
        ]
    return out


@settings(max_examples=60, deadline=None)
@given(columns=counted_twice(), part_events=st.integers(1, 6), by=st.sampled_from([None, "group"]))
def test_counting_a_large_log_part_by_part_gives_the_counts_of_the_whole(
    columns: dict[str, list[Any]],
    part_events: int,
    by: str | None,
) -> None:
    """Distinct deals per stage, one part of the deals at a time, equal those of the whole log.

    The plain-Python engine counts the same rows as the oracle; ``part_events`` small enough
    cuts even a small log into several parts (a large one is cut at ``PART_EVENTS``).
    """
    from funnelcore.analytics import _frames, _measure

    names = list(columns)
    rows = [dict(zip(names, cells, strict=True)) for cells in zip(*columns.values(), strict=True)]
    expected = stage_conversion(rows, COMPLEX, by=by)
    log = frame(columns)
    cuts: list[int] = []

    def parts(source: _frames.Source) -> list[Any]:
        found = _frames.deal_parts(source, part_events=part_events, cut_above=part_events)
        cuts.append(len(found))
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_measure, "deal_parts", parts)
        # without a breakdown the stage filters would answer first: make them decline
        patch.setattr(_measure, "reached_per_stage", lambda *_, **__: None)
        assert stage_conversion(log, COMPLEX, by=by).rows(named=True) == expected
    assert cuts
    assert all(cut == max(1, -(-log.height // part_events)) for cut in cuts)


@settings(max_examples=60, deadline=None)
@given(
    columns=counted_twice(),
    hashed=st.booleans(),
    buckets=st.sampled_from([None, 1, 2, 3]),
    lazy=st.booleans(),
)
def test_counting_by_one_filter_per_stage_gives_the_counts_of_the_plain_count(
    columns: dict[str, list[Any]], hashed: bool, buckets: int | None, lazy: bool
) -> None:
    """Distinct deals per stage from the stage filters equal the plain-Python count.

    On hashes (``hashed``; a ``lazy`` log always) too, and when the hashes collide (``buckets``
    values for every id): a stage whose hashes are fewer than its events is counted again on
    its ids. The filters answer exactly when every stage is spelled as the process's value, and
    decline otherwise.
    """
    import polars as pl

    from funnelcore.analytics import _measure, _stage_counts

    names = list(columns)
    rows = [dict(zip(names, cells, strict=True)) for cells in zip(*columns.values(), strict=True)]
    expected = stage_conversion(rows, COMPLEX)
    answers: list[dict[str, int] | None] = []

    def spy(*args: Any, **kwargs: Any) -> dict[str, int] | None:
        answers.append(_stage_counts.reached_per_stage(*args, **kwargs))
        return answers[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_measure, "reached_per_stage", spy)
        patch.setattr(_stage_counts, "HASH_ABOVE", -1 if hashed else 10**9)
        if buckets is not None:
            patch.setattr(_stage_counts, "hashed_ids", lambda: pl.col("deal_id").hash() % buckets)
        log = frame(columns)
        counted = (
            stage_conversion(log.lazy(), COMPLEX).collect()
            if lazy
            else stage_conversion(log, COMPLEX)
        )
        assert counted.rows(named=True) == expected
    values = {str(stage.value) for stage in COMPLEX.stages}
    spelled_as_values = set(columns["stage"]) <= values
    assert [answer is None for answer in answers] == [not spelled_as_values]


#: Ways to write a naive time as text, all in the audit's grammar.
NAIVE_FORMS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M")


@st.composite
def times_as_text(draw: st.DrawFn, times: list[datetime]) -> list[str]:
    """``times`` written as text, each in a form drawn for it: a mixed but readable column.

    A naive log mixes the plain forms (and a date alone at midnight); an aware one writes each
    instant (``times`` read as UTC) in a zone of its own, ``Z`` or an offset. A log never mixes
    the two: that is refused.
    """
    aware = draw(st.booleans())
    texts = []
    for moment in times:
        if aware:
            hours = draw(st.sampled_from([0, 2, -5, 9]))
            local = moment.replace(tzinfo=timezone.utc).astimezone(timezone(timedelta(hours=hours)))
            text = local.isoformat()
            texts.append(text.replace("+00:00", "Z") if draw(st.booleans()) else text)
        elif moment.hour == moment.minute == 0 and draw(st.booleans()):
            texts.append(moment.date().isoformat())
        else:
            texts.append(moment.strftime(draw(st.sampled_from(NAIVE_FORMS))))
    return texts


def text_time_logs(columns: dict[str, list[Any]], texts: list[str]) -> dict[str, Any]:
    """The log with text times, in every engine the metrics accept, by name."""
    import duckdb

    schema = {
        name: pl.String if name == "at" else dtype for name, dtype in frame(columns).schema.items()
    }
    log = pl.DataFrame({**columns, "at": texts}, schema=schema)
    rows = [dict(zip(log.columns, cells, strict=True)) for cells in log.iter_rows()]
    return {
        "polars": log,
        "pandas": log.to_pandas(),
        "pyarrow": log.to_arrow(),
        "duckdb": duckdb.from_arrow(log.to_arrow()),
        "rows": rows,
    }


@SETTINGS
@given(columns=legal_logs(COMPLEX), data=st.data())
def test_text_times_in_any_form_measure_as_the_typed_times_on_every_engine(
    columns: dict[str, list[Any]], data: st.DataObject
) -> None:
    """Every engine reads text times by the audit's grammar: no format guessed from a first row."""
    from tests.unit.analytics_story import close_to, rows_of

    texts = data.draw(times_as_text(columns["at"]))
    expected = stage_funnel(frame(columns), COMPLEX).rows(named=True)
    for engine, log in text_time_logs(columns, texts).items():
        result = stage_funnel(log, COMPLEX)
        got = result if isinstance(result, list) else rows_of(result)
        assert got == close_to(expected), engine
