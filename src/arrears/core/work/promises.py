"""Whether a promise to pay was kept or broken (ADR 13), date by date (ADR 25).

A promise is *kept* on the first day the cash paid on its account since the day it was made
(payments less reversals and refunds, day by day) reaches the amount promised, if that day is
no later than its deadline: the due day plus the client's grace days. It is *broken* the day
after the deadline if that never happened. Until then it stays open.

The verdict depends only on the cash dated up to the day looked at, never on the day the
evaluation runs: judging again later gives the same verdict and the same day.

A promise may name several dated payments ("$100 on the 1st and $100 on the 15th"). Each date
is judged as a promise of the *running total* promised up to it, from the same day: date *n* is
kept on the first day the cash since the promise was made reaches the amounts of dates 1..n, if
that day is no later than date *n*'s deadline. So a payment counts once across the dates, in
date order: $100 keeps the 1st and leaves the 15th waiting for $100 more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
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


#: The most dated payments one promise may name; more is a payment plan (an arrangement).
MAX_PROMISE_DATES = 6


@dataclass(frozen=True)
class PromiseSchedule:
    """A promise to pay on one or several days: ``dates`` are (due day, amount in minor units),
    due days strictly increasing, every amount above zero."""

    made_on: date
    dates: tuple[tuple[date, int], ...]
    grace_days: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "dates", tuple((on, amount) for on, amount in self.dates))
        if not self.dates:
            raise ValueError("a promise names at least one date")
        if len(self.dates) > MAX_PROMISE_DATES:
            raise ValueError(f"a promise names at most {MAX_PROMISE_DATES} dates")
        if any(amount <= 0 for _, amount in self.dates):
            raise ValueError("every amount promised is above zero")
        for (before, _), (after, _) in zip(self.dates, self.dates[1:], strict=False):
            if after <= before:
                raise ValueError("the dates of a promise must be strictly increasing")
        if self.grace_days < 0:
            raise ValueError("grace days cannot be negative")

    @classmethod
    def single(cls, terms: PromiseTerms) -> PromiseSchedule:
        return cls(terms.made_on, ((terms.due_on, terms.amount_minor),), terms.grace_days)

    @property
    def total_minor(self) -> int:
        return sum(amount for _, amount in self.dates)

    @property
    def terms(self) -> tuple[PromiseTerms, ...]:
        """Each date as the promise it is judged by: the running total promised up to it."""
        out: list[PromiseTerms] = []
        running = 0
        for due_on, amount in self.dates:
            running += amount
            out.append(PromiseTerms(amount_minor=running, made_on=self.made_on, due_on=due_on,
                                    grace_days=self.grace_days))  # fmt: skip
        return tuple(out)


def judge_schedule(
    schedule: PromiseSchedule, cash: Iterable[tuple[date, int]], *, as_of: date
) -> tuple[Verdict | None, ...]:
    """The verdict on each date of ``schedule`` as of the end of ``as_of`` (None while open), in
    date order, from the account's signed cash movements. A cent of cash counts toward the
    dates in order, never toward two of them."""
    movements: Sequence[tuple[date, int]] = tuple(cash)
    return tuple(judge(terms, movements, as_of=as_of) for terms in schedule.terms)
