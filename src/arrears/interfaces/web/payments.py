"""Money on the web: posting a payment from the account screen, the account's payments with a
"Returned…" form each (a bounced check, an ACH return) and a "Refund…" form (money given back),
and the unapplied-cash screen (payments whose money no account took, each with the accounts it
may belong to).

Who may: accountants, supervisors and administrators post any payment, record one returned,
refund one and apply unapplied cash; a collector takes card and ACH payments on the accounts they may see
(``services.payments.unapplied.may_post_payment``)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from arrears.core.formats import payments as layout
from arrears.core.formats.ach_returns import return_reason
from arrears.core.money import Money, format_minor
from arrears.data.accounts.models import HoldKind
from arrears.data.payments.models import Payment, PaymentMethod
from arrears.data.users.models import User
from arrears.interfaces.web.access import account_view_or_404
from arrears.services.accounts.queries import AccountView
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.payments.cards import CardGatewayError
from arrears.services.payments.posting import payment_post
from arrears.services.payments.refunds import payment_refund
from arrears.services.payments.returns import NSF, payment_return
from arrears.services.payments.unapplied import (
    UnappliedCash,
    may_apply_unapplied,
    may_post_payment,
    methods_for,
    unapplied_apply,
    unapplied_get,
    unapplied_list,
    unapplied_suggestions,
    unapplied_totals,
)

LIST_LIMIT = 200
SUGGESTIONS = 5
FORBIDDEN = "Unapplied cash is for accountants, supervisors and administrators."


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _actor(request: HttpRequest) -> Actor:
    return Actor(label=request.user.get_username(), user_id=request.user.pk)


def _minor(amount: Decimal) -> int:
    return Money.of(amount, "USD").minor


# --- posting a payment from the account screen --------------------------------------------------


class PaymentForm(forms.Form):
    prefix = "payment"
    amount = forms.DecimalField(min_value=Decimal("0.01"), decimal_places=2, max_digits=14)
    received_on = forms.DateField(label="Date received",
                                  widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    method = forms.ChoiceField()
    reference = forms.CharField(
        required=False, max_length=80,
        widget=forms.TextInput(attrs={"placeholder": "made up if empty"}),
    )  # fmt: skip
    payer_name = forms.CharField(required=False, max_length=120, label="Payer name")
    consumer_directed = forms.BooleanField(
        required=False, label="Consumer directs payment of a disputed debt"
    )

    def __init__(self, *args: Any, methods: tuple[str, ...], disputed: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        labels = dict(PaymentMethod.choices)
        self.fields["method"].choices = [(m, labels[m]) for m in methods]  # type: ignore[attr-defined]
        if not disputed:
            # The question only arises while a dispute hold is open.
            del self.fields["consumer_directed"]

    def clean_received_on(self) -> Any:
        received = self.cleaned_data["received_on"]
        if received > timezone.localdate():
            raise forms.ValidationError("The date received cannot be in the future.")
        return received


def dispute_open(view: AccountView) -> bool:
    """A dispute hold is open today: the form then asks whether the consumer directs payment."""
    return any(h.kind == HoldKind.DISPUTE for h in view.active_holds)


def payment_form_for(
    request: HttpRequest, view: AccountView, data: Any = None
) -> PaymentForm | None:
    """The account screen's payment form, or None when the user takes no payments."""
    user = request.user
    if not isinstance(user, User) or not may_post_payment(user):
        return None
    return PaymentForm(
        data, methods=methods_for(user), disputed=dispute_open(view),
        initial={"received_on": timezone.localdate()},
    )  # fmt: skip


@login_required
@require_POST
def payment_post_view(request: HttpRequest, account_id: int) -> HttpResponse:
    """Post a payment to the account. A refusal (closed account, nothing owed, a disputed debt
    not directed by the consumer) redraws the screen with the message on the form, and nothing
    is recorded."""
    from arrears.interfaces.web.views import _page  # the screen is drawn there

    view = account_view_or_404(request, account_id)
    user = _user(request)
    if not may_post_payment(user):
        return HttpResponse("Your role does not take payments.", status=403)
    method = request.POST.get("payment-method", "")
    if method in layout.METHODS and not may_post_payment(user, method):
        return HttpResponse("Collectors take card and ACH payments only.", status=403)
    form = payment_form_for(request, view, request.POST)
    assert form is not None
    if not form.is_valid():
        return _page(request, view, payment_form=form, status=400)
    data = form.cleaned_data
    try:
        done = payment_post(
            account_id=account_id, amount_minor=_minor(data["amount"]),
            received_on=data["received_on"], source=data["method"], actor=_actor(request),
            reference=data["reference"].strip() or None, payer_name=data["payer_name"],
            consumer_directed=data.get("consumer_directed", False),
        )  # fmt: skip
    except ServiceError as exc:
        if exc.field == "consumer_directed" and exc.field not in form.fields:
            # Disputed over the days since the money came, though no hold is open today: ask.
            form = PaymentForm(request.POST, methods=methods_for(user), disputed=True)
            form.is_valid()
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _page(request, view, payment_form=form, status=400)
    if done.duplicate:
        if done.account_id != account_id:
            form.add_error("reference", "That reference is a payment to another account.")
            return _page(request, view, payment_form=form, status=400)
        messages.info(request, "That reference was posted before: nothing was posted again.")
    else:
        currency = view.account.currency
        text = f"Payment posted: {format_minor(done.applied_minor, currency)} applied"
        if done.unapplied_minor:
            text += (f"; {format_minor(done.unapplied_minor, currency)} more than owed waits "
                     "in unapplied cash")  # fmt: skip
        messages.success(request, text + ".")
    return redirect(reverse("account-page", args=[account_id]) + "#ledger")


# --- the account's payments, and one that came back ---------------------------------------------

PAYMENTS_SHOWN = 50
RETURN_CODE = re.compile(r"NSF|R\d\d")
# Offered in the code box (any R-code may be typed): the returns a payment taken by hand meets.
COMMON_RETURN_CODES = ("R01", "R02", "R03", "R04", "R07", "R08", "R09", "R10", "R16", "R29")
NSF_REASON = "check returned unpaid: insufficient funds"
RETURN_FORBIDDEN = (
    "Recording a returned payment is for accountants, supervisors and administrators."
)
REFUND_FORBIDDEN = "Refunds are for accountants, supervisors and administrators."


class ReturnForm(forms.Form):
    """A payment the bank sent back: a bounced check (NSF) or an ACH return code (R01…)."""

    returned_on = forms.DateField(label="Returned on",
                                  widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    code = forms.CharField(
        max_length=3, label="Code",
        widget=forms.TextInput(attrs={"list": "return-codes", "size": 4,
                                      "placeholder": "NSF or R01"}),
    )  # fmt: skip
    reason = forms.CharField(
        required=False, max_length=120, label="Reason",
        widget=forms.TextInput(attrs={"placeholder": "the code's meaning if empty"}),
    )  # fmt: skip
    charge_fee = forms.BooleanField(required=False)

    def __init__(self, *args: Any, fee_minor: int, currency: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["charge_fee"].label = (
            f"Charge the client's returned-payment fee ({format_minor(fee_minor, currency)})"
            if fee_minor
            else "Charge the client's returned-payment fee (the client has none)"
        )

    def clean_returned_on(self) -> Any:
        returned = self.cleaned_data["returned_on"]
        if returned > timezone.localdate():
            raise forms.ValidationError("The date returned cannot be in the future.")
        return returned

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip().upper()
        if not RETURN_CODE.fullmatch(code):
            raise forms.ValidationError("Give NSF for a bounced check, or an ACH return code "
                                        "such as R01.")  # fmt: skip
        return code


def return_reason_text(code: str, reason: str) -> str:
    """What the ledger, the callback and the audit say: the reason given, else the code's."""
    reason = reason.strip()
    if reason:
        return reason
    return NSF_REASON if code == NSF else return_reason(code).description


class RefundForm(forms.Form):
    """Money given back from a payment. The key is made when the form is drawn, so a form sent
    twice (a double click, a reload) gives back once."""

    amount = forms.DecimalField(min_value=Decimal("0.01"), decimal_places=2, max_digits=14,
                                label="Amount to give back")  # fmt: skip
    reason = forms.CharField(max_length=200, label="Why")
    key = forms.CharField(max_length=40, widget=forms.HiddenInput)


def _refund_form(payment_id: int, data: Any = None) -> RefundForm:
    return RefundForm(data, auto_id=f"refund-{payment_id}-%s",
                      initial={"key": uuid.uuid4().hex})  # fmt: skip


@dataclass(frozen=True)
class PaymentRow:
    """One payment in the account screen's list; ``form`` is its "Returned…" form (None when it
    came back already or the user does not record returns), ``refund`` its "Refund…" form (None
    when nothing is left to give back or the user does not refund)."""

    payment: Payment
    form: ReturnForm | None
    refund: RefundForm | None = None


def _return_form(view: AccountView, payment_id: int, data: Any = None) -> ReturnForm:
    fee = view.account.client.returned_payment_fee_minor
    return ReturnForm(
        data, auto_id=f"return-{payment_id}-%s", fee_minor=fee, currency=view.account.currency,
        initial={"returned_on": timezone.localdate(), "code": NSF, "charge_fee": bool(fee)},
    )  # fmt: skip


def _account_payments(account_id: int) -> list[Payment]:
    """The account's payments, newest received first: one statement (index (account,
    received_on)). Read here, as the API's payment endpoints read their rows: no service query
    lists an account's payments yet."""
    return list(
        Payment.objects.filter(account_id=account_id)
        .only("reference", "method", "amount_minor", "currency", "received_on", "account_id",
              "applied_minor", "unapplied_minor", "returned_on", "return_code", "refunded_minor")
        .order_by("-received_on", "-id")[:PAYMENTS_SHOWN]
    )  # fmt: skip


def payments_section(
    request: HttpRequest,
    view: AccountView,
    *,
    opened: tuple[int, ReturnForm] | None = None,
    opened_refund: tuple[int, RefundForm] | None = None,
    notice: str = "",
) -> dict[str, Any]:
    """The account screen's "Payments" card: its rows, each not yet returned with a "Returned…"
    form for the money roles (``opened``: the one whose input is redrawn with its errors), and
    the line saying what a return just did."""
    user = request.user
    may = isinstance(user, User) and may_apply_unapplied(user)
    rows = []
    for p in _account_payments(view.account.pk):
        form = refund = None
        if may and p.returned_on is None:
            form = opened[1] if opened and opened[0] == p.pk else _return_form(view, p.pk)
            if p.refunded_minor < p.amount_minor:
                refund = (opened_refund[1] if opened_refund and opened_refund[0] == p.pk
                          else _refund_form(p.pk))  # fmt: skip
        rows.append(PaymentRow(p, form, refund))
    return {
        "payment_rows": rows, "may_return": may, "payments_notice": notice,
        "return_codes": [(NSF, NSF_REASON)]
        + [(c, return_reason(c).description) for c in COMMON_RETURN_CODES],
    }  # fmt: skip


@login_required
@require_POST
def payment_return_view(request: HttpRequest, account_id: int, payment_id: int) -> HttpResponse:
    """Record that one of the account's payments came back. What it applied is reversed (interest
    as if never paid) and, when asked and the client has one, its returned-payment fee charged.

    Through htmx the screen is drawn again and the card and the balances swapped in place; without
    JavaScript a success redirects to the screen. A refusal (bad date, a date before the payment
    was received) redraws the screen with the reason on that payment's form, and nothing
    changes."""
    from arrears.interfaces.web.views import _page  # the screen is drawn there

    view = account_view_or_404(request, account_id)
    if not may_apply_unapplied(_user(request)):
        return HttpResponse(RETURN_FORBIDDEN, status=403)
    payment = Payment.objects.filter(pk=payment_id, account_id=account_id).only("reference").first()
    if payment is None:
        raise Http404("no such payment on this account")
    form = _return_form(view, payment_id, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            done = payment_return(
                payment_id=payment_id, returned_on=data["returned_on"], code=data["code"],
                reason=return_reason_text(data["code"], data["reason"]), actor=_actor(request),
                charge_fee=data["charge_fee"],
            )  # fmt: skip
        except NotFound:
            raise Http404("no such payment") from None
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            text = _returned_text(payment.reference, data["code"], done.reversed_minor,
                                  done.fee_minor, view.account.currency, duplicate=done.duplicate)  # fmt: skip
            if getattr(request, "htmx", None):  # set by django_htmx's middleware
                fresh = account_view_or_404(request, account_id)
                return _page(request, fresh, returns=payments_section(request, fresh, notice=text))
            messages.success(request, text)
            return redirect(reverse("account-page", args=[account_id]) + "#payments")
    returns = payments_section(request, view, opened=(payment_id, form))
    return _page(request, view, returns=returns, status=400)


@login_required
@require_POST
def payment_refund_view(request: HttpRequest, account_id: int, payment_id: int) -> HttpResponse:
    """Give back part or all of one of the account's payments: first what waits as unapplied
    cash, then what it applied (owed again); a card payment is refunded at the gateway first.
    Drawn again as a return is; a refusal (more than is left, a returned payment, the gateway's
    refusal or silence) shows on that payment's form, and nothing changes."""
    from arrears.interfaces.web.views import _page  # the screen is drawn there

    view = account_view_or_404(request, account_id)
    if not may_apply_unapplied(_user(request)):
        return HttpResponse(REFUND_FORBIDDEN, status=403)
    payment = (
        Payment.objects.filter(pk=payment_id, account_id=account_id)
        .only("reference", "currency").first()
    )  # fmt: skip
    if payment is None:
        raise Http404("no such payment on this account")
    form = _refund_form(payment_id, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            done = payment_refund(
                payment_id=payment_id, amount_minor=_minor(data["amount"]),
                reason=data["reason"], actor=_actor(request),
                idempotency_key=f"web-{data['key']}",
            )  # fmt: skip
        except NotFound:
            raise Http404("no such payment") from None
        except CardGatewayError as exc:
            form.add_error(None, f"{exc.message} Nothing was given back; send the form again "
                                 "(it never gives back twice).")  # fmt: skip
        except ServiceError as exc:
            field = {"amount": "amount", "reason": "reason"}.get(exc.field or "")
            form.add_error(field, exc.message)
        else:
            text = _refunded_text(payment.reference, done.amount_minor, done.from_applied_minor,
                                  payment.currency, duplicate=done.duplicate)  # fmt: skip
            if getattr(request, "htmx", None):
                fresh = account_view_or_404(request, account_id)
                return _page(request, fresh, returns=payments_section(request, fresh, notice=text))
            messages.success(request, text)
            return redirect(reverse("account-page", args=[account_id]) + "#payments")
    returns = payments_section(request, view, opened_refund=(payment_id, form))
    return _page(request, view, returns=returns, status=400)


def _refunded_text(
    reference: str, amount_minor: int, from_applied_minor: int, currency: str, *, duplicate: bool
) -> str:
    if duplicate:
        return f"That refund of payment {reference} was made before: nothing was given back again."
    text = f"{format_minor(amount_minor, currency)} of payment {reference} given back"
    if from_applied_minor:
        text += f"; {format_minor(from_applied_minor, currency)} of it is owed again"
    return text + "."


def _returned_text(
    reference: str, code: str, reversed_minor: int, fee_minor: int, currency: str, *,
    duplicate: bool,
) -> str:  # fmt: skip
    if duplicate:
        return f"Payment {reference} was recorded returned before: nothing was done again."
    text = (
        f"Payment {reference} returned ({code}): {format_minor(reversed_minor, currency)} reversed"
    )
    if fee_minor:
        text += f"; returned-payment fee of {format_minor(fee_minor, currency)} charged"
    return text + "."


# --- unapplied cash ------------------------------------------------------------------------------


class ApplyForm(forms.Form):
    """Apply to an account chosen by hand (or the one a suggestion names)."""

    account = forms.CharField(max_length=20, label="Account number",
                              widget=forms.TextInput(attrs={"placeholder": "#1234"}))  # fmt: skip
    amount = forms.DecimalField(
        required=False, min_value=Decimal("0.01"), decimal_places=2, max_digits=14,
        label="Amount", widget=forms.NumberInput(attrs={"step": "0.01", "placeholder": "all"}),
    )  # fmt: skip
    consumer_directed = forms.BooleanField(required=False,
                                           label="Consumer directs payment of a disputed debt")  # fmt: skip

    def clean_account(self) -> int:
        number = layout.account_number(self.cleaned_data["account"])
        if number is None:
            raise forms.ValidationError("Give our account number, e.g. 1234 or #1234.")
        return number


def _ids(payment_id: int) -> str:
    """Field ids of one payment's form: several payments may be open on the page at once."""
    return f"apply-{payment_id}-%s"


def _forbidden(request: HttpRequest) -> HttpResponse | None:
    if not may_apply_unapplied(_user(request)):
        return HttpResponse(FORBIDDEN, status=403)
    return None


def _unapplied_page(
    request: HttpRequest,
    *,
    open_id: int | None = None,
    form: ApplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    cash = unapplied_list(limit=LIST_LIMIT)
    count, total = unapplied_totals()
    opened: dict[str, Any] | None = None
    if open_id is not None:
        found = next((c for c in cash if c.id == open_id), None)
        if found is not None:
            opened = _suggestions_context(found, form)
    return render(request, "web/unapplied_cash.html", {
        "cash": cash, "count": count, "total": total, "shown": len(cash), "opened": opened,
    }, status=status)  # fmt: skip


def _suggestions_context(cash: UnappliedCash, form: ApplyForm | None = None) -> dict[str, Any]:
    return {
        "p": cash,
        "suggestions": unapplied_suggestions(cash.id, limit=SUGGESTIONS,
                                             today=timezone.localdate()),
        "form": form or ApplyForm(auto_id=_ids(cash.id)),
    }  # fmt: skip


@login_required
@require_GET
def unapplied_page(request: HttpRequest) -> HttpResponse:
    """Payments with money waiting, oldest first. ``?open=<id>`` shows one payment's
    suggestions already open (what the row's button does without JavaScript)."""
    if (refused := _forbidden(request)) is not None:
        return refused
    open_id = request.GET.get("open", "")
    return _unapplied_page(request, open_id=int(open_id) if open_id.isdigit() else None)


@login_required
@require_GET
def unapplied_suggestions_view(request: HttpRequest, payment_id: int) -> HttpResponse:
    """One payment's suggested accounts with an Apply button each, and a box for an account
    chosen by hand (the fragment a row expands to)."""
    if (refused := _forbidden(request)) is not None:
        return refused
    try:
        cash = unapplied_get(payment_id)
    except NotFound:
        raise Http404("no unapplied cash on that payment") from None
    return render(request, "web/_unapplied_suggestions.html", _suggestions_context(cash))


@login_required
@require_POST
def unapplied_apply_view(request: HttpRequest, payment_id: int) -> HttpResponse:
    """Apply the payment's unapplied money to the account chosen. A refusal redraws the screen
    with this payment open and the reason on its form; nothing changes."""
    if (refused := _forbidden(request)) is not None:
        return refused
    try:
        cash = unapplied_get(payment_id)
    except NotFound:
        raise Http404("no unapplied cash on that payment") from None
    form = ApplyForm(request.POST, auto_id=_ids(cash.id))
    if not form.is_valid():
        return _unapplied_page(request, open_id=cash.id, form=form, status=400)
    data = form.cleaned_data
    try:
        done = unapplied_apply(
            payment_id=payment_id, account_id=data["account"], actor=_actor(request),
            amount_minor=_minor(data["amount"]) if data["amount"] is not None else None,
            consumer_directed=data["consumer_directed"],
        )  # fmt: skip
    except ServiceError as exc:
        field = {"account_id": "account", "amount": "amount",
                 "consumer_directed": "consumer_directed"}.get(exc.field or "")  # fmt: skip
        form.add_error(field, exc.message)
        return _unapplied_page(request, open_id=cash.id, form=form, status=400)
    text = (f"Payment {cash.reference}: {format_minor(done.applied_minor, cash.currency)} "
            f"applied to account #{done.account_id}")  # fmt: skip
    if done.unapplied_minor:
        text += f"; {format_minor(done.unapplied_minor, cash.currency)} still unapplied"
    messages.success(request, text + ".")
    return redirect("unapplied-cash")
