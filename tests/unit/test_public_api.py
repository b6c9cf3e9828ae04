"""The public surface: what ``funnelcore`` exports, and that importing it stays light."""

from __future__ import annotations

import subprocess
import sys

import funnelcore

CORE_NAMES = {
    "Stage", "ForecastCategory", "SalesProcess", "Move", "Guard", "StageSetting",
    "PERMISSION_GIVEN", "ABLE_AND_LIKELY_TO_BUY", "COMPELLING_REASONS_RECORDED",
    "OBJECTIONS_HANDLED", "Actor", "Role", "Marketing", "SalesRep", "Customer", "System",
    "Audience", "Medium", "MarketingMessage", "Campaign", "Lead", "LeadSource", "Predisposition",
    "Product", "ProductKind", "Deal", "OpenDeal", "ClosedDeal", "StageChange", "Evidence",
    "SalesInteraction", "InteractionKind", "Communication", "Activity", "classify",
    "DEFAULT_SMALL_GROUP_LIMIT", "FunnelError", "InvalidArgumentError", "InvalidRecordError",
    "UnknownStageError", "ProcessDefinitionError", "MoveRejectedError", "IllegalMoveError",
    "GuardFailedError", "ActorNotAllowedError", "TerminalStageError", "OutOfOrderError",
    "WrongProcessError", "InvalidHistoryError", "__version__",
}  # fmt: skip


def test_all_names_the_core_api() -> None:
    """The core's names are exported; later areas may add more, never fewer."""
    assert set(funnelcore.__all__) >= CORE_NAMES
    assert len(funnelcore.__all__) == len(set(funnelcore.__all__))
    for name in funnelcore.__all__:
        assert hasattr(funnelcore, name), name


def test_the_issue_s_required_names_are_exported() -> None:
    required = {"Stage", "SalesProcess", "Deal", "Lead", "MarketingMessage", "Audience"}
    required |= {"Campaign", "SalesRep", "FunnelError"}
    assert required <= set(funnelcore.__all__)


def test_stage_members_have_lowercase_values() -> None:
    assert [s.value for s in funnelcore.Stage] == [
        "lead", "prospecting", "qualifying", "needs_analysis", "proposal", "objections",
        "closing", "won", "lost",
    ]  # fmt: skip


def test_every_error_derives_from_funnel_error_and_a_builtin() -> None:
    from funnelcore import errors

    for name in errors.__all__:
        error = getattr(errors, name)
        assert issubclass(error, funnelcore.FunnelError)
        if error is not funnelcore.FunnelError:
            assert issubclass(error, (ValueError, TypeError)), name


def test_importing_funnelcore_stays_light() -> None:
    """Heavy optional dependencies are imported only by the functions that need them."""
    heavy = ["numpy", "pandas", "polars", "narwhals", "duckdb", "pyarrow", "pyspark", "matplotlib"]
    code = f"import sys, funnelcore; print([m for m in {heavy!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_package_ships_its_type_marker() -> None:
    from importlib import resources

    assert resources.files("funnelcore").joinpath("py.typed").is_file()
