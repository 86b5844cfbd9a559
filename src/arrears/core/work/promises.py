"""Whether a promise to pay was kept or broken (ADR 13).

A promise is *kept* on the first day the cash paid on its account since the day it was made
(payments less reversals and refunds, day by day) reaches the amount promised, if that day is
no later than its deadline: the due day plus the client's grace days. It is *broken* the day
after the deadline if that never happened. Until then it stays open.

The verdict depends only on the cash dated up to the day looked at, never on the day the
evaluation runs: judging again later gives the same verdict and the same day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from arrears.core.work.attribution import PromiseStatus


@dataclass(frozen=True)
class PromiseTerms:
    amount_minor: int
    made_on: date
    due_on: date
    grace_days: int = 0

    def __post_init__(self) -> None:
        if self.amount_minor <= 0:
            raise ValueError("a promise is for an amount above zero")
        if self.grace_days < 0:
            raise ValueError("grace days cannot be negative")

    @property
    def deadline(self) -> date:
        return self.due_on + timedelta(days=self.grace_days)


@dataclass(frozen=True)
class Verdict:
    status: PromiseStatus  # kept or broken
    resolved_on: date


def judge(
    promise: PromiseTerms, cash: Iterable[tuple[date, int]], *, as_of: date
) -> Verdict | None:
    """The verdict on ``promise`` as of the end of ``as_of`` from the account's cash movements
    (day, signed minor units; other days are ignored); None while it is still open."""
    last = min(as_of, promise.deadline)
    by_day: dict[date, int] = defaultdict(int)
    for on, amount in cash:
        if promise.made_on <= on <= last:
            by_day[on] += amount
    paid = 0
    for on in sorted(by_day):
        paid += by_day[on]
        if paid >= promise.amount_minor:
            return Verdict(PromiseStatus.KEPT, on)
    if as_of > promise.deadline:
        return Verdict(PromiseStatus.BROKEN, promise.deadline + timedelta(days=1))
    return None
