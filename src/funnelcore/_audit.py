"""Audit an event log against a sales process: every violation, with its row.

The rules, in the order a row's violations are listed:

``malformed``
    a required field is missing or unparseable: ``deal_id``, ``stage``, ``at`` (see
    ``_timestamps`` for the grammar) or ``actor`` (a role: marketing, sales, customer, system).
``unknown_stage``
    the stage is not one of the process's (matched like ``SalesProcess.stage``: value or name,
    any case, a space or hyphen for an underscore: "Needs Analysis").
``not_from_entry``
    a deal's first event does not enter the process's entry stage.
``illegal_move``
    the process has no move from the deal's previous stage to this one (a skipped stage, say).
``actor_not_allowed``
    the role may not make the move (marketing moving a deal past LEAD, a non-rep closing a
    complex sale) or may not open a deal.
``after_terminal``
    the deal had already been closed (WON or LOST) at an earlier row.
``out_of_order``
    the event is dated before the deal's previous event.

How rows are walked: each deal's rows, in input order, form its history (a log is expected to be
in time order per deal, which ``out_of_order`` checks). A row without a ``deal_id`` belongs to no
deal; it is reported and takes part in nothing else. A row whose stage is missing or unknown is
reported, and the move into the row after it is not judged (where the deal was is unknown); a row
whose ``at`` is unusable is reported and not compared in time. Every other check runs on every
row, so one bad row is reported once and does not hide the others.

The verdicts agree with the core: a log audits clean exactly when every deal in it replays through
``SalesProcess.replay`` (given the evidence the guards need, see ``deals_from_log``).
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Final, Literal, cast, final

import attrs

from funnelcore import _columns as C
from funnelcore._actors import Role
from funnelcore._log_source import (
    Columns,
    all_are,
    blank,
    column_blocks,
    describe_source,
    has_analytics,
    load_columns,
    source_kind,
    text_of,
)
from funnelcore._mapping import ColumnMapping
from funnelcore._process import Move, SalesProcess, check_process, stage_spellings
from funnelcore._timestamps import TimestampProblem, coerce_timestamp
from funnelcore._values import value_problem
from funnelcore._words import noun

__all__ = [
    "RULES",
    "AuditReport",
    "Engine",
    "ProcessRules",
    "Violation",
    "ParsedColumns",
    "audit",
    "audit_blocks",
    "audit_columns",
    "audit_parsed",
    "parse_columns",
    "role_of",
    "value_message",
]

#: The rule ids, in the order a row's violations are listed.
RULES: Final = (
    "malformed",
    "unknown_stage",
    "not_from_entry",
    "illegal_move",
    "actor_not_allowed",
    "after_terminal",
    "out_of_order",
)
_RULE_ORDER: Final = {rule: index for index, rule in enumerate(RULES)}
_ROLES: Final = tuple(role.value for role in Role)
_ROLE_SET: Final = frozenset(_ROLES)

#: How ``audit`` runs: ``auto`` picks ``vectorised`` when the ``analytics`` extra is installed
#: (and always for dataframes), ``python`` otherwise.
Engine = Literal["auto", "python", "vectorised"]


@final
@attrs.frozen(weakref_slot=False, order=False)
class Violation:
    """One broken rule at one row of an event log.

    Attributes:
        row: the 1-based data row (header excluded), in the order of the input.
        deal_id: the row's deal, or ``None`` when the row has none.
        rule: one of ``RULES``.
        message: what is wrong, in words.
    """

    row: int
    deal_id: str | None
    rule: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        """The violation as JSON-ready data."""
        return {
            "row": self.row,
            "deal_id": self.deal_id,
            "rule": self.rule,
            "message": self.message,
        }

    def __str__(self) -> str:
        deal = "" if self.deal_id is None else f" deal {self.deal_id!r}"
        return f"row {self.row}{deal}: {self.rule}: {self.message}"


def _violation_key(violation: Violation) -> tuple[int, int]:
    return violation.row, _RULE_ORDER[violation.rule]


@final
@attrs.frozen(weakref_slot=False)
class AuditReport:
    """The result of an audit: how much was checked and every violation found, in row order.

    Attributes:
        rows: data rows read.
        deals: distinct deal ids among them.
        violations: every violation, ordered by row, then by rule (see ``RULES``).
    """

    rows: int
    deals: int
    violations: tuple[Violation, ...]

    @property
    def is_clean(self) -> bool:
        """Whether no rule is broken."""
        return not self.violations

    def counts(self) -> dict[str, int]:
        """How many violations of each rule (rules with none are left out)."""
        counts: dict[str, int] = {}
        for violation in self.violations:
            counts[violation.rule] = counts.get(violation.rule, 0) + 1
        return {rule: counts[rule] for rule in RULES if rule in counts}

    def to_dict(self) -> dict[str, Any]:
        """``{"rows": N, "deals": M, "violations": [{"row", "deal_id", "rule", "message"}]}``."""
        return {
            "rows": self.rows,
            "deals": self.deals,
            "violations": [violation.to_dict() for violation in self.violations],
        }

    def to_text(self) -> str:
        """A readable report: one line per violation, then a summary line."""
        lines = [str(violation) for violation in self.violations]
        if self.violations:
            summary = ", ".join(f"{count} {rule}" for rule, count in self.counts().items())
            lines.append(
                f"{_many(len(self.violations), 'violation')} in {_many(self.rows, 'row')}, "
                f"{_many(self.deals, 'deal')}: {summary}"
            )
        else:
            lines.append(
                f"clean: {_many(self.rows, 'row')}, {_many(self.deals, 'deal')}, no violations"
            )
        return "\n".join(lines)


def _many(count: int, what: str) -> str:
    return f"{count} {noun(count, what)}"


def sorted_report(rows: int, deals: int, violations: Iterable[Violation]) -> AuditReport:
    """An :class:`AuditReport` with its violations in report order."""
    return AuditReport(rows, deals, tuple(sorted(violations, key=_violation_key)))


@final
class ProcessRules:
    """A process as the audit needs it: stage names, edges and roles as plain text."""

    def __init__(self, process: SalesProcess[Any]) -> None:
        check_process(process)  # the audit, read_log and deals_from_log all start here
        self.process = process
        self.name = process.name
        self.stage_values: tuple[str, ...] = tuple(str(s.value) for s in process.stages)
        #: Every lowercase spelling of a stage -> its value (``SalesProcess.stage`` matching).
        self.keys: dict[str, str] = {
            key: str(stage.value) for key, stage in stage_spellings(process).items()
        }
        self.entry = str(process.entry.value)
        self.won = str(process.won.value)
        self.lost = str(process.lost.value)
        self.terminal = frozenset((self.won, self.lost))
        self.moves: dict[tuple[str, str], Move[Any]] = {
            (str(m.source.value), str(m.target.value)): m for m in process.moves
        }
        self.allowed: frozenset[tuple[str, str, str]] = frozenset(
            (source, target, role.value)
            for (source, target), move in self.moves.items()
            for role in move.by
        )
        self.open_by = frozenset(role.value for role in process.open_by)
        self.next_stages: dict[str, tuple[str, ...]] = {
            str(s.value): tuple(str(t.value) for t in process.next_stages(s))
            for s in process.stages
        }

    # -- messages: every engine builds its violations through these -------------------------

    def malformed(
        self,
        *,
        deal_missing: bool,
        stage_missing: bool,
        at_problem: int,
        at_text: str | None,
        actor_text: str | None,
        actor_bad: bool,
        value_text: str | None = None,
    ) -> str:
        """The message of a ``malformed`` row, naming every bad field.

        ``value_text``: the cell of an optional ``value`` that is not a value (``_values``).
        """
        parts: list[str] = []
        if deal_missing:
            parts.append(f"{C.DEAL_ID} is missing")
        if stage_missing:
            parts.append(f"{C.STAGE} is missing")
        if at_problem == TimestampProblem.MISSING:
            parts.append(f"{C.AT} is missing")
        elif at_problem == TimestampProblem.UNPARSEABLE:
            parts.append(
                f"{C.AT} {at_text!r} is not a timestamp (expected ISO 8601, "
                "e.g. 2026-01-05 or 2026-01-05T09:30:00Z)"
            )
        elif at_problem == TimestampProblem.NO_OFFSET:
            parts.append(
                f"{C.AT} {at_text!r} has no UTC offset, but other rows of the log have one"
            )
        if actor_bad:
            if actor_text is None:
                parts.append(f"{C.ACTOR} is missing")
            else:
                parts.append(f"{C.ACTOR} {actor_text!r} is not a role ({', '.join(_ROLES)})")
        if value_text is not None:
            parts.append(
                f"{C.VALUE} {value_text!r} is not a number (expected a finite decimal number, "
                "e.g. 1200 or 1200.50)"
            )
        return "; ".join(parts)

    def unknown_stage(self, stage_text: str) -> str:
        """The message of an ``unknown_stage`` row."""
        return (
            f"stage {stage_text!r} is not a stage of process {self.name!r} "
            f"(stages: {', '.join(self.stage_values)})"
        )

    def not_from_entry(self, stage: str) -> str:
        """The message of a deal whose first event is not its entry."""
        return (
            f"the deal's first event enters {stage}, not {self.entry}, "
            f"the entry stage of process {self.name!r}"
        )

    def open_not_allowed(self, role: str) -> str:
        """The message of a deal opened by a role the process does not let open deals."""
        return (
            f"{role} may not open a deal in process {self.name!r}; "
            f"it lets {_or(self.open_by)} open deals"
        )

    def illegal_move(self, source: str, target: str) -> str:
        """The message of a move that is not an edge of the process."""
        onward = ", ".join(self.next_stages.get(source, ())) or "nowhere"
        return (
            f"no move from {source} to {target} in process {self.name!r}; "
            f"from {source} a deal goes to {onward}"
        )

    def move_not_allowed(self, source: str, target: str, role: str) -> str:
        """The message of a move made by a role it is not granted to."""
        move = self.moves[source, target]
        if role == Role.MARKETING.value:
            return (
                f"marketing may not move a deal from {source} to {target}: marketing produces "
                "leads, never closes (seed 000: the sales process 'is typically NOT the job of "
                "marketing')"
            )
        if target == self.won and Role.SALES in move.by:
            return (
                f"{role} may not close a deal as {target}: a complex sale is closed only by a "
                "sales rep (seed 003: the final stages 'can only be made with and through ... a "
                "sales person')"
            )
        return (
            f"{role} may not {move.name} ({source} -> {target}); "
            f"that move is for {_or(r.value for r in move.by)}"
        )

    def after_terminal(self, closed_row: int) -> str:
        """The message of an event after the deal was closed."""
        return (
            f"the deal was closed at row {closed_row}; nothing moves out of "
            f"{self.won} or {self.lost}"
        )

    @staticmethod
    def out_of_order(previous_row: int) -> str:
        """The message of an event dated before the deal's previous one."""
        return f"{C.AT} is earlier than the deal's previous event at row {previous_row}"


def _or(roles: Iterable[str]) -> str:
    names = sorted(roles)
    return " or ".join(names) if names else "nobody"


# -- the plain-Python engine --------------------------------------------------------------------


def deal_ids_of(values: list[Any]) -> list[str | None]:
    """Deal ids as stripped text, ``None`` for blank cells."""
    if all_are(map(type, values), str):
        ids: list[str | None] = list(map(str.strip, values))
        return [text or None for text in ids] if "" in ids else ids
    out: list[str | None] = []
    append = out.append
    for value in values:
        if value.__class__ is str:
            text = value.strip()
            append(text or None)
        elif blank(value):
            append(None)
        else:
            append(text_of(value).strip() or None)
    return out


def _text_or_none(value: Any) -> str | None:
    """A cell as text, ``None`` when blank (see :func:`texts_of`)."""
    if value.__class__ is str and value.strip():
        return value
    return None if blank(value) else text_of(value)


def _codes(cells: list[Any], code: Callable[[str], str | None]) -> list[str | None]:
    """``code`` of each cell's text (``None`` for a blank cell or no code), once per distinct text.

    Cells that are all text or missing (a CSV file, rows of strings) are looked up as they are;
    others become text first (``1``, ``1.0`` and ``True`` are one dict key but three texts).
    """

    def of(value: Any) -> str | None:
        text = _text_or_none(value)
        return None if text is None else code(text)

    if set(map(type, cells)) <= _TEXT_OR_NONE:
        return _per_distinct(cells, of)
    return _per_distinct(texts_of(cells), of)


_TEXT_OR_NONE: Final[frozenset[type]] = frozenset((str, type(None)))


def texts_of(values: list[Any]) -> list[str | None]:
    """Cells as text, ``None`` for blank ones (the raw text, for messages)."""
    # _text_or_none inlined: a call per cell costs more than the test
    return [
        value
        if value.__class__ is str and value.strip()
        else (None if blank(value) else text_of(value))
        for value in values
    ]


def _per_distinct(values: list[Any], convert: Callable[[Any], Any]) -> list[Any]:
    """``[convert(v) for v in values]``, calling ``convert`` once per distinct value.

    Stage and actor columns hold a handful of distinct texts; this keeps the per-row cost to one
    dict lookup.
    """
    try:
        table = {value: convert(value) for value in set(values)}
    except TypeError:  # unhashable cells: convert each
        return [convert(value) for value in values]
    return list(map(table.__getitem__, values))


#: The offset-free forms ``datetime.fromisoformat`` reads exactly as the grammar does:
#: ``2026-01-05`` and ``2026-01-05T09:30[:00[.250[000]]]`` (``T`` or a space).
_PLAIN_TIME: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{3}(?:[0-9]{3})?)?)?)?"
)


def timestamps(values: list[Any]) -> tuple[list[datetime | None], list[int], bool]:
    """Parse a whole ``at`` column: naive (UTC when aware) times, problem codes, whether aware.

    Rows without an offset in an aware log get ``NO_OFFSET`` and no time.
    """
    ok = TimestampProblem.OK
    kinds = set(map(type, values))
    if kinds == {datetime} and all_are(map(_tzinfo, values), None):
        return list(values), [ok] * len(values), False  # typed, naive
    if kinds == {str} and _all_plain(values):
        try:
            moments: list[datetime | None] = list(map(datetime.fromisoformat, values))
        except ValueError:  # a date that does not exist (2026-02-30): row by row below
            pass
        else:
            return moments, [ok] * len(values), False
    return _timestamps_by_row(values)


#: How many texts ``_all_plain`` checks at a time.
_CHUNK: Final = 1 << 16


def _all_plain(texts: list[str], chunk: int = _CHUNK) -> bool:
    """Whether every text has one of the plain forms (``_PLAIN_TIME``).

    Texts of one length are checked all at once: their concatenation, digits turned to ``0``
    and a space to ``T``, must repeat the form's shape. Two C passes instead of a regex match
    per row, over ``chunk`` texts at a time: three copies of a whole column cost more in page
    faults than the check itself.
    """
    lengths = set(map(len, texts))
    shape = _SHAPES.get(lengths.pop()) if len(lengths) == 1 else None
    if shape is None:
        return all(map(_PLAIN_TIME.fullmatch, texts))
    full = shape * chunk
    for start in range(0, len(texts), chunk):
        part = texts[start : start + chunk]
        expected = full if len(part) == chunk else shape * len(part)
        if "".join(part).translate(_TO_SHAPE) != expected:
            return False
    return True


#: The plain forms by length, digits as ``0``.
_SHAPES: Final = {
    len(shape): shape
    for shape in (
        "0000-00-00",
        "0000-00-00T00:00",
        "0000-00-00T00:00:00",
        "0000-00-00T00:00:00.000",
        "0000-00-00T00:00:00.000000",
    )
}
_TO_SHAPE: Final = str.maketrans("123456789 ", "000000000T")
_tzinfo: Final = operator.attrgetter("tzinfo")


def _timestamps_by_row(values: list[Any]) -> tuple[list[datetime | None], list[int], bool]:
    moments: list[datetime | None] = []
    problems: list[int] = []
    aware_flags: list[bool] = []
    cache: dict[Any, tuple[datetime | None, bool, int]] = {}
    fromisoformat = datetime.fromisoformat
    ok = TimestampProblem.OK
    for value in values:
        if value.__class__ is datetime and value.tzinfo is None:  # a typed, naive time
            moments.append(value)
            aware_flags.append(False)
            problems.append(ok)
            continue
        # The grammar's regex has the last word on anything but the plain forms.
        if value.__class__ is str and _PLAIN_TIME.fullmatch(value):
            try:
                moment = fromisoformat(value)
            except ValueError:
                pass
            else:
                moments.append(moment)
                aware_flags.append(False)
                problems.append(ok)
                continue
        try:
            parsed = cache[value]
        except (KeyError, TypeError):
            parsed = coerce_timestamp(value)
            if value.__class__ is str and len(cache) < 100_000:
                cache[value] = parsed
        moments.append(parsed[0])
        aware_flags.append(parsed[1])
        problems.append(parsed[2])
    aware_log = any(aware_flags)
    if aware_log:
        for index, (aware, problem) in enumerate(zip(aware_flags, problems, strict=True)):
            if problem == TimestampProblem.OK and not aware:
                problems[index] = TimestampProblem.NO_OFFSET
                moments[index] = None
    return moments, problems, aware_log


@final
@attrs.frozen(weakref_slot=False)
class ParsedColumns:
    """The fields the rules read, each column parsed once.

    The audit checks them; the readers of a clean log (``read_log``, ``deals_from_log``) build on
    them, so nothing is parsed twice.

    Attributes:
        columns: the log as read.
        deal_ids: stripped deal ids, ``None`` when blank.
        stages: the process's stage value of each row, ``None`` when blank or unknown.
        roles: each row's role (lowercase), ``None`` when blank or not a role.
        moments: naive times (UTC when ``aware``), ``None`` when unusable.
        at_problems: each row's ``TimestampProblem`` code.
        aware: whether the log's times carry UTC offsets.
        bad_values: the index (in ``columns``) and cell text of each row whose optional
            ``value`` is not a value (``_values.value_problem``); empty without the column.
    """

    columns: Columns
    deal_ids: list[str | None]
    stages: list[str | None]
    roles: list[str | None]
    moments: list[datetime | None]
    at_problems: list[int]
    aware: bool
    bad_values: dict[int, str] = attrs.field(factory=dict[int, str])


def parse_columns(columns: Columns, rules: ProcessRules) -> ParsedColumns:
    """Parse the deal id, stage, actor and time of every row (see :class:`ParsedColumns`)."""
    keys = rules.keys
    moments, at_problems, aware = timestamps(columns.data[C.AT])
    return ParsedColumns(
        columns,
        deal_ids_of(columns.data[C.DEAL_ID]),
        _codes(columns.data[C.STAGE], lambda text: keys.get(text.strip().lower())),
        _codes(columns.data[C.ACTOR], role_of),
        moments,
        at_problems,
        aware,
        bad_values(columns.data.get(C.VALUE)),
    )


def bad_values(cells: list[Any] | None) -> dict[int, str]:
    """The index and text of each cell that is not a value (see ``_values``)."""
    if cells is None:
        return {}
    found: dict[int, str] = {}
    for index, cell in enumerate(cells):
        problem = value_problem(cell)
        if problem is not None:
            found[index] = problem
    return found


def audit_columns(columns: Columns, rules: ProcessRules) -> AuditReport:
    """Audit a log held in plain Python columns: one pass, in input order."""
    return audit_parsed(parse_columns(columns, rules), rules)


def audit_parsed(parsed: ParsedColumns, rules: ProcessRules) -> AuditReport:
    """Audit parsed columns (see :func:`parse_columns`): one pass, in input order."""
    walk = _Walk(rules)
    walk.add(parsed)
    return walk.report()


def audit_blocks(blocks: Iterable[Columns], rules: ProcessRules) -> AuditReport | None:
    """Audit a log given a block of rows at a time, in input order, as :func:`audit_columns` does.

    Each block is parsed, walked and let go before the next one comes, so only a block and what
    the walk keeps of each row are held at once. ``None`` when a block has times with a UTC
    offset: whether a time without one is malformed depends on the whole log then (see
    :func:`timestamps`), so the caller audits the log whole.
    """
    walk = _Walk(rules)
    for columns in blocks:
        parsed = parse_columns(columns, rules)
        if parsed.aware:
            return None
        walk.add(parsed)
    return walk.report()


@final
class _Walk:
    """The audit's one pass over a log's rows, given in blocks (or as one)."""

    def __init__(self, rules: ProcessRules) -> None:
        self.rules = rules
        self.edges = _edges(rules)
        self.violations: list[Violation] = []
        # Per deal, the index of its last row, or ~index (< 0) once the deal is closed; and the
        # row that closed it. Plain ints, not a record per deal: a million small containers
        # would keep the garbage collector scanning everything the caller holds, which costs
        # more than the checks themselves.
        self.state: dict[str, int] = {}
        self.closed_at: dict[str, int] = {}
        # The stage and time of every row so far: a deal's last row may be in an earlier block.
        self.stages: list[str | None] = []
        self.moments: list[datetime | None] = []
        self.rows = 0

    def report(self) -> AuditReport:
        """The violations found so far, in report order."""
        return sorted_report(self.rows, len(self.state), self.violations)

    def add(self, parsed: ParsedColumns) -> None:
        """Check the next rows."""
        rules = self.rules
        columns = parsed.columns
        offset = self.rows
        self.rows += columns.rows
        self.stages += parsed.stages
        self.moments += parsed.moments
        stages = self.stages
        moments = self.moments
        at_problems = parsed.at_problems
        stage_cells = columns.data[C.STAGE]
        actor_cells = columns.data[C.ACTOR]
        at_raw = columns.data[C.AT]
        edges = self.edges
        terminal = rules.terminal
        entry = rules.entry
        open_by = rules.open_by
        violations = self.violations
        add = violations.append
        state = self.state
        closed_at = self.closed_at
        rows = zip(
            itertools.count(offset),
            parsed.deal_ids,
            parsed.stages,
            parsed.roles,
            parsed.moments,
            strict=False,
        )
        index: int
        values_left = dict(parsed.bad_values)
        for index, deal, stage, role, moment in rows:
            if deal is None or stage is None or role is None or moment is None:
                at = index - offset
                cells = (stage_cells[at], actor_cells[at], at_raw[at], values_left.pop(at, None))
                violations.extend(
                    _odd_row(rules, index + 1, deal, stage, role, at_problems[at], *cells)
                )
                if deal is None:
                    continue
            last = state.get(deal)
            if last is not None and last < 0:  # closed: nothing moves out of WON or LOST
                last = ~last
                message = rules.after_terminal(closed_at[deal])
                add(Violation(index + 1, deal, "after_terminal", message))
                state[deal] = ~index
            else:
                if last is None:  # the deal's first event
                    if stage is not None and stage != entry:
                        message = rules.not_from_entry(stage)
                        add(Violation(index + 1, deal, "not_from_entry", message))
                    elif stage is not None and role is not None and role not in open_by:
                        message = rules.open_not_allowed(role)
                        add(Violation(index + 1, deal, "actor_not_allowed", message))
                else:
                    roles_granted = edges[stages[last]].get(stage)
                    # (edges judge no unknown stage or role: below, stage and role are texts)
                    if roles_granted is None:
                        source = cast("str", stages[last])
                        message = rules.illegal_move(source, cast("str", stage))
                        add(Violation(index + 1, deal, "illegal_move", message))
                    elif role not in roles_granted:
                        source = cast("str", stages[last])
                        target = cast("str", stage)
                        message = rules.move_not_allowed(source, target, cast("str", role))
                        add(Violation(index + 1, deal, "actor_not_allowed", message))
                if stage in terminal:
                    state[deal] = ~index
                    closed_at[deal] = index + 1
                else:
                    state[deal] = index
                if last is None:
                    continue
            if moment is not None:
                last_at = moments[last]
                if last_at is not None and moment < last_at:
                    add(Violation(index + 1, deal, "out_of_order", rules.out_of_order(last + 1)))
        # Rows whose only bad field is the value (the others left with their odd rows above).
        for at, text in values_left.items():
            deal_id = parsed.deal_ids[at]
            add(Violation(offset + at + 1, deal_id, "malformed", value_message(rules, text)))


def _odd_row(
    rules: ProcessRules,
    row: int,
    deal: str | None,
    stage: str | None,
    role: str | None,
    at_problem: int,
    stage_cell: Any,
    actor_cell: Any,
    at_cell: Any,
    value_text: str | None,
) -> list[Violation]:
    """The ``malformed`` and ``unknown_stage`` violations of a row with a missing or bad field."""
    found: list[Violation] = []
    stage_text = _text_or_none(stage_cell)
    if (
        deal is None
        or stage_text is None
        or at_problem != TimestampProblem.OK
        or role is None
        or value_text is not None
    ):
        message = rules.malformed(
            deal_missing=deal is None,
            stage_missing=stage_text is None,
            at_problem=at_problem,
            at_text=None if at_cell is None else text_of(at_cell),
            actor_text=_text_or_none(actor_cell),
            actor_bad=role is None,
            value_text=value_text,
        )
        found.append(Violation(row, deal, "malformed", message))
    if stage is None and stage_text is not None:
        found.append(Violation(row, deal, "unknown_stage", rules.unknown_stage(stage_text)))
    return found


def value_message(rules: ProcessRules, value_text: str) -> str:
    """The ``malformed`` message of a row whose only bad field is its value."""
    return rules.malformed(
        deal_missing=False,
        stage_missing=False,
        at_problem=TimestampProblem.OK,
        at_text=None,
        actor_text=None,
        actor_bad=False,
        value_text=value_text,
    )


def _edges(rules: ProcessRules) -> dict[str | None, dict[str | None, frozenset[str | None]]]:
    """Previous stage -> this stage -> the roles that may make that move, for the audit's loop.

    Built so that one lookup judges a row: a stage that is unknown (``None``) on either side
    leads to every role (the move is not judged), and ``None`` (an unusable actor, reported as
    malformed) is in every set (the role is not judged). A missing entry is a move the process
    does not have.
    """
    anyone: frozenset[str | None] = frozenset((None, *_ROLES))
    edges: dict[str | None, dict[str | None, frozenset[str | None]]] = {
        None: dict.fromkeys((None, *rules.stage_values), anyone)
    }
    for stage in rules.stage_values:
        edges[stage] = {None: anyone}
    for (source, target), move in rules.moves.items():
        edges[source][target] = frozenset((None, *(role.value for role in move.by)))
    return edges


def role_of(text: str | None) -> str | None:
    """The role a cell's text names (any case, spaces around), or ``None``."""
    if text is None:
        return None
    role = text.strip().lower()
    return role if role in _ROLE_SET else None


def audit(
    log: object,
    process: SalesProcess[Any],
    *,
    mapping: ColumnMapping | None = None,
    engine: Engine = "auto",
) -> AuditReport:
    """Check every row of an event log against ``process``; report every violation.

    Each deal's rows are walked in input order; the rules (``RULES``) and how rows are walked are
    described in :doc:`/how-to/audit-an-event-log`. Nothing is dropped: a malformed row is reported
    with its row number and reason. The verdicts are the core's: a log audits clean exactly when
    each of its deals replays through ``process`` (I3: no skipping; I1: marketing never moves a
    deal past the entry stage; I4: a complex sale is closed only by a sales rep; I5: nothing moves
    out of WON or LOST).

    >>> from funnelcore import SalesProcess, audit
    >>> log = [
    ...     {"deal_id": "D1", "stage": "lead", "at": "2026-01-05", "actor": "marketing"},
    ...     {"deal_id": "D1", "stage": "qualifying", "at": "2026-01-06", "actor": "sales"},
    ... ]
    >>> report = audit(log, SalesProcess.complex())
    >>> [(v.row, v.rule) for v in report.violations]
    [(2, 'illegal_move')]

    Args:
        log: a CSV, JSON Lines or Parquet path; a sequence of row mappings; or a dataframe
            (pandas, Polars eager or lazy, DuckDB relation, PyArrow table, PySpark DataFrame).
        process: the process the deals follow.
        mapping: your column names, if they differ from funnelcore's.
        engine: ``auto`` runs the vectorised engine (Polars, or Spark for a Spark DataFrame) when
            the ``analytics`` extra is installed, and plain Python otherwise (and for a sequence
            of rows). Both give identical reports.

    Raises:
        LogReadError: the log cannot be read (missing file or required column, bad format).
    """
    kind = source_kind(log)
    label = describe_source(log)
    rules = ProcessRules(process)
    if engine == "auto":
        vectorised = kind == "frame" or (kind != "rows" and has_analytics())
        engine = "vectorised" if vectorised else "python"
    if engine not in ("python", "vectorised"):
        raise ValueError(f"engine must be 'auto', 'python' or 'vectorised', not {engine!r}")
    # Rows are plain Python already: either engine walks them as they are.
    if engine == "python" or kind == "rows":
        return _audit_plain(log, rules, mapping)
    from funnelcore._log_frames import audit_frame, polars_read_errors

    try:
        return audit_frame(log, kind, rules, mapping, label)
    except polars_read_errors(kind):
        # A text file Polars reads more strictly than the csv and json modules (a long row, an
        # open quote): the plain engine reads it and reports its rows, the report both give.
        return _audit_plain(log, rules, mapping)


def _audit_plain(log: object, rules: ProcessRules, mapping: ColumnMapping | None) -> AuditReport:
    """The plain-Python engine: a plain CSV file a block at a time, anything else whole."""
    blocks = column_blocks(log, mapping)
    report = audit_blocks(blocks, rules) if blocks is not None else None
    return report if report is not None else audit_columns(load_columns(log, mapping), rules)
