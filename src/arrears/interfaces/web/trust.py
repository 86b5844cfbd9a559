"""Trust accounting on the web: a month's remittance statements, each with its documents and,
while it is issued, a form to record it paid to its client; and the month's trust
reconciliation.

Who may: accountants, supervisors and administrators see the statements, download their
documents and see the reconciliation (the money roles); accountants and administrators record
a statement paid (``services.trust.operations``: a supervisor oversees the money but does not
record disbursements). Collectors and compliance officers get 403. A statement of a client the
user is not granted is a 404, the page of one that does not exist, whatever the role.

The documents are rendered on request from the stored statement by the builders ``arrears
remit`` uses (``services.trust.documents``), so they say what the statement says.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from arrears.core.money import format_minor
from arrears.core.trust import month_label, parse_month
from arrears.data.trust.models import Remittance, RemittanceStatus
from arrears.data.users.models import User
from arrears.interfaces.web.access import visible_or_404
from arrears.services.accounts.access import granted_client_ids
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.trust.documents import DOCUMENT_KINDS, remittance_file
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
    trust_reconciliation,
)

FORBIDDEN = "Remittance statements are for accountants, supervisors and administrators."
PAY_FORBIDDEN = "Recording a remittance paid is for accountants and administrators."


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _actor(request: HttpRequest) -> Actor:
    return Actor(label=request.user.get_username(), user_id=request.user.pk)


class PaidForm(forms.Form):
    """The money due went to the client: the day and the check or wire number."""

    paid_on = forms.DateField(label="Paid on", widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(
        max_length=80, label="Check or wire number",
        widget=forms.TextInput(attrs={"size": 14, "placeholder": "e.g. CHK 10422"}),
    )  # fmt: skip


def _paid_form(remittance_id: int, data: Any = None) -> PaidForm:
    return PaidForm(data, auto_id=f"paid-{remittance_id}-%s",
                    initial={"paid_on": timezone.localdate()})  # fmt: skip


def _last_month(today: date) -> date:
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)


def _period(request: HttpRequest, months: list[date]) -> tuple[date, str]:
    """The month asked for (``?period=YYYY-MM``), else the latest with statements, else last
    month; and the problem with what was asked, if any."""
    text = request.GET.get("period", "").strip()
    fallback = months[0] if months else _last_month(timezone.localdate())
    if not text:
        return fallback, ""
    try:
        return parse_month(text), ""
    except ValueError as exc:
        return fallback, str(exc)


def _page(
    request: HttpRequest,
    period: date,
    *,
    opened: tuple[int, PaidForm] | None = None,
    refusal: str = "",
    status: int = 200,
    months: list[date] | None = None,
) -> HttpResponse:
    user = _user(request)
    months = remittance_months(user) if months is None else months
    paying = may_mark_paid(user)
    rows = []
    for r in remittances_of(user, period=period):
        form = None
        if paying and r.status == RemittanceStatus.ISSUED and r.due_to_client_minor > 0:
            form = opened[1] if opened and opened[0] == r.pk else _paid_form(r.pk)
        rows.append({"r": r, "form": form, "owed": max(0, -r.due_to_client_minor)})
    ids = granted_client_ids(user)
    reconciliation = trust_reconciliation(period=period, client_ids=ids)
    return render(request, "web/remittances.html", {
        "period": period, "label": month_label(period), "months": months, "rows": rows,
        "paying": paying, "refusal": refusal, "recon": reconciliation,
        "whole_book": ids is None, "kinds": list(DOCUMENT_KINDS),
    }, status=status)  # fmt: skip


@login_required
@require_GET
def remittance_list(request: HttpRequest) -> HttpResponse:
    """The month's statements (``?period=YYYY-MM``; by default the latest month that has
    statements) and its trust reconciliation."""
    if not may_see_remittances(_user(request)):
        return HttpResponse(FORBIDDEN, status=403)
    months = remittance_months(_user(request))
    period, problem = _period(request, months)
    return _page(request, period, refusal=problem, status=400 if problem else 200, months=months)


@login_required
@require_GET
def remittance_document(request: HttpRequest, remittance_id: int, kind: str) -> HttpResponse:
    """One of the statement's documents: the statement (PDF), the commission invoice (PDF) or
    the lines (XLSX), rendered now from the stored statement."""
    visible_or_404(request, require_remittance_visible, remittance_id)
    if not may_see_remittances(_user(request)):
        return HttpResponse(FORBIDDEN, status=403)
    if kind not in DOCUMENT_KINDS:
        raise Http404("no such document")
    try:
        name, content_type, content = remittance_file(remittance_id, kind)
    except NotFound:
        raise Http404("no such remittance") from None
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def remittance_paid(request: HttpRequest, remittance_id: int) -> HttpResponse:
    """Record the statement paid to its client. A refusal (a day in the future or before the
    statement was issued, no reference, a statement paid before) redraws the month with the
    reason, and nothing changes."""
    visible_or_404(request, require_remittance_visible, remittance_id)
    user = _user(request)
    if not may_mark_paid(user):
        return HttpResponse(PAY_FORBIDDEN, status=403)
    row = Remittance.objects.only("period_start", "number").get(pk=remittance_id)
    form = _paid_form(remittance_id, request.POST)
    if not form.is_valid():
        return _page(request, row.period_start, opened=(remittance_id, form), status=400)
    data = form.cleaned_data
    try:
        done = remittance_mark_paid(
            remittance_id=remittance_id, paid_on=data["paid_on"], reference=data["reference"],
            actor=_actor(request), by=user,
        )  # fmt: skip
    except NotFound:
        raise Http404("no such remittance") from None
    except RemittanceAlreadyPaid as exc:
        return _page(request, row.period_start, refusal=exc.message, status=409)
    except ServiceError as exc:
        if exc.field in form.fields:
            form.add_error(exc.field, exc.message)
            return _page(request, row.period_start, opened=(remittance_id, form), status=400)
        return _page(request, row.period_start, refusal=exc.message, status=400)
    messages.success(
        request,
        f"{done.number} recorded paid: {format_minor(done.due_to_client_minor, done.currency)} "
        f"{done.currency} on {done.paid_on}, reference {done.paid_reference}.",
    )
    return redirect(f"{reverse('remittances')}?period={month_label(done.period_start)}")
