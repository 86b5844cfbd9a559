"""Whether a plan or settlement is being kept, instalment by instalment (ADR 22).

Cash counts from the day the arrangement starts: payments less returns and refunds, day by day.
Instalment *n* is owed the running total of instalments 1..n. It is *kept* on the first day the
running cash reaches that total, if that day is no later than its deadline (its due day plus
the client's grace days); it is *broken* the day after its deadline if that never happened.
The arrangement is *completed* on the day the running cash reaches its total, and *broken* with
its first broken instalment.

Like promises (ADR 13) a verdict depends only on the cash dated up to the day looked at: judging
again on a later day gives the same verdicts and the same days, so the nightly run can repeat.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from arrears.core.arrangements.errors import ArrangementError, require_date, require_int


class InstalmentStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"


@dataclass(frozen=True, slots=True)
class InstalmentVerdict:
    index: int  # 0-based position in the schedule
    status: InstalmentStatus  # kept or broken
    resolved_on: date


@dataclass(frozen=True, slots=True)
class Progress:
    """Where an arrangement stands at the end of a day."""

    paid_minor: int  # running cash since the start, up to the day
    verdicts: tuple[InstalmentVerdict, ...]  # decided instalments, in schedule order
    completed_on: date | None = None
    broken_on: date | None = None

    @property
    def open(self) -> bool:
        return self.completed_on is None and self.broken_on is None


def track(
    instalments: Sequence[tuple[date, int]],
    cash: Iterable[tuple[date, int]],
    *,
    starts_on: date,
    as_of: date,
    grace_days: int = 0,
) -> Progress:
    """The progress of an arrangement with `instalments` (due day, amount; in due order) as of
    the end of `as_of`, from the account's signed cash movements (other days are ignored)."""
    starts_on = require_date(starts_on, "starts_on")
    as_of = require_date(as_of, "as_of")
    grace = timedelta(days=require_int(grace_days, "grace_days", minimum=0))
    if not instalments:
        raise ArrangementError("an arrangement has at least one instalment")
    owed: list[tuple[date, int]] = []
    running = 0
    previous: date | None = None
    for due_on, amount in instalments:
        require_int(amount, "instalment amount", minimum=1)
        if previous is not None and due_on < previous:
            raise ArrangementError("instalments must be in due order")
        previous = due_on
        running += amount
        owed.append((due_on + grace, running))

    by_day: dict[date, int] = defaultdict(int)
    for on, amount in cash:
        if starts_on <= on <= as_of:
            by_day[on] += amount
    days = sorted(by_day)

    verdicts: list[InstalmentVerdict] = []
    paid = 0
    day_index = 0
    completed_on: date | None = None
    broken_on: date | None = None
    for index, (deadline, needed) in enumerate(owed):
        # Bring cash forward up to this instalment's deadline (or as_of) until it is covered.
        last = min(deadline, as_of)
        kept_on: date | None = None
        if paid >= needed and verdicts:
            kept_on = verdicts[-1].resolved_on
        while kept_on is None and day_index < len(days) and days[day_index] <= last:
            paid += by_day[days[day_index]]
            if paid >= needed:
                kept_on = days[day_index]
            day_index += 1
        if kept_on is not None:
            verdicts.append(InstalmentVerdict(index, InstalmentStatus.KEPT, kept_on))
            continue
        if as_of > deadline:
            broken_on = deadline + timedelta(days=1)
            verdicts.append(InstalmentVerdict(index, InstalmentStatus.BROKEN, broken_on))
        break
    # The rest of the cash to the day counts towards what has been paid.
    while day_index < len(days):
        paid += by_day[days[day_index]]
        day_index += 1
    if broken_on is None and len(verdicts) == len(owed):
        completed_on = verdicts[-1].resolved_on
    return Progress(
        paid_minor=paid,
        verdicts=tuple(verdicts),
        completed_on=completed_on,
        broken_on=broken_on,
    )
