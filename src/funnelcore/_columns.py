"""The canonical column names of an event log: one row per move of a deal.

An event log read from any source (CSV, JSON Lines, a dataframe) is brought to these names by a
column mapping; everything that reads or writes logs uses these constants.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ACTOR",
    "ACTOR_NAME",
    "AT",
    "CAMPAIGN",
    "DEAL_ID",
    "EVIDENCE",
    "FROM_STAGE",
    "OPTIONAL_COLUMNS",
    "REASON",
    "REQUIRED_COLUMNS",
    "ROUND_TRIP_COLUMNS",
    "SOURCE",
    "STAGE",
    "VALUE",
]

DEAL_ID: Final = "deal_id"
#: The stage entered (a stage value of the process, e.g. ``"proposal"``).
STAGE: Final = "stage"
#: When the stage was entered.
AT: Final = "at"
#: The role of who made the move: ``marketing``, ``sales``, ``customer`` or ``system``.
ACTOR: Final = "actor"
FROM_STAGE: Final = "from_stage"
#: The lead's source (a ``LeadSource`` value).
SOURCE: Final = "source"
CAMPAIGN: Final = "campaign"
VALUE: Final = "value"
REASON: Final = "reason"

REQUIRED_COLUMNS: Final = (DEAL_ID, STAGE, AT, ACTOR)
OPTIONAL_COLUMNS: Final = (FROM_STAGE, SOURCE, CAMPAIGN, VALUE, REASON)

# -- columns funnelcore writes so that a log read back rebuilds the same deals (event-log area) --
#: The name of who made the move (a sales rep's name, say); the ``actor`` column holds the role.
ACTOR_NAME: Final = "actor_name"
#: The evidence a guarded move was shown, as compact JSON text (see ``deals_to_log``).
EVIDENCE: Final = "evidence"

ROUND_TRIP_COLUMNS: Final = (ACTOR_NAME, EVIDENCE)
