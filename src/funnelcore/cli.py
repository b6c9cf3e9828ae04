"""The ``funnelcore`` command.

Each subcommand lives in its own private module that exposes ``register(subparsers)``; the module
adds its parser and sets ``handler`` to a function ``(args) -> int`` (the exit code). Heavy
dependencies are imported inside the handlers, so ``funnelcore --help`` stays fast.

Exit codes: 0 success, 1 the command ran and found problems (e.g. audit violations), 2 unusable
input or arguments (with a one-line reason on stderr).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from funnelcore.errors import FunnelError

__all__ = ["main"]

#: The modules that add a subcommand, in the order ``--help`` lists them.
_COMMAND_MODULES = (
    "funnelcore._cli_demo",
    "funnelcore._cli_diagram",
    "funnelcore._cli_simulate",
    "funnelcore._cli_report",
    "funnelcore._cli_audit",
)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"funnelcore: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``funnelcore`` command with every subcommand registered."""
    from funnelcore import __version__

    parser = _Parser(
        prog="funnelcore",
        description="The marketing-to-sales funnel: marketing produces leads, sales closes deals.",
    )
    parser.add_argument("--version", action="version", version=f"funnelcore {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``funnelcore`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except FunnelError as error:
        # One line: a multi-line message (a definition's list of problems) is joined with "; ".
        lines = str(error).splitlines() or [type(error).__name__]
        first, *rest = [line.strip().removeprefix("- ") for line in lines]
        message = " ".join([first, "; ".join(part for part in rest if part)]).strip()
        print(f"funnelcore: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # pragma: no cover - e.g. `funnelcore demo | head`
        return 0
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
