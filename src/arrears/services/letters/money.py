"""Letters about money: payment confirmations, the notice before each post-dated debit, notices
of returned payments, and the confirmations of plans and settlements.

Each letter is about one thing, its subject: a payment, a scheduled debit, or a plan or
settlement that the caller names (``arrangement:17``, say). The rules are asked first, as for
any letter: ``evaluate`` on the letter channel with the purpose ``TRANSACTIONAL``, which every
hold, halt, opt-out and cap in the packs judges as it judges collection (a cease, a bankruptcy
stay, a dispute or an attorney stops these letters too). A refusal is kept on the letter's row
with every reason, and nothing is rendered or sent; asking again once the rules allow sends it.
An allowed letter is built from the book, rendered (HTML and PDF through the letters port), kept
in the document store and recorded with its letter attempt in one transaction. A subject gets
one letter: asking again returns the letter already sent and sends nothing.

``pre_debit_notices_send`` is the daily batch: every scheduled debit whose notice window
(between 3 and 10 business days before the debit, 15 U.S.C. 1692f(2)) contains the day gets its
notice, once. Re-running it for the same day sends nothing new, and a run stopped part-way
resumes where it stopped. Debits already too close to notice in time are reported, not sent.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from arrears.core.compliance import (
    Channel,
    CollectorKind,
    ContactRequest,
    ContactSnapshot,
    Decision,
    Purpose,
    evaluate,
)
from arrears.core.compliance.validation import Party, mask_account_number
from arrears.core.formats.ach_returns import return_reason
from arrears.core.letters import (
    Applied,
    BrokenNotice,
    LetterHead,
    MoneyLetterError,
    PaymentConfirmation,
    PlanConfirmation,
    PreDebitNotice,
    ReturnedPaymentNotice,
    SettlementConfirmation,
    last_business_day_before,
    plan_confirmation,
    pre_debit_debit_window,
    settlement_confirmation,
)
from arrears.core.money import Money
from arrears.core.ports import DocumentStore, LetterRenderer
from arrears.core.time import next_settlement_day
from arrears.data.accounts.models import Account
from arrears.data.contacts.models import MoneyLetter, MoneyLetterKind, MoneyLetterStatus
from arrears.data.ledger.models import Entry, EntryKind
from arrears.data.payments.models import (
    Payment,
    PaymentMethod,
    ScheduledPayment,
    ScheduledStatus,
    UnappliedReason,
)
from arrears.services.common import (
    Actor,
    NotFound,
    ServiceError,
    audit_record,
    document_store,
    letter_renderer,
)
from arrears.services.compliance.notices import POSTING_TIME, POSTING_ZONE, mailing_address
from arrears.services.compliance.operations import ContactBlocked, contact_attempt_record
from arrears.services.compliance.snapshots import contact_snapshot, packs_in_force

Letter = (
    PaymentConfirmation
    | PreDebitNotice
    | ReturnedPaymentNotice
    | PlanConfirmation
    | SettlementConfirmation
    | BrokenNotice
)

# The letters' own wording meets this rule (the debt-collector line at their foot); any other
# wording the rules in force require (a state's time-barred notice) is printed as they give it.
MET_BY_LAYOUT = frozenset({"regf.debt-collector-disclosure"})
# How a payment is shown as applied, in the order the letter lists the buckets.
BUCKETS = (("fees", "Fees"), ("costs", "Costs"), ("interest", "Interest"),
           ("principal", "Principal"))  # fmt: skip
# Why part of a payment is held, in words for the consumer.
HELD_WORDS: dict[str, str] = {
    UnappliedReason.DISPUTED: "the debt is disputed; we will apply it once the dispute is "
    "answered, or now if you tell us to",
    UnappliedReason.OVERPAID: "it is more than the balance; we will contact you about it",
    UnappliedReason.NOTHING_OWED: "nothing was owed; we will contact you about it",
    UnappliedReason.CLOSED: "the account is closed; we will contact you about it",
}
# Return codes whose stock description speaks of "the consumer": said to the consumer instead.
RETURN_WORDS = {
    "NSF": "insufficient funds",
    "R07": "you revoked your authorization",
    "R08": "the payment was stopped",
    "R10": "you told your bank the debit was not authorized",
    "R11": "your bank says the debit did not follow your authorization",
}
# Payments that can still come back after we receive them.
RETURNABLE = frozenset({PaymentMethod.CHECK, PaymentMethod.ACH})
MAX_SUBJECT = 80
SOURCE = "letters"


class LetterRefused(ServiceError):
    """The letter cannot be built as asked: the message says why."""

    code = "refused"


class NoMailingAddress(LetterRefused):
    code = "no_mailing_address"


@dataclass(frozen=True)
class LetterOutcome:
    """What asking for a letter came to: sent now, sent before (``created`` False), or blocked
    by the rules (``sent`` False, with the rules that blocked it)."""

    kind: str
    subject: str
    letter_id: int
    sent: bool
    created: bool
    reference: str = ""
    html_key: str = ""
    pdf_key: str = ""
    blocked_by: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "subject": self.subject, "letter": self.letter_id,
            "sent": self.sent, "created": self.created, "reference": self.reference,
            "html_key": self.html_key, "pdf_key": self.pdf_key,
            "blocked_by": list(self.blocked_by),
        }  # fmt: skip


@dataclass(frozen=True)
class _Job:
    """One letter to send: what it is about and how to build and render it."""

    kind: MoneyLetterKind
    subject: str
    account: Account
    reference: str
    sent_on: date
    at: datetime  # the moment the rules judge and the attempt records
    build: Callable[[LetterHead, ContactSnapshot], Letter]
    render: Callable[[LetterRenderer, Any], str]
    payment_id: int | None = None
    scheduled_id: int | None = None
    # A letter about money the consumer paid or agreed is transactional; one that asks for
    # payment (the notice of a broken arrangement) is a collection letter.
    purpose: Purpose = Purpose.TRANSACTIONAL


def _outcome(row: MoneyLetter, *, created: bool) -> LetterOutcome:
    blocked = tuple(r["rule"] for r in row.reasons if r.get("verdict") == "block")
    return LetterOutcome(
        kind=row.kind, subject=row.subject, letter_id=row.pk,
        sent=row.status == MoneyLetterStatus.SENT, created=created, reference=row.reference,
        html_key=row.html_key, pdf_key=row.pdf_key,
        blocked_by=() if row.status == MoneyLetterStatus.SENT else blocked,
    )  # fmt: skip


def _head(job: _Job) -> LetterHead:
    """Who writes to whom about which account; the rules' extra wording is added later."""
    return letter_head(job.account, reference=job.reference, sent_on=job.sent_on)


def letter_head(account: Account, *, reference: str, sent_on: date) -> LetterHead:
    """The head of any letter we send about an account: our (or the creditor's) name and
    address, the consumer's mailing address in use on the day, the account's numbers."""
    address = mailing_address(account.pk, sent_on)
    if address is None:
        raise NoMailingAddress("the consumer has no mailing address", field="account_id")
    name, lines = address
    client = account.client
    collector: dict[str, Any] = settings.ARREARS_COLLECTOR
    # A creditor collecting its own accounts writes in its own name, from our address.
    sender = client.name if client.kind == "first_party" else str(collector["name"])
    return LetterHead(
        reference=reference, sent_on=sent_on,
        collector=Party(sender, tuple(str(line) for line in collector["address_lines"])),
        collector_phone=str(collector["phone"]), collector_hours=str(collector["hours"]),
        collector_website=str(collector["website"]), consumer=Party(name, lines),
        account_number=str(account.pk), creditor=client.name,
        collector_kind=CollectorKind(client.kind),
        original_creditor=account.original_creditor,
        original_account_masked=mask_account_number(account.original_account_number),
    )  # fmt: skip


def _amount_minor(letter: Letter) -> int:
    """The letter's main amount: paid, debited, returned, agreed."""
    if isinstance(letter, PlanConfirmation):
        return letter.total.minor
    return letter.amount.minor


def _deliver(
    job: _Job,
    *,
    actor: Actor,
    now: datetime,
    store: DocumentStore | None = None,
    renderer: LetterRenderer | None = None,
    out_dir: Path | None = None,
) -> LetterOutcome:
    """Send the letter unless it was sent: built and checked first (bad values are refused
    whatever the rules say), then judged, then rendered, stored and recorded. Without a store
    or renderer, those the settings name."""
    store = store or document_store()
    renderer = renderer or letter_renderer()
    sent = MoneyLetter.objects.filter(
        kind=job.kind, subject=job.subject, status=MoneyLetterStatus.SENT
    ).first()
    if sent is not None:
        return _outcome(sent, created=False)
    snap = contact_snapshot(job.account.pk, at=job.at)
    assert snap is not None
    try:
        letter = job.build(_head(job), snap)
    except MoneyLetterError as exc:
        raise LetterRefused(str(exc)) from exc
    decision = evaluate(
        packs_in_force(), snap,
        ContactRequest(channel=Channel.LETTER, at=job.at, purpose=job.purpose),
    )  # fmt: skip
    amount = _amount_minor(letter)
    if not decision.allowed:
        row = _record_blocked(job, decision, amount_minor=amount, actor=actor, now=now)
        return _outcome(row, created=False)
    extra = tuple(r.message for r in decision.requirements if r.rule_id not in MET_BY_LAYOUT)
    if extra:
        letter = replace(letter, head=replace(letter.head, disclosures=extra))
    html = job.render(renderer, letter)
    pdf = renderer.pdf(html)
    folder = f"accounts/{job.account.pk}/letters"
    html_key, pdf_key = f"{folder}/{job.reference}.html", f"{folder}/{job.reference}.pdf"
    store.put(html_key, html.encode("utf-8"))
    store.put(pdf_key, pdf)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{job.reference}.html").write_text(html, encoding="utf-8")
        (out_dir / f"{job.reference}.pdf").write_bytes(pdf)
    try:
        row, created = _record_sent(job, decision, amount_minor=amount, html_key=html_key,
                                    pdf_key=pdf_key, actor=actor, now=now)  # fmt: skip
    except ContactBlocked as exc:  # the rules changed between asking and recording
        row = _record_blocked(job, exc.decision, amount_minor=amount, actor=actor, now=now)
        return _outcome(row, created=False)
    return _outcome(row, created=created)


def _record_sent(
    job: _Job, decision: Decision, *, amount_minor: int, html_key: str, pdf_key: str,
    actor: Actor, now: datetime,
) -> tuple[MoneyLetter, bool]:  # fmt: skip
    """Record the letter and its attempt; (the row, False) when another run got there first."""
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=job.account.pk)
        row = MoneyLetter.objects.filter(kind=job.kind, subject=job.subject).first()
        if row is not None and row.status == MoneyLetterStatus.SENT:
            return row, False
        attempt = contact_attempt_record(
            account_id=job.account.pk, channel="letter", direction="outbound", outcome="sent",
            at=job.at, actor=actor, now=max(now, job.at), purpose=job.purpose.value,
            source=SOURCE, key=f"letter:{job.reference}",
        ).attempt  # fmt: skip
        values: dict[str, Any] = {
            "account_id": job.account.pk, "payment_id": job.payment_id,
            "scheduled_id": job.scheduled_id, "status": MoneyLetterStatus.SENT,
            "reference": job.reference, "sent_on": job.sent_on,
            "currency": job.account.currency, "amount_minor": amount_minor,
            "html_key": html_key, "pdf_key": pdf_key, "pack_version": decision.pack_version,
            "reasons": [], "attempt": attempt, "updated_at": now,
        }  # fmt: skip
        if row is None:
            row = MoneyLetter.objects.create(
                kind=job.kind, subject=job.subject, created_at=now, **values
            )
        else:  # it was blocked before; the rules allow it now
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
        audit_record(
            actor=actor, event=f"letter.{job.kind}_sent", account_id=job.account.pk, at=now,
            details={"reference": job.reference, "subject": job.subject,
                     "amount_minor": amount_minor, "sent_on": job.sent_on.isoformat()},
        )  # fmt: skip
        return row, True


def _record_blocked(
    job: _Job, decision: Decision, *, amount_minor: int, actor: Actor, now: datetime
) -> MoneyLetter:
    """Keep the refusal with every reason; audited when new or when other rules now block."""
    rules = [r.rule_id for r in decision.blocks]
    reasons = [r.as_dict() for r in decision.reasons]
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=job.account.pk)
        row = MoneyLetter.objects.filter(kind=job.kind, subject=job.subject).first()
        if row is not None and row.status == MoneyLetterStatus.SENT:
            return row
        before = None if row is None else [r["rule"] for r in row.reasons
                                           if r.get("verdict") == "block"]  # fmt: skip
        if row is None:
            row = MoneyLetter.objects.create(
                kind=job.kind, subject=job.subject, account_id=job.account.pk,
                payment_id=job.payment_id, scheduled_id=job.scheduled_id,
                status=MoneyLetterStatus.BLOCKED, currency=job.account.currency,
                amount_minor=amount_minor, pack_version=decision.pack_version,
                reasons=reasons, created_at=now, updated_at=now,
            )  # fmt: skip
        else:
            row.reasons = reasons
            row.pack_version = decision.pack_version
            row.updated_at = now
            row.save(update_fields=["reasons", "pack_version", "updated_at"])
        if before != rules:
            audit_record(
                actor=actor, event="letter.blocked", account_id=job.account.pk, at=now,
                details={"kind": job.kind, "subject": job.subject, "rules": rules,
                         "pack_version": decision.pack_version},
            )  # fmt: skip
        return row


def _sent_on(now: datetime) -> date:
    """The day a letter asked for now is dated (New York, where letters are posted)."""
    return now.astimezone(POSTING_ZONE).date()


def _ledger(account: Account) -> list[Entry]:
    return list(Entry.objects.filter(account=account).order_by("id"))


def _balance_through(entries: Sequence[Entry], last_id: int | None) -> int:
    """The balance after entry ``last_id`` (after every entry when None)."""
    return sum(e.total_minor for e in entries if last_id is None or e.pk <= last_id)


def _payment(payment_id: int) -> tuple[Payment, Account]:
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(f"no payment {payment_id}", field="payment_id")
    if payment.account_id is None:
        raise LetterRefused(
            f"payment {payment.reference} is not on an account yet", field="payment_id"
        )
    account = Account.objects.select_related("client").get(pk=payment.account_id)
    return payment, account


# --- payment confirmation -------------------------------------------------------------------------


def payment_confirmation_send(
    *,
    payment_id: int,
    actor: Actor,
    now: datetime,
    store: DocumentStore | None = None,
    renderer: LetterRenderer | None = None,
) -> LetterOutcome:
    """Confirm a payment received: the amount, the day, how, what it paid by bucket, and the
    balance just after it. Once per payment; refused for a payment already returned."""
    payment, account = _payment(payment_id)
    if payment.returned_on is not None:
        raise LetterRefused(
            f"payment {payment.reference} came back on {payment.returned_on.isoformat()}: "
            "send the returned-payment notice instead",
            field="payment_id",
        )
    cur = payment.currency
    entries = _ledger(account)
    mine = [e for e in entries if e.payment_id == payment.pk and e.kind == EntryKind.PAYMENT]
    applied = tuple(
        Applied(label, Money.from_minor(paid, cur))
        for bucket, label in BUCKETS
        if (paid := -sum(getattr(e, f"{bucket}_minor") for e in mine)) > 0
    )
    held = payment.unapplied_minor
    if sum(a.amount.minor for a in applied) + held != payment.amount_minor:
        applied, held = (), 0  # part was refunded or moved since: no breakdown to show
    balance_after = _balance_through(entries, max((e.pk for e in mine), default=None))
    held_words = HELD_WORDS.get(payment.unapplied_reason, "we are checking where to apply it")

    def build(head: LetterHead, snap: ContactSnapshot) -> Letter:
        return PaymentConfirmation(
            head=head, amount=Money.from_minor(payment.amount_minor, cur),
            received_on=payment.received_on, method=payment.get_method_display(),
            payment_reference=payment.reference,
            balance_after=Money.from_minor(balance_after, cur), applied=applied,
            unapplied=Money.from_minor(held, cur) if held else None,
            unapplied_reason=held_words,
            may_be_returned=payment.method in RETURNABLE,
        )  # fmt: skip

    return _deliver(
        _Job(kind=MoneyLetterKind.PAYMENT_CONFIRMATION, subject=f"payment:{payment.pk}",
             account=account, reference=f"PC-{payment.pk}", sent_on=_sent_on(now), at=now,
             build=build,
             render=lambda r, letter: r.payment_confirmation_html(letter),
             payment_id=payment.pk),
        actor=actor, now=now, store=store, renderer=renderer,
    )  # fmt: skip


# --- returned payment -----------------------------------------------------------------------------


def return_words(code: str) -> str:
    """Why a payment came back, in words for the consumer, with the bank's code."""
    code = code.strip().upper()
    words = RETURN_WORDS.get(code) or return_reason(code).description
    return words if code == "NSF" else f"{words} ({code})"


def returned_payment_notice_send(
    *,
    payment_id: int,
    actor: Actor,
    now: datetime,
    store: DocumentStore | None = None,
    renderer: LetterRenderer | None = None,
) -> LetterOutcome:
    """Tell the consumer a payment came back: when and why, what was added back, the fee
    charged (if any), whether the debit is presented again, and the balance now."""
    payment, account = _payment(payment_id)
    returned_on = payment.returned_on
    if returned_on is None:
        raise LetterRefused(f"payment {payment.reference} has not come back", field="payment_id")
    cur = payment.currency
    entries = _ledger(account)
    mine = [e for e in entries if e.payment_id == payment.pk]
    added_back = sum(e.total_minor for e in mine if e.kind == EntryKind.PAYMENT_REVERSAL)
    fee = sum(e.total_minor for e in mine if e.kind == EntryKind.FEE)
    balance_now = _balance_through(entries, max((e.pk for e in mine), default=None))
    retry_on: date | None = None
    ended = False
    debit = ScheduledPayment.objects.select_related("authorization").filter(payment=payment).first()
    if debit is not None:
        ended = debit.authorization.revoked_at is not None
        retry = ScheduledPayment.objects.filter(
            retry_of_id=debit.retry_of_id or debit.pk, attempt=debit.attempt + 1,
            status=ScheduledStatus.SCHEDULED,
        ).first()  # fmt: skip
        if retry is not None and not ended:
            retry_on = next_settlement_day(retry.due_on)

    def build(head: LetterHead, snap: ContactSnapshot) -> Letter:
        return ReturnedPaymentNotice(
            head=head, amount=Money.from_minor(payment.amount_minor, cur),
            method=payment.get_method_display(), received_on=payment.received_on,
            returned_on=returned_on, reason=return_words(payment.return_code or "other"),
            added_back=Money.from_minor(added_back, cur), fee=Money.from_minor(fee, cur),
            balance_now=Money.from_minor(balance_now, cur), retry_on=retry_on,
            authorization_ended=ended,
        )  # fmt: skip

    return _deliver(
        _Job(kind=MoneyLetterKind.RETURNED_PAYMENT, subject=f"payment:{payment.pk}",
             account=account, reference=f"RP-{payment.pk}", sent_on=_sent_on(now), at=now,
             build=build,
             render=lambda r, letter: r.returned_payment_notice_html(letter),
             payment_id=payment.pk),
        actor=actor, now=now, store=store, renderer=renderer,
    )  # fmt: skip


# --- plan and settlement confirmations ------------------------------------------------------------


def _subject(subject: str) -> str:
    subject = subject.strip()
    if not subject or len(subject) > MAX_SUBJECT:
        raise LetterRefused(
            f"the subject names what the letter confirms in 1 to {MAX_SUBJECT} characters",
            field="subject",
        )
    return subject


def _rows(instalments: Iterable[tuple[date, int]]) -> list[tuple[date, int]]:
    try:
        return list(instalments)
    except TypeError as exc:
        raise LetterRefused(
            "instalments are (due_on, amount_minor) pairs", field="instalments"
        ) from exc


def _arrangement_account(account_id: int) -> Account:
    account = Account.objects.select_related("client").filter(pk=account_id).first()
    if account is None:
        raise NotFound(f"no account {account_id}", field="account_id")
    return account


def _reference(prefix: str, account_id: int, subject: str) -> str:
    digest = hashlib.sha256(subject.encode("utf-8")).hexdigest()[:8].upper()
    return f"{prefix}-{account_id}-{digest}"


def plan_confirmation_document(
    *,
    account_id: int,
    subject: str,
    agreed_on: date,
    frequency: str,
    instalments: Iterable[tuple[date, int]],
    balance_minor: int,
    actor: Actor,
    now: datetime,
    grace_days: int = 0,
    payment_method: str = "",
    store: DocumentStore | None = None,
    renderer: LetterRenderer | None = None,
) -> LetterOutcome:
    """Confirm a payment plan in writing: ``instalments`` are (due_on, amount_minor) pairs,
    ``subject`` the caller's key for the plan (``arrangement:17``; a new key for an amended
    plan). Once per subject; the outcome names the stored documents, or the rules that
    blocked the letter. Bad values are refused (LetterRefused) with what is wrong."""
    subject = _subject(subject)
    account = _arrangement_account(account_id)
    rows = _rows(instalments)

    def build(head: LetterHead, snap: ContactSnapshot) -> Letter:
        return plan_confirmation(
            head=head, agreed_on=agreed_on, frequency=frequency, instalments=rows,
            balance_minor=balance_minor, currency=account.currency, grace_days=grace_days,
            payment_method=payment_method,
            validation_period_ends_on=snap.validation.period_ends_on,
        )  # fmt: skip

    return _deliver(
        _Job(kind=MoneyLetterKind.PLAN_CONFIRMATION, subject=subject, account=account,
             reference=_reference("PL", account.pk, subject), sent_on=_sent_on(now), at=now,
             build=build,
             render=lambda r, letter: r.plan_confirmation_html(letter)),
        actor=actor, now=now, store=store, renderer=renderer,
    )  # fmt: skip


def settlement_confirmation_document(
    *,
    account_id: int,
    subject: str,
    agreed_on: date,
    balance_minor: int,
    amount_minor: int,
    instalments: Iterable[tuple[date, int]],
    actor: Actor,
    now: datetime,
    grace_days: int = 0,
    payment_method: str = "",
    store: DocumentStore | None = None,
    renderer: LetterRenderer | None = None,
) -> LetterOutcome:
    """Confirm a settlement in writing: ``amount_minor`` accepted for ``balance_minor``, paid
    by ``instalments`` ((due_on, amount_minor) pairs; one pair for a lump sum). Once per
    ``subject``, as for a plan."""
    subject = _subject(subject)
    account = _arrangement_account(account_id)
    rows = _rows(instalments)

    def build(head: LetterHead, snap: ContactSnapshot) -> Letter:
        return settlement_confirmation(
            head=head, agreed_on=agreed_on, balance_minor=balance_minor,
            amount_minor=amount_minor, instalments=rows, currency=account.currency,
            grace_days=grace_days, payment_method=payment_method,
            validation_period_ends_on=snap.validation.period_ends_on,
        )  # fmt: skip

    return _deliver(
        _Job(kind=MoneyLetterKind.SETTLEMENT_CONFIRMATION, subject=subject, account=account,
             reference=_reference("ST", account.pk, subject), sent_on=_sent_on(now), at=now,
             build=build,
             render=lambda r, letter: r.settlement_confirmation_html(letter)),
        actor=actor, now=now, store=store, renderer=renderer,
    )  # fmt: skip


# --- notices before post-dated debits -------------------------------------------------------------


@dataclass
class PreDebitReport:
    as_of: date
    debits_from: date  # the first debit day a notice sent today may announce
    debits_to: date  # the last
    candidates: int = 0
    sent: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    references: list[str] = field(default_factory=list)
    too_late: list[int] = field(default_factory=list)  # debits too close to give notice now
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(), "debits_from": self.debits_from.isoformat(),
            "debits_to": self.debits_to.isoformat(), "candidates": self.candidates,
            "sent": self.sent, "skipped": dict(sorted(self.skipped.items())),
            "references": self.references, "too_late": self.too_late,
            "problems": self.problems,
        }  # fmt: skip


# A debit is made on its due day or the next settlement day; a due day this many days before
# the first debit day of the window can still be debited inside it (a long weekend).
_SETTLEMENT_SLACK = timedelta(days=7)


def _unnoticed(due_from: date, due_before: date) -> list[ScheduledPayment]:
    noticed = MoneyLetter.objects.filter(
        scheduled=OuterRef("pk"), kind=MoneyLetterKind.PRE_DEBIT_NOTICE,
        status=MoneyLetterStatus.SENT,
    )  # fmt: skip
    return list(
        ScheduledPayment.objects.filter(
            status=ScheduledStatus.SCHEDULED, due_on__gte=due_from, due_on__lt=due_before
        )
        .exclude(Exists(noticed))
        # A settlement waiting for approval is not collected, so its debits are not announced.
        .exclude(instalment__arrangement__status="pending")
        .order_by("due_on", "id")
    )


def scheduled_debits_needing_notice(*, as_of: date) -> list[tuple[int, date]]:
    """The scheduled debits (id, debit day) whose notice window contains ``as_of`` and that
    have had no notice, by debit day."""
    window = pre_debit_debit_window(as_of)
    assert window.end is not None
    due = _unnoticed(window.start - _SETTLEMENT_SLACK, window.end)
    found = [(s.pk, next_settlement_day(s.due_on)) for s in due]
    return [(pk, debit_on) for pk, debit_on in found if window.contains(debit_on)]


def pre_debit_notices_send(
    *,
    as_of: date,
    actor: Actor,
    now: datetime,
    out_dir: Path | None = None,
    store: DocumentStore | None = None,
    renderer: LetterRenderer | None = None,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PreDebitReport:
    """Send the notice of every scheduled debit whose window contains ``as_of`` (see the
    module docstring); with ``limit``, that many at most (the rest stay due)."""
    store = store or document_store()
    renderer = renderer or letter_renderer()
    window = pre_debit_debit_window(as_of)
    assert window.end is not None
    report = PreDebitReport(as_of=as_of, debits_from=window.start,
                            debits_to=window.end - timedelta(days=1))  # fmt: skip
    report.too_late = [
        s.pk for s in _unnoticed(as_of - _SETTLEMENT_SLACK, window.start)
        if as_of <= next_settlement_day(s.due_on) < window.start
    ]  # fmt: skip
    due = scheduled_debits_needing_notice(as_of=as_of)
    report.candidates = len(due)
    if limit is not None:
        due = due[:limit]
    posted_at = datetime.combine(as_of, POSTING_TIME, tzinfo=POSTING_ZONE)
    for done, (scheduled_id, debit_on) in enumerate(due, start=1):
        try:
            outcome = _pre_debit_notice(scheduled_id, debit_on, as_of=as_of, at=posted_at,
                                        actor=actor, now=now, store=store, renderer=renderer,
                                        out_dir=out_dir)  # fmt: skip
        except NoMailingAddress:
            report.skipped["no_mailing_address"] += 1
        except LetterRefused as exc:
            report.skipped["refused"] += 1
            report.problems.append({"scheduled": scheduled_id, "reason": exc.message})
        else:
            if outcome.sent and outcome.created:
                report.sent += 1
                report.references.append(outcome.reference)
            elif not outcome.sent:
                report.skipped["blocked:" + ",".join(outcome.blocked_by)] += 1
        if progress is not None:
            progress(done, len(due))
    return report


def _pre_debit_notice(
    scheduled_id: int, debit_on: date, *, as_of: date, at: datetime, actor: Actor,
    now: datetime, store: DocumentStore, renderer: LetterRenderer, out_dir: Path | None,
) -> LetterOutcome:  # fmt: skip
    debit = ScheduledPayment.objects.select_related(
        "authorization__bank_account", "account__client"
    ).get(pk=scheduled_id)
    account = debit.account
    bank = debit.authorization.bank_account
    fee = account.client.returned_payment_fee_minor
    cur = account.currency

    def build(head: LetterHead, snap: ContactSnapshot) -> Letter:
        return PreDebitNotice(
            head=head, amount=Money.from_minor(debit.amount_minor, cur),
            scheduled_for=debit.due_on, debit_on=debit_on,
            bank_account=f"{bank.account_type} account ending in {bank.account_last4}",
            cancel_by=last_business_day_before(debit_on),
            recurring=debit.authorization.recurring,
            returned_fee=Money.from_minor(fee, cur) if fee else None,
        )  # fmt: skip

    return _deliver(
        _Job(kind=MoneyLetterKind.PRE_DEBIT_NOTICE, subject=f"scheduled:{debit.pk}",
             account=account, reference=f"PD-{debit.pk}", sent_on=as_of, at=at,
             build=build,
             render=lambda r, letter: r.pre_debit_notice_html(letter),
             scheduled_id=debit.pk),
        actor=actor, now=now, store=store, renderer=renderer, out_dir=out_dir,
    )  # fmt: skip
