"""``funnelcore diagram``: print a process as a Mermaid state diagram."""

from __future__ import annotations

import argparse
from typing import Any

from funnelcore._process import SalesProcess

__all__ = ["add_process_option", "register", "resolve_process"]


def resolve_process(spec: str) -> SalesProcess[Any]:
    """The process named by a ``--process`` argument: a preset name (``PRESETS``) or a file path.

    Raises:
        ProcessDefinitionError: the file cannot be read or defines an unsound process.
    """
    from pathlib import Path

    from funnelcore._presets import PRESETS, preset
    from funnelcore.errors import ProcessDefinitionError

    found = preset(spec)
    if found is not None:
        return found
    if Path(spec).suffix.lower() not in (".toml", ".json"):
        # Neither a preset nor a process file: say both, not only "no such file".
        raise ProcessDefinitionError(
            spec,
            [f"unknown preset {spec!r}; use {', '.join(PRESETS)} or a .toml/.json process file"],
        )
    return SalesProcess.load(spec)


def add_process_option(parser: Any) -> None:
    """Add the ``--process`` option every command that needs a process shares."""
    parser.add_argument(
        "--process",
        default="complex",
        metavar="complex|simple|crm|FILE",
        help="a preset or a .toml/.json process definition (default: complex)",
    )


def register(subparsers: Any) -> None:
    """Add the ``diagram`` subcommand."""
    parser = subparsers.add_parser(
        "diagram", help="print a sales process as a Mermaid state diagram"
    )
    add_process_option(parser)
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    print(resolve_process(args.process).to_mermaid())
    return 0
