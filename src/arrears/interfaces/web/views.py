"""Collector screens: the account list, the account page, and logging a contact on it."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, time, timedelta
from decimal import Decimal
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
from arrears.core.money import Money
from arrears.data.cases.models import (
    CaseKind,
    ComplaintCategory,
    ComplaintSource,
    DisputeReason,
    DocumentKind,
    Medium,
)
from arrears.data.contacts.models import Channel, Direction, Outcome, RestrictionKind
from arrears.data.users.models import Role, User
from arrears.interfaces.web.access import account_view_or_404, visible_or_404
from arrears.services.accounts.access import (
    granted_client_ids,
    require_account_visible,
    require_complaint_visible,
    require_dispute_visible,
    require_document_visible,
)
from arrears.services.accounts.queries import AccountView, account_search
from arrears.services.accounts.search import search_accounts
from arrears.services.common import Actor, ServiceError, document_store, letter_renderer
from arrears.services.compliance.cases import (
    complaint_record,
    complaint_respond,
    document_add,
    document_content,
)
from arrears.services.compliance.disputes import dispute_answer, dispute_record
from arrears.services.compliance.operations import ContactBlocked, contact_attempt_record
from arrears.services.compliance.preferences import contact_restriction_add
from arrears.services.compliance.queries import compliance_queue
from arrears.services.compliance.reports import compliance_report
from arrears.services.work.screen import AccountScreen, account_screen

# Who may log a contact: everyone who works accounts (not the accountant).
CONTACT_ROLES = {Role.COLLECTOR, Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN}
SEARCH_LIMIT = 50
SUGGESTIONS = 8


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Those who work accounts start at their queues; the others at the account list."""
    return redirect("work-home" if _may(request, CONTACT_ROLES) else "account-list")


# Readings that name one account or person exactly: a single hit opens the account at once.
EXACT_READINGS = {"account number", "client reference", "SSN", "phone", "email"}


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    """The book of accounts, or, with ``q``, what the search box found (best first); a
    collector only ever sees the accounts of the clients granted to them."""
    query = request.GET.get("q", "").strip()
    clients = granted_client_ids(request.user)  # None: every client
    htmx = getattr(request, "htmx", None)  # set by django_htmx's middleware
    if htmx and not htmx.boosted:
        # Suggestions while the user types into the header's box: a short list, no SSNs.
        found = (search_accounts(query, client_ids=clients, limit=SUGGESTIONS, by_ssn=False)
                 if query else None)  # fmt: skip
        return render(request, "web/_search_suggest.html", {"result": found, "q": query})
    if not query:
        page = Paginator(account_search("", user=request.user), 50).get_page(
            request.GET.get("page")
        )
        return render(request, "web/account_list.html", {"page": page, "q": query})
    result = search_accounts(query, client_ids=clients, actor=_web_actor(request),
                             limit=SEARCH_LIMIT)  # fmt: skip
    if len(result.hits) == 1 and result.hits[0].matched_by in EXACT_READINGS:
        return redirect("account-page", result.hits[0].account_id)
    return render(request, "web/search_results.html", {"result": result, "q": query})


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


class DisputeForm(forms.Form):
    prefix = "dispute"  # several forms share the page: field ids must not collide
    kind = forms.ChoiceField(choices=CaseKind.choices, initial=CaseKind.DISPUTE)
    received_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    medium = forms.ChoiceField(choices=Medium.choices)
    reason = forms.ChoiceField(choices=[("", "—"), *DisputeReason.choices], required=False)
    disputed_amount = forms.DecimalField(
        required=False, min_value=Decimal("0.01"), decimal_places=2, max_digits=14,
        help_text="Leave empty when the whole debt is disputed.",
    )  # fmt: skip
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    new_information = forms.BooleanField(required=False, label="New information")


class RestrictionForm(forms.Form):
    prefix = "restriction"
    kind = forms.ChoiceField(choices=RestrictionKind.choices, label="The consumer asked")
    channel = forms.ChoiceField(
        choices=[("", "—"), *((c.value, c.label) for c in Channel if c is not Channel.VOICEMAIL)],
        required=False, label="Medium (opt-out)",
    )  # fmt: skip
    contact_point = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                           label="Only this contact point")  # fmt: skip
    weekdays = forms.CharField(required=False, initial="0,1,2,3,4", label="Days (0 = Mon)")
    starts_at = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    received_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    medium = forms.CharField(initial="phone", label="How they told us")
    note = forms.CharField(required=False)

    def __init__(self, *args: Any, view: AccountView, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_point"].choices = [(None, "— all —")] + [  # type: ignore[attr-defined]
            (c.pk, f"{c.get_kind_display()}: {c}") for p in view.parties for c in p.contact_points
        ]


class DocumentForm(forms.Form):
    prefix = "document"
    kind = forms.ChoiceField(choices=DocumentKind.choices)
    file = forms.FileField()
    received_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class ComplaintForm(forms.Form):
    prefix = "complaint"
    received_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.ChoiceField(choices=ComplaintSource.choices)
    category = forms.ChoiceField(choices=ComplaintCategory.choices)
    reference = forms.CharField(required=False, label="Their case number")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AnswerForm(forms.Form):
    answered_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    duplicative = forms.BooleanField(required=False, label="Answered as duplicative")
    letter = forms.BooleanField(required=False, label="Produce the answer letter")
    note = forms.CharField(required=False)


def _may(request: HttpRequest, roles: Collection[str]) -> bool:
    return bool(request.user.is_superuser or getattr(request.user, "role", None) in roles)


def _page(
    request: HttpRequest,
    view: AccountView,
    *,
    form: ContactForm | None = None,
    dispute_form: DisputeForm | None = None,
    restriction_form: RestrictionForm | None = None,
    document_form: DocumentForm | None = None,
    complaint_form: ComplaintForm | None = None,
    payment_form: forms.Form | None = None,
    returns: dict[str, Any] | None = None,
    bank_debits: dict[str, Any] | None = None,
    cards: dict[str, Any] | None = None,
    refused: Decision | None = None,
    work: tuple[str, Any] | None = None,
    work_error: tuple[str | None, str] | None = None,
    revealed: dict[int, Any] | None = None,
    status: int = 200,
    screen: AccountScreen | None = None,
) -> HttpResponse:
    from arrears.interfaces.web.ach import bank_debits_section
    from arrears.interfaces.web.arrangements import arrangements_section
    from arrears.interfaces.web.cards import card_section
    from arrears.interfaces.web.payments import dispute_open, payment_form_for, payments_section
    from arrears.interfaces.web.work import dial_section, work_forms

    now = timezone.now()
    account_id = view.account.pk
    screen = screen or account_screen(account_id, at=now, user=_user(request))
    if screen is None:
        raise Http404("no such account")
    failed, data = work if work is not None else ("", None)
    forms_ = work_forms(view, now.date(), data, failed)
    if work_error is not None and failed:
        field, message = work_error
        target = forms_[f"{failed}_form"]
        target.add_error(field if field in target.fields else None, message)
    queue = request.GET.get("queue") or request.POST.get("queue") or ""
    return render(
        request,
        "web/account_page.html",
        {
            **forms_,
            "queue": queue,
            "lease": screen.lease,
            "timeline": screen.timeline,
            "linked": screen.linked,
            "promises": screen.promises,
            "callbacks": screen.callbacks,
            "revealed": revealed or {},
            "failed": failed,
            "view": view,
            "a": view.account,
            "decisions": screen.decisions,
            "limitation": screen.limitation,
            "history": screen.history,
            "notices": screen.notices,
            "disputes": screen.disputes,
            "dispute_form": dispute_form or DisputeForm(initial={"received_on": now.date()}),
            "restrictions": screen.restrictions,
            "documents": screen.documents,
            "complaints": screen.complaints,
            "document_form": document_form or DocumentForm(initial={"received_on": now.date()}),
            "complaint_form": complaint_form or ComplaintForm(initial={"received_on": now.date()}),
            "restriction_form": restriction_form
            or RestrictionForm(view=view, initial={"received_on": now.date()}),
            "form": form or ContactForm(view=view),
            "payment_form": payment_form or payment_form_for(request, view),
            **(returns or payments_section(request, view)),
            **arrangements_section(request, view),
            **(bank_debits or bank_debits_section(request, view)),
            **(cards or card_section(request, view)),
            **dial_section(request, screen, queue, failed),
            "dispute_open": dispute_open(view),
            "may_log": _may(request, CONTACT_ROLES),
            "refused": refused,
        },
        status=status,
    )


@login_required
def account_page(request: HttpRequest, account_id: int) -> HttpResponse:
    visible_or_404(request, require_account_visible, account_id)
    screen = account_screen(account_id, at=timezone.now(), user=_user(request))
    if screen is None:
        raise Http404("no such account")
    return _page(request, screen.view, screen=screen)


@login_required
@require_POST
def contact_log(request: HttpRequest, account_id: int) -> HttpResponse:
    """Log a call, letter, email, text or visit. An outbound contact the rules block is refused
    with its reasons and nothing is saved."""
    view = account_view_or_404(request, account_id)
    if not _may(request, CONTACT_ROLES):
        return HttpResponse("Your role may not log contacts.", status=403)
    form = ContactForm(request.POST, view=view)
    if not form.is_valid():
        return _page(request, view, form=form, status=400)
    data = form.cleaned_data
    try:
        contact_attempt_record(
            account_id=account_id, channel=data["channel"], direction=data["direction"],
            outcome=data["outcome"], at=timezone.now(), now=timezone.now(),
            actor=_web_actor(request), contact_point_id=data["contact_point"], note=data["note"], source="workspace",
        )  # fmt: skip
    except ContactBlocked as blocked:
        return _page(request, view, form=form, refused=blocked.decision, status=409)
    except ServiceError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _page(request, view, form=form, status=400)
    messages.success(request, "Contact logged.")
    return redirect(reverse("account-page", args=[account_id]) + "#history")


@login_required
@require_POST
def dispute_log(request: HttpRequest, account_id: int) -> HttpResponse:
    """Record a dispute or a request for the original creditor as the consumer made it."""
    view = account_view_or_404(request, account_id)
    if not _may(request, CONTACT_ROLES):
        return HttpResponse("Your role may not record disputes.", status=403)
    form = DisputeForm(request.POST)
    if not form.is_valid():
        return _page(request, view, dispute_form=form, status=400)
    data = form.cleaned_data
    amount = data["disputed_amount"]
    try:
        dispute_record(
            account_id=account_id, kind=data["kind"], received_on=data["received_on"],
            medium=data["medium"], reason=data["reason"], description=data["description"],
            disputed_amount_minor=Money.of(amount, "USD").minor if amount is not None else None,
            new_information=data["new_information"], actor=_web_actor(request),
            now=timezone.now(),
        )  # fmt: skip
    except ServiceError as exc:
        field = {"disputed_amount": "disputed_amount"}.get(exc.field or "", exc.field)
        form.add_error(field if field in form.fields else None, exc.message)
        return _page(request, view, dispute_form=form, status=400)
    messages.success(request, "Dispute recorded: collection is on hold until it is answered.")
    return redirect(reverse("account-page", args=[account_id]) + "#disputes")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _web_actor(request: HttpRequest) -> Actor:
    return Actor(label=request.user.get_username(), user_id=request.user.pk)


QUEUE_ROLES = {Role.COMPLIANCE, Role.SUPERVISOR, Role.ADMIN}
REPORT_DAYS = 30


@login_required
def compliance_queue_page(request: HttpRequest) -> HttpResponse:
    """Open disputes and requests for the compliance officer, overdue first."""
    if not _may(request, QUEUE_ROLES):
        return HttpResponse("The compliance queue is for compliance officers and supervisors.",
                            status=403)  # fmt: skip
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    report = compliance_report(start=end - timedelta(days=REPORT_DAYS), end=end, today=today)
    return render(
        request, "web/compliance_queue.html",
        {"queue": compliance_queue(today=today), "report": report, "report_days": REPORT_DAYS,
         "answer_form": AnswerForm(initial={"answered_on": today})},
    )  # fmt: skip


@login_required
@require_POST
def dispute_answer_post(request: HttpRequest, dispute_id: int) -> HttpResponse:
    visible_or_404(request, require_dispute_visible, dispute_id)
    if not _may(request, QUEUE_ROLES):
        return HttpResponse("Only compliance officers and supervisors answer disputes.",
                            status=403)  # fmt: skip
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the date the answer was sent.")
        return redirect("compliance-queue")
    try:
        letter = form.cleaned_data["letter"]
        dispute_answer(
            dispute_id=dispute_id, answered_on=form.cleaned_data["answered_on"],
            duplicative=form.cleaned_data["duplicative"], note=form.cleaned_data["note"],
            actor=_web_actor(request), now=timezone.now(),
            store=document_store() if letter else None,
            renderer=letter_renderer() if letter else None,
        )  # fmt: skip
    except ServiceError as exc:
        messages.error(request, f"Dispute {dispute_id} not answered: {exc.message}.")
        return redirect("compliance-queue")
    messages.success(request, f"Dispute {dispute_id} answered; its hold has ended.")
    return redirect("compliance-queue")


@login_required
@require_POST
def restriction_log(request: HttpRequest, account_id: int) -> HttpResponse:
    """Record what the consumer asked about contact; honored at once."""
    view = account_view_or_404(request, account_id)
    if not _may(request, CONTACT_ROLES):
        return HttpResponse("Your role may not record contact requests.", status=403)
    form = RestrictionForm(request.POST, view=view)
    if not form.is_valid():
        return _page(request, view, restriction_form=form, status=400)
    data = form.cleaned_data
    try:
        contact_restriction_add(
            account_id=account_id, kind=data["kind"], channel=data["channel"],
            contact_point_id=data["contact_point"], weekdays=data["weekdays"],
            starts_at=data["starts_at"], ends_at=data["ends_at"],
            received_on=data["received_on"], medium=data["medium"], note=data["note"],
            actor=_web_actor(request), now=timezone.now(),
        )  # fmt: skip
    except ServiceError as exc:
        field = {"contact_point_id": "contact_point"}.get(exc.field or "", exc.field)
        form.add_error(field if field in form.fields else None, exc.message)
        return _page(request, view, restriction_form=form, status=400)
    messages.success(request, "Recorded: the rules honor it from now on.")
    return redirect(reverse("account-page", args=[account_id]) + "#restrictions")


@login_required
@require_POST
def document_upload(request: HttpRequest, account_id: int) -> HttpResponse:
    view = account_view_or_404(request, account_id)
    if not _may(request, CONTACT_ROLES):
        return HttpResponse("Your role may not add documents.", status=403)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, view, document_form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        _document, created = document_add(
            account_id=account_id, kind=form.cleaned_data["kind"], file_name=upload.name,
            content=upload.read(), content_type=upload.content_type or "application/octet-stream",
            received_on=form.cleaned_data["received_on"], actor=_web_actor(request),
            now=timezone.now(), store=document_store(),
        )  # fmt: skip
    except ServiceError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _page(request, view, document_form=form, status=400)
    messages.success(request, "Document kept." if created else "That file is already kept.")
    return redirect(reverse("account-page", args=[account_id]) + "#documents")


@login_required
def document_download(request: HttpRequest, document_id: int) -> HttpResponse:
    visible_or_404(request, require_document_visible, document_id)
    found = document_content(document_id, document_store())
    if found is None:
        raise Http404("no such document")
    document, content = found
    response = HttpResponse(content, content_type=document.content_type)
    name = document.store_key.rsplit("/", 1)[-1]
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def complaint_log(request: HttpRequest, account_id: int) -> HttpResponse:
    view = account_view_or_404(request, account_id)
    if not _may(request, QUEUE_ROLES | CONTACT_ROLES):
        return HttpResponse("Your role may not log complaints.", status=403)
    form = ComplaintForm(request.POST)
    if not form.is_valid():
        return _page(request, view, complaint_form=form, status=400)
    try:
        complaint_record(account_id=account_id, actor=_web_actor(request), now=timezone.now(),
                         **form.cleaned_data)  # fmt: skip
    except ServiceError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _page(request, view, complaint_form=form, status=400)
    messages.success(request, "Complaint logged; it is in the compliance queue.")
    return redirect(reverse("account-page", args=[account_id]) + "#complaints")


@login_required
@require_POST
def complaint_respond_post(request: HttpRequest, complaint_id: int) -> HttpResponse:
    visible_or_404(request, require_complaint_visible, complaint_id)
    if not _may(request, QUEUE_ROLES):
        return HttpResponse("Only compliance officers and supervisors respond.", status=403)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the date the response was sent.")
        return redirect("compliance-queue")
    try:
        complaint_respond(complaint_id=complaint_id, responded_on=form.cleaned_data["answered_on"],
                          note=form.cleaned_data["note"], actor=_web_actor(request),
                          now=timezone.now())  # fmt: skip
    except ServiceError as exc:
        messages.error(request, f"Complaint {complaint_id} not answered: {exc.message}.")
        return redirect("compliance-queue")
    messages.success(request, f"Complaint {complaint_id} answered.")
    return redirect("compliance-queue")
