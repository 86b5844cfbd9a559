"""Giving money back from a payment: all of it or part, never more than is left.

A refund takes first from the payment's money still waiting as unapplied cash (it owes the
account nothing), then from what it applied: ``core.ledger`` refunds each application of the
payment, newest first, restoring the buckets in reverse waterfall order (each gets back at
most what the payment took from it, less earlier refunds), so the consumer owes again what the
money had paid. Interest is brought up to the refund day first and bears on restored principal
from that day (a refund is money given back now, unlike a return, ADR 19).

A card payment taken through the gateway is refunded through the gateway first, with the
refund's idempotency key: a refusal or an outage there books nothing. Its convenience fee is
given back only with the rest of the payment (the last refund): the fee entry is then reversed.
A payment taken any other way (check, cash, a card through a processor's file) is given back by
hand outside Arrears, and the refund records it.

A gateway refund left without an answer is looked up by the card sweep (``services.payments.
sweep``) and booked through ``refund_finish``, the same step 3 as one answered at once; one the
gateway has no record of (``not_found``) gave nothing back: it no longer holds up other refunds
of the payment, and asked again with its key it is checked again like a new one.

Refused with nothing changed: an amount of zero or less or more than is left, a returned
payment, applied money on a closed or recalled account, a key used for another refund, a refund
of the same payment under way.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from arrears.core.cards import RefundRequest, RefundResult, RefundStatus, idempotency_key_problem
from arrears.core.ledger import Balances, EntryKind, Ledger, LedgerError
from arrears.core.money.text import format_minor
from arrears.core.ports import PaymentGateway
from arrears.data.accounts.models import Account, AccountStatus
from arrears.data.ledger.models import Entry
from arrears.data.payments.models import (
    CardCharge,
    ChargeState,
    Payment,
    PaymentRefund,
    RefundState,
)
from arrears.services.common import Actor, NotFound, ServiceError, audit_record, card_gateway
from arrears.services.ledger.operations import (
    CLOSED_STATUSES,
    LedgerRefused,
    _append,
    _bring_interest_to,
    _close_segment,
    _lock,
    account_ledger,
)
from arrears.services.payments.cards import CardGatewayError, IdempotencyKeyTaken

log = logging.getLogger(__name__)
MAX_REASON = 200


class RefundRefused(LedgerRefused):
    code = "refund_refused"


class RefundFailed(ServiceError):
    """The gateway refused the refund: nothing was given back or booked."""

    code = "refund_failed"


@dataclass(frozen=True)
class Refunded:
    """What one refund did."""

    refund_id: int
    payment_id: int
    account_id: int | None
    amount_minor: int
    from_unapplied_minor: int
    from_applied_minor: int
    fee_minor: int  # the card convenience fee given back with it (in amount_minor)
    entry_ids: tuple[int, ...]  # the refund entries, and the fee's reversal
    gateway_reference: str  # the gateway's refund (re_...); '' when given back by hand
    balances: Balances | None  # the account's, when the refund touched it
    duplicate: bool = False


def payment_refund(
    *,
    payment_id: int,
    amount_minor: int,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
    idempotency_key: str | None = None,
    gateway: PaymentGateway | None = None,
) -> Refunded:
    """Give back ``amount_minor`` of a payment (see the module's rules). With the same
    ``idempotency_key`` a refund is done once: asking again answers with what it did."""
    now = now or timezone.now()
    if isinstance(amount_minor, bool) or amount_minor <= 0:
        raise RefundRefused("a refund must be more than zero", field="amount")
    reason = " ".join(reason.split())
    if not reason:
        raise RefundRefused("say why the money is given back", field="reason")
    if len(reason) > MAX_REASON:
        raise RefundRefused(f"the reason is at most {MAX_REASON} characters", field="reason")
    if idempotency_key is not None and (problem := idempotency_key_problem(idempotency_key)):
        raise RefundRefused(problem, field="idempotency_key")
    key = idempotency_key or f"refund-{payment_id}-{uuid.uuid4().hex[:16]}"
    started = _start(payment_id, amount_minor, reason, key, gateway, actor=actor, now=now)
    if isinstance(started, Refunded):
        return started
    refund, charge, gateway = started
    result = _ask(gateway, refund, charge)
    outcome = refund_finish(refund_id=refund.pk, result=result, actor=actor, now=now)
    if isinstance(outcome, ServiceError):
        raise outcome
    return outcome


# -- step 1: check, and record (or book, when no gateway is involved) ----------------------


def _start(
    payment_id: int,
    amount: int,
    reason: str,
    key: str,
    gateway: PaymentGateway | None,
    *,
    actor: Actor,
    now: datetime,
) -> Refunded | tuple[PaymentRefund, CardCharge, PaymentGateway]:
    try:
        with transaction.atomic():
            found = PaymentRefund.objects.select_for_update().filter(idempotency_key=key).first()
            if found is not None:
                return _again(found, payment_id, amount, gateway, now=now)
            payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
            if payment is None:
                raise NotFound(f"no payment {payment_id}", field="payment_id")
            _check(payment, amount)
            charge = CardCharge.objects.filter(payment=payment, state=ChargeState.SUCCEEDED).first()
            if charge is not None:
                gateway = gateway or card_gateway()
                if gateway.name != charge.gateway:
                    raise RefundRefused(
                        f"payment {payment.reference} was taken through the {charge.gateway} "
                        f"gateway; the {gateway.name} gateway cannot give it back",
                        field="payment_id",
                    )
            refund = PaymentRefund.objects.create(
                idempotency_key=key, payment=payment, amount_minor=amount,
                currency=payment.currency, reason=reason, state=RefundState.PENDING,
                gateway=charge.gateway if charge is not None else "", created_at=now,
                asked_at=now if charge is not None else None, created_by_id=actor.user_id,
                actor_label=actor.label[:120],
            )  # fmt: skip
            if charge is None:  # given back by hand: book it now, in this transaction
                return _book(refund, payment, actor=actor, now=now)
            assert gateway is not None
            return refund, charge, gateway
    except IntegrityError as exc:
        raise IdempotencyKeyTaken(
            f"a refund with idempotency key {key} is under way", field="idempotency_key"
        ) from exc


def _again(
    found: PaymentRefund,
    payment_id: int,
    amount: int,
    gateway: PaymentGateway | None,
    *,
    now: datetime,
) -> Refunded | tuple[PaymentRefund, CardCharge, PaymentGateway]:
    """A key seen before (its row locked): done or refused answers as before; one without an
    answer is asked again; one the gateway had no record of is checked again as new first."""
    if (found.payment_id, found.amount_minor) != (payment_id, amount):
        raise IdempotencyKeyTaken(
            f"idempotency key {found.idempotency_key} was used for another refund (payment "
            f"{found.payment_id}, {format_minor(found.amount_minor, found.currency)})",
            field="idempotency_key",
        )
    if found.state == RefundState.SUCCEEDED:
        return _done(found, duplicate=True)
    if found.state == RefundState.FAILED:
        raise _failure(found)
    charge = CardCharge.objects.get(payment_id=found.payment_id, state=ChargeState.SUCCEEDED)
    fields = ["asked_at"]
    if found.state == RefundState.NOT_FOUND:
        _check(Payment.objects.select_for_update().get(pk=found.payment_id), amount)
        found.state, found.code, found.message = RefundState.PENDING, "", ""
        fields += ["state", "code", "message"]
    found.asked_at = now
    found.save(update_fields=fields)
    return found, charge, gateway or card_gateway()  # no answer yet: ask again, same key


def _check(payment: Payment, amount: int) -> None:
    """Refuse a refund the payment cannot give (the caller holds the payment's lock)."""
    if payment.returned_on is not None:
        raise RefundRefused(
            f"payment {payment.reference} came back on {payment.returned_on.isoformat()}; "
            "nothing of it is left to give back",
            field="payment_id",
        )
    open_one = (
        PaymentRefund.objects.filter(
            payment=payment, state__in=[RefundState.PENDING, RefundState.ERROR]
        )
        .values_list("idempotency_key", flat=True)
        .first()
    )
    if open_one is not None:
        raise RefundRefused(
            f"a refund of payment {payment.reference} is under way (key {open_one}): finish it "
            "with that key first",
            field="payment_id",
        )
    applied_left, fee_left, account = 0, 0, None
    if payment.account_id is not None:
        account = Account.objects.get(pk=payment.account_id)
        applied_left, fee_left = _applied_left(payment, account_ledger(account))
    left = payment.unapplied_minor + applied_left
    currency = payment.currency
    if left <= 0:
        raise RefundRefused(f"payment {payment.reference} has nothing left to give back",
                            field="payment_id")  # fmt: skip
    if amount > left:
        raise RefundRefused(
            f"at most {format_minor(left, currency)} of payment {payment.reference} is left to "
            "give back",
            field="amount",
        )
    from_applied = max(0, amount - payment.unapplied_minor)
    if fee_left and applied_left - fee_left < from_applied < applied_left:
        raise RefundRefused(
            f"the card convenience fee of {format_minor(fee_left, currency)} is given back only "
            f"with all the rest: give back at most {format_minor(left - fee_left, currency)}, "
            f"or all {format_minor(left, currency)}",
            field="amount",
        )
    if from_applied and account is not None and account.status in CLOSED_STATUSES:
        raise RefundRefused(
            f"account #{account.pk} is {account.status}: money applied to it is not given back "
            "through it",
            field="payment_id",
        )


def _applied_left(payment: Payment, ledger: Ledger) -> tuple[int, int]:
    """What the payment's applications can still give back, and the part of it that is its
    convenience fee (not yet given back)."""
    left = sum(ledger.refundable(pk) for pk in _applications(payment))
    fee = _fee_entry(payment)
    fee_left = fee[1] if fee is not None and not ledger.is_reversed(fee[0]) else 0
    return left, fee_left if left else 0


def _applications(payment: Payment) -> list[int]:
    return list(
        Entry.objects.filter(payment=payment, kind=EntryKind.PAYMENT)
        .order_by("-id")
        .values_list("id", flat=True)
    )


def _fee_entry(payment: Payment) -> tuple[int, int] | None:
    return (
        Entry.objects.filter(payment=payment, kind=EntryKind.FEE, source="card")
        .order_by("id")
        .values_list("id", "fees_minor")
        .first()
    )


# -- step 2: the gateway, outside any transaction -------------------------------------------


def _ask(gateway: PaymentGateway, refund: PaymentRefund, charge: CardCharge) -> RefundResult:
    request = RefundRequest(
        reference=charge.gateway_reference, amount_minor=refund.amount_minor,
        currency=refund.currency, idempotency_key=refund.idempotency_key, reason=refund.reason,
    )  # fmt: skip
    try:
        return gateway.refund(request)
    except Exception as exc:  # an adapter must not raise; if one does, there is no answer
        log.exception("card gateway %s raised on refund %s", gateway.name, refund.pk)
        return RefundResult(RefundStatus.ERROR, code="adapter_error", message=type(exc).__name__)


# -- step 3: book what the gateway gave back, or record why nothing was ----------------------


def refund_finish(
    *, refund_id: int, result: RefundResult, actor: Actor, now: datetime
) -> Refunded | ServiceError:
    """Step 3, for an answer just heard or one looked up later (the card sweep): book what the
    gateway gave back, or record why nothing was (returned, to be raised once committed). A
    refund already answered (booked or refused) is answered as it stands, and one given back
    that the books still refuse, for the same reason, is left as it was: nothing is written
    twice."""
    with transaction.atomic():
        refund = PaymentRefund.objects.select_for_update().get(pk=refund_id)
        if refund.state == RefundState.SUCCEEDED:
            return _done(refund, duplicate=True)
        if refund.state == RefundState.FAILED:  # the same key's answer, heard alongside
            return _failure(refund)
        before = (refund.state, refund.gateway_reference, refund.code, refund.message)
        refund.gateway_reference = result.reference[:80] or refund.gateway_reference
        refund.code = result.code[:60]
        refund.message = result.message[:300]
        if result.accepted:
            payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
            try:
                with transaction.atomic():
                    return _book(refund, payment, actor=actor, now=now)
            except ServiceError as exc:
                # Given back at the gateway, but the books refuse it now (the payment came back
                # meanwhile, say): kept in doubt for a person to settle, never booked half.
                log.error("refund %s given back at the gateway but not booked: %s",
                          refund.pk, exc.message)  # fmt: skip
                refund.state = RefundState.ERROR
                refund.message = f"given back at the gateway, not booked: {exc.message}"[:300]
        else:
            refund.state = (
                RefundState.FAILED if result.status == RefundStatus.FAILED else RefundState.ERROR
            )
        if result.accepted and (refund.state, refund.gateway_reference, refund.code,
                                refund.message) == before:  # fmt: skip
            return _failure(refund)  # still not booked, for the same reason: nothing new
        refund.completed_at = now
        refund.save()
        audit_record(
            actor=actor, event=f"payment.refund_{refund.state}", at=now,
            account_id=Payment.objects.filter(pk=refund.payment_id)
            .values_list("account_id", flat=True).first(),
            details={"refund": refund.pk, "payment": refund.payment_id,
                     "amount_minor": refund.amount_minor, "code": refund.code,
                     "message": refund.message, "gateway": refund.gateway},
        )  # fmt: skip
        return _failure(refund)


def _book(refund: PaymentRefund, payment: Payment, *, actor: Actor, now: datetime) -> Refunded:
    """Take the refund off the payment's unapplied money, then off its applications on the
    account (in the caller's transaction, the payment locked)."""
    on = timezone.localdate(now)
    _check_again(refund, payment)
    from_unapplied = min(refund.amount_minor, payment.unapplied_minor)
    from_applied = refund.amount_minor - from_unapplied
    entry_ids: list[int] = []
    balances = None
    fee = 0
    if from_applied:
        assert payment.account_id is not None
        account = _lock(payment.account_id)
        ledger = account_ledger(account)
        applied_left, fee_left = _applied_left(payment, ledger)
        terms = _bring_interest_to(account, ledger, on, actor=actor, now=now)
        before = account.principal_minor
        left = from_applied
        try:
            for entry_id in _applications(payment):
                take = min(left, ledger.refundable(entry_id))
                if take <= 0:
                    continue
                row = _append(
                    account, ledger, ledger.refund(entry_id, take, on), actor=actor, now=now,
                    source="refund", memo=refund.reason, payment_id=payment.pk,
                    idempotency_key=f"refund:{refund.idempotency_key}:{entry_id}",
                )  # fmt: skip
                entry_ids.append(row.pk)
                left -= take
                if not left:
                    break
            fee_entry = _fee_entry(payment)
            if fee_left and from_applied == applied_left and fee_entry is not None:
                fee = fee_left
                row = _append(
                    account, ledger, ledger.reverse(fee_entry[0], on), actor=actor, now=now,
                    source="refund", memo="card convenience fee given back",
                    payment_id=payment.pk, idempotency_key=f"refund:{refund.idempotency_key}:fee",
                )  # fmt: skip
                entry_ids.append(row.pk)
        except LedgerError as exc:
            raise RefundRefused(str(exc), field="payment_id") from exc
        if left:  # less is left than when it was checked (changed while the gateway worked)
            raise RefundRefused(
                f"only {format_minor(from_applied - left, payment.currency)} of what payment "
                f"{payment.reference} applied is left to give back",
                field="amount",
            )
        _close_segment(account, terms, before, on)
        if (
            account.status in (AccountStatus.PAID, AccountStatus.SETTLED)
            and account.balance_minor > 0
        ):
            account.status = AccountStatus.ACTIVE
            account.status_reason = "payment refunded"
            account.status_changed_on = on
        account.save()
        balances = ledger.balances()
    waiting = payment.unapplied_minor - from_unapplied
    Payment.objects.filter(pk=payment.pk).update(
        unapplied_minor=waiting,
        unapplied_reason=payment.unapplied_reason if waiting else "",
        refunded_minor=F("refunded_minor") + refund.amount_minor,
    )
    refund.state = RefundState.SUCCEEDED
    refund.from_unapplied_minor = from_unapplied
    refund.fee_minor = fee
    refund.refunded_on = on
    refund.completed_at = now
    refund.save()
    audit_record(
        actor=actor, event="payment.refunded", account_id=payment.account_id, at=now,
        details={"refund": refund.pk, "payment": payment.pk, "reference": payment.reference,
                 "amount_minor": refund.amount_minor, "from_unapplied_minor": from_unapplied,
                 "from_applied_minor": from_applied, "fee_minor": fee, "entries": entry_ids,
                 "reason": refund.reason, "gateway": refund.gateway,
                 "gateway_reference": refund.gateway_reference},
    )  # fmt: skip
    return Refunded(
        refund.pk, payment.pk, payment.account_id, refund.amount_minor, from_unapplied,
        from_applied, fee, tuple(entry_ids), refund.gateway_reference, balances,
    )  # fmt: skip


def _check_again(refund: PaymentRefund, payment: Payment) -> None:
    """The payment as it is now must still give what was checked before the gateway was asked
    (the refund's own pending row is not a refund 'under way' here)."""
    if payment.returned_on is not None:
        raise RefundRefused(f"payment {payment.reference} came back meanwhile", field="payment_id")


def _done(refund: PaymentRefund, *, duplicate: bool) -> Refunded:
    payment = Payment.objects.get(pk=refund.payment_id)
    entry_ids = tuple(
        Entry.objects.filter(idempotency_key__startswith=f"refund:{refund.idempotency_key}:")
        .order_by("id")
        .values_list("id", flat=True)
    )
    return Refunded(
        refund.pk, payment.pk, payment.account_id, refund.amount_minor,
        refund.from_unapplied_minor, refund.amount_minor - refund.from_unapplied_minor,
        refund.fee_minor, entry_ids, refund.gateway_reference, None, duplicate=duplicate,
    )  # fmt: skip


def _failure(refund: PaymentRefund) -> ServiceError:
    if refund.state == RefundState.FAILED:
        return RefundFailed(
            f"the gateway refused the refund: {refund.message or refund.code or 'no reason given'}"
            "; nothing was given back",
            field="payment_id",
        )
    return CardGatewayError(
        f"the refund is in doubt ({refund.message or refund.code}): nothing was booked. Ask "
        f"again with idempotency key {refund.idempotency_key}; it is given back at most once",
        field="idempotency_key",
    )


__all__ = ["RefundFailed", "RefundRefused", "Refunded", "payment_refund", "refund_finish"]
