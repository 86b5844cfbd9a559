"""The REST API (OpenAPI at /api/docs) for integrations.

Authentication: HTTP Basic with an Arrears user, or the web session. Bad input gets a 4xx whose
body names the field: ``{"detail": ..., "field": ..., "code": ...}``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, NinjaAPI, Query, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from ninja.files import UploadedFile
from ninja.security import HttpBasicAuth, django_auth

from arrears.core.compliance import Decision, Limitation
from arrears.core.money import Money
from arrears.data.cases.models import Complaint, Dispute, Document
from arrears.data.clients.models import Client, ClientKind, InterestPolicy
from arrears.data.contacts.models import ContactAttempt, ContactRestriction, ValidationNotice
from arrears.data.users.models import Role
from arrears.services.accounts.access import (
    granted_client_ids,
    require_account_visible,
    require_client_visible,
    require_complaint_visible,
    require_dispute_visible,
    require_document_visible,
    require_notice_visible,
    require_restriction_visible,
)
from arrears.services.accounts.queries import account_detail
from arrears.services.clients.operations import client_add
from arrears.services.common import (
    Actor,
    NotFound,
    ServiceError,
    document_store,
    letter_renderer,
)
from arrears.services.compliance.cases import (
    complaint_record,
    complaint_respond,
    document_add,
    document_content,
)
from arrears.services.compliance.disputes import dispute_answer, dispute_record
from arrears.services.compliance.notices import validation_notice_returned
from arrears.services.compliance.operations import ContactBlocked, contact_attempt_record
from arrears.services.compliance.preferences import (
    contact_restriction_add,
    contact_restriction_end,
)
from arrears.services.compliance.queries import (
    account_limitation,
    complaints,
    compliance_queue,
    contact_decisions,
    contact_history,
    contact_restrictions,
    contactability,
    disputes,
    documents,
    notice_document,
    validation_notices,
)
from arrears.services.compliance.reports import compliance_report
from arrears.services.placements.queries import import_rejects, import_run_for_file
from arrears.services.placements.uploads import placement_upload, stored_upload


class BasicAuth(HttpBasicAuth):
    def authenticate(self, request: HttpRequest, username: str, password: str) -> object | None:
        user = authenticate(request, username=username, password=password)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Arrears API",
    version="0.1.0",
    description="Collections platform API: clients, placements, accounts.",
    auth=[BasicAuth(), django_auth],
    urls_namespace="api",
)


class ErrorOut(Schema):
    detail: str
    field: str | None = None
    code: str


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    status = 404 if isinstance(exc, NotFound) else 409 if exc.code.endswith("exists") else 400
    return api.create_response(
        request, {"detail": exc.message, "field": exc.field, "code": exc.code}, status=status
    )


def _field_name(loc: list[object]) -> str | None:
    """``["body", "payload", "name"]`` -> ``"name"``; ``["path", "account_id"]`` -> ``"account_id"``."""
    parts = [str(p) for p in loc[1:]]
    if loc and loc[0] == "body" and len(parts) > 1:
        parts = parts[1:]  # drop the schema parameter's own name
    return ".".join(parts) or None


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"field": _field_name(list(err.get("loc", []))), "detail": err.get("msg", "invalid")}
        for err in exc.errors
    ]
    first = errors[0] if errors else {"field": None, "detail": "invalid input"}
    return api.create_response(
        request,
        {"detail": first["detail"], "field": first["field"], "code": "invalid", "errors": errors},
        status=422,
    )


def _actor(request: HttpRequest) -> Actor:
    user = request.user
    return Actor(label=f"api:{user.get_username()}", user_id=user.pk)


# Who may act through the API; administrators may always (the web uses the same sets).
CONTACT_ROLES = (Role.COLLECTOR, Role.SUPERVISOR, Role.COMPLIANCE)
CASEWORK_ROLES = (Role.COMPLIANCE, Role.SUPERVISOR)


def _require(request: HttpRequest, *roles: str) -> None:
    user = request.user
    if user.is_superuser or getattr(user, "role", None) in {Role.ADMIN, *roles}:
        return
    raise PermissionDeniedError(f"this needs one of the roles: {', '.join(roles) or 'admin'}")


class PermissionDeniedError(ServiceError):
    code = "forbidden"


@api.exception_handler(PermissionDeniedError)
def forbidden(request: HttpRequest, exc: PermissionDeniedError) -> HttpResponse:
    return api.create_response(
        request, {"detail": exc.message, "field": None, "code": exc.code}, status=403
    )


def visible_only(require: Callable[[Any, Any], None], key: str) -> Callable[..., Any]:
    """A router decorator: every endpoint whose path names ``key`` first checks that the caller
    may see that record (services.accounts.access); a refusal is the same 404 as a record that
    does not exist. Applied to whole routers, so an endpoint added later is covered too."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if key in kwargs:
                require(request.user, kwargs[key])
            return view(request, *args, **kwargs)

        return checked

    return decorator


# --- clients -----------------------------------------------------------------------------------

clients = Router(tags=["clients"])


class ClientIn(Schema):
    code: str
    name: str
    kind: ClientKind = ClientKind.AGENCY
    interest_policy: InterestPolicy = InterestPolicy.NONE
    accrue_after_charge_off: bool = False
    waterfall: str = "fees,costs,interest,principal"
    commission_rate_ppm: int = 0


class ClientOut(Schema):
    code: str
    name: str
    kind: str
    interest_policy: str
    accrue_after_charge_off: bool
    waterfall: str
    commission_rate_ppm: int


@clients.get("", response=list[ClientOut])
def list_clients(request: HttpRequest) -> list[Client]:
    """The clients you may see: a collector's granted clients, everyone else's every client."""
    ids = granted_client_ids(request.user)
    rows = Client.objects.order_by("code")
    return list(rows if ids is None else rows.filter(pk__in=ids))


@clients.post("", response={201: ClientOut, 400: ErrorOut, 409: ErrorOut, 403: ErrorOut})
def create_client(request: HttpRequest, payload: ClientIn) -> Status[Any]:
    _require(request, Role.SUPERVISOR)
    client = client_add(
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        interest_policy=payload.interest_policy,
        accrue_after_charge_off=payload.accrue_after_charge_off,
        waterfall=payload.waterfall,
        commission_rate_ppm=payload.commission_rate_ppm,
        actor=_actor(request),
    )
    return Status(201, client)


# --- placements ----------------------------------------------------------------------------------

placements = Router(tags=["placements"])
placements.add_decorator(visible_only(require_client_visible, "client_code"))


class UploadOut(Schema):
    client: str
    file_sha256: str
    status: str
    report_url: str


class RejectOut(Schema):
    line: int
    field: str
    code: str
    reason: str


class ImportReportOut(Schema):
    client: str
    file_sha256: str
    file_name: str | None = None
    status: str
    rows: int = 0
    loaded: int = 0
    reopened: int = 0
    rejected: int = 0
    duplicates: int = 0
    parties: int = 0
    runs: int = 0
    placement_id: int | None = None
    rejects: list[RejectOut] = []
    rejects_total: int = 0


@placements.post(
    "/{client_code}/placements",
    response={202: UploadOut, 400: ErrorOut, 404: ErrorOut, 403: ErrorOut},
)
def upload_placement(
    request: HttpRequest,
    client_code: str,
    file: File[UploadedFile],
    mapping: File[UploadedFile] | None = None,
    as_of: Form[date | None] = None,
) -> Status[Any]:
    """Upload a placement file (CSV or XLSX, optional TOML mapping); the worker imports it."""
    _require(request, Role.SUPERVISOR, Role.ACCOUNTANT)
    mapping_text = None
    if mapping is not None:
        try:
            mapping_text = mapping.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ServiceError("the mapping file is not UTF-8 text", field="mapping") from exc
    sha = placement_upload(
        client_code=client_code,
        file_name=file.name or "upload.csv",
        chunks=file.chunks(),
        mapping_text=mapping_text,
        actor=_actor(request),
        today=as_of or timezone.localdate(),
    )
    return Status(
        202,
        {
            "client": client_code,
            "file_sha256": sha,
            "status": "queued",
            "report_url": f"/api/clients/{client_code}/placements/{sha}",
        },
    )


@placements.get(
    "/{client_code}/placements/{sha256}", response={200: ImportReportOut, 404: ErrorOut}
)
def placement_report(
    request: HttpRequest, client_code: str, sha256: str, rejects_limit: Query[int] = 1000
) -> Status[Any]:
    """The import's report: counts, and the rejected lines with field, code and reason."""
    run = import_run_for_file(client_code, sha256)
    if run is None:
        if stored_upload(client_code, sha256) is not None:
            return Status(200, {"client": client_code, "file_sha256": sha256, "status": "queued"})
        raise NotFound("no upload with that hash for this client", field="sha256")
    rejects = import_rejects(run)
    return Status(
        200,
        {
            "client": client_code,
            "file_sha256": sha256,
            "file_name": run.file_name,
            "status": run.status,
            "rows": run.rows,
            "loaded": run.loaded,
            "reopened": run.reopened,
            "rejected": run.rejected,
            "duplicates": run.duplicates,
            "parties": run.parties,
            "runs": run.runs,
            "placement_id": run.placement_id,
            "rejects": list(rejects[: max(0, min(rejects_limit, 10_000))]),
            "rejects_total": rejects.count(),
        },
    )


# --- accounts ------------------------------------------------------------------------------------

accounts = Router(tags=["accounts"])
accounts.add_decorator(visible_only(require_account_visible, "account_id"))


class BalancesOut(Schema):
    principal: str
    interest: str
    fees: str
    costs: str
    total: str


class LimitationOut(Schema):
    """The statute of limitations where the consumer lives, by the state pack's rule on suits."""

    time_barred: bool
    known: bool  # false while the start of the period is unknown: suit is blocked until confirmed
    since: date | None  # the first day the debt is (or will be) time-barred
    rule: str
    citation: str
    message: str
    pack_version: str


class AccountOut(Schema):
    id: int
    client: str
    client_ref: str
    status: str
    currency: str
    original_creditor: str
    balances: BalancesOut
    itemization_date: date
    itemization_amount: str
    date_of_first_delinquency: date | None
    holds: list[str]
    limitation: LimitationOut | None


def _amount(minor: int, currency: str = "USD") -> str:
    """Exact decimal text, never a float: 123456 -> "1234.56"."""
    return str(Money.from_minor(minor, currency).amount)


@accounts.get("/{account_id}", response={200: AccountOut, 404: ErrorOut})
def get_account(request: HttpRequest, account_id: int) -> Status[Any]:
    """One account: balances by bucket (decimal strings, never floats), itemization, holds."""
    view = account_detail(account_id, today=timezone.localdate())
    if view is None:
        raise NotFound(f"no account {account_id}", field="account_id")
    a = view.account
    return Status(
        200,
        {
            "id": a.pk,
            "client": a.client.code,
            "client_ref": a.client_ref,
            "status": a.status,
            "currency": a.currency,
            "original_creditor": a.original_creditor,
            "balances": {
                "principal": _amount(a.principal_minor, a.currency),
                "interest": _amount(a.interest_minor, a.currency),
                "fees": _amount(a.fees_minor, a.currency),
                "costs": _amount(a.costs_minor, a.currency),
                "total": _amount(a.balance_minor, a.currency),
            },
            "itemization_date": a.itemization_date,
            "itemization_amount": _amount(a.itemization_amount_minor, a.currency),
            "date_of_first_delinquency": a.date_of_first_delinquency,
            "holds": [h.kind for h in view.active_holds],
            "limitation": _limitation_out(account_limitation(account_id, at=timezone.now())),
        },
    )


def _limitation_out(found: Limitation | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "time_barred": found.barred,
        "known": found.known,
        "since": found.since,
        "rule": found.reason.rule_id,
        "citation": found.reason.citation,
        "message": found.reason.message,
        "pack_version": found.pack_version,
    }


class ReasonOut(Schema):
    rule: str
    citation: str
    verdict: str
    message: str
    until: datetime | None
    pack: str


class DecisionOut(Schema):
    channel: str
    allowed: bool
    at: datetime
    earliest: datetime | None
    pack_version: str
    reasons: list[ReasonOut]


@accounts.get("/{account_id}/contact-decisions", response={200: list[DecisionOut], 404: ErrorOut})
def get_contact_decisions(
    request: HttpRequest, account_id: int, at: datetime | None = None
) -> Status[Any]:
    """May we call, text, email or write now (or at ``at``)? Every rule's reason, its citation,
    the rule-pack version, and the earliest moment contact becomes possible when blocked."""
    moment = at or timezone.now()
    if moment.tzinfo is None:
        raise ServiceError("give the moment with its UTC offset", field="at")
    decisions = contact_decisions(account_id, at=moment)
    if decisions is None:
        raise NotFound(f"no account {account_id}", field="account_id")
    return Status(200, [_decision_out(d) for d in decisions])


def _for_account[T](rows: T | None, account_id: int) -> T:
    """What a query returned for an account, or the 404 naming account_id when there is none."""
    if rows is None:
        raise NotFound(f"no account {account_id}", field="account_id")
    return rows


def _decision_out(d: Decision) -> dict[str, Any]:
    return {
        "channel": d.channel.value,
        "allowed": d.allowed,
        "at": d.at,
        "earliest": d.earliest.astimezone(UTC) if d.earliest else None,
        "pack_version": d.pack_version,
        "reasons": [
            {"rule": r.rule_id, "citation": r.citation, "verdict": r.verdict.value,
             "message": r.message, "until": r.until.astimezone(UTC) if r.until else None,
             "pack": r.pack}
            for r in d.reasons
        ],
    }  # fmt: skip


class AttemptIn(Schema):
    channel: str = Field(description="call, voicemail, sms, email, letter or visit")
    direction: str = Field("outbound", description="outbound or inbound")
    outcome: str = Field(description="conversation, no_answer, voicemail_left, not_connected, "
                         "wrong_party, sent, delivered, undeliverable or received")  # fmt: skip
    at: datetime | None = Field(None, description="When it happened, with its offset; now if "
                                "omitted.")  # fmt: skip
    recipient: str = "consumer"
    purpose: str = "collection"
    contact_point_id: int | None = None
    automated: bool = False
    already_made: bool = Field(False, description="Record a contact already made even when the "
                               "rules block it (a dialer's or mail house's report).")  # fmt: skip
    note: str = ""
    key: str | None = Field(None, max_length=80, description="Your reference: recording the "
                            "same reference again changes nothing.")  # fmt: skip


class AttemptOut(Schema):
    id: int
    account_id: int
    at: datetime
    channel: str
    direction: str
    outcome: str
    recipient: str
    purpose: str
    contact_point_id: int | None
    automated: bool
    allowed: bool | None
    pack_version: str
    reasons: list[ReasonOut]
    source: str
    note: str
    key: str | None
    created_by: str | None


class BlockedOut(Schema):
    detail: str
    field: str | None
    code: str
    decision: DecisionOut


def _attempt_out(a: ContactAttempt) -> dict[str, Any]:
    return {
        "id": a.pk, "account_id": a.account_id, "at": a.at.astimezone(UTC),
        "channel": a.channel, "direction": a.direction, "outcome": a.outcome,
        "recipient": a.recipient, "purpose": a.purpose, "contact_point_id": a.contact_point_id,
        "automated": a.automated, "allowed": a.allowed, "pack_version": a.pack_version,
        "reasons": a.reasons, "source": a.source, "note": a.note, "key": a.key,
        "created_by": a.created_by.get_username() if a.created_by else None,
    }  # fmt: skip


@accounts.post(
    "/{account_id}/contact-attempts",
    response={200: AttemptOut, 201: AttemptOut, 400: ErrorOut, 404: ErrorOut, 409: BlockedOut},
)
def post_contact_attempt(request: HttpRequest, account_id: int, payload: AttemptIn) -> Status[Any]:
    """Record a call, text, email, letter or visit, outbound or inbound. An outbound contact is
    judged first: when the rules block it, the answer is 409 with the Decision and nothing is
    recorded (unless ``already_made``). 201 when recorded, 200 when ``key`` was already."""
    _require(request, *CONTACT_ROLES)
    now = timezone.now()
    moment = payload.at or now
    if moment.tzinfo is None:
        raise ServiceError("give the moment with its UTC offset", field="at")
    try:
        recorded = contact_attempt_record(
            account_id=account_id, channel=payload.channel, direction=payload.direction,
            outcome=payload.outcome, at=moment, actor=_actor(request), now=now,
            recipient=payload.recipient, purpose=payload.purpose,
            contact_point_id=payload.contact_point_id, automated=payload.automated,
            already_made=payload.already_made, note=payload.note, source="api", key=payload.key,
        )  # fmt: skip
    except ContactBlocked as blocked:
        return Status(
            409,
            {"detail": blocked.message, "field": blocked.field, "code": blocked.code,
             "decision": _decision_out(blocked.decision)},
        )  # fmt: skip
    return Status(201 if recorded.created else 200, _attempt_out(recorded.attempt))


@accounts.get("/{account_id}/contact-attempts", response={200: list[AttemptOut], 404: ErrorOut})
def get_contact_attempts(
    request: HttpRequest, account_id: int, start: datetime | None = None,
    end: datetime | None = None,
) -> Status[Any]:  # fmt: skip
    """The account's contact history, newest first (at most 200), in [start, end)."""
    for name, value in (("start", start), ("end", end)):
        if value is not None and value.tzinfo is None:
            raise ServiceError("give the moment with its UTC offset", field=name)
    rows = _for_account(contact_history(account_id, start=start, end=end), account_id)
    return Status(200, [_attempt_out(a) for a in rows])


class ContactabilityOut(Schema):
    channel: str
    next_at: datetime | None
    no_end: bool
    blocking_rules: list[str]
    pack_version: str
    computed_at: datetime


@accounts.get(
    "/{account_id}/contactability", response={200: list[ContactabilityOut], 404: ErrorOut}
)
def get_contactability(request: HttpRequest, account_id: int) -> Status[Any]:
    """When each channel may next be used, as queues see it (worked out on every change)."""
    rows = _for_account(contactability(account_id), account_id)
    return Status(
        200,
        [
            {"channel": c.channel, "next_at": c.next_at.astimezone(UTC) if c.next_at else None,
             "no_end": c.no_end,
             "blocking_rules": [r for r in c.blocking_rules.split(",") if r],
             "pack_version": c.pack_version, "computed_at": c.computed_at.astimezone(UTC)}
            for c in rows
        ],
    )  # fmt: skip


class NoticeOut(Schema):
    reference: str
    account_id: int
    sent_on: date
    period_ends_on: date
    status: str
    returned_on: date | None
    replaces: str | None
    itemization_date: date
    itemization_basis: str
    amount_then: str
    interest: str
    fees: str
    payments_credits: str
    current: str
    pack_version: str
    pdf_url: str
    html_url: str


def _notice_out(n: ValidationNotice) -> dict[str, Any]:
    cur = n.currency
    return {
        "reference": n.reference, "account_id": n.account_id, "sent_on": n.sent_on,
        "period_ends_on": n.period_ends_on, "status": n.status, "returned_on": n.returned_on,
        "replaces": n.replaces.reference if n.replaces else None,
        "itemization_date": n.itemization_date, "itemization_basis": n.itemization_basis,
        "amount_then": _amount(n.amount_then_minor, cur), "interest": _amount(n.interest_minor, cur),
        "fees": _amount(n.fees_minor, cur),
        "payments_credits": _amount(n.payments_credits_minor, cur),
        "current": _amount(n.current_minor, cur), "pack_version": n.pack_version,
        "pdf_url": f"/api/validation-notices/{n.reference}/pdf",
        "html_url": f"/api/validation-notices/{n.reference}/html",
    }  # fmt: skip


@accounts.get("/{account_id}/validation-notices", response={200: list[NoticeOut], 404: ErrorOut})
def get_validation_notices(request: HttpRequest, account_id: int) -> Status[Any]:
    """The account's validation notices, newest first, with their periods and itemizations."""
    rows = _for_account(validation_notices(account_id), account_id)
    return Status(200, [_notice_out(n) for n in rows])


notices = Router(tags=["validation notices"])
notices.add_decorator(visible_only(require_notice_visible, "reference"))


class ReturnedIn(Schema):
    returned_on: date


@notices.post("/{reference}/returned", response={200: NoticeOut, 400: ErrorOut, 404: ErrorOut})
def post_notice_returned(request: HttpRequest, reference: str, payload: ReturnedIn) -> Status[Any]:
    """Mark a notice returned undeliverable; the next notices run re-sends it and the validation
    period starts again from the new send date."""
    _require(request, *CONTACT_ROLES)
    notice = validation_notice_returned(
        reference=reference, returned_on=payload.returned_on, actor=_actor(request),
        now=timezone.now(),
    )  # fmt: skip
    return Status(200, _notice_out(notice))


@notices.get("/{reference}/{kind}", response={404: ErrorOut})
def get_notice_document(request: HttpRequest, reference: str, kind: str) -> HttpResponse:
    """The notice as sent: ``pdf`` or ``html``."""
    if kind not in ("pdf", "html"):
        raise NotFound("ask for pdf or html", field="kind")
    found = notice_document(reference, kind, document_store())
    if found is None:
        raise NotFound(f"no {kind} for notice {reference}", field="reference")
    content, content_type = found
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{reference}.{kind}"'
    return response


class DisputeIn(Schema):
    kind: str = Field("dispute", description="dispute or original_creditor")
    received_on: date
    medium: str = Field(description="letter, email, portal, fax, phone or in_person")
    reason: str = Field("", description="not_mine, amount_wrong, paid, identity_theft or other")
    description: str = ""
    disputed_amount: str | None = Field(None, description="The part disputed, e.g. \"125.40\"; "
                                        "omit for the whole debt.")  # fmt: skip
    new_information: bool = False


class DisputeOut(Schema):
    id: int
    account_id: int
    kind: str
    received_on: date
    medium: str
    in_writing: bool
    within_validation_period: bool
    reason: str
    description: str
    disputed_amount: str | None
    duplicative_of: int | None
    status: str
    response_due_on: date
    answered_on: date | None
    answer_note: str


def _dispute_out(d: Dispute) -> dict[str, Any]:
    return {
        "id": d.pk, "account_id": d.account_id, "kind": d.kind, "received_on": d.received_on,
        "medium": d.medium, "in_writing": d.in_writing,
        "within_validation_period": d.within_validation_period, "reason": d.reason,
        "description": d.description,
        "disputed_amount": (_amount(d.disputed_amount_minor)
                            if d.disputed_amount_minor is not None else None),
        "duplicative_of": d.duplicative_of_id, "status": d.status,
        "response_due_on": d.response_due_on, "answered_on": d.answered_on,
        "answer_note": d.answer_note,
    }  # fmt: skip


def _minor(text: str, field: str) -> int:
    try:
        return Money.of(text, "USD").minor
    except (ValueError, ArithmeticError) as exc:
        raise ServiceError(f"{text!r} is not an amount like 125.40", field=field) from exc


@accounts.post("/{account_id}/disputes", response={201: DisputeOut, 400: ErrorOut, 404: ErrorOut})
def post_dispute(request: HttpRequest, account_id: int, payload: DisputeIn) -> Status[Any]:
    """Record a dispute or a request for the original creditor as received. Collection holds
    until it is answered; a written one within the validation period also halts by law."""
    _require(request, *CONTACT_ROLES)
    dispute = dispute_record(
        account_id=account_id, kind=payload.kind, received_on=payload.received_on,
        medium=payload.medium, reason=payload.reason, description=payload.description,
        disputed_amount_minor=(_minor(payload.disputed_amount, "disputed_amount")
                               if payload.disputed_amount is not None else None),
        new_information=payload.new_information, actor=_actor(request), now=timezone.now(),
    )  # fmt: skip
    return Status(201, _dispute_out(dispute))


@accounts.get("/{account_id}/disputes", response={200: list[DisputeOut], 404: ErrorOut})
def get_disputes(request: HttpRequest, account_id: int) -> Status[Any]:
    rows = _for_account(disputes(account_id), account_id)
    return Status(200, [_dispute_out(d) for d in rows])


cases = Router(tags=["disputes"])
cases.add_decorator(visible_only(require_dispute_visible, "dispute_id"))


class AnswerIn(Schema):
    answered_on: date
    duplicative: bool = False
    note: str = ""
    letter: bool = Field(True, description="Produce the answer letter (PDF, kept on the "
                         "dispute); needs the consumer's mailing address.")  # fmt: skip


@cases.post("/{dispute_id}/answer", response={200: DisputeOut, 400: ErrorOut, 404: ErrorOut})
def post_dispute_answer(request: HttpRequest, dispute_id: int, payload: AnswerIn) -> Status[Any]:
    """Record that the answer went out (verification, the original creditor, or a duplicative
    notice): the hold ends and collection may resume."""
    _require(request, *CASEWORK_ROLES)
    dispute = dispute_answer(
        dispute_id=dispute_id, answered_on=payload.answered_on, duplicative=payload.duplicative,
        note=payload.note, actor=_actor(request), now=timezone.now(),
        store=document_store() if payload.letter else None,
        renderer=letter_renderer() if payload.letter else None,
    )  # fmt: skip
    return Status(200, _dispute_out(dispute))


class ComplaintIn(Schema):
    received_on: date
    source: str = Field(description="cfpb, state_ag, bbb, client or direct")
    category: str = Field(description="communication, false_statements, threats, not_owed, "
                          "notification, privacy or other")  # fmt: skip
    reference: str = ""
    description: str = ""


class ComplaintOut(Schema):
    id: int
    account_id: int
    received_on: date
    source: str
    category: str
    reference: str
    description: str
    due_on: date
    status: str
    responded_on: date | None
    response_note: str


def _complaint_out(c: Complaint) -> dict[str, Any]:
    return {
        "id": c.pk, "account_id": c.account_id, "received_on": c.received_on, "source": c.source,
        "category": c.category, "reference": c.reference, "description": c.description,
        "due_on": c.due_on, "status": c.status, "responded_on": c.responded_on,
        "response_note": c.response_note,
    }  # fmt: skip


class QueueItemOut(Schema):
    dispute: DisputeOut
    overdue: bool
    days_left: int


class ComplaintItemOut(Schema):
    complaint: ComplaintOut
    overdue: bool
    days_left: int


class QueueOut(Schema):
    today: date
    open: int
    overdue: int
    halting: int
    items: list[QueueItemOut]
    complaints: list[ComplaintItemOut]


@api.get("/compliance/queue", response=QueueOut, tags=["disputes"])
def get_compliance_queue(request: HttpRequest) -> dict[str, Any]:
    """Open disputes and requests, overdue first, then by the date the answer is due."""
    _require(request, *CASEWORK_ROLES)
    queue = compliance_queue(today=timezone.localdate(), user=request.user)
    return {
        "today": queue.today, "open": len(queue.items), "overdue": queue.overdue,
        "halting": queue.halting,
        "items": [{"dispute": _dispute_out(i.dispute), "overdue": i.overdue,
                   "days_left": i.days_left} for i in queue.items],
        "complaints": [{"complaint": _complaint_out(c.complaint), "overdue": c.overdue,
                        "days_left": c.days_left} for c in queue.complaints],
    }  # fmt: skip


@api.get("/compliance/report", tags=["disputes"], response={200: dict[str, Any], 400: ErrorOut})
def get_compliance_report(request: HttpRequest, start: date, end: date) -> Status[Any]:
    """Call attempts per debt per 7 days, blocks by rule, and disputes, for [start, end)."""
    _require(request, *CASEWORK_ROLES)
    if end <= start:
        raise ServiceError("end must be after start", field="end")
    zone = timezone.get_current_timezone()
    report = compliance_report(
        start=datetime.combine(start, datetime.min.time(), tzinfo=zone),
        end=datetime.combine(end, datetime.min.time(), tzinfo=zone),
        today=timezone.localdate(),
    )
    return Status(200, report.as_dict())


class RestrictionIn(Schema):
    kind: str = Field(description="opt_out, inconvenient_time or no_workplace")
    received_on: date
    medium: str = Field(description="How the consumer told us: phone, letter, sms reply STOP…")
    channel: str = Field("", description="For an opt-out: call, sms, email, letter or visit")
    contact_point_id: int | None = None
    weekdays: str = Field("", description='For a time: 0 (Monday) to 6, e.g. "0,1,2,3,4"')
    starts_at: time | None = None
    ends_at: time | None = None
    note: str = ""


class RestrictionOut(Schema):
    id: int
    kind: str
    channel: str
    contact_point_id: int | None
    weekdays: str
    starts_at: time | None
    ends_at: time | None
    received_on: date
    medium: str
    note: str
    ended_on: date | None


def _restriction_out(r: ContactRestriction) -> dict[str, Any]:
    return {
        "id": r.pk, "kind": r.kind, "channel": r.channel, "contact_point_id": r.contact_point_id,
        "weekdays": r.weekdays, "starts_at": r.starts_at, "ends_at": r.ends_at,
        "received_on": r.received_on, "medium": r.medium, "note": r.note, "ended_on": r.ended_on,
    }  # fmt: skip


@accounts.post(
    "/{account_id}/contact-restrictions",
    response={201: RestrictionOut, 400: ErrorOut, 404: ErrorOut},
)
def post_contact_restriction(
    request: HttpRequest, account_id: int, payload: RestrictionIn
) -> Status[Any]:
    """Record what the consumer asked: stop using a medium (on one contact point or all), not at
    these times, or not at work. Honored at once on every debt the consumer owes."""
    _require(request, *CONTACT_ROLES)
    restriction = contact_restriction_add(
        account_id=account_id, kind=payload.kind, received_on=payload.received_on,
        medium=payload.medium, channel=payload.channel, contact_point_id=payload.contact_point_id,
        weekdays=payload.weekdays, starts_at=payload.starts_at, ends_at=payload.ends_at,
        note=payload.note, actor=_actor(request), now=timezone.now(),
    )  # fmt: skip
    return Status(201, _restriction_out(restriction))


@accounts.get(
    "/{account_id}/contact-restrictions", response={200: list[RestrictionOut], 404: ErrorOut}
)
def get_contact_restrictions(request: HttpRequest, account_id: int) -> Status[Any]:
    rows = _for_account(contact_restrictions(account_id), account_id)
    return Status(200, [_restriction_out(r) for r in rows])


restrictions = Router(tags=["contact restrictions"])
restrictions.add_decorator(visible_only(require_restriction_visible, "restriction_id"))


class EndIn(Schema):
    ended_on: date


@restrictions.post("/{restriction_id}/end", response={200: RestrictionOut, 400: ErrorOut,
                                                      404: ErrorOut})  # fmt: skip
def post_contact_restriction_end(
    request: HttpRequest, restriction_id: int, payload: EndIn
) -> Status[Any]:
    _require(request, *CONTACT_ROLES)
    restriction = contact_restriction_end(
        restriction_id=restriction_id, ended_on=payload.ended_on, actor=_actor(request),
        now=timezone.now(),
    )  # fmt: skip
    return Status(200, _restriction_out(restriction))


class DocumentOut(Schema):
    id: int
    account_id: int
    kind: str
    dispute_id: int | None
    complaint_id: int | None
    file_name: str
    content_type: str
    size: int
    sha256: str
    received_on: date
    purged: bool
    url: str


def _document_out(d: Document) -> dict[str, Any]:
    return {
        "id": d.pk, "account_id": d.account_id, "kind": d.kind, "dispute_id": d.dispute_id,
        "complaint_id": d.complaint_id, "file_name": d.file_name, "content_type": d.content_type,
        "size": d.size, "sha256": d.sha256, "received_on": d.received_on, "purged": d.purged,
        "url": f"/api/documents/{d.pk}",
    }  # fmt: skip


@accounts.post(
    "/{account_id}/documents", response={200: DocumentOut, 201: DocumentOut, 400: ErrorOut,
                                         404: ErrorOut},
)  # fmt: skip
def post_document(
    request: HttpRequest,
    account_id: int,
    file: File[UploadedFile],
    kind: Form[str],
    received_on: Form[date | None] = None,
    dispute_id: Form[int | None] = None,
    complaint_id: Form[int | None] = None,
) -> Status[Any]:
    """Keep a file on the account (dispute evidence, verification packet, affidavit, cease
    letter, complaint correspondence). 201 when new, 200 when the same file was already kept."""
    _require(request, *CONTACT_ROLES)
    document, created = document_add(
        account_id=account_id, kind=kind, file_name=file.name or "document",
        content=file.read(), content_type=file.content_type or "application/octet-stream",
        received_on=received_on or timezone.localdate(), dispute_id=dispute_id,
        complaint_id=complaint_id, actor=_actor(request), now=timezone.now(),
        store=document_store(),
    )  # fmt: skip
    return Status(201 if created else 200, _document_out(document))


@accounts.get("/{account_id}/documents", response={200: list[DocumentOut], 404: ErrorOut})
def get_documents(request: HttpRequest, account_id: int) -> Status[Any]:
    rows = _for_account(documents(account_id), account_id)
    return Status(200, [_document_out(d) for d in rows])


files = Router(tags=["documents"])
files.add_decorator(visible_only(require_document_visible, "document_id"))


@files.get("/{document_id}", response={404: ErrorOut})
def get_document_content(request: HttpRequest, document_id: int) -> HttpResponse:
    """The file as kept."""
    found = document_content(document_id, document_store())
    if found is None:
        raise NotFound(f"no document {document_id}", field="document_id")
    document, content = found
    response = HttpResponse(content, content_type=document.content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{document.store_key.rsplit("/", 1)[-1]}"'
    )
    return response


@accounts.post("/{account_id}/complaints", response={201: ComplaintOut, 400: ErrorOut,
                                                     404: ErrorOut})  # fmt: skip
def post_complaint(request: HttpRequest, account_id: int, payload: ComplaintIn) -> Status[Any]:
    """Log a complaint with where it came from and its category; the response is due in 15
    days for a CFPB portal complaint, 30 otherwise."""
    _require(request, *CONTACT_ROLES)
    complaint = complaint_record(
        account_id=account_id, received_on=payload.received_on, source=payload.source,
        category=payload.category, reference=payload.reference,
        description=payload.description, actor=_actor(request), now=timezone.now(),
    )  # fmt: skip
    return Status(201, _complaint_out(complaint))


@accounts.get("/{account_id}/complaints", response={200: list[ComplaintOut], 404: ErrorOut})
def get_complaints(request: HttpRequest, account_id: int) -> Status[Any]:
    rows = _for_account(complaints(account_id), account_id)
    return Status(200, [_complaint_out(c) for c in rows])


complaint_router = Router(tags=["complaints"])
complaint_router.add_decorator(visible_only(require_complaint_visible, "complaint_id"))


class RespondIn(Schema):
    responded_on: date
    note: str = ""


@complaint_router.post("/{complaint_id}/respond", response={200: ComplaintOut, 400: ErrorOut,
                                                            404: ErrorOut})  # fmt: skip
def post_complaint_response(
    request: HttpRequest, complaint_id: int, payload: RespondIn
) -> Status[Any]:
    _require(request, *CASEWORK_ROLES)
    complaint = complaint_respond(
        complaint_id=complaint_id, responded_on=payload.responded_on, note=payload.note,
        actor=_actor(request), now=timezone.now(),
    )  # fmt: skip
    return Status(200, _complaint_out(complaint))


api.add_router("/clients", clients)
api.add_router("/documents", files)
api.add_router("/complaints", complaint_router)
api.add_router("/contact-restrictions", restrictions)
api.add_router("/disputes", cases)
api.add_router("/validation-notices", notices)
api.add_router("/clients", placements)
api.add_router("/accounts", accounts)


@api.get("/health", auth=None, tags=["system"])
def health(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


# The workspace, search, payment and supervisor endpoints live in their own modules; importing
# them registers them.
from arrears.interfaces.api import ach as _ach  # noqa: E402, F401
from arrears.interfaces.api import arrangements as _arrangements  # noqa: E402, F401
from arrears.interfaces.api import cards as _cards  # noqa: E402, F401
from arrears.interfaces.api import clients as _clients  # noqa: E402, F401
from arrears.interfaces.api import dialer as _dialer  # noqa: E402, F401
from arrears.interfaces.api import email as _email  # noqa: E402, F401
from arrears.interfaces.api import payments as _payments  # noqa: E402, F401
from arrears.interfaces.api import search as _search  # noqa: E402, F401
from arrears.interfaces.api import strategies as _strategies  # noqa: E402, F401
from arrears.interfaces.api import supervision as _supervision  # noqa: E402, F401
from arrears.interfaces.api import trust as _trust  # noqa: E402, F401
from arrears.interfaces.api import work as _work  # noqa: E402, F401
