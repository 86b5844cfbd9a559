"""Clients and their terms: the list of clients, one client's terms (commission, plan rules, the
card convenience fee, promise grace days, the authority that applies to it), and the authority
limits of every role (ADR 24).

Who may look: the roles that oversee the whole book (supervisors, compliance officers,
accountants, administrators) see the clients and their terms; supervisors, accountants and
administrators (those who decide approvals) see the authority limits. Only administrators
change them; the services check it again. An account-like rule holds for a client in the
address: a client the user may not see is a 404, as if it did not exist.

Money is typed as text ("1,234.50") and read exactly by ``core.money.parse_amount_to_minor``;
percentages ("12.5") by ``core.interest.rate_ppm_from_percent``. A refusal shows the form again
with the reason on its field and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from arrears.core.arrangements import money_text
from arrears.core.interest import rate_ppm_from_percent
from arrears.core.money import format_minor, parse_amount_to_minor
from arrears.data.arrangements.models import PPM
from arrears.data.clients.models import Client
from arrears.data.trust.models import RemitMode
from arrears.data.users.models import Role, User
from arrears.services.accounts.access import require_client_visible, sees_every_client
from arrears.services.arrangements.authority import ADJUSTMENT_APPROVERS, SETTLEMENT_APPROVERS
from arrears.services.arrangements.terms import (
    LIMITED_ROLES,
    MAX_TERM_MONTHS,
    LimitView,
    authority_limit_remove,
    authority_limit_set,
    authority_limits,
    may_set_terms,
    plan_rules_set,
)
from arrears.services.clients.terms import (
    MAX_TIERS,
    CardFeeView,
    ClientTerms,
    CommissionView,
    applied_limits,
    card_fee_set,
    client_terms_of,
    clients_for,
    commission_set,
)
from arrears.services.common import Actor, NotFound, ServiceError

NOT_FOR_YOU = "Clients and their terms are for supervisors, compliance officers, accountants and administrators."  # fmt: skip
LIMITS_NOT_FOR_YOU = "Authority limits are for supervisors, accountants and administrators."
ONLY_ADMINS = "Only administrators change a client's terms and the authority limits."
# Who sees the authority limits: whoever decides requests beyond someone's authority.
LIMIT_VIEWERS = frozenset({*SETTLEMENT_APPROVERS, *ADJUSTMENT_APPROVERS})
ROLE_NAMES = dict(Role.choices)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _actor(request: HttpRequest) -> Actor:
    return Actor(label=request.user.get_username(), user_id=request.user.pk)


def may_see_limits(user: User) -> bool:
    return bool(user.is_active and (user.is_superuser or user.role in LIMIT_VIEWERS))


# --- wording ---------------------------------------------------------------------------------


def _money(minor: int) -> str:
    return money_text(minor, "USD")


def _percent(ppm: int) -> str:
    """Exact: 200000 -> "20%", 125000 -> "12.5%", 333333 -> "33.3333%"."""
    whole, fraction = divmod(ppm, 10_000)
    return f"{whole}%" if not fraction else f"{whole}.{f'{fraction:04d}'.rstrip('0')}%"


def _percent_input(ppm: int) -> str:
    return _percent(ppm).rstrip("%")


def _limit_text(v: LimitView) -> str:
    """ "discount up to 20%, forgiven up to $500.00, adjustments up to $50.00"."""
    forgiven = (
        "no limit on the amount forgiven"
        if v.max_forgiven_minor is None
        else f"forgiven up to {_money(v.max_forgiven_minor)}"
    )
    adjust = (
        "adjustments of any amount"
        if v.max_adjustment_minor is None
        else f"adjustments up to {_money(v.max_adjustment_minor)}"
    )
    return f"discount up to {_percent(v.max_discount_ppm)}, {forgiven}, {adjust}"


def _whose(role: str, client: str | None, *, start: bool = False) -> str:
    """ "collectors' limit for ACME", "supervisors' general limit" (capitalized at a sentence's
    start)."""
    name = ROLE_NAMES.get(role, role).lower()
    text = f"{name}s' limit for {client}" if client else f"{name}s' general limit"
    return text[0].upper() + text[1:] if start else text


# --- fields ----------------------------------------------------------------------------------


class MoneyField(forms.CharField):
    """Dollars and cents typed as text ("1,234.50", "$12"), cleaned to integer cents, exactly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "size": 12}))
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            minor = parse_amount_to_minor(text, "USD")
        except ValueError:
            raise forms.ValidationError(f"{text!r} is not an amount like 1,234.50") from None
        if minor < 0:
            raise forms.ValidationError("the amount is 0 or more")
        return minor


class PercentField(forms.CharField):
    """A percentage typed as text ("20", "12.5", up to four decimals), cleaned to ppm, exactly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "size": 8}))
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip().rstrip("%").strip()
        if not text:
            return None
        try:
            ppm = rate_ppm_from_percent(text)
        except ValueError:
            raise forms.ValidationError(f"{text!r} is not a percentage like 20 or 12.5") from None
        if ppm > PPM:
            raise forms.ValidationError("at most 100%")
        return ppm


# --- forms -----------------------------------------------------------------------------------


class PlanRulesForm(forms.Form):
    prefix = "rules"
    min_instalment = MoneyField(label="Smallest instalment ($)")
    max_term_months = forms.IntegerField(label="Longest plan (months)", min_value=1,
                                         max_value=MAX_TERM_MONTHS)  # fmt: skip


class CardFeeForm(forms.Form):
    prefix = "card"
    fee = MoneyField(label="Convenience fee a card payment ($, 0: none)")
    clause = forms.CharField(label="Clause of the agreement that authorizes it", max_length=200,
                             required=False)  # fmt: skip


class CommissionForm(forms.Form):
    """Remit mode, default rate and tier rows; a tier row left blank is ignored."""

    prefix = "commission"
    remit_mode = forms.ChoiceField(label="Remit", choices=RemitMode.choices)
    default_rate = PercentField(label="Default rate (%)", required=False)

    def __init__(self, *args: Any, rows: int = 3, client_rate_ppm: int = 0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields[
            "default_rate"
        ].help_text = f"Empty: the client's commission rate, {_percent(client_rate_ppm)}."
        if self.is_bound:
            rows = max(rows, self._rows_sent())
        self.rows = min(max(rows, 1), MAX_TIERS)
        for i in range(self.rows):
            self.fields[f"tier_{i}_months"] = forms.IntegerField(
                label=f"Tier {i + 1}: from month", min_value=0, max_value=1200, required=False)  # fmt: skip
            self.fields[f"tier_{i}_balance"] = MoneyField(
                label=f"Tier {i + 1}: from a balance of ($)", required=False)  # fmt: skip
            self.fields[f"tier_{i}_rate"] = PercentField(label=f"Tier {i + 1}: rate (%)",
                                                         required=False)  # fmt: skip

    def _rows_sent(self) -> int:
        seen = [
            int(key.split("_")[1])
            for key in self.data
            if key.startswith(f"{self.prefix}-tier_") and key.split("_")[1].isdigit()
        ]
        return max(seen, default=-1) + 1

    def tier_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(self[f"tier_{i}_months"], self[f"tier_{i}_balance"], self[f"tier_{i}_rate"])
                for i in range(self.rows)]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        tiers = []
        for i in range(self.rows):
            months, balance, rate = (
                data.get(f"tier_{i}_{n}") for n in ("months", "balance", "rate")
            )
            if months is None and balance is None and rate is None:
                continue
            for name, value, error in (
                (f"tier_{i}_months", months, "say from which month the tier applies"),
                (f"tier_{i}_rate", rate, "give the tier's rate"),
            ):
                if value is None and name not in self.errors:  # not already refused as typed
                    self.add_error(name, error)
            if months is not None and rate is not None:
                tiers.append((months, balance or 0, rate))
        data["tiers"] = tiers
        return data


class LimitForm(forms.Form):
    prefix = "limit"
    role = forms.ChoiceField(label="Role")
    client = forms.ChoiceField(label="For", required=False)
    max_discount = PercentField(label="Largest discount (%)")
    max_forgiven = MoneyField(label="Most forgiven ($)", required=False,
                              help_text="Empty: no amount limit (the discount still applies).")  # fmt: skip
    max_adjustment = MoneyField(label="Largest adjustment or write-off ($)", required=False,
                                help_text="Empty: no amount limit.")  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [  # type: ignore[attr-defined]
            (r.value, r.label) for r in LIMITED_ROLES
        ]
        self.fields["client"].choices = [("", "Every client without a limit of its own")] + [  # type: ignore[attr-defined]
            (c.code, f"{c.code} · {c.name}") for c in Client.objects.order_by("code")
        ]


class RemoveForm(forms.Form):
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in LIMITED_ROLES])
    client = forms.CharField(required=False, max_length=20)


# --- the list of clients ---------------------------------------------------------------------


def _visible_client(request: HttpRequest, code: str) -> None:
    """A client the user may not see is a 404, like one that does not exist."""
    try:
        require_client_visible(request.user, code)
    except NotFound:
        raise Http404("no such client") from None


@login_required
@require_GET
def clients_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not sees_every_client(user):
        return HttpResponse(NOT_FOR_YOU, status=403)
    return render(request, "web/client_list.html", {
        "clients": clients_for(user), "may_set": may_set_terms(user),
        "may_see_limits": may_see_limits(user),
    })  # fmt: skip


# --- one client's terms ----------------------------------------------------------------------


def _rules_form(terms: ClientTerms) -> PlanRulesForm:
    r = terms.plan_rules
    return PlanRulesForm(initial={"min_instalment": format_minor(r.min_instalment_minor, "USD"),
                                  "max_term_months": r.max_term_months})  # fmt: skip


def _card_form(terms: ClientTerms) -> CardFeeForm:
    c = terms.card_fee
    return CardFeeForm(initial={"fee": format_minor(c.fee_minor, "USD"), "clause": c.clause})


def _commission_form(terms: ClientTerms, data: Any = None) -> CommissionForm:
    c = terms.commission
    rows = len(c.tiers) + 2
    rate = terms.client.commission_rate_ppm
    if data is not None:
        return CommissionForm(data, rows=rows, client_rate_ppm=rate)
    initial: dict[str, Any] = {
        "remit_mode": c.remit_mode,
        "default_rate": _percent_input(c.default_rate_ppm) if c.own_default else "",
    }
    for i, t in enumerate(c.tiers):
        initial |= {f"tier_{i}_months": t.from_months,
                    f"tier_{i}_balance": format_minor(t.from_balance_minor, "USD"),
                    f"tier_{i}_rate": _percent_input(t.rate_ppm)}  # fmt: skip
    return CommissionForm(initial=initial, rows=rows, client_rate_ppm=rate)


def _terms_page(
    request: HttpRequest, terms: ClientTerms, *, status: int = 200, **forms_given: forms.Form
) -> HttpResponse:
    user = _user(request)
    return render(request, "web/client_terms.html", {
        "terms": terms, "c": terms.client, "may_set": may_set_terms(user),
        "may_see_limits": may_see_limits(user),
        "rules_form": forms_given.get("rules_form") or _rules_form(terms),
        "card_form": forms_given.get("card_form") or _card_form(terms),
        "commission_form": forms_given.get("commission_form") or _commission_form(terms),
        "role_names": ROLE_NAMES,
    }, status=status)  # fmt: skip


def _terms_or_404(code: str) -> ClientTerms:
    try:
        return client_terms_of(code)
    except NotFound:
        raise Http404("no such client") from None


@login_required
@require_GET
def client_terms_page(request: HttpRequest, client_code: str) -> HttpResponse:
    _visible_client(request, client_code)
    if not sees_every_client(_user(request)):
        return HttpResponse(NOT_FOR_YOU, status=403)
    return _terms_page(request, _terms_or_404(client_code))


type Setter = Callable[[HttpRequest, str, Any], str]


def _terms_post(
    request: HttpRequest, client_code: str, form_class: type[forms.Form], slot: str,
    anchor: str, fields: dict[str, str | None], setter: Setter,
) -> HttpResponse:  # fmt: skip
    """A terms form posted: 404 for a client one may not see, 403 unless an administrator; the
    page again (400) with the errors on their fields when the form or the service refuses;
    else the success message and back to the page."""
    _visible_client(request, client_code)
    if not may_set_terms(_user(request)):
        return HttpResponse(ONLY_ADMINS, status=403)
    terms = _terms_or_404(client_code)
    form = (
        _commission_form(terms, request.POST)
        if form_class is CommissionForm
        else form_class(request.POST)
    )
    if form.is_valid():
        try:
            said = setter(request, terms.client.code, form.cleaned_data)
        except ServiceError as exc:
            field = fields.get(exc.field or "")
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(request, said)
            return redirect(reverse("client-terms", args=[terms.client.code]) + f"#{anchor}")
    return _terms_page(request, terms, status=400, **{slot: form})


def _set_rules(request: HttpRequest, code: str, data: dict[str, Any]) -> str:
    before, after = plan_rules_set(
        client_code=code, min_instalment_minor=data["min_instalment"],
        max_term_months=data["max_term_months"], actor=_actor(request), now=timezone.now(),
    )  # fmt: skip
    if before == after:
        return (f"Plan rules of {code} unchanged: smallest instalment "
                f"{_money(after.min_instalment_minor)}, longest plan {after.max_term_months} "
                "months.")  # fmt: skip
    default = ", the default" if not before.own else ""
    return (f"Plan rules of {code} set: smallest instalment {_money(after.min_instalment_minor)} "
            f"(was {_money(before.min_instalment_minor)}{default}), longest plan "
            f"{after.max_term_months} months (was {before.max_term_months}{default}).")  # fmt: skip


@login_required
@require_POST
def client_plan_rules_view(request: HttpRequest, client_code: str) -> HttpResponse:
    """Set the client's smallest instalment and longest plan."""
    return _terms_post(request, client_code, PlanRulesForm, "rules_form", "plan-rules",
                       {"min_instalment_minor": "min_instalment",
                        "max_term_months": "max_term_months"}, _set_rules)  # fmt: skip


def _fee_text(v: CardFeeView) -> str:
    if not v.fee_minor:
        return "no fee"
    return f"up to {_money(v.fee_minor)} a card payment under {v.clause!r}"


def _set_card_fee(request: HttpRequest, code: str, data: dict[str, Any]) -> str:
    before, after = card_fee_set(client_code=code, convenience_fee_minor=data["fee"],
                                 agreement_clause=data["clause"], actor=_actor(request),
                                 now=timezone.now())  # fmt: skip
    if before == after:
        return f"Card fee terms of {code} unchanged: {_fee_text(after)}."
    return f"Card fee terms of {code} set: {_fee_text(after)} (was {_fee_text(before)})."


@login_required
@require_POST
def client_card_fee_view(request: HttpRequest, client_code: str) -> HttpResponse:
    """Set what the client's agreements authorize as a card convenience fee."""
    return _terms_post(request, client_code, CardFeeForm, "card_form", "card-fee",
                       {"convenience_fee": "fee", "agreement_clause": "clause"},
                       _set_card_fee)  # fmt: skip


def _commission_text(v: CommissionView) -> str:
    default = _percent(v.default_rate_ppm) + ("" if v.own_default else " (the client's rate)")
    tiers = ", ".join(
        f"from month {t.from_months}"
        + (f" and a balance of {_money(t.from_balance_minor)}" if t.from_balance_minor else "")
        + f" {_percent(t.rate_ppm)}"
        for t in v.tiers
    )
    return f"remitted {v.remit_mode}, default {default}, " + (
        f"tiers {tiers}" if tiers else "no tiers")  # fmt: skip


def _set_commission(request: HttpRequest, code: str, data: dict[str, Any]) -> str:
    before, after = commission_set(client_code=code, remit_mode=data["remit_mode"],
                                   default_rate_ppm=data["default_rate"], tiers=data["tiers"],
                                   actor=_actor(request), now=timezone.now())  # fmt: skip
    if before == after:
        return f"Commission terms of {code} unchanged: {_commission_text(after)}."
    return (f"Commission terms of {code} set: {_commission_text(after)} "
            f"(were: {_commission_text(before)}).")  # fmt: skip


@login_required
@require_POST
def client_commission_view(request: HttpRequest, client_code: str) -> HttpResponse:
    """Set the client's commission terms: remit mode, default rate and tiers by placement age."""
    return _terms_post(request, client_code, CommissionForm, "commission_form", "commission",
                       {"remit_mode": "remit_mode", "default_rate_ppm": "default_rate",
                        "tiers": None}, _set_commission)  # fmt: skip


# --- authority limits ------------------------------------------------------------------------


def _limit_form(request: HttpRequest, limits: list[LimitView]) -> LimitForm:
    """The form, filled with the row named by ?role=...&client=... when there is one."""
    role, client = request.GET.get("role", ""), request.GET.get("client", "") or None
    for v in limits:
        if (v.role, v.client) == (role, client):
            return LimitForm(initial={
                "role": v.role, "client": v.client or "",
                "max_discount": _percent_input(v.max_discount_ppm),
                "max_forgiven": "" if v.max_forgiven_minor is None
                else format_minor(v.max_forgiven_minor, "USD"),
                "max_adjustment": "" if v.max_adjustment_minor is None
                else format_minor(v.max_adjustment_minor, "USD"),
            })  # fmt: skip
    return LimitForm(initial={"role": role or Role.COLLECTOR.value, "client": client or ""})


def _authority_page(
    request: HttpRequest, *, form: LimitForm | None = None, status: int = 200,
    remove_error: str = "",
) -> HttpResponse:  # fmt: skip
    limits = authority_limits()
    by_role = []
    for role in LIMITED_ROLES:
        rows = [v for v in limits if v.role == role.value]
        by_role.append({"role": role.value, "name": role.label,
                        "general": next((v for v in rows if v.client is None), None),
                        "clients": [v for v in rows if v.client is not None]})  # fmt: skip
    return render(request, "web/authority.html", {
        "by_role": by_role, "may_set": may_set_terms(_user(request)),
        "form": form or _limit_form(request, limits), "remove_error": remove_error,
    }, status=status)  # fmt: skip


@login_required
@require_GET
def authority_page(request: HttpRequest) -> HttpResponse:
    if not may_see_limits(_user(request)):
        return HttpResponse(LIMITS_NOT_FOR_YOU, status=403)
    return _authority_page(request)


LIMIT_FIELDS = {"role": "role", "client": "client", "max_discount_ppm": "max_discount",
                "max_forgiven_minor": "max_forgiven", "max_adjustment_minor": "max_adjustment"}  # fmt: skip


def _was(before: LimitView | None, role: str, client: str | None) -> str:
    if before is not None:
        return _limit_text(before)
    if client is None:
        return "no general limit: no authority of its own"
    general = applied_limits(None, authority_limits())
    row = next((a.row for a in general if a.role == role), None)
    if row is None:
        return f"no limit for {client} and no general limit: no authority of its own"
    return f"no limit for {client}: the general limit applied, {_limit_text(row)}"


@login_required
@require_POST
def authority_set_view(request: HttpRequest) -> HttpResponse:
    """Set a role's general limit or its limit for one client."""
    if not may_set_terms(_user(request)):
        return HttpResponse(ONLY_ADMINS, status=403)
    form = LimitForm(request.POST)
    if not form.is_valid():
        return _authority_page(request, form=form, status=400)
    data = form.cleaned_data
    role, client = data["role"], data["client"] or None
    try:
        before, after = authority_limit_set(
            role=role, client_code=client, max_discount_ppm=data["max_discount"],
            max_forgiven_minor=data["max_forgiven"], max_adjustment_minor=data["max_adjustment"],
            actor=_actor(request), now=timezone.now(),
        )  # fmt: skip
    except ServiceError as exc:
        field = LIMIT_FIELDS.get(exc.field or "")
        form.add_error(field if field in form.fields else None, exc.message)
        return _authority_page(request, form=form, status=400)
    whose = _whose(role, client, start=True)
    if before == after:
        messages.success(request, f"{whose} unchanged: {_limit_text(after)}.")
    else:
        messages.success(request, f"{whose} set: {_limit_text(after)} "
                                  f"(was {_was(before, role, client)}).")  # fmt: skip
    return redirect(reverse("authority") + "?" + urlencode({"role": role, "client": client or ""})
                    + "#limits")  # fmt: skip


@login_required
@require_POST
def authority_remove_view(request: HttpRequest) -> HttpResponse:
    """Remove a role's limit for one client (its general limit applies again) or its general
    limit (no authority of its own where no client limit)."""
    if not may_set_terms(_user(request)):
        return HttpResponse(ONLY_ADMINS, status=403)
    form = RemoveForm(request.POST)
    if not form.is_valid():
        return _authority_page(request, status=400, remove_error="Say which limit to remove.")
    role, client = form.cleaned_data["role"], form.cleaned_data["client"] or None
    try:
        removed = authority_limit_remove(role=role, client_code=client, actor=_actor(request),
                                         now=timezone.now())  # fmt: skip
    except ServiceError as exc:
        return _authority_page(request, status=404 if isinstance(exc, NotFound) else 400,
                               remove_error=exc.message)  # fmt: skip
    name = ROLE_NAMES.get(role, role).lower()
    then = (
        f"the general limit applies to {client} again"
        if client
        else f"{name}s have no authority of their own where a client has no limit for them"
    )
    messages.success(request, f"Removed the {_whose(role, client)} "
                              f"({_limit_text(removed)}): {then}.")  # fmt: skip
    return redirect(reverse("authority") + "#limits")
