"""The weak link: is the business short of leads, or failing to work the leads it has?

Seed 002: "Companies that have a strong marketing department but poor sales skills will gather a
lot of leads ... but will not be able to convert them into paying customers. On the flip side of
the coin a strong sales team is worthless without enough new leads coming through to keep them
busy. By understanding marketing and sales as separate activities you can locate your weak link."
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Final

import attrs

from funnelcore._process import SalesProcess
from funnelcore._words import noun
from funnelcore.errors import MetricsInputError

if TYPE_CHECKING:
    from funnelcore.analytics._shape import Measures

__all__ = [
    "IDLE_BELOW",
    "WeakLink",
    "WeakLinkVerdict",
    "check_capacity",
    "weak_link",
    "weak_link_of",
]

_SATURATED: Final = 1.0
#: The default load under which sales counts as idle (see :func:`weak_link`).
IDLE_BELOW: Final = 0.6


class WeakLinkVerdict(str, enum.Enum):
    """Which side of the funnel holds the business back."""

    #: Sales capacity sits idle: too few leads come in to keep the reps busy.
    MARKETING_LIMITED = "marketing_limited"
    #: More deals are open than the reps can carry: leads pile up unconverted.
    SALES_LIMITED = "sales_limited"
    #: Lead flow and sales capacity match.
    BALANCED = "balanced"

    def __str__(self) -> str:
        return self.value


_EXPLANATION: Final = {
    WeakLinkVerdict.MARKETING_LIMITED: (
        "sales capacity sits idle: too few leads to keep the reps busy (seed 002: 'a strong "
        "sales team is worthless without enough new leads coming through to keep them busy')"
    ),
    WeakLinkVerdict.SALES_LIMITED: (
        "more deals are open than the reps can carry: leads pile up unconverted (seed 002: "
        "'gather a lot of leads ... but will not be able to convert them')"
    ),
    WeakLinkVerdict.BALANCED: "lead flow and sales capacity match",
}


@attrs.frozen
class WeakLink:
    """The verdict of :func:`weak_link` with the numbers it rests on.

    Attributes:
        verdict: marketing-limited, sales-limited or balanced.
        leads: deals in the log (each entered at the entry stage).
        window_days: days from the log's first event to its last.
        leads_per_30_days: the lead flow.
        reps: sales reps.
        deals_per_rep: the open deals one rep can carry.
        capacity: ``reps x deals_per_rep``.
        average_open_deals: open deals on an average day of the window (each deal counts from
            its first event to its close, or to the end of the log while it is open).
        load: ``average_open_deals / capacity``.
        open_deals: deals open at the end of the log.
        waiting_at_entry: of those, deals still at the entry stage (untouched leads).
        win_rate: won / (won + lost), or ``None`` when nothing closed.
        weakest_stage: the open stage where the most deals went no further (lost there or still
            waiting), or ``None`` when no deal stopped anywhere.
        weakest_stage_reached: deals that reached it.
        weakest_stage_dropped: of those, deals that did not reach its next stage.
        idle_below: the load under which sales counts as idle.
    """

    verdict: WeakLinkVerdict
    leads: int
    window_days: float
    leads_per_30_days: float
    reps: int
    deals_per_rep: int
    capacity: int
    average_open_deals: float
    load: float
    open_deals: int
    waiting_at_entry: int
    win_rate: float | None
    weakest_stage: str | None
    weakest_stage_reached: int
    weakest_stage_dropped: int
    idle_below: float

    @property
    def explanation(self) -> str:
        """What the verdict means, in the words of seed 002."""
        return _EXPLANATION[self.verdict]

    def __str__(self) -> str:
        win_rate = "n/a (nothing closed)" if self.win_rate is None else f"{self.win_rate:.1%}"
        if self.weakest_stage is None:
            weakest = "no stage (no deal stopped)"
        else:
            share = self.weakest_stage_dropped / self.weakest_stage_reached
            weakest = (
                f"{self.weakest_stage} ({self.weakest_stage_dropped} of "
                f"{self.weakest_stage_reached} {noun(self.weakest_stage_reached, 'deal')} went no "
                f"further, {share:.0%})"
            )
        lines = [
            f"{self.verdict.value.replace('_', '-')}: {self.explanation}",
            f"  lead flow:        {self.leads} {noun(self.leads, 'lead')} in "
            f"{self.window_days:.1f} {noun(self.window_days, 'day')} "
            f"({self.leads_per_30_days:.1f} per 30 days)",
            f"  sales capacity:   {self.reps} {noun(self.reps, 'rep')} x "
            f"{self.deals_per_rep} open {noun(self.deals_per_rep, 'deal')} "
            f"= {self.capacity}",
            f"  open on average:  {self.average_open_deals:.1f} deals, load {self.load:.2f} "
            f"(idle below {self.idle_below:.2f}, saturated from {_SATURATED:.2f})",
            f"  open at the end:  {self.open_deals} {noun(self.open_deals, 'deal')}, "
            f"{self.waiting_at_entry} still "
            "untouched at the entry stage",
            f"  win rate:         {win_rate}",
            f"  loses the most:   {weakest}",
        ]
        return "\n".join(lines)


def weak_link(
    log: Any,
    process: SalesProcess[Any],
    *,
    reps: int,
    deals_per_rep: int,
    idle_below: float = IDLE_BELOW,
) -> WeakLink:
    """Say whether the business is marketing-limited, sales-limited or balanced, and why.

    Seed 002: "locate your weak link". The rule compares the work sales has with the work it
    can carry. Sales capacity is ``reps x deals_per_rep`` open deals; the work is the number of
    deals open on an average day of the log (a deal is open from its first event to its close,
    or to the log's last event). Their ratio is the load:

    * load >= 1: **sales-limited** - more deals are open than the reps can carry, so leads pile
      up unconverted ("gather a lot of leads ... but will not be able to convert them");
    * load < ``idle_below`` (default 0.6): **marketing-limited** - the reps sit idle for want of
      leads ("a strong sales team is worthless without enough new leads");
    * otherwise **balanced**.

    With the verdict come the evidence numbers (lead flow, capacity, load, open and untouched
    deals, win rate) and the stage that loses the most deals: the open stage with the most deals
    that did not reach its next stage.

    Args:
        log: an event log (any dataframe with ``deal_id``, ``stage``, ``at``, or a path).
        process: the process the log follows.
        reps: how many sales reps work the deals.
        deals_per_rep: how many open deals one rep can carry at a time.
        idle_below: the load under which sales counts as idle.

    Raises:
        MetricsInputError: as :func:`~funnelcore.analytics.stage_funnel`; a capacity that is
            not a positive whole number; or a log that spans no time.
    """
    from funnelcore.analytics._engines import measured

    check_capacity(reps, deals_per_rep, idle_below)
    measures, _ = measured(log, process, by=None)
    return weak_link_of(measures, reps=reps, deals_per_rep=deals_per_rep, idle_below=idle_below)


def check_capacity(reps: int, deals_per_rep: int, idle_below: float) -> None:
    """Refuse a capacity that is not positive whole numbers, or ``idle_below`` outside [0, 1].

    Raises:
        MetricsInputError: naming the argument.
    """
    from funnelcore.analytics._checks import is_real, is_whole

    for name, number in (("reps", reps), ("deals_per_rep", deals_per_rep)):
        if not is_whole(number, minimum=1):
            raise MetricsInputError(f"{name} must be a whole number >= 1, got {number!r}")
    if not is_real(idle_below, low=0.0, high=_SATURATED):
        raise MetricsInputError(f"idle_below must lie in [0, 1], got {idle_below!r}")


def weak_link_of(
    measures: Measures, *, reps: int, deals_per_rep: int, idle_below: float
) -> WeakLink:
    """The :func:`weak_link` verdict of measures already taken (``by=None``; checked arguments).

    Raises:
        MetricsInputError: the log spans no time.
    """
    shape = measures.layout
    window = measures.window_days
    leads = measures.deals(None)
    if window <= 0:
        raise MetricsInputError(
            f"the log spans no time ({leads} deal{'' if leads == 1 else 's'}, all events at one "
            "moment); lead flow and load need a period"
        )
    open_stages = [index for index in range(len(shape.names)) if shape.is_open(index)]
    open_days = 0.0
    open_deals = 0
    for index in open_stages:
        cell = measures.cell(None, index)
        # completed stays, plus the stays still running at the end of the log
        open_days += cell.stay_days + cell.current * window - cell.current_t
        open_deals += cell.current
    average_open = open_days / window
    capacity = reps * deals_per_rep
    load = average_open / capacity
    if load >= _SATURATED:
        verdict = WeakLinkVerdict.SALES_LIMITED
    elif load < idle_below:
        verdict = WeakLinkVerdict.MARKETING_LIMITED
    else:
        verdict = WeakLinkVerdict.BALANCED
    won = measures.cell(None, shape.won).current
    lost = measures.cell(None, shape.lost).current
    weakest: int | None = None
    weakest_dropped = 0
    for index in open_stages:
        following = shape.next_index[index]
        if following is None:
            continue
        dropped = measures.cell(None, index).reached - measures.cell(None, following).reached
        if dropped > weakest_dropped:
            weakest, weakest_dropped = index, dropped
    return WeakLink(
        verdict=verdict,
        leads=leads,
        window_days=window,
        leads_per_30_days=leads / window * 30,
        reps=reps,
        deals_per_rep=deals_per_rep,
        capacity=capacity,
        average_open_deals=average_open,
        load=load,
        open_deals=open_deals,
        waiting_at_entry=measures.cell(None, shape.entry).current,
        win_rate=won / (won + lost) if won + lost else None,
        weakest_stage=None if weakest is None else shape.names[weakest],
        weakest_stage_reached=0 if weakest is None else measures.cell(None, weakest).reached,
        weakest_stage_dropped=weakest_dropped,
        idle_below=float(idle_below),
    )
