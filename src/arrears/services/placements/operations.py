"""Placement import: a client's file of delinquent accounts into the book of record.

The file streams through in batches. Each row is validated (``core.formats.placements``); a bad
row goes to the rejects report with its line, field, code and reason, and the good rows load. A
batch is one transaction, written set-based (``services.bulk``), so a crash loses at most the
batch in flight, and re-running the file resumes: accounts are unique per (client, client
reference), so rows already loaded are counted as ``duplicates`` and create nothing.

People are linked across rows, files and clients: the same SSN is the same party; without an
SSN, the same normalised name and date of birth is. Same name and date of birth with different
SSNs are two parties, queued for a person to review.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import queue
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from arrears.core.formats.placements import (
    HeaderError,
    Mapping,
    MappingError,
    PlacementRow,
    Reject,
    load_mapping,
    person_key,
    validate_row,
)
from arrears.core.search import name_keys
from arrears.data.accounts.models import Account, AccountParty, AccountStatus, Placement
from arrears.data.clients.models import Client
from arrears.data.imports.models import ImportKind, ImportReject, ImportRun, ImportStatus
from arrears.data.ledger.models import Entry, EntryKind
from arrears.data.parties.models import ContactPoint, Party, PartyLinkReview
from arrears.services.bulk import TableWriter
from arrears.services.common import (
    Actor,
    NotFound,
    ServiceError,
    audit_record,
    blind_indexer,
    key_ring,
)
from arrears.services.placements.readers import UnreadableFile, count_rows, open_rows

ProgressFn = Callable[[int], None]

ACK_COLUMNS = ["line", "client_account_ref", "result", "account_id", "code", "reason"]
REJECT_EXTRA_COLUMNS = ["line", "field", "code", "reason"]


class InputUnreadable(ServiceError):
    """The file as a whole cannot be read: not CSV/XLSX, not UTF-8, or no usable header."""

    code = "unreadable"


class BadMapping(ServiceError):
    code = "bad_mapping"


@dataclass
class ImportReport:
    rows: int = 0
    loaded: int = 0
    reopened: int = 0
    rejected: int = 0
    duplicates: int = 0
    parties: int = 0
    parties_created: int = 0
    reviews: int = 0
    dry_run: bool = False
    run_id: int | None = None
    placement_id: int | None = None
    rejects_path: str | None = None
    ack_path: str | None = None
    reject_codes: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_NON_WORD = re.compile(r"[^a-z0-9]+")


def _business_key(row: PlacementRow) -> str | None:
    if not row.business_name:
        return None
    folded = unicodedata.normalize("NFKD", row.business_name).encode("ascii", "ignore").decode()
    name = _NON_WORD.sub("", folded.lower())
    return f"business|{name}|{row.zip[:5]}" if name else None


def _identity_key(row: PlacementRow) -> str | None:
    """The linkage key used when there is no SSN (and to spot twins when there is one)."""
    if row.party_type == "business":
        return _business_key(row)
    key = person_key(row)
    if key is None:
        return None
    last, first, dob = key
    return f"person|{last}|{first}|{dob.isoformat()}"


def _address_key(row: PlacementRow) -> str:
    parts = [row.address1, row.address2 or "", row.city, row.state, row.zip[:5]]
    return " ".join(" ".join(parts).lower().split())


ACCOUNT_FIELDS = [
    "id", "client", "placement", "client_ref", "original_creditor", "original_account_number",
    "creditor_classification", "currency", "status", "status_reason", "status_changed_on",
    "placed_on", "placed_amount_minor", "charge_off_date", "charge_off_amount_minor",
    "date_of_first_delinquency", "itemization_date", "itemization_basis",
    "itemization_amount_minor", "last_payment_date", "interest_rate_ppm", "interest_day_count",
    "accrual_segment_start", "accrual_closed_numerator", "accrued_through",
    "interest_accrued_minor", "principal_minor", "interest_minor", "fees_minor", "costs_minor",
    "balance_minor", "balance_through_entry_id", "created_at", "updated_at",
]  # fmt: skip
PARTY_FIELDS = [
    "id", "kind", "first_name", "middle_name", "last_name", "suffix", "business_name",
    "ssn_encrypted", "ssn_last4", "ssn_index", "ssn_last4_index", "dob_encrypted",
    "name_dob_index", "name_key_last", "name_key_first", "created_at",
]  # fmt: skip
CONTACT_FIELDS = [
    "party", "kind", "phone_e164", "phone_type", "email", "address1", "address2", "city",
    "state", "zip", "country", "value_index", "consent_source", "source", "status",
    "valid_from", "valid_to", "created_at",
]  # fmt: skip
LINK_FIELDS = ["account", "party", "role"]
ENTRY_FIELDS = [
    "id", "account", "kind", "effective_on", "posted_at", "currency", "principal_minor",
    "interest_minor", "fees_minor", "costs_minor", "cash_minor", "reverses", "idempotency_key",
    "source", "memo", "actor",
]  # fmt: skip


@dataclass
class _Candidate:
    party_id: int
    ssn_index: str | None


class _PartyBook:
    """Resolves rows to parties, remembering every key seen in this run."""

    def __init__(self, *, lookups: bool) -> None:
        self.by_ssn: dict[str, int] = {}
        self.by_identity: dict[str, list[_Candidate]] = {}
        self.lookups = lookups  # False when the table was empty at start: the memory is complete

    def prefetch(self, ssn_keys: set[str], identity_keys: set[str]) -> None:
        if not self.lookups:
            return
        ssn_missing = [k for k in ssn_keys if k not in self.by_ssn]
        ident_missing = [k for k in identity_keys if k not in self.by_identity]
        for chunk in _chunks(ssn_missing, 900):
            for pid, sidx in Party.objects.filter(ssn_index__in=chunk).values_list(
                "id", "ssn_index"
            ):
                if sidx is not None:
                    self.by_ssn.setdefault(sidx, pid)
        for chunk in _chunks(ident_missing, 900):
            found: dict[str, list[_Candidate]] = {k: [] for k in chunk}
            for pid, iidx, sidx in Party.objects.filter(name_dob_index__in=chunk).values_list(
                "id", "name_dob_index", "ssn_index"
            ):
                if iidx is not None:
                    found[iidx].append(_Candidate(pid, sidx))
            self.by_identity.update(found)


_MARKER_BASE = -(10**15)  # markers for parties not yet given an id; far from dry-run fake ids


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Importer:
    def __init__(
        self,
        *,
        pipeline: _Pipeline | None,
        client: Client,
        placement: Placement | None,
        run: ImportRun | None,
        today: date,
        now: datetime,
        dry_run: bool,
        report: ImportReport,
        file_name: str,
    ) -> None:
        self.client = client
        self.placement = placement
        self.today = today
        self.now = now
        self.dry_run = dry_run
        self.report = report
        self.file_name = file_name
        self.pipeline = pipeline
        self.ring = key_ring()
        self.index = blind_indexer().index
        self.parties = _PartyBook(lookups=Party.objects.exists())
        # References are unique within a file, so on a client's first file nothing can already
        # exist; a re-run or resumed run of the same file must look (and so must later files).
        self.accounts_may_exist = (
            run is None or run.runs > 1 or Account.objects.filter(client=client).exists()
        )
        self.parties_seen: set[int] = set()
        self.fake_id = 0
        self.account_writer = TableWriter(Account, ACCOUNT_FIELDS)
        self.party_writer = TableWriter(Party, PARTY_FIELDS)
        self.contact_writer = TableWriter(ContactPoint, CONTACT_FIELDS)
        self.link_writer = TableWriter(AccountParty, LINK_FIELDS)
        self.entry_writer = TableWriter(Entry, ENTRY_FIELDS)

    def _ids(self, writer: TableWriter, count: int) -> list[int]:
        if self.dry_run:
            start = self.fake_id
            self.fake_id += count
            return [-(start + i + 1) for i in range(count)]
        return writer.reserve_ids(count)

    def flush(self, batch: list[PlacementRow], rejects: list[ImportReject]) -> list[AckLine]:
        """Load one batch; returns ack lines (line, ref, result, account id).

        Synchronous mode prepares and writes in one transaction. Pipelined mode (PostgreSQL,
        outside any transaction) hands the writes to the writer threads and returns at once.
        """
        if self.pipeline is None:
            with transaction.atomic():
                acks, job = self._prepare(batch, rejects)
                job.write()
                job.after_predecessors()
            return acks
        acks, job = self._prepare(batch, rejects)
        self.pipeline.submit(job)
        return acks

    def _prepare(
        self, batch: list[PlacementRow], rejects: list[ImportReject]
    ) -> tuple[list[AckLine], _Job]:
        """Everything but the writes: lookups, party linkage, reserved ids, rows as tuples."""
        acks: list[AckLine] = []
        existing = self._existing_accounts([row.client_account_ref for row in batch])

        new_rows: list[PlacementRow] = []
        reopen_rows: list[tuple[PlacementRow, int]] = []
        duplicate_ids: list[int] = []
        for row in batch:
            hit = existing.get(row.client_account_ref)
            if hit is None:
                new_rows.append(row)
            elif hit[1] == AccountStatus.RECALLED:
                reopen_rows.append((row, hit[0]))
                acks.append((row.line, row.client_account_ref, "reopened", hit[0]))
            else:
                duplicate_ids.append(hit[0])
                acks.append((row.line, row.client_account_ref, "duplicate", hit[0]))
        self.report.duplicates += len(duplicate_ids)
        self.report.reopened += len(reopen_rows)
        if duplicate_ids or reopen_rows:
            linked = [*duplicate_ids, *(aid for _, aid in reopen_rows)]
            self.parties_seen.update(
                AccountParty.objects.filter(account_id__in=linked, role="primary").values_list(
                    "party_id", flat=True
                )
            )

        party_ids, party_rows, review_rows, new_party_ids = self._resolve_parties(new_rows)
        account_ids = self._ids(self.account_writer, len(new_rows))
        entry_ids = self._ids(self.entry_writer, len(new_rows))
        contacts = self._contact_rows(new_rows, party_ids)
        old_parties = sorted({pid for pid in party_ids if pid not in new_party_ids})

        accounts: list[tuple[Any, ...]] = []
        entries: list[tuple[Any, ...]] = []
        links: list[tuple[Any, ...]] = []
        placement_id = self.placement.pk if self.placement else None
        memo = f"Placed in {self.file_name}"[:200]
        for row, pid, aid, eid in zip(new_rows, party_ids, account_ids, entry_ids, strict=True):
            total = row.principal_minor + row.interest_minor + row.fees_minor + row.costs_minor
            rate = row.interest_rate_ppm
            accounts.append((
                aid, self.client.pk, placement_id, row.client_account_ref, row.original_creditor,
                row.original_account_number or "", row.creditor_classification or "",
                row.currency, AccountStatus.ACTIVE, "", self.today, self.today, total,
                row.charge_off_date, row.charge_off_amount_minor, row.date_of_first_delinquency,
                row.itemization_date, row.itemization_basis, total, row.last_payment_date, rate,
                row.interest_day_count, row.itemization_date if rate else None, 0, None, 0,
                row.principal_minor, row.interest_minor, row.fees_minor, row.costs_minor, total,
                eid, self.now, self.now,
            ))  # fmt: skip
            entries.append((
                eid, aid, EntryKind.PLACEMENT, row.itemization_date, self.now, row.currency,
                row.principal_minor, row.interest_minor, row.fees_minor, row.costs_minor, 0, None,
                None, "import", memo, None,
            ))  # fmt: skip
            links.append((aid, pid, "primary"))
            acks.append((row.line, row.client_account_ref, "loaded", aid))
        self.report.loaded += len(accounts)
        self.parties_seen.update(party_ids)
        self.report.parties_created += len(party_rows)
        self.report.reviews += len(review_rows)
        if self.dry_run:
            return acks, _Job(lambda: None, lambda: None)
        # A new party's contact points cannot be anywhere yet; a known party's may have come
        # with an earlier batch, which another writer may still be committing.
        fresh = [c for c in contacts if c[0] in new_party_ids]
        known = [c for c in contacts if c[0] not in new_party_ids]

        def write() -> None:
            if party_rows:
                self.party_writer.write(party_rows)
            if review_rows:
                PartyLinkReview.objects.bulk_create(review_rows, ignore_conflicts=True)
            self.contact_writer.write(fresh)
            if accounts:
                self.account_writer.write(accounts)
                self.entry_writer.write(entries)
                self.link_writer.write(links)
            for row, aid in reopen_rows:
                self._reopen(row, aid)
            if rejects:
                ImportReject.objects.bulk_create(rejects)

        def after_predecessors() -> None:
            if known:
                self.contact_writer.write(_unknown_contacts(known, old_parties))

        return acks, _Job(write, after_predecessors)

    def _existing_accounts(self, refs: list[str]) -> dict[str, tuple[int, str]]:
        """Accounts this client already has under these references: id and status."""
        if not self.accounts_may_exist or not refs:
            return {}
        found: dict[str, tuple[int, str]] = {}
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT client_ref, id, status FROM accounts_account "
                    "WHERE client_id = %s AND client_ref = ANY(%s)",
                    [self.client.pk, refs],
                )
                for ref, aid, status in cursor.fetchall():
                    found[ref] = (aid, status)
            return found
        for chunk in _chunks(refs, 900):
            for aid, ref, status in Account.objects.filter(
                client=self.client, client_ref__in=chunk
            ).values_list("id", "client_ref", "status"):
                found[ref] = (aid, status)
        return found

    def _resolve_parties(
        self, rows: list[PlacementRow]
    ) -> tuple[list[int], list[tuple[Any, ...]], list[PartyLinkReview], set[int]]:
        """Party id per row, plus the new parties' rows and link reviews to write."""
        index = self.index
        keys: list[tuple[str | None, str | None]] = []
        for row in rows:
            ssn_idx = index("ssn", row.ssn) if row.ssn else None
            ident = _identity_key(row)
            keys.append((ssn_idx, index("identity", ident) if ident else None))
        self.parties.prefetch({s for s, _ in keys if s}, {i for _, i in keys if i})
        book = self.parties
        resolved: list[int] = []
        new_parties: list[tuple[PlacementRow, str | None, str | None]] = []
        reviews: list[tuple[int, int, str]] = []
        for row, (ssn_idx, ident_idx) in zip(rows, keys, strict=True):
            candidates = list(book.by_identity.get(ident_idx, ())) if ident_idx else []
            pid: int | None = None
            if ssn_idx is not None:
                pid = book.by_ssn.get(ssn_idx)
            elif len(candidates) == 1:
                pid = candidates[0].party_id
            else:
                without_ssn = [c for c in candidates if c.ssn_index is None]
                if len(without_ssn) == 1:
                    pid = without_ssn[0].party_id
            if pid is not None:
                resolved.append(pid)
                continue
            # A new party. Until its id is reserved it goes by a marker, registered at once so
            # later rows of this batch link to it.
            new_parties.append((row, ssn_idx, ident_idx))
            marker = _MARKER_BASE - len(new_parties)
            resolved.append(marker)
            if ssn_idx is not None:
                book.by_ssn[ssn_idx] = marker
            if ident_idx is not None:
                book.by_identity.setdefault(ident_idx, []).append(_Candidate(marker, ssn_idx))
            reason = (
                "same name and date of birth, different SSN"
                if ssn_idx is not None
                else "same name and date of birth as several parties"
            )
            reviews.extend((marker, other.party_id, reason) for other in candidates)

        real_ids = self._ids(self.party_writer, len(new_parties))
        by_marker = {_MARKER_BASE - (i + 1): real for i, real in enumerate(real_ids)}
        for (_row, ssn_idx, ident_idx), real in zip(new_parties, real_ids, strict=True):
            if ssn_idx is not None and book.by_ssn.get(ssn_idx) in by_marker:
                book.by_ssn[ssn_idx] = real
            if ident_idx is not None:
                for cand in book.by_identity.get(ident_idx, ()):
                    cand.party_id = by_marker.get(cand.party_id, cand.party_id)
        resolved = [by_marker.get(p, p) for p in resolved]

        party_rows: list[tuple[Any, ...]] = []
        ring = self.ring
        for (row, ssn_idx, ident_idx), real in zip(new_parties, real_ids, strict=True):
            ssn = row.ssn
            party_rows.append((
                real, row.party_type, row.first_name or "", row.middle_name or "",
                row.last_name or "", row.suffix or "", row.business_name or "",
                ring.encrypt(ssn, context="party.ssn") if ssn else "",
                ssn[-4:] if ssn else "", ssn_idx,
                self.index("ssn4", ssn[-4:]) if ssn else None,
                ring.encrypt(row.date_of_birth.isoformat(), context="party.dob")
                if row.date_of_birth else "",
                ident_idx,
                *name_keys(first_name=row.first_name or "", last_name=row.last_name or "",
                           business_name=row.business_name or ""),
                self.now,
            ))  # fmt: skip
        review_rows = [
            PartyLinkReview(
                party_id=by_marker.get(a, a), candidate_id=by_marker.get(b, b), reason=reason
            )
            for a, b, reason in reviews
            if by_marker.get(a, a) != by_marker.get(b, b)
        ]
        return resolved, party_rows, review_rows, set(real_ids)

    def _contact_rows(self, rows: list[PlacementRow], party_ids: list[int]) -> list[_Contact]:
        """Each row's phones, email and address, once per party within the batch."""
        index = self.index
        seen: set[tuple[int, str, str]] = set()
        out: list[_Contact] = []
        now, today = self.now, self.today
        source = f"placement:{self.placement.pk if self.placement else 'dry-run'}"
        for row, pid in zip(rows, party_ids, strict=True):
            for e164, ptype in row.phones:
                key = index("phone", e164)
                if (pid, "phone", key) not in seen:
                    seen.add((pid, "phone", key))
                    out.append((
                        pid, "phone", e164, ptype, "", "", "", "", "", "", "US", key,
                        "provided_to_creditor", source, "unverified", today, None, now,
                    ))  # fmt: skip
            if row.email:
                key = index("email", row.email)
                if (pid, "email", key) not in seen:
                    seen.add((pid, "email", key))
                    out.append((
                        pid, "email", "", "", row.email, "", "", "", "", "", "US", key, "",
                        source, "unverified", today, None, now,
                    ))  # fmt: skip
            key = index("address", _address_key(row))
            if (pid, "address", key) not in seen:
                seen.add((pid, "address", key))
                out.append((
                    pid, "address", "", "", "", row.address1, row.address2 or "", row.city,
                    row.state, row.zip, "US", key, "", source, "unverified", today, None, now,
                ))  # fmt: skip
        return out

    def _reopen(self, row: PlacementRow, account_id: int) -> None:
        """A recalled account placed again: same account, its history kept, a new placement."""
        account = Account.objects.select_for_update().get(pk=account_id)
        total = row.principal_minor + row.interest_minor + row.fees_minor + row.costs_minor
        entry = Entry.objects.create(
            account=account,
            kind=EntryKind.PLACEMENT,
            effective_on=self.today,
            posted_at=self.now,
            currency=account.currency,
            principal_minor=row.principal_minor,
            interest_minor=row.interest_minor,
            fees_minor=row.fees_minor,
            costs_minor=row.costs_minor,
            source="import",
            memo=f"Placed again in {self.file_name}"[:200],
        )
        account.placement = self.placement  # type: ignore[assignment]
        account.status = AccountStatus.ACTIVE
        account.status_reason = "placed again after recall"
        account.status_changed_on = self.today
        account.placed_on = self.today
        account.placed_amount_minor = total
        account.principal_minor += row.principal_minor
        account.interest_minor += row.interest_minor
        account.fees_minor += row.fees_minor
        account.costs_minor += row.costs_minor
        account.balance_minor += total
        account.balance_through_entry_id = entry.pk
        if row.interest_rate_ppm:
            account.interest_rate_ppm = row.interest_rate_ppm
            account.interest_day_count = row.interest_day_count
            account.accrual_segment_start = self.today
            account.accrual_closed_numerator = 0
            account.accrued_through = None
            account.interest_accrued_minor = 0
        details: dict[str, Any] = {"placement": self.placement.pk if self.placement else None}
        if (
            account.date_of_first_delinquency
            and row.date_of_first_delinquency != account.date_of_first_delinquency
        ):
            details["dofd_in_file_ignored"] = row.date_of_first_delinquency.isoformat()
        account.save()
        audit_record(
            actor=Actor.system("import-placements"),
            event="account.reopened",
            account_id=account.pk,
            details=details,
            at=self.now,
        )


_Contact = tuple[Any, ...]
AckLine = tuple[int, str, str, int | None]


def _unknown_contacts(contacts: list[_Contact], old_parties: list[int]) -> list[_Contact]:
    """Drop contact points that earlier batches or files already gave these parties.

    Runs where the writes run, so it sees every earlier batch of this import committed.
    """
    if not old_parties:
        return contacts
    known: set[tuple[int, str, str | None]] = set()
    for start in range(0, len(old_parties), 900):
        known.update(
            ContactPoint.objects.filter(party_id__in=old_parties[start : start + 900]).values_list(
                "party_id", "kind", "value_index"
            )
        )
    return [c for c in contacts if (c[0], c[1], c[11]) not in known]


@dataclass(frozen=True)
class _Job:
    """One batch's writes: ``write`` at once, ``after_predecessors`` once earlier batches commit."""

    write: Callable[[], None]
    after_predecessors: Callable[[], None]


class _Abandoned(Exception):
    """An earlier batch failed, so this one rolls back: the book keeps a prefix of the file."""


class _Pipeline:
    """Writer threads, each with its own connection; each job is one transaction.

    Jobs go to the writers in turn. A job writes its rows at once, then waits until the job
    before it has committed, does what must see that batch (contact points of parties the import
    already knows), and commits; its deferred key checks then find every party of earlier
    batches. So the server works on two batches at a time (one writing, one checking keys at
    commit) while the reading thread prepares the next, and commits keep the file's order: the
    book always holds a prefix of the file's batches. A failed job stops the jobs after it in
    the file (never those before it, even when it fails first); the error of the earliest
    failed job is raised in the reading thread at its next hand-over or at close.
    """

    def __init__(self, writers: int = 2) -> None:
        self.error: BaseException | None = None
        # The file position of the earliest batch that failed: the batches before it still
        # commit, the ones after it roll back, whichever finishes first.
        self.failed_at: int | None = None
        self._lock = threading.Lock()
        self.queues: list[
            queue.Queue[tuple[_Job, int, threading.Event, threading.Event] | None]
        ] = [queue.Queue(maxsize=1) for _ in range(writers)]
        self.turn = 0
        self.submitted = 0
        self.last_done = threading.Event()
        self.last_done.set()
        self.threads = [
            threading.Thread(
                target=self._run, args=(jobs,), name=f"import-writer-{n + 1}", daemon=True
            )
            for n, jobs in enumerate(self.queues)
        ]
        for thread in self.threads:
            thread.start()

    def _behind_a_failure(self, position: int) -> bool:
        return self.failed_at is not None and self.failed_at < position

    def _run(
        self, jobs: queue.Queue[tuple[_Job, int, threading.Event, threading.Event] | None]
    ) -> None:
        try:
            while (item := jobs.get()) is not None:
                job, position, before, done = item
                try:
                    if not self._behind_a_failure(position):
                        with transaction.atomic():
                            job.write()
                            before.wait()
                            if self._behind_a_failure(position):
                                raise _Abandoned
                            job.after_predecessors()
                except _Abandoned:
                    pass
                except BaseException as exc:
                    with self._lock:
                        if self.failed_at is None or position < self.failed_at:
                            self.failed_at = position
                            self.error = exc
                finally:
                    done.set()
        finally:
            connection.close()

    def submit(self, job: _Job) -> None:
        if self.error is not None:
            raise self.error
        done = threading.Event()
        self.submitted += 1
        self.queues[self.turn].put((job, self.submitted, self.last_done, done))
        self.last_done = done
        self.turn = (self.turn + 1) % len(self.queues)

    def close(self) -> None:
        for jobs in self.queues:
            jobs.put(None)
        for thread in self.threads:
            thread.join()
        if self.error is not None:
            raise self.error


def placement_import(
    *,
    client_code: str,
    path: Path,
    actor: Actor,
    today: date,
    mapping_text: str | None = None,
    rejects_path: Path | None = None,
    ack_path: Path | None = None,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    batch_size: int = 5000,
    now: datetime | None = None,
    pipelined: bool = True,
) -> ImportReport:
    """Import a placement file for a client. Safe to re-run: the second run loads nothing.

    On PostgreSQL, outside a surrounding transaction, writes run in two writer threads while the
    next batch is prepared (``pipelined``). The rejects and acknowledgement files appear only
    when the whole file has gone through.
    """
    now = now or timezone.now()
    client = Client.objects.filter(code=client_code.strip().upper()).first()
    if client is None:
        raise NotFound(f"no client with code {client_code!r}", field="client")
    try:
        mapping = load_mapping(mapping_text) if mapping_text else Mapping.default()
    except MappingError as exc:
        raise BadMapping(str(exc), field="mapping") from exc
    if not path.is_file():
        raise InputUnreadable(f"{path} is not a readable file", field="file")
    sha = file_sha256(path)
    report = ImportReport(dry_run=dry_run)
    rejects_path = rejects_path or path.with_name(path.name + ".rejects.csv")
    ack_path = ack_path or path.with_name(path.name + ".ack.csv")
    report.rejects_path, report.ack_path = str(rejects_path), str(ack_path)

    with ExitStack() as stack:
        try:
            source = stack.enter_context(open_rows(path))
            bound = mapping.bind(source.header)
        except (UnreadableFile, HeaderError) as exc:
            raise InputUnreadable(str(exc), field="file") from exc

        run, placement = (
            (None, None) if dry_run else _start_run(client, path, sha, actor, now, today)
        )
        report.run_id = run.pk if run else None
        report.placement_id = placement.pk if placement else None
        known_reject_lines: set[int] = (
            set(run.rejects.values_list("line", flat=True)) if run is not None else set()
        )
        use_pipeline = (
            pipelined
            and not dry_run
            and connection.vendor == "postgresql"
            and not connection.in_atomic_block
        )
        importer = _Importer(
            client=client, placement=placement, run=run, today=today, now=now,
            dry_run=dry_run, report=report, file_name=path.name,
            pipeline=_Pipeline() if use_pipeline else None,
        )  # fmt: skip
        rejects_tmp = rejects_path.with_name(rejects_path.name + ".partial")
        ack_tmp = ack_path.with_name(ack_path.name + ".partial")
        rejects_fh = stack.enter_context(rejects_tmp.open("w", newline="", encoding="utf-8"))
        ack_fh = stack.enter_context(ack_tmp.open("w", newline="", encoding="utf-8"))
        rejects_csv = csv.writer(rejects_fh)
        rejects_csv.writerow([*source.header, *REJECT_EXTRA_COLUMNS])
        ack_csv = csv.writer(ack_fh)
        ack_csv.writerow(ACK_COLUMNS)

        seen_refs: set[str] = set()
        batch: list[PlacementRow] = []
        pending_rejects: list[ImportReject] = []

        def flush() -> None:
            rejects = list(pending_rejects)
            pending_rejects.clear()
            if batch or rejects:
                for line, ref, result, aid in importer.flush(batch, rejects):
                    ack_csv.writerow([line, ref, result, aid if aid and aid > 0 else "", "", ""])
                batch.clear()

        ref_position = bound.position("client_account_ref")
        try:
            for line, values in source.rows:
                report.rows += 1
                outcome = validate_row(values, line, bound, today=today)
                if not isinstance(outcome, Reject) and outcome.client_account_ref in seen_refs:
                    outcome = Reject(
                        line=line,
                        field="client_account_ref",
                        code="duplicate_reference",
                        reason=(
                            f"client_account_ref '{outcome.client_account_ref}' appears earlier in "
                            "this file"
                        ),
                    )
                if isinstance(outcome, Reject):
                    report.rejected += 1
                    report.reject_codes[outcome.code] = report.reject_codes.get(outcome.code, 0) + 1
                    rejects_csv.writerow(
                        [*values, outcome.line, outcome.field, outcome.code, outcome.reason]
                    )
                    ref = (
                        values[ref_position]
                        if ref_position is not None and ref_position < len(values)
                        else ""
                    )
                    ack_csv.writerow([line, ref, "rejected", "", outcome.code, outcome.reason])
                    if run is not None and line not in known_reject_lines:
                        pending_rejects.append(
                            ImportReject(
                                run=run, line=line, field=outcome.field[:60], code=outcome.code[:40],
                                reason=outcome.reason[:300],
                            )
                        )  # fmt: skip
                else:
                    seen_refs.add(outcome.client_account_ref)
                    batch.append(outcome)
                    if len(batch) >= batch_size:
                        flush()
                if progress is not None and report.rows % 1000 == 0:
                    progress(report.rows)
            flush()
        except BaseException:
            if importer.pipeline is not None:
                with contextlib.suppress(BaseException):
                    importer.pipeline.close()  # what was handed over still commits
            stack.close()
            rejects_tmp.unlink(missing_ok=True)
            ack_tmp.unlink(missing_ok=True)
            raise
        if importer.pipeline is not None:
            importer.pipeline.close()
        if progress is not None:
            progress(report.rows)
    rejects_tmp.replace(rejects_path)
    ack_tmp.replace(ack_path)

    report.parties = len({p for p in importer.parties_seen if p != 0})
    if run is not None:
        _finish_run(run, report, actor, now)
    if report.loaded >= ANALYZE_AFTER_ROWS and connection.vendor == "postgresql":
        _analyze_loaded_tables()
    return report


# A large load changes the tables' shape faster than autovacuum notices; fresh statistics keep
# the next batch jobs (accrual, queues) on good plans.
ANALYZE_AFTER_ROWS = 50_000


def _analyze_loaded_tables() -> None:
    tables = [m._meta.db_table for m in (Account, AccountParty, Entry, Party, ContactPoint)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def _start_run(
    client: Client, path: Path, sha: str, actor: Actor, now: datetime, today: date
) -> tuple[ImportRun, Placement]:
    with transaction.atomic():
        run = (
            ImportRun.objects.select_for_update()
            .filter(client=client, kind=ImportKind.PLACEMENT, file_sha256=sha)
            .first()
        )
        if run is not None:
            run.runs += 1
            run.status = ImportStatus.RUNNING
            run.save(update_fields=["runs", "status"])
            assert run.placement is not None
            return run, run.placement
        placement = Placement.objects.create(
            client=client, reference=path.name[:200], file_sha256=sha, placed_on=today
        )
        run = ImportRun.objects.create(
            client=client,
            kind=ImportKind.PLACEMENT,
            file_name=path.name[:255],
            file_sha256=sha,
            placement=placement,
            status=ImportStatus.RUNNING,
            actor_label=actor.label[:120],
            started_at=now,
        )
        return run, placement


def _finish_run(run: ImportRun, report: ImportReport, actor: Actor, now: datetime) -> None:
    with transaction.atomic():
        first_run = run.runs == 1
        run.status = ImportStatus.DONE
        run.rows = report.rows
        run.rejected = report.rejected
        run.loaded += report.loaded
        run.reopened += report.reopened
        run.duplicates = report.duplicates if first_run else run.duplicates
        run.parties = report.parties
        run.parties_created += report.parties_created
        run.finished_at = now
        run.save()
        if report.loaded or report.reopened or first_run:
            audit_record(
                actor=actor,
                event="placement.imported",
                details={
                    "client": run.client.code,
                    "file": run.file_name,
                    "placement": run.placement_id,
                    "rows": report.rows,
                    "loaded": report.loaded,
                    "reopened": report.reopened,
                    "rejected": report.rejected,
                    "duplicates": report.duplicates,
                },
                at=now,
            )


def placement_rows_estimate(path: Path) -> int | None:
    """How many data rows a file holds, cheaply, for a progress bar."""
    return count_rows(path)


__all__ = [
    "BadMapping",
    "ImportReport",
    "InputUnreadable",
    "placement_import",
    "placement_rows_estimate",
]
