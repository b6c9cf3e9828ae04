"""Column mappings: a user's column names for funnelcore's canonical event-log columns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import final

import attrs

from funnelcore import _columns as C
from funnelcore._validation import column_name
from funnelcore.errors import InvalidRecordError

__all__ = ["ColumnMapping"]

_CANONICAL = (
    *C.REQUIRED_COLUMNS,
    *C.OPTIONAL_COLUMNS,
    *C.ROUND_TRIP_COLUMNS,
)


_name = column_name("ColumnMapping")


def _check_unique(mapping: ColumnMapping) -> None:
    seen: dict[str, str] = {}
    for canonical in _CANONICAL:
        user = getattr(mapping, canonical)
        if user in seen:
            raise InvalidRecordError(
                "ColumnMapping",
                canonical,
                f"column {user!r} is already mapped to {seen[user]!r}; a column maps to one name",
            )
        seen[user] = canonical


@final
@attrs.frozen(weakref_slot=False, kw_only=True)
class ColumnMapping:
    """Which of your columns holds each of funnelcore's event-log columns.

    Each field is named after a canonical column (``funnelcore._columns``) and holds the name of
    your column; fields you leave alone keep the canonical name. Columns not named here are kept
    under their own names, available for breakdowns. A required column (``deal_id``, ``stage``,
    ``at``, ``actor``) mapped to a name the log lacks is an error when the log is read
    (``LogReadError``), even if the log has a column under the canonical name: a misspelled
    mapping would otherwise read the wrong column.

    >>> from funnelcore import ColumnMapping
    >>> mapping = ColumnMapping(deal_id="opportunity_id", stage="deal_stage", at="changed_at")
    >>> mapping.renames()
    {'opportunity_id': 'deal_id', 'deal_stage': 'stage', 'changed_at': 'at'}
    >>> ColumnMapping.from_dict({"opportunity_id": "deal_id"}).deal_id
    'opportunity_id'

    Attributes:
        deal_id: the deal's id.
        stage: the stage entered.
        at: when it was entered.
        actor: the role that made the move (marketing, sales, customer, system).
        from_stage: the stage left (optional; the log's order says it anyway).
        source: the lead's source.
        campaign: the campaign that produced the lead.
        value: the deal's value.
        reason: why the move was made (required by the core for a move to LOST).
        actor_name: who made the move (a rep's name).
        evidence: the evidence a guarded move was shown (JSON text, as ``deals_to_log`` writes).
    """

    deal_id: str = attrs.field(default=C.DEAL_ID, validator=_name)
    stage: str = attrs.field(default=C.STAGE, validator=_name)
    at: str = attrs.field(default=C.AT, validator=_name)
    actor: str = attrs.field(default=C.ACTOR, validator=_name)
    from_stage: str = attrs.field(default=C.FROM_STAGE, validator=_name)
    source: str = attrs.field(default=C.SOURCE, validator=_name)
    campaign: str = attrs.field(default=C.CAMPAIGN, validator=_name)
    value: str = attrs.field(default=C.VALUE, validator=_name)
    reason: str = attrs.field(default=C.REASON, validator=_name)
    actor_name: str = attrs.field(default=C.ACTOR_NAME, validator=_name)
    evidence: str = attrs.field(default=C.EVIDENCE, validator=_name)

    def __attrs_post_init__(self) -> None:
        _check_unique(self)

    @classmethod
    def from_dict(cls, names: Mapping[str, str]) -> ColumnMapping:
        """A mapping from ``{your column: canonical column}``.

        Raises:
            InvalidRecordError: a canonical name is unknown or named twice.
        """
        return mapping_from_pairs(names.items())

    def renames(self) -> dict[str, str]:
        """``{your column: canonical column}`` for every column whose name differs."""
        return {
            getattr(self, canonical): canonical
            for canonical in _CANONICAL
            if getattr(self, canonical) != canonical
        }


DEFAULT_MAPPING = ColumnMapping()


def mapping_from_pairs(pairs: Iterable[tuple[str, str]]) -> ColumnMapping:
    """A mapping from ``(your column, canonical column)`` pairs (``from_dict``, the CLI's options).

    Pairs, not a dict: one of your columns given twice (for two canonical columns) reaches the
    mapping's own check instead of the last one winning without a word.

    Raises:
        InvalidRecordError: a canonical name is unknown or named twice, or one of your columns
            is named for two canonical ones.
    """
    fields: dict[str, str] = {}
    for user, canonical in pairs:
        if canonical not in _CANONICAL:
            raise InvalidRecordError(
                "ColumnMapping",
                str(canonical),
                f"is not an event-log column; columns are {', '.join(_CANONICAL)}",
            )
        if canonical in fields:
            raise InvalidRecordError(
                "ColumnMapping", canonical, f"named by both {fields[canonical]!r} and {user!r}"
            )
        fields[canonical] = user
    return ColumnMapping(**fields)


def plan_renames(columns: list[str], mapping: ColumnMapping | None, source: str) -> dict[str, str]:
    """The renames to apply to a log with ``columns``; checks required columns and clashes.

    Raises:
        LogReadError: a required column is missing, or a rename would clash with a column.
        InvalidArgumentError: ``mapping`` is not a :class:`ColumnMapping`.
    """
    from funnelcore.errors import InvalidArgumentError, LogReadError

    if mapping is not None and not isinstance(mapping, ColumnMapping):
        raise InvalidArgumentError(
            f"mapping= takes a ColumnMapping (ColumnMapping.from_dict builds one from a dict), "
            f"got {type(mapping).__name__}"
        )
    mapped = mapping or DEFAULT_MAPPING
    renames = {user: canonical for user, canonical in mapped.renames().items() if user in columns}
    renamed = [renames.get(name, name) for name in columns]
    clashes = sorted({name for name in renamed if renamed.count(name) > 1})
    if clashes:
        raise LogReadError(
            source,
            f"after mapping, more than one column is named {', '.join(map(repr, clashes))}; "
            "map or drop the other one",
        )
    # A required column mapped to a name the log lacks is missing, even where the log has a
    # column under the canonical name: the mapping says that column is not the one (a typo in
    # the mapping would otherwise audit the wrong column without a word).
    missing = [name for name in C.REQUIRED_COLUMNS if getattr(mapped, name) not in columns]
    if missing:
        wanted = ", ".join(f"{getattr(mapped, name)!r} (for {name})" for name in missing)
        raise LogReadError(
            source, f"no column {wanted}; its columns are {', '.join(map(repr, columns))}"
        )
    return renames
