"""Bank debits through the API: an account's ACH authorizations (list, record, revoke) and the
debits scheduled under them (list, schedule, cancel).

Registered on the API by ``routes`` (imported at its end). Whoever may see the account reads
them; whoever takes ACH payments changes them (collectors on the accounts they may see,
accountants, supervisors, administrators); compliance officers get 403. A bank account number
goes in once and never comes out: answers carry its type and last four digits. Amounts are
decimal text in U.S. dollars (ACH moves nothing else), never a float; a refusal is a 4xx naming
the field and nothing is recorded.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from arrears.interfaces.api.routes import (
    ErrorOut,
    PermissionDeniedError,
    _actor,
    _amount,
    _minor,
    accounts,
    api,
    visible_only,
)
from arrears.services.common import NotFound
from arrears.services.payments.origination import (
    ach_authorize,
    ach_revoke,
    payment_schedule,
    scheduled_payment_cancel,
)
from arrears.services.payments.queries import (
    AuthorizationRow,
    DebitRow,
    account_authorizations,
    account_scheduled_debits,
    authorization_on_account,
    authorization_row,
    may_manage_debits,
    require_authorization_visible,
    require_scheduled_visible,
    scheduled_debit_row,
)

ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _require_debits(request: HttpRequest) -> None:
    if not may_manage_debits(request.user):
        raise PermissionDeniedError(
            "this needs one of the roles: collector, accountant, supervisor, admin"
        )


# --- authorizations ----------------------------------------------------------------------------


class AuthorizationIn(Schema):
    routing: str = Field(max_length=20, description="The bank's nine-digit routing number "
                         "(ABA), checked against its check digit.")  # fmt: skip
    account_number: str = Field(max_length=40, description="4 to 17 letters or digits. Kept "
                                "encrypted; never returned (answers give the last four).")  # fmt: skip
    account_type: str = Field(description="checking or savings")
    sec: str = Field(description="How it was given: PPD (signed), WEB (online) or TEL (by "
                     "telephone, recorded or confirmed in writing).")  # fmt: skip
    evidence: str = Field(max_length=2000, description="How the consumer authorized it: the "
                          "recording, form or web session.")  # fmt: skip
    recurring: bool = Field(False, description="More than one debit (a plan needs this).")
    ends_on: date | None = Field(None, description="The day it ends (exclusive); none: until "
                                 "revoked.")  # fmt: skip


class AuthorizationOut(Schema):
    id: int
    account_id: int
    sec: str
    bank_type: str = Field(description="checking or savings")
    account_last4: str = Field(description="The bank account number's last four characters.")
    recurring: bool
    evidence: str
    obtained_at: datetime
    ends_on: date | None
    revoked_at: datetime | None
    revoked_reason: str
    state: str = Field(description="in_force, ended or revoked, today.")


def _authorization_out(r: AuthorizationRow) -> dict[str, Any]:
    return {
        "id": r.id, "account_id": r.account_id, "sec": r.sec, "bank_type": r.bank_type,
        "account_last4": r.last4, "recurring": r.recurring, "evidence": r.evidence,
        "obtained_at": r.obtained_at, "ends_on": r.ends_on, "revoked_at": r.revoked_at,
        "revoked_reason": r.revoked_reason, "state": r.state,
    }  # fmt: skip


@accounts.get("/{account_id}/ach-authorizations",
              response={200: list[AuthorizationOut], 404: ErrorOut})  # fmt: skip
def list_ach_authorizations(request: HttpRequest, account_id: int) -> Status[Any]:
    """The account's authorizations to debit a bank account, newest first."""
    rows = account_authorizations(account_id, on=timezone.localdate())
    return Status(200, [_authorization_out(r) for r in rows])


@accounts.post("/{account_id}/ach-authorizations", response={201: AuthorizationOut, **ERRORS})
def post_ach_authorization(
    request: HttpRequest, account_id: int, payload: AuthorizationIn
) -> Status[Any]:
    """Record the consumer's authorization to debit their bank account, with its evidence.
    Refused (400, nothing kept): a routing number that fails its check digit, an account
    number that is not 4 to 17 letters or digits, a type or SEC code not listed, no evidence,
    a closed or recalled account."""
    _require_debits(request)
    done = ach_authorize(
        account_id=account_id, routing=payload.routing, account_number=payload.account_number,
        account_type=payload.account_type, sec=payload.sec, evidence=payload.evidence,
        recurring=payload.recurring, ends_on=payload.ends_on, actor=_actor(request),
        now=timezone.now(),
    )  # fmt: skip
    return Status(201, _authorization_out(authorization_row(done.pk, on=timezone.localdate())))


class RevokeIn(Schema):
    reason: str = Field(min_length=1, max_length=200, description="What the consumer said.")


class RevokedOut(AuthorizationOut):
    cancelled: int = Field(description="Debits still scheduled under it, now cancelled (0 when "
                           "it was revoked before).")  # fmt: skip


authorizations = Router(tags=["ACH"])
authorizations.add_decorator(visible_only(require_authorization_visible, "authorization_id"))


@authorizations.post("/{authorization_id}/revoke", response={200: RevokedOut, **ERRORS})
def revoke_ach_authorization(
    request: HttpRequest, authorization_id: int, payload: RevokeIn
) -> Status[Any]:
    """End an authorization now; the debits still scheduled under it are cancelled. One
    revoked before is left as it was (``cancelled`` 0)."""
    _require_debits(request)
    cancelled = ach_revoke(authorization_id=authorization_id, reason=payload.reason.strip(),
                           actor=_actor(request), now=timezone.now())  # fmt: skip
    row = authorization_row(authorization_id, on=timezone.localdate())
    return Status(200, {**_authorization_out(row), "cancelled": cancelled})


# --- scheduled debits ------------------------------------------------------------------------


class NoticeOut(Schema):
    needed: bool = Field(description="Post-dated by more than five days: the debit is made "
                         "only after its notice went out 3 to 10 business days before.")  # fmt: skip
    status: str = Field(description='"" (not sent yet), sent or blocked (by the rules).')
    sent_on: date | None
    send_from: date | None = Field(description="The first day it may go out.")
    send_to: date | None = Field(description="The last day it may go out.")


class DebitOut(Schema):
    id: int
    account_id: int
    authorization_id: int
    amount: str
    currency: str
    due_on: date
    status: str = Field(description="scheduled, originated, settled, held, cancelled or returned")
    status_reason: str
    attempt: int
    retry_of: int | None
    trace: str
    bank_type: str
    account_last4: str
    notice: NoticeOut
    arrangement_id: int | None = Field(description="The plan or settlement it pays, if any.")
    arrangement_kind: str
    instalment_seq: int | None
    cancellable: bool = Field(description="Still scheduled and not an open instalment of a "
                              "standing plan (cancel the plan for that).")  # fmt: skip


def _debit_out(d: DebitRow) -> dict[str, Any]:
    window = d.notice.window
    return {
        "id": d.id, "account_id": d.account_id, "authorization_id": d.authorization_id,
        "amount": _amount(d.amount_minor, d.currency), "currency": d.currency,
        "due_on": d.due_on, "status": d.status, "status_reason": d.status_reason,
        "attempt": d.attempt, "retry_of": d.retry_of_id, "trace": d.trace,
        "bank_type": d.bank_type, "account_last4": d.last4,
        "notice": {"needed": d.notice.needed, "status": d.notice.status,
                   "sent_on": d.notice.sent_on, "send_from": window[0] if window else None,
                   "send_to": window[1] if window else None},
        "arrangement_id": d.arrangement_id, "arrangement_kind": d.arrangement_kind,
        "instalment_seq": d.instalment_seq, "cancellable": d.cancellable,
    }  # fmt: skip


@accounts.get("/{account_id}/scheduled-debits", response={200: list[DebitOut], 404: ErrorOut})
def list_scheduled_debits(request: HttpRequest, account_id: int) -> Status[Any]:
    """The account's scheduled debits, latest due first (the latest 200), each with its
    pre-debit notice and the plan or settlement it pays."""
    rows = account_scheduled_debits(account_id, on=timezone.localdate())
    return Status(200, [_debit_out(d) for d in rows])


class DebitIn(Schema):
    authorization_id: int = Field(description="One of this account's authorizations.")
    amount: str = Field(description='Decimal text in U.S. dollars, more than zero, e.g. '
                        '"125.00".')  # fmt: skip
    due_on: date = Field(description="The day to debit; not in the past, before the "
                         "authorization ends.")  # fmt: skip


@accounts.post("/{account_id}/scheduled-debits", response={201: DebitOut, **ERRORS})
def post_scheduled_debit(request: HttpRequest, account_id: int, payload: DebitIn) -> Status[Any]:
    """Schedule a post-dated debit under one of the account's authorizations. Refused (400,
    nothing kept): an amount that is not more than zero or has fractions of a cent, a day in
    the past or on or after the authorization's end, a revoked authorization; 404 for an
    authorization not on this account."""
    _require_debits(request)
    amount_minor = _minor(payload.amount, "amount")
    if not authorization_on_account(payload.authorization_id, account_id):
        raise NotFound(f"no authorization {payload.authorization_id} on account {account_id}",
                       field="authorization_id")  # fmt: skip
    done = payment_schedule(
        authorization_id=payload.authorization_id, amount_minor=amount_minor,
        due_on=payload.due_on, actor=_actor(request), now=timezone.now(),
    )  # fmt: skip
    return Status(201, _debit_out(scheduled_debit_row(done.pk)))


class CancelIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


debits = Router(tags=["ACH"])
debits.add_decorator(visible_only(require_scheduled_visible, "scheduled_id"))


@debits.post("/{scheduled_id}/cancel", response={200: DebitOut, **ERRORS})
def cancel_scheduled_debit(
    request: HttpRequest, scheduled_id: int, payload: CancelIn
) -> Status[Any]:
    """Cancel a debit still scheduled. Refused (400, nothing changed): one already sent, held,
    returned or cancelled, and one that collects an open instalment of a standing plan or
    settlement (cancel the arrangement: its debits go with it)."""
    _require_debits(request)
    scheduled_payment_cancel(scheduled_id=scheduled_id, reason=payload.reason,
                             actor=_actor(request), now=timezone.now())  # fmt: skip
    return Status(200, _debit_out(scheduled_debit_row(scheduled_id)))


api.add_router("/ach-authorizations", authorizations)
api.add_router("/scheduled-debits", debits)
