"""Promises kept or broken (ADR 13), on one date or several (ADR 25), without a database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.work import (
    PromiseSchedule,
    PromiseStatus,
    PromiseTerms,
    Verdict,
    judge,
    judge_schedule,
)

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


# --- a promise on several dates (ADR 25) ----------------------------------------------------------

FIRST, SECOND = date(2026, 12, 1), date(2026, 12, 15)
TWO = PromiseSchedule(made_on=MADE, dates=((FIRST, 10_000), (SECOND, 10_000)))
KEPT, BROKEN = PromiseStatus.KEPT, PromiseStatus.BROKEN


class TestPromiseOnSeveralDates:
    def test_a_payment_of_the_first_amount_keeps_the_first_and_the_second_breaks(self) -> None:
        cash = [(date(2026, 11, 20), 10_000)]
        assert judge_schedule(TWO, cash, as_of=date(2026, 12, 16)) == (
            Verdict(KEPT, date(2026, 11, 20)), Verdict(BROKEN, date(2026, 12, 16)))  # fmt: skip

    def test_one_payment_of_both_amounts_before_the_first_date_keeps_both(self) -> None:
        cash = [(date(2026, 11, 20), 20_000)]
        assert judge_schedule(TWO, cash, as_of=date(2026, 11, 20)) == (
            Verdict(KEPT, date(2026, 11, 20)), Verdict(KEPT, date(2026, 11, 20)))  # fmt: skip

    def test_the_second_is_kept_on_the_day_the_running_total_reaches_both_amounts(self) -> None:
        cash = [(date(2026, 11, 20), 10_000), (date(2026, 12, 10), 4_000),
                (date(2026, 12, 14), 6_000)]  # fmt: skip
        assert judge_schedule(TWO, cash, as_of=date(2026, 12, 13)) == (
            Verdict(KEPT, date(2026, 11, 20)), None)  # fmt: skip
        assert judge_schedule(TWO, cash, as_of=date(2026, 12, 31)) == (
            Verdict(KEPT, date(2026, 11, 20)), Verdict(KEPT, date(2026, 12, 14)))  # fmt: skip

    def test_a_missed_first_date_breaks_alone_and_catching_up_keeps_the_second(self) -> None:
        cash = [(date(2026, 12, 5), 20_000)]
        assert judge_schedule(TWO, cash, as_of=date(2026, 12, 31)) == (
            Verdict(BROKEN, date(2026, 12, 2)), Verdict(KEPT, date(2026, 12, 5)))  # fmt: skip

    def test_grace_days_move_every_deadline(self) -> None:
        graced = PromiseSchedule(made_on=MADE, dates=TWO.dates, grace_days=3)
        cash = [(date(2026, 12, 4), 10_000), (date(2026, 12, 18), 10_000)]
        assert judge_schedule(graced, cash, as_of=date(2026, 12, 31)) == (
            Verdict(KEPT, date(2026, 12, 4)), Verdict(KEPT, date(2026, 12, 18)))  # fmt: skip
        assert judge_schedule(TWO, cash, as_of=date(2026, 12, 31)) == (
            Verdict(BROKEN, date(2026, 12, 2)), Verdict(BROKEN, date(2026, 12, 16)))  # fmt: skip

    def test_each_date_is_judged_by_the_running_total_up_to_it(self) -> None:
        three = PromiseSchedule(made_on=MADE, dates=((FIRST, 5_000), (SECOND, 7_000),
                                                     (date(2027, 1, 4), 3_000)))  # fmt: skip
        assert [(t.amount_minor, t.due_on) for t in three.terms] == [
            (5_000, FIRST), (12_000, SECOND), (15_000, date(2027, 1, 4))]  # fmt: skip
        assert three.total_minor == 15_000

    @pytest.mark.parametrize(
        ("dates", "message"),
        [
            ((), "at least one date"),
            (((FIRST, 100),) * 7, "at most 6 dates"),
            (((SECOND, 100), (FIRST, 100)), "strictly increasing"),
            (((FIRST, 100), (FIRST, 100)), "strictly increasing"),
            (((FIRST, 100), (SECOND, 0)), "above zero"),
        ],
    )  # fmt: skip
    def test_a_schedule_out_of_order_too_long_or_for_nothing_is_refused(
        self, dates, message
    ) -> None:
        with pytest.raises(ValueError, match=message):
            PromiseSchedule(made_on=MADE, dates=dates)


GRACE = st.integers(0, 5)


@st.composite
def schedules(draw, grace=GRACE):  # type: ignore[no-untyped-def]
    """A promise made on MADE with 1 to 6 dates, strictly increasing from a day on or after."""
    steps = draw(st.lists(st.tuples(st.integers(1, 15), st.integers(1, 12_000)),
                          min_size=1, max_size=6))  # fmt: skip
    on, dates = MADE - timedelta(days=1), []
    for gap, amount in steps:
        on += timedelta(days=gap)
        dates.append((on, amount))
    return PromiseSchedule(made_on=MADE, dates=tuple(dates), grace_days=draw(grace))


def running_cash(cash, until):  # type: ignore[no-untyped-def]
    """Cash since the promise was made, up to and including ``until``."""
    return sum(amount for on, amount in cash if MADE <= on <= until)


@given(schedules(), CASH, st.dates(date(2026, 10, 25), date(2027, 2, 28)))
def test_judging_never_counts_a_cent_twice(schedule, cash, as_of) -> None:  # type: ignore[no-untyped-def]
    verdicts = judge_schedule(schedule, cash, as_of=as_of)
    promised = 0
    for (_, amount), verdict in zip(schedule.dates, verdicts, strict=True):
        promised += amount
        if verdict is not None and verdict.status is KEPT:
            # The cash by the day it was kept covers this date and every date before it, kept
            # or not: no payment keeps two dates.
            assert running_cash(cash, verdict.resolved_on) >= promised
    kept_on = sorted((v.resolved_on, a) for (_, a), v in zip(schedule.dates, verdicts, strict=True)
                     if v is not None and v.status is KEPT)  # fmt: skip
    for day, _ in kept_on:
        best = max(running_cash(cash, MADE + timedelta(days=d))
                   for d in range((day - MADE).days + 1))  # fmt: skip
        assert sum(a for on, a in kept_on if on <= day) <= best


@given(schedules(), CASH, st.dates(date(2026, 10, 25), date(2027, 2, 28)), st.integers(0, 60))
def test_a_later_judgement_never_changes_an_earlier_verdict(schedule, cash, as_of, later) -> None:  # type: ignore[no-untyped-def]
    before = judge_schedule(schedule, cash, as_of=as_of)
    after = judge_schedule(schedule, cash, as_of=as_of + timedelta(days=later))
    for earlier, then in zip(before, after, strict=True):
        if earlier is not None:
            assert earlier.resolved_on <= as_of
            assert then == earlier


@given(schedules(), CASH)
def test_after_the_last_deadline_every_date_is_kept_or_broken(schedule, cash) -> None:  # type: ignore[no-untyped-def]
    last = schedule.terms[-1].deadline
    assert None not in judge_schedule(schedule, cash, as_of=last + timedelta(days=1))


@given(schedules(grace=st.just(0)), st.integers(1, 80_000))
def test_one_payment_before_the_first_date_keeps_the_dates_it_covers_in_order(
    schedule, paid
) -> None:  # type: ignore[no-untyped-def]
    verdicts = judge_schedule(schedule, [(MADE, paid)], as_of=date(2027, 6, 1))
    running = [sum(a for _, a in schedule.dates[: n + 1]) for n in range(len(schedule.dates))]
    covered = [total <= paid for total in running]
    assert [v is not None and v.status is KEPT for v in verdicts] == covered


@given(CASH, st.dates(date(2026, 10, 25), date(2026, 12, 31)), st.integers(0, 5),
       st.integers(1, 30_000))  # fmt: skip
def test_a_promise_on_one_date_is_judged_as_before(cash, as_of, grace, amount) -> None:  # type: ignore[no-untyped-def]
    terms = PromiseTerms(amount_minor=amount, made_on=MADE, due_on=DUE, grace_days=grace)
    assert judge_schedule(PromiseSchedule.single(terms), cash, as_of=as_of) == (
        judge(terms, cash, as_of=as_of),)  # fmt: skip
