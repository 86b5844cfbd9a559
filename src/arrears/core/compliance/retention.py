"""Record retention (12 CFR 1006.100): when a debt's records may be destroyed (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def last_activity(days: Iterable[date | None]) -> date | None:
    """The latest of the dates something happened on a debt (None when nothing is known)."""
    known = [d for d in days if d is not None]
    return max(known) if known else None


def retention_ends_on(last: date, *, years: int) -> date:
    """The first day the records may be destroyed: ``years`` after the last activity."""
    return add_years(last, years)


def expired(last: date | None, *, as_of: date, years: int) -> bool:
    """Whether the records of a debt whose last activity was ``last`` may go on ``as_of``."""
    return last is not None and retention_ends_on(last, years=years) <= as_of
