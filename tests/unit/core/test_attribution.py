"""Who a collection counts for (ADR 13), without a database: the rule, and that every cent is
counted exactly once."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.work import (
    DISPOSITION_RULES,
    RIGHT_PARTY_CONTACT,
    Collected,
    Movement,
    OwnerPeriod,
    PromiseStatus,
    PromiseTaken,
    credited_to,
    percent,
    tally,
)

T0 = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
DAY = date(2026, 11, 10)
CASEY, DANA, EVE = 1, 2, 3


def paid(amount: int, *, at: datetime = T0, on: date = DAY, account: int = 7) -> Movement:
    return Movement(account_id=account, on=on, amount_minor=amount, credit_at=at, credit_on=on)


def promise(
    user: int | None, made_at: datetime, status: str = "open", resolved_on: date | None = None,
    pid: int = 1, account: int = 7,
) -> PromiseTaken:  # fmt: skip
    return PromiseTaken(promise_id=pid, account_id=account, user_id=user, made_at=made_at,
                        status=PromiseStatus(status), resolved_on=resolved_on)  # fmt: skip


class TestTheRule:
    def test_the_owner_when_the_payment_was_posted_gets_the_credit(self) -> None:
        owners = [OwnerPeriod(7, DANA, T0 - timedelta(days=9), T0 - timedelta(hours=1)),
                  OwnerPeriod(7, CASEY, T0 - timedelta(hours=1))]  # fmt: skip
        assert credited_to(paid(5_000), owners, [promise(EVE, T0 - timedelta(days=1))]) == CASEY

    def test_an_owner_period_is_half_open(self) -> None:
        ended = [OwnerPeriod(7, DANA, T0 - timedelta(days=3), T0)]
        assert credited_to(paid(5_000), ended, []) is None
        starting = [OwnerPeriod(7, DANA, T0, None)]
        assert credited_to(paid(5_000), starting, []) == DANA

    def test_another_accounts_owner_does_not_count(self) -> None:
        assert credited_to(paid(5_000), [OwnerPeriod(8, DANA, T0 - timedelta(days=1))], []) is None

    def test_without_an_owner_the_latest_promise_in_thirty_days_counts(self) -> None:
        promises = [promise(DANA, T0 - timedelta(days=20), pid=1),
                    promise(EVE, T0 - timedelta(days=2), pid=2)]  # fmt: skip
        assert credited_to(paid(5_000), [], promises) == EVE

    def test_a_promise_exactly_thirty_days_before_counts_and_one_a_second_older_does_not(
        self,
    ) -> None:
        assert credited_to(paid(1), [], [promise(DANA, T0 - timedelta(days=30))]) == DANA
        older = T0 - timedelta(days=30, seconds=1)
        assert credited_to(paid(1), [], [promise(DANA, older)]) is None

    def test_a_promise_taken_after_the_payment_does_not_count(self) -> None:
        assert credited_to(paid(1), [], [promise(DANA, T0 + timedelta(seconds=1))]) is None

    def test_a_kept_promise_counts(self) -> None:
        kept = promise(DANA, T0 - timedelta(days=5), "kept", resolved_on=DAY)
        assert credited_to(paid(1), [], [kept]) == DANA

    def test_a_promise_broken_after_the_payment_counts_as_it_was_open_then(self) -> None:
        later = promise(DANA, T0 - timedelta(days=5), "broken", resolved_on=DAY + timedelta(1))
        assert credited_to(paid(1), [], [later]) == DANA

    def test_a_promise_already_broken_does_not_count(self) -> None:
        broken = promise(DANA, T0 - timedelta(days=9), "broken", resolved_on=DAY)
        assert credited_to(paid(1), [], [broken]) is None

    def test_a_cancelled_promise_does_not_count_and_the_one_before_it_does(self) -> None:
        promises = [promise(DANA, T0 - timedelta(days=9), pid=1),
                    promise(EVE, T0 - timedelta(days=1), "cancelled", pid=2)]  # fmt: skip
        assert credited_to(paid(1), [], promises) == DANA

    def test_a_promise_on_two_dates_credits_its_taker_while_one_date_is_kept(self) -> None:
        # ADR 25: each date is a promise row made at the same moment; the first was kept, the
        # second broke before this payment came.
        made = T0 - timedelta(days=20)
        dates = [promise(DANA, made, "kept", resolved_on=DAY - timedelta(days=15), pid=1),
                 promise(DANA, made, "broken", resolved_on=DAY - timedelta(days=2), pid=2)]  # fmt: skip
        assert credited_to(paid(1), [], dates) == DANA
        all_broken = [promise(DANA, made, "broken", resolved_on=DAY - timedelta(days=9), pid=1),
                      dates[1]]  # fmt: skip
        assert credited_to(paid(1), [], all_broken) is None

    def test_a_promise_a_system_recorded_credits_nobody(self) -> None:
        assert credited_to(paid(1), [], [promise(None, T0 - timedelta(days=1))]) is None

    def test_a_reversal_carries_its_payments_credit_to_its_own_day(self) -> None:
        posted = T0 - timedelta(days=12)
        owners = [OwnerPeriod(7, DANA, posted - timedelta(days=1), T0 - timedelta(days=5)),
                  OwnerPeriod(7, CASEY, T0 - timedelta(days=5))]  # fmt: skip
        back = Movement(account_id=7, on=DAY, amount_minor=-5_000, credit_at=posted,
                        credit_on=DAY - timedelta(days=12))  # fmt: skip
        assert credited_to(back, owners, []) == DANA


class TestTally:
    def test_today_and_month_to_date_add_up_to_the_cent(self) -> None:
        owners = [OwnerPeriod(7, CASEY, T0 - timedelta(days=30))]
        movements = [
            paid(12_345, on=DAY),
            paid(10_001, on=DAY - timedelta(days=9), at=T0 - timedelta(days=9)),
            paid(-2_500, on=DAY - timedelta(days=1), at=T0 - timedelta(days=9)),
            paid(999, on=DAY, account=8),  # nobody's
            paid(50_000, on=date(2026, 10, 31), at=T0 - timedelta(days=10)),  # last month
            paid(70_000, on=DAY + timedelta(days=1)),  # after the day
        ]
        result = tally(movements, owners, [], day=DAY, month_start=date(2026, 11, 1))
        assert result.by_user == {CASEY: Collected(today_minor=12_345, month_minor=19_846)}
        assert result.unattributed == Collected(999, 999)
        assert result.total == Collected(13_344, 20_845)

    def test_the_month_cannot_start_after_the_day(self) -> None:
        with pytest.raises(ValueError, match="month must start"):
            tally([], [], [], day=DAY, month_start=DAY + timedelta(days=1))


@st.composite
def floors(draw: st.DrawFn) -> tuple[list[Movement], list[OwnerPeriod], list[PromiseTaken]]:
    """Random accounts, owner periods, promises and payments (with reversals) around a month."""
    start = datetime(2026, 10, 1, 12, tzinfo=UTC)
    offsets = st.integers(min_value=0, max_value=60 * 24)  # hours over 60 days
    owners = []
    for account in range(1, draw(st.integers(1, 5)) + 1):
        cursor = start + timedelta(hours=draw(offsets))
        for _ in range(draw(st.integers(0, 3))):
            length = draw(st.one_of(st.none(), st.integers(1, 400)))
            end = None if length is None else cursor + timedelta(hours=length)
            owners.append(OwnerPeriod(account, draw(st.integers(1, 4)), cursor, end))
            if end is None:
                break
            cursor = end + timedelta(hours=draw(st.integers(0, 48)))
    promises = [
        PromiseTaken(
            pid,
            draw(st.integers(1, 5)),
            draw(st.one_of(st.none(), st.integers(1, 4))),
            start + timedelta(hours=draw(offsets)),
            draw(st.sampled_from(list(PromiseStatus))),
            (start + timedelta(hours=draw(offsets))).date(),
        )
        for pid in range(draw(st.integers(0, 8)))
    ]
    movements = []
    for _ in range(draw(st.integers(0, 25))):
        at = start + timedelta(hours=draw(offsets))
        amount = draw(st.integers(1, 10_000_000))
        payment = Movement(draw(st.integers(1, 5)), at.date(), amount, at, at.date())
        movements.append(payment)
        if draw(st.booleans()):
            later = at.date() + timedelta(days=draw(st.integers(0, 10)))
            back = draw(st.integers(1, amount))
            movements.append(Movement(payment.account_id, later, -back, at, at.date()))
    return movements, owners, promises


DAYS = st.dates(min_value=date(2026, 10, 1), max_value=date(2026, 12, 10))


class TestEveryCentCountsOnce:
    @given(floors(), DAYS)
    def test_rows_plus_unattributed_equal_the_ledger_total(self, floor, day) -> None:  # type: ignore[no-untyped-def]
        movements, owners, promises = floor
        month_start = day.replace(day=1)
        result = tally(movements, owners, promises, day=day, month_start=month_start)
        in_month = [m for m in movements if month_start <= m.on <= day]
        assert result.total.month_minor == sum(m.amount_minor for m in in_month)
        assert result.total.today_minor == sum(m.amount_minor for m in in_month if m.on == day)

    @given(floors(), DAYS, st.lists(st.integers(1, 4), max_size=4, unique=True))
    def test_teams_and_the_rest_add_up_to_the_floor(self, floor, day, team_a) -> None:  # type: ignore[no-untyped-def]
        result = tally(*floor, day=day, month_start=day.replace(day=1))
        team_b = [u for u in range(1, 5) if u not in team_a]
        assert result.of_team(team_a) + result.of_team(team_b) + result.unattributed == (
            result.total
        )

    @given(floors(), DAYS, st.randoms(use_true_random=False))
    def test_the_order_rows_arrive_in_changes_nothing(self, floor, day, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
        movements, owners, promises = (list(part) for part in floor)
        before = tally(movements, owners, promises, day=day, month_start=day.replace(day=1))
        for part in (movements, owners, promises):
            rng.shuffle(part)
        after = tally(movements, owners, promises, day=day, month_start=day.replace(day=1))
        assert after == before

    @given(floors())
    def test_a_payment_and_its_whole_reversal_leave_every_collector_at_zero(self, floor) -> None:  # type: ignore[no-untyped-def]
        movements, owners, promises = floor
        both = [m for m in movements if m.amount_minor > 0]
        both += [Movement(m.account_id, m.on, -m.amount_minor, m.credit_at, m.credit_on)
                 for m in both]  # fmt: skip
        result = tally(both, owners, promises, day=date(2026, 12, 31), month_start=date(2026, 9, 1))
        assert all(c == Collected() for c in result.by_user.values())
        assert result.unattributed == Collected()


class TestPercent:
    def test_rounds_to_one_decimal_half_even(self) -> None:
        assert percent(1, 3) == Decimal("33.3")
        assert percent(2, 3) == Decimal("66.7")
        assert percent(1, 8) == Decimal("12.5")
        assert percent(1, 16) == Decimal("6.2")  # 6.25 -> 6.2, half even
        assert percent(250_000, 200_000) == Decimal("125.0")

    def test_no_target_or_no_calls_has_no_percent(self) -> None:
        assert percent(5, None) is None
        assert percent(5, 0) is None


def test_the_right_party_contact_pair_is_exactly_the_right_party_dispositions() -> None:
    for disposition, rule in DISPOSITION_RULES.items():
        pair = (rule.outcome, rule.recipient)
        assert (pair == RIGHT_PARTY_CONTACT) is rule.right_party, disposition
