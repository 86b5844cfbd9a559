"""Plans and settlements confirmed in writing (the day's letter run; safe to repeat).

Every active arrangement without its confirmation gets one, rendered by the letter machinery
and judged by the rules like any letter (``services.letters.money``). A letter the rules block
is kept with its reasons and tried again on the next run; one that cannot be built (no mailing
address) is reported and left for the collector. Once sent, the letter's reference is kept on
the arrangement, so a second run sends nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from arrears.data.arrangements.models import Arrangement, ArrangementKind, ArrangementStatus
from arrears.data.work.models import ClientPromiseTerms
from arrears.services.common import Actor
from arrears.services.letters.money import (
    LetterRefused,
    plan_confirmation_document,
    settlement_confirmation_document,
)


@dataclass
class LettersReport:
    as_of: date
    candidates: int = 0
    sent: int = 0
    blocked: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "as_of": self.as_of.isoformat()}


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
        grace = (
            ClientPromiseTerms.objects.filter(client_id=arrangement.account.client_id)
            .values_list("promise_grace_days", flat=True).first() or 0
        )  # fmt: skip
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
    return report
