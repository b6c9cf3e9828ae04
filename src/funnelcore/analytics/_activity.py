"""The outbound activity funnel: how many calls lead to how many meetings, demos and so on.

Seed 001: "What type of metric does the cold-calling approach create. For instance, how many cold
calls lead to how many meetings, leads to how many product demonstrations and so on".
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any, Final, Literal, cast

import attrs

from funnelcore._interactions import InteractionKind, SalesInteraction
from funnelcore.errors import MetricsInputError

__all__ = ["DEFAULT_ACTIVITY_STEPS", "ActivityFunnel", "ActivityStep", "activity_funnel"]

#: Seed 001's steps: cold calls, then meetings, then product demonstrations.
DEFAULT_ACTIVITY_STEPS: Final = (
    InteractionKind.CALL,
    InteractionKind.MEETING,
    InteractionKind.DEMO,
)


@attrs.frozen
class ActivityStep:
    """One step of the activity funnel.

    Attributes:
        kind: the kind of interaction.
        count: how many interactions of this kind.
        deals: how many distinct deals had one (``None`` when interactions carry no deal).
        conversion: ``count / count of the previous step`` - e.g. meetings per call (``None``
            for the first step or after a step with none). It can exceed 1.
        from_first: ``count / count of the first step``.
    """

    kind: InteractionKind
    count: int
    deals: int | None
    conversion: float | None
    from_first: float | None


@attrs.frozen
class ActivityFunnel:
    """Counts per step of the outbound activity funnel, and how each step converts.

    Attributes:
        steps: the steps in order.
        other: interactions of kinds outside the steps (counted, not charted).
    """

    steps: tuple[ActivityStep, ...]
    other: int

    def rows(self) -> list[dict[str, Any]]:
        """The steps as plain dicts (the kind as text)."""
        return [
            {
                "kind": step.kind.value,
                "count": step.count,
                "deals": step.deals,
                "conversion": step.conversion,
                "from_first": step.from_first,
            }
            for step in self.steps
        ]

    def to_frame(self, backend: Literal["polars", "pandas", "pyarrow"] = "polars") -> Any:
        """The steps as a dataframe of ``backend``."""
        import narwhals as nw

        from funnelcore.analytics._frames import rows_frame

        schema = nw.Schema(
            {
                "kind": nw.String(),
                "count": nw.Int64(),
                "deals": nw.Int64(),
                "conversion": nw.Float64(),
                "from_first": nw.Float64(),
            }
        )
        rows = self.rows()
        return rows_frame(rows, schema, backend)

    def __str__(self) -> str:
        parts: list[str] = []
        for step in self.steps:
            text = f"{step.count} {step.kind.value}{'s' if step.count != 1 else ''}"
            if step.conversion is not None:
                text += f" ({step.conversion:.1%})"
            parts.append(text)
        return " -> ".join(parts)


def activity_funnel(
    interactions: Iterable[SalesInteraction] | Any,
    *,
    steps: Sequence[InteractionKind] = DEFAULT_ACTIVITY_STEPS,
) -> ActivityFunnel:
    """Count each step of the outbound activity funnel and how it converts to the next.

    Seed 001: "how many cold calls lead to how many meetings, leads to how many product
    demonstrations and so on" - and "without changing the way that leads are generated, this
    metric will never change". Conversion here is a ratio of counts (meetings per call, demos
    per meeting), so it can exceed 1.

    Args:
        interactions: :class:`~funnelcore.SalesInteraction` records (any iterable: a list, a
            generator, ...), or a dataframe (or file path) with a ``kind`` column (``call``,
            ``meeting``, ...; any case) and optionally ``deal_id``.
        steps: the kinds that make up the funnel, in order (default: call, meeting, demo).

    Raises:
        MetricsInputError: no steps, a repeated step, or a frame without a ``kind`` column or with
            a kind that is missing or not an :class:`~funnelcore.InteractionKind`.
        TypeError: ``interactions`` is neither records nor a dataframe, or holds something that
            is not a :class:`~funnelcore.SalesInteraction`.

    >>> from funnelcore import InteractionKind, SalesInteraction, SalesRep
    >>> rep = SalesRep("Sam")
    >>> calls = [SalesInteraction(InteractionKind.CALL, rep, ["Ada"]) for _ in range(8)]
    >>> meetings = [SalesInteraction(InteractionKind.MEETING, rep, ["Ada"]) for _ in range(2)]
    >>> print(activity_funnel([*calls, *meetings]))
    8 calls -> 2 meetings (25.0%) -> 0 demos (0.0%)
    """
    kinds = tuple(steps)
    if not kinds:
        raise MetricsInputError("an activity funnel needs at least one step")
    if any(not isinstance(kind, InteractionKind) for kind in cast("tuple[object, ...]", kinds)):
        raise MetricsInputError("steps must be InteractionKind members")
    if len(set(kinds)) != len(kinds):
        raise MetricsInputError("each step may appear once")
    counted, has_deals = _count(interactions)
    counts = {kind: counted.get(kind, (0, 0))[0] for kind in kinds}
    other = sum(number for kind, (number, _) in counted.items() if kind not in kinds)
    first = counts[kinds[0]]
    result: list[ActivityStep] = []
    previous: int | None = None
    for kind in kinds:
        count = counts[kind]
        result.append(
            ActivityStep(
                kind=kind,
                count=count,
                deals=counted.get(kind, (0, 0))[1] if has_deals else None,
                conversion=count / previous if previous else None,
                from_first=count / first if first else None,
            )
        )
        previous = count
    return ActivityFunnel(steps=tuple(result), other=other)


def _count(interactions: Any) -> tuple[dict[InteractionKind, tuple[int, int]], bool]:
    """Interactions and distinct deals per kind, and whether any interaction names a deal."""
    if _is_table(interactions):
        return _count_frame(interactions)
    if not isinstance(interactions, Iterable):
        raise TypeError(
            "expected SalesInteraction records or a dataframe with a kind column, got "
            f"{type(interactions).__name__}"
        )
    numbers: dict[InteractionKind, int] = {}
    deals: dict[InteractionKind, set[str]] = {}
    for interaction in cast("Iterable[object]", interactions):
        if not isinstance(interaction, SalesInteraction):
            raise TypeError(
                f"expected SalesInteraction records, got a {type(interaction).__name__}"
            )
        numbers[interaction.kind] = numbers.get(interaction.kind, 0) + 1
        if interaction.deal_id is not None:
            deals.setdefault(interaction.kind, set()).add(interaction.deal_id)
    counted = {kind: (number, len(deals.get(kind, ()))) for kind, number in numbers.items()}
    return counted, bool(deals)


def _is_table(interactions: object) -> bool:
    """Whether ``interactions`` is a file path or a dataframe rather than records.

    Any iterable of records will do (a list, a deque, a generator, ``dict.values()``), but a
    dataframe is iterable too (pandas and Polars give their column names). Dataframes are told by
    a ``columns`` or ``column_names`` attribute of their class: pandas, Polars (eager and lazy),
    PyArrow, DuckDB and Spark all have one; asking the class evaluates no lazy property.
    """
    if isinstance(interactions, (str, os.PathLike)):
        return True
    kind = type(interactions)
    return hasattr(kind, "columns") or hasattr(kind, "column_names")


def _count_frame(native: Any) -> tuple[dict[InteractionKind, tuple[int, int]], bool]:
    import narwhals as nw

    from funnelcore.analytics._frames import as_frame, collect_rows

    source = as_frame(native, needed=("kind",))
    frame = source.frame.with_columns(nw.col("kind").cast(nw.String()))
    rows = collect_rows(frame.group_by("kind").agg(nw.len().alias("count")))
    known = {kind.value: kind for kind in InteractionKind}
    kinds: dict[Any, InteractionKind] = {}
    unknown: list[Any] = []
    for row in rows:
        raw = row["kind"]
        kind = None if raw is None else known.get(str(raw).strip().lower())
        if kind is None:
            unknown.append(raw)
        else:
            kinds[raw] = kind
    if unknown:
        problems = ["some interactions have no kind"] if None in unknown else []
        named = [repr(raw) for raw in unknown if raw is not None]
        if named:
            problems.append(
                f"unknown interaction kind(s) {', '.join(named)}; known: {', '.join(known)}"
            )
        raise MetricsInputError("; ".join(problems), column="kind")
    numbers: dict[InteractionKind, int] = {}
    for row in rows:
        numbers[kinds[row["kind"]]] = numbers.get(kinds[row["kind"]], 0) + int(row["count"])
    deals: dict[InteractionKind, int] = {}
    if "deal_id" in source.columns:
        # distinct deals per kind, spellings of one kind merged, deals without an id left out
        spelled = {raw: kind.value for raw, kind in kinds.items()}
        per_kind = collect_rows(
            frame.filter(~nw.col("deal_id").is_null())
            .with_columns(
                nw.col("kind").replace_strict(spelled, default="", return_dtype=nw.String())
            )
            .group_by("kind")
            .agg(nw.col("deal_id").n_unique().alias("deals"))
        )
        deals = {known[row["kind"]]: int(row["deals"]) for row in per_kind}
    counted = {kind: (number, deals.get(kind, 0)) for kind, number in numbers.items()}
    return counted, bool(deals)
