"""The supervisor's view of the floor: a day's and its month's figures per collector and team,
queue depths, who is working what, monthly targets, and reassigning accounts. Supervisors and
administrators only."""

from __future__ import annotations

import re
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
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from arrears.core.money import Money, format_minor
from arrears.data.users.models import User
from arrears.data.work.models import Team
from arrears.services.common import Actor, ServiceError
from arrears.services.supervision.operations import (
    MAX_GRACE_DAYS,
    may_supervise,
    promise_grace_set,
    target_set,
    team_define,
)
from arrears.services.supervision.queries import (
    assignable_collectors,
    client_names,
    floor_summary,
    owned_accounts,
    promise_grace_by_client,
    supervisors,
    teams_with_members,
)
from arrears.services.work.actions import assignment_set

FORBIDDEN = "The supervisor's view is for supervisors and administrators."


def _supervisor(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and may_supervise(user) else None


def _actor(request: HttpRequest) -> Actor:
    return Actor(label=request.user.get_username(), user_id=request.user.pk)


class TargetForm(forms.Form):
    prefix = "target"
    who = forms.ChoiceField(label="For", required=False)
    month = forms.DateField(input_formats=["%Y-%m"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))  # fmt: skip
    amount = forms.DecimalField(decimal_places=2, max_digits=14)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        collectors = [(f"collector:{u.username}", f"{u.get_full_name() or u.username} "
                       f"({u.username})") for u in assignable_collectors()]  # fmt: skip
        teams = [(f"team:{t.code}", f"Team {t.name} ({t.code})")
                 for t in Team.objects.order_by("name")]  # fmt: skip
        self.fields["who"].choices = [("", "—"), *collectors, *teams]  # type: ignore[attr-defined]


class ReassignForm(forms.Form):
    prefix = "reassign"
    account_ids = forms.CharField(required=False, label="Account ids",
                                  widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    to = forms.ChoiceField(label="Give to")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (u.username, f"{u.get_full_name() or u.username} ({u.username})")
            for u in assignable_collectors()
        ]


class TeamForm(forms.Form):
    """A new team, or the one with this code changed: its name, supervisor and members (the
    members ticked replace the team's; a collector ticked here leaves any other team)."""

    prefix = "team"
    code = forms.SlugField(max_length=40, label="Code",
                           help_text="Letters, digits, '-' or '_'; an existing code changes that team.")  # fmt: skip
    name = forms.CharField(max_length=100, label="Name")
    supervisor = forms.ChoiceField(label="Supervisor", required=False)
    members = forms.MultipleChoiceField(label="Members", required=False,
                                        widget=forms.CheckboxSelectMultiple)  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (u.username, f"{u.get_full_name() or u.username} ({u.username})") for u in supervisors()
        ]
        self.fields["members"].choices = [  # type: ignore[attr-defined]
            (u.username, f"{u.get_full_name() or u.username} ({u.username})")
            for u in assignable_collectors()
        ]


class GraceForm(forms.Form):
    prefix = "grace"
    client = forms.ChoiceField(label="Client")
    days = forms.IntegerField(label="Days of grace", min_value=0, max_value=MAX_GRACE_DAYS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (code, f"{code} · {name}") for code, name in client_names()
        ]


def _team_form(code: str) -> TeamForm:
    """The team form, filled with the team of this code when there is one."""
    if not code:
        return TeamForm()
    for card in teams_with_members():
        if card.team.code == code:
            return TeamForm(initial={
                "code": card.team.code, "name": card.team.name,
                "supervisor": card.supervisor.get_username() if card.supervisor else "",
                "members": [u.get_username() for u in card.members],
            })  # fmt: skip
    return TeamForm()


def _day(text: str | None) -> date | None:
    if not text:
        return timezone.localdate()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _page(
    request: HttpRequest,
    day: date,
    *,
    target_form: TargetForm | None = None,
    reassign_form: ReassignForm | None = None,
    team_form: TeamForm | None = None,
    grace_form: GraceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    owner_name = request.GET.get("owner") or request.POST.get("owner", "")
    owner, owned = owned_accounts(owner_name) if owner_name else (None, [])
    month = day.replace(day=1)
    return render(request, "web/supervise.html", {
        "summary": floor_summary(day=day, now=timezone.now()),
        "day": day, "today": timezone.localdate(),
        "previous": day - timedelta(days=1), "next": day + timedelta(days=1),
        "target_form": target_form or TargetForm(initial={"month": month}),
        "reassign_form": reassign_form or ReassignForm(),
        "team_form": team_form or _team_form(request.GET.get("team", "")),
        "grace_form": grace_form or GraceForm(), "teams": teams_with_members(),
        "graces": promise_grace_by_client(),
        "collectors": assignable_collectors(), "owner": owner, "owner_name": owner_name,
        "owned": owned, "picked": set(request.POST.getlist("reassign-account")),
    }, status=status)  # fmt: skip


@login_required
def supervise_page(request: HttpRequest) -> HttpResponse:
    if _supervisor(request) is None:
        return HttpResponse(FORBIDDEN, status=403)
    day = _day(request.GET.get("day"))
    if day is None:
        messages.error(request, f"{request.GET.get('day')!r} is not a day (YYYY-MM-DD): "
                                "showing today.")  # fmt: skip
        return _page(request, timezone.localdate(), status=400)
    return _page(request, day)


def _back(day: str, anchor: str, **params: str) -> str:
    query = urlencode({k: v for k, v in {"day": day, **params}.items() if v})
    return reverse("supervise") + (f"?{query}" if query else "") + f"#{anchor}"


def _posted[F: forms.Form](
    request: HttpRequest, form_class: type[F], slot: str
) -> tuple[date, F] | HttpResponse:
    """A form posted from the floor view: the day shown and the bound form when a supervisor
    sent it valid; else the answer (403, or the page again with the form's errors)."""
    if _supervisor(request) is None:
        return HttpResponse(FORBIDDEN, status=403)
    day = _day(request.POST.get("day")) or timezone.localdate()
    form = form_class(request.POST)
    if not form.is_valid():
        return _again(request, day, slot, form)
    return day, form


def _refused(
    request: HttpRequest, day: date, slot: str, form: forms.Form, error: ServiceError,
    field: str | None,
) -> HttpResponse:  # fmt: skip
    """The service said no: the page again, the reason on ``field`` (or the whole form)."""
    form.add_error(field if field in form.fields else None, error.message)
    return _again(request, day, slot, form)


def _again(request: HttpRequest, day: date, slot: str, form: forms.Form) -> HttpResponse:
    """The page once more with this form as it was sent, its errors shown: 400."""
    filled: dict[str, Any] = {slot: form}
    return _page(request, day, **filled, status=400)


@login_required
@require_POST
def supervise_target(request: HttpRequest) -> HttpResponse:
    """Set a collector's or a team's target for a month; a refusal shows the form with its error
    and saves nothing."""
    posted = _posted(request, TargetForm, "target_form")
    if isinstance(posted, HttpResponse):
        return posted
    day, form = posted
    data = form.cleaned_data
    kind, _, name = str(data["who"]).partition(":")
    try:
        target = target_set(
            collector=name if kind == "collector" else None,
            team=name if kind == "team" else None, month=data["month"],
            amount_minor=_minor(data["amount"]), actor=_actor(request), now=timezone.now(),
        )  # fmt: skip
    except ServiceError as exc:
        field = {"collector": "who", "team": "who"}.get(exc.field or "", exc.field)
        return _refused(request, day, "target_form", form, exc, field)
    who = f"team {name}" if kind == "team" else name
    amount = format_minor(target.amount_minor, target.currency)
    messages.success(request, f"Target for {who} in {target.month:%B %Y} set to {amount}.")
    return redirect(_back(request.POST.get("day", ""), "targets"))


def _minor(amount: Decimal) -> int:
    return Money.of(amount, "USD").minor


_SEPARATORS = re.compile(r"[\s,;#]+")


@login_required
@require_POST
def supervise_reassign(request: HttpRequest) -> HttpResponse:
    """Give the picked accounts (ticked in a collector's list or typed as ids) to a collector;
    each change is audited. A refusal says why and changes nothing."""
    posted = _posted(request, ReassignForm, "reassign_form")
    if isinstance(posted, HttpResponse):
        return posted
    day, form = posted
    picked = request.POST.getlist("reassign-account") + [
        t for t in _SEPARATORS.split(form.cleaned_data["account_ids"]) if t
    ]
    bad = [t for t in picked if not t.isdigit()]
    if bad:
        form.add_error("account_ids", f"{bad[0]!r} is not an account id")
        return _page(request, day, reassign_form=form, status=400)
    ids = sorted({int(t) for t in picked})
    if not ids:
        form.add_error("account_ids", "tick accounts in the list or type their ids")
        return _page(request, day, reassign_form=form, status=400)
    to = form.cleaned_data["to"]
    try:
        changed = assignment_set(account_ids=ids, username=to, actor=_actor(request),
                                 now=timezone.now())  # fmt: skip
    except ServiceError as exc:
        field = "account_ids" if exc.field == "account_ids" else "to"
        return _refused(request, day, "reassign_form", form, exc, field)
    same = len(ids) - changed
    noun = "account" if changed == 1 else "accounts"
    already = f" ({same} already theirs)" if same else ""
    messages.success(request, f"{changed} {noun} given to {to}{already}.")
    return redirect(_back(request.POST.get("day", ""), "reassign",
                          owner=request.POST.get("owner", "")))  # fmt: skip


@login_required
@require_POST
def supervise_team(request: HttpRequest) -> HttpResponse:
    """Create a team or change one: name, supervisor, members. A refusal shows the form with
    its error and saves nothing."""
    posted = _posted(request, TeamForm, "team_form")
    if isinstance(posted, HttpResponse):
        return posted
    day, form = posted
    data = form.cleaned_data
    try:
        team = team_define(
            code=data["code"], name=data["name"], supervisor=data["supervisor"] or None,
            members=data["members"], actor=_actor(request), now=timezone.now(),
        )  # fmt: skip
    except ServiceError as exc:
        return _refused(request, day, "team_form", form, exc, exc.field)
    count = len(data["members"])
    messages.success(request, f"Team {team.name} ({team.code}) saved with {count} "
                              f"member{'' if count == 1 else 's'}.")  # fmt: skip
    return redirect(_back(request.POST.get("day", ""), "teams"))


@login_required
@require_POST
def supervise_grace(request: HttpRequest) -> HttpResponse:
    """Set how many days after its due day a payment still keeps a client's promises."""
    posted = _posted(request, GraceForm, "grace_form")
    if isinstance(posted, HttpResponse):
        return posted
    day, form = posted
    data = form.cleaned_data
    try:
        before = promise_grace_set(client_code=data["client"], days=data["days"],
                                   actor=_actor(request), now=timezone.now())  # fmt: skip
    except ServiceError as exc:
        return _refused(request, day, "grace_form", form, exc, exc.field)
    messages.success(request, f"Promises of {data['client']} keep {data['days']} days of grace "
                              f"(were {before}).")  # fmt: skip
    return redirect(_back(request.POST.get("day", ""), "grace"))
