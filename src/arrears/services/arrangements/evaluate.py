"""The nightly judgement of plans and settlements (ADR 22; part of ``arrears nightly`` later).

Every active arrangement that started by the day is judged from the cash on its account
(``core.arrangements.tracking``). Kept and broken instalments are recorded with their day; a
completed settlement writes the rest of the balance down and settles the account; a broken
arrangement ends, the account is active again and whoever works it gets a callback. Verdicts
depend only on cash dated up to the day, so a run repeated for a day, or a later run, changes
nothing already decided.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from arrears.core.arrangements import money_text
from arrears.core.arrangements.tracking import InstalmentStatus, track
from arrears.data.accounts.models import Account, AccountStatus
from arrears.data.arrangements.models import (
    Arrangement,
    ArrangementInstalment,
    ArrangementKind,
    ArrangementStatus,
    InstalmentState,
)
from arrears.data.ledger.models import Entry
from arrears.data.work.models import Assignment, Callback, ClientPromiseTerms
from arrears.services.arrangements.plans import end_arrangement
from arrears.services.common import Actor, audit_record
from arrears.services.ledger.operations import balance_write_down
from arrears.services.work.promises import CASH_KINDS


@dataclass
class ArrangementsReport:
    as_of: date
    judged: int = 0
    instalments_kept: int = 0
    instalments_broken: int = 0
    completed: int = 0
    broken: int = 0
    settled: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "as_of": self.as_of.isoformat()}


def arrangements_evaluate(
    *, as_of: date, actor: Actor, now: datetime | None = None
) -> ArrangementsReport:
    now = now or timezone.now()
    report = ArrangementsReport(as_of=as_of)
    with transaction.atomic():
        arrangements = list(
            Arrangement.objects.select_for_update()
            .filter(status=ArrangementStatus.ACTIVE, starts_on__lte=as_of)
            .order_by("pk")
        )
        if not arrangements:
            return report
        ids = [a.pk for a in arrangements]
        instalments: dict[int, list[ArrangementInstalment]] = defaultdict(list)
        for row in ArrangementInstalment.objects.filter(arrangement_id__in=ids).order_by(
            "arrangement_id", "seq"
        ):
            instalments[row.arrangement_id].append(row)
        accounts = {a.account_id for a in arrangements}
        cash: dict[int, list[tuple[date, int]]] = defaultdict(list)
        for account_id, on, amount in Entry.objects.filter(
            account_id__in=accounts, kind__in=CASH_KINDS,
            effective_on__gte=min(a.starts_on for a in arrangements), effective_on__lte=as_of,
        ).values_list("account_id", "effective_on", "cash_minor"):  # fmt: skip
            cash[account_id].append((on, amount))
        grace = dict(
            ClientPromiseTerms.objects.filter(
                client_id__in=Account.objects.filter(pk__in=accounts).values("client_id")
            ).values_list("client_id", "promise_grace_days")
        )
        clients = dict(Account.objects.filter(pk__in=accounts).values_list("pk", "client_id"))
        changed: list[ArrangementInstalment] = []
        for arrangement in arrangements:
            report.judged += 1
            rows = instalments[arrangement.pk]
            progress = track(
                [(row.due_on, row.amount_minor) for row in rows],
                cash.get(arrangement.account_id, ()), starts_on=arrangement.starts_on,
                as_of=as_of, grace_days=grace.get(clients[arrangement.account_id], 0),
            )  # fmt: skip
            for verdict in progress.verdicts:
                row = rows[verdict.index]
                if row.status != InstalmentState.OPEN:
                    continue
                row.status = verdict.status.value
                row.resolved_on = verdict.resolved_on
                changed.append(row)
                if verdict.status is InstalmentStatus.KEPT:
                    report.instalments_kept += 1
                else:
                    report.instalments_broken += 1
            ArrangementInstalment.objects.bulk_update(changed, ["status", "resolved_on"])
            changed.clear()
            if progress.completed_on is not None:
                _complete(arrangement, progress.completed_on, as_of, actor, now, report)
            elif progress.broken_on is not None:
                _break(arrangement, progress.broken_on, actor, now, report)
        if report.instalments_kept or report.instalments_broken or report.completed:
            audit_record(actor=actor, event="arrangements.evaluated", at=now,
                         details=report.as_dict())  # fmt: skip
        return report


def _complete(
    arrangement: Arrangement, completed_on: date, as_of: date, actor: Actor, now: datetime,
    report: ArrangementsReport,
) -> None:  # fmt: skip
    arrangement.status = ArrangementStatus.COMPLETED
    arrangement.ended_on = completed_on
    arrangement.end_reason = "every payment made"
    arrangement.save(update_fields=["status", "ended_on", "end_reason"])
    report.completed += 1
    account = Account.objects.get(pk=arrangement.account_id)
    if arrangement.kind == ArrangementKind.SETTLEMENT and account.balance_minor > 0:
        balance_write_down(
            account_id=account.pk, kind="settlement", on=as_of, actor=actor, now=now,
            reason=f"settlement {arrangement.pk} paid: {money_text(arrangement.total_minor, arrangement.currency)} "
            f"for {money_text(arrangement.balance_minor, arrangement.currency)}",
        )  # fmt: skip
        report.settled += 1
    elif account.status == AccountStatus.ARRANGEMENT:
        left = account.balance_minor
        account.status = AccountStatus.PAID if left <= 0 else AccountStatus.ACTIVE
        account.status_reason = (
            f"{arrangement.kind} {arrangement.pk} completed"
            + (f"; {money_text(left, account.currency)} still owed" if left > 0 else "")
        )[:200]
        account.status_changed_on = completed_on
        account.save(update_fields=["status", "status_reason", "status_changed_on", "updated_at"])


def _break(
    arrangement: Arrangement, broken_on: date, actor: Actor, now: datetime,
    report: ArrangementsReport,
) -> None:  # fmt: skip
    missed = arrangement.instalments.filter(status=InstalmentState.BROKEN).first()
    what = (
        f"the payment of {money_text(missed.amount_minor, arrangement.currency)} due {missed.due_on.isoformat()} was missed"
        if missed is not None else "a payment was missed"
    )  # fmt: skip
    end_arrangement(arrangement, ArrangementStatus.BROKEN, broken_on, what)
    report.broken += 1
    owner = Assignment.objects.filter(account_id=arrangement.account_id).values_list(
        "user_id", flat=True
    )
    Callback.objects.create(
        account_id=arrangement.account_id, due_at=now, user_id=owner.first(), created_at=now,
        note=f"{arrangement.get_kind_display()} {arrangement.pk} broken: {what}."[:500],
    )  # fmt: skip
    audit_record(
        actor=actor, event="arrangement.broken", account_id=arrangement.account_id, at=now,
        details={"arrangement": arrangement.pk, "broken_on": broken_on.isoformat(), "why": what},
    )  # fmt: skip
