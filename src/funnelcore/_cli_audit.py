"""``funnelcore audit``: check an event log against a process; exit 1 when rules are broken."""

from __future__ import annotations

import argparse
import json
from typing import Any

from funnelcore._audit import audit
from funnelcore._cli_diagram import add_process_option, resolve_process
from funnelcore._mapping import ColumnMapping, mapping_from_pairs

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``audit`` subcommand."""
    parser = subparsers.add_parser(
        "audit",
        help="check an event log (CSV, JSON Lines, Parquet) against a sales process",
        description="Check every row of an event log against a sales process and report every "
        "violation with its row number. Exit status: 0 clean, 1 violations found, 2 unusable "
        "input or arguments.",
    )
    parser.add_argument("file", metavar="FILE", help="the event log: .csv, .jsonl or .parquet")
    add_process_option(parser)
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="report format (text)"
    )
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        type=_pair,
        metavar="CANONICAL=YOURS",
        help="read a column under your name, e.g. --column deal_id=opportunity_id (repeatable)",
    )
    parser.add_argument(
        "--engine",
        choices=("auto", "python", "vectorised"),
        default="auto",
        help="auto: vectorised when the analytics extra is installed (default)",
    )
    parser.set_defaults(handler=_run)


def _pair(text: str) -> tuple[str, str]:
    """One ``--column CANONICAL=YOURS`` as ``(canonical, yours)``; argparse reports a bad one."""
    canonical, separator, yours = text.partition("=")
    if not separator or not canonical.strip() or not yours.strip():
        raise argparse.ArgumentTypeError(f"expected CANONICAL=YOURS, got {text!r}")
    return canonical.strip(), yours.strip()


def _mapping(pairs: list[tuple[str, str]]) -> ColumnMapping | None:
    """The mapping the ``--column`` options make.

    A canonical name or one of yours given twice is an ``InvalidRecordError``, which the command
    reports in one line like any funnelcore error.
    """
    if not pairs:
        return None
    return mapping_from_pairs((yours, canonical) for canonical, yours in pairs)


def _run(args: argparse.Namespace) -> int:
    process = resolve_process(args.process)
    report = audit(args.file, process, mapping=_mapping(args.column), engine=args.engine)
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report.to_text())
    return 0 if report.is_clean else 1
