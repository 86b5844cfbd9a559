"""Ledger use cases on the database: exact balances, refusals that change nothing, audit."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from arrears.core.ledger import Balances
from arrears.data.accounts.models import Account
from arrears.data.audit.models import AuditEvent
from arrears.data.ledger.models import Entry
from arrears.services.accounts.operations import DofdLocked, account_dofd_set
from arrears.services.common import Actor
from arrears.services.ledger.operations import (
    LedgerRefused,
    account_recall,
    charge_post,
    entry_reverse,
    payment_reverse,
)
from arrears.services.payments.posting import payment_post
from tests.factories import NOW, make_account, make_client

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def recomputed(account: Account) -> Balances:
    total = Balances()
    for e in Entry.objects.filter(account=account):
        total = total + Balances(e.principal_minor, e.interest_minor, e.fees_minor, e.costs_minor)
    return total


def cached(account: Account) -> Balances:
    account.refresh_from_db()
    return Balances(
        account.principal_minor, account.interest_minor, account.fees_minor, account.costs_minor
    )


class TestPaymentPost:
    def test_pays_fees_then_costs_then_interest_then_principal(self):
        account = make_account(make_client(), principal=10_000, interest=2_000, fees=500, costs=300)
        result = payment_post(
            account_id=account.pk, amount_minor=3_000, received_on=date(2026, 2, 1),
            source="card", actor=ACTOR, now=NOW,
        )  # fmt: skip
        assert result.applied_minor == 3_000 and result.unapplied_minor == 0
        assert cached(account) == Balances(principal=9_800, interest=0, fees=0, costs=0)
        assert cached(account) == recomputed(account)
        entry = Entry.objects.get(pk=result.entry_id)
        assert (
            entry.fees_minor,
            entry.costs_minor,
            entry.interest_minor,
            entry.principal_minor,
        ) == (
            -500,
            -300,
            -2_000,
            -200,
        )
        assert entry.cash_minor == 3_000

    def test_client_waterfall_principal_first(self):
        client = make_client("MED", waterfall="principal,interest,fees,costs")
        account = make_account(client, principal=1_000, interest=2_000)
        payment_post(account_id=account.pk, amount_minor=1_500, received_on=date(2026, 2, 1),
                     source="card", actor=ACTOR, now=NOW)  # fmt: skip
        assert cached(account) == Balances(principal=0, interest=1_500)

    def test_overpayment_leaves_unapplied_and_marks_paid(self):
        account = make_account(make_client(), principal=1_000)
        result = payment_post(
            account_id=account.pk,
            amount_minor=1_250,
            received_on=date(2026, 2, 1),
            source="check",
            actor=ACTOR,
            now=NOW,
        )
        assert (result.applied_minor, result.unapplied_minor) == (1_000, 250)
        account.refresh_from_db()
        assert account.status == "paid" and account.balance_minor == 0

    def test_same_reference_posts_once(self):
        account = make_account(make_client(), principal=10_000)
        for _ in range(2):
            payment_post(account_id=account.pk, amount_minor=1_000, received_on=date(2026, 2, 1),
                         source="ach", reference="BANK-77", actor=ACTOR, now=NOW)  # fmt: skip
        assert Entry.objects.filter(account=account, kind="payment").count() == 1
        assert cached(account).principal == 9_000

    def test_rejects_payment_on_recalled_account_and_changes_nothing(self):
        account = make_account(make_client(), principal=10_000)
        account_recall(account_id=account.pk, on=date(2026, 2, 1), reason="client", actor=ACTOR)
        entries_before = Entry.objects.count()
        with pytest.raises(LedgerRefused):
            payment_post(account_id=account.pk, amount_minor=100, received_on=date(2026, 2, 2),
                         source="card", actor=ACTOR, now=NOW)  # fmt: skip
        assert Entry.objects.count() == entries_before
        assert cached(account) == Balances()

    def test_rejects_zero_amount(self):
        account = make_account(make_client())
        with pytest.raises(LedgerRefused):
            payment_post(account_id=account.pk, amount_minor=0, received_on=date(2026, 2, 1),
                         source="card", actor=ACTOR, now=NOW)  # fmt: skip
        assert Entry.objects.filter(account=account).count() == 1

    def test_is_audited(self):
        account = make_account(make_client())
        payment_post(account_id=account.pk, amount_minor=100, received_on=date(2026, 2, 1),
                     source="card", actor=ACTOR, now=NOW)  # fmt: skip
        event = AuditEvent.objects.get(event="payment.posted")
        assert event.account_id == account.pk and event.details["amount_minor"] == 100


class TestPaymentReverse:
    def test_restores_exactly_the_buckets_the_payment_changed(self):
        account = make_account(make_client(), principal=10_000, interest=2_000, fees=500)
        before = cached(account)
        paid = payment_post(
            account_id=account.pk,
            amount_minor=10_000,
            received_on=date(2026, 2, 1),
            source="ach",
            actor=ACTOR,
            now=NOW,
        )
        payment_reverse(entry_id=paid.entry_id, on=date(2026, 2, 4), reason="R01", actor=ACTOR)
        assert cached(account) == before == recomputed(account)
        account.refresh_from_db()
        assert account.status == "active"

    def test_cannot_reverse_twice(self):
        account = make_account(make_client(), principal=10_000)
        paid = payment_post(
            account_id=account.pk,
            amount_minor=1_000,
            received_on=date(2026, 2, 1),
            source="ach",
            actor=ACTOR,
            now=NOW,
        )
        payment_reverse(entry_id=paid.entry_id, on=date(2026, 2, 4), reason="R01", actor=ACTOR)
        count = Entry.objects.count()
        with pytest.raises(LedgerRefused):
            payment_reverse(entry_id=paid.entry_id, on=date(2026, 2, 5), reason="R01", actor=ACTOR)
        assert Entry.objects.count() == count


class TestEntryReverse:
    def test_reversing_a_fee_removes_it(self):
        account = make_account(make_client(), principal=10_000)
        fee = charge_post(
            account_id=account.pk,
            kind="fee",
            amount_minor=2_500,
            on=date(2026, 2, 1),
            reason="NSF fee",
            actor=ACTOR,
        )
        entry_reverse(entry_id=fee.entry_id, on=date(2026, 2, 2), reason="waived", actor=ACTOR)
        assert cached(account) == Balances(principal=10_000) == recomputed(account)


class TestAppendOnlyLedger:
    def test_database_refuses_to_edit_an_entry(self):
        account = make_account(make_client(), principal=10_000)
        with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
            Entry.objects.filter(account=account).update(principal_minor=1)
        assert Entry.objects.get(account=account).principal_minor == 10_000

    def test_database_refuses_to_delete_an_entry(self):
        account = make_account(make_client(), principal=10_000)
        with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
            Entry.objects.filter(account=account).delete()
        assert Entry.objects.filter(account=account).count() == 1

    def test_database_refuses_to_edit_an_audit_event(self):
        account = make_account(make_client())
        payment_post(account_id=account.pk, amount_minor=100, received_on=date(2026, 2, 1),
                     source="card", actor=ACTOR, now=NOW)  # fmt: skip
        with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
            AuditEvent.objects.update(event="tampered")
        assert AuditEvent.objects.filter(event="tampered").count() == 0


class TestDateOfFirstDelinquency:
    def test_service_refuses_a_change_and_keeps_the_date(self):
        account = make_account(make_client(), dofd=date(2025, 10, 1))
        with pytest.raises(DofdLocked):
            account_dofd_set(account_id=account.pk, dofd=date(2026, 3, 1), actor=ACTOR)
        account.refresh_from_db()
        assert account.date_of_first_delinquency == date(2025, 10, 1)

    def test_service_sets_it_when_empty(self):
        account = make_account(make_client(), dofd=None)
        account_dofd_set(account_id=account.pk, dofd=date(2025, 9, 1), actor=ACTOR)
        account.refresh_from_db()
        assert account.date_of_first_delinquency == date(2025, 9, 1)

    def test_database_refuses_a_change_by_any_path(self):
        account = make_account(make_client(), dofd=date(2025, 10, 1))
        with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
            Account.objects.filter(pk=account.pk).update(date_of_first_delinquency=date(2026, 1, 1))
        account.refresh_from_db()
        assert account.date_of_first_delinquency == date(2025, 10, 1)


class TestRecall:
    def test_recall_zeroes_the_balance_once(self):
        account = make_account(make_client(), principal=10_000, fees=500)
        assert account_recall(
            account_id=account.pk, on=date(2026, 3, 1), reason="sold", actor=ACTOR
        )
        assert not account_recall(
            account_id=account.pk, on=date(2026, 3, 2), reason="again", actor=ACTOR
        )
        assert cached(account) == Balances() == recomputed(account)
        assert Entry.objects.filter(account=account, kind="recall").count() == 1
