"""attrs validators that raise funnelcore's own :class:`InvalidRecordError`."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, TypeGuard, cast

import attrs

from funnelcore.errors import InvalidRecordError

__all__ = [
    "column_name",
    "finite_non_negative",
    "flag",
    "is_amount",
    "non_empty_text",
    "text_tuple",
    "texts",
]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def non_empty_text(record: str) -> Validator:
    """A validator: the value is a string with something other than white space in it."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, str) or not value.strip():
            raise InvalidRecordError(
                record, attribute.name, f"must be non-empty text, got {value!r}"
            )

    return check


def is_amount(value: object) -> TypeGuard[float]:
    """Whether ``value`` is a finite number >= 0 (money, sizes); ``True``/``False`` are not."""
    return (
        not isinstance(value, bool)
        and isinstance(value, (int, float))
        and math.isfinite(value)
        and value >= 0
    )


def finite_non_negative(record: str) -> Validator:
    """A validator: a finite number >= 0 (money, sizes)."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not is_amount(value):
            raise InvalidRecordError(
                record, attribute.name, f"must be a finite number >= 0, got {value!r}"
            )

    return check


def column_name(record: str, *, optional: bool = False) -> Validator:
    """A validator: a column name (non-empty text), or ``None`` when ``optional``."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if not isinstance(value, str) or not value.strip():
            raise InvalidRecordError(
                record, attribute.name, f"must be a column name, got {value!r}"
            )

    return check


def flag(record: str) -> Validator:
    """A validator: ``True`` or ``False``.

    Why: a flag is read by truth value, so the text ``"false"`` or the number ``2`` would pass a
    guard that asks for it; refused at construction instead.
    """

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, bool):
            raise InvalidRecordError(
                record, attribute.name, f"must be True or False, got {value!r}"
            )

    return check


def texts(record: str) -> Validator:
    """A validator: a tuple of strings (after :func:`text_tuple`)."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        items = cast("tuple[object, ...]", value) if isinstance(value, tuple) else None
        if items is None or not all(isinstance(item, str) for item in items):
            raise InvalidRecordError(record, attribute.name, f"must be texts, got {value!r}")

    return check


def text_tuple(value: Iterable[str]) -> tuple[str, ...]:
    """An attrs converter: any iterable of texts to a tuple (a lone string is one item).

    Anything else is passed on unchanged, for the field's validator (:func:`texts`) to refuse
    with the record's and field's names.
    """
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable):
        return tuple(value)
    return cast("tuple[str, ...]", value)
