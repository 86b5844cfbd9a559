"""Day-count conventions: how many days a stretch counts, out of how many a year."""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class DayCount(StrEnum):
    ACT_365 = "actual/365"
    ACT_360 = "actual/360"
    THIRTY_360 = "30/360"

    @property
    def basis(self) -> int:
        """Days in the year the rate is divided by."""
        return 365 if self is DayCount.ACT_365 else 360

    def days(self, start: date, end: date) -> int:
        """Days counted from `start` to `end` (negative if end is before start).

        Actual: calendar days. 30/360 is the U.S. "bond basis": a 31st as start
        counts as the 30th; a 31st as end counts as the 30th when the (adjusted)
        start day is the 30th.
        """
        if self is not DayCount.THIRTY_360:
            return (end - start).days
        d1, d2 = start.day, end.day
        if d1 == 31:
            d1 = 30
        if d1 == 30 and d2 == 31:
            d2 = 30
        return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)
