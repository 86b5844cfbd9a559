"""Record retention: destroy the personal data of debts whose retention period has run.

A debt's records are kept until the federal pack's ``record_retention_years`` (3) after its last
collection activity: the latest of its status change, ledger entries, contact attempts,
disputes and their answers, and validation notices (12 CFR 1006.100). Only debts no longer
being collected qualify (paid, settled, closed or recalled): an active debt is still in
collection however quiet it has been.

Purging keeps every financial row (accounts, ledger entries, notices' amounts, attempts'
channel and outcome) and destroys what identifies a person: the names, SSN and birth date of
parties whose every debt has expired (encrypted values, last four digits and blind indexes
alike), their contact points and bank accounts, free text written about them (attempt notes,
dispute descriptions and answers, complaint texts, hold reasons), the debt's original account
number, its notices, letters and documents in the store, and placement files once every account
they placed is purged.
A party still owing on another debt keeps its data. Running it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

from django.db import transaction
from django.db.models import Max, Q

from arrears.core.compliance.retention import add_years, expired, last_activity
from arrears.core.ports import DocumentStore
from arrears.data.accounts.models import Account, AccountParty, AccountStatus, Hold, Placement
from arrears.data.cases.models import Complaint, Dispute, Document
from arrears.data.contacts.models import (
    ContactAttempt,
    ContactRestriction,
    MoneyLetter,
    ValidationNotice,
)
from arrears.data.ledger.models import Entry
from arrears.data.parties.models import BankAccount, ContactPoint, Party, PartyLinkReview
from arrears.services.common import Actor, audit_record
from arrears.services.compliance.snapshots import packs_in_force
from arrears.services.placements.uploads import stored_upload

STILL_COLLECTING = (AccountStatus.ACTIVE, AccountStatus.ARRANGEMENT)
BATCH = 500


@dataclass
class PurgeReport:
    as_of: date
    retention_years: int
    dry_run: bool
    accounts: int = 0
    parties: int = 0
    parties_kept_for_other_debts: int = 0
    contact_points: int = 0
    bank_accounts: int = 0
    documents: int = 0
    placement_files: int = 0

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["as_of"] = self.as_of.isoformat()
        return out


def _batches(ids: list[int], size: int = BATCH) -> Iterator[list[int]]:
    it = iter(ids)
    while batch := list(islice(it, size)):
        yield batch


def _latest(rows: Any, field: str) -> dict[int, Any]:
    return dict(
        rows.values("account_id").annotate(last=Max(field)).values_list("account_id", "last")
    )


def expired_accounts(*, as_of: date, years: int) -> list[int]:
    """Accounts no longer collected whose last collection activity is ``years`` before
    ``as_of`` or more, not yet purged."""
    cutoff = add_years(as_of, -years)
    candidates = list(
        Account.objects.exclude(status__in=STILL_COLLECTING)
        .filter(purged_on__isnull=True, placed_on__lte=cutoff)
        .exclude(status_changed_on__gt=cutoff)
        .order_by("id")
        .values_list("id", flat=True)
    )
    out: list[int] = []
    for batch in _batches(candidates, 2000):
        accounts = dict(Account.objects.filter(pk__in=batch).values_list("id", "status_changed_on"))
        placed = dict(Account.objects.filter(pk__in=batch).values_list("id", "placed_on"))
        entries = _latest(Entry.objects.filter(account_id__in=batch), "effective_on")
        attempts = _latest(ContactAttempt.objects.filter(account_id__in=batch), "at")
        received = _latest(Dispute.objects.filter(account_id__in=batch), "received_on")
        answered = _latest(Dispute.objects.filter(account_id__in=batch), "answered_on")
        notices = _latest(ValidationNotice.objects.filter(account_id__in=batch), "sent_on")
        for account_id in batch:
            attempt = attempts.get(account_id)
            last = last_activity([
                accounts.get(account_id), placed.get(account_id), entries.get(account_id),
                attempt.date() + timedelta(days=1) if attempt else None,  # any zone's day
                received.get(account_id), answered.get(account_id), notices.get(account_id),
            ])  # fmt: skip
            if expired(last, as_of=as_of, years=years):
                out.append(account_id)
    return out


def retention_purge(
    *,
    as_of: date,
    actor: Actor,
    now: datetime,
    store: DocumentStore,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> PurgeReport:
    """Destroy the personal data of every debt whose retention has run on ``as_of``."""
    years = int(packs_in_force().constant("record_retention_years"))
    report = PurgeReport(as_of=as_of, retention_years=years, dry_run=dry_run)
    accounts = expired_accounts(as_of=as_of, years=years)
    gone = set(accounts)
    report.accounts = len(accounts)
    # A party goes only when every debt it is on has expired (or was purged before).
    linked = set(
        AccountParty.objects.filter(account_id__in=accounts).values_list("party_id", flat=True)
    )
    kept = set(
        AccountParty.objects.filter(party_id__in=linked, account__purged_on__isnull=True)
        .exclude(account_id__in=gone)
        .values_list("party_id", flat=True)
    )
    parties = sorted(
        Party.objects.filter(pk__in=linked - kept, purged_on__isnull=True).values_list(
            "id", flat=True
        )
    )
    report.parties = len(parties)
    report.parties_kept_for_other_debts = len(linked & kept)
    report.contact_points = ContactPoint.objects.filter(party_id__in=parties).count()
    report.bank_accounts = BankAccount.objects.filter(party_id__in=parties).count()
    notices = _letter_keys(accounts)
    report.documents = sum(1 for pair in notices for key in pair if key and store.exists(key))
    report.documents += Document.objects.filter(account_id__in=accounts, purged=False).count()
    if dry_run:
        return report
    for done, batch in enumerate(_batches(accounts), start=1):
        _purge_accounts(batch, as_of=as_of, actor=actor, now=now, store=store)
        if progress is not None:
            progress(min(done * BATCH, len(accounts)), len(accounts))
    for batch in _batches(parties):
        _purge_parties(batch, as_of=as_of, actor=actor, now=now)
    report.placement_files = _purge_placement_files(accounts)
    return report


def _letter_keys(account_ids: list[int]) -> list[tuple[str, str]]:
    """The stored documents of the accounts' validation notices and money letters."""
    return [
        *ValidationNotice.objects.filter(account_id__in=account_ids).values_list(
            "html_key", "pdf_key"
        ),
        *MoneyLetter.objects.filter(account_id__in=account_ids).values_list("html_key", "pdf_key"),
    ]


def _purge_accounts(
    ids: list[int], *, as_of: date, actor: Actor, now: datetime, store: DocumentStore
) -> None:
    for html_key, pdf_key in _letter_keys(ids):
        for key in (html_key, pdf_key):
            if key:
                store.delete(key)  # before the rows: a crash leaves nothing readable behind
    for key in Document.objects.filter(account_id__in=ids, purged=False).values_list(
        "store_key", flat=True
    ):
        store.delete(key)
    with transaction.atomic():
        Document.objects.filter(account_id__in=ids).update(purged=True, file_name="(purged)")
        Complaint.objects.filter(account_id__in=ids).update(description="", response_note="")
        Account.objects.filter(pk__in=ids).update(original_account_number="", purged_on=as_of)
        ContactAttempt.objects.filter(account_id__in=ids).update(note="")
        Dispute.objects.filter(account_id__in=ids).update(description="", answer_note="")
        Hold.objects.filter(account_id__in=ids).update(reason="")
        for account_id in ids:
            audit_record(actor=actor, event="retention.account_purged", account_id=account_id,
                         at=now, details={"as_of": as_of.isoformat()})  # fmt: skip


def _purge_bank_accounts(party_ids: list[int], *, as_of: date) -> None:
    """Bank accounts go with their party, except those behind an ACH authorization: the
    authorization and its account details are kept until two years after it ended
    (``keep_until``; none yet means it has not ended), and after that only the numbers are
    destroyed, so the authorization's record still points at a row."""
    theirs = BankAccount.objects.filter(party_id__in=party_ids)
    backing = theirs.filter(authorizations__isnull=False)
    kept = set(
        backing.filter(
            Q(authorizations__keep_until__isnull=True) | Q(authorizations__keep_until__gt=as_of)
        ).values_list("id", flat=True)
    )
    backing.exclude(id__in=kept).update(
        routing_number="", account_number_encrypted="", account_last4=""
    )
    theirs.filter(authorizations__isnull=True).delete()


def _purge_parties(ids: list[int], *, as_of: date, actor: Actor, now: datetime) -> None:
    with transaction.atomic():
        Party.objects.filter(pk__in=ids).update(
            first_name="", middle_name="", last_name="", suffix="", business_name="",
            ssn_encrypted="", ssn_last4="", ssn_index=None, ssn_last4_index=None,
            dob_encrypted="", name_dob_index=None, name_key_last="", name_key_first="",
            purged_on=as_of,
        )  # fmt: skip
        ContactAttempt.objects.filter(contact_point__party_id__in=ids).update(contact_point=None)
        ContactRestriction.objects.filter(party_id__in=ids).delete()
        ContactPoint.objects.filter(party_id__in=ids).delete()
        _purge_bank_accounts(ids, as_of=as_of)
        PartyLinkReview.objects.filter(party_id__in=ids).update(reason="(purged)")
        PartyLinkReview.objects.filter(candidate_id__in=ids).update(reason="(purged)")
        for party_id in ids:
            audit_record(actor=actor, event="retention.party_purged", party_id=party_id, at=now,
                         details={"as_of": as_of.isoformat()})  # fmt: skip


def _purge_placement_files(account_ids: list[int]) -> int:
    """Delete the uploaded placement files whose every account is now purged."""
    deleted = 0
    placements = (
        Placement.objects.filter(accounts__in=account_ids)
        .exclude(file_sha256="")
        .select_related("client")
        .distinct()
    )
    for placement in placements:
        if Account.objects.filter(placement=placement, purged_on__isnull=True).exists():
            continue
        path = stored_upload(placement.client.code, placement.file_sha256)
        if path is not None:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted
