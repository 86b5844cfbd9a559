"""The card sweep: a charge or refund left without an answer is looked up at the gateway by its
key and settled as a prompt answer would have been, exactly once; one the gateway has no record
of is marked so that its key may go again; one the gateway cannot say anything about is left as
it is. A second sweep changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import Sum

from arrears.core.cards import ChargeRequest, ChargeResult, ChargeStatus, RefundResult, RefundStatus
from arrears.data.accounts.models import Account
from arrears.data.audit.models import AuditEvent
from arrears.data.ledger.models import Entry
from arrears.data.payments.models import CardCharge, Payment, PaymentRefund
from arrears.services.common import Actor, ServiceError
from arrears.services.ledger.operations import account_recall
from arrears.services.payments.cards import CardGatewayError, card_payment_take
from arrears.services.payments.posting import PaymentRefused
from arrears.services.payments.refunds import payment_refund
from arrears.services.payments.sweep import SweepReport, card_sweep
from tests.factories import NOW, make_account, make_client
from tests.integration.cards import SpyGateway, books

pytestmark = pytest.mark.django_db
ACTOR = Actor(label="casey")
SWEEPER = Actor.system("sweep")
TODAY = date(2026, 11, 23)
LATER = NOW + timedelta(minutes=20)


class ProcessDied(BaseException):
    """The process stopped between sending the request and reading the answer."""


class DiesAfterCharging(SpyGateway):
    def charge(self, request: ChargeRequest) -> ChargeResult:
        super().charge(request)
        raise ProcessDied


def take(account: Account, gateway: SpyGateway, amount: int = 5_000, **kw):  # type: ignore[no-untyped-def]
    args = {"token": "pm_card_visa", "idempotency_key": "k-1", "actor": ACTOR, "now": NOW}
    return card_payment_take(account_id=account.pk, amount_minor=amount, gateway=gateway,
                             **{**args, **kw})  # fmt: skip


def sweep(gateway: SpyGateway, now=LATER, **kw) -> SweepReport:  # type: ignore[no-untyped-def]
    return card_sweep(actor=SWEEPER, now=now, gateway=gateway, **kw)


def counts(report: SweepReport) -> dict[str, object]:
    return {k: v for k, v in report.as_dict().items() if k not in ("gateway", "asked_before")}


def nothing(**changed: int) -> dict[str, object]:
    """A report's counts: all zero but the ones named."""
    zero = {name: 0 for name in counts(SweepReport(gateway="fake", asked_before=NOW))}
    return {**zero, **changed}


def lost_charge(account: Account, gateway: SpyGateway, **kw) -> None:  # type: ignore[no-untyped-def]
    """A charge the gateway made whose answer never came back: the attempt is left in error."""
    gateway.fake.answers_to_lose = 1
    with pytest.raises(CardGatewayError):
        take(account, gateway, **kw)
    assert CardCharge.objects.get(idempotency_key=kw.get("idempotency_key", "k-1")).state == "error"


def ledger_cash(account: Account) -> int:
    return Entry.objects.filter(account=account).aggregate(cash=Sum("cash_minor"))["cash"] or 0


class TestChargesWhoseAnswerWasLost:
    def test_the_lost_charge_is_posted_once_and_a_second_sweep_changes_nothing(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        lost_charge(account, gateway)

        first = sweep(gateway)
        after_first = books()
        second = sweep(gateway, now=LATER + timedelta(minutes=20))

        assert counts(first) == nothing(charges_checked=1, charges_completed=1)
        assert counts(second) == nothing()
        assert books() == after_first
        assert len(gateway.charges) == 1  # the sweep looked up; it never charged
        assert gateway.lookups == ["k-1"]
        payment = Payment.objects.get()
        reference = gateway.fake.charges["k-1"][1].reference
        assert (payment.reference, payment.method, payment.amount_minor, payment.applied_minor,
                payment.received_on) == (reference, "card", 5_000, 5_000, TODAY)  # fmt: skip
        account.refresh_from_db()
        assert (account.balance_minor, account.principal_minor) == (95_000, 95_000)
        assert ledger_cash(account) == 5_000
        charge = CardCharge.objects.get()
        assert (charge.state, charge.payment_id, charge.gateway_reference, charge.completed_at) == (
            "succeeded", payment.pk, reference, LATER,
        )  # fmt: skip
        posted = AuditEvent.objects.get(event="payment.posted")
        assert (posted.actor_label, posted.account_id, posted.details["card_charge"]) == (
            "sweep", account.pk, charge.pk,
        )  # fmt: skip
        swept = AuditEvent.objects.get(event="card.swept")
        assert (swept.details["charges_completed"], swept.at) == (1, LATER)

    def test_the_same_key_asked_after_the_sweep_answers_what_the_sweep_posted(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        lost_charge(account, gateway)
        sweep(gateway)
        before = books()

        again = take(account, gateway)

        assert again.duplicate
        assert (again.payment_id, again.applied_minor) == (Payment.objects.get().pk, 5_000)
        assert (books(), len(gateway.charges)) == (before, 1)

    def test_a_process_that_died_after_charging_leaves_it_pending_and_the_sweep_posts_it(
        self,
    ) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = DiesAfterCharging()
        with pytest.raises(ProcessDied):
            take(account, gateway)
        assert (CardCharge.objects.get().state, Payment.objects.count()) == ("pending", 0)

        report = sweep(gateway)
        sweep(gateway, now=LATER + timedelta(hours=1))

        assert counts(report) == nothing(charges_checked=1, charges_completed=1)
        assert Payment.objects.count() == 1
        account.refresh_from_db()
        assert (account.balance_minor, ledger_cash(account)) == (95_000, 5_000)

    def test_posted_a_day_late_it_is_received_the_day_the_card_was_charged(self) -> None:
        """Interest-bearing twins: one answered at once, one swept the next day; the books of
        both say the same, to the cent."""
        client = make_client(interest=True)
        prompt = make_account(client, principal=100_000, rate_ppm=120_000)
        late = make_account(client, principal=100_000, rate_ppm=120_000)
        take(prompt, SpyGateway(), idempotency_key="k-prompt")
        gateway = SpyGateway()
        lost_charge(late, gateway, idempotency_key="k-late")

        report = sweep(gateway, now=NOW + timedelta(days=1))

        assert report.charges_completed == 1
        shape = ("kind", "effective_on", "principal_minor", "interest_minor", "cash_minor")
        entries = [list(Entry.objects.filter(account=a).exclude(kind="placement")
                        .order_by("id").values_list(*shape)) for a in (prompt, late)]  # fmt: skip
        assert entries[0] == entries[1]
        assert [e[:2] for e in entries[0]] == [("interest", TODAY), ("payment", TODAY)]
        prompt.refresh_from_db()
        late.refresh_from_db()
        assert (late.balance_minor, late.interest_minor, late.last_payment_date) == (
            prompt.balance_minor, prompt.interest_minor, TODAY,
        )  # fmt: skip
        assert Payment.objects.get(account=late).received_on == TODAY

    def test_a_lost_decline_is_recorded_as_declined_and_posts_nothing(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        lost_charge(account, gateway, token="pm_card_chargeDeclinedInsufficientFunds")
        before = books()

        report = sweep(gateway)

        assert counts(report) == nothing(charges_checked=1, charges_declined=1)
        charge = CardCharge.objects.get()
        assert (charge.state, charge.code, charge.decline_code, charge.payment_id) == (
            "declined", "card_declined", "insufficient_funds", None,
        )  # fmt: skip
        assert books()[:3] == before[:3]
        assert AuditEvent.objects.filter(event="card.declined").count() == 1
        assert counts(sweep(gateway, now=LATER + timedelta(hours=1))) == nothing()


class TestChargesTheGatewayNeverSaw:
    def setup_unsent(self, account: Account) -> SpyGateway:
        """The request never reached the gateway: nothing was charged, the attempt is error."""
        gateway = SpyGateway()
        gateway.fake.reachable = False
        with pytest.raises(CardGatewayError):
            take(account, gateway)
        gateway.fake.reachable = True
        return gateway

    def test_no_record_marks_it_not_found_charges_nothing_and_is_not_asked_again(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = self.setup_unsent(account)
        before = books()

        report = sweep(gateway)
        again = sweep(gateway, now=LATER + timedelta(hours=1))

        assert counts(report) == nothing(charges_checked=1, charges_unknown=1)
        assert counts(again) == nothing()
        assert gateway.lookups == ["k-1"]
        charge = CardCharge.objects.get()
        assert (charge.state, charge.code, charge.payment_id, charge.completed_at) == (
            "not_found", "not_found", None, LATER,
        )  # fmt: skip
        entries, payments, accounts, _ = books()
        assert (entries, payments, accounts) == before[:3]
        event = AuditEvent.objects.get(event="card.not_found")
        assert (event.account_id, event.details["charge"], event.details["key"]) == (
            account.pk, charge.pk, "k-1",
        )  # fmt: skip

    def test_its_key_may_go_again_and_then_charges_and_posts_once(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = self.setup_unsent(account)
        sweep(gateway)

        done = take(account, gateway, now=LATER + timedelta(minutes=5))

        assert (done.duplicate, done.applied_minor) == (False, 5_000)
        assert [r.idempotency_key for r in gateway.charges] == ["k-1", "k-1"]
        charge = CardCharge.objects.get()
        assert (charge.state, charge.payment_id, charge.asked_at) == (
            "succeeded", done.payment_id, LATER + timedelta(minutes=5),
        )  # fmt: skip
        account.refresh_from_db()
        assert (account.balance_minor, Payment.objects.count()) == (95_000, 1)

    def test_its_key_going_again_is_checked_like_a_new_charge(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = self.setup_unsent(account)
        sweep(gateway)
        account_recall(account_id=account.pk, on=TODAY, reason="client recall", actor=ACTOR,
                       now=LATER)  # fmt: skip
        before = books()

        with pytest.raises(PaymentRefused, match="recalled"):
            take(account, gateway, now=LATER + timedelta(minutes=5))

        assert books() == before
        assert len(gateway.charges) == 1
        charge = CardCharge.objects.get()
        assert (charge.state, charge.asked_at) == ("not_found", NOW)

    def test_no_record_is_believed_only_once_the_gateways_look_up_has_caught_up(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = self.setup_unsent(account)
        gateway.lookup_lag = timedelta(hours=1)
        before = books()

        early = sweep(gateway, now=NOW + timedelta(minutes=59))
        assert counts(early) == nothing(charges_checked=1, charges_waiting=1)
        assert books() == before
        late = sweep(gateway, now=NOW + timedelta(minutes=60))
        assert counts(late) == nothing(charges_checked=1, charges_unknown=1)


class TestWhatTheSweepLeavesAlone:
    def test_an_unreachable_gateway_leaves_the_attempt_exactly_as_it_was(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        lost_charge(account, gateway)
        row = CardCharge.objects.values().get()
        before = books()
        gateway.fake.reachable = False

        report = sweep(gateway)

        assert counts(report) == nothing(charges_checked=1, unreachable=1)
        assert CardCharge.objects.values().get() == row
        assert books() == before
        assert not AuditEvent.objects.filter(event__in=["card.swept", "card.not_found"]).exists()
        gateway.fake.reachable = True  # back: the next sweep posts it
        assert sweep(gateway).charges_completed == 1

    def test_a_look_up_that_raises_is_no_answer_never_a_crash(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        lost_charge(account, gateway)
        gateway._lookup_answers = [RuntimeError("socket closed")]

        report = sweep(gateway)

        assert counts(report) == nothing(charges_checked=1, unreachable=1)
        assert CardCharge.objects.get().state == "error"

    def test_an_attempt_asked_more_recently_than_the_threshold_is_not_looked_up(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        lost_charge(account, gateway)

        report = sweep(gateway, now=NOW + timedelta(minutes=14))

        assert counts(report) == nothing()
        assert gateway.lookups == []
        assert sweep(gateway, now=NOW + timedelta(minutes=5), older_than=timedelta(minutes=5))\
            .charges_completed == 1  # fmt: skip

    def test_an_attempt_sent_to_another_gateway_is_counted_and_left(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        lost_charge(account, gateway)
        CardCharge.objects.update(gateway="stripe")

        report = sweep(gateway)

        assert counts(report) == nothing(other_gateway=1)
        assert (CardCharge.objects.get().state, gateway.lookups) == ("error", [])

    def test_a_negative_age_is_refused_and_nothing_is_looked_up(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        lost_charge(account, gateway)
        before = books()

        with pytest.raises(ServiceError) as refused:
            sweep(gateway, older_than=timedelta(minutes=-1))

        assert refused.value.field == "older_than"
        assert (books(), gateway.lookups) == (before, [])


class TestRefunds:
    def card_payment(self, account: Account, gateway: SpyGateway) -> Payment:
        done = take(account, gateway, amount=20_000, idempotency_key="k-pay")
        return Payment.objects.get(pk=done.payment_id)

    def refund(self, payment: Payment, gateway: SpyGateway, amount: int = 2_000,
               key: str = "r-1"):  # type: ignore[no-untyped-def]  # fmt: skip
        return payment_refund(payment_id=payment.pk, amount_minor=amount, reason="paid twice",
                              actor=ACTOR, now=NOW, idempotency_key=key, gateway=gateway)  # fmt: skip

    def test_a_refund_given_back_whose_answer_was_lost_is_booked_once(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        payment = self.card_payment(account, gateway)
        gateway.fake.answers_to_lose = 1
        with pytest.raises(CardGatewayError):
            self.refund(payment, gateway)
        assert PaymentRefund.objects.get().state == "error"

        first = sweep(gateway)
        after_first = books()
        second = sweep(gateway, now=LATER + timedelta(hours=1))

        assert counts(first) == nothing(refunds_checked=1, refunds_completed=1)
        assert counts(second) == nothing()
        assert books() == after_first
        assert len(gateway.refunds) == 1
        refund = PaymentRefund.objects.get()
        assert (refund.state, refund.gateway_reference, refund.refunded_on) == (
            "succeeded", gateway.fake.refunds["r-1"][1].reference, TODAY,
        )  # fmt: skip
        account.refresh_from_db()
        assert (account.balance_minor, ledger_cash(account)) == (82_000, 18_000)
        payment.refresh_from_db()
        assert payment.refunded_minor == 2_000
        assert AuditEvent.objects.filter(event="payment.refunded").count() == 1

    def test_a_refund_the_gateway_never_saw_is_not_found_and_holds_up_no_other(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        payment = self.card_payment(account, gateway)
        gateway.fake.reachable = False
        with pytest.raises(CardGatewayError):
            self.refund(payment, gateway)
        gateway.fake.reachable = True
        before = books()

        report = sweep(gateway)

        assert counts(report) == nothing(refunds_checked=1, refunds_unknown=1)
        assert books() == before
        assert (PaymentRefund.objects.get().state,
                AuditEvent.objects.filter(event="payment.refund_not_found").count()) == (
            "not_found", 1,
        )  # fmt: skip
        other = self.refund(payment, gateway, amount=1_500, key="r-2")
        assert other.amount_minor == 1_500
        account.refresh_from_db()
        assert account.balance_minor == 81_500

    def test_a_refund_found_refused_is_recorded_failed_and_books_nothing(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        payment = self.card_payment(account, gateway)
        gateway.fake.reachable = False
        with pytest.raises(CardGatewayError):
            self.refund(payment, gateway)
        gateway.fake.reachable = True
        gateway._lookup_answers = [RefundResult(RefundStatus.FAILED, "re_x", 2_000,
                                                code="expired_or_canceled_card")]  # fmt: skip
        before = books()

        report = sweep(gateway)

        assert counts(report) == nothing(refunds_checked=1, refunds_failed=1)
        assert books() == before
        refund = PaymentRefund.objects.get()
        assert (refund.state, refund.code, refund.gateway_reference) == (
            "failed", "expired_or_canceled_card", "re_x",
        )  # fmt: skip

    def test_a_refund_the_books_still_refuse_stays_in_doubt_and_is_not_rewritten(self) -> None:
        account = make_account(make_client(), principal=100_000)
        gateway = SpyGateway()
        payment = self.card_payment(account, gateway)
        gateway.fake.answers_to_lose = 1
        with pytest.raises(CardGatewayError):
            self.refund(payment, gateway)
        Payment.objects.filter(pk=payment.pk).update(returned_on=TODAY)  # came back meanwhile

        first = sweep(gateway)
        row = PaymentRefund.objects.values().get()
        events = AuditEvent.objects.count()
        second = sweep(gateway, now=LATER + timedelta(hours=1))

        assert counts(first) == nothing(refunds_checked=1, refunds_in_doubt=1)
        assert counts(second) == nothing(refunds_checked=1, refunds_in_doubt=1)
        assert row["state"] == "error"
        assert row["message"] == (
            f"given back at the gateway, not booked: payment {payment.reference} came back "
            "meanwhile"
        )
        assert (PaymentRefund.objects.values().get(), AuditEvent.objects.count()) == (row, events)


def test_charges_and_refunds_are_swept_together_with_progress() -> None:
    account = make_account(make_client(), principal=100_000)
    gateway = SpyGateway()
    paid = take(account, gateway, amount=20_000, idempotency_key="k-pay")
    lost_charge(account, gateway, idempotency_key="k-lost")
    gateway.fake.answers_to_lose = 1
    with pytest.raises(CardGatewayError):
        payment_refund(payment_id=paid.payment_id, amount_minor=1_000, reason="paid twice",
                       actor=ACTOR, now=NOW, idempotency_key="r-1", gateway=gateway)  # fmt: skip
    seen: list[tuple[int, int | None]] = []

    report = sweep(gateway, progress=lambda done, total: seen.append((done, total)))

    assert counts(report) == nothing(charges_checked=1, charges_completed=1, refunds_checked=1,
                                     refunds_completed=1)  # fmt: skip
    assert seen == [(0, 2), (1, 2), (2, 2)]
    account.refresh_from_db()
    assert (account.balance_minor, Payment.objects.count(), ledger_cash(account)) == (
        100_000 - 20_000 - 5_000 + 1_000, 2, 24_000,
    )  # fmt: skip
    assert report.as_dict()["asked_before"] == (LATER - timedelta(minutes=15)).isoformat()


def test_a_charge_looked_up_as_charged_by_a_queued_answer_is_posted() -> None:
    """The sweep believes the gateway's look-up, whatever the fake itself remembers."""
    account = make_account(make_client(), principal=100_000)
    gateway = SpyGateway()
    gateway.fake.reachable = False
    with pytest.raises(CardGatewayError):
        take(account, gateway)
    gateway._lookup_answers = [ChargeResult(ChargeStatus.SUCCEEDED, "pi_found", 5_000)]

    report = sweep(gateway)

    assert report.charges_completed == 1
    assert Payment.objects.get().reference == "pi_found"
