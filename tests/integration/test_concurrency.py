"""Concurrent writers on PostgreSQL: row locks keep balances exact (no lost updates)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection

from arrears.data.ledger.models import Entry
from arrears.services.common import Actor
from arrears.services.ledger.operations import payment_post
from tests.factories import NOW, make_account, make_client

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
