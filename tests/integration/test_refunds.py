"""Refunds: part or all of a payment given back, unapplied cash first, never more than is left;
a card payment through the gateway first, where a refusal or an outage books nothing; once per
idempotency key. Every refusal changes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from arrears.core.cards import RefundResult, RefundStatus
from arrears.data.accounts.models import Account, AccountStatus
from arrears.data.audit.models import AuditEvent
from arrears.data.ledger.models import Entry
from arrears.data.payments.models import Payment, PaymentRefund
from arrears.services.common import Actor, NotFound
from arrears.services.ledger.operations import account_recall
from arrears.services.payments.cards import (
    CardGatewayError,
    IdempotencyKeyTaken,
    card_fee_terms_set,
    card_payment_take,
)
from arrears.services.payments.posting import payment_post
from arrears.services.payments.refunds import RefundFailed, RefundRefused, payment_refund
from arrears.services.payments.returns import payment_return
from arrears.services.trust.queries import trust_reconciliation
from tests.factories import NOW, make_account, make_client, make_new_yorker
from tests.integration.cards import SpyGateway, books

pytestmark = pytest.mark.django_db
ACTOR = Actor(label="alex")
TODAY = date(2026, 11, 23)


def check(account: Account, amount: int, reference: str = "CHK-1") -> Payment:
    payment_post(account_id=account.pk, amount_minor=amount, received_on=date(2026, 11, 20),
                 source="check", actor=ACTOR, reference=reference, now=NOW)  # fmt: skip
    return Payment.objects.get(reference=reference)


def refund(payment: Payment, amount: int, **kw):  # type: ignore[no-untyped-def]
    return payment_refund(payment_id=payment.pk, amount_minor=amount,
                          reason=kw.pop("reason", "consumer overpaid"), actor=ACTOR, now=NOW,
                          **kw)  # fmt: skip


def card(account: Account, amount: int, fee: int = 0, key: str = "c-1") -> Payment:
    done = card_payment_take(account_id=account.pk, amount_minor=amount, token="pm_card_visa",
                             idempotency_key=key, actor=ACTOR, now=NOW,
                             convenience_fee_minor=fee, gateway=SpyGateway())  # fmt: skip
    return Payment.objects.get(pk=done.payment_id)


def entries_of(payment: Payment) -> list[tuple[object, ...]]:
    return list(Entry.objects.filter(payment=payment).order_by("id").values_list(
        "kind", "principal_minor", "fees_minor", "cash_minor", "reverses_id", "source",
    ))  # fmt: skip


class TestRefundingAPayment:
    def test_part_of_a_check_is_given_back_and_the_account_owes_it_again(self) -> None:
        account = make_account(make_client(), principal=100_000, fees=500)
        payment = check(account, 20_000)
        pay_entry = Entry.objects.get(payment=payment, kind="payment")

        done = refund(payment, 5_000)

        assert (done.amount_minor, done.from_unapplied_minor, done.from_applied_minor,
                done.fee_minor, done.gateway_reference, done.duplicate) == (
            5_000, 0, 5_000, 0, "", False,
        )  # fmt: skip
        (entry_id,) = done.entry_ids
        row = Entry.objects.get(pk=entry_id)
        assert (row.kind, row.principal_minor, row.fees_minor, row.cash_minor, row.reverses_id,
                row.effective_on, row.source, row.memo) == (
            "refund", 5_000, 0, -5_000, pay_entry.pk, TODAY, "refund", "consumer overpaid",
        )  # fmt: skip
        account.refresh_from_db()
        assert (account.principal_minor, account.fees_minor, account.balance_minor) == (
            85_500, 0, 85_500,
        )  # fmt: skip
        payment.refresh_from_db()
        assert (payment.refunded_minor, payment.applied_minor, payment.unapplied_minor) == (
            5_000, 20_000, 0,
        )  # fmt: skip
        record = PaymentRefund.objects.get()
        assert (record.state, record.gateway, record.amount_minor, record.refunded_on) == (
            "succeeded", "", 5_000, TODAY,
        )  # fmt: skip
        event = AuditEvent.objects.get(event="payment.refunded")
        assert (event.account_id, event.details["amount_minor"], event.details["entries"]) == (
            account.pk, 5_000, [entry_id],
        )  # fmt: skip

    def test_never_more_than_is_left_and_the_rest_can_all_go_back(self) -> None:
        account = make_account(make_client(), principal=100_000, fees=500)
        payment = check(account, 20_000)
        refund(payment, 5_000)
        before = books()

        with pytest.raises(RefundRefused) as refused:
            refund(payment, 15_001)

        assert (refused.value.field, refused.value.message) == (
            "amount", "at most 150.00 of payment CHK-1 is left to give back",
        )  # fmt: skip
        assert books() == before

        refund(payment, 15_000)

        account.refresh_from_db()
        assert (account.principal_minor, account.fees_minor) == (100_000, 500)
        with pytest.raises(RefundRefused, match="has nothing left to give back"):
            refund(payment, 1)

    def test_unapplied_cash_goes_back_first_then_what_was_applied(self) -> None:
        account = make_account(make_client(), principal=3_000)
        payment = check(account, 5_000)
        account.refresh_from_db()
        assert account.status == AccountStatus.PAID

        done = refund(payment, 2_500)

        assert (done.from_unapplied_minor, done.from_applied_minor) == (2_000, 500)
        payment.refresh_from_db()
        assert (payment.unapplied_minor, payment.unapplied_reason, payment.refunded_minor) == (
            0, "", 2_500,
        )  # fmt: skip
        account.refresh_from_db()
        assert (account.balance_minor, account.status, account.status_reason) == (
            500, AccountStatus.ACTIVE, "payment refunded",
        )  # fmt: skip

    def test_the_trust_reconciliation_counts_unapplied_cash_given_back(self) -> None:
        account = make_account(make_client(), principal=3_000)
        payment = check(account, 5_000)  # 30.00 applied, 20.00 waits
        refund(payment, 2_500)  # 20.00 of the waiting cash and 5.00 applied

        found = trust_reconciliation(period=date(2026, 11, 1))

        assert found.cash["USD"].as_dict() == {
            "received_minor": 5_000, "applied_minor": 3_000, "unapplied_minor": 0,
            "given_back_minor": 2_000, "difference_minor": 0,
        }  # fmt: skip
        assert found.balanced

    def test_cash_that_matched_no_account_is_given_back_without_touching_any(self) -> None:
        payment = Payment.objects.create(
            reference="LB-9", method="check", amount_minor=4_000, received_on=TODAY,
            unapplied_minor=4_000, unapplied_reason="no_match", created_at=NOW, actor_label="t",
        )  # fmt: skip
        entries = Entry.objects.count()

        done = refund(payment, 4_000)

        assert (done.account_id, done.from_unapplied_minor, done.entry_ids) == (None, 4_000, ())
        assert Entry.objects.count() == entries
        payment.refresh_from_db()
        assert (payment.unapplied_minor, payment.refunded_minor) == (0, 4_000)

    def test_the_same_key_again_gives_back_nothing_more(self) -> None:
        account = make_account(make_client(), principal=100_000)
        payment = check(account, 20_000)
        first = refund(payment, 1_000, idempotency_key="r-1")
        before = books()

        again = refund(payment, 1_000, idempotency_key="r-1")

        assert again.duplicate
        assert (again.refund_id, again.entry_ids) == (first.refund_id, first.entry_ids)
        assert books() == before
        with pytest.raises(IdempotencyKeyTaken):
            refund(payment, 2_000, idempotency_key="r-1")


class TestRefusalsChangeNothing:
    @pytest.mark.parametrize(
        ("amount", "reason", "key", "field"),
        [(0, "x", None, "amount"), (-5, "x", None, "amount"), (100, "  ", None, "reason"),
         (100, "r" * 201, None, "reason"), (100, "x", " bad", "idempotency_key")],
    )  # fmt: skip
    def test_bad_input_is_refused_naming_the_field(self, amount, reason, key, field) -> None:  # type: ignore[no-untyped-def]
        account = make_account(make_client(), principal=100_000)
        payment = check(account, 20_000)
        before = books()

        with pytest.raises(RefundRefused) as refused:
            refund(payment, amount, reason=reason, idempotency_key=key)

        assert refused.value.field == field
        assert (books(), PaymentRefund.objects.count()) == (before, 0)

    def test_a_payment_that_does_not_exist_is_not_found(self) -> None:
        with pytest.raises(NotFound) as refused:
            payment_refund(payment_id=404, amount_minor=100, reason="x", actor=ACTOR, now=NOW)
        assert refused.value.field == "payment_id"

    def test_a_returned_payment_is_not_refunded(self) -> None:
        account = make_account(make_client(), principal=100_000)
        payment = check(account, 20_000)
        payment_return(payment_id=payment.pk, returned_on=TODAY, code="NSF", reason="bounced",
                       actor=ACTOR, charge_fee=False, now=NOW)  # fmt: skip
        before = books()

        with pytest.raises(RefundRefused, match="came back on 2026-11-23") as refused:
            refund(payment, 1_000)

        assert refused.value.field == "payment_id"
        assert (books(), PaymentRefund.objects.count()) == (before, 0)

    def test_money_applied_to_a_recalled_account_is_not_given_back_through_it(self) -> None:
        account = make_account(make_client(), principal=3_000)
        payment = check(account, 5_000)  # 30.00 applied, 20.00 waits
        account_recall(account_id=account.pk, on=TODAY, reason="client", actor=ACTOR, now=NOW)
        before = books()

        with pytest.raises(RefundRefused, match="is recalled") as refused:
            refund(payment, 2_001)

        assert refused.value.field == "payment_id"
        assert books() == before
        assert refund(payment, 2_000).from_unapplied_minor == 2_000


class TestCardRefunds:
    def test_a_card_payment_is_given_back_through_the_gateway_first(self) -> None:
        account = make_account(make_client(), principal=100_000)
        payment = card(account, 20_000)
        gateway = SpyGateway()

        done = refund(payment, 2_000, idempotency_key="r-card", gateway=gateway)

        (asked,) = gateway.refunds
        assert (asked.reference, asked.amount_minor, asked.idempotency_key, asked.reason) == (
            payment.reference, 2_000, "r-card", "consumer overpaid",
        )  # fmt: skip
        assert done.gateway_reference.startswith("re_fake_")
        assert PaymentRefund.objects.get().gateway == "fake"
        account.refresh_from_db()
        assert account.balance_minor == 82_000

    def test_a_refusal_by_the_gateway_books_nothing(self) -> None:
        account = make_account(make_client(), principal=100_000)
        payment = card(account, 20_000)
        gateway = SpyGateway(refunds=[RefundResult(
            RefundStatus.FAILED, code="charge_disputed",
            message="This charge is disputed and cannot be refunded.",
        )])  # fmt: skip
        before = books()

        with pytest.raises(RefundFailed) as refused:
            refund(payment, 2_000, gateway=gateway)

        assert refused.value.field == "payment_id"
        assert refused.value.message == (
            "the gateway refused the refund: This charge is disputed and cannot be refunded.; "
            "nothing was given back"
        )
        assert books() == before
        assert PaymentRefund.objects.get().state == "failed"  # the attempt is on record
        assert AuditEvent.objects.filter(event="payment.refund_failed").count() == 1
        assert refund(payment, 2_000, gateway=SpyGateway()).amount_minor == 2_000

    def test_no_answer_keeps_the_refund_in_doubt_until_asked_again_with_its_key(self) -> None:
        account = make_account(make_client(), principal=100_000)
        payment = card(account, 20_000)
        gateway = SpyGateway(refunds=[RuntimeError("timed out")])
        before = books()

        with pytest.raises(CardGatewayError) as refused:
            refund(payment, 2_000, idempotency_key="r-doubt", gateway=gateway)

        assert refused.value.field == "idempotency_key"
        assert books() == before
        with pytest.raises(RefundRefused, match=r"is under way \(key r-doubt\)"):
            refund(payment, 500, idempotency_key="r-other", gateway=gateway)
        assert books() == before

        done = refund(payment, 2_000, idempotency_key="r-doubt", gateway=gateway)

        assert [r.idempotency_key for r in gateway.refunds] == ["r-doubt", "r-doubt"]
        assert (done.amount_minor, done.duplicate) == (2_000, False)
        account.refresh_from_db()
        assert account.balance_minor == 82_000

    def test_the_convenience_fee_goes_back_only_with_all_the_rest(self) -> None:
        client = make_client()
        card_fee_terms_set(client_code="ACME", convenience_fee_minor=250,
                           agreement_clause="Card agreement s. 14", actor=ACTOR, now=NOW)  # fmt: skip
        account = make_new_yorker(client, principal=100_000)
        payment = card(account, 10_000, fee=250)
        fee_entry = Entry.objects.get(payment=payment, kind="fee")
        before = books()

        with pytest.raises(RefundRefused) as refused:
            refund(payment, 10_100)
        assert (refused.value.field, refused.value.message) == ("amount", (
            "the card convenience fee of 2.50 is given back only with all the rest: give back "
            "at most 100.00, or all 102.50"
        ))  # fmt: skip
        assert books() == before

        partial = refund(payment, 10_000)
        whole = refund(payment, 250)

        assert (partial.fee_minor, whole.fee_minor) == (0, 250)
        assert entries_of(payment)[2:] == [
            ("refund", 10_000, 0, -10_000, entries_of_pay(payment), "refund"),
            ("refund", 0, 250, -250, entries_of_pay(payment), "refund"),
            ("reversal", 0, -250, 0, fee_entry.pk, "refund"),
        ]
        account.refresh_from_db()
        assert (account.principal_minor, account.fees_minor, account.balance_minor) == (
            100_000, 0, 100_000,
        )  # fmt: skip
        payment.refresh_from_db()
        assert payment.refunded_minor == 10_250


def entries_of_pay(payment: Payment) -> int:
    return Entry.objects.get(payment=payment, kind="payment").pk
