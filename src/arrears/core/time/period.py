"""Half-open date periods [start, end); end None means open-ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


def _check_date(value: object, name: str) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"Period {name} must be a date, not {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class Period:
    """The days d with start <= d < end (all days from start if end is None).

    An empty period is not a Period: end must be after start.
    """

    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        _check_date(self.start, "start")
        if self.end is not None:
            _check_date(self.end, "end")
            if self.end <= self.start:
                raise ValueError(f"Period end {self.end} must be after start {self.start}")

    @property
    def is_open(self) -> bool:
        return self.end is None

    @property
    def days(self) -> int | None:
        """Number of days in the period, or None when open."""
        return None if self.end is None else (self.end - self.start).days

    def contains(self, d: date) -> bool:
        return self.start <= d and (self.end is None or d < self.end)

    def ends_before(self, d: date) -> bool:
        """True when every day of the period is before `d` (end <= d)."""
        return self.end is not None and self.end <= d

    def overlaps(self, other: Period) -> bool:
        """True when at least one day is in both periods."""
        return (self.end is None or other.start < self.end) and (
            other.end is None or self.start < other.end
        )

    def intersection(self, other: Period) -> Period | None:
        """The days in both periods, or None when they share no day."""
        if not self.overlaps(other):
            return None
        start = max(self.start, other.start)
        if self.end is None:
            end = other.end
        elif other.end is None:
            end = self.end
        else:
            end = min(self.end, other.end)
        return Period(start, end)

    def __str__(self) -> str:
        return f"[{self.start.isoformat()}, {self.end.isoformat() if self.end else '…'})"
