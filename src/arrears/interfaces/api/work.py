"""Workspace endpoints: queues, next account, and the collector's actions on an account.

Registered on the API by ``routes`` (imported at its end)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from arrears.data.users.models import Role, User
from arrears.data.work.models import Promise, WorkQueue
from arrears.interfaces.api.routes import (
    BlockedOut,
    ErrorOut,
    PermissionDeniedError,
    _actor,
    _amount,
    _decision_out,
    _minor,
    _require,
    accounts,
    api,
)
from arrears.services.common import NotFound, ServiceError
from arrears.services.compliance.operations import ContactBlocked
from arrears.services.ledger.operations import hold_add
from arrears.services.work.actions import (
    PromiseDate,
    account_status_change,
    assignment_set,
    call_log,
    callback_schedule,
    note_add,
    promise_record,
)
from arrears.services.work.picking import NotAMember, lease_release, next_account
from arrears.services.work.queries import queue_state, queues_for, timeline
from arrears.services.work.queues import queue_build, queue_define

WORK_ROLES = (Role.COLLECTOR, Role.SUPERVISOR, Role.COMPLIANCE)
MANAGE_ROLES = (Role.SUPERVISOR,)

queues = Router(tags=["work"])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class QueueIn(Schema):
    code: str = Field(description="Letters, digits, '-' or '_'; an existing code is changed.")
    name: str
    description: str = ""
    filters: dict[str, Any] = Field(
        default_factory=dict,
        description="clients, statuses, hold (none, any or a kind), balance_min, balance_max "
        "(decimal text), states, placed_days_min, placed_days_max, no_contact_days, "
        "promise_due, callback_due, broken_days (a promise or arrangement broken in the last "
        "N days, nothing newer agreed)",
    )
    order: str = Field("balance_high", description="balance_high, balance_low, placed_oldest, "
                       "placed_newest, least_recent_contact, callback_due or promise_due")  # fmt: skip
    mode: str = Field("pooled", description="pooled or owned")
    dial_mode: str = Field("manual", description="manual, or preview: the workspace offers the "
                           "best allowed number to call with one click")  # fmt: skip
    members: list[str] = Field(default_factory=list, description="User names granted the queue.")


class QueueOut(Schema):
    code: str
    name: str
    order: str
    mode: str
    dial_mode: str
    filters: dict[str, Any]
    built_at: datetime | None
    size: int
    available: int
    blocked: int
    leased: int
    worked: int


def _queue_out(queue: WorkQueue, user: User) -> dict[str, Any]:
    state = queue_state(queue, now=timezone.now(), user=user)
    return {
        "code": queue.code, "name": queue.name, "order": queue.order, "mode": queue.mode,
        "dial_mode": queue.dial_mode, "filters": queue.filters,
        "built_at": queue.built_at.astimezone(UTC) if queue.built_at else None,
        "size": state.size, "available": state.available, "blocked": state.blocked,
        "leased": state.leased, "worked": state.worked,
    }  # fmt: skip


@queues.get("", response=list[QueueOut])
def get_queues(request: HttpRequest) -> list[dict[str, Any]]:
    """The queues you may work, with what each offers now."""
    _require(request, *WORK_ROLES)
    user = _user(request)
    return [_queue_out(q, user) for q in queues_for(user)]


@queues.post("", response={200: QueueOut, 400: ErrorOut, 403: ErrorOut})
def post_queue(request: HttpRequest, payload: QueueIn) -> Status[Any]:
    """Define a queue or change one (supervisors). Build it to fill it."""
    _require(request, *MANAGE_ROLES)
    queue = queue_define(
        code=payload.code, name=payload.name, description=payload.description,
        filters=payload.filters, order=payload.order, mode=payload.mode,
        dial_mode=payload.dial_mode, members=payload.members, actor=_actor(request),
        now=timezone.now(),
    )  # fmt: skip
    return Status(200, _queue_out(queue, _user(request)))


class BuildOut(Schema):
    queue: str
    accounts: int
    kept_worked: int
    judged: int
    seconds: float


@queues.post("/{code}/build", response={200: BuildOut, 403: ErrorOut, 404: ErrorOut})
def post_queue_build(request: HttpRequest, code: str) -> Status[Any]:
    """Rank the accounts the queue holds now: a new pass (today's work is kept)."""
    _require(request, *MANAGE_ROLES)
    report = queue_build(code, now=timezone.now(), actor=_actor(request))
    return Status(200, report.as_dict())


class PickOut(Schema):
    account_id: int
    queue: str
    rank: int
    lease_until: datetime


@queues.post("/{code}/next", response={200: PickOut, 204: None, 403: ErrorOut, 404: ErrorOut})
def post_next_account(request: HttpRequest, code: str) -> Status[Any]:
    """The next account for you in this queue, leased to you; 204 when none is offered now.
    Your other leases are given back."""
    _require(request, *WORK_ROLES)
    try:
        pick = next_account(queue_code=code, user=_user(request), now=timezone.now())
    except NotAMember as exc:
        raise PermissionDeniedError(exc.message) from None
    if pick is None:
        return Status(204, None)
    return Status(200, {"account_id": pick.account_id, "queue": pick.queue, "rank": pick.rank,
                        "lease_until": pick.until.astimezone(UTC)})  # fmt: skip


class AssignIn(Schema):
    account_ids: list[int] = Field(min_length=1, max_length=10_000)
    username: str | None = Field(None, description="The collector; empty gives them to nobody.")


class AssignOut(Schema):
    changed: int


@queues.post("/assignments", response={200: AssignOut, 400: ErrorOut, 403: ErrorOut,
                                       404: ErrorOut})  # fmt: skip
def post_assignments(request: HttpRequest, payload: AssignIn) -> Status[Any]:
    """Give accounts to a collector, for owned queues (supervisors)."""
    _require(request, *MANAGE_ROLES)
    changed = assignment_set(account_ids=payload.account_ids, username=payload.username,
                             actor=_actor(request), now=timezone.now())  # fmt: skip
    return Status(200, {"changed": changed})


# --- actions on an account ------------------------------------------------------------------------


class PromiseDateIn(Schema):
    amount: str = Field(description="Decimal text, e.g. '100.00'.")
    due_on: date


PROMISES_HELP = (
    "A promise on one or several dates (at most 6, each after the one before): each date is "
    "kept when the payments since the promise was made reach the amounts up to it, by its day "
    "plus the client's grace days."
)


def _promise_dates(promises: list[PromiseDateIn] | None) -> list[PromiseDate] | None:
    if promises is None:
        return None
    return [PromiseDate(amount_minor=_minor(p.amount, f"promises[{n}].amount"), due_on=p.due_on)
            for n, p in enumerate(promises)]  # fmt: skip


class PromiseDateOut(Schema):
    id: int
    amount: str
    due_on: date
    status: str


def _dates_out(dates: tuple[Promise, ...] | list[Promise]) -> list[dict[str, Any]]:
    return [{"id": p.pk, "amount": _amount(p.amount_minor, p.currency), "due_on": p.due_on,
             "status": p.status} for p in dates]  # fmt: skip


class CallIn(Schema):
    disposition: str = Field(description="right_party, third_party, no_answer, voicemail, "
                             "wrong_number, refused_to_pay, dispute, promise or callback")  # fmt: skip
    direction: str = Field("outbound", description="outbound or inbound")
    at: datetime | None = Field(None, description="When, with its offset; now if omitted.")
    contact_point_id: int | None = None
    note: str = ""
    promise_amount: str | None = Field(None, description="Decimal text, for a promise on one "
                                       "date (or give promises).")  # fmt: skip
    promise_due_on: date | None = None
    promises: list[PromiseDateIn] | None = Field(None, description=PROMISES_HELP)
    callback_at: datetime | None = Field(None, description="For a callback, with its offset.")
    dispute_reason: str = ""
    key: str | None = Field(None, max_length=80, description="Your reference: sending it again "
                            "changes nothing.")  # fmt: skip


class CallOut(Schema):
    attempt_id: int
    disposition: str
    allowed: bool | None
    pack_version: str
    promise_id: int | None = Field(description="The promise's first date.")
    promise_dates: list[PromiseDateOut] = Field(default_factory=list)
    callback_id: int | None
    dispute_id: int | None


def _aware(moment: datetime | None, field: str) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise ServiceError("give the moment with its UTC offset", field=field)
    return moment


@accounts.post("/{account_id}/calls", response={201: CallOut, 200: CallOut, 400: ErrorOut,
                                                 403: ErrorOut, 404: ErrorOut, 409: BlockedOut})  # fmt: skip
def post_call(request: HttpRequest, account_id: int, payload: CallIn) -> Status[Any]:
    """Log a call and what it came to. A promise, callback or dispute goes with its disposition;
    a wrong number marks the number bad. Blocked by the rules: 409 with the Decision, and nothing
    is saved."""
    _require(request, *WORK_ROLES)
    now = timezone.now()
    try:
        logged = call_log(
            account_id=account_id, disposition=payload.disposition, direction=payload.direction,
            at=_aware(payload.at, "at") or now, now=now, actor=_actor(request),
            contact_point_id=payload.contact_point_id, note=payload.note,
            promise_amount_minor=(_minor(payload.promise_amount, "promise_amount")
                                  if payload.promise_amount else None),
            promise_due_on=payload.promise_due_on, promises=_promise_dates(payload.promises),
            callback_at=_aware(payload.callback_at, "callback_at"),
            dispute_reason=payload.dispute_reason, key=payload.key,
        )  # fmt: skip
    except ContactBlocked as blocked:
        return Status(409, {"detail": blocked.message, "field": blocked.field,
                            "code": blocked.code, "decision": _decision_out(blocked.decision)})  # fmt: skip
    a = logged.attempt
    return Status(201 if logged.created else 200, {
        "attempt_id": a.pk, "disposition": a.disposition, "allowed": a.allowed,
        "pack_version": a.pack_version, "promise_id": logged.promise.pk if logged.promise else None,
        "promise_dates": _dates_out(logged.promise_dates),
        "callback_id": logged.callback.pk if logged.callback else None,
        "dispute_id": logged.dispute.pk if logged.dispute else None,
    })  # fmt: skip


class PromiseIn(Schema):
    amount: str | None = Field(None, description="Decimal text, e.g. '150.00', for a promise on "
                               "one date (or give promises).")  # fmt: skip
    due_on: date | None = None
    promises: list[PromiseDateIn] | None = Field(None, description=PROMISES_HELP)
    note: str = ""


class CreatedOut(Schema):
    id: int


class PromiseOut(Schema):
    id: int = Field(description="The promise's first date.")
    total: str
    dates: list[PromiseDateOut]


@accounts.post("/{account_id}/promises", response={201: PromiseOut, 400: ErrorOut,
                                                   403: ErrorOut, 404: ErrorOut})  # fmt: skip
def post_promise(request: HttpRequest, account_id: int, payload: PromiseIn) -> Status[Any]:
    """A promise to pay taken outside a call: ``amount`` and ``due_on``, or ``promises``."""
    _require(request, *WORK_ROLES)
    promise = promise_record(
        account_id=account_id, note=payload.note, actor=_actor(request), now=timezone.now(),
        amount_minor=_minor(payload.amount, "amount") if payload.amount is not None else None,
        due_on=payload.due_on, promises=_promise_dates(payload.promises),
    )  # fmt: skip
    dates = [promise, *promise.later_dates.order_by("due_on")]
    total = sum(p.amount_minor for p in dates)
    return Status(201, {"id": promise.pk, "total": _amount(total, promise.currency),
                        "dates": _dates_out(dates)})  # fmt: skip


class CallbackIn(Schema):
    due_at: datetime = Field(description="With its offset.")
    consumer_asked: bool = False
    note: str = ""


@accounts.post("/{account_id}/callbacks", response={201: CreatedOut, 400: ErrorOut,
                                                    403: ErrorOut, 404: ErrorOut})  # fmt: skip
def post_callback(request: HttpRequest, account_id: int, payload: CallbackIn) -> Status[Any]:
    _require(request, *WORK_ROLES)
    callback = callback_schedule(account_id=account_id, due_at=payload.due_at,
                                 consumer_asked=payload.consumer_asked, note=payload.note,
                                 actor=_actor(request), now=timezone.now())  # fmt: skip
    return Status(201, {"id": callback.pk})


class NoteIn(Schema):
    text: str = Field(max_length=4000)


@accounts.post("/{account_id}/notes", response={201: CreatedOut, 400: ErrorOut, 403: ErrorOut,
                                                404: ErrorOut})  # fmt: skip
def post_note(request: HttpRequest, account_id: int, payload: NoteIn) -> Status[Any]:
    _require(request, *WORK_ROLES)
    note = note_add(account_id=account_id, text=payload.text, actor=_actor(request),
                    now=timezone.now())  # fmt: skip
    return Status(201, {"id": note.pk})


class StatusIn(Schema):
    status: str = Field(description="active, closed, paid or settled")
    reason: str


class StatusOut(Schema):
    id: int
    status: str
    status_reason: str
    balance: str


@accounts.post("/{account_id}/status", response={200: StatusOut, 400: ErrorOut, 403: ErrorOut,
                                                 404: ErrorOut})  # fmt: skip
def post_status(request: HttpRequest, account_id: int, payload: StatusIn) -> Status[Any]:
    _require(request, *WORK_ROLES)
    account = account_status_change(account_id=account_id, status=payload.status,
                                     reason=payload.reason, actor=_actor(request),
                                     now=timezone.now())  # fmt: skip
    return Status(200, {"id": account.pk, "status": account.status,
                        "status_reason": account.status_reason,
                        "balance": _amount(account.balance_minor, account.currency)})  # fmt: skip


class HoldIn(Schema):
    kind: str = Field(description="dispute, cease, bankruptcy, deceased, attorney, "
                      "identity_theft, military or legal")  # fmt: skip
    starts_on: date
    ends_on: date | None = None
    source: str
    reason: str = ""


@accounts.post("/{account_id}/holds", response={201: CreatedOut, 400: ErrorOut, 403: ErrorOut,
                                                404: ErrorOut})  # fmt: skip
def post_hold(request: HttpRequest, account_id: int, payload: HoldIn) -> Status[Any]:
    _require(request, *WORK_ROLES)
    hold = hold_add(account_id=account_id, kind=payload.kind, starts_on=payload.starts_on,
                    ends_on=payload.ends_on, source=payload.source, reason=payload.reason,
                    actor=_actor(request), now=timezone.now())  # fmt: skip
    return Status(201, {"id": hold.pk})


class ReleasedOut(Schema):
    released: bool


@accounts.post("/{account_id}/release", response=ReleasedOut)
def post_release(request: HttpRequest, account_id: int) -> dict[str, bool]:
    """Give back your lease on the account before it runs out."""
    _require(request, *WORK_ROLES)
    return {"released": lease_release(account_id=account_id, user=_user(request),
                                      now=timezone.now())}  # fmt: skip


class TimelineOut(Schema):
    at: datetime
    kind: str
    title: str
    detail: str
    who: str
    blocked: bool


@accounts.get("/{account_id}/timeline", response={200: list[TimelineOut], 404: ErrorOut})
def get_timeline(request: HttpRequest, account_id: int, limit: int = 100) -> Status[Any]:
    """Every event on the account, newest first."""
    from arrears.data.accounts.models import Account

    if not Account.objects.filter(pk=account_id).exists():
        raise NotFound(f"no account {account_id}", field="account_id")
    items = timeline(account_id, limit=max(1, min(limit, 500)))
    return Status(200, [{"at": i.at.astimezone(UTC), "kind": i.kind, "title": i.title,
                         "detail": i.detail, "who": i.who, "blocked": i.blocked}
                        for i in items])  # fmt: skip


api.add_router("/queues", queues)
