"""The built-in guards and the two preset processes (complex and simple sale)."""

from __future__ import annotations

import functools
from typing import Any, Final

from funnelcore._actors import Role
from funnelcore._deal import Deal, Evidence
from funnelcore._process import Guard, Move, SalesProcess, StageSetting
from funnelcore._stages import ForecastCategory, Stage

__all__ = [
    "ABLE_AND_LIKELY_TO_BUY",
    "BUILT_IN_GUARDS",
    "COMPELLING_REASONS_RECORDED",
    "OBJECTIONS_HANDLED",
    "PERMISSION_GIVEN",
    "PRESETS",
    "complex_process",
    "preset",
    "simple_process",
]

#: The names of the built-in processes (``--process``, a scenario's ``process``).
PRESETS: Final = ("complex", "simple", "crm")


def preset(name: str) -> SalesProcess[Any] | None:
    """The built-in process called ``name`` (see ``PRESETS``), or ``None``.

    ``complex`` and ``simple`` are seed 000's two processes; ``crm`` is the Prospecting >
    Engaging > Won/Lost process of a CRM snapshot export (``crm_process``).
    """
    if name == "complex":
        return SalesProcess.complex()
    if name == "simple":
        return SalesProcess.simple()
    if name == "crm":
        from funnelcore._crm import crm_process

        return crm_process()
    return None


def _permission(_: Deal[Any], evidence: Evidence) -> bool:
    return evidence.permission


def _able_and_likely(_: Deal[Any], evidence: Evidence) -> bool:
    return evidence.able_to_buy and evidence.likely_to_buy


def _compelling_reasons(_: Deal[Any], evidence: Evidence) -> bool:
    return any(reason.strip() for reason in evidence.compelling_reasons)


def _objections_handled(_: Deal[Any], evidence: Evidence) -> bool:
    return evidence.objections_handled


#: Seed 000: "Prospecting, where we ask permission to discuss the needs of the client".
PERMISSION_GIVEN: Final = Guard(
    "permission",
    _permission,
    "the prospect has not given permission to discuss their needs "
    "(seed 000: prospecting is 'where we ask permission to discuss the needs of the client'); "
    "pass evidence=Evidence(permission=True)",
)
#: Seed 000: "Qualifying, where we find out if the person ... is both able to and likely to buy".
ABLE_AND_LIKELY_TO_BUY: Final = Guard(
    "able_and_likely",
    _able_and_likely,
    "the prospect is not shown to be both able and likely to buy (seed 000: qualifying finds out "
    "'if the person ... is both able to and likely to buy'); "
    "pass evidence=Evidence(able_to_buy=True, likely_to_buy=True)",
)
#: Seed 000: salespeople "seek to understand the compelling reasons for which a prospect will
#: take action".
COMPELLING_REASONS_RECORDED: Final = Guard(
    "compelling_reasons",
    _compelling_reasons,
    "no compelling reason to act is recorded (seed 000: sales seeks 'the compelling reasons for "
    "which a prospect will take action'); pass evidence=Evidence(compelling_reasons=(...,))",
)
#: Seed 004: "properly handling objections and asking for the sale, or closing".
OBJECTIONS_HANDLED: Final = Guard(
    "objections_handled",
    _objections_handled,
    "the objections are not handled (seed 004: 'properly handling objections and asking for the "
    "sale'); pass evidence=Evidence(objections_handled=True)",
)

#: The guards a process file may name.
BUILT_IN_GUARDS: Final = {
    guard.name: guard
    for guard in (
        PERMISSION_GIVEN,
        ABLE_AND_LIKELY_TO_BUY,
        COMPELLING_REASONS_RECORDED,
        OBJECTIONS_HANDLED,
    )
}

_SALES: Final = frozenset({Role.SALES})


@functools.cache
def complex_process() -> SalesProcess[Stage]:
    """The seven-step process of seed 000 (see :meth:`SalesProcess.complex`)."""
    return SalesProcess.define(
        "complex",
        stages=Stage,
        entry=Stage.LEAD,
        won=Stage.WON,
        lost=Stage.LOST,
        moves=[
            Move("prospect", Stage.LEAD, Stage.PROSPECTING, _SALES),
            Move("qualify", Stage.PROSPECTING, Stage.QUALIFYING, _SALES, (PERMISSION_GIVEN,)),
            Move(
                "analyse_needs",
                Stage.QUALIFYING,
                Stage.NEEDS_ANALYSIS,
                _SALES,
                (ABLE_AND_LIKELY_TO_BUY,),
            ),
            Move(
                "propose",
                Stage.NEEDS_ANALYSIS,
                Stage.PROPOSAL,
                _SALES,
                (COMPELLING_REASONS_RECORDED,),
            ),
            Move("hear_objections", Stage.PROPOSAL, Stage.OBJECTIONS, _SALES),
            Move("revise_proposal", Stage.OBJECTIONS, Stage.PROPOSAL, _SALES),
            Move("close", Stage.OBJECTIONS, Stage.CLOSING, _SALES),
            Move("win", Stage.CLOSING, Stage.WON, _SALES, (OBJECTIONS_HANDLED,)),
        ],
        lose_by=(Role.SALES, Role.SYSTEM),
        settings={
            Stage.LEAD: StageSetting(0.05, ForecastCategory.PIPELINE),
            Stage.PROSPECTING: StageSetting(0.10, ForecastCategory.PIPELINE),
            Stage.QUALIFYING: StageSetting(0.20, ForecastCategory.PIPELINE),
            Stage.NEEDS_ANALYSIS: StageSetting(0.35, ForecastCategory.PIPELINE),
            Stage.PROPOSAL: StageSetting(0.50, ForecastCategory.BEST_CASE),
            Stage.OBJECTIONS: StageSetting(0.60, ForecastCategory.BEST_CASE),
            Stage.CLOSING: StageSetting(0.80, ForecastCategory.COMMIT),
            Stage.WON: StageSetting(1.0, ForecastCategory.CLOSED),
            Stage.LOST: StageSetting(0.0, ForecastCategory.OMITTED),
        },
    )


@functools.cache
def simple_process() -> SalesProcess[Stage]:
    """The commodity process of seeds 000 and 002 (see :meth:`SalesProcess.simple`)."""
    return SalesProcess.define(
        "simple",
        stages=(Stage.LEAD, Stage.WON, Stage.LOST),
        entry=Stage.LEAD,
        won=Stage.WON,
        lost=Stage.LOST,
        # Seed 004: "a storefront, web site or customer service rep ... takes the order".
        moves=[Move("order", Stage.LEAD, Stage.WON, frozenset({Role.CUSTOMER, Role.SALES}))],
        lose_by=(Role.CUSTOMER, Role.SALES, Role.SYSTEM),
        settings={
            Stage.WON: StageSetting(1.0, ForecastCategory.CLOSED),
            Stage.LOST: StageSetting(0.0, ForecastCategory.OMITTED),
        },
    )
