"""Collector screens (read-only in this first cut): the account list and the account page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from arrears.services.accounts.queries import account_detail, account_search
from arrears.services.compliance.queries import contact_decisions


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("account-list")


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    page = Paginator(account_search(query), 50).get_page(request.GET.get("page"))
    return render(request, "web/account_list.html", {"page": page, "q": query})


@login_required
def account_page(request: HttpRequest, account_id: int) -> HttpResponse:
    view = account_detail(account_id, today=timezone.localdate())
    if view is None:
        raise Http404("no such account")
    decisions = contact_decisions(account_id, at=timezone.now()) or []
    return render(
        request,
        "web/account_page.html",
        {"view": view, "a": view.account, "decisions": decisions},
    )
