"""Trust accounting through the API: a month's remittance statements, and recording one paid to
its client.

Registered on the API by ``routes`` (imported at its end). Amounts are decimal text, never a
float. Accountants, supervisors and administrators list statements; accountants and
administrators record one paid (as on the web, ``web/trust.py``). A statement of a client the
caller is not granted is a 404 naming ``remittance_id``, like one that does not exist; a refusal
is a 4xx naming the field, and nothing changes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from arrears.core.trust import month_label, parse_month
from arrears.data.trust.models import Remittance
from arrears.data.users.models import User
from arrears.interfaces.api.routes import (
    ErrorOut,
    PermissionDeniedError,
    _actor,
    _amount,
    api,
    visible_only,
)
from arrears.services.common import ServiceError
from arrears.services.trust.operations import (
    RemittanceAlreadyPaid,
    may_mark_paid,
    may_see_remittances,
    remittance_mark_paid,
)
from arrears.services.trust.queries import (
    remittance_months,
    remittances_of,
    require_remittance_visible,
)

remittances = Router(tags=["trust"])
remittances.add_decorator(visible_only(require_remittance_visible, "remittance_id"))


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class RemittanceOut(Schema):
    id: int
    number: str = Field(description="REM-<client>-<YYYY-MM>; the commission invoice is INV-...")
    client: str
    client_name: str
    period: str = Field(description="The month, YYYY-MM.")
    currency: str
    remit_mode: str = Field(description="net: commission kept; gross: all remitted, commission "
                            "invoiced")  # fmt: skip
    lines: int
    collected: str
    refunds: str
    reversals: str
    net_collected: str = Field(description="collected - refunds - reversals = client share + "
                               "commission")  # fmt: skip
    commission: str = Field(description="Includes the card convenience fees.")
    convenience_fees: str = Field(description="Of the commission: card convenience fees, the "
                                  "agency's in full.")  # fmt: skip
    client_share: str
    due_to_client: str = Field(description="Negative: the client owes it.")
    commission_invoice: str
    status: str = Field(description="issued or paid")
    issued_at: datetime
    paid_on: date | None
    paid_reference: str
    paid_by: str | None = Field(description="Who recorded it paid; null when a command did.")
    paid_at: datetime | None


def _out(r: Remittance) -> dict[str, Any]:
    cur = r.currency
    return {
        "id": r.pk, "number": r.number, "client": r.client.code, "client_name": r.client.name,
        "period": month_label(r.period_start), "currency": cur, "remit_mode": r.remit_mode,
        "lines": r.lines_count, "collected": _amount(r.collected_minor, cur),
        "refunds": _amount(r.refunds_minor, cur), "reversals": _amount(r.reversals_minor, cur),
        "net_collected": _amount(r.net_collected_minor, cur),
        "commission": _amount(r.commission_minor, cur),
        "convenience_fees": _amount(r.fees_minor, cur),
        "client_share": _amount(r.client_share_minor, cur),
        "due_to_client": _amount(r.due_to_client_minor, cur),
        "commission_invoice": _amount(r.commission_invoice_minor, cur), "status": r.status,
        "issued_at": r.created_at, "paid_on": r.paid_on, "paid_reference": r.paid_reference,
        "paid_by": r.paid_by.get_username() if r.paid_by is not None else None,
        "paid_at": r.paid_at,
    }  # fmt: skip


@remittances.get("", response={200: list[RemittanceOut], 400: ErrorOut, 403: ErrorOut})
def get_remittances(request: HttpRequest, period: str | None = None) -> Status[Any]:
    """The month's statements of the clients you may see, by client (``period``: YYYY-MM; by
    default the latest month that has statements)."""
    user = _user(request)
    if not may_see_remittances(user):
        raise PermissionDeniedError("this needs one of the roles: accountant, supervisor, admin")
    if period is None:
        months = remittance_months(user)
        if not months:
            return Status(200, [])
        start = months[0]
    else:
        try:
            start = parse_month(period)
        except ValueError as exc:
            raise ServiceError(str(exc), field="period") from exc
    return Status(200, [_out(r) for r in remittances_of(user, period=start)])


class PaidIn(Schema):
    paid_on: date = Field(description="The day the client was paid: not in the future, not "
                          "before the statement was issued.")  # fmt: skip
    reference: str = Field(description="The check or wire number; required, at most 80 "
                           "characters.")  # fmt: skip


@remittances.post(
    "/{remittance_id}/paid",
    response={200: RemittanceOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
)
def post_remittance_paid(request: HttpRequest, remittance_id: int, payload: PaidIn) -> Status[Any]:
    """Record that what the statement says is due to the client was paid to it. The statement
    goes from issued to paid. Refused (400, nothing changed): a day in the future or before the
    statement was issued (``paid_on``), no reference (``reference``), a statement with nothing
    due to the client. A statement paid before: 409, nothing changed. Accountants and
    administrators only."""
    user = _user(request)
    if not may_mark_paid(user):
        raise PermissionDeniedError("this needs one of the roles: accountant, admin")
    try:
        row = remittance_mark_paid(
            remittance_id=remittance_id, paid_on=payload.paid_on, reference=payload.reference,
            actor=_actor(request), by=user,
        )  # fmt: skip
    except RemittanceAlreadyPaid as exc:
        return Status(409, {"detail": exc.message, "field": exc.field, "code": exc.code})
    return Status(200, _out(row))


api.add_router("/remittances", remittances)
