"""The collector's workspace: my queues, "next account", a queue's state, and the actions on the
account screen (call with disposition, promise, callback, note, status, hold, contact points,
revealing personal data)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from arrears.core.money import Money
from arrears.core.work import DISPOSITION_RULES, MAX_PROMISE_DATES, Disposition
from arrears.data.accounts.models import HoldKind
from arrears.data.cases.models import DisputeReason
from arrears.data.parties.models import PhoneType
from arrears.data.users.models import Role, User
from arrears.data.work.models import DialMode, WorkQueue
from arrears.interfaces.web.access import account_view_or_404, visible_or_404
from arrears.services.accounts.access import require_account_visible
from arrears.services.accounts.queries import AccountView
from arrears.services.common import ServiceError, dialer
from arrears.services.compliance.operations import ContactBlocked
from arrears.services.ledger.operations import hold_add
from arrears.services.work.actions import (
    SETTABLE_STATUSES,
    PromiseDate,
    account_status_change,
    call_log,
    callback_schedule,
    contact_point_add,
    contact_point_mark_bad,
    note_add,
    promise_record,
)
from arrears.services.work.dialer import (
    best_choice,
    dial_choices,
    preview_call_place,
    voicemail_for,
)
from arrears.services.work.identity import personal_data_reveal
from arrears.services.work.picking import NotAMember, lease_release, may_work, next_account
from arrears.services.work.queries import queue_state, queue_top, queues_for, skipped_accounts
from arrears.services.work.screen import AccountScreen

WORK_ROLES = {Role.COLLECTOR, Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _may_work(request: HttpRequest) -> bool:
    return bool(request.user.is_superuser or getattr(request.user, "role", None) in WORK_ROLES)


@login_required
def work_home(request: HttpRequest) -> HttpResponse:
    """My queues: how much each holds and offers now, and "next account" for each."""
    if not _may_work(request):
        return HttpResponse("Your role does not work queues.", status=403)
    now = timezone.now()
    user = _user(request)
    states = [queue_state(q, now=now, user=user) for q in queues_for(user)]
    return render(request, "web/work_home.html",
                  {"states": states, "last_queue": request.session.get("queue")})  # fmt: skip


@login_required
@require_POST
def work_next(request: HttpRequest, code: str) -> HttpResponse:
    if not _may_work(request):
        return HttpResponse("Your role does not work queues.", status=403)
    try:
        pick = next_account(queue_code=code, user=_user(request), now=timezone.now())
    except NotAMember as exc:
        return HttpResponse(exc.message, status=403)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("work-home")
    request.session["queue"] = code
    if pick is None:
        messages.info(request, f"Queue {code}: nothing to offer now. Every account left is "
                               "worked, leased or blocked by the rules (see the queue).")  # fmt: skip
        return redirect("work-home")
    return redirect(reverse("account-page", args=[pick.account_id]) + f"?queue={pick.queue}")


@login_required
@require_POST
def work_release(request: HttpRequest, account_id: int) -> HttpResponse:
    if not _may_work(request):
        return HttpResponse("Your role does not work queues.", status=403)
    visible_or_404(request, require_account_visible, account_id)
    lease_release(account_id=account_id, user=_user(request), now=timezone.now())
    messages.success(request, "Account given back to the queue.")
    return redirect("work-home")


@login_required
def queue_page(request: HttpRequest, code: str) -> HttpResponse:
    """A queue's state and the accounts "next account" skips now, with the rules that block."""
    queue = WorkQueue.objects.filter(code=code).first()
    if queue is None:
        raise Http404("no such queue")
    if not may_work(_user(request), queue):
        return HttpResponse("This queue is not granted to you.", status=403)
    now, user = timezone.now(), _user(request)
    return render(request, "web/queue_page.html", {
        "state": queue_state(queue, now=now, user=user),
        "skipped": skipped_accounts(queue, now=now, user=user),
        "top": queue_top(queue, user=user, limit=25),
    })  # fmt: skip


# --- account screen actions ----------------------------------------------------------------------


class PromiseDates(forms.Form):
    """A form with a promise's first amount and day, and room for up to MAX_PROMISE_DATES of
    them: the later ones (``amount_2``, ``due_on_2`` …) sit folded under "Add another date"."""

    amount_field = "amount"
    due_field = "due_on"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        order = list(self.fields)
        at = order.index(self.due_field) + 1
        later: list[str] = []
        for n in range(2, MAX_PROMISE_DATES + 1):
            amount = forms.DecimalField(required=False, min_value=Decimal("0.01"),
                                        decimal_places=2, max_digits=14,
                                        label=f"Payment {n} amount")  # fmt: skip
            due = forms.DateField(required=False, label=f"Payment {n} due on",
                                  widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
            self.fields[f"{self.amount_field}_{n}"] = amount
            self.fields[f"{self.due_field}_{n}"] = due
            later += [f"{self.amount_field}_{n}", f"{self.due_field}_{n}"]
        self.order_fields(order[:at] + later + order[at:])
        self._later = set(later)
        self._rows: list[int] = []

    def shown_fields(self) -> list[forms.BoundField]:
        """The fields drawn one by one; the later dates are drawn folded, after the first (and
        hidden fields with the form's other hidden inputs)."""
        return [field for field in self if field.name not in self._later and not field.is_hidden]

    def later_dates(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [(n, self[f"{self.amount_field}_{n}"], self[f"{self.due_field}_{n}"])
                for n in range(2, MAX_PROMISE_DATES + 1)]  # fmt: skip

    def later_dates_open(self) -> bool:
        """Show the later dates unfolded: one was filled in, or has an error."""
        return any(
            (self.is_bound and (amount.data or due.data)) or amount.errors or due.errors
            for _, amount, due in self.later_dates()
        )  # fmt: skip

    def promise_dates(self) -> list[PromiseDate] | None:
        """The dates filled in, for ``promises=``; None when only the first line is used."""
        data = self.cleaned_data
        rows = [(1, data.get(self.amount_field), data.get(self.due_field))] + [
            (n, data.get(f"{self.amount_field}_{n}"), data.get(f"{self.due_field}_{n}"))
            for n in range(2, MAX_PROMISE_DATES + 1)
        ]  # fmt: skip
        if all(amount is None and due is None for n, amount, due in rows if n > 1):
            return None
        given = [(n, a, d) for n, a, d in rows if n == 1 or a is not None or d is not None]
        self._rows = [n for n, _, _ in given]
        return [PromiseDate(amount_minor=_minor(a), due_on=d) for _, a, d in given]

    def field_for(self, name: str | None) -> str | None:
        """The form's field for a service's field name (``promises[1].due_on`` …)."""
        if name in ("promise_amount", "promise_due_on", "promises"):
            return self.amount_field if name != "promise_due_on" else self.due_field
        if name and name.startswith("promises[") and "]." in name:
            index, _, part = name[len("promises["):].partition("].")  # fmt: skip
            if index.isdigit() and int(index) < len(self._rows):
                n = self._rows[int(index)]
                base = self.amount_field if part == "amount" else self.due_field
                return base if n == 1 else f"{base}_{n}"
        return name


class CallForm(PromiseDates):
    prefix = "call"
    amount_field = "promise_amount"
    due_field = "promise_due_on"
    direction = forms.ChoiceField(choices=[("outbound", "Outbound"), ("inbound", "Inbound")])
    disposition = forms.ChoiceField(
        choices=[(d.value, DISPOSITION_RULES[d].label) for d in Disposition]
    )
    contact_point = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                           label="Number")  # fmt: skip
    promise_amount = forms.DecimalField(required=False, min_value=Decimal("0.01"),
                                        decimal_places=2, max_digits=14)  # fmt: skip
    promise_due_on = forms.DateField(required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    callback_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        label="Call back at",
    )  # fmt: skip
    dispute_reason = forms.ChoiceField(choices=[("", "—"), *DisputeReason.choices],
                                       required=False)  # fmt: skip
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 1}))
    # A call placed by the dialer (preview dial): its outcome is recorded under the dialer's key,
    # at the moment it was placed (the moment the rules allowed it).
    key = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)
    dialled_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, view: AccountView, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_point"].choices = [(None, "—")] + [  # type: ignore[attr-defined]
            (c.pk, f"{c.phone_e164} ({c.phone_type}){' · bad' if c.status == 'bad' else ''}")
            for p in view.parties for c in p.contact_points if c.kind == "phone"
        ]  # fmt: skip


class NoteForm(forms.Form):
    prefix = "note"
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class PromiseForm(PromiseDates):
    prefix = "promise"
    amount = forms.DecimalField(min_value=Decimal("0.01"), decimal_places=2, max_digits=14)
    due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(required=False)


class CallbackForm(forms.Form):
    prefix = "callback"
    due_at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                 label="Call back at")  # fmt: skip
    consumer_asked = forms.BooleanField(required=False, label="The consumer asked for it")
    note = forms.CharField(required=False)


class StatusForm(forms.Form):
    prefix = "status"
    status = forms.ChoiceField(choices=[(s.value, s.label) for s in SETTABLE_STATUSES])
    reason = forms.CharField(max_length=200)


class HoldForm(forms.Form):
    prefix = "hold"
    kind = forms.ChoiceField(choices=HoldKind.choices)
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.CharField(max_length=200, help_text="Who or what raised it, and how.")
    reason = forms.CharField(required=False)


class PointForm(forms.Form):
    prefix = "point"
    kind = forms.ChoiceField(choices=[("phone", "Phone"), ("email", "Email")])
    value = forms.CharField(max_length=254, label="Number or address")
    phone_type = forms.ChoiceField(choices=[("", "—"), *PhoneType.choices], required=False)
    consent_source = forms.CharField(required=False, max_length=60, label="Consent from")


class BadForm(forms.Form):
    prefix = "bad"
    contact_point = forms.IntegerField()
    reason = forms.CharField(max_length=200)


def work_forms(view: AccountView, today: Any, data: Any = None, failed: str = "") -> dict[str, Any]:
    """The account screen's action forms; the one that failed keeps its input and errors."""

    def bound(name: str, cls: Callable[..., forms.Form], **kw: Any) -> forms.Form:
        return cls(data, **kw) if name == failed else cls(**kw)

    return {
        "call_form": bound("call", CallForm, view=view),
        "note_form": bound("note", NoteForm),
        "promise_form": bound("promise", PromiseForm),
        "callback_form": bound("callback", CallbackForm),
        "status_form": bound("status", StatusForm),
        "hold_form": bound("hold", HoldForm, initial={"starts_on": today}),
        "point_form": bound("point", PointForm),
    }


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment)


def _minor(amount: Decimal | None) -> int | None:
    return None if amount is None else Money.of(amount, "USD").minor


FORMS: dict[str, type[forms.Form]] = {
    "call": CallForm, "note": NoteForm, "promise": PromiseForm, "callback": CallbackForm,
    "status": StatusForm, "hold": HoldForm, "point": PointForm, "bad": BadForm,
}  # fmt: skip
ANCHORS = {"call": "timeline", "note": "timeline", "promise": "work", "callback": "work",
           "status": "work", "hold": "holds", "point": "parties", "bad": "parties"}  # fmt: skip
FIELD_NAMES = {"contact_point_id": "contact_point", "promise_amount": "promise_amount",
               "due_at": "due_at", "text": "text"}  # fmt: skip


@login_required
@require_POST
def account_action(request: HttpRequest, account_id: int, action: str) -> HttpResponse:
    """One action from the account screen. A refusal re-renders the screen with the form's input
    and the error on its field (or the rules' reasons), and saves nothing."""
    from arrears.interfaces.web.views import _page, _web_actor  # the screen is drawn there

    if action not in FORMS:
        raise Http404("no such action")
    view = account_view_or_404(request, account_id)
    if not _may_work(request):
        return HttpResponse("Your role may not act on accounts.", status=403)
    form = CallForm(request.POST, view=view) if action == "call" else FORMS[action](request.POST)
    if action == "bad" and not form.is_valid():
        # The mark-bad buttons sit in the contact table, not in a form of the work panel.
        messages.error(request, "Say which contact point is bad, and why.")
        return _page(request, view, status=400)
    if not form.is_valid():
        return _page(request, view, work=(action, request.POST), status=400)
    data, actor, now = form.cleaned_data, _web_actor(request), timezone.now()
    if isinstance(form, PromiseDates):
        data = {**data, "promises": form.promise_dates()}
    try:
        done = _perform(action, account_id, data, actor, now)
    except ContactBlocked as blocked:
        return _page(request, view, work=(action, request.POST), refused=blocked.decision,
                     status=409)  # fmt: skip
    except ServiceError as exc:
        if action == "bad":
            messages.error(request, f"Not marked bad: {exc.message}.")
            return _page(request, view, status=400)
        field = FIELD_NAMES.get(exc.field or "", exc.field)
        if isinstance(form, PromiseDates):
            field = form.field_for(exc.field)
        return _page(request, view, work=(action, request.POST), work_error=(field, exc.message),
                     status=400)  # fmt: skip
    messages.success(request, done)
    dialled = request.session.get(DIALLED)
    if action == "call" and dialled and dialled.get("key") == data.get("key"):
        del request.session[DIALLED]  # the preview call's outcome is logged
    queue = request.POST.get("queue", "")
    suffix = f"?queue={queue}" if queue else ""
    return redirect(reverse("account-page", args=[account_id]) + suffix + f"#{ANCHORS[action]}")


# How long after a preview call is placed its outcome may still be logged at that moment.
DIALLED_WITHIN = timedelta(hours=2)


def _dialled(data: dict[str, Any], now: datetime) -> tuple[str | None, datetime]:
    """A preview call's key and the moment it was placed, when the form carries them (the
    workspace put them there on the call's placing); else no key, and now."""
    key = (data.get("key") or "").strip()
    placed = _aware(data.get("dialled_at"))
    if not key.startswith("dialer:"):
        return None, now
    if placed is not None and now - DIALLED_WITHIN <= placed <= now:
        return key, placed
    return key, now


def _perform(action: str, account_id: int, data: dict[str, Any], actor: Any, now: datetime) -> str:
    listed: list[PromiseDate] | None = data.get("promises")
    match action:
        case "call":
            key, at = _dialled(data, now)
            logged = call_log(
                account_id=account_id, disposition=data["disposition"],
                direction=data["direction"], at=at, now=now, actor=actor, key=key,
                contact_point_id=data["contact_point"], note=data["note"],
                promise_amount_minor=None if listed else _minor(data["promise_amount"]),
                promise_due_on=None if listed else data["promise_due_on"], promises=listed,
                callback_at=_aware(data["callback_at"]), dispute_reason=data["dispute_reason"],
            )  # fmt: skip
            dates = len(logged.promise_dates)
            extra = ((" with a promise" + (f" on {dates} dates" if dates > 1 else ""))
                     if logged.promise else " with a callback"
                     if logged.callback else " and the dispute recorded" if logged.dispute
                     else " and the number marked bad" if logged.marked_bad else "")  # fmt: skip
            return (
                f"Call logged: {DISPOSITION_RULES[Disposition(data['disposition'])].label}{extra}."
            )
        case "note":
            note_add(account_id=account_id, text=data["text"], actor=actor, now=now)
            return "Note added."
        case "promise":
            promise_record(account_id=account_id, actor=actor, now=now, note=data["note"],
                           amount_minor=None if listed else _minor(data["amount"]),
                           due_on=None if listed else data["due_on"], promises=listed)  # fmt: skip
            return f"Promise recorded on {len(listed)} dates." if listed else "Promise recorded."
        case "callback":
            due = _aware(data["due_at"])
            assert due is not None
            callback_schedule(account_id=account_id, due_at=due, actor=actor, now=now,
                              note=data["note"], consumer_asked=data["consumer_asked"])  # fmt: skip
            return "Callback scheduled."
        case "status":
            account_status_change(account_id=account_id, status=data["status"],
                                  reason=data["reason"], actor=actor, now=now)  # fmt: skip
            return "Status changed."
        case "hold":
            hold_add(account_id=account_id, kind=data["kind"], starts_on=data["starts_on"],
                     source=data["source"], reason=data["reason"], actor=actor, now=now)  # fmt: skip
            return "Hold added."
        case "point":
            contact_point_add(account_id=account_id, kind=data["kind"], value=data["value"],
                              phone_type=data["phone_type"], consent_source=data["consent_source"],
                              actor=actor, now=now)  # fmt: skip
            return "Contact point added."
        case _:
            contact_point_mark_bad(account_id=account_id, contact_point_id=data["contact_point"],
                                   reason=data["reason"], actor=actor, now=now)  # fmt: skip
            return "Contact point marked bad."


@login_required
@require_POST
def account_reveal(request: HttpRequest, account_id: int) -> HttpResponse:
    """Show the parties' full SSN and date of birth once; the reveal is audited."""
    from arrears.interfaces.web.views import _page, _web_actor

    view = account_view_or_404(request, account_id)
    if not _may_work(request):
        return HttpResponse("Your role may not see personal data.", status=403)
    revealed = personal_data_reveal(
        account_id=account_id, reason=request.POST.get("reason", "").strip() or "working the account",
        actor=_web_actor(request), now=timezone.now(),
    )  # fmt: skip
    return _page(request, view, revealed=revealed)


# --- preview dialing ------------------------------------------------------------------------------

DIALLED = "dialled"  # the session's note of the preview call placed last, until it is logged


def _collector_name(user: User) -> str:
    return user.get_full_name().strip() or user.first_name.strip() or user.get_username()


def dial_section(
    request: HttpRequest, screen: AccountScreen, queue: str, failed: str
) -> dict[str, Any]:
    """In a queue worked in preview mode: the best number the rules allow now with its "Call"
    button (disabled, with the reasons, when the rules block it), "Skip", the limited-content
    voicemail filled for this account, and, once a call is placed, the call form ready to log
    its outcome under the dialer's key. One statement (the queue's mode); the rules judge the
    snapshot the screen already built."""
    if not queue or screen.snapshot is None or not _may_work(request):
        return {}
    mode = WorkQueue.objects.filter(code=queue).values_list("dial_mode", flat=True).first()
    if mode != DialMode.PREVIEW:
        return {}
    now, user, view = timezone.now(), _user(request), screen.view
    judged = {p.id for p in screen.snapshot.contact_points}  # the primary consumer's
    points = [c for p in view.parties for c in p.contact_points if str(c.pk) in judged]
    choices = dial_choices(points, screen.snapshot, at=now, day=timezone.localdate(now))
    client = view.account.client
    script, no_script = voicemail_for(
        client_kind=client.kind, client_name=client.name, collector=_collector_name(user),
        at=now.astimezone(ZoneInfo(screen.snapshot.day_zone)),
    )  # fmt: skip
    dialled = request.session.get(DIALLED)
    if not (dialled and dialled.get("account") == view.account.pk):
        dialled = None
    out: dict[str, Any] = {"dial": {
        "queue": queue, "best": best_choice(choices), "choices": choices, "voicemail": script,
        "voicemail_error": no_script, "dialled": dialled,
    }}  # fmt: skip
    if dialled and failed != "call":
        out["call_form"] = CallForm(view=view, initial={
            "direction": "outbound", "contact_point": dialled["point"], "key": dialled["key"],
            "dialled_at": dialled["at"],
        })  # fmt: skip
    return out


@login_required
@require_POST
def account_dial(request: HttpRequest, account_id: int) -> HttpResponse:
    """Preview dial: place the call to the number chosen (or the best one) through the dialer,
    once the rules allow it now. Blocked: the screen again with the reasons, nothing placed."""
    from arrears.interfaces.web.views import _page, _web_actor

    view = account_view_or_404(request, account_id)
    if not _may_work(request):
        return HttpResponse("Your role may not call consumers.", status=403)
    raw = request.POST.get("contact_point", "").strip()
    if raw and not raw.isdigit():
        messages.error(request, "Not called: choose one of the account's numbers.")
        return _page(request, view, status=400)
    try:
        placed = preview_call_place(
            account_id=account_id, contact_point_id=int(raw) if raw else None,
            agent=_user(request).get_username(), actor=_web_actor(request), now=timezone.now(),
            dialer=dialer(),
        )  # fmt: skip
    except ContactBlocked as blocked:
        messages.error(request, "Not called: the rules block a call to this number now.")
        return _page(request, view, refused=blocked.decision, status=409)
    except ServiceError as exc:
        messages.error(request, f"Not called: {exc.message}.")
        return _page(request, view, status=400)
    request.session[DIALLED] = {
        "account": account_id, "key": placed.key, "at": placed.at.isoformat(),
        "point": placed.contact_point_id, "masked": placed.masked,
    }  # fmt: skip
    messages.success(request, f"Calling {placed.masked}. Log what the call came to below.")
    queue = request.POST.get("queue", "")
    suffix = f"?queue={queue}" if queue else ""
    return redirect(reverse("account-page", args=[account_id]) + suffix + "#work")
