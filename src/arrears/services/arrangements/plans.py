"""Payment plans: an income and expenditure statement taken from the consumer, the plans that
fit it and the client's rules, and the plan agreed, with the reasons stored (ADR 21, 22).

A plan is agreed for the balance owed on the day. The rationale kept with it holds the
statement, the client's rules, every proposal and refusal, and what was chosen, in sentences
with the numbers, so a plan can always be explained later as it was agreed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from arrears.core import arrangements as core
from arrears.data.accounts.models import Account, AccountStatus, Hold, HoldKind
from arrears.data.arrangements.models import (
    STANDING,
    ApprovalRequest,
    ApprovalStatus,
    Arrangement,
    ArrangementInstalment,
    ArrangementKind,
    ArrangementStatus,
    ClientPlanRules,
    IncomeExpenditure,
    InstalmentState,
)
from arrears.data.payments.models import AchAuthorization, ScheduledPayment, ScheduledStatus
from arrears.services.common import Actor, NotFound, ServiceError, audit_record
from arrears.services.work.picking import entries_worked

# The first instalment is due within this many days of the day a plan is agreed.
MAX_FIRST_DUE_DAYS = 60
# Statuses an account may take an arrangement in.
ARRANGEABLE = (AccountStatus.ACTIVE,)


class ArrangementRefused(ServiceError):
    code = "arrangement_refused"


def plan_rules_for(client_id: int) -> core.PlanRules:
    row = ClientPlanRules.objects.filter(client_id=client_id).first() or ClientPlanRules()
    return core.PlanRules(
        min_payment_minor=row.min_payment_minor,
        max_term_months=row.max_term_months,
        share_of_disposable_ppm=row.share_of_disposable_ppm,
    )


def lock_arrangeable(account_id: int, today: date) -> Account:
    """The account, locked, when it can take an arrangement today; else the refusal."""
    account = Account.objects.select_for_update().filter(pk=account_id).first()
    if account is None:
        raise NotFound(f"no account {account_id}", field="account_id")
    if Arrangement.objects.filter(account_id=account_id, status__in=STANDING).exists():
        raise ArrangementRefused(
            "the account already has an arrangement standing; cancel it first", field="account_id"
        )
    if account.status not in ARRANGEABLE:
        raise ArrangementRefused(f"the account is {account.status}", field="account_id")
    if account.balance_minor <= 0:
        raise ArrangementRefused("nothing is owed on the account", field="account_id")
    stayed = Hold.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=today),
        account_id=account_id, kind=HoldKind.BANKRUPTCY, starts_on__lte=today,
    ).exists()  # fmt: skip
    if stayed:
        raise ArrangementRefused(
            "a bankruptcy hold stands on the account: the automatic stay stops collection",
            field="account_id",
        )
    return account


def check_first_due(first_due: date, today: date) -> None:
    if first_due < today:
        raise ArrangementRefused("the first payment cannot be due in the past", field="first_due")
    if first_due > today + timedelta(days=MAX_FIRST_DUE_DAYS):
        raise ArrangementRefused(
            f"the first payment must be due within {MAX_FIRST_DUE_DAYS} days", field="first_due"
        )


def income_expenditure_record(
    *, account_id: int, statement: core.IncomeExpenditure, actor: Actor, now: datetime
) -> IncomeExpenditure:
    """Keep a statement taken from the consumer (the latest one is what plans are sized on)."""
    with transaction.atomic():
        if not Account.objects.filter(pk=account_id).exists():
            raise NotFound(f"no account {account_id}", field="account_id")
        row = IncomeExpenditure.objects.create(
            account_id=account_id, data=statement.as_dict(),
            disposable_monthly_minor=statement.disposable_monthly_minor, taken_at=now,
            taken_by_id=actor.user_id,
        )  # fmt: skip
        audit_record(
            actor=actor, event="income_expenditure.taken", account_id=account_id, at=now,
            details={"statement": row.pk,
                     "disposable_monthly_minor": statement.disposable_monthly_minor},
        )  # fmt: skip
        return row


def statement_of(
    statement_id: int, account_id: int
) -> tuple[IncomeExpenditure, core.IncomeExpenditure]:
    row = IncomeExpenditure.objects.filter(pk=statement_id, account_id=account_id).first()
    if row is None:
        raise NotFound(f"no statement {statement_id} on account {account_id}", field="statement_id")
    return row, core.IncomeExpenditure.from_dict(row.data)


def plans_propose(*, account_id: int, statement_id: int, first_due: date) -> core.Proposals:
    """The plans the statement and the client's rules allow for the balance owed now."""
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        raise NotFound(f"no account {account_id}", field="account_id")
    if account.balance_minor <= 0:
        raise ArrangementRefused("nothing is owed on the account", field="account_id")
    _, statement = statement_of(statement_id, account_id)
    return core.propose_plans(
        statement, account.balance_minor, plan_rules_for(account.client_id), first_due
    )


@dataclass(frozen=True)
class PlanTerms:
    """What the collector agreed: a frequency and a first due day, and either the proposal
    from a statement or an instalment amount or a number of instalments."""

    frequency: str
    first_due: date
    statement_id: int | None = None
    instalment_minor: int | None = None
    count: int | None = None
    authorization_id: int | None = None
    note: str = ""


def _frequency(value: str) -> core.Frequency:
    try:
        return core.Frequency(value)
    except ValueError:
        raise ArrangementRefused(
            f"frequency must be one of {', '.join(f.value for f in core.Frequency)}",
            field="frequency",
        ) from None


def _schedule(
    balance: int, terms: PlanTerms, frequency: core.Frequency,
    proposals: core.Proposals | None, currency: str,
) -> tuple[core.Schedule, list[str]]:  # fmt: skip
    def _money(minor: int) -> str:
        return core.money_text(minor, currency)

    sentences: list[str] = []
    if terms.instalment_minor is not None and terms.count is not None:
        raise ArrangementRefused("give an instalment amount or a number of payments, not both",
                                 field="count")  # fmt: skip
    try:
        if terms.instalment_minor is not None:
            schedule = core.schedule_by_amount(
                balance, terms.instalment_minor, terms.first_due, frequency
            )
        elif terms.count is not None:
            schedule = core.schedule_by_count(balance, terms.count, terms.first_due, frequency)
        elif proposals is not None:
            proposal = proposals.get(frequency)
            if proposal is None:
                refusal = proposals.no_plan(frequency)
                why = " ".join(refusal.rationale) if refusal else "no plan fits"
                raise ArrangementRefused(why, field="frequency")
            return proposal.schedule, [*proposals.rationale, *proposal.rationale]
        else:
            raise ArrangementRefused(
                "give an instalment amount or a number of payments, or size the plan from an "
                "income and expenditure statement", field="instalment_minor",
            )  # fmt: skip
    except core.ArrangementError as exc:
        raise ArrangementRefused(str(exc), field="instalment_minor") from exc
    if proposals is not None:
        sentences.extend(proposals.rationale)
        affordable = core.affordable_instalment_minor(
            proposals.income_expenditure.disposable_monthly_minor, frequency,
            proposals.rules.share_of_disposable_ppm,
        )  # fmt: skip
        if schedule.instalment_minor > affordable:
            sentences.append(
                f"The consumer chose {_money(schedule.instalment_minor)} a payment, above the "
                f"{_money(affordable)} the statement shows they can afford."
            )
        else:
            sentences.append(
                f"The consumer chose {_money(schedule.instalment_minor)} a payment, within the "
                f"{_money(affordable)} the statement shows they can afford."
            )
    else:
        sentences.append("Agreed without an income and expenditure statement.")
    return schedule, sentences


def _check_rules(schedule: core.Schedule, rules: core.PlanRules, currency: str) -> list[str]:
    def _money(minor: int) -> str:
        return core.money_text(minor, currency)

    regular = schedule.instalment_minor
    if schedule.count > 1 and regular < rules.min_payment_minor:
        raise ArrangementRefused(
            f"{_money(regular)} a payment is below the client's minimum of "
            f"{_money(rules.min_payment_minor)}", field="instalment_minor",
        )  # fmt: skip
    if schedule.term_months > rules.max_term_months:
        raise ArrangementRefused(
            f"the plan runs {schedule.term_months} months, longer than the client's "
            f"{rules.max_term_months}", field="count",
        )  # fmt: skip
    return [
        f"{schedule.count} payment{'s' if schedule.count != 1 else ''} of "
        f"{_money(regular)}"
        + (f" and a last one of {_money(schedule.final_minor)}"
           if schedule.final_minor != regular else "")
        + f", {schedule.frequency.value} from {schedule.first_due.isoformat()}: "
        f"{schedule.term_months} months, within the client's {rules.max_term_months}."
    ]  # fmt: skip


def _authorization(authorization_id: int, account_id: int, last_due: date) -> AchAuthorization:
    auth = AchAuthorization.objects.filter(pk=authorization_id, account_id=account_id).first()
    if auth is None:
        raise NotFound(f"no ACH authorization {authorization_id} on this account",
                       field="authorization_id")  # fmt: skip
    if auth.revoked_at is not None or (auth.ends_on is not None and auth.ends_on <= last_due):
        raise ArrangementRefused("the ACH authorization does not cover every payment",
                                 field="authorization_id")  # fmt: skip
    if not auth.recurring:
        raise ArrangementRefused("a plan needs a recurring ACH authorization",
                                 field="authorization_id")  # fmt: skip
    return auth


def store_arrangement(
    *, account: Account, kind: str, status: str, schedule: core.Schedule, balance_minor: int,
    forgiven_minor: int, needs_1099c: bool, today: date, actor: Actor, now: datetime,
    rationale: dict[str, object], authority: dict[str, object], note: str,
    statement: IncomeExpenditure | None, authorization_id: int | None,
) -> Arrangement:  # fmt: skip
    auth = (
        _authorization(authorization_id, account.pk, schedule.last_due)
        if authorization_id is not None else None
    )  # fmt: skip
    arrangement = Arrangement.objects.create(
        account=account, kind=kind, status=status, frequency=schedule.frequency.value,
        currency=account.currency, balance_minor=balance_minor, total_minor=schedule.total_minor,
        forgiven_minor=forgiven_minor, needs_1099c=needs_1099c, starts_on=today,
        income_expenditure=statement, rationale=rationale, authority=authority, note=note,
        created_by_id=actor.user_id, created_at=now,
    )  # fmt: skip
    rows = []
    for seq, instalment in enumerate(schedule.instalments, start=1):
        scheduled = None
        if auth is not None:
            scheduled = ScheduledPayment.objects.create(
                account=account, authorization=auth, amount_minor=instalment.amount_minor,
                due_on=instalment.due_on, created_at=now, created_by_id=actor.user_id,
            )  # fmt: skip
        rows.append(ArrangementInstalment(
            arrangement=arrangement, seq=seq, due_on=instalment.due_on,
            amount_minor=instalment.amount_minor, scheduled=scheduled,
        ))  # fmt: skip
    ArrangementInstalment.objects.bulk_create(rows)
    return arrangement


def mark_in_arrangement(account: Account, arrangement: Arrangement, today: date) -> None:
    account.status = AccountStatus.ARRANGEMENT
    account.status_reason = f"{arrangement.get_kind_display().lower()} {arrangement.pk}"
    account.status_changed_on = today
    account.save(update_fields=["status", "status_reason", "status_changed_on", "updated_at"])


def plan_create(*, account_id: int, terms: PlanTerms, actor: Actor, now: datetime) -> Arrangement:
    """Agree a payment plan for the balance owed now, within the client's rules."""
    today = timezone.localdate(now)
    frequency = _frequency(terms.frequency)
    check_first_due(terms.first_due, today)
    with transaction.atomic():
        account = lock_arrangeable(account_id, today)
        rules = plan_rules_for(account.client_id)
        statement_row: IncomeExpenditure | None = None
        proposals: core.Proposals | None = None
        if terms.statement_id is not None:
            statement_row, statement = statement_of(terms.statement_id, account_id)
            proposals = core.propose_plans(
                statement, account.balance_minor, rules, terms.first_due, [frequency]
            )
        schedule, sentences = _schedule(
            account.balance_minor, terms, frequency, proposals, account.currency
        )
        sentences.extend(_check_rules(schedule, rules, account.currency))
        rationale: dict[str, object] = {
            "sentences": sentences,
            "rules": rules.as_dict(),
            "proposals": proposals.as_dict() if proposals is not None else None,
            "schedule": schedule.as_dict(),
        }
        arrangement = store_arrangement(
            account=account, kind=ArrangementKind.PLAN, status=ArrangementStatus.ACTIVE,
            schedule=schedule, balance_minor=account.balance_minor, forgiven_minor=0,
            needs_1099c=False, today=today, actor=actor, now=now, rationale=rationale,
            authority={}, note=terms.note, statement=statement_row,
            authorization_id=terms.authorization_id,
        )  # fmt: skip
        mark_in_arrangement(account, arrangement, today)
        audit_record(
            actor=actor, event="plan.agreed", account_id=account_id, at=now,
            details={"arrangement": arrangement.pk, "frequency": frequency.value,
                     "count": schedule.count, "total_minor": schedule.total_minor,
                     "first_due": schedule.first_due.isoformat()},
        )  # fmt: skip
        entries_worked(account_id, at=now)
        return arrangement


def arrangement_cancel(
    *, arrangement_id: int, reason: str, actor: Actor, now: datetime
) -> Arrangement:
    """End a standing arrangement at the consumer's or the client's request; what is scheduled
    under it is cancelled and the account is active again."""
    if not reason.strip():
        raise ServiceError("give the reason for cancelling", field="reason")
    today = timezone.localdate(now)
    with transaction.atomic():
        arrangement = Arrangement.objects.select_for_update().filter(pk=arrangement_id).first()
        if arrangement is None:
            raise NotFound(f"no arrangement {arrangement_id}", field="arrangement_id")
        if arrangement.status not in STANDING:
            raise ArrangementRefused(f"the arrangement is already {arrangement.status}",
                                     field="arrangement_id")  # fmt: skip
        was = arrangement.status
        end_arrangement(arrangement, ArrangementStatus.CANCELLED, today, reason.strip())
        if was == ArrangementStatus.PENDING:
            ApprovalRequest.objects.filter(
                arrangement=arrangement, status=ApprovalStatus.PENDING
            ).update(status=ApprovalStatus.WITHDRAWN, decided_at=now)
        audit_record(
            actor=actor, event="arrangement.cancelled", account_id=arrangement.account_id, at=now,
            details={"arrangement": arrangement.pk, "reason": reason.strip()},
        )  # fmt: skip
        return arrangement


def end_arrangement(arrangement: Arrangement, status: str, on: date, reason: str) -> None:
    """Close an arrangement: open instalments and what is scheduled under them are cancelled,
    and an account held in the arrangement is active again (unless it was paid or settled)."""
    was_active = arrangement.status == ArrangementStatus.ACTIVE
    arrangement.status = status
    arrangement.ended_on = on
    arrangement.end_reason = reason[:200]
    arrangement.save(update_fields=["status", "ended_on", "end_reason"])
    open_rows = arrangement.instalments.filter(status=InstalmentState.OPEN)
    ScheduledPayment.objects.filter(
        pk__in=open_rows.exclude(scheduled__isnull=True).values("scheduled_id"),
        status=ScheduledStatus.SCHEDULED,
    ).update(status=ScheduledStatus.CANCELLED, status_reason=f"arrangement {status}"[:200])
    open_rows.update(status=InstalmentState.CANCELLED, resolved_on=on)
    if was_active and status != ArrangementStatus.COMPLETED:
        Account.objects.filter(pk=arrangement.account_id, status=AccountStatus.ARRANGEMENT).update(
            status=AccountStatus.ACTIVE, status_reason=f"arrangement {status}: {reason}"[:200],
            status_changed_on=on,
        )  # fmt: skip
