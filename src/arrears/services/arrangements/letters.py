"""Plans and settlements confirmed in writing, and broken ones noticed (the day's letter run;
safe to repeat).

Every active arrangement without its confirmation gets one, rendered by the letter machinery
and judged by the rules like any letter (``services.letters.money``). A letter the rules block
is kept with its reasons and tried again on the next run; one that cannot be built (no mailing
address) is reported and left for the collector. Once sent, the letter's reference is kept on
the arrangement, so a second run sends nothing.

Every promise, plan or settlement broken in the last ``NOTICE_WITHIN_DAYS`` days gets the
notice that it was not kept (``services.letters.broken``), once. None is sent when nothing is
owed any more, or when a newer arrangement or promise already stands on the account: the
consumer has been back in touch, and the notice would only confuse.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from arrears.data.arrangements.models import (
    STANDING,
    Arrangement,
    ArrangementKind,
    ArrangementStatus,
)
from arrears.data.contacts.models import MoneyLetter, MoneyLetterKind, MoneyLetterStatus
from arrears.data.work.models import Promise, PromiseStatus
from arrears.services.common import Actor
from arrears.services.letters.broken import (
    broken_arrangement_notice_send,
    broken_promise_notice_send,
)
from arrears.services.letters.money import (
    LetterOutcome,
    LetterRefused,
    plan_confirmation_document,
    settlement_confirmation_document,
)
from arrears.services.work.promises import client_grace_days, same_promise

#: A promise or arrangement broken longer ago than this gets no notice: the collector has
#: worked the account since, and a late letter about an old payment would mislead.
NOTICE_WITHIN_DAYS = 30


@dataclass
class LettersReport:
    as_of: date
    candidates: int = 0
    sent: int = 0
    blocked: int = 0
    notices_candidates: int = 0
    notices_sent: int = 0
    notices_blocked: int = 0
    notices_skipped: Counter[str] = field(default_factory=Counter)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["notices_skipped"] = dict(sorted(self.notices_skipped.items()))
        return {**data, "as_of": self.as_of.isoformat()}


def arrangement_letters_send(
    *, as_of: date, actor: Actor, now: datetime | None = None
) -> LettersReport:
    now = now or timezone.now()
    report = LettersReport(as_of=as_of)
    waiting = (
        Arrangement.objects.filter(status=ArrangementStatus.ACTIVE, letter="", starts_on__lte=as_of)
        .select_related("account")
        .order_by("pk")
    )
    for arrangement in waiting:
        report.candidates += 1
        rows = list(arrangement.instalments.order_by("seq").values_list("due_on", "amount_minor"))
        grace = client_grace_days(arrangement.account.client_id)
        common: dict[str, Any] = {
            "account_id": arrangement.account_id, "subject": f"arrangement:{arrangement.pk}",
            "agreed_on": timezone.localdate(arrangement.created_at), "instalments": rows,
            "balance_minor": arrangement.balance_minor, "grace_days": grace, "actor": actor,
            "now": now,
        }  # fmt: skip
        try:
            if arrangement.kind == ArrangementKind.SETTLEMENT:
                outcome = settlement_confirmation_document(
                    amount_minor=arrangement.total_minor, **common
                )
            else:
                outcome = plan_confirmation_document(frequency=arrangement.frequency, **common)
        except LetterRefused as exc:
            report.problems.append({"arrangement": arrangement.pk, "reason": exc.message})
            continue
        if outcome.sent:
            Arrangement.objects.filter(pk=arrangement.pk).update(letter=outcome.reference)
            report.sent += 1
        else:
            report.blocked += 1
    _broken_notices(report, as_of=as_of, actor=actor, now=now)
    return report


def _noticed(prefix: str) -> Exists:
    """A notice of the row in hand (``prefix:<pk>``) was sent."""
    return Exists(
        MoneyLetter.objects.filter(
            kind=MoneyLetterKind.BROKEN_NOTICE, status=MoneyLetterStatus.SENT,
            account_id=OuterRef("account_id"),
        ).filter(subject=Concat(Value(f"{prefix}:"), Cast(OuterRef("pk"), CharField())))
    )  # fmt: skip


def _since(account_id: int, ended_on: date, *, promise_id: int | None = None) -> bool:
    """True when a newer arrangement stands on the account, or a newer promise was made."""
    standing = Arrangement.objects.filter(account_id=account_id, status__in=STANDING).exists()
    newer = Promise.objects.filter(account_id=account_id, created_at__date__gte=ended_on)
    if promise_id is not None:
        newer = newer.exclude(pk=promise_id)
    return standing or newer.filter(~Q(status=PromiseStatus.BROKEN.value)).exists()


def _broken_notices(report: LettersReport, *, as_of: date, actor: Actor, now: datetime) -> None:
    since = as_of - timedelta(days=NOTICE_WITHIN_DAYS)
    arrangements = list(
        Arrangement.objects.filter(status=ArrangementStatus.BROKEN, ended_on__gte=since,
                                   ended_on__lte=as_of)
        .exclude(_noticed("arrangement")).order_by("ended_on", "pk")
        .values_list("pk", "account_id", "ended_on", "account__balance_minor")
    )  # fmt: skip
    promises = list(
        Promise.objects.filter(status=PromiseStatus.BROKEN.value, resolved_on__gte=since,
                               resolved_on__lte=as_of)
        .exclude(_noticed("promise"))
        # A promise of several dates gets one notice, at its first missed date.
        .exclude(Exists(same_promise().filter(status=PromiseStatus.BROKEN.value,
                                              due_on__lt=OuterRef("due_on"))))
        .order_by("resolved_on", "pk")
        .values_list("pk", "account_id", "resolved_on", "account__balance_minor")
    )  # fmt: skip
    todo = [("arrangement", row) for row in arrangements] + [("promise", row) for row in promises]
    for what, (pk, account_id, ended_on, balance) in todo:
        report.notices_candidates += 1
        if balance <= 0:
            report.notices_skipped["nothing_owed"] += 1
            continue
        if ended_on is None or _since(
            account_id, ended_on, promise_id=pk if what == "promise" else None
        ):
            report.notices_skipped["newer_arrangement"] += 1
            continue
        outcome: LetterOutcome
        try:
            if what == "arrangement":
                outcome = broken_arrangement_notice_send(arrangement_id=pk, actor=actor, now=now)
            else:
                outcome = broken_promise_notice_send(promise_id=pk, actor=actor, now=now)
        except LetterRefused as exc:
            report.problems.append({what: pk, "reason": exc.message})
            continue
        if outcome.sent:
            report.notices_sent += int(outcome.created)
        else:
            report.notices_blocked += 1
