"""The grouped query that credits the month's collections agrees with the rule in core, read
movement by movement, on random floors, and at the edges of the promise window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.core.work import Collected, Movement, OwnerPeriod, PromiseStatus, PromiseTaken, tally
from arrears.data.ledger.models import Entry
from arrears.data.users.models import Role, User
from arrears.data.work.models import AssignmentPeriod, Promise
from arrears.services.supervision.queries import collections_tally
from tests.factories import make_account, make_client

pytestmark = pytest.mark.django_db

START = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
HOURS = 24 * 65  # to 5 December


@pytest.fixture
def desk():  # type: ignore[no-untyped-def]
    acme = make_client()
    accounts = [make_account(acme).pk for _ in range(3)]
    users = [User.objects.create_user(f"c{n}", password="x", role=Role.COLLECTOR).pk
             for n in range(3)]  # fmt: skip
    return accounts, users


def moment(hours: int, seconds: int = 0) -> datetime:
    return START + timedelta(hours=hours, seconds=seconds)


@st.composite
def floors(draw: st.DrawFn, accounts: list[int], users: list[int]):  # type: ignore[no-untyped-def]
    owners = []
    for account in accounts:
        cursor = draw(st.integers(0, HOURS))
        for _ in range(draw(st.integers(0, 3))):
            length = draw(st.one_of(st.none(), st.integers(1, 500)))
            end = None if length is None else cursor + length
            owners.append((account, draw(st.sampled_from(users)), cursor, end))
            if end is None:
                break
            cursor = end + draw(st.integers(0, 48))
    promises = [
        (draw(st.sampled_from(accounts)), draw(st.one_of(st.none(), st.sampled_from(users))),
         draw(st.integers(0, HOURS)), draw(st.integers(0, 3599)),
         draw(st.sampled_from([s.value for s in PromiseStatus])),
         START.date() + timedelta(days=draw(st.integers(0, 65))))
        for _ in range(draw(st.integers(0, 8)))
    ]  # fmt: skip
    payments = [
        (draw(st.sampled_from(accounts)), draw(st.integers(0, HOURS)), draw(st.integers(0, 2)),
         draw(st.integers(1, 5_000_000)),
         draw(st.one_of(st.none(), st.tuples(st.integers(0, 10), st.sampled_from(
             ["payment_reversal", "refund"])))))
        for _ in range(draw(st.integers(0, 15)))
    ]  # fmt: skip
    day = draw(st.dates(date(2026, 10, 1), date(2026, 12, 5)))
    return owners, promises, payments, day


def write_and_read_back(floor) -> tuple[list[Movement], list[OwnerPeriod], list[PromiseTaken]]:  # type: ignore[no-untyped-def]
    """Store the floor's rows and return them as the rule in core reads them."""
    owners, promises, payments, _ = floor
    periods = []
    for account, user, start, end in owners:
        AssignmentPeriod.objects.create(account_id=account, user_id=user, starts_at=moment(start),
                                        ends_at=None if end is None else moment(end))  # fmt: skip
        periods.append(OwnerPeriod(account, user, moment(start),
                                   None if end is None else moment(end)))  # fmt: skip
    taken = []
    for account, user, hours, seconds, status, resolved in promises:
        made = moment(hours, seconds)
        row = Promise.objects.create(account_id=account, amount_minor=100, due_on=made.date(),
                                     status=status, created_by_id=user, created_at=made,
                                     resolved_on=resolved)  # fmt: skip
        taken.append(PromiseTaken(row.pk, account, user, made, PromiseStatus(status), resolved))
    movements = []
    for account, hours, back_days, amount, reversal in payments:
        posted = moment(hours)
        on = posted.date() - timedelta(days=back_days)
        entry = Entry.objects.create(account_id=account, kind="payment", effective_on=on,
                                     posted_at=posted, cash_minor=amount, principal_minor=-amount)  # fmt: skip
        movements.append(Movement(account, on, amount, posted, on))
        if reversal is not None:
            later, kind = reversal
            back = on + timedelta(days=later)
            Entry.objects.create(account_id=account, kind=kind, effective_on=back,
                                 posted_at=posted + timedelta(days=later, hours=1),
                                 cash_minor=-amount, principal_minor=amount, reverses=entry)  # fmt: skip
            movements.append(Movement(account, back, -amount, posted, on))
    return movements, periods, taken


class TestTheQueryFollowsTheRule:
    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
    @given(data=st.data())
    def test_on_random_floors_the_query_credits_what_the_rule_credits(self, desk, data) -> None:  # type: ignore[no-untyped-def]
        accounts, users = desk
        floor = data.draw(floors(accounts, users))
        day = floor[3]
        with transaction.atomic():
            movements, owners, promises = write_and_read_back(floor)
            expected = tally(movements, owners, promises, day=day, month_start=day.replace(day=1))
            found = collections_tally(day=day, month_start=day.replace(day=1))
            transaction.set_rollback(True)
        assert found == expected


class TestThePromiseWindow:
    @pytest.mark.parametrize(
        ("before", "credited"),
        [(timedelta(days=30), True), (timedelta(days=30, seconds=1), False),
         (timedelta(seconds=0), True), (timedelta(seconds=-1), False)],
    )  # fmt: skip
    def test_a_promise_counts_from_thirty_days_before_the_posting_to_the_posting(
        self, desk, before, credited
    ) -> None:
        (account, *_), (casey, *_) = desk
        posted = datetime(2026, 11, 10, 15, 30, 0, 250_000, tzinfo=UTC)
        Promise.objects.create(account_id=account, amount_minor=100, due_on=date(2026, 11, 20),
                               created_by_id=casey, created_at=posted - before)  # fmt: skip
        Entry.objects.create(account_id=account, kind="payment", effective_on=posted.date(),
                             posted_at=posted, cash_minor=4_200, principal_minor=-4_200)  # fmt: skip
        result = collections_tally(day=date(2026, 11, 10), month_start=date(2026, 11, 1))
        assert result.of(casey) == (Collected(4_200, 4_200) if credited else Collected())
        assert result.total == Collected(4_200, 4_200)
