"""Plans and settlements judged instalment by instalment from the cash paid (ADR 22)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.core.arrangements import ArrangementError
from arrears.core.arrangements.tracking import InstalmentStatus, track

START = date(2026, 1, 5)
PLAN = [(date(2026, 2, 1), 10_000), (date(2026, 3, 1), 10_000), (date(2026, 4, 1), 5_000)]


def test_nothing_is_decided_before_the_first_deadline():
    progress = track(PLAN, [], starts_on=START, as_of=date(2026, 2, 1))
    assert progress.verdicts == ()
    assert progress.open
    assert progress.paid_minor == 0


def test_an_instalment_paid_on_time_is_kept_on_the_day_the_cash_covers_it():
    cash = [(date(2026, 1, 20), 4_000), (date(2026, 1, 30), 6_000)]
    progress = track(PLAN, cash, starts_on=START, as_of=date(2026, 2, 15))
    assert [(v.index, v.status, v.resolved_on) for v in progress.verdicts] == [
        (0, InstalmentStatus.KEPT, date(2026, 1, 30))
    ]
    assert progress.paid_minor == 10_000
    assert progress.open


def test_a_missed_instalment_breaks_the_plan_the_day_after_its_grace_ends():
    cash = [(date(2026, 2, 1), 10_000), (date(2026, 3, 3), 9_999)]
    progress = track(PLAN, cash, starts_on=START, as_of=date(2026, 3, 10), grace_days=3)
    assert [(v.status, v.resolved_on) for v in progress.verdicts] == [
        (InstalmentStatus.KEPT, date(2026, 2, 1)),
        (InstalmentStatus.BROKEN, date(2026, 3, 5)),
    ]
    assert progress.broken_on == date(2026, 3, 5)
    assert progress.completed_on is None


def test_payment_within_grace_keeps_the_instalment():
    cash = [(date(2026, 2, 4), 10_000)]
    progress = track(PLAN, cash, starts_on=START, as_of=date(2026, 2, 20), grace_days=3)
    assert progress.verdicts[0].status is InstalmentStatus.KEPT
    assert progress.verdicts[0].resolved_on == date(2026, 2, 4)


def test_one_large_payment_keeps_every_instalment_it_covers_and_completes_the_plan():
    cash = [(date(2026, 1, 10), 25_000)]
    progress = track(PLAN, cash, starts_on=START, as_of=date(2026, 1, 10))
    assert [v.status for v in progress.verdicts] == [InstalmentStatus.KEPT] * 3
    assert {v.resolved_on for v in progress.verdicts} == {date(2026, 1, 10)}
    assert progress.completed_on == date(2026, 1, 10)


def test_a_returned_payment_uncovers_the_next_instalment():
    cash = [(date(2026, 1, 31), 10_000), (date(2026, 2, 28), 10_000), (date(2026, 3, 2), -10_000)]
    progress = track(PLAN, cash, starts_on=START, as_of=date(2026, 3, 2))
    # The second instalment was kept on 28 Feb and stays kept; the return leaves the third short.
    assert [v.status for v in progress.verdicts] == [InstalmentStatus.KEPT] * 2
    assert progress.paid_minor == 10_000
    later = track(PLAN, cash, starts_on=START, as_of=date(2026, 4, 2))
    assert later.broken_on == date(2026, 4, 2)


def test_cash_before_the_start_does_not_count():
    cash = [(date(2026, 1, 4), 10_000)]
    progress = track(PLAN, cash, starts_on=START, as_of=date(2026, 2, 2))
    assert progress.broken_on == date(2026, 2, 2)
    assert progress.paid_minor == 0


def test_instalments_out_of_order_are_refused():
    with pytest.raises(ArrangementError, match="due order"):
        track(list(reversed(PLAN)), [], starts_on=START, as_of=START)


def test_an_arrangement_without_instalments_is_refused():
    with pytest.raises(ArrangementError, match="at least one instalment"):
        track([], [], starts_on=START, as_of=START)


cash_days = st.lists(
    st.tuples(st.integers(min_value=0, max_value=120), st.integers(-3_000, 12_000)), max_size=12
)


@settings(max_examples=300, deadline=None)
@given(
    cash=cash_days,
    grace=st.integers(0, 10),
    amounts=st.lists(st.integers(1, 10_000), min_size=1, max_size=5),
    later=st.integers(0, 60),
)
def test_a_verdict_never_changes_when_judged_again_later(cash, grace, amounts, later):
    instalments = [(START + timedelta(days=30 * (i + 1)), a) for i, a in enumerate(amounts)]
    moves = [(START + timedelta(days=d), a) for d, a in cash]
    for day in range(0, 180, 7):
        as_of = START + timedelta(days=day)
        now = track(instalments, moves, starts_on=START, as_of=as_of, grace_days=grace)
        then = track(
            instalments, moves, starts_on=START, as_of=as_of + timedelta(days=later),
            grace_days=grace,
        )  # fmt: skip
        assert then.verdicts[: len(now.verdicts)] == now.verdicts
        if not now.open:
            assert (then.completed_on, then.broken_on) == (now.completed_on, now.broken_on)
        # Every verdict is about a day already past.
        assert all(v.resolved_on <= as_of for v in now.verdicts)
