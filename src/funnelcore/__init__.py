"""funnelcore: the marketing-to-sales funnel, executable and typed.

Marketing broadcasts one message to a large audience and produces leads; sales moves each deal
through the sales process, one-on-one, to WON or LOST. funnelcore keeps the two apart: marketing
may open deals at LEAD and do nothing else, a complex sale is closed only by a sales rep, and a
commodity ordered directly is credited to the marketing that produced its lead.

``from funnelcore import X`` is the one documented import path.
"""

from __future__ import annotations

from funnelcore._actors import Actor, Customer, Marketing, Role, SalesRep, System

# event logs and their audit (imports stay light: dataframes are imported inside the functions)
from funnelcore._audit import RULES, AuditReport, Violation, audit
from funnelcore._crm import (
    CRM_SNAPSHOT_MAPPING,
    SnapshotImport,
    SnapshotMapping,
    crm_process,
    import_crm_snapshot,
)
from funnelcore._deal import ClosedDeal, Deal, Evidence, OpenDeal, StageChange
from funnelcore._eventlog import LOGGED_EVIDENCE, deals_from_log, deals_to_log, read_log
from funnelcore._interactions import (
    DEFAULT_SMALL_GROUP_LIMIT,
    Activity,
    Communication,
    InteractionKind,
    SalesInteraction,
    classify,
)
from funnelcore._leads import Lead, LeadSource, Predisposition, Product, ProductKind
from funnelcore._mapping import ColumnMapping
from funnelcore._marketing import Audience, Campaign, MarketingMessage, Medium
from funnelcore._presets import (
    ABLE_AND_LIKELY_TO_BUY,
    COMPELLING_REASONS_RECORDED,
    OBJECTIONS_HANDLED,
    PERMISSION_GIVEN,
)
from funnelcore._process import Guard, Move, SalesProcess, StageSetting
from funnelcore._stages import ForecastCategory, Stage
from funnelcore.analytics import (
    ActivityFunnel,
    ActivityStep,
    CampaignPortfolio,
    CampaignScore,
    PortfolioVerdict,
    WeakLink,
    WeakLinkVerdict,
    activity_funnel,
    campaign_portfolio,
    cycle_times,
    funnel_summary,
    stage_conversion,
    stage_funnel,
    weak_link,
)
from funnelcore.errors import (
    ActorNotAllowedError,
    FunnelError,
    GuardFailedError,
    IllegalMoveError,
    InvalidArgumentError,
    InvalidHistoryError,
    InvalidLogError,
    InvalidRecordError,
    LogReadError,
    MetricsInputError,
    MoveRejectedError,
    OutOfOrderError,
    ProcessDefinitionError,
    ScenarioError,
    SimulationInputError,
    TerminalStageError,
    UnknownStageError,
    WrongProcessError,
)

__version__ = "0.1.0"

__all__ = [
    # stages and processes
    "Stage",
    "ForecastCategory",
    "SalesProcess",
    "Move",
    "Guard",
    "StageSetting",
    "PERMISSION_GIVEN",
    "ABLE_AND_LIKELY_TO_BUY",
    "COMPELLING_REASONS_RECORDED",
    "OBJECTIONS_HANDLED",
    # actors
    "Actor",
    "Role",
    "Marketing",
    "SalesRep",
    "Customer",
    "System",
    # marketing
    "Audience",
    "Medium",
    "MarketingMessage",
    "Campaign",
    # leads, products, deals
    "Lead",
    "LeadSource",
    "Predisposition",
    "Product",
    "ProductKind",
    "Deal",
    "OpenDeal",
    "ClosedDeal",
    "StageChange",
    "Evidence",
    # communication
    "SalesInteraction",
    "InteractionKind",
    "Communication",
    "Activity",
    "classify",
    "DEFAULT_SMALL_GROUP_LIMIT",
    # errors
    "FunnelError",
    "InvalidArgumentError",
    "InvalidRecordError",
    "UnknownStageError",
    "ProcessDefinitionError",
    "MoveRejectedError",
    "IllegalMoveError",
    "GuardFailedError",
    "ActorNotAllowedError",
    "TerminalStageError",
    "OutOfOrderError",
    "WrongProcessError",
    "InvalidHistoryError",
    # simulation (the API is in funnelcore.simulate; its errors are here with the others)
    "ScenarioError",
    "SimulationInputError",
    "__version__",
    # analytics (funnelcore.analytics; the dataframe libraries load on first use)
    "MetricsInputError",
    "stage_conversion",
    "stage_funnel",
    "funnel_summary",
    "cycle_times",
    "campaign_portfolio",
    "CampaignPortfolio",
    "CampaignScore",
    "PortfolioVerdict",
    "weak_link",
    "WeakLink",
    "WeakLinkVerdict",
    "activity_funnel",
    "ActivityFunnel",
    "ActivityStep",
    # event logs and their audit
    "ColumnMapping",
    "read_log",
    "deals_from_log",
    "deals_to_log",
    "LOGGED_EVIDENCE",
    "audit",
    "AuditReport",
    "Violation",
    "RULES",
    "import_crm_snapshot",
    "crm_process",
    "SnapshotMapping",
    "SnapshotImport",
    "CRM_SNAPSHOT_MAPPING",
    "LogReadError",
    "InvalidLogError",
]
