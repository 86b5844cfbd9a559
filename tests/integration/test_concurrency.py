"""Concurrent writers on PostgreSQL: row locks keep balances exact (no lost updates)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection

from arrears.data.ledger.models import Entry
from arrears.services.common import Actor
from arrears.services.payments.posting import payment_post
from tests.factories import NOW, grant_clients, make_account, make_client, make_new_yorker

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_simultaneous_payments_on_one_account_lose_nothing():
    account = make_account(make_client(), principal=1_000_000, fees=5_000)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def pay(n: int) -> None:
        try:
            barrier.wait()
            payment_post(
                account_id=account.pk, amount_minor=1_000 + n, received_on=date(2026, 2, 1),
                source="card", reference=f"C-{n}", actor=Actor.system("test"), now=NOW,
            )  # fmt: skip
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    paid = sum(1_000 + n for n in range(8))  # 8,028
    account.refresh_from_db()
    entries = Entry.objects.filter(account=account)
    assert entries.filter(kind="payment").count() == 8
    assert sum(e.cash_minor for e in entries) == paid
    assert account.balance_minor == 1_005_000 - paid == sum(e.total_minor for e in entries)
    assert account.fees_minor == 0 and account.principal_minor == 1_000_000 - (paid - 5_000)


def test_the_same_payment_reference_from_two_workers_posts_once():
    account = make_account(make_client(), principal=100_000)
    barrier = threading.Barrier(2)

    def pay() -> None:
        try:
            barrier.wait()
            payment_post(
                account_id=account.pk, amount_minor=2_500, received_on=date(2026, 2, 1),
                source="ach", reference="BANK-1", actor=Actor.system("test"), now=NOW,
            )  # fmt: skip
        finally:
            connection.close()

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    account.refresh_from_db()
    assert Entry.objects.filter(account=account, kind="payment").count() == 1
    assert account.balance_minor == 97_500


def test_sixteen_collectors_taking_next_account_never_share_one():
    """16 workers at once on one pooled queue: every account is handed to one collector only."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from arrears.data.users.models import User
    from arrears.data.work.models import Lease
    from arrears.services.work.picking import next_account
    from arrears.services.work.queues import queue_build, queue_define

    monday = datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    client = make_client()
    for n in range(120):
        make_new_yorker(client, principal=10_000 + n)
    users = [User.objects.create_user(f"c{n:02d}", password="x") for n in range(16)]
    for user in users:
        grant_clients(user, client)
    queue_define(code="pool", name="Pool", filters={}, order="balance_high", mode="pooled",
                 members=[u.username for u in users], actor=Actor.system("test"), now=monday)  # fmt: skip
    queue_build("pool", now=monday, actor=Actor.system("test"))
    barrier = threading.Barrier(16)
    picks: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def work(user: User) -> None:
        mine: list[int] = []
        try:
            barrier.wait()
            while (pick := next_account(queue_code="pool", user=user, now=monday)) is not None:
                mine.append(pick.account_id)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            picks[user.username] = mine
            connection.close()

    threads = [threading.Thread(target=work, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    handed = [aid for mine in picks.values() for aid in mine]
    assert len(handed) == 120 and len(set(handed)) == 120  # every account once, none twice
    assert sum(1 for mine in picks.values() if mine) >= 2  # the work was shared out
    # Each collector's last "next" found nothing and gave their last account back.
    assert not Lease.objects.filter(until__gt=monday).exists()
