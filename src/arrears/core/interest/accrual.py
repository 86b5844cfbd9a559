"""Exact, cadence-independent accrual of simple interest on principal.

Interest owed since the itemization date is one integer fraction,
    round_half_even(numerator / (1_000_000 * basis)),
where the numerator adds principal_minor * rate_ppm * days over each stretch
("segment") in which principal and rate were constant. Each accrual run posts
the difference between that total and what was posted before, so running daily,
monthly or once posts the same cents in total.

A state assumes one day-count convention for its whole life: numerators with
different bases cannot be added.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from arrears.core.interest.rates import PPM, InterestTerms


def denominator(terms: InterestTerms) -> int:
    """What a numerator is divided by to get minor units: 1_000_000 * basis."""
    return PPM * terms.day_count.basis


def round_half_even_div(n: int, d: int) -> int:
    """n / d rounded to the nearest integer, ties to even; exact for any ints."""
    if d == 0:
        raise ZeroDivisionError("division by zero")
    if d < 0:
        n, d = -n, -d
    quotient, remainder = divmod(n, d)  # 0 <= remainder < d
    twice = 2 * remainder
    if twice > d or (twice == d and quotient % 2 == 1):
        quotient += 1
    return quotient


@dataclass(frozen=True, slots=True)
class AccrualState:
    """Where an account's accrual stands.

    segment_start: first day of the current segment (principal and rate constant).
    closed_numerator: numerators of the finished segments.
    accrued_through: as_of of the last run (interest counted for days before it).
    posted_minor: interest posted so far, in minor units.
    """

    segment_start: date
    closed_numerator: int = 0
    accrued_through: date | None = None
    posted_minor: int = 0


@dataclass(frozen=True, slots=True)
class Accrual:
    """The result of a run: the new state, what to post now, why nothing was done."""

    state: AccrualState
    post_minor: int
    skipped: str | None


def _segment_numerator(principal_minor: int, terms: InterestTerms, start: date, end: date) -> int:
    if principal_minor <= 0:
        return 0
    return principal_minor * terms.effective_rate_ppm * terms.day_count.days(start, end)


def accrue(
    state: AccrualState, *, principal_minor: int, terms: InterestTerms, as_of: date
) -> Accrual:
    """Accrue interest for the days before `as_of`; rerunning for a date already done is a no-op.

    post_minor is the total owed through as_of less what was already posted. It is
    usually >= 0; it is negative only if a segment was closed back-dated (e.g. a
    payment effective before the last run), which the caller must post as a credit.
    """
    if state.accrued_through is not None and as_of <= state.accrued_through:
        return Accrual(
            state=state,
            post_minor=0,
            skipped=f"already accrued through {state.accrued_through.isoformat()}",
        )
    if as_of < state.segment_start:
        raise ValueError(
            f"cannot accrue to {as_of}: the current segment starts on {state.segment_start}"
        )
    numerator = state.closed_numerator + _segment_numerator(
        principal_minor, terms, state.segment_start, as_of
    )
    total = round_half_even_div(numerator, denominator(terms))
    return Accrual(
        state=replace(state, accrued_through=as_of, posted_minor=total),
        post_minor=total - state.posted_minor,
        skipped=None,
    )


def close_segment(
    state: AccrualState, *, principal_minor: int, terms: InterestTerms, on: date
) -> AccrualState:
    """End the current segment on `on`, before principal or rate changes that day.

    Pass the principal and terms that applied until `on` (the old ones).
    """
    if on < state.segment_start:
        raise ValueError(f"cannot close on {on}: the segment starts on {state.segment_start}")
    return replace(
        state,
        segment_start=on,
        closed_numerator=state.closed_numerator
        + _segment_numerator(principal_minor, terms, state.segment_start, on),
    )


def interest_between(
    principal_steps: Sequence[tuple[date, int]], terms: InterestTerms, start: date, end: date
) -> int:
    """Interest in minor units for [start, end), computed in one go (the reference).

    `principal_steps` is [(from_date, principal_minor)] sorted by date; principal is
    the amount of the latest step on or before a day, 0 before the first step.
    Steps before `start` only set the opening principal.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    numerator = 0
    principal = 0
    cursor = start
    for when, amount in principal_steps:
        if when > cursor:
            stop = min(when, end)
            numerator += _segment_numerator(principal, terms, cursor, stop)
            cursor = stop
        principal = amount
    if cursor < end:
        numerator += _segment_numerator(principal, terms, cursor, end)
    return round_half_even_div(numerator, denominator(terms))
