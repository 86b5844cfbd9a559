"""Card payments: charged through the gateway and posted once per idempotency key; declines and
outages post nothing; every refusal (a convenience fee the packs or the client's terms forbid
among them) charges nothing and changes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from arrears.core.cards import ChargeResult, ChargeStatus
from arrears.data.accounts.models import Account, AccountStatus
from arrears.data.audit.models import AuditEvent
from arrears.data.ledger.models import Entry
from arrears.data.payments.models import CardCharge, Payment
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.ledger.operations import account_recall, hold_add
from arrears.services.payments.cards import (
    CardDeclined,
    CardGatewayError,
    CardInvalid,
    ConvenienceFeeRefused,
    IdempotencyKeyTaken,
    card_fee_terms_set,
    card_payment_take,
)
from arrears.services.payments.posting import PaymentRefused
from tests.factories import NOW, make_account, make_client, make_new_yorker
from tests.integration.cards import SpyGateway, books, live_in

pytestmark = pytest.mark.django_db
ACTOR = Actor(label="casey")
TODAY = date(2026, 11, 23)


def take(account: Account, amount: int, gateway: SpyGateway, **kw):  # type: ignore[no-untyped-def]
    args = {"token": "pm_card_visa", "idempotency_key": "k-1", "actor": ACTOR, "now": NOW}
    return card_payment_take(account_id=account.pk, amount_minor=amount, gateway=gateway,
                             **{**args, **kw})  # fmt: skip


class TestTakingACardPayment:
    def test_charges_the_card_and_posts_the_payment_under_the_gateways_reference(self) -> None:
        account = make_account(make_client(), principal=100_000, fees=500)
        gateway = SpyGateway()

        done = take(account, 12_500, gateway, payer_name="Pat Doe")

        (asked,) = gateway.charges
        assert (asked.token, asked.amount_minor, asked.currency, asked.idempotency_key) == (
            "pm_card_visa", 12_500, "USD", "k-1",
        )  # fmt: skip
        assert done.reference.startswith("pi_fake_") and not done.duplicate
        assert (done.amount_minor, done.fee_minor, done.applied_minor, done.unapplied_minor,
                done.reason, done.fee_entry_id) == (12_500, 0, 12_500, 0, "", None)  # fmt: skip
        payment = Payment.objects.get()
        assert (payment.reference, payment.method, payment.amount_minor, payment.received_on,
                payment.applied_minor, payment.payer_name) == (
            done.reference, "card", 12_500, TODAY, 12_500, "Pat Doe",
        )  # fmt: skip
        entry = Entry.objects.get(pk=done.entry_id)
        assert (entry.kind, entry.principal_minor, entry.fees_minor, entry.cash_minor,
                entry.payment_id, entry.source) == ("payment", -12_000, -500, 12_500, payment.pk,
                                                    "card")  # fmt: skip
        account.refresh_from_db()
        assert (account.balance_minor, account.last_payment_date) == (88_000, TODAY)
        charge = CardCharge.objects.get()
        assert (charge.state, charge.payment_id, charge.gateway, charge.gateway_reference) == (
            "succeeded", payment.pk, "fake", done.reference,
        )  # fmt: skip
        event = AuditEvent.objects.get(event="payment.posted")
        assert (event.account_id, event.details["card_charge"], event.details["source"]) == (
            account.pk, charge.pk, "card",
        )  # fmt: skip

    def test_the_same_key_again_charges_nothing_and_posts_nothing(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        first = take(account, 5_000, gateway)
        before = books()

        again = take(account, 5_000, gateway)

        assert len(gateway.charges) == 1
        assert again.duplicate
        assert (again.payment_id, again.reference, again.entry_id, again.applied_minor) == (
            first.payment_id, first.reference, first.entry_id, 5_000,
        )  # fmt: skip
        assert books() == before

    def test_the_same_key_for_another_payment_is_refused(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        take(account, 5_000, gateway)
        before = books()

        with pytest.raises(IdempotencyKeyTaken) as refused:
            take(account, 6_000, gateway)

        assert refused.value.field == "idempotency_key"
        assert len(gateway.charges) == 1
        assert books() == before

    def test_a_disputed_debt_takes_a_card_payment_only_when_the_consumer_directs_it(self) -> None:
        account = make_account(make_client(), principal=100_000)
        hold_add(account_id=account.pk, kind="dispute", starts_on=date(2026, 11, 1),
                 source="consumer letter", actor=ACTOR, now=NOW)  # fmt: skip
        gateway = SpyGateway()
        before = books()

        with pytest.raises(PaymentRefused) as refused:
            take(account, 5_000, gateway)
        assert refused.value.field == "consumer_directed"
        assert (gateway.charges, books()) == ([], before)

        done = take(account, 5_000, gateway, consumer_directed=True)
        assert (done.applied_minor, done.reason) == (5_000, "")
        assert Payment.objects.get().consumer_directed


class TestRefusalsChargeNothing:
    @pytest.mark.parametrize(
        ("change", "error", "field"),
        [
            ({"token": "4242 4242 4242 4242"}, ServiceError, "token"),
            ({"token": "visa"}, ServiceError, "token"),
            ({"idempotency_key": ""}, ServiceError, "idempotency_key"),
            ({"amount": 0}, PaymentRefused, "amount"),
            ({"amount": 100_001}, PaymentRefused, "amount"),
            ({"convenience_fee_minor": -1}, ConvenienceFeeRefused, "convenience_fee"),
        ],
    )  # fmt: skip
    def test_bad_input_is_refused_naming_the_field(self, change, error, field) -> None:  # type: ignore[no-untyped-def]
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        before = books()
        amount = change.pop("amount", 10_000)

        with pytest.raises(error) as refused:
            take(account, amount, gateway, **change)

        assert refused.value.field == field
        assert (gateway.charges, books(), CardCharge.objects.count()) == ([], before, 0)

    def test_more_than_is_owed_is_refused_with_the_balance(self) -> None:
        account = make_account(make_client(), principal=3_000)
        with pytest.raises(PaymentRefused, match=r"at most what is owed today, 30\.00"):
            take(account, 3_001, SpyGateway())

    def test_a_recalled_account_takes_no_card_payment(self) -> None:
        account = make_account(make_client(), principal=3_000)
        account_recall(account_id=account.pk, on=TODAY, reason="client asked", actor=ACTOR, now=NOW)
        gateway = SpyGateway()
        before = books()

        with pytest.raises(PaymentRefused, match="account is recalled"):
            take(account, 1_000, gateway)

        assert (gateway.charges, books()) == ([], before)

    def test_an_account_that_does_not_exist_is_not_found(self) -> None:
        with pytest.raises(NotFound) as refused:
            card_payment_take(account_id=999, amount_minor=100, token="pm_card_visa",
                              idempotency_key="k", actor=ACTOR, now=NOW, gateway=SpyGateway())  # fmt: skip
        assert refused.value.field == "account_id"


class TestDeclinesAndOutages:
    def test_a_decline_is_recorded_posts_nothing_and_says_why(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        before = books()

        with pytest.raises(CardDeclined) as refused:
            take(account, 5_000, gateway, token="pm_card_chargeDeclinedInsufficientFunds")

        assert refused.value.field == "token"
        assert refused.value.message == (
            "the card was declined: Your card has insufficient funds. (insufficient_funds); "
            "nothing was charged or posted"
        )
        entries, payments, accounts, _ = books()
        assert (entries, payments, accounts) == before[:3]
        charge = CardCharge.objects.get()
        assert (charge.state, charge.code, charge.decline_code, charge.payment_id) == (
            "declined", "card_declined", "insufficient_funds", None,
        )  # fmt: skip
        assert AuditEvent.objects.filter(event="card.declined", account_id=account.pk).count() == 1

    def test_a_declined_key_asked_again_is_declined_again_without_asking_the_gateway(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        with pytest.raises(CardDeclined):
            take(account, 5_000, gateway, token="pm_card_chargeDeclined")

        with pytest.raises(CardDeclined, match="Your card was declined"):
            take(account, 5_000, gateway, token="pm_card_chargeDeclined")

        assert len(gateway.charges) == 1

    def test_an_unknown_token_is_refused_as_the_gateway_said(self) -> None:
        account = make_account(make_client(), principal=100_000)
        with pytest.raises(CardInvalid, match="No such PaymentMethod: 'pm_card_missing'"):
            take(account, 5_000, SpyGateway(), token="pm_card_missing")
        assert Payment.objects.count() == 0

    def test_no_answer_posts_nothing_and_the_same_key_asks_again_and_posts_once(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway(charges=[ChargeResult(ChargeStatus.ERROR, code="no_answer",
                                                   message="Stripe could not be reached")])  # fmt: skip
        before = books()

        with pytest.raises(CardGatewayError) as refused:
            take(account, 5_000, gateway)

        assert refused.value.field == "idempotency_key"
        assert "Ask again with the same idempotency key" in refused.value.message
        assert books()[:3] == before[:3]
        assert CardCharge.objects.get().state == "error"

        done = take(account, 5_000, gateway)

        assert [r.idempotency_key for r in gateway.charges] == ["k-1", "k-1"]
        assert (done.applied_minor, done.duplicate) == (5_000, False)
        assert Payment.objects.count() == 1
        assert CardCharge.objects.get().state == "succeeded"

    def test_a_gateway_that_raises_is_no_answer_never_a_crash(self) -> None:
        account = make_account(make_client(), principal=100_000)
        with pytest.raises(CardGatewayError, match="RuntimeError"):
            take(account, 5_000, SpyGateway(charges=[RuntimeError("socket closed")]))
        assert Payment.objects.count() == 0

    def test_money_taken_after_the_account_changed_waits_unapplied_never_lost(self) -> None:
        """A dispute recorded while the gateway worked: the money was taken, so it is kept."""
        account = make_account(make_client(), principal=100_000)

        class DisputedMeanwhile(SpyGateway):
            def charge(self, request):  # type: ignore[no-untyped-def]
                hold_add(account_id=account.pk, kind="dispute", starts_on=TODAY,
                         source="consumer call", actor=ACTOR, now=NOW)  # fmt: skip
                return super().charge(request)

        done = take(account, 5_000, DisputedMeanwhile())

        assert (done.applied_minor, done.unapplied_minor, done.reason) == (0, 5_000, "disputed")
        payment = Payment.objects.get()
        assert (payment.unapplied_minor, payment.unapplied_reason) == (5_000, "disputed")
        account.refresh_from_db()
        assert account.balance_minor == 100_000


class TestConvenienceFees:
    def test_a_fee_the_client_terms_do_not_authorize_is_refused_naming_rule_and_packs(self) -> None:
        account = make_new_yorker(make_client(), principal=100_000)
        gateway = SpyGateway()
        before = books()

        with pytest.raises(ConvenienceFeeRefused) as refused:
            take(account, 10_000, gateway, convenience_fee_minor=250)

        assert refused.value.field == "convenience_fee"
        message = refused.value.message
        assert "fdcpa.convenience-fee" in message and "15 U.S.C. 1692f(1)" in message
        assert "client.card-fee-terms" in message
        assert message.endswith("packs us-federal@2026.11.3+us-ny@2026.11.2")
        assert (gateway.charges, books(), CardCharge.objects.count()) == ([], before, 0)

    def test_washington_refuses_even_a_fee_the_agreement_authorizes(self) -> None:
        client = make_client()
        card_fee_terms_set(client_code="ACME", convenience_fee_minor=300,
                           agreement_clause="Card agreement s. 14", actor=ACTOR, now=NOW)  # fmt: skip
        account = live_in(make_account(client, principal=100_000), "WA", "98101", "Seattle")
        gateway = SpyGateway()
        before = books()

        with pytest.raises(
            ConvenienceFeeRefused, match=r"wa\.amounts-beyond-principal.*us-wa@2026\.11\.2"
        ):
            take(account, 10_000, gateway, convenience_fee_minor=250)

        assert (gateway.charges, books()) == ([], before)

    def test_an_allowed_fee_is_charged_with_the_payment_and_paid_as_a_fee_entry(self) -> None:
        client = make_client(waterfall="principal,interest,fees,costs")
        card_fee_terms_set(client_code="ACME", convenience_fee_minor=300,
                           agreement_clause="Card agreement s. 14", actor=ACTOR, now=NOW)  # fmt: skip
        account = make_new_yorker(client, principal=100_000)
        gateway = SpyGateway()

        done = take(account, 10_000, gateway, convenience_fee_minor=250)

        assert gateway.charges[0].amount_minor == 10_250
        assert (done.amount_minor, done.fee_minor, done.applied_minor) == (10_000, 250, 10_250)
        fee, pay = Entry.objects.filter(payment_id=done.payment_id).order_by("id")
        assert (fee.pk, fee.kind, fee.fees_minor, fee.cash_minor, fee.source) == (
            done.fee_entry_id, "fee", 250, 0, "card",
        )  # fmt: skip
        assert (pay.pk, pay.kind, pay.principal_minor, pay.fees_minor, pay.cash_minor) == (
            done.entry_id, "payment", -10_000, -250, 10_250,
        )  # fmt: skip
        account.refresh_from_db()
        assert (account.principal_minor, account.fees_minor, account.balance_minor) == (
            90_000, 0, 90_000,
        )  # fmt: skip
        payment = Payment.objects.get()
        assert (payment.amount_minor, payment.applied_minor) == (10_250, 10_250)
        assert CardCharge.objects.get().fee_pack_version == ("us-federal@2026.11.3+us-ny@2026.11.2")

    def test_terms_that_authorize_a_fee_must_name_the_clause(self) -> None:
        make_client()
        with pytest.raises(ServiceError) as refused:
            card_fee_terms_set(client_code="ACME", convenience_fee_minor=300,
                               agreement_clause=" ", actor=ACTOR, now=NOW)  # fmt: skip
        assert refused.value.field == "agreement_clause"


def test_a_paid_off_account_is_paid_in_full_by_card() -> None:
    account = make_account(make_client(), principal=3_000)
    take(account, 3_000, SpyGateway())
    account.refresh_from_db()
    assert (account.balance_minor, account.status) == (0, AccountStatus.PAID)
