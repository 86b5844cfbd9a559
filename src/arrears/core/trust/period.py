"""Statement periods: calendar months, half-open [first day, first day of the next month)."""

from __future__ import annotations

import re
from datetime import date

from arrears.core.time import Period

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def parse_month(text: str) -> date:
    """The first day of the month written ``YYYY-MM``; ValueError naming the text otherwise."""
    found = _MONTH.fullmatch(text.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1900:
        raise ValueError(f"'{text}' is not a month (YYYY-MM, such as 2026-10)")
    return date(int(found.group(1)), int(found.group(2)), 1)


def month_period(first_day: date) -> Period:
    """The month starting on ``first_day`` (which must be a first day)."""
    if first_day.day != 1:
        raise ValueError(f"a statement period starts on a month's first day, not {first_day}")
    year, month = divmod(first_day.year * 12 + first_day.month, 12)
    return Period(first_day, date(year, month + 1, 1))


def month_label(first_day: date) -> str:
    return f"{first_day:%Y-%m}"
