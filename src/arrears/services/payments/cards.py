"""Card payments taken through the payment gateway, by token, once per idempotency key.

``card_payment_take`` works in three steps, because the gateway is outside any transaction of
ours (ADR 22):

1. **Check and record.** The account is locked and the payment worked out as one posted by hand
   would be (``posting.plan_or_refuse``: a closed account, a disputed debt the consumer did not
   direct payment of and an account owing nothing are refused), more than is owed is refused,
   and so is a convenience fee the packs or the client's terms do not allow. Then the attempt is
   recorded (``CardCharge``, unique by idempotency key) and committed. A refusal here charges
   nothing and changes nothing.
2. **Charge.** The gateway is asked, with the same idempotency key, outside any transaction.
3. **Post or refuse.** A charge that succeeded is posted as a card payment whose reference is
   the gateway's (through the same poster as every payment); a fee goes on the ledger as a fee
   entry that the payment pays in full (``core.cards.plan_with_fee``). A decline is recorded and
   refused, with nothing posted. No answer to trust leaves the attempt to be asked again.

Asking again with the same key never charges or posts twice: a posted charge answers with what
it posted, a declined one with its decline, and one left without an answer asks the gateway
again with the same key, which answers as it did the first time. One the card sweep found the
gateway has no record of (``not_found``, ``services.payments.sweep``) is checked again like a new
charge before the gateway is asked with its key.

Step 3 is ``card_charge_finish``, and the sweep completes an attempt whose answer was lost
through it too, so a charge found later is posted exactly as one answered at once (as received
on the day the card was charged).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from arrears.core.cards import (
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    idempotency_key_problem,
    plan_with_fee,
    token_problem,
)
from arrears.core.compliance.fees import FeeDecision, FeeTerms, convenience_fee_decision
from arrears.core.ledger import Balances, EntryKind
from arrears.core.money.text import format_minor
from arrears.core.ports import PaymentGateway
from arrears.data.clients.models import Client
from arrears.data.ledger.models import Entry
from arrears.data.payments.models import (
    CardCharge,
    CardFeeTerms,
    ChargeState,
    Payment,
    PaymentMethod,
    UnappliedReason,
)
from arrears.services.common import Actor, NotFound, ServiceError, audit_record, card_gateway
from arrears.services.compliance.snapshots import contact_snapshot, packs_in_force
from arrears.services.payments.posting import (
    Applied,
    PaymentRefused,
    Receipt,
    _Book,
    _payment_row,
    _Poster,
    plan_or_refuse,
)

log = logging.getLogger(__name__)


class CardDeclined(ServiceError):
    """The card's issuer or the gateway said no: nothing was charged or posted."""

    code = "card_declined"


class CardInvalid(ServiceError):
    """The gateway refused the request as it stood (an unknown token): nothing was charged."""

    code = "card_invalid"


class CardGatewayError(ServiceError):
    """No answer to trust from the gateway: nothing was posted; ask again with the same key."""

    code = "gateway_error"


class ConvenienceFeeRefused(ServiceError):
    code = "fee_refused"


class IdempotencyKeyTaken(ServiceError):
    """The key names another charge or refund (a 409)."""

    code = "idempotency_key_exists"


@dataclass(frozen=True)
class CardPayment:
    """What taking one card payment did."""

    charge_id: int
    payment_id: int
    reference: str  # the gateway's
    account_id: int
    amount_minor: int  # for the debt
    fee_minor: int  # the convenience fee charged with it
    applied_minor: int  # fee included
    unapplied_minor: int
    reason: str  # why money waits unapplied; '' when none does
    entry_id: int | None  # the payment entry
    fee_entry_id: int | None
    balances: Balances | None  # None on a repeat: nothing was posted now
    duplicate: bool = False


# -- the client's terms and the packs ------------------------------------------------------


def card_fee_terms_set(
    *,
    client_code: str,
    convenience_fee_minor: int,
    agreement_clause: str,
    actor: Actor,
    now: datetime | None = None,
) -> CardFeeTerms:
    """Record what the client's agreements authorize as a convenience fee for paying by card (0:
    none). An authorized fee needs the clause that authorizes it."""
    now = now or timezone.now()
    if isinstance(convenience_fee_minor, bool) or convenience_fee_minor < 0:
        raise ServiceError("the fee is 0 or more", field="convenience_fee")
    clause = agreement_clause.strip()
    if convenience_fee_minor and not clause:
        raise ServiceError(
            "name the clause of the agreement that authorizes the fee", field="agreement_clause"
        )
    if len(clause) > 200:
        raise ServiceError("the clause is at most 200 characters", field="agreement_clause")
    with transaction.atomic():
        client = Client.objects.filter(code=client_code).first()
        if client is None:
            raise NotFound(f"no client {client_code}", field="client_code")
        terms, _ = CardFeeTerms.objects.update_or_create(
            client=client,
            defaults={"convenience_fee_minor": convenience_fee_minor, "agreement_clause": clause,
                      "updated_at": now, "actor_label": actor.label[:120]},
        )  # fmt: skip
        audit_record(
            actor=actor, event="client.card_fee_terms", at=now,
            details={"client": client.code, "convenience_fee_minor": convenience_fee_minor,
                     "agreement_clause": clause},
        )  # fmt: skip
        return terms


def convenience_fee_check(
    *, account_id: int, fee_minor: int, at: datetime, currency: str = "USD"
) -> FeeDecision:
    """Whether this account's consumer may be charged a convenience fee of ``fee_minor`` now:
    the packs in force where the consumer is (as the contact rules see it) and the client's
    terms, each refusal with its rule and the packs' version."""
    snapshot = contact_snapshot(account_id, at=at)
    if snapshot is None:
        raise NotFound(f"no account {account_id}", field="account_id")
    client = Client.objects.filter(accounts__pk=account_id).values_list("pk", "code").first()
    assert client is not None
    row = CardFeeTerms.objects.filter(client_id=client[0]).first()
    terms = FeeTerms(
        client_code=client[1],
        authorized_minor=row.convenience_fee_minor if row is not None else 0,
        clause=row.agreement_clause if row is not None else "",
    )
    return convenience_fee_decision(
        packs_in_force(), jurisdictions=snapshot.jurisdictions,
        collector=snapshot.collector_kind, on=timezone.localdate(at), fee_minor=fee_minor,
        terms=terms, currency=currency,
    )  # fmt: skip


# -- taking a payment ----------------------------------------------------------------------


def card_payment_take(
    *,
    account_id: int,
    amount_minor: int,
    token: str,
    idempotency_key: str,
    actor: Actor,
    now: datetime | None = None,
    convenience_fee_minor: int = 0,
    consumer_directed: bool = False,
    payer_name: str = "",
    gateway: PaymentGateway | None = None,
) -> CardPayment:
    """Charge ``amount_minor`` (and a convenience fee, where allowed) to the card the gateway's
    ``token`` names, and post it to the account.

    Refused with nothing charged: an amount of zero or less or more than is owed, a token that
    is not one (a card number above all), a closed or recalled account, one owing nothing, a
    disputed debt unless the consumer directs the payment, a fee the packs or the client's terms
    do not allow (field ``convenience_fee``), a key already used for another charge. A decline
    raises ``CardDeclined`` with the gateway's words and posts nothing.
    """
    now = now or timezone.now()
    for problem, field in ((idempotency_key_problem(idempotency_key), "idempotency_key"),
                           (token_problem(token), "token")):  # fmt: skip
        if problem:
            raise ServiceError(problem, field=field)
    if isinstance(amount_minor, bool) or amount_minor <= 0:
        raise PaymentRefused("a payment must be more than zero", field="amount")
    if isinstance(convenience_fee_minor, bool) or convenience_fee_minor < 0:
        raise ConvenienceFeeRefused("a fee cannot be negative", field="convenience_fee")
    gateway = gateway or card_gateway()
    asked = _Ask(account_id, amount_minor, convenience_fee_minor, token, idempotency_key,
                 consumer_directed, payer_name.strip()[:120])  # fmt: skip
    started = _start(asked, gateway, actor=actor, now=now)
    if isinstance(started, CardPayment):
        return started
    result = _charge(gateway, started)
    outcome = card_charge_finish(charge_id=started.pk, result=result, actor=actor, now=now)
    if isinstance(outcome, ServiceError):
        raise outcome
    return outcome


@dataclass(frozen=True)
class _Ask:
    account_id: int
    amount_minor: int
    fee_minor: int
    token: str
    key: str
    consumer_directed: bool
    payer_name: str


def _start(
    asked: _Ask, gateway: PaymentGateway, *, actor: Actor, now: datetime
) -> CardCharge | CardPayment:
    """Step 1: the recorded attempt to ask the gateway about, or what a repeated key did."""
    try:
        with transaction.atomic():
            found = CardCharge.objects.select_for_update().filter(idempotency_key=asked.key).first()
            if found is not None:
                return _again(found, asked, gateway, actor=actor, now=now)
            currency, pack_version = _check(asked, actor=actor, now=now)
            return CardCharge.objects.create(
                idempotency_key=asked.key, account_id=asked.account_id, token=asked.token,
                amount_minor=asked.amount_minor, fee_minor=asked.fee_minor, currency=currency,
                consumer_directed=asked.consumer_directed, payer_name=asked.payer_name,
                state=ChargeState.PENDING, gateway=gateway.name, fee_pack_version=pack_version,
                created_at=now, asked_at=now, created_by_id=actor.user_id,
                actor_label=actor.label[:120],
            )  # fmt: skip
    except IntegrityError as exc:  # the same key, recorded by a request running alongside
        raise IdempotencyKeyTaken(
            f"a charge with idempotency key {asked.key} is under way", field="idempotency_key"
        ) from exc


def _check(asked: _Ask, *, actor: Actor, now: datetime) -> tuple[str, str]:
    """Refuse a charge that may not be taken now (the account locked for the rest of the
    caller's transaction); else the account's currency and the packs that allowed the fee."""
    today = timezone.localdate(now)
    poster = _Poster(actor=actor, now=now, today=today)
    book = poster.lock([asked.account_id]).get(asked.account_id)
    if book is None:
        raise NotFound(f"no account {asked.account_id}", field="account_id")
    _check_payable(poster, book, asked, today)
    if not asked.fee_minor:
        return book.currency, ""
    decision = convenience_fee_check(account_id=book.id, fee_minor=asked.fee_minor, at=now,
                                     currency=book.currency)  # fmt: skip
    if not decision.allowed:
        raise ConvenienceFeeRefused(
            f"no convenience fee may be charged here: {decision.explain()}; "
            f"packs {decision.pack_version}",
            field="convenience_fee",
        )
    return book.currency, decision.pack_version


def _check_payable(poster: _Poster, book: _Book, asked: _Ask, today: date) -> None:
    receipt = Receipt(reference="card", amount_minor=asked.amount_minor, received_on=today,
                      method=PaymentMethod.CARD, consumer_directed=asked.consumer_directed)  # fmt: skip
    plan = plan_or_refuse(poster, book, receipt)
    if plan.unapplied_minor:
        raise PaymentRefused(
            f"a card is charged at most what is owed today, {format_minor(plan.applied_minor, book.currency)}",
            field="amount",
        )


def _again(
    found: CardCharge, asked: _Ask, gateway: PaymentGateway, *, actor: Actor, now: datetime
) -> CardCharge | CardPayment:
    """A key seen before (its row locked): the same request answers as before; another is
    refused. One without an answer is asked again; one the gateway had no record of is checked
    again as a new charge first (the account may have changed since)."""
    same = (found.account_id, found.amount_minor, found.fee_minor, found.token) == (
        asked.account_id, asked.amount_minor, asked.fee_minor, asked.token,
    )  # fmt: skip
    if not same:
        raise IdempotencyKeyTaken(
            f"idempotency key {asked.key} was used for another charge (account #{found.account_id}, "
            f"{format_minor(found.amount_minor, found.currency)})",
            field="idempotency_key",
        )
    if found.state == ChargeState.SUCCEEDED:
        return _posted(found, duplicate=True)
    if found.state in (ChargeState.DECLINED, ChargeState.INVALID):
        raise _refusal(found)
    if found.gateway != gateway.name:
        raise CardGatewayError(
            f"idempotency key {asked.key} was sent to the {found.gateway} gateway; only it can "
            "say what became of it",
            field="idempotency_key",
        )
    fields = ["asked_at"]
    if found.state == ChargeState.NOT_FOUND:
        _currency, found.fee_pack_version = _check(asked, actor=actor, now=now)
        found.state, found.code, found.decline_code, found.message = ChargeState.PENDING, "", "", ""
        fields += ["state", "code", "decline_code", "message", "fee_pack_version"]
    found.asked_at = now
    found.save(update_fields=fields)
    return found  # no answer yet: ask the gateway again, with the same key


def _charge(gateway: PaymentGateway, charge: CardCharge) -> ChargeResult:
    """Step 2, outside any transaction."""
    request = ChargeRequest(
        token=charge.token, amount_minor=charge.amount_minor + charge.fee_minor,
        currency=charge.currency, idempotency_key=charge.idempotency_key,
        description=f"Account #{charge.account_id}",
        metadata=(("account_id", str(charge.account_id)), ("card_charge", str(charge.pk))),
    )  # fmt: skip
    try:
        return gateway.charge(request)
    except Exception as exc:  # an adapter must not raise; if one does, there is no answer
        log.exception("card gateway %s raised on charge %s", gateway.name, charge.pk)
        return ChargeResult(ChargeStatus.ERROR, code="adapter_error", message=type(exc).__name__)


_STATE = {
    ChargeStatus.DECLINED: ChargeState.DECLINED,
    ChargeStatus.INVALID: ChargeState.INVALID,
    ChargeStatus.ERROR: ChargeState.ERROR,
}


def card_charge_finish(
    *,
    charge_id: int,
    result: ChargeResult,
    actor: Actor,
    now: datetime,
    received_on: date | None = None,
) -> CardPayment | ServiceError:
    """Step 3, for an answer just heard or one looked up later (the card sweep): post what was
    charged, or record why nothing was (returned, to be raised once the record is committed).

    A charge is posted as received on ``received_on`` (default: the day of ``now``); the sweep
    gives the day the gateway was asked, when the card was charged. A charge already answered
    (posted, declined or refused: a request or a sweep alongside got there first) is answered
    as it stands, and nothing is written twice."""
    with transaction.atomic():
        charge = CardCharge.objects.select_for_update().get(pk=charge_id)
        if charge.state == ChargeState.SUCCEEDED:  # a request alongside finished it
            return _posted(charge, duplicate=True)
        if charge.state in (ChargeState.DECLINED, ChargeState.INVALID):  # the same key's answer
            return _refusal(charge)
        charge.gateway_reference = result.reference[:80] or charge.gateway_reference
        charge.code = result.code[:60]
        charge.decline_code = result.decline_code[:60]
        charge.message = result.message[:300]
        charge.completed_at = now
        if not result.succeeded:
            charge.state = _STATE[result.status]
            charge.save()
            audit_record(
                actor=actor, event=f"card.{charge.state}", account_id=charge.account_id, at=now,
                details={"charge": charge.pk, "amount_minor": charge.amount_minor,
                         "fee_minor": charge.fee_minor, "code": charge.code,
                         "decline_code": charge.decline_code, "gateway": charge.gateway,
                         "reference": charge.gateway_reference},
            )  # fmt: skip
            return _refusal(charge)
        applied, fee_entry = _post(charge, charge.gateway_reference, actor=actor, now=now,
                                   received_on=received_on or timezone.localdate(now))  # fmt: skip
        charge.state = ChargeState.SUCCEEDED
        charge.payment_id = applied.payment_id
        charge.save()
        audit_record(
            actor=actor, event="payment.posted", account_id=charge.account_id, at=now,
            details={"payment": applied.payment_id, "entry": applied.entry_id,
                     "amount_minor": charge.amount_minor + charge.fee_minor,
                     "unapplied_minor": applied.unapplied_minor, "source": "card",
                     "reference": charge.gateway_reference, "card_charge": charge.pk,
                     "convenience_fee_minor": charge.fee_minor, "fee_entry": fee_entry,
                     "fee_pack_version": charge.fee_pack_version},
        )  # fmt: skip
        return CardPayment(
            charge.pk, applied.payment_id, charge.gateway_reference, charge.account_id,
            charge.amount_minor, charge.fee_minor, applied.applied_minor,
            applied.unapplied_minor, applied.reason, applied.entry_id, fee_entry,
            applied.balances,
        )  # fmt: skip


def _post(
    charge: CardCharge, reference: str, *, actor: Actor, now: datetime, received_on: date
) -> tuple[Applied, int | None]:
    """The charged money as a card payment received on ``received_on``, through the poster
    every payment goes through (one received before today's interest gives interest back).

    If the account can no longer take it (closed, disputed or paid since it was checked), the
    money, fee and all, waits as unapplied cash with the reason: it was taken, so it is never
    dropped."""
    today = timezone.localdate(now)
    fee = charge.fee_minor
    receipt = Receipt(
        reference=reference, amount_minor=charge.amount_minor + fee, received_on=received_on,
        method=PaymentMethod.CARD, account_hint=f"#{charge.account_id}",
        payer_name=charge.payer_name, memo=f"card payment, key {charge.idempotency_key}"[:200],
        consumer_directed=charge.consumer_directed,
    )  # fmt: skip
    poster = _Poster(actor=actor, now=now, today=today)
    book = poster.lock([charge.account_id])[charge.account_id]
    (payment_id,) = poster.payment_writer.reserve_ids(1)
    reason = poster.refusal(book, receipt)
    plan = None if reason else poster.plan(book, replace(receipt, amount_minor=charge.amount_minor))
    if plan is None:
        reason = reason or UnappliedReason.NOTHING_OWED
        poster.payment_writer.write([_payment_row(
            poster, payment_id, receipt, book.id, 0, receipt.amount_minor, reason, None
        )])  # fmt: skip
        return Applied(payment_id, book.id, 0, receipt.amount_minor, reason, None,
                       book.balances), None  # fmt: skip
    full = plan_with_fee(plan, fee)
    ids = poster.entry_writer.reserve_ids(poster.entries_needed(full) + (1 if fee else 0))
    entries: list[tuple[object, ...]] = []
    fee_entry = None
    if fee:
        fee_entry = ids.pop(0)
        entries.append((
            fee_entry, book.id, EntryKind.FEE, received_on, now, book.currency, 0, 0, fee, 0, 0,
            payment_id, f"card-fee:{reference}", "card", "card convenience fee", actor.user_id,
        ))  # fmt: skip
    poster.advance(book, full, received_on)
    entry_id = poster.entry_rows(book, full, receipt, payment_id, ids, entries)
    leftover = full.unapplied_minor
    reason = UnappliedReason.OVERPAID if leftover else ""
    poster.payment_writer.write([_payment_row(
        poster, payment_id, receipt, book.id, full.applied_minor, leftover, reason, None
    )])  # fmt: skip
    poster.entry_writer.write(entries)
    poster.save_books([book])
    return Applied(payment_id, book.id, full.applied_minor, leftover, reason, entry_id,
                   book.balances), fee_entry  # fmt: skip


def _posted(charge: CardCharge, *, duplicate: bool) -> CardPayment:
    assert charge.payment_id is not None, "a charge that succeeded names its payment"
    payment = Payment.objects.get(pk=charge.payment_id)
    entries = dict(
        Entry.objects.filter(payment=payment, kind__in=[EntryKind.PAYMENT, EntryKind.FEE])
        .order_by("-id")
        .values_list("kind", "id")
    )  # the first of each kind, as the loop keeps the last pair it sees
    return CardPayment(
        charge.pk, payment.pk, payment.reference, charge.account_id, charge.amount_minor,
        charge.fee_minor, payment.applied_minor, payment.unapplied_minor,
        payment.unapplied_reason, entries.get(EntryKind.PAYMENT), entries.get(EntryKind.FEE),
        None, duplicate=duplicate,
    )  # fmt: skip


def _refusal(charge: CardCharge) -> ServiceError:
    why = charge.decline_code or charge.code
    if charge.state == ChargeState.DECLINED:
        return CardDeclined(
            f"the card was declined: {charge.message or 'no reason given'} ({why}); nothing was "
            "charged or posted",
            field="token",
        )
    if charge.state == ChargeState.INVALID:
        return CardInvalid(
            f"the gateway refused the card: {charge.message or 'no reason given'} ({why}); "
            "nothing was charged",
            field="token",
        )
    return CardGatewayError(
        f"the card gateway gave no answer to trust ({charge.message or why}); nothing was "
        "posted. Ask again with the same idempotency key: the card is charged at most once",
        field="idempotency_key",
    )


__all__ = [
    "CardDeclined",
    "CardGatewayError",
    "CardInvalid",
    "CardPayment",
    "ConvenienceFeeRefused",
    "IdempotencyKeyTaken",
    "card_charge_finish",
    "card_fee_terms_set",
    "card_payment_take",
    "convenience_fee_check",
]
