"""Card payments and refunds through the API: exact decimal text in and out; a declined card is
402, no answer from the gateway 502, every other refusal a 4xx naming the field, with nothing
charged or changed; roles and client grants decide who may."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from arrears.core.cards import RefundResult, RefundStatus
from arrears.data.payments.models import CardCharge, Payment, PaymentRefund
from arrears.data.users.models import Role, User
from arrears.services.common import Actor
from arrears.services.payments.cards import card_fee_terms_set
from tests.factories import NOW, make_account, make_client, make_new_yorker
from tests.integration.cards import SpyGateway, books

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-real-passphrase"


@pytest.fixture(autouse=True)
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Today is 23 November 2026."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)


def login(role: str, username: str | None = None) -> dict[str, str]:
    name = username or role
    User.objects.create_user(name, password=PASSWORD, role=role)
    token = base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def post(client, path: str, body: dict[str, Any], auth: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(path, json.dumps(body), content_type="application/json", **auth)


def pay(client, account_id: int, auth: dict[str, str], **body: Any):  # type: ignore[no-untyped-def]
    sent = {"amount": "125.00", "token": "pm_card_visa", "idempotency_key": "k-1", **body}
    return post(client, f"/api/accounts/{account_id}/card-payments", sent, auth)


@pytest.fixture
def casey() -> dict[str, str]:
    """A collector granted ACME."""
    auth = login(Role.COLLECTOR, "casey")
    return auth


class TestCardPayments:
    def test_a_collector_takes_a_card_payment_and_gets_exact_amounts(self, client, casey) -> None:  # type: ignore[no-untyped-def]
        account = make_account(make_client(granted_to="casey"), principal=100_000, fees=500)

        response = pay(client, account.pk, casey, payer_name="Pat Doe")

        assert response.status_code == 201, response.content
        payment = Payment.objects.get()
        assert payment.reference.startswith("pi_fake_")
        assert response.json() == {
            "payment_id": payment.pk, "reference": payment.reference, "account_id": account.pk,
            "charged": "125.00", "amount": "125.00", "convenience_fee": "0.00",
            "applied": "125.00", "unapplied": "0.00", "unapplied_reason": "", "duplicate": False,
            "balances": {"principal": "880.00", "interest": "0.00", "fees": "0.00",
                         "costs": "0.00", "total": "880.00"},
        }  # fmt: skip
        assert CardCharge.objects.get().actor_label == "api:casey"

    def test_the_same_key_again_is_200_and_charges_nothing(self, client, casey) -> None:  # type: ignore[no-untyped-def]
        account = make_account(make_client(granted_to="casey"), principal=100_000)
        first = pay(client, account.pk, casey)
        before = books()

        again = pay(client, account.pk, casey)

        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == {**first.json(), "duplicate": True}
        assert books() == before

    def test_the_same_key_for_another_amount_is_409(self, client, casey) -> None:  # type: ignore[no-untyped-def]
        account = make_account(make_client(granted_to="casey"), principal=100_000)
        pay(client, account.pk, casey)
        before = books()

        response = pay(client, account.pk, casey, amount="126.00")

        assert (response.status_code, response.json()["field"], response.json()["code"]) == (
            409, "idempotency_key", "idempotency_key_exists",
        )  # fmt: skip
        assert books() == before

    def test_a_declined_card_is_402_naming_the_token_and_posts_nothing(self, client, casey) -> None:  # type: ignore[no-untyped-def]
        account = make_account(make_client(granted_to="casey"), principal=100_000)
        before = books()

        response = pay(client, account.pk, casey, token="pm_card_chargeDeclinedInsufficientFunds")

        assert response.status_code == 402
        assert response.json() == {
            "detail": "the card was declined: Your card has insufficient funds. "
            "(insufficient_funds); nothing was charged or posted",
            "field": "token", "code": "card_declined",
        }  # fmt: skip
        assert books()[:3] == before[:3]

    def test_no_answer_from_the_gateway_is_502(self, client, casey, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        from arrears.core.cards import ChargeResult, ChargeStatus

        spy = SpyGateway(charges=[ChargeResult(ChargeStatus.ERROR, code="no_answer",
                                               message="Stripe could not be reached")])  # fmt: skip
        monkeypatch.setattr("arrears.services.payments.cards.card_gateway", lambda: spy)
        account = make_account(make_client(granted_to="casey"), principal=100_000)

        response = pay(client, account.pk, casey)

        assert response.status_code == 502
        assert (response.json()["code"], response.json()["field"]) == (
            "gateway_error", "idempotency_key",
        )  # fmt: skip
        assert Payment.objects.count() == 0

    @pytest.mark.parametrize(
        ("body", "status", "field"),
        [
            ({"amount": "12.345"}, 400, "amount"),
            ({"amount": "0"}, 400, "amount"),
            ({"amount": "2000.00"}, 400, "amount"),
            ({"token": "4242424242424242"}, 400, "token"),
            ({"token": None}, 422, "token"),
            ({"idempotency_key": ""}, 400, "idempotency_key"),
            ({"convenience_fee": "two"}, 400, "convenience_fee"),
            ({"convenience_fee": "2.50"}, 400, "convenience_fee"),
        ],
    )  # fmt: skip
    def test_bad_input_is_a_4xx_naming_the_field_and_charges_nothing(
        self, client, casey, body, status, field
    ) -> None:  # type: ignore[no-untyped-def]
        account = make_account(make_client(granted_to="casey"), principal=100_000)
        before = books()

        response = pay(client, account.pk, casey, **body)

        assert (response.status_code, response.json()["field"]) == (status, field), response.content
        assert (books(), CardCharge.objects.count()) == (before, 0)

    def test_a_fee_refusal_names_the_rule_and_the_packs(self, client, casey) -> None:  # type: ignore[no-untyped-def]
        account = make_new_yorker(make_client(granted_to="casey"), principal=100_000)

        response = pay(client, account.pk, casey, convenience_fee="2.50")

        body = response.json()
        assert (response.status_code, body["field"], body["code"]) == (
            400, "convenience_fee", "fee_refused",
        )  # fmt: skip
        assert "fdcpa.convenience-fee" in body["detail"]
        assert body["detail"].endswith("packs us-federal@2026.11.3+us-ny@2026.11.2")

    def test_an_allowed_fee_is_charged_with_the_payment(self, client, casey) -> None:  # type: ignore[no-untyped-def]
        account = make_new_yorker(make_client(granted_to="casey"), principal=100_000)
        card_fee_terms_set(client_code="ACME", convenience_fee_minor=300,
                           agreement_clause="s. 14", actor=Actor.system("t"), now=NOW)  # fmt: skip

        response = pay(client, account.pk, casey, amount="100.00", convenience_fee="2.50")

        body = response.json()
        assert response.status_code == 201, body
        assert (body["charged"], body["amount"], body["convenience_fee"], body["applied"]) == (
            "102.50", "100.00", "2.50", "102.50",
        )  # fmt: skip
        assert body["balances"]["total"] == "900.00"

    def test_a_collector_not_granted_the_client_gets_404_and_nothing_is_charged(
        self, client, casey
    ) -> None:  # type: ignore[no-untyped-def]
        account = make_account(make_client(), principal=100_000)
        response = pay(client, account.pk, casey)
        assert (response.status_code, response.json()["field"]) == (404, "account_id")
        assert CardCharge.objects.count() == 0

    def test_compliance_may_not_take_a_payment(self, client) -> None:  # type: ignore[no-untyped-def]
        account = make_account(make_client(), principal=100_000)
        response = pay(client, account.pk, login(Role.COMPLIANCE))
        assert response.status_code == 403
        assert CardCharge.objects.count() == 0


class TestRefunds:
    def test_an_accountant_gives_back_part_of_a_card_payment(self, client, casey) -> None:  # type: ignore[no-untyped-def]
        account = make_account(make_client(granted_to="casey"), principal=100_000)
        payment_id = pay(client, account.pk, casey).json()["payment_id"]

        response = post(client, f"/api/payments/{payment_id}/refund",
                        {"amount": "20.00", "reason": "paid twice", "idempotency_key": "r-1"},
                        login(Role.ACCOUNTANT))  # fmt: skip

        assert response.status_code == 201, response.content
        refund = PaymentRefund.objects.get()
        body = response.json()
        assert body == {
            "refund_id": refund.pk, "payment_id": payment_id,
            "reference": Payment.objects.get().reference, "account_id": account.pk,
            "amount": "20.00", "from_unapplied": "0.00", "from_applied": "20.00",
            "convenience_fee": "0.00", "gateway_reference": refund.gateway_reference,
            "entry_ids": body["entry_ids"], "duplicate": False,
            "balances": {"principal": "895.00", "interest": "0.00", "fees": "0.00",
                         "costs": "0.00", "total": "895.00"},
        }  # fmt: skip
        assert refund.gateway_reference.startswith("re_fake_") and len(body["entry_ids"]) == 1

    def test_more_than_is_left_is_400_naming_the_amount_and_changes_nothing(self, client) -> None:  # type: ignore[no-untyped-def]
        account = make_account(make_client(), principal=100_000)
        accountant = login(Role.ACCOUNTANT)
        post(client, f"/api/accounts/{account.pk}/payments",
             {"amount": "50.00", "received_on": "2026-11-20", "method": "check",
              "reference": "CHK-1"}, accountant)  # fmt: skip
        before = books()

        response = post(client, f"/api/payments/{Payment.objects.get().pk}/refund",
                        {"amount": "50.01", "reason": "x"}, accountant)  # fmt: skip

        assert response.status_code == 400
        assert response.json() == {
            "detail": "at most 50.00 of payment CHK-1 is left to give back", "field": "amount",
            "code": "refund_refused",
        }  # fmt: skip
        assert (books(), PaymentRefund.objects.count()) == (before, 0)

    def test_a_gateway_without_an_answer_is_502_and_books_nothing(
        self, client, casey, monkeypatch
    ) -> None:  # type: ignore[no-untyped-def]
        account = make_account(make_client(granted_to="casey"), principal=100_000)
        payment_id = pay(client, account.pk, casey).json()["payment_id"]
        spy = SpyGateway(refunds=[RefundResult(RefundStatus.ERROR, code="no_answer")])
        monkeypatch.setattr("arrears.services.payments.refunds.card_gateway", lambda: spy)
        before = books()

        response = post(client, f"/api/payments/{payment_id}/refund",
                        {"amount": "20.00", "reason": "x", "idempotency_key": "r-9"},
                        login(Role.SUPERVISOR))  # fmt: skip

        assert (response.status_code, response.json()["code"]) == (502, "gateway_error")
        assert books() == before

    @pytest.mark.parametrize(
        ("body", "status", "field"),
        [({"amount": "x", "reason": "r"}, 400, "amount"), ({"amount": "1.00"}, 422, "reason"),
         ({"amount": "1.00", "reason": " "}, 400, "reason")],
    )  # fmt: skip
    def test_bad_input_is_a_4xx_naming_the_field(self, client, body, status, field) -> None:  # type: ignore[no-untyped-def]
        payment = Payment.objects.create(
            reference="LB-1", method="check", amount_minor=5_000, received_on=NOW.date(),
            unapplied_minor=5_000, unapplied_reason="no_match", created_at=NOW, actor_label="t",
        )  # fmt: skip
        response = post(client, f"/api/payments/{payment.pk}/refund", body,
                        login(Role.ACCOUNTANT))  # fmt: skip
        assert (response.status_code, response.json()["field"]) == (status, field)
        assert PaymentRefund.objects.count() == 0

    def test_a_missing_payment_is_404(self, client) -> None:  # type: ignore[no-untyped-def]
        response = post(client, "/api/payments/999/refund", {"amount": "1.00", "reason": "x"},
                        login(Role.ADMIN))  # fmt: skip
        assert (response.status_code, response.json()["field"]) == (404, "payment_id")

    @pytest.mark.parametrize("role", [Role.COLLECTOR, Role.COMPLIANCE])
    def test_only_money_roles_give_money_back(self, client, role) -> None:  # type: ignore[no-untyped-def]
        payment = Payment.objects.create(
            reference="LB-1", method="check", amount_minor=5_000, received_on=NOW.date(),
            unapplied_minor=5_000, unapplied_reason="no_match", created_at=NOW, actor_label="t",
        )  # fmt: skip
        response = post(client, f"/api/payments/{payment.pk}/refund",
                        {"amount": "1.00", "reason": "x"}, login(role))  # fmt: skip
        assert response.status_code == 403
        assert PaymentRefund.objects.count() == 0
