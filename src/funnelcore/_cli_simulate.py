"""``funnelcore simulate``: answer a scenario file by Monte Carlo or exactly."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from funnelcore._words import noun

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``simulate`` subcommand."""
    parser = subparsers.add_parser(
        "simulate",
        help="simulate a funnel scenario (TOML): won deals, win rate, revenue, days to win",
        description="Simulate a funnel scenario given as a TOML file, by Monte Carlo (with bands "
        "across runs) or exactly (absorbing Markov chain).",
    )
    parser.add_argument("scenario", metavar="SCENARIO.toml", help="the scenario file")
    parser.add_argument(
        "--method",
        choices=("monte-carlo", "exact"),
        default="monte-carlo",
        help="how to answer (default: monte-carlo)",
    )
    parser.add_argument(
        "--runs", type=int, default=1, metavar="R", help="Monte Carlo runs (default: 1)"
    )
    parser.add_argument(
        "--seed", type=int, default=None, metavar="S", help="random seed (default: fresh)"
    )
    parser.add_argument(
        "--threads", type=int, default=None, metavar="T", help="worker threads (default: all)"
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from funnelcore.simulate import Scenario, exact, monte_carlo

    # An unusable scenario raises a FunnelError: cli.main prints it on one line and exits 2.
    scenario = Scenario.from_toml(args.scenario)
    if args.method == "exact":
        data = exact(scenario).to_dict()
    else:
        data = monte_carlo(scenario, runs=args.runs, seed=args.seed, threads=args.threads).to_dict()
    if args.format == "json":
        print(json.dumps(data, indent=2))
    else:
        print(_text(data))
    return 0


def _fmt(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:,.{digits}f}"


def _text(data: dict[str, Any]) -> str:
    method = data["method"]
    head = f"scenario {data['scenario']!r} ({method}"
    if method == "monte-carlo":
        runs = data["runs"]
        head += f", {runs} {noun(runs, 'run')}, seed {data['seed']})"
    else:
        head += ")"
    days = data["days_to_win"]
    lines = [
        head,
        f"  leads        {_fmt(data['leads'])}",
        f"  won          {_fmt(data['won'], 1)}",
        f"  win rate     {_fmt(100 * data['win_rate'], 2)} %",
        f"  revenue      {_fmt(data['revenue'])}",
    ]
    if data.get("cost"):
        lines.append(f"  lead cost    {_fmt(data['cost'])}")
    if "lost_waiting" in data:
        lines.append(f"  went cold    {_fmt(data['lost_waiting'], 1)} (waiting for capacity)")
    line = f"  days to win  mean {_fmt(days['mean'], 1)}"
    if "p50" in days:
        line += f", p50 {_fmt(days['p50'], 1)}, p90 {_fmt(days['p90'], 1)}"
    lines.append(line)
    bands = data.get("bands", {})
    if data.get("runs", 1) > 1:
        lines.append("  across runs (p10 / p50 / p90):")
        for name in ("won", "revenue"):
            band = bands[name]
            lines.append(
                f"    {name:<10} {_fmt(band['p10'])} / {_fmt(band['p50'])} / {_fmt(band['p90'])}"
            )
    lines.append("  stays per stage" + (" (expected per lead)" if method == "exact" else ""))
    for stage, count in data["visits"].items():
        lines.append(f"    {stage:<16} {_fmt(count, 4 if method == 'exact' else 0)}")
    return "\n".join(lines)
