"""A blank matplotlib figure for the charts (the ``plot`` extra), built without pyplot."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["new_figure"]


def new_figure(width: float, height: float) -> Figure:
    """A ``Figure`` of ``width`` x ``height`` inches, constrained layout; no global state.

    Raises:
        ModuleNotFoundError: matplotlib is not installed (the message names the extra).
    """
    try:
        from matplotlib.figure import Figure
    except ModuleNotFoundError as error:  # pragma: no cover - exercised without the extra only
        raise ModuleNotFoundError(
            "funnelcore's charts need the 'plot' extra: pip install 'funnelcore[plot]'",
            name=error.name,
        ) from error
    return Figure(figsize=(width, height), layout="constrained")
