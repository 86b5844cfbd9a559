"""The template editor: the list of message templates, one template's versions, writing a new
version with a live preview beside the placeholder list, and compliance's review of drafts.

Who may do what: supervisors and administrators write templates; compliance officers review
them (approve, or send back with a note) and may preview; collectors and accountants do not
see the editor (403). The services check the review rule again (compliance only, never the
author). A refusal shows the page again with the reason next to its field and saves nothing.

The preview is an htmx POST of the unsaved text: ``template_preview`` renders it on sample
values, or on an account the user names, exactly as it would go (with the disclosure and the
opt-out the law requires); a text that would be refused shows each problem with its line.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arrears.core.messaging.templates import CHANNELS, PLACEHOLDERS
from arrears.data.messaging.models import MessageTemplate, TemplateChannel, TemplateStatus
from arrears.data.users.models import Role, User
from arrears.services.accounts.access import require_account_visible
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.messaging.queries import template_summaries, template_versions
from arrears.services.messaging.templates import (
    TemplateInvalid,
    template_preview,
    template_review,
    template_save,
)

WRITERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
REVIEWERS = frozenset({Role.COMPLIANCE})
NOT_FOR_YOU = "Message templates are for supervisors, compliance officers and administrators."
ONLY_WRITERS = "Supervisors and administrators write message templates."
ONLY_REVIEWERS = "Compliance officers review message templates."


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def may_write(user: User) -> bool:
    return bool(user.is_active and (user.is_superuser or user.role in WRITERS))


def may_review(user: User) -> bool:
    return bool(user.is_active and user.role in REVIEWERS)


def may_see(user: User) -> bool:
    return may_write(user) or may_review(user)


def _actor(request: HttpRequest) -> Actor:
    return Actor(label=request.user.get_username(), user_id=request.user.pk)


class TemplateForm(forms.Form):
    code = forms.SlugField(max_length=40, label="Code",
                           help_text="Letters, digits, '-' or '_'; strategies name it.")  # fmt: skip
    channel = forms.ChoiceField(label="Channel", choices=TemplateChannel.choices)
    name = forms.CharField(max_length=100, label="Name")
    subject = forms.CharField(max_length=200, label="Subject or heading", required=False,
                              help_text="An email's subject, a letter's heading; none for a text.")  # fmt: skip
    body = forms.CharField(label="Text", strip=False,
                           widget=forms.Textarea(attrs={"rows": 14, "cols": 72}))  # fmt: skip


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("send_back", "Send back")])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PreviewForm(forms.Form):
    channel = forms.ChoiceField(choices=[(c, c) for c in CHANNELS])
    subject = forms.CharField(required=False, strip=False)
    body = forms.CharField(required=False, strip=False)
    account_id = forms.IntegerField(required=False, min_value=1, label="Preview on account")


# --- pages ---------------------------------------------------------------------------------------


@login_required
@require_GET
def templates_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not may_see(user):
        return HttpResponse(NOT_FOR_YOU, status=403)
    return render(request, "web/message_templates.html", {
        "templates": template_summaries(), "may_write": may_write(user),
    })  # fmt: skip


def _editor(
    request: HttpRequest, form: TemplateForm, *, versions: list[MessageTemplate] | None = None,
    status: int = 200, review_errors: dict[int, str] | None = None,
) -> HttpResponse:  # fmt: skip
    user = _user(request)
    in_use = next((v.version for v in versions or [] if v.status == TemplateStatus.APPROVED),
                  None)  # fmt: skip
    return render(request, "web/message_template.html", {
        "form": form, "versions": versions or [], "in_use": in_use,
        "code": versions[0].code if versions else "", "may_write": may_write(user),
        "may_review": may_review(user), "placeholders": PLACEHOLDERS,
        "review_errors": review_errors or {}, "me": user.pk,
    }, status=status)  # fmt: skip


def _save(request: HttpRequest, form: TemplateForm, versions: list[MessageTemplate]) -> (
    HttpResponse
):  # fmt: skip
    """Save the form as the next version: the page again (400) with the reason on its field."""
    if form.is_valid():
        data = form.cleaned_data
        try:
            row = template_save(
                code=data["code"], channel=data["channel"], name=data["name"],
                subject=data["subject"], body=data["body"], actor=_actor(request),
                now=timezone.now(),
            )  # fmt: skip
        except TemplateInvalid as exc:
            for problem in exc.problems:
                where = f"line {problem.line}: " if problem.line else ""
                field = problem.field if problem.field in form.fields else None
                form.add_error(field, where + problem.message)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if versions and row.version == versions[0].version:
                messages.success(request, f"{row.code}: the text is unchanged, still version "
                                          f"{row.version}.")  # fmt: skip
            else:
                messages.success(request, f"{row.code} version {row.version} saved; it waits "
                                          "for compliance's approval.")  # fmt: skip
            return redirect(reverse("message-template", args=[row.code]))
    return _editor(request, form, versions=versions, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def template_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not may_see(user):
        return HttpResponse(NOT_FOR_YOU, status=403)
    if request.method == "GET":
        if not may_write(user):
            return HttpResponse(ONLY_WRITERS, status=403)
        return _editor(request, TemplateForm(initial={"channel": "email"}))
    if not may_write(user):
        return HttpResponse(ONLY_WRITERS, status=403)
    return _save(request, TemplateForm(request.POST), [])


@login_required
@require_http_methods(["GET", "POST"])
def template_page(request: HttpRequest, code: str) -> HttpResponse:
    """A template's versions (newest first) and the form that saves the next one, filled with
    the latest text."""
    user = _user(request)
    if not may_see(user):
        return HttpResponse(NOT_FOR_YOU, status=403)
    versions = template_versions(code)
    if not versions:
        return HttpResponse(f"No template {code!r}.", status=404)
    latest = versions[0]
    if request.method == "POST":
        if not may_write(user):
            return HttpResponse(ONLY_WRITERS, status=403)
        # The code and channel are the template's own: a form cannot change them.
        data = request.POST.copy()
        data["code"], data["channel"] = latest.code, latest.channel
        return _save(request, TemplateForm(data), versions)
    form = TemplateForm(initial={"code": latest.code, "channel": latest.channel,
                                 "name": latest.name, "subject": latest.subject,
                                 "body": latest.body})  # fmt: skip
    return _editor(request, form, versions=versions)


@login_required
@require_POST
def template_review_view(request: HttpRequest, code: str, version: int) -> HttpResponse:
    """Approve a draft or send it back with a note (compliance officers)."""
    user = _user(request)
    if not may_see(user):
        return HttpResponse(NOT_FOR_YOU, status=403)
    if not may_review(user):
        return HttpResponse(ONLY_REVIEWERS, status=403)
    versions = template_versions(code)
    if not versions:
        return HttpResponse(f"No template {code!r}.", status=404)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _review_refused(request, versions, version, "Say whether to approve or send back.")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        row = template_review(code=code, version=version, approve=approve,
                              note=form.cleaned_data["note"], actor=_actor(request),
                              now=timezone.now())  # fmt: skip
    except ServiceError as exc:
        return _review_refused(request, versions, version, exc.message,
                               status=404 if isinstance(exc, NotFound) else 400)  # fmt: skip
    said = "approved: strategies send it from now on" if approve else "sent back to its author"
    messages.success(request, f"{row.code} version {row.version} {said}.")
    return redirect(reverse("message-template", args=[row.code]))


def _review_refused(
    request: HttpRequest, versions: list[MessageTemplate], version: int, message: str,
    status: int = 400,
) -> HttpResponse:  # fmt: skip
    latest = versions[0]
    form = TemplateForm(initial={"code": latest.code, "channel": latest.channel,
                                 "name": latest.name, "subject": latest.subject,
                                 "body": latest.body})  # fmt: skip
    return _editor(request, form, versions=versions, status=status,
                   review_errors={version: message})  # fmt: skip


@login_required
@require_POST
def template_preview_view(request: HttpRequest) -> HttpResponse:
    """The unsaved text rendered (htmx): on sample values, or on the account named when the
    user may see it; problems listed with field and line. Always a fragment, status 200, so
    htmx swaps it in."""
    user = _user(request)
    if not may_see(user):
        return HttpResponse(NOT_FOR_YOU, status=403)
    form = PreviewForm(request.POST)
    context: dict[str, Any] = {"problems": [], "error": "", "preview": None}
    if not form.is_valid():
        first = next(iter(form.errors.items()))
        context["error"] = f"{first[0]}: {' '.join(str(e) for e in first[1])}"
        return render(request, "web/message_template_preview.html", context)
    data = form.cleaned_data
    account_id = data["account_id"]
    try:
        if account_id is not None:
            require_account_visible(user, account_id)
        context["preview"] = template_preview(
            channel=data["channel"], subject=data["subject"], body=data["body"],
            today=timezone.localdate(), account_id=account_id,
        )  # fmt: skip
    except TemplateInvalid as exc:
        context["problems"] = exc.problems
    except NotFound:
        context["error"] = f"No account {account_id}."
    except ServiceError as exc:
        context["error"] = exc.message
    context["account_id"] = account_id
    return render(request, "web/message_template_preview.html", context)
