"""Posting money received: one payment to a known account, a bank or lockbox file of them, and
the unapplied cash either can leave.

Every path goes through :class:`_Poster`: lock the accounts (in id order), work out each payment
with ``core.ledger.plan_payment`` against the accounts' cached balances, then write the payments,
their ledger entries and the accounts' new figures set-based (COPY on PostgreSQL). A payment is
recorded once per reference, so a file read twice posts nothing the second time, and each batch
of a file commits on its own, so a run that stops part-way resumes where it stopped.

Money that cannot be applied is never dropped: it stays on the payment as ``unapplied_minor``
with the reason (no account matched, several did, the debt is disputed and the consumer did not
direct the payment, the account is closed, nothing or less is owed) until someone applies it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from arrears.core import interest as core_interest
from arrears.core.formats import payments as layout
from arrears.core.ledger import Balances, EntryKind, parse_waterfall
from arrears.core.ledger.balances import Bucket
from arrears.core.ledger.posting import PaymentPlan, Position, plan_payment
from arrears.data.accounts.models import Account, AccountStatus, Hold, HoldKind
from arrears.data.clients.models import Client, InterestPolicy
from arrears.data.ledger.models import Entry
from arrears.data.payments.models import Payment, PaymentFile, UnappliedReason
from arrears.services.bulk import TableWriter, update_by_id
from arrears.services.common import Actor, NotFound, ServiceError, audit_record
from arrears.services.ledger.operations import LedgerRefused
from arrears.services.strategies.routing import accounts_reroute

BATCH = 2_000
CLOSED = {AccountStatus.RECALLED, AccountStatus.CLOSED}
PAYABLE_TO_PAID = {AccountStatus.ACTIVE, AccountStatus.ARRANGEMENT}

_ACCOUNT_COLUMNS = (
    "id", "client_id", "currency", "status", "status_reason", "status_changed_on",
    "principal_minor", "interest_minor", "fees_minor", "costs_minor", "interest_rate_ppm",
    "interest_day_count", "accrual_segment_start", "accrual_closed_numerator", "accrued_through",
    "interest_accrued_minor", "charge_off_date", "last_payment_date", "purged_on",
)  # fmt: skip
_ACCOUNT_UPDATE = [
    "principal_minor", "interest_minor", "fees_minor", "costs_minor", "balance_minor",
    "balance_through_entry_id", "accrual_segment_start", "accrual_closed_numerator",
    "accrued_through", "interest_accrued_minor", "status", "status_reason", "status_changed_on",
    "last_payment_date", "updated_at",
]  # fmt: skip
_PAYMENT_FIELDS = [
    "id", "reference", "method", "amount_minor", "currency", "received_on", "account",
    "applied_minor", "unapplied_minor", "unapplied_reason", "account_hint", "client_hint",
    "payer_name", "memo", "consumer_directed", "return_code", "file", "line", "created_at",
    "created_by", "actor_label",
]  # fmt: skip
_ENTRY_FIELDS = [
    "id", "account", "kind", "effective_on", "posted_at", "currency", "principal_minor",
    "interest_minor", "fees_minor", "costs_minor", "cash_minor", "payment", "idempotency_key",
    "source", "memo", "actor",
]  # fmt: skip


class PaymentRefused(LedgerRefused):
    code = "payment_refused"


class UnreadablePaymentFile(ServiceError):
    code = "unreadable"


@dataclass(frozen=True)
class Receipt:
    """A payment as it came in, before it is matched or applied."""

    reference: str
    amount_minor: int
    received_on: date
    method: str
    account_hint: str = ""
    client_hint: str = ""
    payer_name: str = ""
    memo: str = ""
    consumer_directed: bool = False
    line: int | None = None


@dataclass(frozen=True)
class Applied:
    """What became of one payment."""

    payment_id: int
    account_id: int | None
    applied_minor: int
    unapplied_minor: int
    reason: str
    entry_id: int | None
    balances: Balances | None
    duplicate: bool = False


@dataclass
class _Book:
    """One locked account's figures, moved along as its payments are worked out."""

    id: int
    client_id: int
    currency: str
    status: str
    status_reason: str
    status_changed_on: date | None
    balances: Balances
    waterfall: tuple[Bucket, ...]
    terms: core_interest.InterestTerms | None
    accrual: core_interest.AccrualState | None
    last_payment_date: date | None
    disputes: list[tuple[date, date | None]] = field(default_factory=list)
    through_entry: int | None = None
    changed: bool = False

    def disputed(self, received_on: date, today: date) -> bool:
        """A dispute hold open at any time from the day the money came to today."""
        return any(
            start <= today and (end is None or end > received_on) for start, end in self.disputes
        )


@dataclass(frozen=True)
class _ClientTerms:
    waterfall: tuple[Bucket, ...]
    contract_interest: bool
    accrue_after_charge_off: bool
    rate_cap_ppm: int | None


def _client_terms() -> dict[int, _ClientTerms]:
    return {
        pk: _ClientTerms(
            waterfall=parse_waterfall(waterfall),
            contract_interest=policy == InterestPolicy.CONTRACT,
            accrue_after_charge_off=after,
            rate_cap_ppm=cap,
        )
        for pk, waterfall, policy, after, cap in Client.objects.values_list(
            "pk", "waterfall", "interest_policy", "accrue_after_charge_off", "rate_cap_ppm"
        )
    }


class _Poster:
    """Applies receipts to accounts inside the caller's transaction, set-based."""

    def __init__(self, *, actor: Actor, now: datetime, today: date) -> None:
        self.actor = actor
        self.now = now
        self.today = today
        self.clients = _client_terms()
        self.payment_writer = TableWriter(Payment, _PAYMENT_FIELDS)
        self.entry_writer = TableWriter(Entry, _ENTRY_FIELDS)

    def lock(self, account_ids: Iterable[int]) -> dict[int, _Book]:
        ids = sorted(set(account_ids))
        if not ids:
            return {}
        rows = (
            Account.objects.select_for_update()
            .filter(pk__any_of=ids)
            .order_by("pk")
            .values_list(*_ACCOUNT_COLUMNS)
        )
        books = {row[0]: self._book(row) for row in rows}
        disputes = Hold.objects.filter(
            account_id__any_of=list(books), kind=HoldKind.DISPUTE, starts_on__lte=self.today
        ).values_list("account_id", "starts_on", "ends_on")
        for account_id, starts_on, ends_on in disputes:
            books[account_id].disputes.append((starts_on, ends_on))
        return books

    def _book(self, row: Sequence[object]) -> _Book:
        values = dict(zip(_ACCOUNT_COLUMNS, row, strict=True))
        client = self.clients[int(values["client_id"])]  # type: ignore[call-overload]
        terms = None
        accrual = None
        rate = values["interest_rate_ppm"]
        segment_start = values["accrual_segment_start"]
        if (
            rate
            and client.contract_interest
            and (values["charge_off_date"] is None or client.accrue_after_charge_off)
            and segment_start is not None
        ):
            terms = core_interest.InterestTerms(
                rate_ppm=int(rate),  # type: ignore[call-overload]
                day_count=core_interest.DayCount(str(values["interest_day_count"])),
                cap_rate_ppm=client.rate_cap_ppm,
            )
            accrual = core_interest.AccrualState(
                segment_start=segment_start,  # type: ignore[arg-type]
                closed_numerator=int(values["accrual_closed_numerator"]),  # type: ignore[call-overload]
                accrued_through=values["accrued_through"],  # type: ignore[arg-type]
                posted_minor=int(values["interest_accrued_minor"]),  # type: ignore[call-overload]
            )
        status = str(values["status"])
        if values["purged_on"] is not None:
            status = AccountStatus.CLOSED
        return _Book(
            id=int(values["id"]),  # type: ignore[call-overload]
            client_id=int(values["client_id"]),  # type: ignore[call-overload]
            currency=str(values["currency"]),
            status=status,
            status_reason=str(values["status_reason"]),
            status_changed_on=values["status_changed_on"],  # type: ignore[arg-type]
            balances=Balances(
                principal=int(values["principal_minor"]),  # type: ignore[call-overload]
                interest=int(values["interest_minor"]),  # type: ignore[call-overload]
                fees=int(values["fees_minor"]),  # type: ignore[call-overload]
                costs=int(values["costs_minor"]),  # type: ignore[call-overload]
            ),
            waterfall=client.waterfall,
            terms=terms,
            accrual=accrual,
            last_payment_date=values["last_payment_date"],  # type: ignore[arg-type]
        )

    def refusal(self, book: _Book, receipt: Receipt) -> str:
        """Why this payment may not be applied to this account now ('' when it may)."""
        if book.status in CLOSED:
            return UnappliedReason.CLOSED
        if not receipt.consumer_directed and book.disputed(receipt.received_on, self.today):
            return UnappliedReason.DISPUTED
        return ""

    def plan(self, book: _Book, receipt: Receipt) -> PaymentPlan | None:
        """The payment worked out on the book, or None when nothing is owed."""
        plan = plan_payment(
            Position(book.balances, book.waterfall, book.terms, book.accrual),
            receipt.amount_minor,
            receipt.received_on,
        )
        return None if plan.reduction.is_zero() else plan

    def advance(self, book: _Book, plan: PaymentPlan, on: date) -> None:
        """Move the book past the payment, so a later payment on it sees this one."""
        book.balances = plan.balances
        book.accrual = plan.accrual
        book.last_payment_date = max(filter(None, [book.last_payment_date, on]))
        if plan.balances.total <= 0 and book.status in PAYABLE_TO_PAID:
            book.status = AccountStatus.PAID
            book.status_reason = "paid in full"
            book.status_changed_on = on
        book.changed = True

    def entry_rows(
        self,
        book: _Book,
        plan: PaymentPlan,
        receipt: Receipt,
        payment_id: int,
        ids: Iterable[int],
        out: list[tuple[object, ...]],
        payment_key: str | None = None,
    ) -> int:
        """Append the plan's entries (interest, payment, interest given back) to ``out``, with
        ids taken from ``ids``; returns the payment entry's id. ``payment_key`` is the payment
        entry's idempotency key (``payment:<reference>`` unless a later application of the
        same payment needs its own)."""
        numbers = iter(ids)
        on = receipt.received_on
        rows: list[tuple[str, Balances, int, str | None, str, str]] = []
        if plan.interest_minor:
            rows.append((EntryKind.INTEREST, Balances(interest=plan.interest_minor), 0, None,
                         "accrual", f"Interest through {on.isoformat()}"))  # fmt: skip
        if plan.interest_credit_minor:
            rows.append((EntryKind.INTEREST, Balances(interest=-plan.interest_credit_minor), 0,
                         None, "accrual",
                         f"Interest given back: payment of {on.isoformat()} after accrual"))  # fmt: skip
        rows.append((EntryKind.PAYMENT, plan.reduction, plan.applied_minor,
                     payment_key or f"payment:{receipt.reference}", receipt.method,
                     f"Payment {receipt.reference}"))  # fmt: skip
        payment_entry = 0
        for kind, amounts, cash, key, source, memo in rows:
            entry_id = next(numbers)
            out.append((
                entry_id, book.id, kind, on, self.now, book.currency, amounts.principal,
                amounts.interest, amounts.fees, amounts.costs, cash, payment_id, key, source[:60],
                memo[:200], self.actor.user_id,
            ))  # fmt: skip
            if kind == EntryKind.PAYMENT:
                payment_entry = entry_id
            book.through_entry = entry_id
        return payment_entry

    @staticmethod
    def entries_needed(plan: PaymentPlan) -> int:
        return 1 + (1 if plan.interest_minor else 0) + (1 if plan.interest_credit_minor else 0)

    def save_books(self, books: Iterable[_Book]) -> None:
        rows = []
        for book in books:
            if not book.changed:
                continue
            accrual = book.accrual
            rows.append((
                book.id, book.balances.principal, book.balances.interest, book.balances.fees,
                book.balances.costs, book.balances.total, book.through_entry,
                accrual.segment_start if accrual else None,
                accrual.closed_numerator if accrual else 0,
                accrual.accrued_through if accrual else None,
                accrual.posted_minor if accrual else 0,
                book.status, book.status_reason[:200], book.status_changed_on,
                book.last_payment_date, self.now,
            ))  # fmt: skip
        if not rows:
            return
        if any(book.accrual is None for book in books if book.changed):
            # Accounts without interest terms keep their own accrual columns.
            self._save_without_accrual([r for r in rows if r[7] is None])
            rows = [r for r in rows if r[7] is not None]
        update_by_id(Account, _ACCOUNT_UPDATE, rows)

    def _save_without_accrual(self, rows: list[tuple[object, ...]]) -> None:
        fields = [f for f in _ACCOUNT_UPDATE if not f.startswith("accru") and
                  f != "interest_accrued_minor"]  # fmt: skip
        keep = [0, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15]
        update_by_id(Account, fields, [tuple(row[i] for i in keep) for row in rows])


# -- one payment -----------------------------------------------------------------------------


def plan_or_refuse(poster: _Poster, book: _Book, receipt: Receipt) -> PaymentPlan:
    """The payment worked out on a locked account, or the refusal a payment made by hand gets
    (a closed or recalled account, a disputed debt the consumer did not direct payment of, an
    account that owes nothing). Shared by ``payment_post`` and applying unapplied cash, so both
    refuse alike."""
    reason = poster.refusal(book, receipt)
    if reason == UnappliedReason.CLOSED:
        raise PaymentRefused(f"account is {book.status}; it takes no payments")
    if reason == UnappliedReason.DISPUTED:
        raise PaymentRefused(
            "the debt is disputed: a payment is applied only if the consumer directs it",
            field="consumer_directed",
        )
    plan = poster.plan(book, receipt)
    if plan is None:
        raise PaymentRefused("nothing is owed on this account", field="amount")
    return plan


def payment_post(
    *,
    account_id: int,
    amount_minor: int,
    received_on: date,
    source: str,
    actor: Actor,
    reference: str | None = None,
    consumer_directed: bool = False,
    payer_name: str = "",
    memo: str = "",
    now: datetime | None = None,
) -> Applied:
    """Post a payment to a known account through its client's waterfall.

    ``source`` is the method (cash, check, money_order, card, ach, wire). A repeated reference
    posts nothing and returns what the first posting did. Refused, with nothing written: an
    amount of zero or less, a closed or recalled account, an account that owes nothing, and a
    disputed debt unless the consumer directs the payment. More than is owed is applied up to
    the balance; the rest stays on the payment as unapplied cash.
    """
    now = now or timezone.now()
    if amount_minor <= 0:
        raise PaymentRefused("a payment must be more than zero", field="amount")
    if source not in layout.METHODS:
        raise PaymentRefused(f"method must be one of {', '.join(layout.METHODS)}", field="method")
    if reference is not None and not reference.strip():
        raise PaymentRefused("a reference cannot be blank", field="reference")
    reference = (reference or f"{source.upper()}-{uuid.uuid4().hex[:16].upper()}").strip()[:80]
    receipt = Receipt(
        reference=reference, amount_minor=amount_minor, received_on=received_on, method=source,
        account_hint=f"#{account_id}", payer_name=payer_name, memo=memo,
        consumer_directed=consumer_directed,
    )  # fmt: skip
    with transaction.atomic():
        poster = _Poster(actor=actor, now=now, today=timezone.localdate(now))
        book = poster.lock([account_id]).get(account_id)
        done = _existing(reference)
        if done is not None:
            return done
        if book is None:
            raise NotFound(f"no account {account_id}", field="account_id")
        plan = plan_or_refuse(poster, book, receipt)
        (payment_id,) = poster.payment_writer.reserve_ids(1)
        entries: list[tuple[object, ...]] = []
        entry_ids = poster.entry_writer.reserve_ids(poster.entries_needed(plan))
        poster.advance(book, plan, received_on)
        entry_id = poster.entry_rows(book, plan, receipt, payment_id, entry_ids, entries)
        leftover = plan.unapplied_minor
        poster.payment_writer.write([
            _payment_row(poster, payment_id, receipt, book.id, plan.applied_minor, leftover,
                         UnappliedReason.OVERPAID if leftover else "", None)
        ])  # fmt: skip
        poster.entry_writer.write(entries)
        poster.save_books([book])
        audit_record(
            actor=actor, event="payment.posted", account_id=book.id, at=now,
            details={"payment": payment_id, "entry": entry_id, "amount_minor": amount_minor,
                     "unapplied_minor": leftover, "source": source, "reference": reference},
        )  # fmt: skip
        accounts_reroute([book.id], as_of=poster.today, now=now)
        return Applied(payment_id, book.id, plan.applied_minor, leftover,
                       UnappliedReason.OVERPAID if leftover else "", entry_id, book.balances)  # fmt: skip


def _existing(reference: str) -> Applied | None:
    payment = Payment.objects.filter(reference=reference).first()
    if payment is None:
        return None
    entry_id = (
        Entry.objects.filter(payment=payment, kind=EntryKind.PAYMENT)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    return Applied(
        payment.pk, payment.account_id, payment.applied_minor, payment.unapplied_minor,
        payment.unapplied_reason, entry_id, None, duplicate=True,
    )  # fmt: skip


def _payment_row(
    poster: _Poster,
    payment_id: int,
    receipt: Receipt,
    account_id: int | None,
    applied: int,
    unapplied: int,
    reason: str,
    file_id: int | None,
) -> tuple[object, ...]:
    return (
        payment_id, receipt.reference, receipt.method, receipt.amount_minor, "USD",
        receipt.received_on, account_id, applied, unapplied, reason, receipt.account_hint[:80],
        receipt.client_hint[:20], receipt.payer_name[:120], receipt.memo[:200],
        receipt.consumer_directed, "", file_id, receipt.line, poster.now, poster.actor.user_id,
        poster.actor.label[:120],
    )  # fmt: skip


# -- a file of payments ----------------------------------------------------------------------


@dataclass
class PostingReport:
    """What ``arrears post-payments`` did with a file (the command's JSON)."""

    file: str
    rows: int = 0
    posted: int = 0
    matched: int = 0
    unapplied: int = 0
    rejected: int = 0
    duplicates: int = 0
    applied_minor: int = 0
    unapplied_minor: int = 0
    rejects: list[layout.PaymentReject] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file, "rows": self.rows, "posted": self.posted,
            "matched": self.matched, "unapplied": self.unapplied, "rejected": self.rejected,
            "duplicates": self.duplicates, "applied_minor": self.applied_minor,
            "unapplied_minor": self.unapplied_minor,
        }  # fmt: skip


def payments_post_file(
    path: Path,
    *,
    actor: Actor,
    rejects_path: Path | None = None,
    now: datetime | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> PostingReport:
    """Post every payment of a bank or lockbox file (``core.formats.payments`` layout).

    Bad rows go to the rejects file (the original columns plus line, field, code, reason) and
    good rows post; references already recorded are counted as duplicates and post nothing.
    """
    from arrears.services.placements.readers import UnreadableFile, count_rows, open_rows

    now = now or timezone.now()
    today = timezone.localdate(now)
    report = PostingReport(file=path.name)
    try:
        digest = _sha256(path)
        source = open_rows(path)
    except (UnreadableFile, OSError) as exc:
        raise UnreadablePaymentFile(getattr(exc, "message", str(exc)), field="file") from exc
    total = count_rows(path)
    with source:
        try:
            positions = layout.bind_header(source.header)
        except layout.LayoutError as exc:
            raise UnreadablePaymentFile(str(exc), field="file") from exc
        payment_file = _payment_file(path, digest, actor, now)
        rejects_out = _RejectsWriter(rejects_path, source.header)
        seen: set[str] = set()
        batch: list[layout.PaymentRow] = []
        try:
            for line, values in source.rows:
                report.rows += 1
                parsed = layout.parse_row(values, line, positions, today=today)
                if isinstance(parsed, layout.PaymentReject):
                    report.rejected += 1
                    report.rejects.append(parsed)
                    rejects_out.add(values, parsed)
                    continue
                if parsed.reference in seen:
                    report.duplicates += 1
                    continue
                seen.add(parsed.reference)
                batch.append(parsed)
                if len(batch) >= BATCH:
                    _post_batch(batch, report, payment_file.pk, actor=actor, now=now, today=today)
                    batch = []
                    if progress is not None:
                        progress(report.rows, total)
            if batch:
                _post_batch(batch, report, payment_file.pk, actor=actor, now=now, today=today)
        finally:
            rejects_out.close()
    if progress is not None:
        progress(report.rows, total)
    PaymentFile.objects.filter(pk=payment_file.pk).update(
        rows=report.rows,
        posted=Payment.objects.filter(file=payment_file, applied_minor__gt=0).count(),
        unapplied=Payment.objects.filter(file=payment_file, unapplied_minor__gt=0).count(),
        rejected=report.rejected,
        duplicates=report.duplicates,
        finished_at=timezone.now(),
    )
    audit_record(actor=actor, event="payments.file_posted", at=now, details=report.as_dict())
    return report


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _payment_file(path: Path, digest: str, actor: Actor, now: datetime) -> PaymentFile:
    with transaction.atomic():
        found = PaymentFile.objects.select_for_update().filter(file_sha256=digest).first()
        if found is not None:
            found.runs += 1
            found.started_at = now
            found.finished_at = None
            found.save(update_fields=["runs", "started_at", "finished_at"])
            return found
        return PaymentFile.objects.create(
            file_name=path.name[:255], file_sha256=digest, actor_label=actor.label[:120],
            started_at=now,
        )  # fmt: skip


class _RejectsWriter:
    def __init__(self, path: Path | None, header: list[str]) -> None:
        import csv

        self._fh = path.open("w", newline="", encoding="utf-8") if path is not None else None
        self._csv = csv.writer(self._fh) if self._fh is not None else None
        self._width = len(header)
        if self._csv is not None:
            self._csv.writerow([*header, "line", "field", "code", "reason"])

    def add(self, values: list[str], reject: layout.PaymentReject) -> None:
        if self._csv is not None:
            cells = (values + [""] * self._width)[: self._width]
            self._csv.writerow([*cells, reject.line, reject.field, reject.code, reject.reason])

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def _post_batch(
    rows: list[layout.PaymentRow],
    report: PostingReport,
    file_id: int,
    *,
    actor: Actor,
    now: datetime,
    today: date,
) -> None:
    with transaction.atomic():
        known = set(
            Payment.objects.filter(reference__any_of=[r.reference for r in rows]).values_list(
                "reference", flat=True
            )
        )
        fresh = [r for r in rows if r.reference not in known]
        report.duplicates += len(rows) - len(fresh)
        if not fresh:
            return
        matches = match_accounts(fresh)
        post_receipts(
            [(_receipt(row), *matches[row.line]) for row in fresh],
            report, file_id, actor=actor, now=now, today=today,
        )  # fmt: skip


def post_receipts(
    items: Sequence[tuple[Receipt, int | None, str]],
    report: PostingReport,
    file_id: int | None,
    *,
    actor: Actor,
    now: datetime,
    today: date,
) -> list[int]:
    """Record new payments (receipt, matched account or None, why none) inside the caller's
    transaction; returns the payments' ids in order. References must not be recorded yet."""
    poster = _Poster(actor=actor, now=now, today=today)
    books = poster.lock(a for _, a, _ in items if a is not None)
    payment_ids = poster.payment_writer.reserve_ids(len(items))
    work: list[tuple[Receipt, int, _Book | None, str, PaymentPlan | None]] = []
    needed = 0
    for (receipt, account_id, reason), payment_id in zip(items, payment_ids, strict=True):
        book = books.get(account_id) if account_id is not None else None
        if account_id is not None and book is None:
            reason = UnappliedReason.NO_MATCH
        plan = None
        if book is not None:
            reason = poster.refusal(book, receipt)
            if not reason:
                plan = poster.plan(book, receipt)
                if plan is None:
                    reason = UnappliedReason.NOTHING_OWED
                else:
                    poster.advance(book, plan, receipt.received_on)
                    needed += poster.entries_needed(plan)
        work.append((receipt, payment_id, book, reason, plan))
    entry_ids = iter(poster.entry_writer.reserve_ids(needed))
    payment_rows = []
    entries: list[tuple[object, ...]] = []
    for receipt, payment_id, book, reason, plan in work:
        if book is not None and plan is not None:
            poster.entry_rows(book, plan, receipt, payment_id, entry_ids, entries)
            leftover = plan.unapplied_minor
            reason = UnappliedReason.OVERPAID if leftover else ""
            applied = plan.applied_minor
            report.posted += 1
        else:
            leftover, applied = receipt.amount_minor, 0
        if book is not None:
            report.matched += 1
        report.applied_minor += applied
        if leftover:
            report.unapplied += 1
            report.unapplied_minor += leftover
        payment_rows.append(_payment_row(
            poster, payment_id, receipt, book.id if book is not None else None, applied,
            leftover, reason, file_id,
        ))  # fmt: skip
    poster.payment_writer.write(payment_rows)
    poster.entry_writer.write(entries)
    poster.save_books(books.values())
    accounts_reroute(list(books), as_of=today, now=now)
    return payment_ids


def _receipt(row: layout.PaymentRow) -> Receipt:
    return Receipt(
        reference=row.reference, amount_minor=row.amount_minor, received_on=row.received_on,
        method=row.method, account_hint=row.account, client_hint=row.client,
        payer_name=row.payer_name, memo=row.memo, consumer_directed=row.consumer_directed,
        line=row.line,
    )  # fmt: skip


def match_accounts(rows: Sequence[layout.PaymentRow]) -> dict[int, tuple[int | None, str]]:
    """Each row's account (by line), or None with the reason it has none.

    The account column is read first as the client's reference (within the named client, or
    across all clients, where more than one match is ambiguous), then as an Arrears account
    number (``123`` or ``#123``).
    """
    clients = dict(Client.objects.values_list("code", "pk"))
    result: dict[int, tuple[int | None, str]] = {}
    by_ref: dict[tuple[int | None, str], list[int]] = {}
    wanted: dict[int | None, set[str]] = {}
    for row in rows:
        if not row.account:
            result[row.line] = (None, UnappliedReason.NO_MATCH)
            continue
        client_id = clients.get(row.client) if row.client else None
        if row.client and client_id is None:
            result[row.line] = (None, UnappliedReason.NO_MATCH)
            continue
        wanted.setdefault(client_id, set()).add(row.account)
    for client_id, refs in wanted.items():
        scope = [client_id] if client_id is not None else list(clients.values())
        found = Account.objects.filter(
            client_id__any_of=scope, client_ref__any_of=list(refs)
        ).values_list("client_ref", "pk")
        for ref, pk in found:
            by_ref.setdefault((client_id, ref), []).append(pk)
    numbers = {
        number
        for row in rows
        if row.line not in result and (number := layout.account_number(row.account)) is not None
    }
    by_number = dict(
        Account.objects.filter(pk__any_of=list(numbers)).values_list("pk", "client_id")
        if numbers
        else []
    )
    for row in rows:
        if row.line in result:
            continue
        client_id = clients.get(row.client) if row.client else None
        hits = by_ref.get((client_id, row.account), [])
        if len(hits) == 1:
            result[row.line] = (hits[0], "")
            continue
        if len(hits) > 1:
            result[row.line] = (None, UnappliedReason.AMBIGUOUS)
            continue
        number = layout.account_number(row.account)
        if (
            number is not None
            and number in by_number
            and (client_id is None or by_number[number] == client_id)
        ):
            result[row.line] = (number, "")
        else:
            result[row.line] = (None, UnappliedReason.NO_MATCH)
    return result


__all__ = [
    "Applied",
    "PaymentRefused",
    "PostingReport",
    "Receipt",
    "UnreadablePaymentFile",
    "match_accounts",
    "payment_post",
    "payments_post_file",
]
