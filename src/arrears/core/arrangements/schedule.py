"""Instalment schedules: due dates at a frequency and amounts that add up to the total exactly.

Frequencies and their due dates (``due_dates``):

- weekly: every 7 days from the first date; biweekly: every 14 days.
- monthly: the first date's day of the month every month, clamped to the month's last day but
  anchored to the original day: Jan 31 -> Feb 28 (29 in a leap year) -> Mar 31 -> Apr 30.
- semimonthly: two dates a month, half a month apart. With d the first date's day, the anchor
  days are a = d if d <= 15 else d - 15, and b = a + 15 (so 1 <= a <= 16 and 16 <= b <= 31).
  Every month has a due date on day a and one on day b clamped to the month's last day; the
  schedule starts at the first date (on its a day if d <= 15, on its b day if d > 15). So the
  1st gives 1st/16th, the 14th gives 14th/29th (28th in a common February), the 15th and the
  30th both give 15th/30th (Feb: 15th/28th or 29th), and the 31st gives 16th/31st (16th/30th in
  a 30-day month, 16th/28th or 29th in February).

Term (``term_months``): the months from the first due date to the end of the last
instalment's period, rounded up. The period ends (``period_end``) where the next instalment
would fall due: 7 days on weekly, 14 days on biweekly, the next date of the semimonthly or
monthly sequence above (anchored to the first due date, so a monthly plan from Jan 31 whose last
payment is on Feb 28 ends on Mar 31). The term is the smallest m such that the first due date
moved m months on (monthly rule above) is on or after that end. So n monthly payments are n
months; one weekly payment is 1 month; 43 weekly payments (to 301 days on) are 10 months and
52 (to 364 days on) are 12; 24 semimonthly payments are 12 months. A client's maximum term of
12 months allows exactly 12 monthly payments.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from arrears.core.arrangements.errors import ArrangementError, require_date, require_int
from arrears.core.money import allocate_minor

#: The most instalments one schedule may have (a guard against a cent-a-week plan of a large
#: balance building millions of dates): about 190 years weekly.
MAX_INSTALMENTS = 10_000


class Frequency(StrEnum):
    """How often an instalment falls due."""

    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    SEMIMONTHLY = "semimonthly"
    MONTHLY = "monthly"


def _frequency(value: object) -> Frequency:
    if isinstance(value, Frequency):
        return value
    if isinstance(value, str):
        try:
            return Frequency(value)
        except ValueError:
            pass
    known = ", ".join(f.value for f in Frequency)
    raise ArrangementError(f"frequency must be one of {known}, not {value!r}")


def add_months(start: date, months: int) -> date:
    """`start` moved `months` calendar months on (or back), its day clamped to the month's end."""
    years, month_index = divmod(start.month - 1 + months, 12)
    year = start.year + years
    month = month_index + 1
    if not 1 <= year <= 9999:
        raise ArrangementError(
            f"{start.isoformat()} plus {months} months is outside years 1 to 9999"
        )
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _day_in_month(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _semimonthly(first: date) -> Iterator[date]:
    a = first.day if first.day <= 15 else first.day - 15
    b = a + 15
    year, month = first.year, first.month
    if first.day <= 15:
        yield first
    while True:
        yield _day_in_month(year, month, b)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        yield date(year, month, a)


def iter_due_dates(first: date, frequency: Frequency) -> Iterator[date]:
    """The due dates from `first` on, without end (see the module docstring for the rules).

    The arguments are checked at once; the iterator raises ArrangementError when the next date
    would be past year 9999.
    """
    return _due_dates(require_date(first, "first"), _frequency(frequency))


def _due_dates(first: date, frequency: Frequency) -> Iterator[date]:
    try:
        if frequency is Frequency.WEEKLY or frequency is Frequency.BIWEEKLY:
            step = timedelta(days=7 if frequency is Frequency.WEEKLY else 14)
            due = first
            while True:
                yield due
                due += step
        elif frequency is Frequency.MONTHLY:
            months = 0
            while True:
                yield add_months(first, months)
                months += 1
        else:
            yield from _semimonthly(first)
    except ArrangementError:
        raise
    except (OverflowError, ValueError):
        raise ArrangementError(f"{frequency} due dates from {first} run past year 9999") from None


def nth_due_date(first: date, frequency: Frequency, index: int) -> date:
    """The due date at `index` (0 is `first`) of a schedule from `first`, computed directly."""
    first = require_date(first, "first")
    frequency = _frequency(frequency)
    index = require_int(index, "index", minimum=0)
    try:
        if frequency is Frequency.WEEKLY:
            return first + timedelta(days=7 * index)
        if frequency is Frequency.BIWEEKLY:
            return first + timedelta(days=14 * index)
        if frequency is Frequency.MONTHLY:
            return add_months(first, index)
        # Semimonthly: positions count a, b, a, b ... from the a day of first's month.
        a = first.day if first.day <= 15 else first.day - 15
        position = index if first.day <= 15 else index + 1
        months, slot = divmod(position, 2)
        month_start = add_months(first.replace(day=1), months)
        return _day_in_month(month_start.year, month_start.month, a if slot == 0 else a + 15)
    except ArrangementError:
        raise
    except (OverflowError, ValueError):
        raise ArrangementError(
            f"{frequency} due date {index} from {first} is past year 9999"
        ) from None


def due_dates(first: date, frequency: Frequency, count: int) -> tuple[date, ...]:
    """The first `count` due dates of a schedule starting on `first` (strictly increasing)."""
    count = require_int(count, "count", minimum=1)
    if count > MAX_INSTALMENTS:
        raise ArrangementError(f"count {count} is more than the {MAX_INSTALMENTS} allowed")
    dates = iter_due_dates(first, frequency)
    return tuple(next(dates) for _ in range(count))


def months_spanned(start: date, end: date) -> int:
    """Whole months from `start` to `end`, rounded up: the smallest m >= 0 with
    add_months(start, m) >= end (0 when end <= start)."""
    start = require_date(start, "start")
    end = require_date(end, "end")
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    # add_months(start, months) is in end's month; one month earlier is always before end.
    return months if add_months(start, months) >= end else months + 1


def period_end(first: date, frequency: Frequency, due_on: date) -> date:
    """The end of the period of an instalment due on `due_on`, in a schedule from `first`: the
    day the next instalment would fall due.

    Weekly and biweekly, 7 and 14 days after `due_on`; semimonthly and monthly, the first date
    after `due_on` of the sequence of due dates from `first` (see the module docstring). For a
    schedule built by the functions here, the end of the period of instalment n (0 is the first)
    is ``nth_due_date(first, frequency, n + 1)``.
    """
    first = require_date(first, "first")
    frequency = _frequency(frequency)
    due_on = require_date(due_on, "due_on")
    if due_on < first:
        raise ArrangementError(f"due_on {due_on} is before the first due date {first}")
    try:
        if frequency is Frequency.WEEKLY:
            return due_on + timedelta(days=7)
        if frequency is Frequency.BIWEEKLY:
            return due_on + timedelta(days=14)
        if frequency is Frequency.MONTHLY:
            months = (due_on.year - first.year) * 12 + (due_on.month - first.month)
            # add_months(first, months) is in due_on's month: on or before it, or just after.
            end = add_months(first, months)
            return end if end > due_on else add_months(first, months + 1)
        # Semimonthly: the a and b days of due_on's month (a < b even when b is clamped), then
        # the a day of the month after.
        a = first.day if first.day <= 15 else first.day - 15
        year, month = due_on.year, due_on.month
        for candidate in (date(year, month, a), _day_in_month(year, month, a + 15)):
            if candidate > due_on:
                return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return date(year, month, a)
    except (ArrangementError, OverflowError, ValueError):
        raise ArrangementError(
            f"the {frequency} period from {due_on} ends past year 9999"
        ) from None


@dataclass(frozen=True, slots=True)
class Instalment:
    """One payment of a schedule: an amount in minor units due on a day."""

    due_on: date
    amount_minor: int

    def __post_init__(self) -> None:
        require_date(self.due_on, "due_on")
        require_int(self.amount_minor, "instalment amount_minor", minimum=1)

    def as_dict(self) -> dict[str, str | int]:
        """JSON-safe form: {"due_on": "2026-03-02", "amount_minor": 9519}."""
        return {"due_on": self.due_on.isoformat(), "amount_minor": self.amount_minor}


@dataclass(frozen=True, slots=True)
class Schedule:
    """Instalments at a frequency: at least one, amounts positive, due dates strictly increasing.

    The schedule functions also make the dates follow the frequency; a schedule built by hand
    (an agreed exception) is only held to the rules above.
    """

    frequency: Frequency
    instalments: tuple[Instalment, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "frequency", _frequency(self.frequency))
        instalments: object = self.instalments
        if not isinstance(instalments, tuple):
            raise ArrangementError("instalments must be a tuple of Instalment")
        if not instalments:
            raise ArrangementError("a schedule needs at least one instalment")
        if len(instalments) > MAX_INSTALMENTS:
            raise ArrangementError(
                f"{len(instalments)} instalments is more than the {MAX_INSTALMENTS} allowed"
            )
        previous: date | None = None
        for index, instalment in enumerate(instalments):
            if not isinstance(instalment, Instalment):
                raise ArrangementError(
                    f"instalment {index + 1} must be an Instalment, not {type(instalment).__name__}"
                )
            if previous is not None and instalment.due_on <= previous:
                raise ArrangementError(
                    f"instalment {index + 1} is due on {instalment.due_on}, "
                    f"not after the one before it ({previous})"
                )
            previous = instalment.due_on

    @property
    def total_minor(self) -> int:
        """The sum of the instalments."""
        return sum(instalment.amount_minor for instalment in self.instalments)

    @property
    def count(self) -> int:
        return len(self.instalments)

    @property
    def first_due(self) -> date:
        return self.instalments[0].due_on

    @property
    def last_due(self) -> date:
        return self.instalments[-1].due_on

    @property
    def instalment_minor(self) -> int:
        """The regular amount: the first instalment's (the largest in schedules built here)."""
        return self.instalments[0].amount_minor

    @property
    def final_minor(self) -> int:
        """The last instalment's amount."""
        return self.instalments[-1].amount_minor

    @property
    def ends_on(self) -> date:
        """The end of the last instalment's period (see ``period_end``): the day another
        instalment would fall due. The term is counted to it."""
        return period_end(self.first_due, self.frequency, self.last_due)

    @property
    def term_months(self) -> int:
        """Months from the first due date to the end of the last instalment's period, rounded
        up (see ``term_months``)."""
        return months_spanned(self.first_due, self.ends_on)

    def as_dict(self) -> dict[str, object]:
        """JSON-safe form (strings, ints, lists); ``Schedule.from_dict`` reads it back."""
        return {
            "frequency": self.frequency.value,
            "total_minor": self.total_minor,
            "instalments": [instalment.as_dict() for instalment in self.instalments],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Schedule:
        """Rebuild from ``as_dict()``; a stored total that disagrees with the instalments is an
        error."""
        if not isinstance(data, Mapping):
            raise ArrangementError(f"a schedule must be a mapping, not {type(data).__name__}")
        rows = data.get("instalments")
        if not isinstance(rows, Sequence) or isinstance(rows, str):
            raise ArrangementError("schedule 'instalments' must be a list")
        instalments: list[Instalment] = []
        for index, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise ArrangementError(f"schedule instalment {index + 1} must be a mapping")
            due_on = row.get("due_on")
            if not isinstance(due_on, str):
                raise ArrangementError(f"schedule instalment {index + 1} needs a 'due_on' date")
            try:
                day = date.fromisoformat(due_on)
            except ValueError:
                raise ArrangementError(
                    f"schedule instalment {index + 1} 'due_on' is not a date: {due_on!r}"
                ) from None
            instalments.append(
                Instalment(day, require_int(row.get("amount_minor"), "amount_minor"))
            )
        schedule = cls(_frequency(data.get("frequency")), tuple(instalments))
        stored_total = data.get("total_minor")
        if stored_total is not None and stored_total != schedule.total_minor:
            raise ArrangementError(
                f"schedule 'total_minor' {stored_total!r} is not the sum of its instalments "
                f"({schedule.total_minor})"
            )
        return schedule


def term_months(schedule: Schedule) -> int:
    """A schedule's term: months from its first due date to the end of its last instalment's
    period (``Schedule.ends_on``), rounded up.

    Compare it with a client's maximum term. One monthly or weekly payment is 1 month; 12
    monthly payments are 12 months; 43 weekly payments (to 301 days on) are 10 months.
    """
    return schedule.term_months


def plan_term_months(first: date, frequency: Frequency, count: int) -> int:
    """The term of a schedule of `count` instalments from `first` at `frequency` (as built by
    ``schedule_by_amount`` and ``schedule_by_count``), without building it: the months from
    `first` to ``nth_due_date(first, frequency, count)``, rounded up."""
    count = require_int(count, "count", minimum=1)
    return months_spanned(first, nth_due_date(first, frequency, count))


def _check_total(total_minor: int) -> int:
    return require_int(total_minor, "total_minor", minimum=1)


def schedule_by_amount(
    total_minor: int, instalment_minor: int, first: date, frequency: Frequency
) -> Schedule:
    """Equal instalments of `instalment_minor` and a last one of the remainder.

    The last instalment is never zero and never larger than the others; an instalment of the
    whole total or more gives a single payment of the total.
    """
    total_minor = _check_total(total_minor)
    instalment_minor = require_int(instalment_minor, "instalment_minor", minimum=1)
    instalment_minor = min(instalment_minor, total_minor)
    count = -(-total_minor // instalment_minor)
    if count > MAX_INSTALMENTS:
        raise ArrangementError(
            f"{total_minor} in instalments of {instalment_minor} needs {count} instalments, "
            f"more than the {MAX_INSTALMENTS} allowed"
        )
    last = total_minor - instalment_minor * (count - 1)
    amounts = [instalment_minor] * (count - 1) + [last]
    dates = due_dates(first, frequency, count)
    return Schedule(
        _frequency(frequency),
        tuple(Instalment(day, amount) for day, amount in zip(dates, amounts, strict=True)),
    )


def schedule_by_count(total_minor: int, count: int, first: date, frequency: Frequency) -> Schedule:
    """`count` instalments differing by at most one minor unit, the larger ones first."""
    total_minor = _check_total(total_minor)
    count = require_int(count, "count", minimum=1)
    if count > total_minor:
        raise ArrangementError(
            f"total_minor {total_minor} cannot be split into {count} instalments "
            "of at least one minor unit each"
        )
    dates = due_dates(first, frequency, count)
    # Equal ratios: largest remainder gives the extra units to the earliest instalments.
    amounts = allocate_minor(total_minor, [1] * count)
    return Schedule(
        _frequency(frequency),
        tuple(Instalment(day, amount) for day, amount in zip(dates, amounts, strict=True)),
    )
