"""``funnelcore diagram``: print a process as a Mermaid state diagram."""

from __future__ import annotations

import argparse
from typing import Any

from funnelcore._process import SalesProcess

__all__ = ["register", "resolve_process"]


def resolve_process(spec: str) -> SalesProcess[Any]:
    """The process named by a ``--process`` argument: ``complex``, ``simple`` or a file path.

    Raises:
        ProcessDefinitionError: the file cannot be read or defines an unsound process.
    """
    if spec == "complex":
        return SalesProcess.complex()
    if spec == "simple":
        return SalesProcess.simple()
    return SalesProcess.load(spec)


def register(subparsers: Any) -> None:
    """Add the ``diagram`` subcommand."""
    parser = subparsers.add_parser(
        "diagram", help="print a sales process as a Mermaid state diagram"
    )
    parser.add_argument(
        "--process",
        default="complex",
        metavar="complex|simple|FILE",
        help="a preset or a .toml/.json process definition (default: complex)",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    print(resolve_process(args.process).to_mermaid())
    return 0
