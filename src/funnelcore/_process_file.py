"""Process definitions as plain data: TOML or JSON files, or a parsed mapping.

The format (TOML shown; JSON has the same keys)::

    name = "crm"
    stages = ["prospecting", "engaging", "won", "lost"]
    entry = "prospecting"
    won = "won"
    lost = "lost"
    lose_by = ["sales", "system"]          # optional, this is the default
    open_by = ["marketing", "sales"]       # optional, default: every role

    [[moves]]
    name = "engage"
    from = "prospecting"
    to = "engaging"
    by = ["sales"]
    guards = []                            # optional: permission, able_and_likely, ...

    [probability]                          # optional default win probability per stage
    engaging = 0.6

    [forecast]                             # optional forecast category per stage
    engaging = "best_case"
"""

from __future__ import annotations

import enum
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from funnelcore._actors import Role
from funnelcore._presets import BUILT_IN_GUARDS
from funnelcore._process import Guard, Move, SalesProcess, StageSetting
from funnelcore._stages import ForecastCategory
from funnelcore.errors import ProcessDefinitionError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["load_process", "process_from_mapping"]

_STAGE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_KEYS = {
    "name",
    "stages",
    "entry",
    "won",
    "lost",
    "lose_by",
    "open_by",
    "moves",
    "probability",
    "forecast",
}
_MOVE_KEYS = {"name", "from", "to", "by", "guards"}


def load_process(path: str | Path) -> SalesProcess[Any]:
    """Read a process definition from a ``.toml`` or ``.json`` file.

    Raises:
        ProcessDefinitionError: the file cannot be read or parsed, or the definition is unsound.
    """
    file = Path(path)
    label = file.stem
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ProcessDefinitionError(
            label, [f"cannot read {file}: {error.strerror or error}"]
        ) from error
    try:
        if file.suffix.lower() == ".json":
            data = json.loads(text)
        elif file.suffix.lower() == ".toml":
            data = tomllib.loads(text)
        else:
            raise ProcessDefinitionError(label, [f"{file.name}: expected a .toml or .json file"])
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise ProcessDefinitionError(label, [f"{file.name} is not valid: {error}"]) from error
    if not isinstance(data, Mapping):
        raise ProcessDefinitionError(label, [f"{file.name} must hold a table/object at the top"])
    return process_from_mapping({"name": label, **data})


def _list(value: object) -> list[object] | None:
    """``value`` as a list of unknown items, or ``None`` if it is not a list."""
    return cast("list[object]", value) if isinstance(value, list) else None


def _table(value: object) -> Mapping[str, object] | None:
    """``value`` as a table (string keys), or ``None`` if it is not a mapping."""
    return cast("Mapping[str, object]", value) if isinstance(value, Mapping) else None


def process_from_mapping(data: Mapping[str, Any]) -> SalesProcess[Any]:
    """Build a process from parsed data, reporting every problem at once (see the module doc)."""
    name = data.get("name")
    label = name if isinstance(name, str) and name.strip() else "(unnamed)"
    problems: list[str] = []
    if label == "(unnamed)":
        problems.append("'name' must be non-empty text")
    unknown_keys = sorted(set(data) - _KEYS)
    if unknown_keys:
        problems.append(f"unknown keys: {', '.join(unknown_keys)}")

    raw_stages = _list(data.get("stages"))
    stage_names: list[str] = []
    if not raw_stages:
        problems.append("'stages' must be a non-empty list of stage names")
    else:
        for raw in raw_stages:
            if isinstance(raw, str) and _STAGE_NAME.match(raw):
                stage_names.append(raw)
            else:
                problems.append(f"stage name {raw!r} must be lowercase letters, digits and _")
    if len(set(stage_names)) != len(stage_names):
        problems.append("stage names must be unique")
    stage_type: Any = enum.Enum(  # type: ignore[misc]
        f"{label.title().replace('_', '')}Stage",
        [(n.upper(), n) for n in dict.fromkeys(stage_names)] or [("_EMPTY", "_empty")],
        type=str,
    )
    by_value: dict[str, Any] = {member.value: member for member in stage_type}

    def stage(value: object, where: str) -> Any:
        if isinstance(value, str) and value in by_value:
            return by_value[value]
        if value is None:  # the key is not in the file
            problems.append(f"{where} is missing (it names one of the stages)")
        else:
            problems.append(f"{where}: unknown stage {value!r}")
        return None

    def roles(value: object, where: str) -> frozenset[Role]:
        items = _list(value)
        if items is None:
            problems.append(f"{where}: must be a list of roles")
            return frozenset()
        found: set[Role] = set()
        for raw in items:
            try:
                found.add(Role(raw))
            except ValueError:
                problems.append(
                    f"{where}: unknown role {raw!r}; roles are {', '.join(r.value for r in Role)}"
                )
        return frozenset(found)

    entry = stage(data.get("entry"), "entry")
    won = stage(data.get("won"), "won")
    lost = stage(data.get("lost"), "lost")
    lose_by = roles(data.get("lose_by", ["sales", "system"]), "lose_by")
    open_by = roles(data.get("open_by", [r.value for r in Role]), "open_by")

    moves: list[Move[Any]] = []
    raw_moves = _list(data.get("moves", []))
    if raw_moves is None:
        problems.append("'moves' must be a list of tables")
        raw_moves = []
    for number, item in enumerate(raw_moves, start=1):
        where = f"move {number}"
        raw_move = _table(item)
        if raw_move is None:
            problems.append(f"{where}: must be a table with name, from, to, by")
            continue
        extra = sorted(set(raw_move) - _MOVE_KEYS)
        if extra:
            problems.append(f"{where}: unknown keys: {', '.join(extra)}")
        move_name = raw_move.get("name")
        if isinstance(move_name, str):
            where = f"move {move_name!r}"
        else:
            problems.append(f"{where}: 'name' must be text")
        source = stage(raw_move.get("from"), f"{where} from")
        target = stage(raw_move.get("to"), f"{where} to")
        by = roles(raw_move.get("by"), f"{where} by")
        if Role.MARKETING in by and (source is None or target is None):
            # define() says this too, but is not reached while a stage name is wrong.
            problems.append(
                f"{where}: granted to marketing, but marketing produces leads, never closes"
            )
        guards: list[Guard] = []
        guard_names = _list(raw_move.get("guards", []))
        if guard_names is None:
            problems.append(f"{where} guards: must be a list of guard names")
        for guard_name in guard_names or []:
            if isinstance(guard_name, str) and guard_name in BUILT_IN_GUARDS:
                guards.append(BUILT_IN_GUARDS[guard_name])
            else:
                problems.append(
                    f"{where}: unknown guard {guard_name!r}; built-in guards are "
                    f"{', '.join(BUILT_IN_GUARDS)}"
                )
        if isinstance(move_name, str) and source is not None and target is not None:
            moves.append(Move(move_name, source, target, by, tuple(guards)))

    settings: dict[Any, StageSetting] = {}
    probabilities = _table(data.get("probability", {}))
    forecasts = _table(data.get("forecast", {}))
    for key, table in (("probability", probabilities), ("forecast", forecasts)):
        if table is None:
            problems.append(f"'{key}' must be a table of stage = value")
    if probabilities is not None and forecasts is not None:
        for stage_name in dict.fromkeys([*probabilities, *forecasts]):
            member = stage(stage_name, "probability/forecast")
            probability = probabilities.get(stage_name)
            if probability is not None and (
                isinstance(probability, bool) or not isinstance(probability, (int, float))
            ):
                problems.append(
                    f"probability of {stage_name!r} must be a number, got {probability!r}"
                )
                probability = None
            category = None
            if stage_name in forecasts:
                try:
                    category = ForecastCategory(forecasts[stage_name])
                except ValueError:
                    problems.append(
                        f"forecast of {stage_name!r}: unknown category {forecasts[stage_name]!r}; "
                        f"categories are {', '.join(c.value for c in ForecastCategory)}"
                    )
            if member is not None:
                settings[member] = StageSetting(probability, category)

    if problems or entry is None or won is None or lost is None:
        raise ProcessDefinitionError(label, problems)
    return SalesProcess.define(
        label,
        stages=stage_type,
        entry=entry,
        won=won,
        lost=lost,
        moves=moves,
        lose_by=lose_by,
        open_by=open_by,
        settings=settings,
    )
