"""Estimating a scenario from past deals: probabilities by counting moves, days by averaging."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, final

import attrs

from funnelcore._process import SalesProcess
from funnelcore.errors import SimulationInputError
from funnelcore.simulate._history import Track, tracks
from funnelcore.simulate._scenario import DealValue, Duration, Scenario, _forward, _process_of

__all__ = ["Fit", "fit_scenario"]


@final
@attrs.frozen(weakref_slot=False)
class Fit:
    """A scenario estimated from past deals, with how much data each estimate rests on.

    Attributes:
        scenario: the estimated scenario (its ``leads`` is the number of deals read, unless given).
        deals: deals read.
        open_deals: of which still open (their current stays are not used).
        exits: per open stage, how many stays there ended (the sample behind its probabilities).
        timed: per open stage, how many stays the mean days rest on.
    """

    scenario: Scenario
    deals: int
    open_deals: int
    exits: Mapping[Any, int] = attrs.field(repr=False)
    timed: Mapping[Any, int] = attrs.field(repr=False)


def fit_scenario(
    history: object,
    *,
    process: SalesProcess[Any] | str = "complex",
    leads: int | None = None,
    name: str = "fitted",
) -> Fit:
    """Estimate a scenario's probabilities, days and deal value from the history of past deals.

    ``history`` is a list of :class:`~funnelcore.Deal`, or stage changes with the canonical
    event-log columns (``deal_id``, ``stage``, ``at``, optionally ``value``): a dataframe (eager or
    lazy), a list of row dicts or an event-log file. Text times follow the audit's grammar.

    - ``advance[s]``: the stays at ``s`` that moved on to the next stage, over the stays at ``s``
      that ended (moved on, branched or were lost); ``branch[s][t]`` likewise. These are the
      maximum-likelihood estimates of the chain's probabilities.
    - ``days[s]``: the mean length of the stays at ``s`` that moved on or branched (the ones a
      win is made of); of all ended stays if none did. A stay still running (an open deal) is not
      used, so with many long-running open deals the days come out short.
    - ``duration``: lognormal, its spread the pooled variance of the log of each stay over its
      stage's geometric mean (the lognormal's maximum-likelihood estimate); moment-based when a
      stay lasted 0 days.
    - ``value``: the mean of the won deals' values (above 0), lognormal with their cv.

    Raises:
        SimulationInputError: malformed rows; a deal that skips a move the process does not
            have; or a stage no deal ever left, whose probabilities cannot be estimated.
    """
    resolved = _process_of(process)
    read = tracks(history, resolved, what="history")
    open_stages = resolved.open_stages
    forward = {stage: _forward(resolved, stage) for stage in open_stages}
    ended: dict[Any, dict[Any, int]] = {stage: {} for stage in open_stages}
    stays: dict[Any, list[float]] = {stage: [] for stage in open_stages}
    lost_stays: dict[Any, list[float]] = {stage: [] for stage in open_stages}
    won_values: list[float] = []
    problems: list[str] = []
    open_count = 0
    for track in read:
        if track.stages[0] is not resolved.entry:
            problems.append(
                f"{_where(track, 0)}: starts at {track.stages[0].value}, not at "
                f"{resolved.entry.value} (a deal's history starts where it entered the process)"
            )
            continue
        if not resolved.is_terminal(track.stage):
            open_count += 1
        elif track.stage is resolved.won and track.value is not None:
            won_values.append(track.value)
        for k in range(len(track.stages) - 1):
            source, target = track.stages[k], track.stages[k + 1]
            if resolved.is_terminal(source) or resolved.move_between(source, target) is None:
                problems.append(
                    f"{_where(track, k + 1)}: moves from {source.value} to {target.value}, "
                    f"which {resolved.name!r} has no move for"
                )
                break
            ended[source][target] = ended[source].get(target, 0) + 1
            length = (track.times[k + 1] - track.times[k]).total_seconds() / 86400.0
            (lost_stays if target is resolved.lost else stays)[source].append(length)
    for stage in open_stages:
        if not ended[stage]:
            problems.append(
                f"stage {stage.value}: no deal in the history left it, so its probabilities "
                "cannot be estimated"
            )
    if problems:
        raise SimulationInputError("history", problems)
    advance: dict[Any, float] = {}
    branch: dict[Any, dict[Any, float]] = {}
    days: dict[Any, float] = {}
    timed: dict[Any, int] = {}
    samples: dict[Any, list[float]] = {}
    for stage in open_stages:
        total = sum(ended[stage].values())
        advance[stage] = ended[stage].get(forward[stage], 0) / total
        others = {
            target: count / total
            for target, count in ended[stage].items()
            if target is not forward[stage] and target is not resolved.lost
        }
        if others:
            branch[stage] = others
        sample = stays[stage] or lost_stays[stage]
        samples[stage] = sample
        timed[stage] = len(sample)
        days[stage] = math.fsum(sample) / len(sample)
    scenario = Scenario(
        process=resolved,
        advance=advance,
        branch=branch,
        days=days,
        duration=_duration(samples, days),
        value=_value(won_values),
        leads=len(read) if leads is None else leads,
        name=name,
    )
    return Fit(
        scenario=scenario,
        deals=len(read),
        open_deals=open_count,
        exits={stage: sum(ended[stage].values()) for stage in open_stages},
        timed=timed,
    )


def _where(track: Track, index: int) -> str:
    row = track.rows[index]
    return f"deal {track.deal_id!r}" + ("" if row is None else f" (row {row})")


def _duration(samples: Mapping[Any, list[float]], days: Mapping[Any, float]) -> Duration:
    """A lognormal stay whose spread is pooled over the stages."""
    everything = [x for sample in samples.values() for x in sample]
    if all(x > 0 for x in everything):
        squares = 0.0
        freedom = 0
        for sample in samples.values():
            if len(sample) < 2:
                continue
            logs = [math.log(x) for x in sample]
            centre = math.fsum(logs) / len(logs)
            squares += math.fsum((x - centre) ** 2 for x in logs)
            freedom += len(logs) - 1
        if freedom and squares > 0:
            return Duration.lognormal(sigma=math.sqrt(squares / freedom))
    # Moment-based: the pooled squared coefficient of variation.
    weighted = 0.0
    count = 0
    for stage, sample in samples.items():
        mean = days[stage]
        if len(sample) < 2 or mean <= 0:
            continue
        variance = math.fsum((x - mean) ** 2 for x in sample) / (len(sample) - 1)
        weighted += variance / (mean * mean) * (len(sample) - 1)
        count += len(sample) - 1
    if count and weighted > 0:
        return Duration.lognormal(cv=math.sqrt(weighted / count))
    return Duration.fixed()


def _value(values: list[float]) -> DealValue:
    if not values:
        return DealValue()
    mean = math.fsum(values) / len(values)
    if len(values) < 2:
        return DealValue(mean)
    variance = math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)
    cv = math.sqrt(variance) / mean
    return DealValue(mean, "lognormal", cv) if cv > 0 else DealValue(mean)
