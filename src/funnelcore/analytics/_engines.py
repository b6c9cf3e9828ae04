"""Which engine measures a log: plain Python for rows (and files without extras), else vectorised.

Both engines fill the same :class:`~funnelcore.analytics._shape.Counts` and ``Measures``; each
also says how to build a result in the caller's type (a list of dicts for rows, the caller's frame
type otherwise). The dataframe libraries are imported only when the vectorised engine runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from funnelcore._process import SalesProcess

if TYPE_CHECKING:
    from funnelcore.analytics._frames import Kind
    from funnelcore.analytics._shape import Counts, Measures

__all__ = ["Build", "counted", "measured"]

#: Turns result columns (and their kinds) into the caller's type.
Build: TypeAlias = "Callable[[Mapping[str, Sequence[Any]], Mapping[str, Kind]], Any]"


def counted(log: object, process: SalesProcess[Any], *, by: str | None) -> tuple[Counts, Build]:
    """The deals that reached each stage (and group), by the engine that suits ``log``."""
    from funnelcore.analytics._plain import count_reached_rows, log_rows, rows_result

    rows = log_rows(log)
    if rows is not None:
        return count_reached_rows(rows, process, by=by), rows_result
    from funnelcore.analytics._frames import as_frame
    from funnelcore.analytics._measure import count_reached

    source = as_frame(log, needed=("deal_id", "stage"))
    return count_reached(source, process, by=by), source.build


def measured(
    log: object, process: SalesProcess[Any], *, by: str | None, start: int | None = None
) -> tuple[Measures, Build]:
    """Every per-stage aggregate, by the engine that suits ``log``."""
    from funnelcore.analytics._plain import log_rows, measure_rows, rows_result

    rows = log_rows(log)
    if rows is not None:
        return measure_rows(rows, process, by=by, start=start), rows_result
    from funnelcore.analytics._frames import as_frame
    from funnelcore.analytics._measure import measure

    source = as_frame(log)
    return measure(source, process, by=by, start=start), source.build
