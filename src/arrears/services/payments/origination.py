"""ACH debits: authorizations with their evidence, payments scheduled under them, and the files
``arrears ach-originate`` writes for the ones due.

An authorization is kept two years after it ends or is revoked (``keep_until``). A scheduled
payment is collected only while its authorization stands, its account is open, its debt is not
disputed and the account still owes the amount; otherwise it is held with the reason and no
entry is sent. The file is written, under the same transaction that marks its payments
originated, before that transaction commits: a run that stops before the commit leaves them
scheduled, and the next run writes the same file again (trace numbers come from the scheduled
payments' ids), so nothing is ever debited twice.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from arrears.core.formats.nacha import check_digit
from arrears.core.formats.nacha_writer import (
    FileParties,
    OutgoingBatch,
    OutgoingEntry,
    write_ach,
)
from arrears.core.time import is_settlement_day, next_settlement_day
from arrears.data.accounts.models import Account, AccountParty, Hold, HoldKind
from arrears.data.parties.models import BankAccount
from arrears.data.payments.models import (
    AchAuthorization,
    AchOrigination,
    ScheduledPayment,
    ScheduledStatus,
    SecCode,
)
from arrears.services.common import Actor, NotFound, ServiceError, audit_record, key_ring

KEEP_AFTER_END = timedelta(days=730)  # Nacha: two years from termination or revocation
BANK_CONTEXT = "bank.account"
_CLOSED = {"recalled", "closed"}


def _routing(routing: str) -> str:
    routing = routing.strip()
    if len(routing) != 9 or not routing.isdigit() or not routing.isascii():
        raise ServiceError("a routing number is nine digits", field="routing")
    if check_digit(routing[:8]) != int(routing[8]):
        raise ServiceError(f"routing number {routing} fails its check digit", field="routing")
    return routing


def ach_authorize(
    *,
    account_id: int,
    routing: str,
    account_number: str,
    account_type: str,
    sec: str,
    evidence: str,
    actor: Actor,
    recurring: bool = False,
    ends_on: date | None = None,
    now: datetime | None = None,
) -> AchAuthorization:
    """Record the consumer's authorization to debit their bank account, with its evidence."""
    now = now or timezone.now()
    routing = _routing(routing)
    number = account_number.strip()
    if not (4 <= len(number) <= 17) or not number.isalnum() or not number.isascii():
        raise ServiceError("an account number is 4 to 17 letters or digits", field="account_number")
    if account_type not in ("checking", "savings"):
        raise ServiceError("account_type must be checking or savings", field="account_type")
    if sec not in SecCode.values:
        raise ServiceError(f"sec must be one of {', '.join(SecCode.values)}", field="sec")
    if not evidence.strip():
        raise ServiceError(
            "say how the consumer authorized the debit (recording, form, web session)",
            field="evidence",
        )
    with transaction.atomic():
        account = Account.objects.select_for_update().filter(pk=account_id).first()
        if account is None:
            raise NotFound(f"no account {account_id}", field="account_id")
        if account.status in _CLOSED:
            raise ServiceError(f"account is {account.status}", field="account_id")
        link = AccountParty.objects.filter(account=account).order_by("id").first()
        if link is None:
            raise ServiceError("the account has no consumer to debit", field="account_id")
        bank = BankAccount.objects.create(
            party_id=link.party_id, routing_number=routing,
            account_number_encrypted=key_ring().encrypt(number, context=BANK_CONTEXT),
            account_last4=number[-4:], account_type=account_type,
        )  # fmt: skip
        authorization = AchAuthorization.objects.create(
            account=account, bank_account=bank, sec=sec, recurring=recurring,
            evidence=evidence.strip(), obtained_at=now, ends_on=ends_on,
            keep_until=ends_on + KEEP_AFTER_END if ends_on else None,
            created_by_id=actor.user_id,
        )  # fmt: skip
        audit_record(
            actor=actor, event="ach.authorized", account_id=account.pk, at=now,
            details={"authorization": authorization.pk, "sec": sec, "routing": routing,
                     "account_last4": number[-4:], "recurring": recurring},
        )  # fmt: skip
        return authorization


def ach_revoke(
    *, authorization_id: int, reason: str, actor: Actor, now: datetime | None = None
) -> int:
    """End an authorization now; payments still scheduled under it are cancelled (returned)."""
    now = now or timezone.now()
    with transaction.atomic():
        found = AchAuthorization.objects.select_for_update().filter(pk=authorization_id).first()
        if found is None:
            raise NotFound(f"no authorization {authorization_id}", field="authorization_id")
        if found.revoked_at is not None:
            return 0
        found.revoked_at = now
        found.revoked_reason = reason[:200]
        found.keep_until = timezone.localdate(now) + KEEP_AFTER_END
        found.save(update_fields=["revoked_at", "revoked_reason", "keep_until"])
        cancelled = ScheduledPayment.objects.filter(
            authorization=found, status=ScheduledStatus.SCHEDULED
        ).update(status=ScheduledStatus.CANCELLED, status_reason="authorization revoked")
        audit_record(
            actor=actor, event="ach.revoked", account_id=found.account_id, at=now,
            details={"authorization": found.pk, "reason": reason, "cancelled": cancelled},
        )  # fmt: skip
        return cancelled


def payment_schedule(
    *,
    authorization_id: int,
    amount_minor: int,
    due_on: date,
    actor: Actor,
    now: datetime | None = None,
) -> ScheduledPayment:
    """Schedule a post-dated ACH debit under an authorization."""
    now = now or timezone.now()
    if amount_minor <= 0:
        raise ServiceError("the amount must be more than zero", field="amount")
    with transaction.atomic():
        found = AchAuthorization.objects.filter(pk=authorization_id).first()
        if found is None:
            raise NotFound(f"no authorization {authorization_id}", field="authorization_id")
        if found.revoked_at is not None:
            raise ServiceError("the authorization was revoked", field="authorization_id")
        if found.ends_on is not None and due_on >= found.ends_on:
            raise ServiceError(
                f"the authorization ends on {found.ends_on.isoformat()}", field="due_on"
            )
        if due_on < timezone.localdate(now):
            raise ServiceError("a payment cannot be scheduled in the past", field="due_on")
        scheduled = ScheduledPayment.objects.create(
            account_id=found.account_id, authorization=found, amount_minor=amount_minor,
            due_on=due_on, created_at=now, created_by_id=actor.user_id,
        )  # fmt: skip
        audit_record(
            actor=actor, event="payment.scheduled", account_id=found.account_id, at=now,
            details={"scheduled": scheduled.pk, "amount_minor": amount_minor,
                     "due_on": due_on.isoformat()},
        )  # fmt: skip
        return scheduled


@dataclass
class OriginationReport:
    effective: date
    file: str | None = None
    entries: int = 0
    batches: int = 0
    blocks: int = 0
    debit_total_minor: int = 0
    entry_hash: int = 0
    held: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "effective": self.effective.isoformat(), "file": self.file, "entries": self.entries,
            "batches": self.batches, "blocks": self.blocks,
            "debit_total_minor": self.debit_total_minor, "entry_hash": self.entry_hash,
            "held": dict(sorted(self.held.items())),
        }  # fmt: skip


def ach_originate(
    *,
    effective: date,
    out: Path,
    actor: Actor,
    now: datetime | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> OriginationReport:
    """Write the ACH file of every scheduled debit due by ``effective`` (a settlement day)."""
    now = now or timezone.now()
    if not is_settlement_day(effective):
        following = next_settlement_day(effective)
        raise ServiceError(
            f"{effective.isoformat()} is not a Federal Reserve business day; the next one is "
            f"{following.isoformat()}",
            field="effective",
        )
    config = settings.ARREARS_ACH
    odfi_routing = _routing(str(config["odfi_routing"]))
    report = OriginationReport(effective=effective)
    ring = key_ring()
    with transaction.atomic():
        due = list(
            ScheduledPayment.objects.select_for_update(of=("self",))
            .filter(status=ScheduledStatus.SCHEDULED, due_on__lte=effective)
            .select_related(
                "authorization",
                "authorization__bank_account",
                "authorization__bank_account__party",
                "account",
            )
            .order_by("id")
        )
        if progress is not None:
            progress(0, len(due))
        disputed = set(
            Hold.objects.filter(
                account_id__any_of=[s.account_id for s in due], kind=HoldKind.DISPUTE,
                starts_on__lte=effective,
            )
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=effective))
            .values_list("account_id", flat=True)
        )  # fmt: skip
        owed: dict[int, int] = {}
        by_sec: dict[str, list[OutgoingEntry]] = {}
        sent: list[ScheduledPayment] = []
        held: list[ScheduledPayment] = []
        for scheduled in due:
            authorization = scheduled.authorization
            account = scheduled.account
            reason = ""
            if authorization.revoked_at is not None:
                reason = "authorization revoked"
            elif authorization.ends_on is not None and effective >= authorization.ends_on:
                reason = "authorization ended"
            elif account.status in _CLOSED or account.purged_on is not None:
                reason = f"account {account.status}"
            elif account.pk in disputed:
                reason = "debt disputed"
            else:
                left = owed.setdefault(account.pk, account.balance_minor)
                if left < scheduled.amount_minor:
                    reason = "owes less than the amount"
                else:
                    owed[account.pk] = left - scheduled.amount_minor
            if reason:
                scheduled.status = ScheduledStatus.HELD
                scheduled.status_reason = reason
                report.held[reason] = report.held.get(reason, 0) + 1
                held.append(scheduled)
                continue
            bank = authorization.bank_account
            party = bank.party
            code = "27" if bank.account_type == "checking" else "37"
            discretionary = (
                ("R " if authorization.recurring else "S ") if authorization.sec == "WEB" else ""
            )
            by_sec.setdefault(authorization.sec, []).append(OutgoingEntry(
                transaction_code=code, routing=bank.routing_number,
                account=ring.decrypt(bank.account_number_encrypted, context=BANK_CONTEXT),
                amount_minor=scheduled.amount_minor, individual_id=str(account.pk),
                name=party.display_name,
                discretionary=discretionary,
            ))  # fmt: skip
            sent.append(scheduled)
        ScheduledPayment.objects.bulk_update(held, ["status", "status_reason"], batch_size=2000)
        if not sent:
            return report
        batches = [
            OutgoingBatch(
                company_name=str(config["company_name"]),
                company_id=str(config["company_id"]),
                sec=sec,
                entry_description=str(config["entry_description"]),
                effective_date=effective,
                entries=tuple(entries),
            )
            for sec, entries in sorted(by_sec.items())
        ]
        written = write_ach(
            FileParties(
                destination_routing=odfi_routing,
                origin=str(config["company_id"]),
                destination_name=str(config["destination_name"]),
                origin_name=str(config["company_name"]),
                odfi=odfi_routing[:8],
                reference=f"{effective:%m%d}",
            ),
            batches,
            now,
            sequences=[s.pk for sec in sorted(by_sec) for s in sent if s.authorization.sec == sec],
        )
        body = written.text.encode("ascii")
        partial = out.with_name(out.name + ".partial")
        partial.write_bytes(body)
        with partial.open("rb") as fh:
            os.fsync(fh.fileno())
        origination = AchOrigination.objects.create(
            effective_on=effective, file_name=out.name[:255],
            file_sha256=hashlib.sha256(body).hexdigest(), entries=written.entries,
            debit_total_minor=written.debit_total_minor, entry_hash=written.entry_hash,
            created_at=now, actor_label=actor.label[:120],
        )  # fmt: skip
        prefix = odfi_routing[:8]
        for scheduled in sent:
            scheduled.status = ScheduledStatus.ORIGINATED
            scheduled.origination = origination
            scheduled.trace = f"{prefix}{scheduled.pk % 10**7:07d}"
        ScheduledPayment.objects.bulk_update(
            sent, ["status", "origination", "trace"], batch_size=2000
        )
        audit_record(
            actor=actor, event="ach.originated", at=now,
            details={"origination": origination.pk, "entries": written.entries,
                     "debit_total_minor": written.debit_total_minor,
                     "effective": effective.isoformat()},
        )  # fmt: skip
        partial.replace(out)
    report.file = str(out)
    report.entries = written.entries
    report.batches = written.batches
    report.blocks = written.blocks
    report.debit_total_minor = written.debit_total_minor
    report.entry_hash = written.entry_hash
    if progress is not None:
        progress(len(due), len(due))
    return report
