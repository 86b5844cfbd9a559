"""Strategies, message templates and the day's planned actions through the API.

Registered on the API by ``routes`` (imported at its end). Reading strategies, templates and
planned actions is for supervisors, compliance officers and administrators; defining strategies,
moving accounts between variants and writing templates for supervisors and administrators;
reviewing a template for compliance officers alone (an administrator is not a reviewer: the
service's rule). Shares are percentages as decimal text ("33.33"); money is decimal text, never
a float; rates and their bounds are fractions of 1 as decimal text. A refusal is a 4xx naming
the field (``variants[1].steps.s2.template``) and changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from arrears.core.strategies.stats import Mean, Rate, to_minor
from arrears.data.messaging.models import MessageTemplate
from arrears.data.strategies.models import ActionStatus, PlannedAction, StepAction
from arrears.data.users.models import Role
from arrears.interfaces.api.routes import (
    ErrorOut,
    PermissionDeniedError,
    _actor,
    _amount,
    _require,
    api,
)
from arrears.services.accounts.access import require_account_visible
from arrears.services.common import NotFound, ServiceError
from arrears.services.messaging.queries import template_summaries, template_versions
from arrears.services.messaging.templates import (
    TemplateInvalid,
    template_preview,
    template_review,
    template_save,
)
from arrears.services.strategies.definitions import share_bp, strategy_define, variant_move
from arrears.services.strategies.queries import (
    COST_SCALE,
    StrategyRow,
    planned_day,
    strategy_results,
    strategy_row,
    strategy_rows,
)

VIEWERS = (Role.SUPERVISOR, Role.COMPLIANCE)
EDITORS = (Role.SUPERVISOR,)
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
MAX_LIMIT = 500

strategies = Router(tags=["strategies"])
templates = Router(tags=["templates"])


# --- strategies ------------------------------------------------------------------------------


class StepOut(Schema):
    key: str
    day: int
    action: str
    template: str | None = None
    queue: str | None = None
    when: dict[str, Any] | None = None
    template_version: int | None = Field(
        None, description="The approved version the step sends; null: none approved (skipped)."
    )


class VariantOut(Schema):
    code: str
    name: str
    share: str = Field(description="Percent of entering accounts, decimal text.")
    champion: bool
    enrolled_now: int
    enrolled_ever: int
    steps: list[StepOut]


class StrategyOut(Schema):
    code: str
    name: str
    description: str
    priority: int
    active: bool
    entry: dict[str, Any]
    variants: list[VariantOut]


class VariantIn(Schema):
    code: str
    name: str = ""
    share: str = Field(description='Percent of entering accounts: "50", "33.33".')
    champion: bool = False
    steps: list[Any] = []


class StrategyIn(Schema):
    name: str
    priority: int = 100
    active: bool = True
    description: str = ""
    entry: dict[str, Any] = {}
    variants: list[VariantIn]


def _strategy_out(row: StrategyRow) -> dict[str, Any]:
    s = row.strategy
    return {
        "code": s.code, "name": s.name, "description": s.description, "priority": s.priority,
        "active": s.active, "entry": s.entry,
        "variants": [{
            "code": v.variant.code, "name": v.variant.name, "share": v.share,
            "champion": v.variant.champion, "enrolled_now": v.enrolled_now,
            "enrolled_ever": v.enrolled_ever,
            "steps": [{"key": st.key, "day": st.day, "action": st.action,
                       "template": st.template or None, "queue": st.queue or None,
                       "when": dict(st.when) if st.when else None,
                       "template_version": st.template_version} for st in v.steps],
        } for v in row.variants],
    }  # fmt: skip


@strategies.get("", response={200: list[StrategyOut], 403: ErrorOut})
def list_strategies(request: HttpRequest) -> Status[Any]:
    """Every strategy in the order accounts try them, with accounts per variant."""
    _require(request, *VIEWERS)
    return Status(200, [_strategy_out(r) for r in strategy_rows()])


@strategies.get("/{code}", response={200: StrategyOut, **ERRORS})
def get_strategy(request: HttpRequest, code: str) -> Status[Any]:
    _require(request, *VIEWERS)
    return Status(200, _strategy_out(strategy_row(code)))


@strategies.put("/{code}", response={200: StrategyOut, **ERRORS})
def put_strategy(request: HttpRequest, code: str, payload: StrategyIn) -> Status[Any]:
    """Define or change a strategy, checked whole: a refusal names the field and saves
    nothing. New shares apply to accounts entering from now on."""
    _require(request, *EDITORS)
    strategy = strategy_define(
        code=code, name=payload.name, entry=payload.entry, priority=payload.priority,
        description=payload.description, active=payload.active,
        variants=[v.dict() for v in payload.variants], actor=_actor(request),
        now=timezone.now(),
    )  # fmt: skip
    return Status(200, _strategy_out(strategy_row(strategy.code)))


class MoveIn(Schema):
    from_variant: str
    to_variant: str
    share: str = Field(description='Percent of the accounts following it now: "25".')


class MoveOut(Schema):
    strategy: str
    from_variant: str
    to_variant: str
    moved: int
    cancelled: int = Field(description="Actions the old path planned and had not sent.")


@strategies.post("/{code}/move", response={200: MoveOut, **ERRORS})
def post_move(request: HttpRequest, code: str, payload: MoveIn) -> Status[Any]:
    """Move a share of a variant's enrolled accounts to another variant (audited)."""
    _require(request, *EDITORS)
    report = variant_move(
        strategy_code=code, from_variant=payload.from_variant, to_variant=payload.to_variant,
        share_bp=share_bp(payload.share, "share"), actor=_actor(request), now=timezone.now(),
        as_of=timezone.localdate(),
    )  # fmt: skip
    return Status(200, report.as_dict())


class RateOut(Schema):
    successes: int
    n: int
    rate: str | None
    low: str | None
    high: str | None


class MeanOut(Schema):
    total: str
    mean: str | None
    low: str | None
    high: str | None


class ResultOut(Schema):
    variant: str
    name: str
    champion: bool
    enrolled_ever: int
    enrolled_now: int
    contact_rate: RateOut = Field(description="Accounts with a conversation since entry.")
    promises_per_account: MeanOut
    collected_per_account: MeanOut = Field(description="Cash since entry, decimal text.")
    cost_per_account: MeanOut = Field(description="Letters, emails and texts sent times unit cost.")
    messages: dict[str, int]


def _text(value: Decimal | None, places: str) -> str | None:
    return None if value is None else str(value.quantize(Decimal(places), ROUND_HALF_EVEN))


def _rate(r: Rate) -> dict[str, Any]:
    return {"successes": r.successes, "n": r.n, "rate": _text(r.rate, "0.0001"),
            "low": _text(r.low, "0.0001"), "high": _text(r.high, "0.0001")}  # fmt: skip


def _money(m: Mean) -> dict[str, Any]:
    def cents(v: Decimal | None) -> str | None:
        minor = to_minor(v)
        return None if minor is None else _amount(minor)

    return {"total": _amount(m.total), "mean": cents(m.mean), "low": cents(m.low),
            "high": cents(m.high)}  # fmt: skip


def _scaled(m: Mean) -> dict[str, Any]:
    def dollars(v: Decimal | int | None) -> str | None:
        return None if v is None else _text(Decimal(v) / COST_SCALE, "0.01")

    return {"total": dollars(m.total), "mean": dollars(m.mean), "low": dollars(m.low),
            "high": dollars(m.high)}  # fmt: skip


@strategies.get("/{code}/results", response={200: list[ResultOut], **ERRORS})
def get_results(request: HttpRequest, code: str) -> Status[Any]:
    """Each variant since each account entered: the contact rate, promises, cash collected and
    cost per account, each with its 95 % interval (Wilson; mean ± 1.96 standard errors)."""
    _require(request, *VIEWERS)
    return Status(200, [{
        "variant": r.variant.code, "name": r.variant.name, "champion": r.variant.champion,
        "enrolled_ever": r.enrolled_ever, "enrolled_now": r.enrolled_now,
        "contact_rate": _rate(r.contact),
        "promises_per_account": {
            "total": str(r.promises.total), "mean": _text(r.promises.mean, "0.01"),
            "low": _text(r.promises.low, "0.01"), "high": _text(r.promises.high, "0.01")},
        "collected_per_account": _money(r.collected), "cost_per_account": _scaled(r.cost),
        "messages": r.messages,
    } for r in strategy_results(code)])  # fmt: skip


# --- templates -----------------------------------------------------------------------------------


class TemplateSummaryOut(Schema):
    code: str
    channel: str
    name: str
    versions: int
    latest: int
    in_use: int | None = Field(description="The latest approved version: the one sent.")
    drafts: int = Field(description="Versions waiting for compliance.")


class VersionOut(Schema):
    code: str
    version: int
    channel: str
    name: str
    subject: str
    body: str
    status: str
    created_by: str | None
    created_at: Any
    reviewed_by: str | None
    reviewed_at: Any
    review_note: str


def _version_out(t: MessageTemplate) -> dict[str, Any]:
    return {
        "code": t.code, "version": t.version, "channel": t.channel, "name": t.name,
        "subject": t.subject, "body": t.body, "status": t.status,
        "created_by": t.created_by.get_username() if t.created_by else None,
        "created_at": t.created_at,
        "reviewed_by": t.reviewed_by.get_username() if t.reviewed_by else None,
        "reviewed_at": t.reviewed_at, "review_note": t.review_note,
    }  # fmt: skip


class ProblemOut(Schema):
    field: str
    line: int | None
    message: str


class InvalidOut(ErrorOut):
    problems: list[ProblemOut]


def _invalid(exc: TemplateInvalid) -> Status[Any]:
    return Status(400, {
        "detail": exc.message, "field": exc.field, "code": "invalid",
        "problems": [{"field": p.field, "line": p.line, "message": p.message}
                     for p in exc.problems],
    })  # fmt: skip


@templates.get("", response={200: list[TemplateSummaryOut], 403: ErrorOut})
def list_templates(request: HttpRequest) -> Status[Any]:
    _require(request, *VIEWERS)
    return Status(200, [s.__dict__ for s in template_summaries()])


class TemplateIn(Schema):
    channel: str = Field(description="letter, email or sms; a template's channel never changes.")
    name: str
    subject: str = ""
    body: str


class PreviewIn(Schema):
    channel: str
    subject: str = ""
    body: str
    account_id: int | None = Field(None, description="Render on this account; else samples.")


class PreviewOut(Schema):
    channel: str
    subject: str
    text: str
    html: str


@templates.post("/preview", response={200: PreviewOut, 400: InvalidOut, 403: ErrorOut,
                                      404: ErrorOut})  # fmt: skip
def post_preview(request: HttpRequest, payload: PreviewIn) -> Status[Any]:
    """An unsaved text rendered as it would go (with the disclosure and the opt-out), on sample
    values or on an account; 400 lists every problem with its field and line."""
    _require(request, *VIEWERS)
    if payload.account_id is not None:
        require_account_visible(request.user, payload.account_id)
    try:
        shown = template_preview(channel=payload.channel, subject=payload.subject,
                                 body=payload.body, today=timezone.localdate(),
                                 account_id=payload.account_id)  # fmt: skip
    except TemplateInvalid as exc:
        return _invalid(exc)
    return Status(200, shown.__dict__)


@templates.get("/{code}", response={200: list[VersionOut], **ERRORS})
def get_template(request: HttpRequest, code: str) -> Status[Any]:
    """A template's versions, newest first, with author and reviewer."""
    _require(request, *VIEWERS)
    rows = template_versions(code)
    if not rows:
        raise NotFound(f"no template {code!r}", field="code")
    return Status(200, [_version_out(t) for t in rows])


@templates.post("/{code}/versions", response={200: VersionOut, 201: VersionOut,
                                              400: InvalidOut, 403: ErrorOut})  # fmt: skip
def post_version(request: HttpRequest, code: str, payload: TemplateIn) -> Status[Any]:
    """Save the next version, a draft (201); the same text again changes nothing (200)."""
    _require(request, *EDITORS)
    before = template_versions(code)
    try:
        row = template_save(code=code, channel=payload.channel, name=payload.name,
                            subject=payload.subject, body=payload.body, actor=_actor(request),
                            now=timezone.now())  # fmt: skip
    except TemplateInvalid as exc:
        return _invalid(exc)
    except ServiceError as exc:
        return Status(400, {"detail": exc.message, "field": exc.field, "code": exc.code,
                            "problems": []})  # fmt: skip
    created = not before or before[0].version != row.version
    saved = next(t for t in template_versions(code) if t.version == row.version)
    return Status(201 if created else 200, _version_out(saved))


class ReviewIn(Schema):
    approve: bool
    note: str = ""


@templates.post("/{code}/versions/{n}/review", response={200: VersionOut, **ERRORS})
def post_review(request: HttpRequest, code: str, n: int, payload: ReviewIn) -> Status[Any]:
    """Approve a draft, or send it back with a note: compliance officers, never the author."""
    if getattr(request.user, "role", None) != Role.COMPLIANCE:
        raise PermissionDeniedError("only the compliance role reviews templates")
    row = template_review(code=code, version=n, approve=payload.approve, note=payload.note,
                          actor=_actor(request), now=timezone.now())  # fmt: skip
    saved = next(t for t in template_versions(row.code) if t.version == row.version)
    return Status(200, _version_out(saved))


# --- the day's planned actions -------------------------------------------------------------------


class PlannedOut(Schema):
    id: int
    account_id: int
    strategy: str
    variant: str
    step: str
    action: str
    template: str | None
    queue: str | None
    due_on: date
    status: str
    detail: str
    reasons: list[dict[str, Any]] = Field(description="For a blocked action: every rule's reason.")


class PlannedPageOut(Schema):
    day: date
    counts: dict[str, dict[str, int]] = Field(description="action -> status -> count, all day.")
    total: int = Field(description="Actions the filters keep.")
    page: int
    pages: int
    items: list[PlannedOut]


def _planned_out(p: PlannedAction) -> dict[str, Any]:
    return {
        "id": p.pk, "account_id": p.account_id, "strategy": p.enrollment.strategy.code,
        "variant": p.enrollment.variant.code, "step": p.step, "action": p.action,
        "template": p.template or None, "queue": p.queue or None, "due_on": p.due_on,
        "status": p.status, "detail": p.detail, "reasons": list(p.reasons or []),
    }  # fmt: skip


@api.get("/planned-actions", response={200: PlannedPageOut, **ERRORS}, tags=["strategies"])
def get_planned_actions(
    request: HttpRequest, day: date | None = None, status: str = "", action: str = "",
    page: int = 1, limit: int = 100,
) -> Status[Any]:  # fmt: skip
    """The actions due on a day (default today), counted by action and status, and listed page
    by page, filtered by status or action."""
    _require(request, *VIEWERS)
    if status and status not in ActionStatus.values:
        raise ServiceError(f"status must be one of {', '.join(ActionStatus.values)}",
                           field="status")  # fmt: skip
    if action and action not in StepAction.values:
        raise ServiceError(f"action must be one of {', '.join(StepAction.values)}",
                           field="action")  # fmt: skip
    if not 1 <= limit <= MAX_LIMIT:
        raise ServiceError(f"limit is 1 to {MAX_LIMIT}", field="limit")
    if page < 1:
        raise ServiceError("pages start at 1", field="page")
    planned = planned_day(day or timezone.localdate(), status=status, action=action)
    paginator = Paginator(planned.rows, limit)
    items = paginator.page(page).object_list if page <= paginator.num_pages else []
    return Status(200, {
        "day": planned.day, "counts": planned.counts, "total": paginator.count, "page": page,
        "pages": paginator.num_pages, "items": [_planned_out(p) for p in items],
    })  # fmt: skip


api.add_router("/strategies", strategies)
api.add_router("/templates", templates)
