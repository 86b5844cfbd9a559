"""Arrangements through the API: an income and expenditure statement with the plans that fit
it, plans and settlements agreed on an account, the approvals queue, and corrections
(adjustments and write-offs) posted within authority or sent for approval.

Registered on the API by ``routes`` (imported at its end). Amounts are decimal text, never a
float; a refusal is a 4xx naming the field and nothing is recorded."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from arrears.core import arrangements as core
from arrears.core.ledger import Balances
from arrears.data.arrangements.models import ApprovalRequest, Arrangement
from arrears.data.users.models import Role, User
from arrears.interfaces.api.routes import ErrorOut, _actor, _amount, _minor, _require, accounts, api
from arrears.services.accounts.access import account_visible, visible_accounts
from arrears.services.arrangements.approvals import (
    approval_decide,
    approvals_pending,
    approver_kinds,
    correction_request,
)
from arrears.services.arrangements.plans import (
    PlanTerms,
    arrangement_cancel,
    income_expenditure_record,
    plan_create,
    plans_propose,
)
from arrears.services.arrangements.settlements import SettlementTerms, settlement_offer
from arrears.services.common import NotFound, ServiceError

ARRANGERS = (Role.COLLECTOR, Role.SUPERVISOR)
CORRECTORS = (Role.SUPERVISOR, Role.ACCOUNTANT)
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class LineIn(Schema):
    category: str = Field(description="Income: wages, benefits, pension, other. Expense: "
                          "housing, utilities, food, transport, childcare, insurance, "
                          "healthcare, other_debts, other.")  # fmt: skip
    amount: str = Field(description='Decimal text, e.g. "1500.00".')
    frequency: str = Field("monthly", description="weekly, biweekly, semimonthly, monthly or "
                           "annually")  # fmt: skip
    description: str = Field("", max_length=200)


class StatementIn(Schema):
    adults: int = Field(1, ge=1, le=20)
    children: int = Field(0, ge=0, le=20)
    incomes: list[LineIn]
    expenses: list[LineIn] = []
    first_due: date = Field(description="When the first payment of a plan would be due.")


class StatementOut(Schema):
    statement_id: int
    disposable_monthly: str
    proposals: dict[str, Any] = Field(description="Every plan that fits and every frequency "
                                      "that does not, with the reasons (ADR 21).")  # fmt: skip


def _statement(payload: StatementIn) -> core.IncomeExpenditure:
    def lines(rows: list[LineIn], name: str) -> list[dict[str, object]]:
        return [
            {"category": row.category, "amount_minor": _minor(row.amount, f"{name}.{i}.amount"),
             "frequency": row.frequency, "description": row.description}
            for i, row in enumerate(rows)
        ]  # fmt: skip

    try:
        return core.IncomeExpenditure.from_dict({
            "household": {"adults": payload.adults, "children": payload.children},
            "incomes": lines(payload.incomes, "incomes"),
            "expenses": lines(payload.expenses, "expenses"),
        })  # fmt: skip
    except core.ArrangementError as exc:
        field = "incomes" if "income" in str(exc) else "expenses"
        raise ServiceError(str(exc), field=field) from exc


@accounts.post("/{account_id}/income-expenditure", response={201: StatementOut, **ERRORS})
def post_statement(request: HttpRequest, account_id: int, payload: StatementIn) -> Status[Any]:
    """Keep an income and expenditure statement taken from the consumer and answer with the
    plans that fit it and the client's rules (minimum payment, longest term)."""
    _require(request, *ARRANGERS)
    statement = _statement(payload)
    taken = income_expenditure_record(account_id=account_id, statement=statement,
                                      actor=_actor(request), now=timezone.now())  # fmt: skip
    proposals = plans_propose(account_id=account_id, statement_id=taken.pk,
                              first_due=payload.first_due)  # fmt: skip
    return Status(201, {
        "statement_id": taken.pk,
        "disposable_monthly": _amount(statement.disposable_monthly_minor),
        "proposals": proposals.as_dict(),
    })  # fmt: skip


class InstalmentOut(Schema):
    seq: int
    due_on: date
    amount: str
    status: str
    resolved_on: date | None


class ArrangementOut(Schema):
    id: int
    account_id: int
    kind: str = Field(description="plan or settlement")
    status: str = Field(description="pending (waiting for approval), active, completed, broken, "
                        "cancelled or declined")  # fmt: skip
    frequency: str
    balance: str = Field(description="The balance when it was agreed.")
    total: str
    forgiven: str
    needs_1099c: bool
    instalments: list[InstalmentOut]
    rationale: list[str]
    beyond_authority: list[str] = Field(description="The limits crossed (pending: why it "
                                        "waits for approval).")  # fmt: skip


def _arrangement_out(a: Arrangement) -> dict[str, Any]:
    return {
        "id": a.pk, "account_id": a.account_id, "kind": a.kind, "status": a.status,
        "frequency": a.frequency, "balance": _amount(a.balance_minor, a.currency),
        "total": _amount(a.total_minor, a.currency),
        "forgiven": _amount(a.forgiven_minor, a.currency), "needs_1099c": a.needs_1099c,
        "instalments": [
            {"seq": i.seq, "due_on": i.due_on, "amount": _amount(i.amount_minor, a.currency),
             "status": i.status, "resolved_on": i.resolved_on}
            for i in a.instalments.order_by("seq")
        ],
        "rationale": list(a.rationale.get("sentences", [])),
        "beyond_authority": [c["message"] for c in
                             a.authority.get("decision", {}).get("crossed", [])],
    }  # fmt: skip


@accounts.get("/{account_id}/arrangements", response={200: list[ArrangementOut], 404: ErrorOut})
def list_arrangements(request: HttpRequest, account_id: int) -> Status[Any]:
    """The account's plans and settlements, newest first."""
    rows = Arrangement.objects.filter(account_id=account_id).order_by("-created_at", "-pk")
    return Status(200, [_arrangement_out(a) for a in rows])


class PlanIn(Schema):
    frequency: str = Field(description="weekly, biweekly, semimonthly or monthly")
    first_due: date
    statement_id: int | None = Field(None, description="Size the plan from this statement "
                                     "(the proposal at this frequency).")  # fmt: skip
    instalment: str | None = Field(None, description="Or an instalment amount (decimal text).")
    count: int | None = Field(None, ge=1, le=1000, description="Or a number of payments.")
    authorization_id: int | None = Field(None, description="Collect each payment by ACH debit "
                                         "under this recurring authorization.")  # fmt: skip
    note: str = Field("", max_length=500)


@accounts.post("/{account_id}/plans", response={201: ArrangementOut, **ERRORS})
def post_plan(request: HttpRequest, account_id: int, payload: PlanIn) -> Status[Any]:
    """Agree a payment plan for the balance owed now, within the client's rules; the reasons
    are stored with it."""
    _require(request, *ARRANGERS)
    plan = plan_create(
        account_id=account_id, actor=_actor(request), now=timezone.now(),
        terms=PlanTerms(
            frequency=payload.frequency, first_due=payload.first_due,
            statement_id=payload.statement_id,
            instalment_minor=(_minor(payload.instalment, "instalment")
                              if payload.instalment is not None else None),
            count=payload.count, authorization_id=payload.authorization_id, note=payload.note,
        ),
    )  # fmt: skip
    return Status(201, _arrangement_out(plan))


class SettlementIn(Schema):
    first_due: date
    amount: str | None = Field(None, description="The settlement amount (decimal text) ...")
    percent: str | None = Field(None, description='... or its share of the balance, e.g. "60".')
    count: int = Field(1, ge=1, le=60)
    frequency: str = "monthly"
    authorization_id: int | None = None
    note: str = Field("", max_length=500)


def _ppm(text: str) -> int:
    try:
        ppm = _minor(text, "percent") * 100  # hundredths of a percent -> ppm
    except ServiceError:
        raise ServiceError(
            f"{text!r} is not a percentage like 60 or 62.5", field="percent"
        ) from None
    return ppm


@accounts.post("/{account_id}/settlements", response={201: ArrangementOut, **ERRORS})
def post_settlement(request: HttpRequest, account_id: int, payload: SettlementIn) -> Status[Any]:
    """Agree a settlement: active at once within the caller's authority, else pending in the
    approvals queue with the limits it crosses. Below a floor set by law: 400, nothing kept."""
    _require(request, *ARRANGERS)
    deal = settlement_offer(
        account_id=account_id, actor=_actor(request), now=timezone.now(),
        terms=SettlementTerms(
            first_due=payload.first_due, count=payload.count, frequency=payload.frequency,
            amount_minor=_minor(payload.amount, "amount") if payload.amount is not None else None,
            percent_ppm=_ppm(payload.percent) if payload.percent is not None else None,
            authorization_id=payload.authorization_id, note=payload.note,
        ),
    )  # fmt: skip
    return Status(201, _arrangement_out(deal))


class CancelIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


@accounts.post("/{account_id}/arrangements/{arrangement_id}/cancel",
               response={200: ArrangementOut, **ERRORS})  # fmt: skip
def cancel_arrangement(
    request: HttpRequest, account_id: int, arrangement_id: int, payload: CancelIn
) -> Status[Any]:
    """End a standing plan or settlement; what is scheduled under it is cancelled."""
    _require(request, *ARRANGERS)
    if not Arrangement.objects.filter(pk=arrangement_id, account_id=account_id).exists():
        raise NotFound(f"no arrangement {arrangement_id} on account {account_id}",
                       field="arrangement_id")  # fmt: skip
    done = arrangement_cancel(arrangement_id=arrangement_id, reason=payload.reason,
                              actor=_actor(request), now=timezone.now())  # fmt: skip
    return Status(200, _arrangement_out(done))


class AmountsIn(Schema):
    principal: str = "0"
    interest: str = "0"
    fees: str = "0"
    costs: str = "0"


class CorrectionIn(Schema):
    kind: str = Field(description="adjustment or write_off")
    on: date
    reason: str = Field(min_length=1, max_length=200)
    amounts: AmountsIn | None = Field(None, description="Adjustments: signed decimal text per "
                                      "bucket.")  # fmt: skip


class CorrectionOut(Schema):
    posted: bool
    entry_id: int | None
    request_id: int | None
    reasons: list[str]


def _signed(text: str, field: str) -> int:
    text = text.strip()
    negative = text.startswith("-")
    minor = _minor(text.lstrip("-+"), field)
    return -minor if negative else minor


@accounts.post("/{account_id}/corrections", response={201: CorrectionOut, 202: CorrectionOut,
                                                      **ERRORS})  # fmt: skip
def post_correction(request: HttpRequest, account_id: int, payload: CorrectionIn) -> Status[Any]:
    """An adjustment or write-off: posted (201) within the caller's limit, else waiting (202)
    for a second person's approval with the limit it crosses."""
    _require(request, *CORRECTORS)
    amounts = None
    if payload.amounts is not None:
        a = payload.amounts
        amounts = Balances(
            principal=_signed(a.principal, "amounts.principal"),
            interest=_signed(a.interest, "amounts.interest"),
            fees=_signed(a.fees, "amounts.fees"), costs=_signed(a.costs, "amounts.costs"),
        )  # fmt: skip
    done = correction_request(account_id=account_id, kind=payload.kind, on=payload.on,
                              reason=payload.reason, amounts=amounts, actor=_actor(request),
                              now=timezone.now())  # fmt: skip
    if done.request is not None:
        return Status(202, {"posted": False, "entry_id": None, "request_id": done.request.pk,
                            "reasons": list(done.request.reasons)})  # fmt: skip
    assert done.posted is not None
    return Status(201, {"posted": True, "entry_id": done.posted.entry_id, "request_id": None,
                        "reasons": []})  # fmt: skip


# --- the approvals queue -------------------------------------------------------------------

approvals = Router(tags=["approvals"])


class ApprovalOut(Schema):
    id: int
    kind: str
    status: str
    account_id: int
    arrangement_id: int | None
    amount: str = Field(description="The size that crossed the limit (forgiven, or corrected).")
    reasons: list[str]
    note: str
    requested_by: str
    requested_at: Any


def _approval_out(r: ApprovalRequest) -> dict[str, Any]:
    return {
        "id": r.pk, "kind": r.kind, "status": r.status, "account_id": r.account_id,
        "arrangement_id": r.arrangement_id, "amount": _amount(r.amount_minor),
        "reasons": list(r.reasons), "note": r.note,
        "requested_by": r.requested_by.get_username(), "requested_at": r.requested_at,
    }  # fmt: skip


def _approver(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    if not approver_kinds(Role.ADMIN if user.is_superuser else user.role):
        _require(request, *CORRECTORS)
    return user


@approvals.get("", response={200: list[ApprovalOut], 403: ErrorOut})
def list_approvals(request: HttpRequest) -> Status[Any]:
    """Requests waiting for a second person that the caller's role decides, oldest first."""
    user = _approver(request)
    kinds = approver_kinds(Role.ADMIN if user.is_superuser else user.role)
    rows = visible_accounts(user, approvals_pending(kinds=kinds), via="account")[:1000]
    return Status(200, [_approval_out(r) for r in rows])


class DecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=500)


@approvals.post("/{request_id}/decision", response={200: ApprovalOut, **ERRORS})
def decide_approval(request: HttpRequest, request_id: int, payload: DecisionIn) -> Status[Any]:
    """Approve (the settlement starts, the correction is posted) or decline. Never by the one
    who asked; beyond the decider's own authority it waits for an administrator."""
    user = _approver(request)
    account_id = (
        ApprovalRequest.objects.filter(pk=request_id).values_list("account_id", flat=True).first()
    )
    if account_id is None or not account_visible(user, account_id):
        raise NotFound(f"no approval request {request_id}", field="request_id")
    done = approval_decide(request_id=request_id, approve=payload.approve, note=payload.note,
                           actor=_actor(request), now=timezone.now())  # fmt: skip
    return Status(200, _approval_out(done.request))


api.add_router("/approvals", approvals)
