"""Money received through the API: a payment posted to an account, a payment the bank sent
back (a bounced check, an ACH return), and unapplied cash (the list, the accounts each payment
may belong to, applying it).

Registered on the API by ``routes`` (imported at its end). Amounts are decimal text, never a
float; a refusal is a 4xx naming the field and nothing is recorded."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from arrears.core.formats.ach_returns import return_reason
from arrears.core.ledger import Balances
from arrears.data.accounts.models import Account
from arrears.data.payments.models import Payment
from arrears.data.users.models import User
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
from arrears.services.payments.posting import Applied, payment_post
from arrears.services.payments.returns import NSF, payment_return
from arrears.services.payments.unapplied import (
    COLLECTOR_METHODS,
    UnappliedCash,
    may_apply_unapplied,
    may_post_payment,
    unapplied_apply,
    unapplied_get,
    unapplied_list,
    unapplied_suggestions,
)

MAX_LIST = 1000
MAX_SUGGESTIONS = 20


class ReferenceTaken(ServiceError):
    """The reference names a payment already recorded on another account (a 409)."""

    code = "reference_exists"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class PaymentIn(Schema):
    amount: str = Field(description='Decimal text, more than zero, e.g. "125.00".')
    received_on: date = Field(description="The day the money was received; not in the future.")
    method: str = Field(description="cash, check, money_order, card, ach or wire")
    reference: str | None = Field(
        None, max_length=80, description="The gateway's, bank's or receipt's reference; sending "
        "it again posts nothing. One is made up when omitted.",
    )  # fmt: skip
    consumer_directed: bool = Field(
        False, description="The consumer directs payment of a disputed debt."
    )
    payer_name: str = Field("", max_length=120)
    memo: str = Field("", max_length=200)


class PaymentOut(Schema):
    payment_id: int
    reference: str
    account_id: int | None
    applied: str
    unapplied: str
    unapplied_reason: str = Field(description='"" when all was applied; "overpaid" when more '
                                  "was paid than owed.")  # fmt: skip
    duplicate: bool = Field(description="The reference was posted before: nothing was posted "
                            "now and this is what the first posting did.")  # fmt: skip
    balances: BalancesOut


def _balances_out(balances: Balances, currency: str) -> dict[str, str]:
    return {
        "principal": _amount(balances.principal, currency),
        "interest": _amount(balances.interest, currency),
        "fees": _amount(balances.fees, currency),
        "costs": _amount(balances.costs, currency),
        "total": _amount(balances.total, currency),
    }


def _account_figures(account_id: int) -> tuple[Balances, str]:
    """The account's cached figures: after a posting, what it left; after a repeated
    reference, what they are now (nothing was posted)."""
    p, i, f, c, currency = (
        Account.objects.filter(pk=account_id)
        .values_list("principal_minor", "interest_minor", "fees_minor", "costs_minor", "currency")
        .get()
    )
    return Balances(principal=p, interest=i, fees=f, costs=c), currency


def _payment_out(done: Applied) -> dict[str, Any]:
    assert done.account_id is not None
    balances, currency = _account_figures(done.account_id)
    reference = Payment.objects.filter(pk=done.payment_id).values_list("reference", flat=True).get()
    return {
        "payment_id": done.payment_id, "reference": reference, "account_id": done.account_id,
        "applied": _amount(done.applied_minor, currency),
        "unapplied": _amount(done.unapplied_minor, currency),
        "unapplied_reason": done.reason, "duplicate": done.duplicate,
        "balances": _balances_out(balances, currency),
    }  # fmt: skip


@accounts.post("/{account_id}/payments", response={200: PaymentOut, 201: PaymentOut,
                                                   400: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                                                   409: ErrorOut})  # fmt: skip
def post_payment(request: HttpRequest, account_id: int, payload: PaymentIn) -> Status[Any]:
    """Post a payment received for this account, through its client's waterfall. 201 when
    posted; 200 when the reference was posted before (nothing is posted again). More than is
    owed pays the balance and the rest waits as unapplied cash. Refused (400, nothing
    recorded): a closed or recalled account, one that owes nothing, a disputed debt unless the
    consumer directs the payment. Accountants, supervisors and administrators take any method;
    collectors take card and ACH payments on the accounts they may see."""
    user = _user(request)
    if not may_post_payment(user, payload.method):
        allowed = " and ".join(COLLECTOR_METHODS)
        raise PermissionDeniedError(
            f"collectors take {allowed} payments only"
            if may_post_payment(user)
            else "this needs one of the roles: accountant, supervisor, admin"
        )
    amount = _minor(payload.amount, "amount")
    if payload.received_on > timezone.localdate():
        raise ServiceError("received_on is in the future", field="received_on")
    reference = payload.reference.strip() if payload.reference is not None else None
    done = payment_post(
        account_id=account_id, amount_minor=amount, received_on=payload.received_on,
        source=payload.method, actor=_actor(request), reference=reference,
        consumer_directed=payload.consumer_directed, payer_name=payload.payer_name,
        memo=payload.memo,
    )  # fmt: skip
    if done.duplicate and done.account_id != account_id:
        raise ReferenceTaken(f"reference {reference} is a payment to another account",
                             field="reference")  # fmt: skip
    return Status(200 if done.duplicate else 201, _payment_out(done))


# --- unapplied cash ------------------------------------------------------------------------------

payments = Router(tags=["payments"])


def _require_money(request: HttpRequest) -> None:
    if not may_apply_unapplied(_user(request)):
        raise PermissionDeniedError("this needs one of the roles: accountant, supervisor, admin")


class UnappliedOut(Schema):
    id: int
    reference: str
    method: str
    received_on: date
    amount: str
    applied: str
    unapplied: str
    currency: str
    reason: str = Field(description="no_match, ambiguous, disputed, nothing_owed, overpaid or "
                        "closed")  # fmt: skip
    reason_text: str
    account_id: int | None = Field(description="The account it went to, if any.")
    account_hint: str = Field(description="The account reference as the payer wrote it.")
    client_hint: str
    payer_name: str
    memo: str


def _unapplied_out(c: UnappliedCash) -> dict[str, Any]:
    return {
        "id": c.id, "reference": c.reference, "method": c.method, "received_on": c.received_on,
        "amount": _amount(c.amount_minor, c.currency),
        "applied": _amount(c.applied_minor, c.currency),
        "unapplied": _amount(c.unapplied_minor, c.currency), "currency": c.currency,
        "reason": c.reason, "reason_text": c.reason_text, "account_id": c.account_id,
        "account_hint": c.account_hint, "client_hint": c.client_hint,
        "payer_name": c.payer_name, "memo": c.memo,
    }  # fmt: skip


@payments.get("/unapplied", response={200: list[UnappliedOut], 400: ErrorOut, 403: ErrorOut})
def get_unapplied(request: HttpRequest, limit: int = 100) -> Status[Any]:
    """Payments with money not applied to any account, oldest received first."""
    _require_money(request)
    if not 1 <= limit <= MAX_LIST:
        raise ServiceError(f"limit must be between 1 and {MAX_LIST}", field="limit")
    return Status(200, [_unapplied_out(c) for c in unapplied_list(limit=limit)])


class SuggestionOut(Schema):
    account_id: int
    client: str
    client_ref: str
    name: str = Field(description="The primary debtor's name.")
    status: str
    balance: str
    currency: str
    disputed: bool = Field(description="A dispute hold is open: applying needs "
                           "consumer_directed.")  # fmt: skip
    reasons: list[str]
    score: int = Field(description="The weight of the reasons; more reasons rank first.")


@payments.get(
    "/unapplied/{payment_id}/suggestions",
    response={200: list[SuggestionOut], 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def get_unapplied_suggestions(request: HttpRequest, payment_id: int, limit: int = 5) -> Status[Any]:
    """Accounts this money may belong to, best first, each with its reasons: the reference
    (exact, two characters swapped, one more or less), an open promise of the same amount, the
    payer's name, the consumer's other debts."""
    _require_money(request)
    if not 1 <= limit <= MAX_SUGGESTIONS:
        raise ServiceError(f"limit must be between 1 and {MAX_SUGGESTIONS}", field="limit")
    unapplied_get(payment_id)
    found = unapplied_suggestions(payment_id, limit=limit, today=timezone.localdate())
    return Status(200, [
        {"account_id": s.account_id, "client": s.client_code, "client_ref": s.client_ref,
         "name": s.party_name, "status": s.status, "balance": _amount(s.balance_minor, s.currency),
         "currency": s.currency, "disputed": s.disputed, "reasons": s.reasons, "score": s.score}
        for s in found
    ])  # fmt: skip


class ApplyIn(Schema):
    account_id: int
    amount: str | None = Field(None, description="Decimal text; the whole unapplied amount when "
                               "omitted.")  # fmt: skip
    consumer_directed: bool = Field(False, description="The consumer directs payment of a "
                                    "disputed debt.")  # fmt: skip


class AppliedOut(Schema):
    payment_id: int
    account_id: int
    applied: str = Field(description="What this application applied.")
    unapplied: str = Field(description="What is still unapplied on the payment.")
    unapplied_reason: str
    balances: BalancesOut


@payments.post("/unapplied/{payment_id}/apply", response={200: AppliedOut, 400: ErrorOut,
                                                          403: ErrorOut, 404: ErrorOut})  # fmt: skip
def post_unapplied_apply(request: HttpRequest, payment_id: int, payload: ApplyIn) -> Status[Any]:
    """Apply the payment's unapplied money (all, or ``amount`` of it) to an account, with the
    refusals of a payment posted by hand; what the account does not take stays unapplied."""
    _require_money(request)
    amount = _minor(payload.amount, "amount") if payload.amount is not None else None
    done = unapplied_apply(
        payment_id=payment_id, account_id=payload.account_id, actor=_actor(request),
        amount_minor=amount, consumer_directed=payload.consumer_directed,
    )  # fmt: skip
    assert done.account_id is not None and done.balances is not None
    _, currency = _account_figures(done.account_id)
    return Status(200, {
        "payment_id": done.payment_id, "account_id": done.account_id,
        "applied": _amount(done.applied_minor, currency),
        "unapplied": _amount(done.unapplied_minor, currency),
        "unapplied_reason": done.reason, "balances": _balances_out(done.balances, currency),
    })  # fmt: skip


# --- a payment that came back --------------------------------------------------------------------

RETURN_CODE = re.compile(r"NSF|R\d\d")
NSF_REASON = "check returned unpaid: insufficient funds"  # as the web says it


class ReturnIn(Schema):
    returned_on: date = Field(description="The day the bank sent it back; not in the future, not "
                              "before the payment was received.")  # fmt: skip
    code: str = Field(description='"NSF" for a bounced check, or the ACH return '
                      'code, e.g. "R01".')  # fmt: skip
    reason: str = Field("", max_length=120, description="Why, in words; the code's meaning when "
                        "empty.")  # fmt: skip
    charge_fee: bool = Field(False, description="Charge the client's returned-payment fee, if its "
                             "terms have one.")  # fmt: skip


class ReturnedOut(Schema):
    payment_id: int
    reference: str
    account_id: int | None
    reversed: str = Field(description="What was taken back off the account's buckets.")
    fee: str = Field(description="The returned-payment fee charged; 0.00 when none.")
    entry_id: int | None = Field(description="The reversing ledger entry; null when nothing had "
                                 "been applied, or on a repeat.")  # fmt: skip
    duplicate: bool = Field(description="The payment was recorded returned before: nothing was "
                            "done now (reversed and fee are 0.00).")  # fmt: skip
    balances: BalancesOut | None = Field(description="The account's balances now; null for a "
                                         "payment on no account.")  # fmt: skip


@payments.post("/{payment_id}/return", response={200: ReturnedOut, 400: ErrorOut, 403: ErrorOut,
                                                 404: ErrorOut})  # fmt: skip
def post_payment_return(request: HttpRequest, payment_id: int, payload: ReturnIn) -> Status[Any]:
    """Record that the bank sent a payment back. What it applied is reversed, with interest
    counted as if it had never been paid; what waited as unapplied cash is cleared; with
    ``charge_fee`` the client's returned-payment fee is charged. A payment returned before is
    left alone (200, ``duplicate``). Refused (400, nothing changed): a code that is neither NSF
    nor an R-code, a date in the future or before the payment was received. Accountants,
    supervisors and administrators only."""
    _require_money(request)
    code = payload.code.strip().upper()
    if not RETURN_CODE.fullmatch(code):
        raise ServiceError("code must be NSF or an ACH return code such as R01", field="code")
    if payload.returned_on > timezone.localdate():
        raise ServiceError("returned_on is in the future", field="returned_on")
    reason = payload.reason.strip() or (NSF_REASON if code == NSF else
                                        return_reason(code).description)  # fmt: skip
    done = payment_return(
        payment_id=payment_id, returned_on=payload.returned_on, code=code, reason=reason,
        actor=_actor(request), charge_fee=payload.charge_fee,
    )  # fmt: skip
    reference, currency = (
        Payment.objects.filter(pk=done.payment_id).values_list("reference", "currency").get()
    )
    balances = None
    if done.account_id is not None:
        figures, currency = _account_figures(done.account_id)
        balances = _balances_out(figures, currency)
    return Status(200, {
        "payment_id": done.payment_id, "reference": reference, "account_id": done.account_id,
        "reversed": _amount(done.reversed_minor, currency),
        "fee": _amount(done.fee_minor, currency), "entry_id": done.entry_id,
        "duplicate": done.duplicate, "balances": balances,
    })  # fmt: skip


api.add_router("/payments", payments)
