"""Arrangements on the web: the account screen's Arrangements card, the plan screen (an income
and expenditure form, the plans that fit, one click to agree one), the settlement screen, and
the approvals queue where a second person decides what went beyond someone's authority.

Who may: collectors, supervisors and administrators agree plans and settlements on accounts
they may see; supervisors and administrators decide settlements, and accountants too decide
adjustments and write-offs (``services.arrangements.authority``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from arrears.core import arrangements as core
from arrears.core.ledger import Balances
from arrears.core.money import Money, format_minor
from arrears.data.arrangements.models import ApprovalRequest, Arrangement, ArrangementStatus
from arrears.data.users.models import Role, User
from arrears.interfaces.web.access import account_view_or_404
from arrears.services.accounts.access import account_visible, visible_accounts
from arrears.services.accounts.queries import AccountView
from arrears.services.arrangements.approvals import (
    approval_decide,
    approvals_pending,
    approver_kinds,
    correction_request,
)
from arrears.services.arrangements.plans import (
    PlanTerms,
    arrangement_cancel,
    income_expenditure_record,
    plan_create,
    plans_propose,
)
from arrears.services.arrangements.settlements import SettlementTerms, settlement_offer
from arrears.services.common import Actor, ServiceError
from arrears.services.payments.queries import UsableAuthorization, usable_authorizations

ARRANGE_ROLES = {Role.COLLECTOR, Role.SUPERVISOR, Role.ADMIN}
CORRECT_ROLES = {Role.SUPERVISOR, Role.ACCOUNTANT, Role.ADMIN}
INCOME_ROWS = 3
SHOWN = 10
DATE = forms.DateInput(attrs={"type": "date"})
MONEY = {"min_value": Decimal("0"), "decimal_places": 2, "max_digits": 12}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _actor(request: HttpRequest) -> Actor:
    return Actor(label=request.user.get_username(), user_id=request.user.pk)


def _may(request: HttpRequest, roles: Collection[str]) -> bool:
    return bool(request.user.is_superuser or getattr(request.user, "role", None) in roles)


def _minor(amount: Decimal) -> int:
    return Money.of(amount, "USD").minor


def _first_due_default() -> date:
    return timezone.localdate() + timedelta(days=7)


# --- the account screen's card ------------------------------------------------------------


class CorrectionForm(forms.Form):
    prefix = "correction"
    kind = forms.ChoiceField(choices=[("adjustment", "Adjustment"), ("write_off", "Write-off")])
    bucket = forms.ChoiceField(
        required=False,
        choices=[("principal", "Principal"), ("interest", "Interest"), ("fees", "Fees"),
                 ("costs", "Costs")],
        help_text="Adjustments only.",
    )  # fmt: skip
    amount = forms.DecimalField(required=False, decimal_places=2, max_digits=12,
                                help_text="Signed: -25.00 takes 25.00 off.")  # fmt: skip
    on = forms.DateField(widget=DATE, label="Effective")
    reason = forms.CharField(max_length=200)


def arrangements_section(request: HttpRequest, view: AccountView) -> dict[str, Any]:
    """What the account screen shows of arrangements, and what this user may do with them."""
    rows = list(
        Arrangement.objects.filter(account_id=view.account.pk)
        .select_related("approval")
        .prefetch_related("instalments")
        .order_by("-created_at", "-pk")[:SHOWN]
    )
    standing = next((a for a in rows if a.status in (ArrangementStatus.PENDING,
                                                      ArrangementStatus.ACTIVE)), None)  # fmt: skip
    return {
        "arrangements": rows,
        "standing_arrangement": standing,
        "may_arrange": _may(request, ARRANGE_ROLES),
        "may_correct": _may(request, CORRECT_ROLES),
        "correction_form": CorrectionForm(initial={"on": timezone.localdate()}),
    }


@login_required
@require_POST
def arrangement_cancel_view(
    request: HttpRequest, account_id: int, arrangement_id: int
) -> HttpResponse:
    account_view_or_404(request, account_id)
    if not _may(request, ARRANGE_ROLES):
        return HttpResponse("Your role does not agree arrangements.", status=403)
    if not Arrangement.objects.filter(pk=arrangement_id, account_id=account_id).exists():
        messages.error(request, f"Not cancelled: no arrangement {arrangement_id} on this account.")
        return redirect(reverse("account-page", args=[account_id]) + "#arrangements-card")
    try:
        arrangement_cancel(arrangement_id=arrangement_id, reason=request.POST.get("reason", ""),
                           actor=_actor(request), now=timezone.now())  # fmt: skip
    except ServiceError as exc:
        messages.error(request, f"Not cancelled: {exc.message}")
    else:
        messages.success(request, "Arrangement cancelled.")
    return redirect(reverse("account-page", args=[account_id]) + "#arrangements-card")


@login_required
@require_POST
def correction_view(request: HttpRequest, account_id: int) -> HttpResponse:
    """An adjustment or write-off: posted within the user's limit, else sent for approval."""
    account_view_or_404(request, account_id)
    if not _may(request, CORRECT_ROLES):
        return HttpResponse("Corrections are for supervisors, accountants and administrators.",
                            status=403)  # fmt: skip
    form = CorrectionForm(request.POST)
    target = reverse("account-page", args=[account_id]) + "#arrangements-card"
    if not form.is_valid():
        messages.error(request, "Not posted: " + "; ".join(
            f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()))  # fmt: skip
        return redirect(target)
    data = form.cleaned_data
    amounts = None
    if data["kind"] == "adjustment":
        if not data["bucket"] or data["amount"] in (None, Decimal("0")):
            messages.error(request, "Not posted: an adjustment needs a bucket and an amount.")
            return redirect(target)
        minor = Money.of(data["amount"], "USD").minor
        amounts = Balances(**{b: (minor if b == data["bucket"] else 0)
                              for b in ("principal", "interest", "fees", "costs")})  # fmt: skip
    try:
        done = correction_request(
            account_id=account_id, kind=data["kind"], on=data["on"], reason=data["reason"],
            actor=_actor(request), now=timezone.now(), amounts=amounts,
        )  # fmt: skip
    except ServiceError as exc:
        messages.error(request, f"Not posted: {exc.message}")
        return redirect(target)
    if done.request is not None:
        messages.info(request, "Beyond your authority: sent for a second person's approval. "
                      + " ".join(done.request.reasons))  # fmt: skip
    else:
        messages.success(request, "Posted.")
    return redirect(target)


# --- the plan screen: income and expenditure, proposals, agree -------------------------------


def _money_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(required=False, label=label, **MONEY)  # type: ignore[arg-type]


LINE_FREQUENCIES = [(f.value, f.value.capitalize()) for f in core.LineFrequency]


class StatementForm(forms.Form):
    """The consumer's household, incomes (up to three lines) and monthly expenses."""

    adults = forms.IntegerField(min_value=1, max_value=20, initial=1)
    children = forms.IntegerField(min_value=0, max_value=20, initial=0)
    first_due = forms.DateField(widget=DATE, label="First payment on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(INCOME_ROWS):
            self.fields[f"income_{i}_category"] = forms.ChoiceField(
                label=f"Income {i + 1}", choices=[(c.value, c.value.capitalize())
                                                  for c in core.IncomeCategory])  # fmt: skip
            self.fields[f"income_{i}_frequency"] = forms.ChoiceField(
                label="paid", choices=LINE_FREQUENCIES, initial="monthly"
            )
            self.fields[f"income_{i}_amount"] = _money_field("amount")
        for category in core.ExpenseCategory:
            label = category.value.replace("_", " ").capitalize() + " (a month)"
            self.fields[f"expense_{category.value}"] = _money_field(label)

    def income_rows(self) -> list[list[forms.BoundField]]:
        return [[self[f"income_{i}_{part}"] for part in ("category", "frequency", "amount")]
                for i in range(INCOME_ROWS)]  # fmt: skip

    def expense_fields(self) -> list[forms.BoundField]:
        return [self[f"expense_{c.value}"] for c in core.ExpenseCategory]

    def statement(self) -> core.IncomeExpenditure:
        data = self.cleaned_data
        incomes = tuple(
            core.IncomeLine(core.IncomeCategory(data[f"income_{i}_category"]),
                            _minor(data[f"income_{i}_amount"]),
                            core.LineFrequency(data[f"income_{i}_frequency"]))
            for i in range(INCOME_ROWS) if data.get(f"income_{i}_amount")
        )  # fmt: skip
        expenses = tuple(
            core.ExpenseLine(category, _minor(data[f"expense_{category.value}"]))
            for category in core.ExpenseCategory if data.get(f"expense_{category.value}")
        )  # fmt: skip
        return core.IncomeExpenditure(
            household=core.Household(adults=data["adults"], children=data["children"]),
            incomes=incomes, expenses=expenses,
        )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(f"income_{i}_amount") for i in range(INCOME_ROWS)):
            self.add_error("income_0_amount", "Enter at least one income.")
        return cleaned


class AgreePlanForm(forms.Form):
    statement = forms.IntegerField(min_value=1, required=False)
    frequency = forms.ChoiceField(choices=[(f.value, f.value) for f in core.Frequency])
    first_due = forms.DateField(widget=DATE)
    instalment = _money_field("Instalment")
    count = forms.IntegerField(min_value=1, max_value=1000, required=False)
    authorization = forms.IntegerField(min_value=1, required=False)


@dataclass
class PlanPage:
    view: AccountView
    form: StatementForm
    proposals: core.Proposals | None = None
    statement_id: int | None = None
    error: str = ""
    # The ACH authorizations the plan may be debited under (autopay), newest first.
    authorizations: list[UsableAuthorization] = field(default_factory=list)

    def _own(self, sentences: tuple[str, ...]) -> list[str]:
        """A frequency's sentences less those said once for every frequency."""
        common = set(self.proposals.rationale) if self.proposals is not None else set()
        return [s for s in sentences if s not in common]

    @property
    def rows(self) -> list[tuple[core.Proposal, list[str]]]:
        found = self.proposals.proposals if self.proposals is not None else ()
        return [(x, self._own(x.rationale)) for x in found]

    @property
    def refusals(self) -> list[tuple[core.NoPlan, list[str]]]:
        found = self.proposals.no_plans if self.proposals is not None else ()
        return [(x, self._own(x.rationale)) for x in found]


def _plan_page(request: HttpRequest, page: PlanPage, status: int = 200) -> HttpResponse:
    page.authorizations = usable_authorizations(page.view.account.pk,
                                                on=timezone.localdate())  # fmt: skip
    return render(request, "web/plan_page.html", {"page": page, "a": page.view.account,
                                                  "view": page.view}, status=status)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def plan_page(request: HttpRequest, account_id: int) -> HttpResponse:
    """GET: the income and expenditure form. POST: keep the statement and show the plans that
    fit it (or why none does)."""
    view = account_view_or_404(request, account_id)
    if not _may(request, ARRANGE_ROLES):
        return HttpResponse("Your role does not agree arrangements.", status=403)
    if request.method == "GET":
        form = StatementForm(initial={"first_due": _first_due_default()})
        return _plan_page(request, PlanPage(view, form))
    form = StatementForm(request.POST)
    if not form.is_valid():
        return _plan_page(request, PlanPage(view, form), status=400)
    try:
        statement = form.statement()
    except core.ArrangementError as exc:
        form.add_error(None, str(exc))
        return _plan_page(request, PlanPage(view, form), status=400)
    now = timezone.now()
    try:
        taken = income_expenditure_record(account_id=account_id, statement=statement,
                                          actor=_actor(request), now=now)  # fmt: skip
        proposals = plans_propose(account_id=account_id, statement_id=taken.pk,
                                  first_due=form.cleaned_data["first_due"])  # fmt: skip
    except (ServiceError, core.ArrangementError) as exc:
        form.add_error(None, getattr(exc, "message", str(exc)))
        return _plan_page(request, PlanPage(view, form), status=400)
    return _plan_page(request, PlanPage(view, form, proposals, taken.pk))


@login_required
@require_POST
def plan_agree(request: HttpRequest, account_id: int) -> HttpResponse:
    """Agree the plan chosen on the plan screen (or typed: an instalment or a count)."""
    view = account_view_or_404(request, account_id)
    if not _may(request, ARRANGE_ROLES):
        return HttpResponse("Your role does not agree arrangements.", status=403)
    form = AgreePlanForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
        return _plan_refused(request, view, None, form.data.get("first_due"), errors)
    data = form.cleaned_data
    try:
        plan = plan_create(
            account_id=account_id, actor=_actor(request), now=timezone.now(),
            terms=PlanTerms(
                frequency=data["frequency"], first_due=data["first_due"],
                statement_id=data["statement"],
                instalment_minor=_minor(data["instalment"]) if data["instalment"] else None,
                count=data["count"], authorization_id=data["authorization"],
            ),
        )  # fmt: skip
    except ServiceError as exc:
        return _plan_refused(request, view, data["statement"], data["first_due"], exc.message)
    count = plan.instalments.count()
    total = format_minor(plan.total_minor, plan.currency)
    what = f"{count} {plan.frequency} payments" if count != 1 else "one payment"
    messages.success(request, f"Plan agreed: {what}, {total} in all{_debited(plan)}.")
    return redirect(reverse("account-page", args=[account_id]) + "#arrangements-card")


def _debited(arrangement: Arrangement) -> str:
    """ ", each debited from checking ending 6789" when the arrangement is collected by ACH."""
    debit = (
        arrangement.instalments.filter(scheduled__isnull=False)
        .values_list("scheduled__authorization__bank_account__account_type",
                     "scheduled__authorization__bank_account__account_last4")
        .first()
    )  # fmt: skip
    return f", each debited from {debit[0]} ending {debit[1]}" if debit else ""


def _plan_refused(
    request: HttpRequest, view: AccountView, statement_id: int | None, first_due: Any, why: str
) -> HttpResponse:
    form = StatementForm(initial={"first_due": first_due or _first_due_default()})
    proposals = None
    if statement_id is not None and isinstance(first_due, date):
        try:
            proposals = plans_propose(account_id=view.account.pk, statement_id=statement_id,
                                      first_due=first_due)  # fmt: skip
        except (ServiceError, core.ArrangementError):
            proposals = None
    page = PlanPage(view, form, proposals, statement_id, error=f"Not agreed: {why}")
    return _plan_page(request, page, status=400)


# --- the settlement screen ---------------------------------------------------------------------


class SettlementForm(forms.Form):
    percent = forms.DecimalField(required=False, min_value=Decimal("0.01"),
                                 max_value=Decimal("100"), decimal_places=2, max_digits=5,
                                 label="Share of the balance (%)")  # fmt: skip
    amount = forms.DecimalField(required=False, min_value=Decimal("0.01"), decimal_places=2,
                                max_digits=12, label="or an amount")  # fmt: skip
    count = forms.IntegerField(min_value=1, max_value=60, initial=1, label="Payments")
    frequency = forms.ChoiceField(choices=[(f.value, f.value.capitalize()) for f in core.Frequency],
                                  initial="monthly")  # fmt: skip
    first_due = forms.DateField(widget=DATE, label="First payment on")
    authorization = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                           label="Paid by")  # fmt: skip
    note = forms.CharField(required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}), label="Why")  # fmt: skip

    def __init__(self, *args: Any, account_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        found = usable_authorizations(account_id, on=timezone.localdate())
        self.fields["authorization"].choices = [  # type: ignore[attr-defined]
            ("", "The consumer pays each payment"),
            *((a.id, f"ACH debit: {a.label}") for a in found),
        ]  # fmt: skip
        if not found:
            self.fields["authorization"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("percent") is None) == (cleaned.get("amount") is None):
            raise forms.ValidationError("Give a share of the balance or an amount (one of them).")
        return cleaned


@login_required
@require_http_methods(["GET", "POST"])
def settlement_page(request: HttpRequest, account_id: int) -> HttpResponse:
    view = account_view_or_404(request, account_id)
    if not _may(request, ARRANGE_ROLES):
        return HttpResponse("Your role does not agree arrangements.", status=403)
    if request.method == "GET":
        form = SettlementForm(initial={"first_due": _first_due_default()}, account_id=account_id)
        return render(request, "web/settlement_page.html", {"form": form, "a": view.account})
    form = SettlementForm(request.POST, account_id=account_id)
    if not form.is_valid():
        return render(request, "web/settlement_page.html", {"form": form, "a": view.account},
                      status=400)  # fmt: skip
    data = form.cleaned_data
    terms = SettlementTerms(
        first_due=data["first_due"], count=data["count"], frequency=data["frequency"],
        note=data["note"],
        amount_minor=_minor(data["amount"]) if data["amount"] is not None else None,
        percent_ppm=int(data["percent"] * 10_000) if data["percent"] is not None else None,
        authorization_id=data["authorization"],
    )  # fmt: skip
    try:
        deal = settlement_offer(account_id=account_id, terms=terms, actor=_actor(request),
                                now=timezone.now())  # fmt: skip
    except ServiceError as exc:
        field = {"amount_minor": None, "count": "count", "first_due": "first_due",
                 "frequency": "frequency",
                 "authorization_id": "authorization"}.get(exc.field or "")  # fmt: skip
        form.add_error(field, exc.message)
        return render(request, "web/settlement_page.html", {"form": form, "a": view.account},
                      status=400)  # fmt: skip
    if deal.status == ArrangementStatus.PENDING:
        crossed = deal.authority["decision"]["crossed"]
        messages.info(request, "Beyond your authority: the settlement waits for a supervisor's "
                               "approval. " + " ".join(c["message"] for c in crossed))  # fmt: skip
    else:
        messages.success(request, f"Settlement agreed{_debited(deal)}.")
    return redirect(reverse("account-page", args=[account_id]) + "#arrangements-card")


# --- the approvals queue -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def approvals_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    kinds = approver_kinds(Role.ADMIN if user.is_superuser else user.role)
    if not kinds:
        return HttpResponse("The approvals queue is for supervisors, accountants and "
                            "administrators.", status=403)  # fmt: skip
    pending = list(visible_accounts(user, approvals_pending(kinds=kinds), via="account")[:200])
    return render(request, "web/approvals.html", {"pending": pending, "me": user.pk})


@login_required
@require_POST
def approval_decide_view(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _user(request)
    if not approver_kinds(Role.ADMIN if user.is_superuser else user.role):
        return HttpResponse("Your role does not decide approvals.", status=403)
    account_id = (
        ApprovalRequest.objects.filter(pk=request_id).values_list("account_id", flat=True).first()
    )
    if account_id is None or not account_visible(user, account_id):
        return HttpResponse("No such request.", status=404)
    decision = request.POST.get("decision")
    if decision not in ("approve", "decline"):
        return HttpResponse("decision must be approve or decline", status=400)
    try:
        done = approval_decide(request_id=request_id, approve=decision == "approve",
                               note=request.POST.get("note", ""), actor=_actor(request),
                               now=timezone.now())  # fmt: skip
    except ServiceError as exc:
        if exc.code == "not_found":
            return HttpResponse(exc.message, status=404)
        messages.error(request, f"Not decided: {exc.message}")
        return redirect("approvals")
    messages.success(request, f"Request {done.request.pk} {done.request.status}.")
    return redirect("approvals")
