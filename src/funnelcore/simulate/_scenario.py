"""Scenarios: what a simulation of the funnel assumes, validated all at once.

A scenario names a sales process and, for each of its open stages, the probability that a deal
moves on (the rest are lost), optional branch probabilities (a revised proposal: OBJECTIONS back
to PROPOSAL), the mean time a stay in the stage lasts, the value of a won deal, how leads arrive
and, optionally, how many deals sales can work at once.

Seed 002: "a strong sales team is worthless without enough new leads coming through to keep them
busy"; a scenario holds both sides - the leads marketing brings and the conversion sales achieves -
so the two can be varied and compared. This module imports no numpy.
"""

from __future__ import annotations

import enum
import math
import sys
import types
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final, cast, final

import attrs

from funnelcore._presets import PRESETS, preset
from funnelcore._process import SalesProcess, reachable
from funnelcore._validation import is_amount
from funnelcore.errors import ProcessDefinitionError, ScenarioError, UnknownStageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "DISTRIBUTIONS",
    "Capacity",
    "Chain",
    "DealValue",
    "Duration",
    "LeadFlow",
    "Scenario",
    "lognormal_log",
]

#: The distributions a stay in a stage (or a deal's value) may follow.
DISTRIBUTIONS: Final = ("lognormal", "gamma", "fixed")
_NAMED: Final = ", ".join(repr(name) for name in PRESETS)  # for messages
_TOP_KEYS: Final = frozenset(
    {
        "name",
        "process",
        "leads",
        "periods",
        "period_days",
        "advance",
        "branch",
        "days",
        "duration",
        "value",
        "sources",
        "capacity",
    }
)


@final
@attrs.frozen(weakref_slot=False)
class Duration:
    """How the time a deal spends in one stay at a stage varies around the stage's mean.

    The mean comes from the scenario's ``days``; this record gives the shape, shared by every
    stage. ``cv`` is the coefficient of variation (standard deviation / mean). A lognormal stay has
    ``sigma**2 = log(1 + cv**2)``; a gamma stay has ``shape = 1 / cv**2`` (``cv = 1`` is the
    exponential, memoryless stay); a fixed stay lasts exactly the mean.

    Build one with :meth:`lognormal`, :meth:`gamma` or :meth:`fixed`. The scenario that holds it
    checks it.

    Attributes:
        distribution: ``"lognormal"``, ``"gamma"`` or ``"fixed"``.
        cv: the coefficient of variation (0 for ``fixed``).
    """

    distribution: str = "lognormal"
    cv: float = 0.5

    @classmethod
    def lognormal(cls, *, cv: float | None = None, sigma: float | None = None) -> Duration:
        """A lognormal stay, given by its ``cv`` (default 0.5) or the ``sigma`` of its log."""
        if sigma is not None:
            return cls("lognormal", _cv_of_sigma(sigma))
        return cls("lognormal", 0.5 if cv is None else cv)

    @classmethod
    def gamma(cls, *, shape: float | None = None, cv: float | None = None) -> Duration:
        """A gamma stay, given by its ``shape`` or its ``cv`` (default: shape 1, exponential)."""
        if shape is not None:
            return cls("gamma", _cv_of_shape(shape))
        return cls("gamma", 1.0 if cv is None else cv)

    @classmethod
    def fixed(cls) -> Duration:
        """Every stay lasts exactly the stage's mean days."""
        return cls("fixed", 0.0)

    @property
    def sigma(self) -> float:
        """The standard deviation of the log of a lognormal stay."""
        return lognormal_log(1.0, self.cv)[1]

    @property
    def shape(self) -> float:
        """The shape of a gamma stay (``1 / cv**2``; infinite when ``cv`` is 0)."""
        return math.inf if self.cv == 0 else 1.0 / (self.cv * self.cv)


@final
@attrs.frozen(weakref_slot=False)
class DealValue:
    """The value of a won deal: ``mean``, fixed or lognormal with coefficient of variation ``cv``.

    Attributes:
        mean: the mean value, in the deal currency.
        distribution: ``"fixed"`` (every deal is worth ``mean``) or ``"lognormal"``.
        cv: standard deviation / mean of a lognormal value.
    """

    mean: float = 0.0
    distribution: str = "fixed"
    cv: float = 0.0


@final
@attrs.frozen(weakref_slot=False)
class LeadFlow:
    """Leads arriving from one source or campaign: a Poisson count per period, at a cost per lead.

    Seed 001: marketing's one all-important function is that "it must generate qualified leads";
    the best programs have "numerous initiatives", each a flow of leads with its own cost.

    Attributes:
        name: the source or campaign (``"webinars"``).
        rate: mean leads per period; each period's count is Poisson.
        cost_per_lead: what one lead costs, in the deal currency.
    """

    name: str
    rate: float
    cost_per_lead: float = 0.0


@final
@attrs.frozen(weakref_slot=False)
class Capacity:
    """How many deals sales can work at once, and how fast the leads left waiting go cold.

    Seed 001: fed by an effective lead machine, "a sales persons time is more efficiently spent
    managing their pipeline". Sales works at most ``reps * deals_per_rep`` open deals; a lead that
    arrives when every slot is busy waits (first come, first served) and, while it waits, goes cold
    at ``decay`` per day (a waiting lead gives up after an exponential time of mean
    ``1 / decay`` days). A deal holds its slot from LEAD until it is won or lost.

    Attributes:
        reps: sales reps.
        deals_per_rep: open deals one rep can work at once.
        decay: the rate, per day, at which a waiting lead goes cold (0: leads wait for ever).
    """

    reps: int
    deals_per_rep: int
    decay: float = 0.0

    @property
    def slots(self) -> int:
        """How many deals sales can work at once."""
        return self.reps * self.deals_per_rep


@final
@attrs.frozen(weakref_slot=False)
class Chain:
    """A scenario compiled into an absorbing Markov chain over its open stages (internal).

    ``stages[0]`` is the entry stage; ``targets[i]`` lists ``(j, probability)`` for each way out
    of stage ``i`` other than LOST, the advance first; ``j == len(stages)`` is WON. The probability
    of LOST is what is left.
    """

    stages: tuple[enum.Enum, ...]
    targets: tuple[tuple[tuple[int, float], ...], ...]
    mean_days: tuple[float, ...]

    @property
    def won(self) -> int:
        """The index that stands for WON in ``targets``."""
        return len(self.stages)


# The converters leave anything that is not a mapping as it is, for _check_stages to report with
# every other problem (a converter's own error would name no field).
def _frozen_map(value: Mapping[Any, Any]) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        return value
    return types.MappingProxyType(dict(value))


def _nested_map(value: Mapping[Any, Mapping[Any, float]]) -> Mapping[Any, Mapping[Any, float]]:
    if not isinstance(value, Mapping):
        return value
    return types.MappingProxyType({key: _frozen_map(inner) for key, inner in value.items()})


def _flows(value: Iterable[LeadFlow]) -> tuple[LeadFlow, ...]:
    return tuple(value)


def _process_of(value: SalesProcess[Any] | str) -> SalesProcess[Any]:
    if isinstance(value, SalesProcess):
        return value
    found = preset(value)
    if found is None:
        raise ScenarioError("scenario", [f"process: unknown preset {value!r}; use {_NAMED}"])
    return found


@final
@attrs.frozen(weakref_slot=False, kw_only=True)
class Scenario:
    """What a funnel simulation assumes: a process, its conversion, its timing, its leads.

    Per open stage of the process, ``advance`` is the probability that a deal moves on to the next
    stage on its shortest way to WON, and ``branch`` the probability of each other move of the
    process (the complex process has one: OBJECTIONS back to PROPOSAL, a revised proposal); the
    rest are lost. ``days`` is the mean length of one stay in the stage, ``duration`` its shape.
    Leads are a cohort of ``leads`` arriving on day 0 plus, for each of ``sources``, a Poisson
    count per period over ``periods`` periods of ``period_days`` days. ``capacity`` (optional)
    caps the deals sales can work at once.

    Seed 002: "Companies that have a strong marketing department but poor sales skills will gather
    a lot of leads ... but will not be able to convert them"; a scenario states both so they can be
    compared. Every problem of a scenario is reported at once, in a :class:`ScenarioError`.

    >>> from funnelcore.simulate import DealValue, Scenario
    >>> scenario = Scenario(
    ...     process="simple", advance={"lead": 0.3}, days={"lead": 2}, leads=1000,
    ...     value=DealValue(50.0))
    >>> scenario.expected_leads
    1000.0

    Raises:
        ScenarioError: listing every problem: a probability outside [0, 1], the probabilities of
            leaving a stage summing over 1, an unknown or missing stage, negative days, a move the
            process does not have, a loop a deal could never leave, and so on.
    """

    process: SalesProcess[Any] = attrs.field(converter=_process_of)
    advance: Mapping[Any, float] = attrs.field(converter=_frozen_map, hash=False)
    days: Mapping[Any, float] = attrs.field(converter=_frozen_map, hash=False)
    branch: Mapping[Any, Mapping[Any, float]] = attrs.field(
        factory=lambda: types.MappingProxyType({}), converter=_nested_map, hash=False
    )
    duration: Duration = Duration()
    value: DealValue = DealValue()
    leads: int = 0
    sources: tuple[LeadFlow, ...] = attrs.field(default=(), converter=_flows)
    periods: int = 1
    period_days: float = 7.0
    capacity: Capacity | None = None
    name: str = "scenario"
    _chain: Chain = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        checked = _check(
            self.process,
            advance=self.advance,
            days=self.days,
            branch=self.branch,
            duration=self.duration,
            value=self.value,
            leads=self.leads,
            sources=self.sources,
            periods=self.periods,
            period_days=self.period_days,
            capacity=self.capacity,
        )
        if checked.problems:
            raise ScenarioError(self.name, checked.problems)
        assert checked.chain is not None
        object.__setattr__(self, "advance", types.MappingProxyType(checked.advance))
        object.__setattr__(self, "days", types.MappingProxyType(checked.days))
        object.__setattr__(self, "branch", _nested_map(checked.branch))
        object.__setattr__(self, "_chain", checked.chain)

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt through the constructor, checked and compiled again: its read-only maps
        # (MappingProxyType) do not pickle, and a copy must not share the compiled chain.
        fields = {field.name: getattr(self, field.name) for field in attrs.fields(Scenario)}
        del fields["_chain"]
        fields["advance"] = dict(self.advance)
        fields["days"] = dict(self.days)
        fields["branch"] = {stage: dict(inner) for stage, inner in self.branch.items()}
        return (_rebuilt, (fields,))

    # -- loading -------------------------------------------------------------------------------

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, base: str | Path | None = None) -> Scenario:
        """Build a scenario from plain data (parsed TOML or JSON), reporting every problem at once.

        The format (TOML; JSON has the same keys)::

            name = "q3"                     # optional
            process = "complex"             # "complex", "simple", a process file, or a table
            leads = 100000                  # a cohort arriving on day 0 (optional)
            periods = 13                    # periods the sources run for (default 1)
            period_days = 7                 # days in a period (default 7)
            [advance]                       # probability of moving on from each open stage
            lead = 0.6                      # ... one line per open stage
            [branch.objections]             # optional: other moves, by probability
            proposal = 0.2                  # a revised proposal
            [days]                          # mean days of one stay in each open stage
            lead = 2                        # ... one line per open stage
            [duration]                      # optional, default lognormal with cv 0.5
            distribution = "gamma"          # "lognormal" (cv or sigma), "gamma" (shape or cv),
            shape = 2                       #   or "fixed"
            [value]
            mean = 12000                    # fixed, unless cv (or distribution = "lognormal")
            cv = 0.8
            [[sources]]                     # optional Poisson lead flows
            name = "webinars"
            rate = 400                      # mean leads per period
            cost_per_lead = 35
            [capacity]                      # optional
            reps = 5
            deals_per_rep = 30
            decay = 0.05                    # per day, for leads left waiting

        A process file named in ``process`` is read relative to ``base`` (a directory).

        Raises:
            ScenarioError: listing every problem found.
        """
        return _from_mapping(data, base=None if base is None else Path(base))

    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        """Read a scenario from a TOML file (see :meth:`from_mapping` for the format).

        Raises:
            ScenarioError: the file cannot be read or parsed, or the scenario is invalid.
        """
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as error:
            raise ScenarioError(
                str(file), [f"cannot read {file}: {error.strerror or error}"]
            ) from error
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ScenarioError(str(file), [f"{file} is not valid TOML: {error}"]) from error
        data.setdefault("name", file.stem)
        return _from_mapping(data, base=file.parent)

    # -- reading -------------------------------------------------------------------------------

    @property
    def open_stages(self) -> tuple[Any, ...]:
        """The open stages of the process, in the order a deal first reaches them."""
        return self._chain.stages

    @property
    def expected_leads(self) -> float:
        """The mean number of leads: the cohort plus every source's rate times the periods."""
        return float(self.leads + sum(flow.rate for flow in self.sources) * self.periods)

    @property
    def expected_cost(self) -> float:
        """The mean cost of the leads the sources bring (the cohort costs nothing)."""
        return sum(flow.rate * flow.cost_per_lead for flow in self.sources) * self.periods

    @property
    def arrival_days(self) -> float:
        """Days the sources bring leads for: ``periods * period_days`` (0 without sources)."""
        return self.periods * self.period_days if self.sources else 0.0

    def next_stage(self, stage: Any) -> Any:
        """The stage a deal at ``stage`` advances to: the next one on its shortest way to WON.

        Raises:
            UnknownStageError: ``stage`` is not an open stage of the process.
        """
        found = self.process.stage(stage) if isinstance(stage, str) else stage
        if found not in self._chain.stages:
            raise UnknownStageError(
                stage, self.process.name, (str(s.value) for s in self._chain.stages)
            )
        return _forward(self.process, found)

    def leave_probability(self, stage: Any) -> float:
        """The probability that a deal at ``stage`` moves on or branches (is not lost there)."""
        found = self.process.stage(stage) if isinstance(stage, str) else stage
        return self.advance[found] + sum(self.branch.get(found, {}).values())

    def to_mapping(self) -> dict[str, Any]:
        """The scenario as plain data, in the format of :meth:`from_mapping`.

        A preset process is written by name; a custom process by its name only (it cannot be
        rebuilt from it).
        """
        data: dict[str, Any] = {"name": self.name, "process": self.process.name}
        if self.leads:
            data["leads"] = self.leads
        data["periods"] = self.periods
        data["period_days"] = self.period_days
        data["advance"] = {str(s.value): p for s, p in self.advance.items()}
        if self.branch:
            data["branch"] = {
                str(s.value): {str(t.value): p for t, p in inner.items()}
                for s, inner in self.branch.items()
            }
        data["days"] = {str(s.value): d for s, d in self.days.items()}
        data["duration"] = {"distribution": self.duration.distribution, "cv": self.duration.cv}
        data["value"] = {
            "mean": self.value.mean,
            "distribution": self.value.distribution,
            "cv": self.value.cv,
        }
        if self.sources:
            data["sources"] = [
                {"name": f.name, "rate": f.rate, "cost_per_lead": f.cost_per_lead}
                for f in self.sources
            ]
        if self.capacity is not None:
            data["capacity"] = {
                "reps": self.capacity.reps,
                "deals_per_rep": self.capacity.deals_per_rep,
                "decay": self.capacity.decay,
            }
        return data


# -- checking ------------------------------------------------------------------------------------


class _Checked:
    """The problems of a scenario's parts and, with none, the parts normalised (internal)."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.advance: dict[Any, float] = {}
        self.days: dict[Any, float] = {}
        self.branch: dict[Any, dict[Any, float]] = {}
        self.chain: Chain | None = None


def _is_number(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _forward(process: SalesProcess[Any], stage: Any) -> Any:
    path = process.path_to(process.won, start=stage)
    return path[1]


def _stage_key(
    process: SalesProcess[Any], key: object, where: str, problems: list[str]
) -> Any | None:
    """The open stage ``key`` names, or ``None`` after recording why it names none."""
    if isinstance(key, enum.Enum) and key in process.stages:
        stage: Any = key
    else:
        try:
            stage = process.stage(key.value if isinstance(key, enum.Enum) else str(key))
        except UnknownStageError:
            problems.append(f"{where}: unknown stage {_text(key)} for process {process.name!r}")
            return None
    if process.is_terminal(stage):
        problems.append(f"{where}: {stage.value} is terminal; only open stages are simulated")
        return None
    return stage


def _text(key: object) -> str:
    return repr(key.value) if isinstance(key, enum.Enum) else repr(str(key))


def _check_probability(value: object, where: str, problems: list[str]) -> float | None:
    if not _is_number(value) or not 0.0 <= float(value) <= 1.0:  # type: ignore[arg-type]
        problems.append(f"{where}: {value!r} is not a probability in [0, 1]")
        return None
    return float(value)  # type: ignore[arg-type]


def _check(
    process: SalesProcess[Any] | None,
    *,
    advance: Mapping[Any, object],
    days: Mapping[Any, object],
    branch: Mapping[Any, Mapping[Any, object]],
    duration: object,
    value: object,
    leads: object,
    sources: Iterable[object],
    periods: object,
    period_days: object,
    capacity: object,
) -> _Checked:
    """Every problem of a scenario's parts; with no problems, the parts normalised and compiled."""
    out = _Checked()
    problems = out.problems
    if process is not None:
        _check_stages(process, advance, days, branch, out)
    _check_duration(duration, problems)
    _check_value(value, problems)
    _check_leads(leads, sources, periods, period_days, problems)
    _check_capacity(capacity, problems)
    if process is not None and not problems:
        out.chain = _compile(process, out, problems)
    return out


def _check_stages(
    process: SalesProcess[Any],
    advance: Mapping[Any, object],
    days: Mapping[Any, object],
    branch: Mapping[Any, Mapping[Any, object]],
    out: _Checked,
) -> None:
    problems = out.problems
    open_stages = process.open_stages
    tables: list[Mapping[Any, Any]] = []
    unusable: set[str] = set()
    for name, given_table, holds in (
        ("advance", advance, "stage = probability"),
        ("days", days, "stage = mean days"),
        ("branch", branch, "stage = {stage = probability}"),
    ):
        if isinstance(given_table, Mapping):
            tables.append(given_table)
        else:
            problems.append(f"{name}: expected a table of {holds}, got {given_table!r}")
            unusable.add(name)
            tables.append({})
    advance, days, branch = tables
    for key, probability in advance.items():
        stage = _stage_key(process, key, f"advance.{_plain(key)}", problems)
        checked = _check_probability(probability, f"advance.{_plain(key)}", problems)
        if stage is not None and stage in out.advance:
            problems.append(f"advance.{_plain(key)}: {stage.value} is given twice")
        elif stage is not None and checked is not None:
            out.advance[stage] = checked
    for key, mean in days.items():
        where = f"days.{_plain(key)}"
        stage = _stage_key(process, key, where, problems)
        if not _is_number(mean):
            problems.append(f"{where}: {mean!r} is not a number of days")
        elif float(mean) < 0:  # type: ignore[arg-type]
            problems.append(f"{where}: {mean!r} is negative; days in a stage must be >= 0")
        elif stage is not None and stage in out.days:
            problems.append(f"{where}: {stage.value} is given twice")
        elif stage is not None:
            out.days[stage] = float(mean)  # type: ignore[arg-type]
    for table, given in (("advance", advance), ("days", days)):
        if table in unusable:
            continue
        named = {_stage_name(process, key) for key in given}
        missing = [str(s.value) for s in open_stages if s.value not in named]
        if missing:
            problems.append(
                f"{table}: missing stage{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"(every open stage of {process.name!r} needs one)"
            )
    for source_key, inner in branch.items():
        where = f"branch.{_plain(source_key)}"
        source = _stage_key(process, source_key, where, problems)
        if not isinstance(inner, Mapping):
            problems.append(f"{where}: expected a table of stage = probability, got {inner!r}")
            continue
        for target_key, probability in inner.items():
            here = f"{where}.{_plain(target_key)}"
            checked = _check_probability(probability, here, problems)
            try:
                target = (
                    target_key
                    if isinstance(target_key, enum.Enum) and target_key in process.stages
                    else process.stage(_plain(target_key))
                )
            except UnknownStageError:
                problems.append(
                    f"{here}: unknown stage {_text(target_key)} for process {process.name!r}"
                )
                continue
            if source is None or checked is None:
                continue
            if target is process.lost:
                problems.append(f"{here}: a branch to LOST is implied (the rest is lost)")
            elif target is _forward(process, source):
                problems.append(
                    f"{here}: {source.value} advances to {target.value}; "
                    f"give it in advance.{source.value}"
                )
            elif process.move_between(source, target) is None:
                problems.append(
                    f"{here}: the process has no move from {source.value} to {target.value}"
                )
            else:
                out.branch.setdefault(source, {})[target] = checked
    for stage, probability in out.advance.items():
        total = probability + sum(out.branch.get(stage, {}).values())
        if total > 1.0 + 1e-12:
            problems.append(
                f"branch.{stage.value}: advance and branch probabilities from {stage.value} sum "
                f"to {total:g} > 1 (the rest, 1 - their sum, is lost)"
            )


def _rebuilt(fields: dict[str, Any]) -> Scenario:
    """A pickled or copied :class:`Scenario`, made again (see ``Scenario.__reduce__``)."""
    return Scenario(**fields)


def _plain(key: object) -> str:
    return str(key.value) if isinstance(key, enum.Enum) else str(key)


def _stage_name(process: SalesProcess[Any], key: object) -> str:
    try:
        return str(process.stage(_plain(key)).value)
    except UnknownStageError:
        return _plain(key)


def _check_duration(duration: object, problems: list[str]) -> None:
    if not isinstance(duration, Duration):
        problems.append(f"duration: expected a Duration, got {duration!r}")
        return
    if duration.distribution not in DISTRIBUTIONS:
        problems.append(
            f"duration.distribution: unknown {duration.distribution!r}; "
            f"use one of {', '.join(DISTRIBUTIONS)}"
        )
    if not is_amount(duration.cv):
        problems.append(f"duration.cv: {duration.cv!r} must be a number >= 0")
    elif duration.cv == 0 and duration.distribution in ("lognormal", "gamma"):
        problems.append(
            f"duration.cv: a {duration.distribution} stay needs cv > 0 (use 'fixed' for none)"
        )


def _check_value(value: object, problems: list[str]) -> None:
    if not isinstance(value, DealValue):
        problems.append(f"value: expected a DealValue, got {value!r}")
        return
    if not is_amount(value.mean):
        problems.append(f"value.mean: {value.mean!r} must be a number >= 0")
    if value.distribution not in ("fixed", "lognormal"):
        problems.append(
            f"value.distribution: unknown {value.distribution!r}; use 'fixed' or 'lognormal'"
        )
    if not is_amount(value.cv):
        problems.append(f"value.cv: {value.cv!r} must be a number >= 0")


def _check_leads(
    leads: object,
    sources: Iterable[object],
    periods: object,
    period_days: object,
    problems: list[str],
) -> None:
    if isinstance(leads, bool) or not isinstance(leads, int) or leads < 0:
        problems.append(f"leads: {leads!r} must be a whole number >= 0")
    if isinstance(periods, bool) or not isinstance(periods, int) or periods < 1:
        problems.append(f"periods: {periods!r} must be a whole number >= 1")
    if not _is_number(period_days) or float(period_days) <= 0:  # type: ignore[arg-type]
        problems.append(f"period_days: {period_days!r} must be a number > 0")
    names: set[str] = set()
    for index, flow in enumerate(sources):
        where = f"sources[{index}]"
        if not isinstance(flow, LeadFlow):
            problems.append(f"{where}: expected a LeadFlow, got {flow!r}")
            continue
        if not isinstance(flow.name, str) or not flow.name.strip():
            problems.append(f"{where}.name: a source needs a name")
        elif flow.name in names:
            problems.append(f"{where}.name: {flow.name!r} is given twice")
        else:
            names.add(flow.name)
        if not is_amount(flow.rate):
            problems.append(f"{where}.rate: {flow.rate!r} must be a number of leads >= 0")
        if not is_amount(flow.cost_per_lead):
            problems.append(f"{where}.cost_per_lead: {flow.cost_per_lead!r} must be >= 0")


def _check_capacity(capacity: object, problems: list[str]) -> None:
    if capacity is None:
        return
    if not isinstance(capacity, Capacity):
        problems.append(f"capacity: expected a Capacity, got {capacity!r}")
        return
    for field in ("reps", "deals_per_rep"):
        count = getattr(capacity, field)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            problems.append(f"capacity.{field}: {count!r} must be a whole number >= 1")
    if not is_amount(capacity.decay):
        problems.append(f"capacity.decay: {capacity.decay!r} must be a number >= 0 (per day)")


def _compile(process: SalesProcess[Any], out: _Checked, problems: list[str]) -> Chain | None:
    """Order the open stages as a deal first reaches them and check every stage can be left."""
    edges: dict[Any, list[tuple[Any, float]]] = {}
    for stage in process.open_stages:
        targets = [(_forward(process, stage), out.advance[stage])]
        targets.extend(out.branch.get(stage, {}).items())
        edges[stage] = targets
    order: list[Any] = [process.entry]
    seen = {process.entry}
    queue = deque([process.entry])
    while queue:
        for target, _ in edges[queue.popleft()]:
            if target not in seen and not process.is_terminal(target):
                seen.add(target)
                order.append(target)
                queue.append(target)
    # Stages no deal can reach with the scenario's moves still get a row (probability 0).
    order.extend(s for s in process.open_stages if s not in seen)
    # A deal must leave for WON or LOST with probability 1: from every stage, some stage it can
    # reach with positive probability must lose deals or win them.
    positive = {s: [t for t, p in edges[s] if p > 0] for s in order}
    exits = {s for s in order if sum(p for _, p in edges[s]) < 1.0 - 1e-12}
    exits |= {s for s in order if process.won in positive[s]}
    trapped = [s for s in order if not reachable(s, positive) & exits]
    if trapped:
        problems.append(
            f"stages {', '.join(str(s.value) for s in trapped)}: a deal there would move between "
            "them for ever (no path to WON or LOST with positive probability)"
        )
        return None
    index = {stage: i for i, stage in enumerate(order)}
    won = len(order)
    return Chain(
        stages=tuple(order),
        targets=tuple(
            tuple((won if t is process.won else index[t], p) for t, p in edges[s]) for s in order
        ),
        mean_days=tuple(out.days[s] for s in order),
    )


# -- parsing -------------------------------------------------------------------------------------


def lognormal_log(mean: float, cv: float) -> tuple[float, float]:
    """The ``(mu, sigma)`` of the log of a lognormal with this mean and coefficient of variation.

    ``sigma**2 = log(1 + cv**2)`` and ``mu = log(mean) - sigma**2 / 2``: the lognormal keeps the
    mean it is given (see :doc:`/concepts/simulation-model`).
    """
    sigma = math.sqrt(math.log1p(cv * cv))
    return math.log(mean) - sigma * sigma / 2, sigma


def _cv_of_sigma(sigma: float) -> float:
    return math.sqrt(math.expm1(sigma * sigma))


def _cv_of_shape(shape: float) -> float:
    return 1.0 / math.sqrt(shape)


def _table(data: Mapping[str, Any], key: str, problems: list[str]) -> Mapping[str, Any]:
    value: object = data.get(key, {})
    if not isinstance(value, Mapping):
        problems.append(f"{key}: expected a table, got {value!r}")
        return {}
    return cast("Mapping[str, Any]", value)


def _unknown_keys(
    table: Mapping[str, Any], known: Iterable[str], where: str, problems: list[str]
) -> None:
    allowed = set(known)
    for key in table:
        if key not in allowed:
            problems.append(
                f"{where}{key}: unknown key; expected one of {', '.join(sorted(allowed))}"
            )


def _resolve_process(
    spec: object, base: Path | None, problems: list[str]
) -> SalesProcess[Any] | None:
    try:
        if isinstance(spec, Mapping):
            return SalesProcess.from_mapping(cast("Mapping[str, Any]", spec))
        if not isinstance(spec, str):
            problems.append(f"process: expected a preset name, a file or a table, got {spec!r}")
            return None
        found = preset(spec)
        if found is not None:
            return found
        path = Path(spec)
        if path.suffix.lower() not in (".toml", ".json"):
            problems.append(
                f"process: unknown preset {spec!r}; use {_NAMED}, a .toml/.json process file or "
                "a [process] table"
            )
            return None
        return SalesProcess.load(path if base is None or path.is_absolute() else base / path)
    except ProcessDefinitionError as error:
        problems.extend(f"process: {problem}" for problem in error.problems)
        return None


def _duration_from(table: Mapping[str, Any], problems: list[str]) -> Duration:
    _unknown_keys(table, ("distribution", "cv", "sigma", "shape"), "duration.", problems)
    distribution = table.get("distribution", "lognormal")
    spread = [key for key in ("cv", "sigma", "shape") if key in table]
    for key in spread:
        if not _is_number(table[key]) or table[key] <= 0:
            problems.append(f"duration.{key}: {table[key]!r} must be a number > 0")
            return Duration()
    if len(spread) > 1:
        problems.append(f"duration: give one of cv, sigma or shape, not {', '.join(spread)}")
        return Duration()
    if distribution == "fixed":
        if spread:
            problems.append(f"duration.{spread[0]}: a fixed stay has no spread")
        return Duration.fixed()
    if distribution == "lognormal":
        if "shape" in table:
            problems.append("duration.shape: a lognormal stay takes cv or sigma")
            return Duration()
        return Duration.lognormal(cv=table.get("cv"), sigma=table.get("sigma"))
    if distribution == "gamma":
        if "sigma" in table:
            problems.append("duration.sigma: a gamma stay takes shape or cv")
            return Duration()
        return Duration.gamma(shape=table.get("shape"), cv=table.get("cv"))
    return Duration(str(distribution), 0.5)


def _value_from(table: Mapping[str, Any], problems: list[str]) -> DealValue:
    _unknown_keys(table, ("mean", "distribution", "cv", "sigma"), "value.", problems)
    mean = table.get("mean", 0.0)
    if "cv" in table and "sigma" in table:
        problems.append("value: give cv or sigma, not both")
    spread = table.get("cv", 0.0)
    if "sigma" in table:
        sigma = table["sigma"]
        if not is_amount(sigma):
            problems.append(f"value.sigma: {sigma!r} must be a number >= 0")
        else:
            spread = _cv_of_sigma(float(sigma))
    has_spread = "cv" in table or "sigma" in table
    distribution = table.get("distribution", "lognormal" if has_spread else "fixed")
    return DealValue(mean, distribution, spread)


def _sources_from(data: Mapping[str, Any], problems: list[str]) -> list[LeadFlow]:
    raw: object = data.get("sources", [])
    if not isinstance(raw, list):
        problems.append("sources: expected an array of tables ([[sources]])")
        return []
    flows: list[LeadFlow] = []
    for index, entry in enumerate(cast("list[object]", raw)):
        if not isinstance(entry, Mapping):
            problems.append(f"sources[{index}]: expected a table, got {entry!r}")
            continue
        item = cast("Mapping[str, Any]", entry)
        _unknown_keys(item, ("name", "rate", "cost_per_lead"), f"sources[{index}].", problems)
        if "rate" not in item:
            problems.append(f"sources[{index}].rate: missing (mean leads per period)")
        flows.append(
            LeadFlow(item.get("name", ""), item.get("rate", 0.0), item.get("cost_per_lead", 0.0))
        )
    return flows


def _capacity_from(data: Mapping[str, Any], problems: list[str]) -> Capacity | None:
    if "capacity" not in data:
        return None
    table = _table(data, "capacity", problems)
    _unknown_keys(table, ("reps", "deals_per_rep", "decay"), "capacity.", problems)
    for key in ("reps", "deals_per_rep"):
        if key not in table:
            problems.append(f"capacity.{key}: missing")
    return Capacity(table.get("reps", 1), table.get("deals_per_rep", 1), table.get("decay", 0.0))


def _from_mapping(data: Mapping[str, Any], *, base: Path | None) -> Scenario:
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise ScenarioError("scenario", [f"expected a table of settings, got {data!r}"])
    name = data.get("name", "scenario")
    if not isinstance(name, str):
        problems.append(f"name: expected text, got {name!r}")
        name = "scenario"
    _unknown_keys(data, _TOP_KEYS, "", problems)
    if "process" not in data:
        problems.append(f"process: missing ({_NAMED}, a process file or a table)")
        process = None
    else:
        process = _resolve_process(data["process"], base, problems)
    advance = _table(data, "advance", problems)
    days = _table(data, "days", problems)
    branch = _table(data, "branch", problems)
    duration = _duration_from(_table(data, "duration", problems), problems)
    value = _value_from(_table(data, "value", problems), problems)
    sources = _sources_from(data, problems)
    capacity = _capacity_from(data, problems)
    parts: dict[str, Any] = {
        "advance": advance,
        "days": days,
        "branch": branch,
        "duration": duration,
        "value": value,
        "leads": data.get("leads", 0),
        "sources": sources,
        "periods": data.get("periods", 1),
        "period_days": data.get("period_days", 7.0),
        "capacity": capacity,
    }
    if problems or process is None:
        # Report the parts' own problems too, as far as they can be checked.
        problems.extend(_check(process, **parts).problems)
        raise ScenarioError(name, problems)
    return Scenario(process=process, name=name, **parts)
