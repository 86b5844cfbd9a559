"""U.S. federal business days: Monday to Friday, less the legal public holidays.

The holidays are those of 5 U.S.C. 6103(a) (New Year's Day, Martin Luther King Jr.
Day, Washington's Birthday, Memorial Day, Juneteenth from 2021, Independence Day,
Labor Day, Columbus Day, Veterans Day, Thanksgiving Day, Christmas Day), taken on
the day they are observed under 6103(b) and Executive Order 11582: a holiday on a
Saturday is observed the Friday before, one on a Sunday the Monday after.
Inauguration Day (6103(c)) is left out: it is a holiday only for employees in the
Washington, D.C. area. One-off closures by executive order are left out too.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING

import holidays

if TYPE_CHECKING:
    from collections.abc import Mapping

_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=256)
def _observed(year: int) -> Mapping[date, str]:
    calendar = holidays.country_holidays(
        "US", years=year, observed=True, categories=(holidays.PUBLIC,)
    )
    days = {
        day: name
        for day, name in calendar.items()
        # The weekend date itself is not a day off; its observed weekday is.
        if day.year == year and day.weekday() < 5 and "Inauguration" not in name
    }
    return MappingProxyType(dict(sorted(days.items())))


def federal_holidays(year: int) -> dict[date, str]:
    """The weekdays in `year` on which a federal legal public holiday is observed.

    Dates are those off work: 2026-07-03 "Independence Day (observed)" rather than
    Saturday 2026-07-04. A New Year's Day on a Saturday is observed on December 31
    of the year before, so it is listed in that year.
    """
    return dict(_observed(year))


def is_business_day(d: date) -> bool:
    """Monday to Friday and not an observed federal holiday."""
    return d.weekday() < 5 and d not in _observed(d.year)


def next_business_day(d: date) -> date:
    """The first business day strictly after `d`."""
    d += _ONE_DAY
    while not is_business_day(d):
        d += _ONE_DAY
    return d


def add_business_days(d: date, n: int) -> date:
    """The date `n` business days after `d` (n >= 0; n == 0 returns d unchanged).

    `d` itself need not be a business day: counting starts with the next one.
    """
    if n < 0:
        raise ValueError(f"n must not be negative: {n}")
    for _ in range(n):
        d = next_business_day(d)
    return d


@lru_cache(maxsize=256)
def _bank_closed(year: int) -> frozenset[date]:
    """The weekdays Federal Reserve Banks are closed: the federal holidays, except that a
    holiday on a Saturday is not made up on the Friday before (the Banks open that Friday); one
    on a Sunday is still taken the Monday after."""
    saturday_makeups = {
        day - _ONE_DAY
        for day in holidays.country_holidays(
            "US", years=[year, year + 1], observed=False, categories=(holidays.PUBLIC,)
        )
        if day.weekday() == 5
    }
    return frozenset(day for day in _observed(year) if day not in saturday_makeups)


def is_settlement_day(d: date) -> bool:
    """A Federal Reserve business day, the only days ACH entries settle."""
    return d.weekday() < 5 and d not in _bank_closed(d.year)


def next_settlement_day(d: date) -> date:
    """The first Federal Reserve business day on or after `d`."""
    while not is_settlement_day(d):
        d += _ONE_DAY
    return d
