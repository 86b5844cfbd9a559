"""Payments through the API: posting one to an account, and unapplied cash (the list, the
suggested accounts, applying it). Exact decimal text; refusals name the field and record
nothing; roles and client grants decide who may."""

from __future__ import annotations

import base64
import csv
import json
from datetime import UTC, date
from pathlib import Path
from typing import Any

import pytest

from arrears.data.accounts.models import Account
from arrears.data.ledger.models import Entry
from arrears.data.payments.models import Payment
from arrears.data.users.models import Role, User
from arrears.services.common import Actor
from arrears.services.ledger.operations import account_recall, hold_add
from arrears.services.payments.posting import payments_post_file
from tests.factories import NOW, make_account, make_client

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-real-passphrase"
ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Today is 23 November 2026."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW.astimezone(UTC))


def login(role: str, username: str | None = None) -> dict[str, str]:
    name = username or role
    User.objects.create_user(name, password=PASSWORD, role=role)
    token = base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def post(client, path: str, body: dict[str, Any], auth: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(path, json.dumps(body), content_type="application/json", **auth)


def recorded() -> tuple[int, int, list[tuple[int, int]]]:
    balances = list(Account.objects.order_by("id").values_list("id", "balance_minor"))
    return Payment.objects.count(), Entry.objects.count(), balances


def lockbox(tmp_path: Path, rows: list[list[str]]) -> None:
    path = tmp_path / "lockbox.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([
            ["reference", "received_on", "amount", "method", "account", "client", "payer_name"],
            *rows,
        ])  # fmt: skip
    payments_post_file(path, actor=ACTOR, now=NOW)


@pytest.fixture
def accountant() -> dict[str, str]:
    return login(Role.ACCOUNTANT)


class TestPostPayment:
    def test_an_accountant_posts_a_check_and_gets_exact_amounts(self, client, accountant):
        account = make_account(make_client(), principal=100_000, fees=500)

        response = post(client, f"/api/accounts/{account.pk}/payments", {
            "amount": "125.00", "received_on": "2026-11-20", "method": "check",
            "reference": "CHK-1001", "payer_name": "Pat Doe", "memo": "at the counter",
        }, accountant)  # fmt: skip

        assert response.status_code == 201
        pay = Payment.objects.get()
        assert response.json() == {
            "payment_id": pay.pk, "reference": "CHK-1001", "account_id": account.pk,
            "applied": "125.00", "unapplied": "0.00", "unapplied_reason": "", "duplicate": False,
            "balances": {"principal": "880.00", "interest": "0.00", "fees": "0.00",
                         "costs": "0.00", "total": "880.00"},
        }  # fmt: skip
        assert (pay.method, pay.payer_name, pay.memo, pay.actor_label) == (
            "check", "Pat Doe", "at the counter", "api:accountant",
        )  # fmt: skip

    def test_more_than_owed_pays_the_balance_and_the_rest_waits(self, client, accountant):
        account = make_account(make_client(), principal=3_000)

        response = post(client, f"/api/accounts/{account.pk}/payments",
                        {"amount": "50.00", "received_on": "2026-11-23", "method": "cash"},
                        accountant)  # fmt: skip

        body = response.json()
        assert response.status_code == 201
        assert (body["applied"], body["unapplied"], body["unapplied_reason"]) == (
            "30.00", "20.00", "overpaid",
        )  # fmt: skip
        assert body["balances"]["total"] == "0.00"
        assert body["reference"].startswith("CASH-")
        listed = client.get("/api/payments/unapplied", **accountant).json()
        assert [(p["reference"], p["unapplied"], p["reason"]) for p in listed] == [
            (body["reference"], "20.00", "overpaid")
        ]

    def test_the_same_reference_again_is_200_and_posts_nothing(self, client, accountant):
        account = make_account(make_client(), principal=100_000)
        body = {"amount": "10.00", "received_on": "2026-11-20", "method": "ach",
                "reference": "ACH-7"}  # fmt: skip
        first = post(client, f"/api/accounts/{account.pk}/payments", body, accountant)
        before = recorded()

        again = post(client, f"/api/accounts/{account.pk}/payments", body, accountant)

        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == {**first.json(), "duplicate": True}
        assert recorded() == before

    def test_a_reference_of_another_accounts_payment_is_409(self, client, accountant):
        acme = make_client()
        one, other = make_account(acme), make_account(acme)
        body = {"amount": "10.00", "received_on": "2026-11-20", "method": "ach",
                "reference": "ACH-7"}  # fmt: skip
        post(client, f"/api/accounts/{one.pk}/payments", body, accountant)
        before = recorded()

        response = post(client, f"/api/accounts/{other.pk}/payments", body, accountant)

        assert response.status_code == 409
        assert (response.json()["field"], response.json()["code"]) == ("reference",
                                                                       "reference_exists")  # fmt: skip
        assert recorded() == before

    @pytest.mark.parametrize(
        ("change", "status", "field", "detail"),
        [
            ({"amount": "12.345"}, 400, "amount", "'12.345' is not an amount like 125.40"),
            ({"amount": "ten"}, 400, "amount", "'ten' is not an amount like 125.40"),
            ({"amount": "-5.00"}, 400, "amount", "a payment must be more than zero"),
            ({"amount": "0"}, 400, "amount", "a payment must be more than zero"),
            ({"received_on": "2026-11-24"}, 400, "received_on", "received_on is in the future"),
            ({"received_on": "20/11/2026"}, 422, "received_on", None),
            ({"method": "bitcoin"}, 400, "method",
             "method must be one of cash, check, money_order, card, ach, wire"),
            ({"reference": "   "}, 400, "reference", "a reference cannot be blank"),
            ({"amount": None}, 422, "amount", None),
        ],
    )  # fmt: skip
    def test_bad_input_names_the_field_and_records_nothing(
        self, client, accountant, change, status, field, detail
    ):
        account = make_account(make_client(), principal=100_000)
        body = {"amount": "10.00", "received_on": "2026-11-20", "method": "check", **change}
        body = {k: v for k, v in body.items() if v is not None}
        before = recorded()

        response = post(client, f"/api/accounts/{account.pk}/payments", body, accountant)

        assert (response.status_code, response.json()["field"]) == (status, field)
        if detail is not None:
            assert response.json()["detail"] == detail
        assert recorded() == before

    def test_a_closed_or_disputed_account_refuses_and_records_nothing(self, client, accountant):
        acme = make_client()
        recalled, disputed = make_account(acme), make_account(acme)
        account_recall(account_id=recalled.pk, on=date(2026, 11, 2), reason="client", actor=ACTOR)
        hold_add(account_id=disputed.pk, kind="dispute", starts_on=date(2026, 11, 1),
                 source="consumer letter", actor=ACTOR)  # fmt: skip
        body = {"amount": "10.00", "received_on": "2026-11-20", "method": "check"}
        before = recorded()

        closed = post(client, f"/api/accounts/{recalled.pk}/payments", body, accountant)
        held = post(client, f"/api/accounts/{disputed.pk}/payments", body, accountant)

        assert (closed.status_code, closed.json()["detail"], closed.json()["field"]) == (
            400, "account is recalled; it takes no payments", None,
        )  # fmt: skip
        assert (held.status_code, held.json()["field"]) == (400, "consumer_directed")
        assert recorded() == before
        directed = post(client, f"/api/accounts/{disputed.pk}/payments",
                        {**body, "consumer_directed": True}, accountant)  # fmt: skip
        assert (directed.status_code, directed.json()["applied"]) == (201, "10.00")


class TestWhoMayPost:
    def test_a_collector_takes_card_and_ach_on_granted_accounts_only(self, client):
        casey = login(Role.COLLECTOR, "casey")
        granted = make_account(make_client("ACME", granted_to="casey"), principal=100_000)
        other = make_account(make_client("BETA"), principal=100_000)
        body = {"amount": "10.00", "received_on": "2026-11-20"}

        card = post(client, f"/api/accounts/{granted.pk}/payments", {**body, "method": "card"},
                    casey)  # fmt: skip
        before = recorded()
        cash = post(client, f"/api/accounts/{granted.pk}/payments", {**body, "method": "cash"},
                    casey)  # fmt: skip
        hidden = post(client, f"/api/accounts/{other.pk}/payments", {**body, "method": "ach"},
                      casey)  # fmt: skip

        assert card.status_code == 201
        assert (cash.status_code, cash.json()["detail"]) == (
            403, "collectors take card and ach payments only",
        )  # fmt: skip
        assert hidden.status_code == 404
        assert recorded() == before

    def test_the_compliance_officer_takes_no_payment(self, client):
        officer = login(Role.COMPLIANCE)
        account = make_account(make_client(), principal=100_000)
        response = post(client, f"/api/accounts/{account.pk}/payments",
                        {"amount": "10.00", "received_on": "2026-11-20", "method": "card"},
                        officer)  # fmt: skip
        assert response.status_code == 403
        assert Payment.objects.count() == 0


class TestUnappliedCash:
    @pytest.fixture
    def waiting(self, tmp_path):  # type: ignore[no-untyped-def]
        acme = make_client()
        account = make_account(acme, principal=50_000)
        Account.objects.filter(pk=account.pk).update(client_ref="R000123")
        lockbox(tmp_path, [["LB-1", "2026-11-20", "40.00", "check", "R000132", "", "Cy Young"]])
        return account, Payment.objects.get(reference="LB-1")

    def test_lists_suggests_and_applies(self, client, accountant, waiting):
        account, pay = waiting

        listed = client.get("/api/payments/unapplied", **accountant)
        suggested = client.get(f"/api/payments/unapplied/{pay.pk}/suggestions", **accountant)
        applied = post(client, f"/api/payments/unapplied/{pay.pk}/apply",
                       {"account_id": account.pk, "amount": "15.00"}, accountant)  # fmt: skip

        assert listed.json() == [{
            "id": pay.pk, "reference": "LB-1", "method": "check", "received_on": "2026-11-20",
            "amount": "40.00", "applied": "0.00", "unapplied": "40.00", "currency": "USD",
            "reason": "no_match", "reason_text": "No account matches the reference",
            "account_id": None, "account_hint": "R000132", "client_hint": "",
            "payer_name": "Cy Young", "memo": "",
        }]  # fmt: skip
        assert suggested.json() == [{
            "account_id": account.pk, "client": "ACME", "client_ref": "R000123",
            "name": "Pat Doe", "status": "active", "balance": "500.00", "currency": "USD",
            "disputed": False, "reasons": ["reference has two characters swapped"], "score": 60,
        }]  # fmt: skip
        assert (applied.status_code, applied.json()) == (200, {
            "payment_id": pay.pk, "account_id": account.pk, "applied": "15.00",
            "unapplied": "25.00", "unapplied_reason": "no_match",
            "balances": {"principal": "485.00", "interest": "0.00", "fees": "0.00",
                         "costs": "0.00", "total": "485.00"},
        })  # fmt: skip
        rest = post(client, f"/api/payments/unapplied/{pay.pk}/apply",
                    {"account_id": account.pk}, accountant)  # fmt: skip
        assert (rest.json()["applied"], rest.json()["unapplied"]) == ("25.00", "0.00")
        assert client.get("/api/payments/unapplied", **accountant).json() == []

    @pytest.mark.parametrize(
        ("body", "status", "field"),
        [
            ({"amount": "40.01"}, 400, "amount"),
            ({"amount": "0.00"}, 400, "amount"),
            ({"amount": "4.001"}, 400, "amount"),
            ({"account_id": 424242}, 404, "account_id"),
            ({"account_id": "abc"}, 422, "account_id"),
        ],
    )
    def test_bad_input_names_the_field_and_changes_nothing(
        self, client, accountant, waiting, body, status, field
    ):
        account, pay = waiting
        before = recorded()

        response = post(client, f"/api/payments/unapplied/{pay.pk}/apply",
                        {"account_id": account.pk, **body}, accountant)  # fmt: skip

        assert (response.status_code, response.json()["field"]) == (status, field)
        assert recorded() == before

    def test_an_unknown_payment_is_404(self, client, accountant, waiting):
        account, _ = waiting
        assert client.get("/api/payments/unapplied/424242/suggestions",
                          **accountant).status_code == 404  # fmt: skip
        response = post(client, "/api/payments/unapplied/424242/apply",
                        {"account_id": account.pk}, accountant)  # fmt: skip
        assert (response.status_code, response.json()["field"]) == (404, "payment_id")

    def test_a_limit_out_of_range_is_named(self, client, accountant, waiting):
        _, pay = waiting
        listed = client.get("/api/payments/unapplied?limit=0", **accountant)
        suggested = client.get(f"/api/payments/unapplied/{pay.pk}/suggestions?limit=99",
                               **accountant)  # fmt: skip
        assert (listed.status_code, listed.json()["field"]) == (400, "limit")
        assert (suggested.status_code, suggested.json()["field"]) == (400, "limit")

    @pytest.mark.parametrize("role", [Role.COLLECTOR, Role.COMPLIANCE])
    def test_other_roles_are_refused_and_change_nothing(self, client, waiting, role):
        account, pay = waiting
        auth = login(role)
        before = recorded()

        responses = [
            client.get("/api/payments/unapplied", **auth),
            client.get(f"/api/payments/unapplied/{pay.pk}/suggestions", **auth),
            post(client, f"/api/payments/unapplied/{pay.pk}/apply", {"account_id": account.pk},
                 auth),
        ]  # fmt: skip

        assert [r.status_code for r in responses] == [403, 403, 403]
        assert recorded() == before


class TestReturnPayment:
    """POST /api/payments/{id}/return: a bounced check (NSF) or an ACH return code."""

    @pytest.fixture
    def paid(self, client, accountant):  # type: ignore[no-untyped-def]
        """An account owing 1,005.00 (5.00 of it fees) at a client whose returned-payment fee is
        25.00, paid 125.00 by ACH-7 received 20 Nov 2026 (5.00 to fees, 120.00 to principal)."""
        acme = make_client()
        acme.returned_payment_fee_minor = 2_500
        acme.save(update_fields=["returned_payment_fee_minor"])
        account = make_account(acme, principal=100_000, fees=500)
        posted = post(client, f"/api/accounts/{account.pk}/payments", {
            "amount": "125.00", "received_on": "2026-11-20", "method": "ach",
            "reference": "ACH-7",
        }, accountant)  # fmt: skip
        assert posted.status_code == 201
        return account, Payment.objects.get(reference="ACH-7")

    @staticmethod
    def state() -> tuple[object, ...]:
        return recorded(), list(
            Payment.objects.order_by("id").values_list("returned_on", "return_code",
                                                       "unapplied_minor")
        )  # fmt: skip

    def test_an_accountant_returns_a_payment_and_gets_exact_amounts(self, client, accountant, paid):
        account, pay = paid

        response = post(client, f"/api/payments/{pay.pk}/return", {
            "returned_on": "2026-11-22", "code": "R01", "reason": "", "charge_fee": True,
        }, accountant)  # fmt: skip

        reversal = Entry.objects.get(payment=pay, kind="payment_reversal")
        assert (response.status_code, response.json()) == (200, {
            "payment_id": pay.pk, "reference": "ACH-7", "account_id": account.pk,
            "reversed": "125.00", "fee": "25.00", "entry_id": reversal.pk, "duplicate": False,
            "balances": {"principal": "1000.00", "interest": "0.00", "fees": "30.00",
                         "costs": "0.00", "total": "1030.00"},
        })  # fmt: skip
        pay.refresh_from_db()
        assert (pay.returned_on, pay.return_code) == (date(2026, 11, 22), "R01")
        assert reversal.memo == "R01: insufficient funds"

    def test_a_second_call_is_a_duplicate_and_changes_nothing(self, client, accountant, paid):
        _, pay = paid
        body = {"returned_on": "2026-11-22", "code": "NSF", "reason": "check bounced",
                "charge_fee": True}  # fmt: skip
        first = post(client, f"/api/payments/{pay.pk}/return", body, accountant)
        before = self.state()

        again = post(client, f"/api/payments/{pay.pk}/return", body, accountant)

        assert (first.status_code, again.status_code) == (200, 200)
        assert again.json() == {
            **first.json(), "reversed": "0.00", "fee": "0.00", "entry_id": None,
            "duplicate": True,
        }  # fmt: skip
        assert self.state() == before

    @pytest.mark.parametrize(
        ("change", "status", "field", "detail"),
        [
            ({"returned_on": "2026-11-24"}, 400, "returned_on", "returned_on is in the future"),
            ({"returned_on": "2026-11-19"}, 400, "returned_on",
             "the payment was received on 2026-11-20; it cannot come back on 2026-11-19"),
            ({"returned_on": "2026-02-30"}, 422, "returned_on", None),
            ({"code": "X1"}, 400, "code", "code must be NSF or an ACH return code such as R01"),
            ({"code": ""}, 400, "code", "code must be NSF or an ACH return code such as R01"),
        ],
    )  # fmt: skip
    def test_bad_input_names_the_field_and_changes_nothing(
        self, client, accountant, paid, change, status, field, detail
    ):
        _, pay = paid
        before = self.state()

        response = post(client, f"/api/payments/{pay.pk}/return",
                        {"returned_on": "2026-11-22", "code": "NSF", **change}, accountant)  # fmt: skip

        assert (response.status_code, response.json()["field"]) == (status, field)
        if detail is not None:
            assert response.json()["detail"] == detail
        assert self.state() == before

    def test_an_unknown_payment_is_404(self, client, accountant, paid):
        before = self.state()
        response = post(client, "/api/payments/424242/return",
                        {"returned_on": "2026-11-22", "code": "NSF"}, accountant)  # fmt: skip
        assert (response.status_code, response.json()) == (404, {
            "detail": "no payment 424242", "field": "payment_id", "code": "not_found",
        })  # fmt: skip
        assert self.state() == before

    @pytest.mark.parametrize("role", [Role.COLLECTOR, Role.COMPLIANCE])
    def test_other_roles_are_refused_and_change_nothing(self, client, paid, role):
        _, pay = paid
        auth = login(role)
        before = self.state()

        response = post(client, f"/api/payments/{pay.pk}/return",
                        {"returned_on": "2026-11-22", "code": "NSF", "charge_fee": True},
                        auth)  # fmt: skip

        assert (response.status_code, response.json()) == (403, {
            "detail": "this needs one of the roles: accountant, supervisor, admin",
            "field": None, "code": "forbidden",
        })  # fmt: skip
        assert self.state() == before
