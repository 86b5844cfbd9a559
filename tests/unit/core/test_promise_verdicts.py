"""Promises kept or broken (ADR 13), without a database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.work import PromiseStatus, PromiseTerms, Verdict, judge

MADE = date(2026, 11, 2)
DUE = date(2026, 11, 13)
PROMISE = PromiseTerms(amount_minor=15_000, made_on=MADE, due_on=DUE)


def test_kept_on_the_day_the_payments_reach_the_amount() -> None:
    cash = [(date(2026, 11, 5), 10_000), (date(2026, 11, 9), 4_999), (date(2026, 11, 11), 1)]
    assert judge(PROMISE, cash, as_of=date(2026, 11, 20)) == Verdict(
        PromiseStatus.KEPT, date(2026, 11, 11)
    )


def test_kept_early_before_the_due_day() -> None:
    assert judge(PROMISE, [(MADE, 20_000)], as_of=MADE) == Verdict(PromiseStatus.KEPT, MADE)


def test_open_until_the_deadline_has_passed() -> None:
    assert judge(PROMISE, [(date(2026, 11, 5), 10_000)], as_of=DUE) is None


def test_broken_the_day_after_the_deadline() -> None:
    assert judge(PROMISE, [(date(2026, 11, 5), 10_000)], as_of=DUE + timedelta(days=1)) == (
        Verdict(PromiseStatus.BROKEN, DUE + timedelta(days=1))
    )


def test_grace_days_move_the_deadline() -> None:
    graced = PromiseTerms(amount_minor=15_000, made_on=MADE, due_on=DUE, grace_days=3)
    late = [(DUE + timedelta(days=3), 15_000)]
    assert judge(graced, late, as_of=DUE + timedelta(days=10)) == Verdict(
        PromiseStatus.KEPT, DUE + timedelta(days=3)
    )
    assert judge(PROMISE, late, as_of=DUE + timedelta(days=10)) == Verdict(
        PromiseStatus.BROKEN, DUE + timedelta(days=1)
    )


def test_a_reversal_in_the_window_takes_the_payment_back() -> None:
    cash = [(date(2026, 11, 5), 15_000), (date(2026, 11, 5), -15_000)]
    assert judge(PROMISE, cash, as_of=DUE + timedelta(days=1)) == Verdict(
        PromiseStatus.BROKEN, DUE + timedelta(days=1)
    )


def test_payments_before_the_promise_was_made_do_not_keep_it() -> None:
    assert judge(PROMISE, [(MADE - timedelta(days=1), 15_000)], as_of=DUE) is None


def test_payments_after_the_day_looked_at_are_not_seen() -> None:
    assert judge(PROMISE, [(date(2026, 11, 12), 15_000)], as_of=date(2026, 11, 11)) is None


def test_a_promise_for_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="above zero"):
        PromiseTerms(amount_minor=0, made_on=MADE, due_on=DUE)


CASH = st.lists(
    st.tuples(st.dates(date(2026, 10, 20), date(2026, 12, 20)), st.integers(-20_000, 20_000)),
    max_size=12,
)


@given(CASH, st.dates(date(2026, 10, 25), date(2026, 12, 31)), st.integers(0, 40),
       st.integers(0, 5))  # fmt: skip
def test_a_verdict_once_reached_never_changes_later(cash, as_of, later, grace) -> None:  # type: ignore[no-untyped-def]
    terms = PromiseTerms(amount_minor=15_000, made_on=MADE, due_on=DUE, grace_days=grace)
    first = judge(terms, cash, as_of=as_of)
    if first is not None:
        assert first.resolved_on <= as_of
        assert judge(terms, cash, as_of=as_of + timedelta(days=later)) == first


@given(CASH, st.integers(0, 5))
def test_after_the_deadline_every_promise_is_kept_or_broken(cash, grace) -> None:  # type: ignore[no-untyped-def]
    terms = PromiseTerms(amount_minor=15_000, made_on=MADE, due_on=DUE, grace_days=grace)
    verdict = judge(terms, cash, as_of=terms.deadline + timedelta(days=1))
    assert verdict is not None
    window = sum(a for on, a in cash if MADE <= on <= terms.deadline)
    if verdict.status is PromiseStatus.BROKEN:
        assert window < 15_000
