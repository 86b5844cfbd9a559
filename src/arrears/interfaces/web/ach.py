"""Bank debits on the web: the account screen's "Bank debits" card (the consumer's ACH
authorizations and the debits scheduled under them, each with its pre-debit notice and the plan
it pays) and its forms: record an authorization, revoke one, schedule a debit, cancel one.

Who may: whoever takes ACH payments changes them (collectors on the accounts they may see,
accountants, supervisors, administrators: ``services.payments.queries.may_manage_debits``);
compliance officers see the card and change nothing (403). An account the user may not see is a
404, as everywhere. A refusal redraws the screen with the reason on the form (recording,
scheduling) or comes back to the card with it (revoking, cancelling); nothing is changed.

A bank account number is taken once and never drawn again: the field is a password box that is
not refilled when the form comes back with an error, and the card shows type and last four.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from arrears.core.money import Money, format_minor
from arrears.data.payments.models import SecCode
from arrears.interfaces.web.access import account_view_or_404
from arrears.services.accounts.queries import AccountView
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.payments.origination import (
    ach_authorize,
    ach_revoke,
    payment_schedule,
    scheduled_payment_cancel,
)
from arrears.services.payments.queries import (
    ACH_CURRENCY,
    AuthorizationRow,
    authorization_on_account,
    authorization_row,
    bank_debits,
    may_manage_debits,
    scheduled_on_account,
)

FORBIDDEN = "Bank debits are arranged by collectors, accountants, supervisors and administrators."
CARD = "#bank-debits-card"
DATE = forms.DateInput(attrs={"type": "date"})


def _actor(request: HttpRequest) -> Actor:
    return Actor(label=request.user.get_username(), user_id=request.user.pk)


def _back(account_id: int) -> HttpResponse:
    return redirect(reverse("account-page", args=[account_id]) + CARD)


class AuthorizationForm(forms.Form):
    """The consumer's authorization to debit their bank account, and how it was given."""

    prefix = "ach"
    routing = forms.CharField(
        label="Routing number", max_length=9,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 10}),
    )  # fmt: skip
    # Never drawn again: a form sent back with an error asks for the number once more.
    account_number = forms.CharField(
        label="Account number", max_length=17,
        widget=forms.PasswordInput(render_value=False,
                                   attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )  # fmt: skip
    account_type = forms.ChoiceField(
        label="Type", choices=[("checking", "Checking"), ("savings", "Savings")]
    )
    sec = forms.ChoiceField(label="How given (SEC)", choices=SecCode.choices)
    recurring = forms.BooleanField(required=False, label="Recurring (more than one debit)")
    ends_on = forms.DateField(required=False, label="Ends on (empty: until revoked)",
                              widget=DATE)  # fmt: skip
    evidence = forms.CharField(
        label="Evidence", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40,
                                     "placeholder": "call recording id, signed form, web session"}),
    )  # fmt: skip


class ScheduleForm(forms.Form):
    """A post-dated debit under one of the account's authorizations."""

    prefix = "debit"
    authorization = forms.TypedChoiceField(label="Authorization", coerce=int)
    amount = forms.DecimalField(
        label="Amount", min_value=Decimal("0.01"), decimal_places=2, max_digits=14,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "125.00",
                                      "size": 10}),
    )  # fmt: skip
    due_on = forms.DateField(label="Debit on", widget=DATE)

    def __init__(self, *args: Any, choices: Iterable[AuthorizationRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authorization"].choices = [(a.id, a.label) for a in choices]  # type: ignore[attr-defined]


AUTHORIZATION_FIELDS = {"routing", "account_number", "account_type", "sec", "evidence",
                        "ends_on"}  # fmt: skip
SCHEDULE_FIELDS = {"authorization_id": "authorization", "amount": "amount", "due_on": "due_on"}


def bank_debits_section(
    request: HttpRequest,
    view: AccountView,
    *,
    authorization_form: AuthorizationForm | None = None,
    schedule_form: ScheduleForm | None = None,
) -> dict[str, Any]:
    """The account screen's "Bank debits" card: its lists (one statement), and for those who
    may change them the forms (``*_form``: one sent back with its errors)."""
    today = timezone.localdate()
    found = bank_debits(view.account.pk, on=today)
    may = may_manage_debits(request.user)
    in_force = [a for a in found.authorizations if a.state == "in_force"]
    return {
        "ach_authorizations": found.authorizations,
        "ach_debits": found.debits,
        "may_debit": may,
        "ach_form": (authorization_form or AuthorizationForm()) if may else None,
        "debit_form": (
            schedule_form
            or ScheduleForm(choices=in_force, initial={"due_on": today})
        ) if may and in_force else None,
    }  # fmt: skip


def _refused(request: HttpRequest, view: AccountView, **forms_: Any) -> HttpResponse:
    from arrears.interfaces.web.views import _page  # the screen is drawn there

    return _page(request, view, bank_debits=bank_debits_section(request, view, **forms_),
                 status=400)  # fmt: skip


@login_required
@require_POST
def authorization_record_view(request: HttpRequest, account_id: int) -> HttpResponse:
    """Record the consumer's authorization to debit their bank account. A refusal (a routing
    number failing its check digit, no evidence, a closed account) redraws the screen with the
    reason on the form; nothing is kept."""
    view = account_view_or_404(request, account_id)
    if not may_manage_debits(request.user):
        return HttpResponse(FORBIDDEN, status=403)
    form = AuthorizationForm(request.POST)
    if not form.is_valid():
        return _refused(request, view, authorization_form=form)
    data = form.cleaned_data
    try:
        done = ach_authorize(
            account_id=account_id, routing=data["routing"],
            account_number=data["account_number"], account_type=data["account_type"],
            sec=data["sec"], evidence=data["evidence"], recurring=data["recurring"],
            ends_on=data["ends_on"], actor=_actor(request), now=timezone.now(),
        )  # fmt: skip
    except ServiceError as exc:
        field = exc.field if exc.field in AUTHORIZATION_FIELDS else None
        form.add_error(field, exc.message)
        return _refused(request, view, authorization_form=form)
    bank = done.bank_account
    messages.success(request, f"Authorization recorded: {done.sec}, {bank.account_type} "
                     f"ending {bank.account_last4}.")  # fmt: skip
    return _back(account_id)


@login_required
@require_POST
def authorization_revoke_view(
    request: HttpRequest, account_id: int, authorization_id: int
) -> HttpResponse:
    """End an authorization now; the debits still scheduled under it are cancelled."""
    account_view_or_404(request, account_id)
    if not may_manage_debits(request.user):
        return HttpResponse(FORBIDDEN, status=403)
    reason = request.POST.get("reason", "").strip()
    if not authorization_on_account(authorization_id, account_id):
        messages.error(request, f"Not revoked: no authorization {authorization_id} on this "
                       "account.")  # fmt: skip
    elif authorization_row(authorization_id, on=timezone.localdate()).state == "revoked":
        messages.info(request, f"Authorization {authorization_id} was revoked before: nothing "
                      "was done.")  # fmt: skip
    elif not reason:
        messages.error(request, "Not revoked: give the reason (what the consumer said).")
    else:
        try:
            cancelled = ach_revoke(authorization_id=authorization_id, reason=reason[:200],
                                   actor=_actor(request), now=timezone.now())  # fmt: skip
        except ServiceError as exc:
            messages.error(request, f"Not revoked: {exc.message}.")
        else:
            text = f"Authorization {authorization_id} revoked"
            if cancelled:
                text += f"; {cancelled} scheduled debit{'s' if cancelled > 1 else ''} cancelled"
            messages.success(request, text + ".")
    return _back(account_id)


@login_required
@require_POST
def debit_schedule_view(request: HttpRequest, account_id: int) -> HttpResponse:
    """Schedule a post-dated debit under one of the account's authorizations. The amount is
    read as exact dollars and cents. A refusal (a day in the past or after the authorization
    ends, a revoked authorization) redraws the screen with the reason on the form."""
    view = account_view_or_404(request, account_id)
    if not may_manage_debits(request.user):
        return HttpResponse(FORBIDDEN, status=403)
    today = timezone.localdate()
    in_force = [a for a in bank_debits(account_id, on=today).authorizations
                if a.state == "in_force"]  # fmt: skip
    form = ScheduleForm(request.POST, choices=in_force)
    if not form.is_valid():
        return _refused(request, view, schedule_form=form)
    data = form.cleaned_data
    authorization_id: int = data["authorization"]
    amount_minor = Money.of(data["amount"], ACH_CURRENCY).minor
    try:
        if not authorization_on_account(authorization_id, account_id):
            raise NotFound(f"no authorization {authorization_id} on this account",
                           field="authorization_id")  # fmt: skip
        done = payment_schedule(
            authorization_id=authorization_id, amount_minor=amount_minor,
            due_on=data["due_on"], actor=_actor(request), now=timezone.now(),
        )  # fmt: skip
    except ServiceError as exc:
        form.add_error(SCHEDULE_FIELDS.get(exc.field or ""), exc.message)
        return _refused(request, view, schedule_form=form)
    messages.success(request, f"Debit of {format_minor(done.amount_minor, ACH_CURRENCY)} "
                     f"scheduled for {done.due_on.isoformat()}.")  # fmt: skip
    return _back(account_id)


@login_required
@require_POST
def debit_cancel_view(request: HttpRequest, account_id: int, scheduled_id: int) -> HttpResponse:
    """Cancel one scheduled debit; one that pays a standing plan's instalment is refused (the
    plan is cancelled instead)."""
    account_view_or_404(request, account_id)
    if not may_manage_debits(request.user):
        return HttpResponse(FORBIDDEN, status=403)
    if not scheduled_on_account(scheduled_id, account_id):
        messages.error(request, f"Not cancelled: no scheduled debit {scheduled_id} on this "
                       "account.")  # fmt: skip
        return _back(account_id)
    try:
        done = scheduled_payment_cancel(scheduled_id=scheduled_id,
                                        reason=request.POST.get("reason", ""),
                                        actor=_actor(request), now=timezone.now())  # fmt: skip
    except ServiceError as exc:
        messages.error(request, f"Not cancelled: {exc.message}.")
    else:
        messages.success(request, f"Debit of {format_minor(done.amount_minor, ACH_CURRENCY)} "
                         f"due {done.due_on.isoformat()} cancelled.")  # fmt: skip
    return _back(account_id)
