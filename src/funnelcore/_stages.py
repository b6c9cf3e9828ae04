"""The stages of the default sales process and the forecast categories a stage can carry."""

from __future__ import annotations

import enum

__all__ = ["ForecastCategory", "Stage"]


class Stage(str, enum.Enum):
    """A stage of the default (complex) sales process, plus its two terminal outcomes.

    Seed 000: "the seven step sales process ... (Leads, Prospecting, Qualifying, Needs Analysis,
    Proposal, Objections and Closing)". A deal ends WON or LOST. Values are lowercase names, the
    spelling used in event logs and TOML files.

    >>> Stage("needs_analysis") is Stage.NEEDS_ANALYSIS
    True
    """

    LEAD = "lead"
    PROSPECTING = "prospecting"
    QUALIFYING = "qualifying"
    NEEDS_ANALYSIS = "needs_analysis"
    PROPOSAL = "proposal"
    OBJECTIONS = "objections"
    CLOSING = "closing"
    WON = "won"
    LOST = "lost"

    def __str__(self) -> str:
        return self.value


class ForecastCategory(str, enum.Enum):
    """How a stage's deals count in a sales forecast (the usual CRM categories)."""

    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMIT = "commit"
    CLOSED = "closed"
    OMITTED = "omitted"

    def __str__(self) -> str:
        return self.value
