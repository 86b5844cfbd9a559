"""Compliance reads for screens and the API: what the rules say now, and the contact history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from arrears.core.compliance import (
    Channel,
    ContactRequest,
    Decision,
    Limitation,
    evaluate,
    limitation,
)
from arrears.core.ports import DocumentStore
from arrears.data.accounts.models import Account, AccountParty
from arrears.data.cases.models import CaseStatus, Complaint, Dispute, Document
from arrears.data.contacts.models import (
    Contactability,
    ContactAttempt,
    ContactRestriction,
    ValidationNotice,
)
from arrears.services.accounts.access import Viewer, visible_accounts
from arrears.services.compliance.snapshots import contact_snapshot, packs_in_force

SHOWN_CHANNELS = (Channel.CALL, Channel.SMS, Channel.EMAIL, Channel.LETTER)


def contact_decisions(
    account_id: int, *, at: datetime, channels: tuple[Channel, ...] = SHOWN_CHANNELS
) -> list[Decision] | None:
    """What the rules say now about each channel for this account; None if no such account."""
    snap = contact_snapshot(account_id, at=at)
    if snap is None:
        return None
    packs = packs_in_force()
    return [evaluate(packs, snap, ContactRequest(channel=c, at=at)) for c in channels]


def account_limitation(account_id: int, *, at: datetime) -> Limitation | None:
    """Whether the account's debt is time-barred at ``at``, by the rule of the consumer's state;
    None when there is no such account or no state rule sets a limitation period."""
    snap = contact_snapshot(account_id, at=at)
    return None if snap is None else limitation(packs_in_force(), snap, at)


def contact_history(
    account_id: int, *, start: datetime | None = None, end: datetime | None = None,
    limit: int = 200,
) -> list[ContactAttempt] | None:  # fmt: skip
    """The account's contact attempts, newest first, in [start, end); None if no such account."""
    if not Account.objects.filter(pk=account_id).exists():
        return None
    rows = ContactAttempt.objects.filter(account_id=account_id).select_related("created_by")
    if start is not None:
        rows = rows.filter(at__gte=start)
    if end is not None:
        rows = rows.filter(at__lt=end)
    return list(rows.order_by("-at", "-id")[:limit])


def contactability(account_id: int) -> list[Contactability] | None:
    """The account's next contactable moment per channel, as last worked out; None if no such
    account."""
    if not Account.objects.filter(pk=account_id).exists():
        return None
    return list(Contactability.objects.filter(account_id=account_id).order_by("channel"))


def contactable_accounts(channel: Channel, *, at: datetime, limit: int = 1000) -> list[int]:
    """Accounts a queue may offer for this channel at this moment, without judging them again:
    those whose next contactable moment has come. Accounts never worked out are not offered."""
    return list(
        Contactability.objects.filter(channel=channel.value, no_end=False, next_at__lte=at)
        .order_by("next_at", "account_id")
        .values_list("account_id", flat=True)[:limit]
    )


def account_ids_for_refresh(*, missing_only: bool = False) -> list[int]:
    """Accounts whose contactability to work out: all, or those never worked out."""
    rows = Account.objects.order_by("id")
    if missing_only:
        rows = rows.exclude(pk__in=Contactability.objects.values("account_id"))
    return list(rows.values_list("id", flat=True))


def validation_notices(account_id: int) -> list[ValidationNotice] | None:
    """The account's validation notices, newest first; None if no such account."""
    if not Account.objects.filter(pk=account_id).exists():
        return None
    return list(ValidationNotice.objects.filter(account_id=account_id).order_by("-sent_on", "-id"))


def notice_document(reference: str, kind: str, store: DocumentStore) -> tuple[bytes, str] | None:
    """A notice's PDF or HTML and its content type; None when there is no such notice."""
    notice = ValidationNotice.objects.filter(reference=reference).first()
    if notice is None or kind not in ("pdf", "html"):
        return None
    key = notice.pdf_key if kind == "pdf" else notice.html_key
    try:
        content = store.get(key)
    except KeyError:
        return None  # purged, or lost: the record stays, the document is gone
    return content, "application/pdf" if kind == "pdf" else "text/html; charset=utf-8"


def disputes(account_id: int) -> list[Dispute] | None:
    """The account's disputes and requests, newest first; None if no such account."""
    if not Account.objects.filter(pk=account_id).exists():
        return None
    return list(
        Dispute.objects.filter(account_id=account_id)
        .select_related("duplicative_of")
        .order_by("-received_on", "-id")
    )


@dataclass(frozen=True)
class QueueItem:
    dispute: Dispute
    overdue: bool
    days_left: int  # negative when overdue

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)


@dataclass(frozen=True)
class ComplaintItem:
    complaint: Complaint
    overdue: bool
    days_left: int

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)


@dataclass(frozen=True)
class ComplianceQueue:
    today: date
    items: list[QueueItem]
    complaints: list[ComplaintItem]

    @property
    def complaints_overdue(self) -> int:
        return sum(1 for c in self.complaints if c.overdue)

    @property
    def overdue(self) -> int:
        return sum(1 for i in self.items if i.overdue)

    @property
    def halting(self) -> int:
        """Open written disputes or requests within the validation period: the law halts
        collection on these until the answer is sent."""
        return sum(1 for i in self.items if i.dispute.in_writing and
                   i.dispute.within_validation_period)  # fmt: skip


def compliance_queue(
    *, today: date, limit: int = 500, user: Viewer | None = None
) -> ComplianceQueue:
    """Open disputes, requests and complaints, most urgent first (by the day the answer is
    due, so the overdue come first); with ``user``, only on accounts that user may see."""
    disputes_ = Dispute.objects.filter(status=CaseStatus.OPEN)
    complaints_ = Complaint.objects.filter(status=CaseStatus.OPEN)
    if user is not None:
        disputes_ = visible_accounts(user, disputes_, via="account")
        complaints_ = visible_accounts(user, complaints_, via="account")
    rows = disputes_.select_related("account", "account__client").order_by(
        "response_due_on", "received_on", "id"
    )[:limit]
    open_complaints = complaints_.select_related("account", "account__client").order_by(
        "due_on", "received_on", "id"
    )[:limit]
    return ComplianceQueue(
        today=today,
        items=[
            QueueItem(
                d, overdue=d.response_due_on < today, days_left=(d.response_due_on - today).days
            )
            for d in rows
        ],
        complaints=[
            ComplaintItem(c, overdue=c.due_on < today, days_left=(c.due_on - today).days)
            for c in open_complaints
        ],
    )


def contact_restrictions(account_id: int) -> list[ContactRestriction] | None:
    """What the account's consumer asked about contact, newest first; None if no such account."""
    if not Account.objects.filter(pk=account_id).exists():
        return None
    parties = AccountParty.objects.filter(account_id=account_id, role="primary").values("party_id")
    return list(
        ContactRestriction.objects.filter(party_id__in=parties)
        .select_related("contact_point")
        .order_by("-received_on", "-id")
    )


def documents(account_id: int) -> list[Document] | None:
    if not Account.objects.filter(pk=account_id).exists():
        return None
    return list(Document.objects.filter(account_id=account_id).order_by("-received_on", "-id"))


def complaints(account_id: int) -> list[Complaint] | None:
    if not Account.objects.filter(pk=account_id).exists():
        return None
    return list(Complaint.objects.filter(account_id=account_id).order_by("-received_on", "-id"))
