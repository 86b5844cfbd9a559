"""ACH debits: authorizations with their evidence, payments scheduled under them, and the files
``arrears ach-originate`` writes for the ones due.

An authorization is kept two years after it ends or is revoked (``keep_until``). A scheduled
payment is collected only while its authorization stands, its account is open, its debt is not
disputed and the account still owes the amount, and, when it is post-dated by more than five
days, once its notice went out 3 to 10 business days before the debit (15 U.S.C. 1692f(2);
``arrears pre-debit-notices`` sends them); otherwise it is held with the reason and no entry is
sent. The file is written, under the same transaction that marks its payments
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

from arrears.core.formats.ach_returns import RETRY_DESCRIPTION
from arrears.core.formats.nacha import check_digit
from arrears.core.formats.nacha_writer import (
    FileParties,
    OutgoingBatch,
    OutgoingEntry,
    write_ach,
)
from arrears.core.letters import needs_pre_debit_notice, pre_debit_notice_problem
from arrears.core.time import is_settlement_day, next_settlement_day
from arrears.data.accounts.models import Account, AccountParty, Hold, HoldKind
from arrears.data.arrangements.models import (
    STANDING,
    ArrangementInstalment,
    ArrangementStatus,
    InstalmentState,
)
from arrears.data.contacts.models import MoneyLetter, MoneyLetterKind, MoneyLetterStatus
from arrears.data.parties.models import BankAccount, PartyKind
from arrears.data.payments.models import (
    AchAuthorization,
    AchOrigination,
    ScheduledPayment,
    ScheduledStatus,
    SecCode,
)
from arrears.services.bulk import update_by_id
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


def scheduled_payment_cancel(
    *, scheduled_id: int, reason: str, actor: Actor, now: datetime | None = None
) -> ScheduledPayment:
    """Cancel one debit still scheduled (the consumer asked, or it was a mistake); the
    authorization stands. A debit already sent, held, returned or cancelled is refused.

    A debit that collects an open instalment of a plan or settlement still standing is refused
    too: the arrangement is cancelled instead (``arrangements.plans.arrangement_cancel``), which
    cancels its other debits with it and makes the account active again. Cancelling one of its
    debits alone would leave the plan promising a payment nobody collects, to be judged broken
    on its day. A leftover debit of an instalment already kept, broken or cancelled may go.
    """
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ServiceError("give the reason for cancelling", field="reason")
    with transaction.atomic():
        found = ScheduledPayment.objects.select_for_update().filter(pk=scheduled_id).first()
        if found is None:
            raise NotFound(f"no scheduled debit {scheduled_id}", field="scheduled_id")
        if found.status != ScheduledStatus.SCHEDULED:
            raise ServiceError(
                f"scheduled debit {found.pk} is {found.get_status_display().lower()}: only a "
                "debit still scheduled can be cancelled",
                field="scheduled_id",
            )
        instalment = (
            ArrangementInstalment.objects.filter(scheduled_id=found.pk)
            .select_related("arrangement")
            .first()
        )
        if (
            instalment is not None
            and instalment.status == InstalmentState.OPEN
            and instalment.arrangement.status in STANDING
        ):
            kind = instalment.arrangement.get_kind_display().lower()
            raise ServiceError(
                f"scheduled debit {found.pk} collects payment {instalment.seq} of {kind} "
                f"{instalment.arrangement_id}: cancel the {kind}, which cancels its debits "
                "with it",
                field="scheduled_id",
            )
        found.status = ScheduledStatus.CANCELLED
        found.status_reason = reason[:200]
        found.save(update_fields=["status", "status_reason"])
        audit_record(
            actor=actor, event="payment.schedule_cancelled", account_id=found.account_id, at=now,
            details={"scheduled": found.pk, "authorization": found.authorization_id,
                     "amount_minor": found.amount_minor, "due_on": found.due_on.isoformat(),
                     "reason": reason},
        )  # fmt: skip
        return found


_DUE_COLUMNS = (
    "id", "account_id", "amount_minor", "attempt", "authorization__revoked_at",
    "authorization__ends_on", "authorization__sec", "authorization__recurring",
    "authorization__bank_account__routing_number",
    "authorization__bank_account__account_number_encrypted",
    "authorization__bank_account__account_type", "account__status", "account__purged_on",
    "account__balance_minor", "authorization__bank_account__party__kind",
    "authorization__bank_account__party__business_name",
    "authorization__bank_account__party__first_name",
    "authorization__bank_account__party__middle_name",
    "authorization__bank_account__party__last_name",
    "authorization__bank_account__party__suffix", "due_on", "created_at",
    "instalment__arrangement__status",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Due:
    """A scheduled debit due, with what deciding on it and writing it needs."""

    id: int
    account_id: int
    amount_minor: int
    attempt: int
    revoked_at: datetime | None
    ends_on: date | None
    sec: str
    recurring: bool
    routing: str
    account_encrypted: str
    account_type: str
    account_status: str
    purged_on: date | None
    balance_minor: int
    party_kind: str
    business_name: str
    first_name: str
    middle_name: str
    last_name: str
    suffix: str
    due_on: date
    created_at: datetime
    arrangement_status: str | None  # when it collects an instalment of a plan or settlement

    @property
    def name(self) -> str:
        """The account holder's name as the party shows it."""
        if self.party_kind == PartyKind.BUSINESS:
            return self.business_name
        parts = (self.first_name, self.middle_name, self.last_name, self.suffix)
        return " ".join(p for p in parts if p)


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


def _notices_sent(ids: list[int]) -> dict[int, date]:
    """The day each of these scheduled debits' notice was sent, for those that have one (found
    by the letter's subject, which is indexed)."""
    sent: dict[int, date] = {}
    for start in range(0, len(ids), 5_000):
        subjects = [f"scheduled:{i}" for i in ids[start : start + 5_000]]
        for scheduled_id, sent_on in MoneyLetter.objects.filter(
            kind=MoneyLetterKind.PRE_DEBIT_NOTICE, status=MoneyLetterStatus.SENT,
            subject__in=subjects,
        ).values_list("scheduled_id", "sent_on"):  # fmt: skip
            if scheduled_id is not None and sent_on is not None:
                sent[scheduled_id] = sent_on
    return sent


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
        # A settlement waiting for approval is not collected: its debits stay scheduled until
        # it is approved (then they go) or declined (then they are cancelled).
        due = [
            d
            for row in ScheduledPayment.objects.select_for_update(of=("self",))
            .filter(status=ScheduledStatus.SCHEDULED, due_on__lte=effective)
            .order_by("id")
            .values_list(*_DUE_COLUMNS)
            if (d := _Due(*row)).arrangement_status != ArrangementStatus.PENDING
        ]
        if progress is not None:
            progress(0, len(due))
        disputed = set(
            Hold.objects.filter(
                account_id__any_of=sorted({d.account_id for d in due}), kind=HoldKind.DISPUTE,
                starts_on__lte=effective,
            )
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=effective))
            .values_list("account_id", flat=True)
        )  # fmt: skip
        # A retry after a funds return is the same payment presented again, announced by the
        # notice of the return; the first presentment is the post-dated one.
        postdated = {
            d.id for d in due
            if d.attempt == 1 and needs_pre_debit_notice(timezone.localdate(d.created_at),
                                                         d.due_on)
        }  # fmt: skip
        noticed = _notices_sent(sorted(postdated))
        owed: dict[int, int] = {}
        by_batch: dict[tuple[str, bool], list[tuple[_Due, OutgoingEntry]]] = {}
        held: list[tuple[int, str, str]] = []
        for d in due:
            reason = ""
            if d.revoked_at is not None:
                reason = "authorization revoked"
            elif d.ends_on is not None and effective >= d.ends_on:
                reason = "authorization ended"
            elif d.account_status in _CLOSED or d.purged_on is not None:
                reason = f"account {d.account_status}"
            elif d.account_id in disputed:
                reason = "debt disputed"
            elif d.id in postdated and (
                reason := pre_debit_notice_problem(
                    timezone.localdate(d.created_at), d.due_on, effective, noticed.get(d.id)
                )
            ):
                pass
            else:
                left = owed.setdefault(d.account_id, d.balance_minor)
                if left < d.amount_minor:
                    reason = "owes less than the amount"
                else:
                    owed[d.account_id] = left - d.amount_minor
            if reason:
                report.held[reason] = report.held.get(reason, 0) + 1
                held.append((d.id, ScheduledStatus.HELD.value, reason))
                continue
            discretionary = ("R " if d.recurring else "S ") if d.sec == "WEB" else ""
            entry = OutgoingEntry(
                transaction_code="27" if d.account_type == "checking" else "37",
                routing=d.routing, account=ring.decrypt(d.account_encrypted, context=BANK_CONTEXT),
                amount_minor=d.amount_minor, individual_id=str(d.account_id), name=d.name,
                discretionary=discretionary,
            )  # fmt: skip
            by_batch.setdefault((d.sec, d.attempt > 1), []).append((d, entry))
        update_by_id(ScheduledPayment, ["status", "status_reason"], held)
        sent = [d for key in sorted(by_batch) for d, _ in by_batch[key]]
        if not sent:
            return report
        batches = [
            OutgoingBatch(
                company_name=str(config["company_name"]),
                company_id=str(config["company_id"]),
                sec=sec,
                # Nacha: a debit tried again after a funds return is described "RETRY PYMT".
                entry_description=RETRY_DESCRIPTION if retry else str(config["entry_description"]),
                effective_date=effective,
                entries=tuple(entry for _, entry in entries),
            )
            for (sec, retry), entries in sorted(by_batch.items())
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
            sequences=[d.id for d in sent],
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
        update_by_id(
            ScheduledPayment, ["status", "origination", "trace"],
            [(d.id, ScheduledStatus.ORIGINATED.value, origination.pk, f"{prefix}{d.id % 10**7:07d}")
             for d in sent],
        )  # fmt: skip
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
