"""Card payments and refunds through the API: a card payment taken on an account by the
gateway's token, and money given back from any payment.

Registered on the API by ``routes`` (imported at its end). Amounts are decimal text, never a
float; a refusal is a 4xx naming the field and nothing is charged or recorded. A declined card
is 402; a gateway that gives no answer to trust is 502 (ask again with the same key)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from arrears.data.payments.models import Payment
from arrears.interfaces.api.payments import (
    _account_figures,
    _balances_out,
    _require_money,
    _user,
)
from arrears.interfaces.api.routes import (
    BalancesOut,
    ErrorOut,
    PermissionDeniedError,
    _actor,
    _amount,
    _minor,
    accounts,
    api,
)
from arrears.services.common import ServiceError
from arrears.services.payments.cards import (
    CardDeclined,
    CardGatewayError,
    card_payment_take,
)
from arrears.services.payments.refunds import payment_refund
from arrears.services.payments.unapplied import may_post_payment


def _error(exc: ServiceError) -> dict[str, Any]:
    return {"detail": exc.message, "field": exc.field, "code": exc.code}


class CardPaymentIn(Schema):
    amount: str = Field(description='For the debt: decimal text, more than zero, at most what is '
                        'owed, e.g. "125.00".')  # fmt: skip
    token: str = Field(max_length=120, description="The gateway's token for the card (a Stripe "
                       "PaymentMethod id, pm_...). Never a card number.")  # fmt: skip
    idempotency_key: str = Field(max_length=80, description="Yours, one per payment: sending it "
                                 "again never charges or posts twice.")  # fmt: skip
    convenience_fee: str = Field("0.00", description="A fee for paying by card, charged with the "
                                 "payment only where the packs and the client's terms allow "
                                 "it.")  # fmt: skip
    consumer_directed: bool = Field(
        False, description="The consumer directs payment of a disputed debt."
    )
    payer_name: str = Field("", max_length=120)


class CardPaymentOut(Schema):
    payment_id: int
    reference: str = Field(description="The gateway's reference for the payment.")
    account_id: int
    charged: str = Field(description="What the card was charged: amount and fee.")
    amount: str
    convenience_fee: str
    applied: str
    unapplied: str
    unapplied_reason: str
    duplicate: bool = Field(description="The key was used before: nothing was charged or posted "
                            "now, and this is what the first request did.")  # fmt: skip
    balances: BalancesOut


@accounts.post("/{account_id}/card-payments", response={200: CardPaymentOut,
               201: CardPaymentOut, 400: ErrorOut, 402: ErrorOut, 403: ErrorOut, 404: ErrorOut,
               409: ErrorOut, 502: ErrorOut})  # fmt: skip
def post_card_payment(request: HttpRequest, account_id: int, payload: CardPaymentIn) -> Status[Any]:
    """Charge the card the gateway's token names and post the payment to this account. 201 when
    charged; 200 when the key was used before (nothing is charged again). Refused with nothing
    charged (400): more than is owed, a closed or recalled account, one owing nothing, a
    disputed debt unless the consumer directs it, a token that is not one, a convenience fee
    the packs or the client's terms do not allow (field ``convenience_fee``, naming the rule and
    the packs' version). 402: the card was declined. 409: the key names another charge. 502: no
    answer to trust from the gateway. Collectors on the accounts they may see, and those who
    handle money."""
    if not may_post_payment(_user(request), "card"):
        raise PermissionDeniedError("this needs one of the roles: collector, accountant, "
                                    "supervisor, admin")  # fmt: skip
    amount = _minor(payload.amount, "amount")
    fee = _minor(payload.convenience_fee, "convenience_fee")
    try:
        done = card_payment_take(
            account_id=account_id, amount_minor=amount, token=payload.token.strip(),
            idempotency_key=payload.idempotency_key, actor=_actor(request),
            convenience_fee_minor=fee, consumer_directed=payload.consumer_directed,
            payer_name=payload.payer_name,
        )  # fmt: skip
    except CardDeclined as exc:
        return Status(402, _error(exc))
    except CardGatewayError as exc:
        return Status(502, _error(exc))
    balances, currency = _account_figures(done.account_id)
    return Status(200 if done.duplicate else 201, {
        "payment_id": done.payment_id, "reference": done.reference, "account_id": done.account_id,
        "charged": _amount(done.amount_minor + done.fee_minor, currency),
        "amount": _amount(done.amount_minor, currency),
        "convenience_fee": _amount(done.fee_minor, currency),
        "applied": _amount(done.applied_minor, currency),
        "unapplied": _amount(done.unapplied_minor, currency),
        "unapplied_reason": done.reason, "duplicate": done.duplicate,
        "balances": _balances_out(balances, currency),
    })  # fmt: skip


# --- money given back --------------------------------------------------------------------------

refunds = Router(tags=["payments"])


class RefundIn(Schema):
    amount: str = Field(description='Decimal text, more than zero, at most what is left of the '
                        'payment, e.g. "12.34".')  # fmt: skip
    reason: str = Field(max_length=200, description="Why the money is given back.")
    idempotency_key: str | None = Field(None, max_length=80, description="Sending it again "
                                        "never gives back twice; one is made up when "
                                        "omitted.")  # fmt: skip


class RefundOut(Schema):
    refund_id: int
    payment_id: int
    reference: str
    account_id: int | None
    amount: str
    from_unapplied: str = Field(description="Taken from the payment's unapplied cash.")
    from_applied: str = Field(description="Taken back off the account's buckets.")
    convenience_fee: str = Field(description="The card convenience fee given back with it.")
    gateway_reference: str = Field(description="The gateway's refund; empty when the money "
                                   "is given back by hand (a check, a transfer).")  # fmt: skip
    entry_ids: list[int]
    duplicate: bool
    balances: BalancesOut | None = Field(description="The account's balances now; null for a "
                                         "payment on no account.")  # fmt: skip


@refunds.post("/{payment_id}/refund", response={200: RefundOut, 201: RefundOut, 400: ErrorOut,
              403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 502: ErrorOut})  # fmt: skip
def post_payment_refund(request: HttpRequest, payment_id: int, payload: RefundIn) -> Status[Any]:
    """Give back part or all of a payment: first what waits as unapplied cash, then what it
    applied (the account owes that again). A card payment taken through the gateway is refunded
    there first; its convenience fee goes back only with the rest. 201 when done; 200 when the
    key was used before. Refused with nothing changed (400): more than is left, a returned
    payment, applied money on a closed account, a refund of it under way, a refusal by the
    gateway. 502: no answer to trust from the gateway. Accountants, supervisors and
    administrators only."""
    _require_money(request)
    amount = _minor(payload.amount, "amount")
    try:
        done = payment_refund(
            payment_id=payment_id, amount_minor=amount, reason=payload.reason,
            actor=_actor(request), idempotency_key=payload.idempotency_key,
        )  # fmt: skip
    except CardGatewayError as exc:
        return Status(502, _error(exc))
    reference, currency = (
        Payment.objects.filter(pk=done.payment_id).values_list("reference", "currency").get()
    )
    balances = None
    if done.account_id is not None:
        figures, currency = _account_figures(done.account_id)
        balances = _balances_out(figures, currency)
    return Status(200 if done.duplicate else 201, {
        "refund_id": done.refund_id, "payment_id": done.payment_id, "reference": reference,
        "account_id": done.account_id, "amount": _amount(done.amount_minor, currency),
        "from_unapplied": _amount(done.from_unapplied_minor, currency),
        "from_applied": _amount(done.from_applied_minor, currency),
        "convenience_fee": _amount(done.fee_minor, currency),
        "gateway_reference": done.gateway_reference, "entry_ids": list(done.entry_ids),
        "duplicate": done.duplicate, "balances": balances,
    })  # fmt: skip


api.add_router("/payments", refunds)
