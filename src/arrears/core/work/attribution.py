"""Who a collection counts for: payments credited to collectors, exact to the cent (ADR 13).

A *movement* is cash from a consumer: a payment (positive), or cash that went back out of one,
a payment reversal or a refund (negative). It counts on its own day, for the collector credited
with the payment it belongs to; a reversal undoes the credit of the payment it reverses, on the
day of the reversal. The payment is credited to

1. the collector the account was assigned to at the moment the payment was posted; else
2. the collector who took the latest promise on the account in the 30 days before that moment,
   if the promise was open then or was kept (not cancelled, not already broken); else
3. nobody: it is *unattributed*, and shown as a row of its own.

Every movement counts exactly once, so the collectors' rows and the unattributed row add up to
the ledger's total to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

PROMISE_CREDIT_DAYS = 30


class PromiseStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Movement:
    """Cash in (+) or back out (-) on an account, and the payment whose credit it carries."""

    account_id: int
    on: date  # the day it counts: its own effective date
    amount_minor: int
    credit_at: datetime  # when the payment it belongs to was posted
    credit_on: date  # that payment's effective date


@dataclass(frozen=True)
class OwnerPeriod:
    """An account assigned to a collector over the half-open period [starts_at, ends_at)."""

    account_id: int
    user_id: int
    starts_at: datetime
    ends_at: datetime | None = None

    def holds(self, moment: datetime) -> bool:
        return self.starts_at <= moment and (self.ends_at is None or moment < self.ends_at)


@dataclass(frozen=True)
class PromiseTaken:
    promise_id: int
    account_id: int
    user_id: int | None  # who took it; None when a system recorded it
    made_at: datetime
    status: PromiseStatus
    resolved_on: date | None = None  # the day it was kept or broken

    def credits(self, movement: Movement) -> bool:
        """True when this promise earns its taker the credit for the movement's payment."""
        if self.user_id is None or self.account_id != movement.account_id:
            return False
        window_start = movement.credit_at - timedelta(days=PROMISE_CREDIT_DAYS)
        if not window_start <= self.made_at <= movement.credit_at:
            return False
        if self.status in (PromiseStatus.OPEN, PromiseStatus.KEPT):
            return True
        if self.status is PromiseStatus.BROKEN:  # still open on the day of the payment
            return self.resolved_on is not None and self.resolved_on > movement.credit_on
        return False


def owner_at(movement: Movement, owners: Iterable[OwnerPeriod]) -> int | None:
    """Who owned the movement's account when its payment was posted."""
    for period in owners:
        if period.account_id == movement.account_id and period.holds(movement.credit_at):
            return period.user_id
    return None


def promiser_for(movement: Movement, promises: Iterable[PromiseTaken]) -> int | None:
    """Who took the latest promise that earns the credit for the movement's payment."""
    latest: PromiseTaken | None = None
    for promise in promises:
        if promise.credits(movement) and (
            latest is None
            or (promise.made_at, promise.promise_id) > (latest.made_at, latest.promise_id)
        ):
            latest = promise
    return latest.user_id if latest is not None else None


def credit(owner: int | None, promiser: int | None) -> int | None:
    """The owner first, then the promise's taker; None: nobody."""
    return owner if owner is not None else promiser


def credited_to(
    movement: Movement, owners: Iterable[OwnerPeriod], promises: Iterable[PromiseTaken]
) -> int | None:
    """The collector a movement counts for, or None (unattributed). ``owners`` and ``promises``
    may hold other accounts' rows; only the movement's account is read."""
    return credit(owner_at(movement, owners), promiser_for(movement, promises))


@dataclass(frozen=True)
class Collected:
    """Money collected on a day and in its month to date, in minor units."""

    today_minor: int = 0
    month_minor: int = 0

    def __add__(self, other: Collected) -> Collected:
        return Collected(self.today_minor + other.today_minor, self.month_minor + other.month_minor)


@dataclass(frozen=True)
class Tally:
    """A day's and its month's collections: per collector, and what nobody is credited with."""

    day: date
    month_start: date
    by_user: Mapping[int, Collected] = field(default_factory=dict)
    unattributed: Collected = field(default_factory=Collected)

    @property
    def total(self) -> Collected:
        return sum(self.by_user.values(), start=Collected()) + self.unattributed

    def of(self, user_id: int) -> Collected:
        return self.by_user.get(user_id, Collected())

    def of_team(self, members: Iterable[int]) -> Collected:
        return sum((self.of(m) for m in set(members)), start=Collected())


@dataclass(frozen=True)
class CreditGroup:
    """Cash of movements that share their credit facts, summed: the owner when the payment was
    posted and the taker of the promise that would earn it (either may be None)."""

    owner: int | None
    promiser: int | None
    today_minor: int
    month_minor: int


def tally_groups(groups: Iterable[CreditGroup], *, day: date, month_start: date) -> Tally:
    """Credit each group by the rule's order (owner, then promise, then nobody)."""
    if not month_start <= day:
        raise ValueError("the month must start on or before the day")
    today: dict[int | None, int] = defaultdict(int)
    month: dict[int | None, int] = defaultdict(int)
    for group in groups:
        who = credit(group.owner, group.promiser)
        today[who] += group.today_minor
        month[who] += group.month_minor
    by_user = {who: Collected(today[who], month[who]) for who in month if who is not None}
    return Tally(day=day, month_start=month_start, by_user=by_user,
                 unattributed=Collected(today[None], month[None]))  # fmt: skip


def tally(
    movements: Iterable[Movement],
    owners: Iterable[OwnerPeriod],
    promises: Iterable[PromiseTaken],
    *,
    day: date,
    month_start: date,
) -> Tally:
    """Credit every movement from ``month_start`` to ``day`` (both included); ``day`` is also
    "today". Movements outside those days are left out.

    This is the rule read movement by movement; the supervisor's view finds the same credit
    facts with one grouped query and is tested against this."""
    if not month_start <= day:
        raise ValueError("the month must start on or before the day")
    owners_of: dict[int, list[OwnerPeriod]] = defaultdict(list)
    for period in owners:
        owners_of[period.account_id].append(period)
    promises_on: dict[int, list[PromiseTaken]] = defaultdict(list)
    for promise in promises:
        promises_on[promise.account_id].append(promise)
    sums: dict[tuple[int | None, int | None], list[int]] = defaultdict(lambda: [0, 0])
    for m in movements:
        if not month_start <= m.on <= day:
            continue
        facts = (owner_at(m, owners_of.get(m.account_id, ())),
                 promiser_for(m, promises_on.get(m.account_id, ())))  # fmt: skip
        sums[facts][1] += m.amount_minor
        if m.on == day:
            sums[facts][0] += m.amount_minor
    groups = [CreditGroup(o, p, today, month) for (o, p), (today, month) in sums.items()]
    return tally_groups(groups, day=day, month_start=month_start)


def percent(part: int, whole: int | None) -> Decimal | None:
    """``part`` as a percent of ``whole`` to one decimal (half even); None when there is no
    positive whole (no target set, no calls made)."""
    if whole is None or whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_EVEN)
