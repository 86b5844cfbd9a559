"""The accrual batch on the database: exact cents, idempotent per date, cadence-independent."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from arrears.core.interest import DayCount, InterestTerms, interest_between
from arrears.data.ledger.models import Entry
from arrears.services.common import Actor
from arrears.services.ledger.accrual import interest_accrue
from arrears.services.payments.posting import payment_post
from tests.factories import NOW, make_account, make_client

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def interest_posted(account) -> int:
    return sum(e.interest_minor for e in Entry.objects.filter(account=account, kind="interest"))


class TestInterestAccrue:
    def test_posts_exact_interest_for_thirty_days(self):
        client = make_client(interest=True)
        account = make_account(client, principal=100_000, rate_ppm=189_900,
                               itemization_date=date(2026, 1, 1))  # fmt: skip
        report = interest_accrue(as_of=date(2026, 1, 31), actor=ACTOR, now=NOW)
        assert (report.accounts, report.entries) == (1, 1)
        account.refresh_from_db()
        assert interest_posted(account) == 1561  # 100000 * 0.1899 * 30/365 = 1560.82
        assert account.interest_minor == 1561 and account.balance_minor == 101_561
        assert account.accrued_through == date(2026, 1, 31)

    def test_same_date_again_posts_nothing(self):
        client = make_client(interest=True)
        account = make_account(client, rate_ppm=189_900)
        interest_accrue(as_of=date(2026, 3, 1), actor=ACTOR, now=NOW)
        count = Entry.objects.count()
        again = interest_accrue(as_of=date(2026, 3, 1), actor=ACTOR, now=NOW)
        earlier = interest_accrue(as_of=date(2026, 2, 1), actor=ACTOR, now=NOW)
        assert (again.entries, earlier.entries) == (0, 0)
        assert again.no_op and earlier.no_op and again.skipped_already_accrued == 1
        assert Entry.objects.count() == count
        account.refresh_from_db()
        assert account.accrued_through == date(2026, 3, 1)

    def test_daily_runs_equal_one_run(self):
        client = make_client(interest=True)
        start = date(2026, 1, 1)
        daily = make_account(client, principal=123_457, rate_ppm=249_900, day_count="actual/360")
        for n in range(1, 91):
            interest_accrue(as_of=start + timedelta(days=n), actor=ACTOR, now=NOW)
        once = make_account(client, principal=123_457, rate_ppm=249_900, day_count="actual/360")
        report = interest_accrue(as_of=start + timedelta(days=90), actor=ACTOR, now=NOW)
        assert (report.accounts, report.skipped_already_accrued) == (1, 1)
        expected = interest_between([(start, 123_457)], InterestTerms(249_900, DayCount.ACT_360),
                                    start, start + timedelta(days=90))  # fmt: skip
        assert expected == 7_713  # 123457 * 0.2499 * 90 / 360 = 7713.0
        assert interest_posted(daily) == interest_posted(once) == expected
        assert Entry.objects.filter(account=daily, kind="interest").count() == 90

    def test_payment_closes_the_stretch_and_interest_stays_exact(self):
        client = make_client(interest=True, waterfall="principal,interest,fees,costs")
        account = make_account(client, principal=100_000, rate_ppm=120_000,
                               itemization_date=date(2026, 1, 1))  # fmt: skip
        payment_post(account_id=account.pk, amount_minor=40_000, received_on=date(2026, 2, 1),
                     source="ach", actor=ACTOR, now=NOW)  # fmt: skip
        interest_accrue(as_of=date(2026, 4, 1), actor=ACTOR, now=NOW)
        terms = InterestTerms(120_000, DayCount.ACT_365)
        expected = interest_between(
            [(date(2026, 1, 1), 100_000), (date(2026, 2, 1), 60_000)], terms,
            date(2026, 1, 1), date(2026, 4, 1),
        )  # fmt: skip
        assert interest_posted(account) == expected

    def test_no_interest_after_charge_off_unless_the_client_allows_it(self):
        client = make_client(interest=True, after_charge_off=False)
        account = make_account(client, rate_ppm=189_900, charge_off_date=date(2025, 12, 1))
        report = interest_accrue(as_of=date(2026, 3, 1), actor=ACTOR, now=NOW)
        assert report.entries == 0 and interest_posted(account) == 0

    def test_rate_cap_applies(self):
        client = make_client(interest=True, cap_ppm=60_000)
        account = make_account(client, principal=100_000, rate_ppm=240_000,
                               itemization_date=date(2026, 1, 1))  # fmt: skip
        interest_accrue(as_of=date(2027, 1, 1), actor=ACTOR, now=NOW)
        assert interest_posted(account) == 6_000


def _check_batch_agrees_with_core(*, accounts: int, chunk_size: int) -> None:
    import random

    from arrears.core.interest import AccrualState, accrue
    from arrears.data.accounts.models import Account

    rng = random.Random(2026)
    capped = make_client("CAP", interest=True, cap_ppm=90_000)
    plain = make_client("PLN", interest=True)
    as_of = date(2026, 8, 31)
    expected = {}
    for n in range(accounts):
        client = capped if n % 3 == 0 else plain
        day_count = rng.choice(["actual/365", "actual/360", "30/360"])
        month_ends = [date(2026, 1, 30), date(2026, 1, 31), date(2026, 3, 1)]
        start = rng.choice([*month_ends, date(2025, 1, 1) + timedelta(days=rng.randint(0, 560))])
        account = make_account(
            client, principal=rng.randint(1, 5_000_000), rate_ppm=rng.randint(1, 360_000),
            day_count=day_count, itemization_date=start,
        )  # fmt: skip
        closed = rng.choice([0, 0, rng.randint(0, 10**13)])
        posted = rng.choice([0, rng.randint(0, 50_000)])
        Account.objects.filter(pk=account.pk).update(
            accrual_closed_numerator=closed, interest_accrued_minor=posted
        )
        state = AccrualState(segment_start=start, closed_numerator=closed, posted_minor=posted)
        terms = InterestTerms(
            account.interest_rate_ppm,
            DayCount(day_count),
            capped.rate_cap_ppm if client == capped else None,
        )
        result = accrue(state, principal_minor=account.principal_minor, terms=terms, as_of=as_of)
        expected[account.pk] = (result.post_minor, result.state.posted_minor)

    report = interest_accrue(as_of=as_of, actor=ACTOR, now=NOW, chunk_size=chunk_size)
    assert report.accounts == accounts
    assert report.entries == sum(1 for post, _ in expected.values() if post != 0)
    for account in Account.objects.filter(pk__in=expected):
        post, total = expected[account.pk]
        assert interest_posted(account) == post, account.pk
        assert account.interest_accrued_minor == total
        assert account.accrued_through == as_of
        assert account.balance_minor == account.principal_minor + post


class TestBatchAgreesWithCore:
    """The batch (SQL statements per id range on PostgreSQL) posts exactly what core computes."""

    def test_every_account_matches_core_accrue(self):
        _check_batch_agrees_with_core(accounts=300, chunk_size=37)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
class TestParallelAccrual:
    """Outside a transaction, PostgreSQL runs id ranges on two connections at once."""

    def test_parallel_ranges_match_core_and_rerun_posts_nothing(self):
        _check_batch_agrees_with_core(accounts=120, chunk_size=3)  # ranges of 15 ids
        again = interest_accrue(as_of=date(2026, 8, 31), actor=ACTOR, now=NOW, chunk_size=3)
        assert (again.accounts, again.entries, again.skipped_already_accrued) == (0, 0, 120)
