"""Promises to pay judged kept or broken as of a day (the nightly run; safe to repeat).

Only open promises are judged; a kept or broken promise stays as it was decided. The verdict
and its day come from ``core.work.judge`` and depend only on the cash dated up to the day, so a
run for the same day, or a later one, changes nothing already decided (ADR 13).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from arrears.core.work import PromiseStatus, PromiseTerms, judge
from arrears.data.ledger.models import Entry, EntryKind
from arrears.data.work.models import Promise
from arrears.services.common import Actor, audit_record

# Cash from consumers: payments in, and what went back out of them (returned payments, refunds).
CASH_KINDS = (EntryKind.PAYMENT, EntryKind.PAYMENT_REVERSAL, EntryKind.REFUND)


@dataclass(frozen=True)
class EvaluationReport:
    as_of: date
    judged: int  # open promises looked at
    kept: int
    broken: int

    @property
    def still_open(self) -> int:
        return self.judged - self.kept - self.broken

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "as_of": self.as_of.isoformat(), "still_open": self.still_open}


def promises_evaluate(
    *, as_of: date, actor: Actor, now: datetime | None = None
) -> EvaluationReport:
    """Judge every open promise made by the end of ``as_of``; one audit event when any was
    kept or broken."""
    now = now or timezone.now()
    day_end = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min))
    with transaction.atomic():
        open_ = Promise.objects.filter(status=PromiseStatus.OPEN.value, created_at__lt=day_end)
        rows = list(
            open_.select_for_update(of=("self",)).values_list(
                "pk", "account_id", "amount_minor", "created_at", "due_on",
                "account__client__promise_terms__promise_grace_days",
            )
        )  # fmt: skip
        if not rows:
            return EvaluationReport(as_of=as_of, judged=0, kept=0, broken=0)
        first = min(row[3] for row in rows)
        cash: dict[int, list[tuple[date, int]]] = defaultdict(list)
        for account_id, on, amount in Entry.objects.filter(
            account_id__in=open_.values("account_id"), kind__in=CASH_KINDS,
            effective_on__gte=timezone.localdate(first), effective_on__lte=as_of,
        ).values_list("account_id", "effective_on", "cash_minor"):  # fmt: skip
            cash[account_id].append((on, amount))
        decided = []
        for pk, account_id, amount, created_at, due_on, grace in rows:
            terms = PromiseTerms(amount_minor=amount, made_on=timezone.localdate(created_at),
                                 due_on=due_on, grace_days=grace or 0)  # fmt: skip
            verdict = judge(terms, cash.get(account_id, ()), as_of=as_of)
            if verdict is not None:
                decided.append(Promise(pk=pk, status=verdict.status.value,
                                       resolved_on=verdict.resolved_on))  # fmt: skip
        Promise.objects.bulk_update(decided, ["status", "resolved_on"], batch_size=1000)
        kept = sum(1 for p in decided if p.status == PromiseStatus.KEPT.value)
        report = EvaluationReport(as_of=as_of, judged=len(rows), kept=kept,
                                  broken=len(decided) - kept)  # fmt: skip
        if decided:
            audit_record(actor=actor, event="promises.evaluated", at=now,
                         details=report.as_dict())  # fmt: skip
        return report
