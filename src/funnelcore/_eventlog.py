"""Event logs: read one from anywhere, rebuild deals from it, write deals back out.

An event log has one row per move of a deal: ``deal_id``, ``stage`` (the stage entered), ``at``
and ``actor`` (a role), plus optional columns (``_columns``) and any others, which are kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal, cast

import attrs

from funnelcore import _columns as C
from funnelcore._actors import Actor, Customer, Marketing, Role, SalesRep, System
from funnelcore._audit import ParsedColumns, ProcessRules, audit_parsed, parse_columns
from funnelcore._deal import ClosedDeal, Deal, Evidence, OpenDeal, StageChange
from funnelcore._leads import Lead, LeadSource, Product, ProductKind
from funnelcore._log_source import (
    Columns,
    blank,
    describe_source,
    load_columns,
    source_kind,
    text_of,
)
from funnelcore._mapping import ColumnMapping
from funnelcore._process import SalesProcess
from funnelcore._timestamps import as_utc
from funnelcore._values import value_problem
from funnelcore.errors import (
    InvalidArgumentError,
    InvalidLogError,
    InvalidRecordError,
    LogReadError,
)

__all__ = [
    "LOGGED_EVIDENCE",
    "PLACEHOLDER_NAMES",
    "deals_from_log",
    "deals_to_log",
    "read_log",
]

#: The evidence a guarded move is taken to have had when the log records the move but not its
#: evidence: the log says the move was made, so its guard was met.
LOGGED_EVIDENCE: Final = Evidence(
    permission=True,
    able_to_buy=True,
    likely_to_buy=True,
    compelling_reasons=("recorded as met in the event log",),
    objections_handled=True,
)
_NO_EVIDENCE: Final = Evidence()

#: The name an actor gets when the log has no ``actor_name`` for the row, by role.
PLACEHOLDER_NAMES: Final = {
    Role.MARKETING: "marketing",
    Role.SALES: "unnamed sales rep",
    Role.CUSTOMER: "customer",
    Role.SYSTEM: "system",
}

#: The column an imported CRM export names its product in; the default product's name.
PRODUCT_COLUMN: Final = "product"
_NO_REASON: Final = "no reason recorded in the event log"
_UNRECORDED_PRODUCT: Final = "unrecorded product"

Backend = Literal["rows", "polars", "pandas", "pyarrow"]


# -- reading --------------------------------------------------------------------------------------


def read_log(
    source: object,
    *,
    mapping: ColumnMapping | None = None,
    process: SalesProcess[Any] | None = None,
    keep_malformed: bool = False,
    backend: Backend | None = None,
) -> Any:
    """Read an event log into funnelcore's columns, in the frame type you gave it.

    The result has the canonical columns (renamed by ``mapping``) followed by every other column,
    rows in input order: ``deal_id`` as text, ``at`` as timestamps (naive, or UTC when the log
    carries offsets; see :doc:`/how-to/audit-an-event-log` for the accepted text), ``actor`` as a
    lowercase role and, when ``process`` is given, ``stage`` as the process's stage value (matched
    like ``SalesProcess.stage``). A pandas, Polars (eager or lazy), PyArrow, DuckDB or PySpark
    input comes back as the same type; a sequence of row mappings comes back as a list of dicts;
    a CSV, JSON Lines or Parquet file comes back as ``backend`` (default Polars).

    This is the one entry point for every other function of funnelcore that reads a log.

    >>> from funnelcore import ColumnMapping, read_log
    >>> rows = [{"id": "D1", "stage": "Lead", "when": "2026-01-05T09:00:00Z", "actor": "Sales"}]
    >>> log = read_log(rows, mapping=ColumnMapping(deal_id="id", at="when"))
    >>> log[0]["deal_id"], log[0]["at"].isoformat(), log[0]["actor"]
    ('D1', '2026-01-05T09:00:00+00:00', 'sales')

    Args:
        source: a path, a sequence of row mappings, or a dataframe.
        mapping: your column names, if they differ.
        process: normalise stage names to this process's stages.
        keep_malformed: keep malformed rows (their bad cells become null) instead of raising.
        backend: the frame type for a file: ``polars`` (default), ``pandas``, ``pyarrow`` or
            ``rows``. Refused for a dataframe, and for rows unless ``rows``: they come back as
            they came.

    Raises:
        LogReadError: the log cannot be read or lacks a required column, or ``backend`` is given
            for a log that is not a file.
        InvalidLogError: some rows are malformed (each is listed with its row number), unless
            ``keep_malformed``.
    """
    kind = source_kind(source)
    label = describe_source(source)
    if backend is not None and kind in ("rows", "frame") and (kind, backend) != ("rows", "rows"):
        # Said rather than ignored: the caller asked for a type this log will not come back as.
        given = "a sequence of rows" if kind == "rows" else "a dataframe"
        raise LogReadError(
            label,
            f"backend={backend!r} is for a file; {given} comes back as the same type "
            "(convert the result, or pass the file)",
        )
    rules = ProcessRules(process if process is not None else SalesProcess.complex())
    if kind == "rows" or (kind in ("csv", "jsonl") and backend == "rows"):
        parsed = parse_columns(load_columns(source, mapping), rules)
        if not keep_malformed:
            _raise_malformed(audit_parsed(parsed, rules).violations, label)
        return _normalised_rows(parsed, normalise_stages=process is not None, label=label)
    from funnelcore._log_frames import (
        canonical_frame,
        malformed_violations,
        plain_frame,
        polars_read_errors,
        prepare,
    )

    def canonical(prepared: Any) -> Any:
        if not keep_malformed:
            _raise_malformed(malformed_violations(prepared, rules), label)
        return canonical_frame(
            source,
            kind,
            mapping,
            label,
            process=rules if process is not None else None,
            backend=backend or "polars",
            prepared=prepared,
            values_checked=not keep_malformed,
        )

    # Prepared once (for text times that takes a pass over the log) for the check and the result.
    try:
        return canonical(prepare(source, kind, mapping, label))
    except polars_read_errors(kind):
        # A text file Polars reads more strictly than the csv and json modules (a long row, an
        # open quote): read as the plain engine reads it, then the same way.
        return canonical(prepare(plain_frame(source), "frame", mapping, label))


def _raise_malformed(violations: Iterable[Any], label: str) -> None:
    malformed = [v for v in violations if v.rule == "malformed"]
    if malformed:
        raise InvalidLogError(f"cannot read event log {label}", malformed)


def _normalised_rows(
    parsed: ParsedColumns, *, normalise_stages: bool, label: str
) -> list[dict[str, Any]]:
    columns = parsed.columns
    values = _numbers(columns.data[C.VALUE], label) if C.VALUE in columns.data else None
    moments, aware = parsed.moments, parsed.aware
    stage_cells = columns.data[C.STAGE]
    rows: list[dict[str, Any]] = []
    ordered = _ordered(columns.names)
    for index in range(columns.rows):
        row = {name: columns.data[name][index] for name in ordered}
        row[C.DEAL_ID] = parsed.deal_ids[index]
        moment = moments[index]
        row[C.AT] = as_utc(moment) if aware and moment is not None else moment
        role = parsed.roles[index]
        if role is not None:
            row[C.ACTOR] = role
        stage = parsed.stages[index]
        if normalise_stages and stage is not None and isinstance(stage_cells[index], str):
            row[C.STAGE] = stage
        if values is not None:
            row[C.VALUE] = values[index]
        rows.append(row)
    return rows


def _numbers(cells: list[Any], label: str) -> list[Any]:
    """The ``value`` column with text parsed as numbers, as every engine reads it (``_values``).

    A file's cells are text; the canonical value is a number. Blank text is no value; a cell
    that is not a value is refused with its rows (at most 20 shown), never turned into a silent
    null. (The audit reports such rows as ``malformed``: this is the guard of a read that keeps
    malformed rows.)
    """
    parsed: list[Any] = []
    bad: list[str] = []
    for row, cell in enumerate(cells, start=1):
        problem = value_problem(cell)
        if problem is not None:
            bad.append(f"row {row}: {problem!r}")
            parsed.append(None)
        elif isinstance(cell, str):
            text = cell.strip()
            parsed.append(float(text) if text else None)
        else:
            parsed.append(cell)
    if bad:
        raise LogReadError(label, f"column 'value' must hold numbers ({', '.join(bad[:20])})")
    return parsed


def _ordered(names: Sequence[str]) -> list[str]:
    first = [name for name in C.REQUIRED_COLUMNS if name in names]
    return [*first, *(name for name in names if name not in first)]


# -- replay ---------------------------------------------------------------------------------------


def _actor(role: str, name: object) -> Actor:
    kind = Role(role)
    # As written (only a blank name is no name): deals_to_log writes the actor's name as it is,
    # so a name with spaces around it must come back with them.
    text = PLACEHOLDER_NAMES[kind] if blank(name) else text_of(name)
    if kind is Role.SALES:
        return SalesRep(text)
    if kind is Role.MARKETING:
        return Marketing(text)
    if kind is Role.CUSTOMER:
        return Customer(text)
    return System(text)


def _default_kind(process: SalesProcess[Any]) -> ProductKind:
    """Commodity when the process lets someone other than a sales rep win; complex otherwise."""
    for move in process.moves:
        if move.target is process.won and move.by - {Role.SALES}:
            return ProductKind.COMMODITY
    return ProductKind.COMPLEX


def _cell(columns: Columns, name: str, index: int) -> Any:
    values = columns.data.get(name)
    if values is None:
        return None
    value = values[index]
    return None if blank(value) else value


_EVIDENCE_FIELDS: Final = frozenset(field.name for field in attrs.fields(Evidence))


def _evidence(columns: Columns, index: int, row: int, label: str) -> Evidence | None:
    cell = _cell(columns, C.EVIDENCE, index)
    if cell is None:
        return None
    try:
        parsed: Any = json.loads(text_of(cell))
    except ValueError as error:
        raise LogReadError(
            label, f"row {row}: {C.EVIDENCE} {cell!r} is not evidence JSON: {error}"
        ) from error
    if not isinstance(parsed, dict):
        raise LogReadError(
            label, f"row {row}: {C.EVIDENCE} {cell!r} is not evidence JSON: not a JSON object"
        )
    data = cast("dict[str, Any]", parsed)
    unknown = sorted(set(data) - _EVIDENCE_FIELDS)
    if unknown:
        raise LogReadError(
            label,
            f"row {row}: {C.EVIDENCE} {cell!r} has unknown key(s) {', '.join(map(repr, unknown))} "
            f"(evidence has {', '.join(sorted(_EVIDENCE_FIELDS))})",
        )
    try:
        # Evidence validates every field: a flag is true or false, reasons are texts.
        return Evidence(**data)
    except InvalidRecordError as error:
        raise LogReadError(
            label, f"row {row}: {C.EVIDENCE} {cell!r}: {error.field} {error.reason}"
        ) from error


def _latest_value(columns: Columns, indexes: list[int]) -> float:
    """The deal's latest recorded value (0 when none is): its rows are in time order (audited).

    Every recorded cell is a value: the audit reported any other as ``malformed`` (``_values``).
    """
    value = 0.0
    for index in indexes:
        cell = _cell(columns, C.VALUE, index)
        if cell is not None:  # blank cells and NaN are no value
            value = float(cell)
    return value


def _default_lead(deal_id: str, source: object, label: str, row: int) -> Lead:
    if source is None:
        return Lead(deal_id, source=LeadSource.OUTBOUND)
    try:
        lead_source = LeadSource(text_of(source).strip().lower())
    except ValueError as error:
        raise LogReadError(
            label,
            f"row {row}: {C.SOURCE} {source!r} is not a lead source "
            f"({', '.join(s.value for s in LeadSource)})",
        ) from error
    if lead_source is LeadSource.MARKETING_RESPONSE:
        raise LogReadError(
            label,
            f"row {row}: deal {deal_id!r} is a marketing response; pass leads= with the "
            "campaign or message it answered",
        )
    return Lead(deal_id, source=lead_source)


def deals_from_log(
    log: object,
    process: SalesProcess[Any],
    *,
    mapping: ColumnMapping | None = None,
    leads: Mapping[str, Lead] | Callable[[str], Lead] | None = None,
    products: Mapping[str, Product] | Callable[[str], Product] | None = None,
    evidence: Evidence = LOGGED_EVIDENCE,
) -> list[OpenDeal[Any] | ClosedDeal[Any]]:
    """Rebuild the deals of an event log through ``process.replay``, so the core's rules apply.

    Invariant I7: replaying a deal's history reproduces the deal. The log is audited first; a log
    with any violation is refused with all of them. Deals come back in the order their first row
    appears. How rows become changes:

    - ``actor`` (a role) and ``actor_name`` make the actor: ``SalesRep(name)`` for ``sales``,
      ``Marketing``, ``Customer`` or ``System`` for the others; a row without a name gets the
      placeholder of ``PLACEHOLDER_NAMES`` (``SalesRep("unnamed sales rep")``).
    - ``reason`` is the change's reason; a move to LOST without one gets "no reason recorded in
      the event log" (the core requires a reason to lose a deal).
    - ``evidence`` (JSON, as ``deals_to_log`` writes it) is the change's evidence; a guarded move
      without one is given ``evidence`` (by default ``LOGGED_EVIDENCE``: the log records that the
      move was made, so its guard was met).
    - the deal's ``value`` is the latest ``value`` its rows record (0 when none does), as the
      funnel metrics read it; every recorded value must be a finite number.
    - evidence on a deal's first row is refused: a deal is opened without any.
    - ``leads``/``products`` give each deal's lead and product by deal id; without them a deal's
      lead is ``Lead(deal_id, source=...)`` from its ``source`` (``outbound`` when none is
      recorded; a marketing response needs ``leads``), and its product is named by a ``product``
      column (else "unrecorded product"), a commodity when the process lets anyone but a sales rep
      win and a complex product otherwise.

    Raises:
        InvalidLogError: the log breaks a rule (every violation is listed).
        LogReadError: the log cannot be read, or a value, source or evidence cell is unusable.
        InvalidHistoryError: the core refused a history the audit passed (this is a bug).
    """
    label = describe_source(log)
    columns = load_columns(log, mapping)
    rules = ProcessRules(process)
    parsed = parse_columns(columns, rules)
    report = audit_parsed(parsed, rules)
    if report.violations:
        raise InvalidLogError(f"cannot rebuild deals from {label}", report.violations)
    deal_ids, stages, roles = parsed.deal_ids, parsed.stages, parsed.roles
    moments, aware = parsed.moments, parsed.aware
    kind = _default_kind(process)
    groups: dict[str, list[int]] = {}
    for index, deal in enumerate(deal_ids):
        assert deal is not None  # the audit refused rows without a deal id
        groups.setdefault(deal, []).append(index)
    deals: list[OpenDeal[Any] | ClosedDeal[Any]] = []
    for deal_id, indexes in groups.items():
        history: list[StageChange[Any]] = []
        previous: Any = None
        for index in indexes:
            row = index + 1
            stage_value = stages[index]
            role = roles[index]
            assert stage_value is not None  # the audit refused unknown stages and roles
            assert role is not None
            stage = process.stage(stage_value)
            moment = moments[index]
            assert moment is not None
            at: datetime = as_utc(moment) if aware else moment
            reason_cell = _cell(columns, C.REASON, index)
            reason = None if reason_cell is None else text_of(reason_cell)
            if stage is process.lost and reason is None and previous is not None:
                reason = _NO_REASON
            change_evidence = _evidence(columns, index, row, label)
            if previous is None:
                if change_evidence not in (None, _NO_EVIDENCE):
                    raise LogReadError(
                        label,
                        f"row {row}: deal {deal_id!r} is opened with {C.EVIDENCE} "
                        f"{_cell(columns, C.EVIDENCE, index)!r}; evidence belongs to a later "
                        "move (a deal is opened without any)",
                    )
                change_evidence = None
            else:
                move = process.move_between(previous, stage)
                if change_evidence is None and move is not None and move.guards:
                    change_evidence = evidence
            history.append(
                StageChange(
                    previous,
                    stage,
                    _actor(role, _cell(columns, C.ACTOR_NAME, index)),
                    at,
                    reason,
                    change_evidence,
                )
            )
            previous = stage
        first = indexes[0]
        lead = _pick(leads, deal_id)
        if lead is None:
            lead = _default_lead(deal_id, _cell(columns, C.SOURCE, first), label, first + 1)
        product = _pick(products, deal_id)
        if product is None:
            name = _cell(columns, PRODUCT_COLUMN, first)
            product = Product(_UNRECORDED_PRODUCT if name is None else text_of(name), kind=kind)
        deals.append(
            process.replay(
                history,
                deal_id=deal_id,
                lead=lead,
                product=product,
                value=_latest_value(columns, indexes),
            )
        )
    return deals


def _pick(source: Mapping[str, Any] | Callable[[str], Any] | None, deal_id: str) -> Any:
    if source is None:
        return None
    if callable(source):
        return source(deal_id)
    return source.get(deal_id)


# -- writing --------------------------------------------------------------------------------------


def _evidence_text(evidence: Evidence | None) -> str | None:
    if evidence is None:
        return None
    data = attrs.asdict(evidence)
    data["compelling_reasons"] = list(evidence.compelling_reasons)
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def deals_to_log(deals: Iterable[Deal[Any]], *, backend: Backend = "rows") -> Any:
    """Write deals out as an event log: one row per change, deal by deal, oldest change first.

    Columns: ``deal_id``, ``stage``, ``at``, ``actor`` (the role), ``actor_name``,
    ``from_stage``, ``reason``, ``value``, ``evidence`` (JSON), ``source``, ``campaign`` (the
    lead's campaign name) and ``product`` (its name). ``deals_from_log`` reads it back into equal
    deals (given the same ``leads`` and ``products`` when they are not the defaults).

    >>> from datetime import datetime, timezone
    >>> from funnelcore import Lead, LeadSource, Product, SalesProcess, SalesRep
    >>> from funnelcore import deals_from_log, deals_to_log
    >>> process = SalesProcess.complex()
    >>> deal = process.open_deal(Lead("D1", source=LeadSource.REFERRAL), Product("ERP"),
    ...     by=SalesRep("Sam"), at=datetime(2026, 1, 5, tzinfo=timezone.utc), deal_id="D1")
    >>> deal = process.lose(deal, by=SalesRep("Sam"), reason="no budget",
    ...     at=datetime(2026, 1, 9, tzinfo=timezone.utc))
    >>> log = deals_to_log([deal])
    >>> [(row["stage"], row["actor"], row["actor_name"]) for row in log]
    [('lead', 'sales', 'Sam'), ('lost', 'sales', 'Sam')]
    >>> deals_from_log(log, process) == [deal]
    True

    Args:
        deals: the deals to write.
        backend: ``rows`` (a list of dicts, no extras needed), ``polars``, ``pandas`` or
            ``pyarrow``.
    """
    rows: list[dict[str, Any]] = []
    for deal in deals:
        if not isinstance(deal, (OpenDeal, ClosedDeal)):
            raise InvalidArgumentError(
                f"deals_to_log takes deals (OpenDeal or ClosedDeal), got {type(deal).__name__}"
            )
        lead = deal.lead
        campaign = lead.campaign.name if lead.campaign is not None else None
        for change in deal.history:
            rows.append(
                {
                    C.DEAL_ID: deal.id,
                    C.STAGE: str(change.stage.value),
                    C.AT: change.at,
                    C.ACTOR: change.actor.role.value,
                    C.ACTOR_NAME: change.actor.name,
                    C.FROM_STAGE: None
                    if change.from_stage is None
                    else str(change.from_stage.value),
                    C.REASON: change.reason,
                    C.VALUE: deal.value,
                    C.EVIDENCE: _evidence_text(change.evidence),
                    C.SOURCE: lead.source.value,
                    C.CAMPAIGN: campaign,
                    PRODUCT_COLUMN: deal.product.name,
                }
            )
    if backend == "rows":
        return rows
    from funnelcore._log_frames import rows_to_frame

    return rows_to_frame(rows, backend)
