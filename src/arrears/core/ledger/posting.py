"""What one payment does to an account: interest brought to the payment's date, the waterfall,
and interest given back when the payment is dated before the last accrual run.

Both the one-payment path and the payment-file path call :func:`plan_payment`, so a payment
posted either way leaves exactly the same entries and accrual state.

A payment dated on or after the last accrual run first accrues interest up to its date, then
pays the buckets in waterfall order, and the principal it paid stops bearing interest from that
date. A payment dated *before* the last run (a lockbox file of yesterday's receipts, read after
last night's accrual) cannot accrue backwards: its principal reduction still counts from its own
date, so the interest already posted on the paid principal for the days since is computed again
exactly and the difference is given back as an interest credit. That credit can leave the
interest bucket below zero (a credit the consumer holds); the account's total stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from arrears.core.interest.accrual import (
    AccrualState,
    accrue,
    close_segment,
    denominator,
    round_half_even_div,
)
from arrears.core.interest.rates import InterestTerms
from arrears.core.ledger.balances import Balances, Bucket
from arrears.core.ledger.errors import InvalidAmount
from arrears.core.ledger.waterfall import allocate_payment


@dataclass(frozen=True, slots=True)
class Position:
    """An account as a payment finds it: balances, waterfall and, when it bears interest, terms
    and accrual state (both or neither)."""

    balances: Balances
    waterfall: tuple[Bucket, ...]
    terms: InterestTerms | None = None
    accrual: AccrualState | None = None


@dataclass(frozen=True, slots=True)
class PaymentPlan:
    """The entries one payment posts, in order, and the account after them.

    interest_minor: interest accrued up to the payment's date, posted before it (>= 0).
    reduction: the payment entry's amounts (each bucket <= 0); zero when nothing was owed.
    applied_minor + unapplied_minor = the amount received.
    interest_credit_minor: interest given back after a back-dated payment (>= 0), posted
      between the interest and the payment (the payment is applied to what is owed after it).
    """

    interest_minor: int
    reduction: Balances
    applied_minor: int
    unapplied_minor: int
    interest_credit_minor: int
    accrual: AccrualState | None
    balances: Balances


def plan_payment(position: Position, amount_minor: int, on: date) -> PaymentPlan:
    """Apply ``amount_minor`` received on ``on``. Nothing owed: everything is unapplied."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise TypeError(f"amount must be an int, not {type(amount_minor).__name__}")
    if amount_minor <= 0:
        raise InvalidAmount(f"a payment must be positive, got {amount_minor}")
    terms, state = position.terms, position.accrual
    if (terms is None) != (state is None):
        raise ValueError("terms and accrual state come together")
    balances = position.balances
    interest = 0
    if (
        terms is not None
        and state is not None
        and (state.accrued_through is None or on > state.accrued_through)
    ):
        run = accrue(state, principal_minor=max(balances.principal, 0), terms=terms, as_of=on)
        state, interest = run.state, run.post_minor
        assert interest >= 0, "posted interest never runs ahead of the exact total"
        balances = balances + Balances(interest=interest)
    # A back-dated payment's interest credit and its allocation depend on each other: the
    # credit comes off the interest bucket before the payment is applied, and the credit is what
    # the principal the payment pays had borne since its date. Both only grow from one round to
    # the next and are bounded, so the rounds settle (in two, in practice). Under 30/360 a
    # month split at the payment's date can count a day more than the whole, so the "credit" can
    # come out below zero: that is interest still owed, posted with the interest before it.
    credit = 0
    settled = state
    for _round in range(64):
        start = balances + Balances(interest=-credit)
        reduction, unapplied = allocate_payment(start, amount_minor, position.waterfall)
        settled, again = state, 0
        if terms is not None and state is not None and reduction.principal:
            settled, again = _principal_change(
                state, terms, start.principal, start.principal + reduction.principal, on
            )
        if again == credit:
            break
        credit = again
    else:  # pragma: no cover - the rounds are monotone and bounded
        raise AssertionError("the interest credit did not settle")
    balances = start + reduction
    state = settled
    if credit < 0:
        interest, credit = interest - credit, 0
    return PaymentPlan(
        interest_minor=interest,
        reduction=reduction,
        applied_minor=amount_minor - unapplied,
        unapplied_minor=unapplied,
        interest_credit_minor=credit,
        accrual=state,
        balances=balances,
    )


def _principal_change(
    state: AccrualState, terms: InterestTerms, before: int, after: int, on: date
) -> tuple[AccrualState, int]:
    """Start a new segment where principal changed; returns the state and the interest to give
    back (below zero, rarely, under 30/360: interest still owed).

    On or after the last run the segment simply closes on ``on``. Before it, the days from
    ``on`` (or the segment's start, if a later change already split it) to the last run are
    counted again at the new principal and posted interest is set to the exact total.
    """
    through = state.accrued_through
    if through is None or on >= through:
        start = max(on, state.segment_start)
        return close_segment(state, principal_minor=max(before, 0), terms=terms, on=start), 0
    cut = max(on, state.segment_start)
    closed = close_segment(state, principal_minor=max(before, 0), terms=terms, on=cut)
    numerator = closed.closed_numerator + (
        max(after, 0) * terms.effective_rate_ppm * terms.day_count.days(cut, through)
    )
    total = round_half_even_div(numerator, denominator(terms))
    return replace(closed, posted_minor=total), state.posted_minor - total


@dataclass(frozen=True, slots=True)
class ReversalPlan:
    """What undoing a returned payment posts, and the account after it.

    interest_minor: interest accrued up to the return day at the principal as it stood, posted
      first (>= 0).
    restore: the reversal entry's amounts (what the payment took from each bucket, given back).
    interest_owed_minor: interest on the restored principal from the day the payment was
      received to the last accrual run, posted after the reversal (below zero, rarely, under
      30/360: interest to give back).
    """

    interest_minor: int
    restore: Balances
    interest_owed_minor: int
    accrual: AccrualState | None
    balances: Balances


def plan_reversal(
    position: Position, restore: Balances, *, paid_on: date, returned_on: date
) -> ReversalPlan:
    """Undo a payment received on ``paid_on`` that the bank sent back on ``returned_on``.

    The buckets get back exactly what the payment took (``restore``, each bucket >= 0). Interest
    is counted as if the payment had never been made: the principal it paid bears interest again
    from ``paid_on``. The reversal itself is booked on ``returned_on``, when the money went back.
    When a later change of principal already started a newer segment, the days before that
    segment are not recounted (the consumer keeps that small difference).
    """
    if returned_on < paid_on:
        raise ValueError("a payment cannot be returned before it was received")
    if any(value < 0 for value in restore.as_dict().values()) or restore.is_zero():
        raise InvalidAmount("a reversal gives back what the payment took (each bucket >= 0)")
    terms, state = position.terms, position.accrual
    if (terms is None) != (state is None):
        raise ValueError("terms and accrual state come together")
    balances = position.balances
    interest = 0
    owed = 0
    if terms is not None and state is not None:
        if state.accrued_through is None or returned_on > state.accrued_through:
            run = accrue(
                state, principal_minor=max(balances.principal, 0), terms=terms, as_of=returned_on
            )
            state, interest = run.state, run.post_minor
            balances = balances + Balances(interest=interest)
        if restore.principal:
            state, credit = _principal_change(
                state, terms, balances.principal, balances.principal + restore.principal, paid_on
            )
            owed = -credit
    balances = balances + restore + Balances(interest=owed)
    return ReversalPlan(
        interest_minor=interest,
        restore=restore,
        interest_owed_minor=owed,
        accrual=state,
        balances=balances,
    )
