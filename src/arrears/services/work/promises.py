"""Promises to pay judged kept or broken as of a day (the nightly run; safe to repeat).

Only open promises are judged; a kept or broken promise stays as it was decided. The verdict
and its day come from ``core.work`` and depend only on the cash dated up to the day, so a run
for the same day, or a later one, changes nothing already decided (ADR 13).

A promise on several dates is judged date by date by the running total promised up to each
(ADR 25): an open later date is judged with the dates before it, whatever they came to. The run
reads the open dates, the other dates of the promises they belong to, and the cash of their
accounts: three reads, whatever the size of the book.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from arrears.core.work import PromiseSchedule, PromiseStatus, judge_schedule
from arrears.data.ledger.models import Entry, EntryKind
from arrears.data.work.models import ClientPromiseTerms, Promise
from arrears.services.common import Actor, audit_record

# Cash from consumers: payments in, and what went back out of them (returned payments, refunds).
CASH_KINDS = (EntryKind.PAYMENT, EntryKind.PAYMENT_REVERSAL, EntryKind.REFUND)


def promise_key(first: str | OuterRef = "first_id", pk: str | OuterRef = "pk") -> Coalesce:
    """The promise a dated row belongs to: its first date's id."""
    return Coalesce(first, pk, output_field=models.BigIntegerField())


def client_grace_days(client_id: int) -> int:
    """How many days after a due day a payment still keeps a client's promises and plans (0
    when the client has set none)."""
    days = (
        ClientPromiseTerms.objects.filter(client_id=client_id)
        .values_list("promise_grace_days", flat=True)
        .first()
    )
    return int(days or 0)


def same_promise() -> QuerySet[Promise]:
    """In a subquery over promise rows: every date of the outer row's promise, itself too."""
    key = promise_key(OuterRef("first_id"), OuterRef("pk"))
    return Promise.objects.filter(Q(first_id=key) | Q(pk=key))


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
        columns = ("pk", "first_id", "account_id", "amount_minor", "created_at", "due_on",
                   "status", "account__client__promise_terms__promise_grace_days")  # fmt: skip
        rows = list(open_.select_for_update(of=("self",)).values_list(*columns))
        if not rows:
            return EvaluationReport(as_of=as_of, judged=0, kept=0, broken=0)
        # The other dates of the promises whose later dates are open: their first dates, and
        # their later dates (an open first date is judged by its own amount alone).
        firsts = open_.filter(first__isnull=False).values("first_id")
        others = Promise.objects.exclude(status=PromiseStatus.CANCELLED.value)
        rows += list(
            others.filter(pk__in=firsts).values_list(*columns).union(
                others.filter(first_id__in=firsts).values_list(*columns), all=True
            )
        )  # fmt: skip
        dates: dict[int, dict[int, tuple[Any, ...]]] = defaultdict(dict)
        for row in rows:
            dates[row[1] or row[0]][row[0]] = row
        first = min(row[4] for row in rows)
        cash: dict[int, list[tuple[date, int]]] = defaultdict(list)
        for account_id, on, amount in Entry.objects.filter(
            account_id__in=open_.values("account_id"), kind__in=CASH_KINDS,
            effective_on__gte=timezone.localdate(first), effective_on__lte=as_of,
        ).values_list("account_id", "effective_on", "cash_minor"):  # fmt: skip
            cash[account_id].append((on, amount))
        decided = []
        judged = 0
        for promise in dates.values():
            ordered = sorted(promise.values(), key=lambda row: (row[5], row[0]))
            _, _, account_id, _, created_at, _, _, grace = ordered[0]
            schedule = PromiseSchedule(
                made_on=timezone.localdate(created_at), grace_days=grace or 0,
                dates=tuple((row[5], row[3]) for row in ordered),
            )  # fmt: skip
            verdicts = judge_schedule(schedule, cash.get(account_id, ()), as_of=as_of)
            for row, verdict in zip(ordered, verdicts, strict=True):
                if row[6] != PromiseStatus.OPEN.value:
                    continue
                judged += 1
                if verdict is not None:
                    decided.append(Promise(pk=row[0], status=verdict.status.value,
                                           resolved_on=verdict.resolved_on))  # fmt: skip
        Promise.objects.bulk_update(decided, ["status", "resolved_on"], batch_size=1000)
        kept = sum(1 for p in decided if p.status == PromiseStatus.KEPT.value)
        report = EvaluationReport(as_of=as_of, judged=judged, kept=kept,
                                  broken=len(decided) - kept)  # fmt: skip
        if decided:
            audit_record(actor=actor, event="promises.evaluated", at=now,
                         details=report.as_dict())  # fmt: skip
        return report
