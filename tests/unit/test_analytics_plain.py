"""The plain-Python path of the funnel metrics: rows in, rows out, and files with no extras."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from funnelcore import MetricsInputError, SalesProcess, read_log
from funnelcore.analytics import (
    campaign_portfolio,
    cycle_times,
    funnel_summary,
    stage_conversion,
    stage_funnel,
    text_table,
    weak_link,
)
from tests.unit.analytics_story import close_to, rows_of, story_columns, story_polars
from tests.unit.no_extras import EXTRAS, run_without_extras

COMPLEX = SalesProcess.complex()
METRICS = [stage_conversion, stage_funnel, funnel_summary, cycle_times]


def story_rows() -> list[dict[str, Any]]:
    columns = story_columns()
    names = list(columns)
    return [dict(zip(names, cells, strict=True)) for cells in zip(*columns.values(), strict=True)]


def story_file(directory: Path, suffix: str) -> Path:
    path = directory / f"log{suffix}"
    frame = story_polars().with_columns(pl.col("at").dt.strftime("%Y-%m-%dT%H:%M:%S"))
    if suffix == ".csv":
        frame.write_csv(path)
    else:
        frame.write_ndjson(path)
    return path


@pytest.mark.parametrize("by", [None, "campaign"])
@pytest.mark.parametrize("metric", METRICS)
def test_rows_give_the_numbers_of_the_vectorised_path_as_a_list_of_dicts(
    metric: Any, by: str | None
) -> None:
    result = metric(story_rows(), COMPLEX, by=by)
    assert isinstance(result, list)
    assert result == close_to(rows_of(metric(story_polars(), COMPLEX, by=by)))


def test_the_portfolio_and_the_weak_link_run_on_rows() -> None:
    costs = {"ads": 100.0, "webinar": 200.0}
    assert campaign_portfolio(story_rows(), COMPLEX, costs) == campaign_portfolio(
        story_polars(), COMPLEX, costs
    )
    assert weak_link(story_rows(), COMPLEX, reps=2, deals_per_rep=3) == weak_link(
        story_polars(), COMPLEX, reps=2, deals_per_rep=3
    )


def test_rows_read_by_read_log_measure_like_the_file(tmp_path: Path) -> None:
    """``read_log(..., backend="rows")`` gives rows the metrics take: times and values parsed."""
    path = story_file(tmp_path, ".csv")
    rows = read_log(path, backend="rows")
    assert rows[0]["value"] == 1000.0
    for metric in METRICS:
        assert metric(rows, COMPLEX, by="campaign") == close_to(
            rows_of(metric(path, COMPLEX, by="campaign"))
        )


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_file_without_the_extra_runs_in_plain_python(
    tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = story_file(tmp_path, suffix)
    expected = {metric.__name__: rows_of(metric(path, COMPLEX)) for metric in METRICS}
    monkeypatch.setattr("funnelcore.analytics._plain.has_analytics", lambda: False)
    for metric in METRICS:
        result = metric(path, COMPLEX)
        assert isinstance(result, list)
        assert result == close_to(expected[metric.__name__])


def test_the_metrics_work_with_no_extras_installed(tmp_path: Path) -> None:
    """A Python without narwhals, Polars, pandas, DuckDB, PyArrow (or numpy) gets the same rows."""
    path = story_file(tmp_path, ".csv")
    expected = {
        metric.__name__: rows_of(metric(path, COMPLEX, by="campaign")) for metric in METRICS
    }
    child = f"""
        import json
        from funnelcore import SalesProcess, read_log
        from funnelcore.analytics import (
            cycle_times, funnel_summary, stage_conversion, stage_funnel, text_table,
        )
        path = sys.argv[1]
        process = SalesProcess.complex()
        results = {{
            metric.__name__: metric(path, process, by="campaign")
            for metric in (stage_conversion, stage_funnel, funnel_summary, cycle_times)
        }}
        rows = read_log(path, backend="rows")
        assert funnel_summary(rows, process) == funnel_summary(path, process)
        text_table(results["funnel_summary"])
        loaded = sorted(
            name for name in sys.modules
            if name.split(".")[0] in {EXTRAS!r} and sys.modules[name] is not None
        )
        print(json.dumps({{"results": results, "loaded": loaded}}))
        """
    ran = run_without_extras(child, str(path))
    assert ran.returncode == 0, ran.stderr
    output = json.loads(ran.stdout)
    assert output["loaded"] == []
    for name, rows in expected.items():
        assert output["results"][name] == close_to(rows), name


def test_text_table_prints_a_plain_python_result() -> None:
    table = text_table(
        funnel_summary(story_rows(), COMPLEX, by="campaign"),
        columns=["campaign", "won", "win_rate"],
    )
    assert table.splitlines() == [
        "campaign  won  win_rate",
        "--------  ---  --------",
        "ads         0      0.0%",
        "webinar     2     66.7%",
    ]


# -- what the plain-Python path refuses, as the vectorised one does -----------------------------


def test_an_empty_list_is_an_empty_log() -> None:
    [summary] = funnel_summary([], COMPLEX)
    assert (summary["deals"], summary["win_rate"]) == (0, None)
    assert funnel_summary([], COMPLEX, by="campaign") == []
    assert [row["reached"] for row in stage_conversion([], COMPLEX)] == [0] * 9


def test_a_missing_column_is_named() -> None:
    with pytest.raises(MetricsInputError, match=r"no column 'at'; its columns are deal_id, stage"):
        stage_funnel([{"deal_id": "a", "stage": "lead"}], COMPLEX)


def test_unknown_stages_and_missing_values_are_refused() -> None:
    rows = story_rows()
    rows[0]["stage"] = "Wonn"
    with pytest.raises(MetricsInputError, match=r"1 stage name\(s\) are not stages .*'Wonn'"):
        stage_conversion(rows, COMPLEX)
    rows = story_rows()
    rows[2]["deal_id"] = None
    with pytest.raises(MetricsInputError, match=r"1 event\(s\) have no deal id"):
        stage_funnel(rows, COMPLEX)
    rows = story_rows()
    rows[2]["at"] = None
    with pytest.raises(MetricsInputError, match=r"1 event\(s\) have no time"):
        stage_funnel(rows, COMPLEX)


@pytest.mark.parametrize("missing", [float("nan"), "pandas.NA"])
def test_a_deal_id_pandas_calls_missing_is_missing_in_rows_too(missing: Any) -> None:
    """Rows from ``DataFrame.to_dict("records")`` carry NaN or NA: no deal, as pandas says."""
    if missing == "pandas.NA":
        missing = pytest.importorskip("pandas").NA
    rows = story_rows()
    rows[2]["deal_id"] = missing
    for measure in (stage_conversion, stage_funnel):
        with pytest.raises(MetricsInputError, match=r"1 event\(s\) have no deal id"):
            measure(rows, COMPLEX)


def test_unusable_times_are_refused() -> None:
    rows = story_rows()
    rows[2]["at"] = "next week"
    with pytest.raises(MetricsInputError, match=r"cannot parse as datetimes: 1 event\(s\)"):
        funnel_summary(rows, COMPLEX)
    rows = [{**row, "at": row["at"].isoformat()} for row in story_rows()]
    rows[2]["at"] += "Z"
    with pytest.raises(MetricsInputError, match=r"29 event\(s\) have no UTC offset while 1 have"):
        cycle_times(rows, COMPLEX)


def test_text_times_with_offsets_are_compared_in_utc() -> None:
    rows = [{**row, "at": row["at"].isoformat() + "+02:00"} for row in story_rows()]
    assert stage_funnel(rows, COMPLEX) == stage_funnel(story_rows(), COMPLEX)


def test_a_deal_with_two_breakdown_values_is_refused() -> None:
    rows = story_rows()
    rows[1]["campaign"] = "ads"  # d1 opened by the webinar
    with pytest.raises(MetricsInputError, match=r"more than one value in 'campaign' .*'d1'"):
        stage_conversion(rows, COMPLEX, by="campaign")


def test_a_value_that_is_not_a_number_is_refused() -> None:
    rows = story_rows()
    rows[0]["value"] = "1,000"
    with pytest.raises(MetricsInputError, match="must hold numbers, not str"):
        funnel_summary(rows, COMPLEX)


def test_a_sequence_of_something_else_than_rows_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="sequence holding tuple"):
        stage_conversion([("a", "lead")], COMPLEX)  # type: ignore[arg-type]
