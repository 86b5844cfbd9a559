"""The one error arrangements raise for bad input, and the checks that raise it."""

from __future__ import annotations

from datetime import date, datetime


class ArrangementError(ValueError):
    """Bad input to an arrangement calculation; the message names what is wrong."""


def require_int(value: object, name: str, *, minimum: int | None = None) -> int:
    """`value` as an int (never a bool or float), at least `minimum` when given."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArrangementError(f"{name} must be an int, not {type(value).__name__}")
    if minimum is not None and value < minimum:
        if minimum == 1:
            raise ArrangementError(f"{name} must be positive, not {value}")
        raise ArrangementError(f"{name} must be at least {minimum}, not {value}")
    return value


def require_date(value: object, name: str) -> date:
    """`value` as a date (a datetime is refused: due dates carry no time)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ArrangementError(f"{name} must be a date, not {type(value).__name__}")
    return value
