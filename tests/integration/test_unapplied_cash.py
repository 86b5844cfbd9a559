"""Unapplied cash: the list, the accounts suggested for a payment and why, and applying it with
the refusals of a payment posted by hand (on a refusal nothing changes)."""

from __future__ import annotations

import csv
import threading
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from arrears.core.ledger import Balances
from arrears.data.accounts.models import Account, AccountParty
from arrears.data.audit.models import AuditEvent
from arrears.data.ledger.models import Entry
from arrears.data.parties.models import Party
from arrears.data.payments.models import Payment
from arrears.data.users.models import Role, User
from arrears.services.common import Actor, NotFound
from arrears.services.ledger.operations import account_recall, hold_add
from arrears.services.payments.posting import PaymentRefused, payments_post_file
from arrears.services.payments.unapplied import (
    may_apply_unapplied,
    may_post_payment,
    methods_for,
    reference_key,
    reference_variants,
    unapplied_apply,
    unapplied_list,
    unapplied_suggestions,
    unapplied_totals,
)
from arrears.services.work.actions import promise_record
from tests.factories import NOW, make_account, make_client

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
TODAY = date(2026, 11, 23)
HEADER = ["reference", "received_on", "amount", "method", "account", "client", "payer_name"]


def post_file(tmp_path: Path, rows: list[list[str]], name: str = "lockbox.csv") -> None:
    path = tmp_path / name
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    payments_post_file(path, actor=ACTOR, now=NOW)


def payment(reference: str) -> Payment:
    return Payment.objects.get(reference=reference)


def set_ref(account: Account, ref: str) -> Account:
    Account.objects.filter(pk=account.pk).update(client_ref=ref)
    account.refresh_from_db()
    return account


def rename(account: Account, first: str, last: str) -> None:
    party = Party.objects.get(pk=AccountParty.objects.get(account=account).party_id)
    party.first_name, party.last_name = first, last
    party.save()


def books() -> tuple[object, ...]:
    """Everything applying may change: entries, payments, accounts' figures, the audit trail."""
    entries = list(Entry.objects.order_by("id").values_list(
        "id", "account_id", "kind", "principal_minor", "interest_minor", "fees_minor",
        "cash_minor", "payment_id", "idempotency_key",
    ))  # fmt: skip
    payments = list(Payment.objects.order_by("id").values_list(
        "id", "account_id", "applied_minor", "unapplied_minor", "unapplied_reason",
        "consumer_directed",
    ))  # fmt: skip
    accounts = list(Account.objects.order_by("id").values_list(
        "id", "principal_minor", "fees_minor", "balance_minor", "status", "last_payment_date",
        "balance_through_entry_id",
    ))  # fmt: skip
    return entries, payments, accounts, AuditEvent.objects.count()


@pytest.fixture
def acme():
    return make_client("ACME")


class TestWhoHandlesMoney:
    @pytest.mark.parametrize(
        ("role", "methods", "applies"),
        [
            (Role.COLLECTOR, ("card", "ach"), False),
            (Role.COMPLIANCE, (), False),
            (Role.ACCOUNTANT, ("cash", "check", "money_order", "card", "ach", "wire"), True),
            (Role.SUPERVISOR, ("cash", "check", "money_order", "card", "ach", "wire"), True),
            (Role.ADMIN, ("cash", "check", "money_order", "card", "ach", "wire"), True),
        ],
    )
    def test_each_role_takes_the_methods_its_policy_names(self, role, methods, applies):
        user = User.objects.create_user(f"u-{role}", password="x", role=role)
        assert methods_for(user) == methods
        assert may_post_payment(user) is bool(methods)
        assert may_apply_unapplied(user) is applies

    def test_an_inactive_user_handles_no_money(self):
        user = User.objects.create_user("gone", password="x", role=Role.ACCOUNTANT,
                                        is_active=False)  # fmt: skip
        assert (may_post_payment(user), may_apply_unapplied(user)) == (False, False)


class TestUnappliedList:
    def test_lists_money_waiting_oldest_received_first(self, tmp_path, acme):
        owes_30 = make_account(acme, principal=3_000)
        owes_1000 = make_account(acme, principal=100_000)
        post_file(tmp_path, [
            ["LB-1", "2026-11-20", "40.00", "check", "NOPE-1", "", "Cy Young"],
            ["LB-2", "2026-11-18", "50.00", "check", owes_30.client_ref, "ACME", "Ann"],
            ["LB-3", "2026-11-19", "25.00", "check", owes_1000.client_ref, "ACME", "Bo"],
            ["LB-4", "2026-11-18", "10.00", "cash", "", "", ""],
        ])  # fmt: skip
        Payment.objects.filter(reference="LB-4").update(returned_on=date(2026, 11, 21))

        listed = unapplied_list()

        assert [(c.reference, c.received_on, c.amount_minor, c.applied_minor,
                 c.unapplied_minor, c.reason, c.reason_text, c.account_id, c.account_hint,
                 c.payer_name) for c in listed] == [
            ("LB-2", date(2026, 11, 18), 5_000, 3_000, 2_000, "overpaid",
             "More was paid than owed", owes_30.pk, owes_30.client_ref, "Ann"),
            ("LB-1", date(2026, 11, 20), 4_000, 0, 4_000, "no_match",
             "No account matches the reference", None, "NOPE-1", "Cy Young"),
        ]  # fmt: skip
        assert unapplied_totals() == (2, 6_000)
        assert [c.reference for c in unapplied_list(limit=1)] == ["LB-2"]

    def test_a_client_list_shows_only_cash_on_its_accounts(self, tmp_path, acme):
        zeta = make_client("ZETA")
        mine = make_account(acme, principal=1_000)
        theirs = make_account(zeta, principal=1_000)
        post_file(tmp_path, [
            ["A-1", "2026-11-20", "15.00", "check", mine.client_ref, "ACME", ""],
            ["Z-1", "2026-11-20", "16.00", "check", theirs.client_ref, "ZETA", ""],
            ["N-1", "2026-11-20", "17.00", "check", "NOPE", "", ""],
        ])  # fmt: skip

        assert [c.reference for c in unapplied_list(actor_client_ids=[acme.pk])] == ["A-1"]
        assert unapplied_totals(actor_client_ids=[acme.pk]) == (1, 500)
        assert [c.reference for c in unapplied_list()] == ["A-1", "Z-1", "N-1"]


class TestReferences:
    def test_a_reference_is_compared_without_marks_case_or_leading_zeros(self):
        assert reference_key("# 00-12 3ab") == "123AB"

    def test_variants_are_one_slip_away(self):
        found = reference_variants("r-000123")
        assert {"R000123", "R000132", "R00123", "R0000123", "R000123X", "000123"} <= found
        assert "R-000123" not in found and "r-000123" in found  # as written, too
        assert "R001032" not in found  # two slips

    def test_a_short_reference_is_matched_only_as_written(self):
        assert reference_variants("#0123") == {"0123", "123", "#0123"}


class TestSuggestions:
    def test_two_swapped_characters_find_the_account(self, tmp_path, acme):
        account = set_ref(make_account(acme, principal=50_000), "R000123")
        post_file(tmp_path, [["LB-1", "2026-11-20", "40.00", "check", "R000132", "", ""]])

        found = unapplied_suggestions(payment("LB-1").pk, today=TODAY)

        assert [(s.account_id, s.client_code, s.client_ref, s.party_name, s.balance_minor,
                 s.disputed, s.reasons, s.score) for s in found] == [
            (account.pk, "ACME", "R000123", "Pat Doe", 50_000, False,
             ["reference has two characters swapped"], 60),
        ]  # fmt: skip

    def test_a_dropped_or_added_character_finds_the_account(self, tmp_path, acme):
        account = set_ref(make_account(acme, principal=50_000), "R000123")
        post_file(tmp_path, [
            ["LB-1", "2026-11-20", "40.00", "check", "r-00123", "", ""],
            ["LB-2", "2026-11-20", "40.00", "check", "R0001234", "", ""],
        ])  # fmt: skip

        for reference in ("LB-1", "LB-2"):
            found = unapplied_suggestions(payment(reference).pk, today=TODAY)
            assert [(s.account_id, s.reasons) for s in found] == [
                (account.pk, ["reference differs by one character"])
            ]

    def test_a_reference_spelled_exactly_leaves_its_neighbours_out(self, tmp_path, acme):
        zeta = make_client("ZETA")
        meant = set_ref(make_account(acme, principal=10_000), "R000123")
        set_ref(make_account(acme, principal=90_000), "R000132")
        twin = set_ref(make_account(zeta, principal=20_000), "R000123")
        post_file(tmp_path, [["LB-1", "2026-11-20", "40.00", "check", "R000123", "", ""]])

        found = unapplied_suggestions(payment("LB-1").pk, today=TODAY)

        assert [(s.account_id, s.reasons) for s in found] == [
            (twin.pk, ["reference matches the client's reference"]),
            (meant.pk, ["reference matches the client's reference"]),
        ]

    def test_an_ambiguous_reference_puts_the_named_client_first(self, tmp_path, acme):
        zeta = make_client("ZETA")
        ours = make_account(acme, principal=10_000)
        theirs = set_ref(make_account(zeta, principal=90_000), ours.client_ref)
        post_file(tmp_path, [
            ["LB-1", "2026-11-20", "40.00", "check", ours.client_ref, "", ""],
            ["LB-2", "2026-11-20", "40.00", "check", f"{ours.client_ref}9", "ACME", ""],
        ])  # fmt: skip

        both = unapplied_suggestions(payment("LB-1").pk, today=TODAY)
        named = unapplied_suggestions(payment("LB-2").pk, today=TODAY)

        assert payment("LB-1").unapplied_reason == "ambiguous"
        # As many reasons each: the larger balance first.
        assert [(s.account_id, s.reasons) for s in both] == [
            (theirs.pk, ["reference matches the client's reference"]),
            (ours.pk, ["reference matches the client's reference"]),
        ]
        assert [(s.account_id, s.reasons) for s in named] == [
            (ours.pk, ["reference differs by one character", "client ACME, as the payment names"]),
            (theirs.pk, ["reference differs by one character"]),
        ]

    def test_the_account_number_as_written_is_a_reason(self, tmp_path, acme):
        account = make_account(acme, principal=10_000)
        post_file(tmp_path, [["LB-1", "2026-11-20", "40.00", "check", "NOPE", "", ""]])
        Payment.objects.filter(reference="LB-1").update(account_hint=f"# {account.pk}")

        found = unapplied_suggestions(payment("LB-1").pk, today=TODAY)

        assert [(s.account_id, s.reasons) for s in found] == [
            (account.pk, ["reference is the account number"])
        ]

    def test_more_reasons_rank_above_a_stronger_single_one(self, tmp_path, acme):
        by_reference = set_ref(make_account(acme, principal=900_000), "R555555")
        by_promise_and_name = make_account(acme, principal=20_000)
        rename(by_promise_and_name, "Gwendolyn", "Farquhar")
        promised_elsewhere = make_account(acme, principal=30_000)
        for account in (by_promise_and_name, promised_elsewhere):
            promise_record(account_id=account.pk, amount_minor=7_500, due_on=date(2026, 11, 25),
                           actor=ACTOR, now=NOW)  # fmt: skip
        post_file(tmp_path, [
            ["LB-1", "2026-11-20", "75.00", "check", "R555555", "", "Gwendolyn Farquhar"],
        ])  # fmt: skip
        assert payment("LB-1").account_id == by_reference.pk  # it matched: make it unapplied
        Payment.objects.filter(reference="LB-1").update(account=None, applied_minor=0,
                                                        unapplied_minor=7_500,
                                                        unapplied_reason="no_match")  # fmt: skip

        found = unapplied_suggestions(payment("LB-1").pk, today=TODAY)

        assert [(s.account_id, s.reasons, s.score) for s in found] == [
            (by_promise_and_name.pk,
             ["open promise of the same amount", "payer's name is the consumer's"], 70),
            (by_reference.pk, ["reference matches the client's reference"], 100),
            (promised_elsewhere.pk, ["open promise of the same amount"], 40),
        ]  # fmt: skip
        assert [s.account_id for s in unapplied_suggestions(payment("LB-1").pk, limit=1,
                                                            today=TODAY)] == [
            by_promise_and_name.pk
        ]  # fmt: skip

    def test_a_promise_long_due_or_of_another_amount_is_no_reason(self, tmp_path, acme):
        account = make_account(acme, principal=20_000)
        promise_record(account_id=account.pk, amount_minor=7_600, due_on=date(2026, 11, 25),
                       actor=ACTOR, now=NOW)  # fmt: skip
        promise_record(account_id=account.pk, amount_minor=7_500, due_on=date(2027, 1, 25),
                       actor=ACTOR, now=NOW)  # fmt: skip
        post_file(tmp_path, [["LB-1", "2026-11-20", "75.00", "check", "", "", ""]])

        assert unapplied_suggestions(payment("LB-1").pk, today=TODAY) == []

    def test_the_rest_of_an_overpayment_points_at_the_consumers_other_debts(self, tmp_path, acme):
        paid_off = make_account(acme, principal=3_000)
        other = make_account(acme, principal=12_000)
        party = AccountParty.objects.get(account=paid_off).party_id
        AccountParty.objects.filter(account=other).update(party_id=party)
        post_file(tmp_path, [
            ["LB-1", "2026-11-20", "50.00", "check", paid_off.client_ref, "ACME", ""],
        ])  # fmt: skip

        found = unapplied_suggestions(payment("LB-1").pk, today=TODAY)

        # The paid-off account owes nothing now: it is no suggestion, though the reference is its.
        assert [(s.account_id, s.reasons) for s in found] == [
            (other.pk, [f"another debt of the consumer of account #{paid_off.pk}",
                        "client ACME, as the payment names"]),
        ]  # fmt: skip

    def test_accounts_that_cannot_take_money_are_left_out_and_disputes_marked(self, tmp_path, acme):
        recalled = set_ref(make_account(acme, principal=5_000), "R700001")
        account_recall(account_id=recalled.pk, on=date(2026, 11, 2), reason="client", actor=ACTOR)
        disputed = set_ref(make_account(acme, principal=5_000), "R700002")
        hold_add(account_id=disputed.pk, kind="dispute", starts_on=date(2026, 11, 1),
                 source="consumer letter", actor=ACTOR)  # fmt: skip
        post_file(tmp_path, [["LB-1", "2026-11-20", "40.00", "check", "R70000", "", ""]])

        found = unapplied_suggestions(payment("LB-1").pk, today=TODAY)

        assert [(s.account_id, s.disputed) for s in found] == [(disputed.pk, True)]

    def test_an_unknown_payment_is_not_found(self):
        with pytest.raises(NotFound):
            unapplied_suggestions(424242)


class TestApply:
    def test_applies_all_of_unmatched_cash_to_the_account_chosen(self, tmp_path, acme):
        account = make_account(acme, principal=100_000, fees=500)
        post_file(tmp_path, [["LB-5", "2026-11-20", "40.00", "check", "NOPE", "", "Cy"]])
        pay = payment("LB-5")
        clerk = User.objects.create_user("avery", password="x", role=Role.ACCOUNTANT)
        actor = Actor(label="avery", user_id=clerk.pk)

        done = unapplied_apply(payment_id=pay.pk, account_id=account.pk, actor=actor, now=NOW)

        assert (done.payment_id, done.account_id, done.applied_minor, done.unapplied_minor,
                done.reason) == (pay.pk, account.pk, 4_000, 0, "")  # fmt: skip
        assert done.balances == Balances(principal=96_500)
        entry = Entry.objects.get(payment=pay)
        assert (entry.pk, entry.account_id, entry.kind, entry.effective_on, entry.fees_minor,
                entry.principal_minor, entry.cash_minor, entry.idempotency_key, entry.source,
                entry.actor_id) == (
            done.entry_id, account.pk, "payment", date(2026, 11, 20), -500, -3_500, 4_000,
            "payment:LB-5:0", "check", clerk.pk,
        )  # fmt: skip
        pay.refresh_from_db()
        assert (pay.account_id, pay.applied_minor, pay.unapplied_minor, pay.unapplied_reason) == (
            account.pk, 4_000, 0, "",
        )  # fmt: skip
        account.refresh_from_db()
        assert (account.principal_minor, account.fees_minor, account.balance_minor,
                account.last_payment_date, account.balance_through_entry_id) == (
            96_500, 0, 96_500, date(2026, 11, 20), entry.pk,
        )  # fmt: skip
        event = AuditEvent.objects.get(event="payment.applied")
        assert (event.account_id, event.actor_id, event.details) == (account.pk, clerk.pk, {
            "payment": pay.pk, "reference": "LB-5", "entry": entry.pk, "amount_minor": 4_000,
            "applied_minor": 4_000, "unapplied_minor": 0, "consumer_directed": False,
            "was": "no_match",
        })  # fmt: skip
        assert unapplied_list() == []

    def test_part_applied_keeps_the_rest_with_its_reason_and_each_application_its_key(
        self, tmp_path, acme
    ):
        first = make_account(acme, principal=100_000)
        second = make_account(acme, principal=100_000)
        post_file(tmp_path, [["LB-5", "2026-11-20", "40.00", "check", "NOPE", "", ""]])
        pay = payment("LB-5")

        one = unapplied_apply(payment_id=pay.pk, account_id=first.pk, actor=ACTOR,
                              amount_minor=1_500, now=NOW)  # fmt: skip
        two = unapplied_apply(payment_id=pay.pk, account_id=second.pk, actor=ACTOR, now=NOW)

        assert (one.applied_minor, one.unapplied_minor, one.reason) == (1_500, 2_500, "no_match")
        assert (two.applied_minor, two.unapplied_minor, two.reason) == (2_500, 0, "")
        assert list(Entry.objects.filter(payment=pay).order_by("id").values_list(
            "account_id", "cash_minor", "idempotency_key")) == [
            (first.pk, 1_500, "payment:LB-5:0"), (second.pk, 2_500, "payment:LB-5:1"),
        ]  # fmt: skip
        pay.refresh_from_db()
        # The payment names the account it went to first; the ledger names both.
        assert (pay.account_id, pay.applied_minor, pay.unapplied_minor) == (first.pk, 4_000, 0)

    def test_the_rest_of_an_overpayment_goes_to_another_debt(self, tmp_path, acme):
        paid_off = make_account(acme, principal=3_000)
        other = make_account(acme, principal=12_000)
        post_file(tmp_path, [
            ["LB-1", "2026-11-20", "50.00", "check", paid_off.client_ref, "ACME", ""],
        ])  # fmt: skip
        pay = payment("LB-1")

        done = unapplied_apply(payment_id=pay.pk, account_id=other.pk, actor=ACTOR, now=NOW)

        assert (done.applied_minor, done.unapplied_minor, done.reason) == (2_000, 0, "")
        assert list(Entry.objects.filter(payment=pay).order_by("id").values_list(
            "account_id", "cash_minor", "idempotency_key")) == [
            (paid_off.pk, 3_000, "payment:LB-1"), (other.pk, 2_000, "payment:LB-1:1"),
        ]  # fmt: skip
        pay.refresh_from_db()
        assert (pay.account_id, pay.applied_minor, pay.unapplied_minor,
                pay.unapplied_reason) == (paid_off.pk, 5_000, 0, "")  # fmt: skip

    def test_what_the_account_does_not_take_stays_as_overpaid(self, tmp_path, acme):
        account = make_account(acme, principal=3_000)
        post_file(tmp_path, [["LB-5", "2026-11-20", "40.00", "check", "NOPE", "", ""]])
        pay = payment("LB-5")

        done = unapplied_apply(payment_id=pay.pk, account_id=account.pk, actor=ACTOR, now=NOW)

        assert (done.applied_minor, done.unapplied_minor, done.reason) == (3_000, 1_000,
                                                                           "overpaid")  # fmt: skip
        pay.refresh_from_db()
        assert (pay.account_id, pay.applied_minor, pay.unapplied_minor,
                pay.unapplied_reason) == (account.pk, 3_000, 1_000, "overpaid")  # fmt: skip
        account.refresh_from_db()
        assert (account.balance_minor, account.status) == (0, "paid")

    def test_a_disputed_debt_takes_it_only_when_the_consumer_directs(self, tmp_path, acme):
        account = make_account(acme, principal=8_000)
        hold_add(account_id=account.pk, kind="dispute", starts_on=date(2026, 11, 1),
                 source="consumer letter", actor=ACTOR)  # fmt: skip
        post_file(tmp_path, [
            ["LB-6", "2026-11-20", "20.00", "check", account.client_ref, "ACME", ""],
        ])  # fmt: skip
        pay = payment("LB-6")
        assert (pay.account_id, pay.unapplied_reason) == (account.pk, "disputed")
        before = books()

        with pytest.raises(PaymentRefused) as refused:
            unapplied_apply(payment_id=pay.pk, account_id=account.pk, actor=ACTOR, now=NOW)
        assert refused.value.field == "consumer_directed"
        assert books() == before

        done = unapplied_apply(payment_id=pay.pk, account_id=account.pk, actor=ACTOR,
                               consumer_directed=True, now=NOW)  # fmt: skip
        assert (done.applied_minor, done.unapplied_minor) == (2_000, 0)
        pay.refresh_from_db()
        assert (pay.consumer_directed, pay.unapplied_reason) == (True, "")

    @pytest.mark.parametrize(
        ("case", "field", "message"),
        [
            ("closed", None, "account is recalled; it takes no payments"),
            ("owes_nothing", "amount", "nothing is owed on this account"),
            ("zero", "amount", "the amount must be more than zero and at most the 40.00 unapplied"),
            ("too_much", "amount",
             "the amount must be more than zero and at most the 40.00 unapplied"),
            ("returned", "payment_id", "payment LB-5 was returned on 2026-11-21"),
            ("nothing_left", "payment_id", "payment LB-5 has nothing left to apply"),
        ],
    )  # fmt: skip
    def test_refusals_change_nothing(self, tmp_path, acme, case, field, message):
        account = make_account(acme, principal=10_000)
        post_file(tmp_path, [["LB-5", "2026-11-20", "40.00", "check", "NOPE", "", ""]])
        pay = payment("LB-5")
        amount = None
        if case == "closed":
            account_recall(account_id=account.pk, on=date(2026, 11, 2), reason="client",
                           actor=ACTOR)  # fmt: skip
        elif case == "owes_nothing":
            Account.objects.filter(pk=account.pk).update(principal_minor=0, balance_minor=0)
        elif case == "zero":
            amount = 0
        elif case == "too_much":
            amount = 4_001
        elif case == "returned":
            Payment.objects.filter(pk=pay.pk).update(returned_on=date(2026, 11, 21))
        else:
            Payment.objects.filter(pk=pay.pk).update(applied_minor=4_000, unapplied_minor=0)
        before = books()

        with pytest.raises(PaymentRefused) as refused:
            unapplied_apply(payment_id=pay.pk, account_id=account.pk, actor=ACTOR,
                            amount_minor=amount, now=NOW)  # fmt: skip

        assert (refused.value.field, refused.value.message) == (field, message)
        assert books() == before

    def test_an_unknown_payment_or_account_is_not_found_and_changes_nothing(self, tmp_path, acme):
        account = make_account(acme, principal=10_000)
        post_file(tmp_path, [["LB-5", "2026-11-20", "40.00", "check", "NOPE", "", ""]])
        before = books()

        with pytest.raises(NotFound) as no_payment:
            unapplied_apply(payment_id=424242, account_id=account.pk, actor=ACTOR, now=NOW)
        with pytest.raises(NotFound) as no_account:
            unapplied_apply(payment_id=payment("LB-5").pk, account_id=424242, actor=ACTOR,
                            now=NOW)  # fmt: skip

        assert (no_payment.value.field, no_account.value.field) == ("payment_id", "account_id")
        assert books() == before


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_people_applying_the_same_money_at_once_apply_it_once(tmp_path):
    acme = make_client("ACME")
    accounts = [make_account(acme, principal=100_000) for _ in range(2)]
    post_file(tmp_path, [["LB-9", "2026-11-20", "40.00", "check", "NOPE", "", ""]])
    pay = payment("LB-9")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def apply(account: Account) -> None:
        try:
            barrier.wait()
            unapplied_apply(payment_id=pay.pk, account_id=account.pk, actor=ACTOR, now=NOW)
            outcomes.append("applied")
        except PaymentRefused as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=apply, args=(a,)) for a in accounts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["applied", "payment LB-9 has nothing left to apply"]
    assert Entry.objects.filter(payment=pay).count() == 1
    pay.refresh_from_db()
    assert (pay.applied_minor, pay.unapplied_minor) == (4_000, 0)
    owed = sorted(Account.objects.filter(pk__in=[a.pk for a in accounts])
                  .values_list("balance_minor", flat=True))  # fmt: skip
    assert owed == [96_000, 100_000]
