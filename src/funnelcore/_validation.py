"""attrs validators that raise funnelcore's own :class:`InvalidRecordError`."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sized
from typing import Any

import attrs

from funnelcore.errors import InvalidRecordError

__all__ = [
    "finite_non_negative",
    "non_empty",
    "non_empty_text",
    "optional_text",
    "text_tuple",
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


def optional_text(record: str) -> Validator:
    """A validator: ``None`` or non-empty text."""
    inner = non_empty_text(record)

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            inner(instance, attribute, value)

    return check


def finite_non_negative(record: str) -> Validator:
    """A validator: a finite number >= 0 (money, sizes)."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value < 0
        ):
            raise InvalidRecordError(
                record, attribute.name, f"must be a finite number >= 0, got {value!r}"
            )

    return check


def non_empty(record: str) -> Validator:
    """A validator: a non-empty collection."""

    def check(_: object, attribute: attrs.Attribute[Any], value: Sized) -> None:
        if len(value) == 0:
            raise InvalidRecordError(record, attribute.name, "must not be empty")

    return check


def text_tuple(value: Iterable[str]) -> tuple[str, ...]:
    """An attrs converter: any iterable of texts to a tuple (a lone string is one item)."""
    return (value,) if isinstance(value, str) else tuple(value)
