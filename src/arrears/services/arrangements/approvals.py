"""Requests beyond one person's authority, decided by a second person (ADR 22).

Settlements are decided by supervisors and administrators; adjustments and write-offs also by
accountants. The person deciding is never the one who asked (the table refuses it too), and
must have the authority the request needs: an offer beyond a supervisor's own limits waits for
an administrator. An approval acts at once: the settlement starts, the adjustment is posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from arrears.core import arrangements as core
from arrears.core.ledger import Balances
from arrears.data.accounts.models import Account, AccountStatus
from arrears.data.arrangements.models import (
    STANDING,
    ApprovalKind,
    ApprovalRequest,
    ApprovalStatus,
    Arrangement,
    ArrangementStatus,
)
from arrears.data.users.models import User
from arrears.services.arrangements.authority import (
    ADJUSTMENT_APPROVERS,
    SETTLEMENT_APPROVERS,
    authority_of,
    user_of,
)
from arrears.services.arrangements.plans import (
    ArrangementRefused,
    end_arrangement,
    mark_in_arrangement,
)
from arrears.services.arrangements.rules import state_settlement_minimum
from arrears.services.common import Actor, NotFound, ServiceError, audit_record
from arrears.services.ledger.operations import PostResult, adjustment_post, balance_write_down

KINDS = ("adjustment", "write_off")


def approvals_pending(*, kinds: tuple[str, ...] | None = None) -> QuerySet[ApprovalRequest]:
    pending = ApprovalRequest.objects.filter(status=ApprovalStatus.PENDING)
    if kinds is not None:
        pending = pending.filter(kind__in=kinds)
    return pending.select_related("account", "arrangement", "requested_by").order_by(
        "requested_at", "pk"
    )


def approver_kinds(role: str) -> tuple[str, ...]:
    """The kinds of request a role may decide."""
    kinds = []
    if role in SETTLEMENT_APPROVERS:
        kinds.append(ApprovalKind.SETTLEMENT.value)
    if role in ADJUSTMENT_APPROVERS:
        kinds.extend([ApprovalKind.ADJUSTMENT.value, ApprovalKind.WRITE_OFF.value])
    return tuple(kinds)


@dataclass(frozen=True)
class Decision:
    request: ApprovalRequest
    arrangement: Arrangement | None = None
    posted: PostResult | None = None


def _size(amounts: Balances) -> int:
    return sum(abs(amount) for amount in amounts.as_dict().values())


def _check_covered(request: ApprovalRequest, approver_role: str, client_id: int, user_id: int,
                   account: Account, now: datetime) -> None:  # fmt: skip
    authority = authority_of(User.objects.get(pk=user_id), client_id)
    if request.kind == ApprovalKind.SETTLEMENT:
        assert request.arrangement is not None
        arrangement = request.arrangement
        offer = core.settlement_terms(
            arrangement.balance_minor, amount_minor=arrangement.total_minor
        )
        minimum = state_settlement_minimum(account, at=now)
        decision = core.check_authority(
            offer, authority.settlement,
            state_minimum_ppm=minimum.ppm if minimum is not None else None,
            currency=account.currency,
        )  # fmt: skip
    elif authority.max_adjustment_minor is None:
        return
    else:
        decision = core.check_adjustment_authority(
            request.amount_minor, authority.max_adjustment_minor, currency=account.currency
        )
    if decision.outcome is core.AuthorityOutcome.NOT_ALLOWED:
        raise ArrangementRefused(" ".join(decision.reasons), field="request_id")
    if not decision.within:
        raise ArrangementRefused(
            "this is beyond your authority too: " + " ".join(decision.reasons)
            + " An administrator must decide it.", field="request_id",
        )  # fmt: skip


def approval_decide(
    *, request_id: int, approve: bool, note: str, actor: Actor, now: datetime
) -> Decision:
    """Approve or decline a waiting request. Refused, changing nothing, when the request is no
    longer waiting, the actor asked for it, or lacks the role or the authority."""
    user = user_of(actor)
    today = timezone.localdate(now)
    with transaction.atomic():
        request = (
            ApprovalRequest.objects.select_for_update(of=("self",)).select_related("arrangement")
            .filter(pk=request_id).first()
        )  # fmt: skip
        if request is None:
            raise NotFound(f"no approval request {request_id}", field="request_id")
        if request.status != ApprovalStatus.PENDING:
            raise ArrangementRefused(f"the request is already {request.status}", field="request_id")
        if request.kind not in approver_kinds(user.role):
            raise ServiceError(f"a {user.get_role_display().lower()} cannot decide "
                               f"{request.get_kind_display().lower()} requests",
                               field="request_id")  # fmt: skip
        if request.requested_by_id == user.pk:
            raise ArrangementRefused("a second person must decide what you asked for",
                                     field="request_id")  # fmt: skip
        account = Account.objects.select_for_update().get(pk=request.account_id)
        if approve:
            _check_covered(request, user.role, account.client_id, user.pk, account, now)
        request.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.DECLINED
        request.decided_by_id = user.pk
        request.decided_at = now
        request.decision_note = note.strip()
        arrangement = request.arrangement
        posted = None
        if request.kind == ApprovalKind.SETTLEMENT:
            assert arrangement is not None
            if approve:
                first = arrangement.instalments.order_by("seq").first()
                if first is not None and first.due_on < today:
                    raise ArrangementRefused(
                        f"the first payment was due on {first.due_on.isoformat()}, before "
                        "today; decline it and offer again", field="request_id",
                    )  # fmt: skip
                if account.status != AccountStatus.ACTIVE:
                    raise ArrangementRefused(f"the account is now {account.status}",
                                             field="request_id")  # fmt: skip
                arrangement.status = ArrangementStatus.ACTIVE
                arrangement.save(update_fields=["status"])
                mark_in_arrangement(account, arrangement, today)
            else:
                end_arrangement(arrangement, ArrangementStatus.DECLINED, today,
                                note.strip() or "declined")  # fmt: skip
        elif approve:
            posted = _post(request, Actor(label=f"{actor.label} (approving "
                                                f"{request.requested_by_id})",
                                          user_id=actor.user_id), now)  # fmt: skip
            request.entry_id = posted.entry_id
        request.save()
        audit_record(
            actor=actor, event=f"approval.{request.status}", account_id=request.account_id,
            at=now, details={"request": request.pk, "kind": request.kind,
                             "arrangement": arrangement.pk if arrangement else None,
                             "entry": request.entry_id, "note": request.decision_note},
        )  # fmt: skip
        return Decision(request=request, arrangement=arrangement, posted=posted)


def _post(request: ApprovalRequest, actor: Actor, now: datetime) -> PostResult:
    on = date.fromisoformat(str(request.details["on"]))
    reason = str(request.details.get("reason", ""))
    if request.kind == ApprovalKind.WRITE_OFF:
        return balance_write_down(
            account_id=request.account_id, kind="write_off", on=on, reason=reason, actor=actor,
            now=now,
        )  # fmt: skip
    amounts = request.details["amounts"]
    assert isinstance(amounts, dict)
    return adjustment_post(
        account_id=request.account_id,
        amounts=Balances(
            principal=int(amounts["principal"]), interest=int(amounts["interest"]),
            fees=int(amounts["fees"]), costs=int(amounts["costs"]),
        ),
        on=on, reason=reason, actor=actor, now=now,
    )  # fmt: skip


@dataclass(frozen=True)
class CorrectionOutcome:
    """Posted at once (within authority), or waiting for a second person."""

    posted: PostResult | None = None
    request: ApprovalRequest | None = None


def correction_request(
    *, account_id: int, kind: str, on: date, reason: str, actor: Actor, now: datetime,
    amounts: Balances | None = None,
) -> CorrectionOutcome:  # fmt: skip
    """An adjustment (signed bucket amounts) or a write-off (the whole balance): posted when
    within the actor's adjustment limit, else sent for a second person's approval."""
    if kind not in KINDS:
        raise ServiceError(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if not reason.strip():
        raise ServiceError("give the reason", field="reason")
    if on > timezone.localdate(now):
        raise ServiceError("a correction cannot be dated in the future", field="on")
    user = user_of(actor)
    with transaction.atomic():
        account = Account.objects.select_for_update().filter(pk=account_id).first()
        if account is None:
            raise NotFound(f"no account {account_id}", field="account_id")
        if kind == "adjustment":
            if amounts is None or amounts.is_zero():
                raise ServiceError("an adjustment must change at least one bucket",
                                   field="amounts")  # fmt: skip
            size = _size(amounts)
        else:
            if account.balance_minor <= 0:
                raise ServiceError("nothing is owed to write off", field="account_id")
            if Arrangement.objects.filter(account_id=account_id, status__in=STANDING).exists():
                raise ArrangementRefused("cancel the arrangement standing before writing off",
                                         field="account_id")  # fmt: skip
            size = account.balance_minor
        limit = authority_of(user, account.client_id).max_adjustment_minor
        decision = (
            core.AuthorityDecision() if limit is None
            else core.check_adjustment_authority(size, limit, currency=account.currency)
        )  # fmt: skip
        details: dict[str, object] = {"on": on.isoformat(), "reason": reason.strip()}
        if amounts is not None:
            details["amounts"] = amounts.as_dict()
        if decision.within:
            if kind == "write_off":
                posted = balance_write_down(account_id=account_id, kind="write_off", on=on,
                                            reason=reason.strip(), actor=actor, now=now)  # fmt: skip
            else:
                assert amounts is not None
                posted = adjustment_post(account_id=account_id, amounts=amounts, on=on,
                                         reason=reason.strip(), actor=actor, now=now)  # fmt: skip
            return CorrectionOutcome(posted=posted)
        request = ApprovalRequest.objects.create(
            kind=kind, account=account, amount_minor=size, details=details,
            reasons=list(decision.reasons), note=reason.strip(), requested_by_id=user.pk,
            requested_at=now,
        )  # fmt: skip
        audit_record(
            actor=actor, event=f"{kind}.requested", account_id=account_id, at=now,
            details={"request": request.pk, "amount_minor": size,
                     "reasons": list(decision.reasons)},
        )  # fmt: skip
        return CorrectionOutcome(request=request)
