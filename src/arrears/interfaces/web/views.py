"""Collector screens: the account list, the account page, and logging a contact on it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from arrears.core.compliance import Decision
from arrears.data.contacts.models import Channel, Direction, Outcome
from arrears.data.users.models import Role
from arrears.services.accounts.queries import AccountView, account_detail, account_search
from arrears.services.common import Actor, ServiceError
from arrears.services.compliance.operations import ContactBlocked, contact_attempt_record
from arrears.services.compliance.queries import (
    contact_decisions,
    contact_history,
    validation_notices,
)

# Who may log a contact: everyone who works accounts (not the accountant).
CONTACT_ROLES = {Role.COLLECTOR, Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("account-list")


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    page = Paginator(account_search(query), 50).get_page(request.GET.get("page"))
    return render(request, "web/account_list.html", {"page": page, "q": query})


class ContactForm(forms.Form):
    channel = forms.ChoiceField(
        choices=[(c.value, c.label) for c in Channel if c is not Channel.VOICEMAIL]
    )
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.OUTBOUND)
    outcome = forms.ChoiceField(choices=Outcome.choices, initial=Outcome.NO_ANSWER)
    contact_point = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, view: AccountView, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        points = [(None, "—")] + [
            (c.pk, f"{c.get_kind_display()}{f' ({c.phone_type})' if c.phone_type else ''}: {c}")
            for p in view.parties
            for c in p.contact_points
        ]
        self.fields["contact_point"].choices = points  # type: ignore[attr-defined]


def _page(
    request: HttpRequest,
    view: AccountView,
    *,
    form: ContactForm | None = None,
    refused: Decision | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    account_id = view.account.pk
    return render(
        request,
        "web/account_page.html",
        {
            "view": view,
            "a": view.account,
            "decisions": contact_decisions(account_id, at=now) or [],
            "history": contact_history(account_id, limit=50) or [],
            "notices": validation_notices(account_id) or [],
            "form": form or ContactForm(view=view),
            "may_log": request.user.is_superuser
            or getattr(request.user, "role", None) in CONTACT_ROLES,
            "refused": refused,
        },
        status=status,
    )


@login_required
def account_page(request: HttpRequest, account_id: int) -> HttpResponse:
    view = account_detail(account_id, today=timezone.localdate())
    if view is None:
        raise Http404("no such account")
    return _page(request, view)


@login_required
@require_POST
def contact_log(request: HttpRequest, account_id: int) -> HttpResponse:
    """Log a call, letter, email, text or visit. An outbound contact the rules block is refused
    with its reasons and nothing is saved."""
    view = account_detail(account_id, today=timezone.localdate())
    if view is None:
        raise Http404("no such account")
    if not (request.user.is_superuser or getattr(request.user, "role", None) in CONTACT_ROLES):
        return HttpResponse("Your role may not log contacts.", status=403)
    form = ContactForm(request.POST, view=view)
    if not form.is_valid():
        return _page(request, view, form=form, status=400)
    data = form.cleaned_data
    user = request.user
    try:
        contact_attempt_record(
            account_id=account_id, channel=data["channel"], direction=data["direction"],
            outcome=data["outcome"], at=timezone.now(), now=timezone.now(),
            actor=Actor(label=user.get_username(), user_id=user.pk),
            contact_point_id=data["contact_point"], note=data["note"], source="workspace",
        )  # fmt: skip
    except ContactBlocked as blocked:
        return _page(request, view, form=form, refused=blocked.decision, status=409)
    except ServiceError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _page(request, view, form=form, status=400)
    messages.success(request, "Contact logged.")
    return redirect(reverse("account-page", args=[account_id]) + "#history")
