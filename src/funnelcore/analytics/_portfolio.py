"""The campaign portfolio: which marketing initiatives win, swim sideways or lose.

Seed 001: "The best marketing programs have numerous initiatives. Its like investing in stocks.
You have a diverse portfolio, of which some will be winners, some will swim sideways and some will
lose. Over time, these initiatives will be evaluated and the weak will be replaced by new ones".
"""

from __future__ import annotations

import enum
import statistics
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal, cast

import attrs

from funnelcore import _columns as col
from funnelcore._marketing import Campaign
from funnelcore._presets import ABLE_AND_LIKELY_TO_BUY
from funnelcore._process import SalesProcess, check_process
from funnelcore._validation import is_amount
from funnelcore._words import noun
from funnelcore.errors import MetricsInputError

__all__ = ["CampaignPortfolio", "CampaignScore", "PortfolioVerdict", "campaign_portfolio"]


class PortfolioVerdict(str, enum.Enum):
    """How a campaign did against the rest of the portfolio (seed 001)."""

    WINNER = "winner"
    SIDEWAYS = "sideways"
    LOSER = "loser"

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class CampaignScore:
    """One campaign's leads, wins and money, and its verdict.

    Attributes:
        campaign: the campaign's name.
        leads: deals that came from it.
        qualified: of those, deals that reached the portfolio's qualified stage.
        wins: deals won.
        revenue: summed value of the won deals.
        cost: what the campaign cost.
        cost_per_lead: ``cost / leads`` (``None`` without leads).
        cost_per_win: ``cost / wins`` (``None`` without wins).
        roi: ``(revenue - cost) / cost`` (``None`` for a campaign that cost nothing).
        verdict: winner, sideways or loser.
        reason: why, in numbers.
    """

    campaign: str
    leads: int
    qualified: int
    wins: int
    revenue: float
    cost: float
    cost_per_lead: float | None
    cost_per_win: float | None
    roi: float | None
    verdict: PortfolioVerdict
    reason: str


_FIELDS: Final = (
    "campaign",
    "leads",
    "qualified",
    "wins",
    "revenue",
    "cost",
    "cost_per_lead",
    "cost_per_win",
    "roi",
    "verdict",
)


@attrs.frozen
class CampaignPortfolio:
    """The scored portfolio: every campaign, the portfolio's ROI spread, and what to replace.

    Attributes:
        campaigns: one score per campaign, highest ROI first (free campaigns last).
        median_roi: the median ROI of the campaigns that cost something.
        roi_iqr: their interquartile range (0 with fewer than two campaigns).
        band: the tolerance, in IQRs, around the median (see :func:`campaign_portfolio`).
        qualified_stage: the stage a lead must reach to count as qualified.
        unattributed_leads: deals in the log that came from no campaign.
    """

    campaigns: tuple[CampaignScore, ...]
    median_roi: float | None
    roi_iqr: float | None
    band: float
    qualified_stage: str
    unattributed_leads: int

    @property
    def winners(self) -> tuple[str, ...]:
        """The campaigns that beat the portfolio."""
        return self._named(PortfolioVerdict.WINNER)

    @property
    def sideways(self) -> tuple[str, ...]:
        """The campaigns that swim sideways."""
        return self._named(PortfolioVerdict.SIDEWAYS)

    @property
    def losers(self) -> tuple[str, ...]:
        """The campaigns that lose."""
        return self._named(PortfolioVerdict.LOSER)

    @property
    def to_replace(self) -> tuple[str, ...]:
        """The campaigns to replace with new ones: the losers ("the weak will be replaced")."""
        return self.losers

    def _named(self, verdict: PortfolioVerdict) -> tuple[str, ...]:
        return tuple(score.campaign for score in self.campaigns if score.verdict is verdict)

    def rows(self) -> list[dict[str, Any]]:
        """The scores as plain dicts (the verdict as text), one per campaign."""
        return [
            {
                **{name: getattr(score, name) for name in _FIELDS},
                "verdict": score.verdict.value,
                "reason": score.reason,
            }
            for score in self.campaigns
        ]

    def to_frame(self, backend: Literal["polars", "pandas", "pyarrow"] = "polars") -> Any:
        """The scores as a dataframe of ``backend``."""
        import narwhals as nw

        from funnelcore.analytics._frames import rows_frame

        rows = self.rows()
        schema = nw.Schema(
            {
                "campaign": nw.String(),
                "leads": nw.Int64(),
                "qualified": nw.Int64(),
                "wins": nw.Int64(),
                "revenue": nw.Float64(),
                "cost": nw.Float64(),
                "cost_per_lead": nw.Float64(),
                "cost_per_win": nw.Float64(),
                "roi": nw.Float64(),
                "verdict": nw.String(),
                "reason": nw.String(),
            }
        )
        return rows_frame(rows, schema, backend)

    def __str__(self) -> str:
        from funnelcore.analytics._table import format_table, format_value

        spread = (
            "no campaign with a cost"
            if self.median_roi is None or self.roi_iqr is None
            else f"median ROI {format_value('roi', self.median_roi)}, "
            f"IQR {format_value('roi', self.roi_iqr)}, band {self.band:g} x IQR"
        )
        replace = ", ".join(self.to_replace) or "none"
        return "\n".join(
            [
                format_table(_FIELDS, self.rows()),
                f"portfolio: {spread}; qualified = reached {self.qualified_stage}; "
                f"{self.unattributed_leads} {noun(self.unattributed_leads, 'lead')} from no "
                "campaign",
                f"to replace: {replace}",
            ]
        )


def _costs(costs: object) -> dict[str, float]:
    pairs: list[tuple[object, object]] = []
    if isinstance(costs, Mapping):
        given: Mapping[object, object] = cast("Mapping[object, object]", costs)
        pairs = list(given.items())
    elif isinstance(costs, Iterable):
        items: Iterable[object] = cast("Iterable[object]", costs)
        for campaign in items:
            if not isinstance(campaign, Campaign):
                raise TypeError(
                    f"costs= takes a mapping of campaign name to cost or Campaign records, "
                    f"got a {type(campaign).__name__}"
                )
            pairs.append((campaign.name, campaign.cost))
    else:
        raise TypeError(f"costs= takes a mapping or Campaign records, got {type(costs).__name__}")
    result: dict[str, float] = {}
    for name, cost in pairs:
        if not is_amount(cost):
            raise MetricsInputError(f"the cost of campaign {name!r} must be >= 0, got {cost!r}")
        if str(name) in result:
            raise MetricsInputError(f"campaign {name!r} is given two costs")
        result[str(name)] = float(cost)
    return result


def default_qualified_stage(process: SalesProcess[Any]) -> Any:
    """The stage a lead must reach to count as qualified.

    Seed 000: "Qualifying, where we find out if the person ... is both able to and likely to
    buy". In a process with that guard, a qualified lead has passed it: the stage its move enters
    (NEEDS_ANALYSIS in the complex process). Otherwise, the stage after the entry stage on the way
    to WON (the lead was taken up by sales).
    """
    for move in process.moves:
        if ABLE_AND_LIKELY_TO_BUY in move.guards:
            return move.target
    path = process.path_to(process.won)
    return path[1] if len(path) > 1 else process.won


def campaign_portfolio(
    log: Any,
    process: SalesProcess[Any],
    costs: Mapping[str, float] | Iterable[Campaign],
    *,
    qualified_stage: object = None,
    band: float = 0.5,
    column: str = col.CAMPAIGN,
) -> CampaignPortfolio:
    """Score every campaign of the portfolio and say which ones to replace.

    Seed 001: "some will be winners, some will swim sideways and some will lose ... the weak
    will be replaced by new ones". Per campaign: leads (deals from it), qualified leads, wins,
    revenue (summed value of the won deals), cost, cost per lead, cost per win and
    ``ROI = (revenue - cost) / cost``.

    The rule, against the portfolio: take the median ROI ``m`` and the interquartile range
    ``IQR`` of the campaigns that cost something (quartiles by linear interpolation), and a band
    ``h = band x IQR``.

    * **loser**: ROI < 0 (it returned less than it cost), or ROI < m - h (it lags the portfolio);
    * **winner**: ROI > 0 and ROI > m + h (it beats the portfolio);
    * **sideways**: the rest.

    A campaign that cost nothing is a winner if it won revenue and sideways otherwise. The
    campaigns to replace are the losers.

    Args:
        log: an event log with a campaign column (any dataframe, or a path).
        process: the process the log follows.
        costs: each campaign's cost: a mapping of name to cost, or :class:`~funnelcore.Campaign`
            records. Every campaign in the log needs one; a campaign with a cost and no deals
            scores zero leads.
        qualified_stage: the stage that makes a lead qualified (member, value or name); by
            default the stage entered once the prospect is shown able and likely to buy, or the
            stage after the entry stage (see :func:`default_qualified_stage`).
        band: the half-width of the sideways band, in IQRs (>= 0).
        column: the log's campaign column.

    Raises:
        MetricsInputError: a campaign in the log has no cost, a cost is negative, ``band`` is
            negative, or the log is unusable (as :func:`~funnelcore.analytics.stage_funnel`).
    """
    from funnelcore.analytics._engines import measured
    from funnelcore.analytics._shape import stage_of

    check_process(process)  # before default_qualified_stage reads its moves
    if not is_amount(band):
        raise MetricsInputError(f"band must be a number >= 0, got {band!r}")
    priced = _costs(costs)
    stage = default_qualified_stage(process) if qualified_stage is None else qualified_stage
    qualified_index = stage_of(process, stage)
    measures, _ = measured(log, process, by=column)
    shape = measures.layout
    found = {str(group) for group in measures.groups if group is not None}
    unpriced = sorted(found - set(priced))
    if unpriced:
        raise MetricsInputError(
            f"no cost for campaign(s) {', '.join(repr(name) for name in unpriced)}; "
            "give every campaign in the log a cost (0 if it was free)",
            column=column,
        )
    by_name = {str(group): group for group in measures.groups if group is not None}
    facts: list[tuple[str, int, int, int, float, float]] = []
    for name, cost in priced.items():
        group = by_name.get(name)
        if group is None:
            facts.append((name, 0, 0, 0, 0.0, cost))
            continue
        won = measures.cell(group, shape.won)
        facts.append(
            (
                name,
                measures.deals(group),
                measures.cell(group, qualified_index).reached,
                won.current,
                won.current_value,
                cost,
            )
        )
    rois = [(revenue - cost) / cost for _, _, _, _, revenue, cost in facts if cost > 0]
    median = statistics.median(rois) if rois else None
    if len(rois) >= 2:
        lower, _, upper = statistics.quantiles(rois, n=4, method="inclusive")
        spread: float | None = upper - lower
    else:
        spread = 0.0 if rois else None
    scores = [
        _score(name, leads, qualified, wins, revenue, cost, median, spread, band)
        for name, leads, qualified, wins, revenue, cost in facts
    ]
    scores.sort(key=lambda score: (score.roi is None, -(score.roi or 0.0), score.campaign))
    return CampaignPortfolio(
        campaigns=tuple(scores),
        median_roi=median,
        roi_iqr=spread,
        band=float(band),
        qualified_stage=shape.names[qualified_index],
        unattributed_leads=measures.deals(None) if None in measures.groups else 0,
    )


def _score(
    name: str,
    leads: int,
    qualified: int,
    wins: int,
    revenue: float,
    cost: float,
    median: float | None,
    spread: float | None,
    band: float,
) -> CampaignScore:
    if cost == 0:
        roi = None
        if revenue > 0:
            verdict, reason = PortfolioVerdict.WINNER, "won revenue at no cost"
        else:
            verdict, reason = PortfolioVerdict.SIDEWAYS, "cost nothing and won nothing"
    else:
        roi = (revenue - cost) / cost
        assert median is not None
        assert spread is not None
        half = band * spread
        if roi < 0:
            verdict = PortfolioVerdict.LOSER
            reason = f"returned {revenue:,.2f} on a cost of {cost:,.2f}"
        elif roi < median - half:
            verdict = PortfolioVerdict.LOSER
            reason = f"ROI {roi:.1%} is below the portfolio's {median - half:.1%} (median - band)"
        elif roi > median + half and roi > 0:
            verdict = PortfolioVerdict.WINNER
            reason = f"ROI {roi:.1%} is above the portfolio's {median + half:.1%} (median + band)"
        else:
            verdict = PortfolioVerdict.SIDEWAYS
            reason = (
                f"ROI {roi:.1%} is within the portfolio's band "
                f"{median - half:.1%} .. {median + half:.1%}"
            )
    return CampaignScore(
        campaign=name,
        leads=leads,
        qualified=qualified,
        wins=wins,
        revenue=revenue,
        cost=cost,
        cost_per_lead=cost / leads if leads else None,
        cost_per_win=cost / wins if wins else None,
        roi=roi,
        verdict=verdict,
        reason=reason,
    )
