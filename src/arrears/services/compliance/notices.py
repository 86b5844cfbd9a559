"""Validation notices (12 CFR 1006.34): produced once per debt, re-sent after returned mail.

``validation_notices_send`` finds the accounts that need a notice on a day (collected by an
agency or a debt buyer, money owed, a mailing address, and no notice standing: never sent, or
the last one returned undeliverable), asks the rules whether a validation-notice letter may go
(a bankruptcy stay, say, stops it), and for each one builds the notice from the book, renders it
(HTML and PDF through the letters port), keeps both in the document store and, when asked, in an
output folder for the print vendor, and records it with its letter attempt in one transaction.

Re-running for the same day changes nothing: an account with a standing notice is not a
candidate, and a file written before a crash is simply written again under the same name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from arrears.core.compliance import Channel, ContactRequest, Decision, Purpose, evaluate
from arrears.core.compliance import validation as core_validation
from arrears.core.money import Money
from arrears.core.ports import DocumentStore, LetterRenderer
from arrears.data.accounts.models import Account, AccountParty, AccountStatus
from arrears.data.contacts.models import NoticeStatus, ValidationNotice
from arrears.data.ledger.models import Entry
from arrears.data.parties.models import ContactPoint, ContactStatus, Party
from arrears.services.accounts.queries import itemize
from arrears.services.common import Actor, NotFound, ServiceError, audit_record
from arrears.services.compliance.operations import contact_attempt_record, contactability_refresh
from arrears.services.compliance.snapshots import contact_snapshot, packs_in_force
from arrears.services.strategies.routing import accounts_reroute

# Debt collectors send validation notices; a creditor collecting its own debts does not.
COLLECTOR_KINDS = ("agency", "debt_buyer")
# Letters are judged as if posted at 09:00 in New York on the send date.
POSTING_TIME = time(9, 0)
POSTING_ZONE = ZoneInfo("America/New_York")


@dataclass
class NoticesReport:
    as_of: date
    candidates: int = 0
    sent: int = 0
    resent: int = 0  # of which replace a returned notice
    skipped: Counter[str] = field(default_factory=Counter)
    references: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "candidates": self.candidates,
            "sent": self.sent,
            "resent": self.resent,
            "skipped": dict(sorted(self.skipped.items())),
            "references": self.references,
        }


def accounts_needing_notice(*, as_of: date) -> list[int]:
    """Accounts of agencies and debt buyers being collected (active, or under an arrangement
    agreed before the notice went out: the consumer is owed it all the same) with money owed
    and no notice standing."""
    standing = ValidationNotice.objects.filter(account=OuterRef("pk"), status=NoticeStatus.SENT)
    return list(
        Account.objects.filter(
            status__in=(AccountStatus.ACTIVE, AccountStatus.ARRANGEMENT),
            client__kind__in=COLLECTOR_KINDS, balance_minor__gt=0,
            placed_on__lte=as_of,
        )
        .exclude(Exists(standing))
        .order_by("id")
        .values_list("id", flat=True)
    )  # fmt: skip


def consumer_point(account_id: int, kind: str, as_of: date) -> tuple[Party, ContactPoint] | None:
    """The primary consumer and their contact point of a kind in use on a day (known bad and
    ended points left out; the latest first); None without one."""
    link = (
        AccountParty.objects.filter(account_id=account_id, role="primary")
        .select_related("party")
        .first()
    )
    if link is None:
        return None
    points = ContactPoint.objects.filter(party=link.party, kind=kind, valid_from__lte=as_of)
    if kind == "phone":
        points = points.filter(phone_type="mobile")
    point = (
        points.exclude(status=ContactStatus.BAD)
        .exclude(valid_to__lte=as_of)
        .order_by("-valid_from", "-id")
        .first()
    )
    return None if point is None else (link.party, point)


def address_lines(point: ContactPoint) -> tuple[str, ...]:
    zip_code = f"{point.zip[:5]}-{point.zip[5:]}" if len(point.zip) == 9 else point.zip
    lines = [point.address1, point.address2, f"{point.city}, {point.state} {zip_code}"]
    return tuple(line for line in lines if line.strip())


def mailing_address(account_id: int, as_of: date) -> tuple[str, tuple[str, ...]] | None:
    """The primary consumer's name and the lines of their mailing address in use on a day
    (known bad and ended addresses left out); None without one. Every letter is sent here."""
    found = consumer_point(account_id, "address", as_of)
    if found is None:
        return None
    party, point = found
    return party.display_name, address_lines(point)


def build_notice(account: Account, *, as_of: date) -> core_validation.ValidationNotice | str:
    """The notice for an account on a day, or the reason none can be built."""
    address = mailing_address(account.pk, as_of)
    if address is None:
        return "no_mailing_address"
    name, lines = address
    entries = list(Entry.objects.filter(account=account, effective_on__lte=as_of).order_by("id"))
    item = itemize(account, entries)
    cur = account.currency
    packs = packs_in_force()
    collector: dict[str, Any] = settings.ARREARS_COLLECTOR
    sent_on = as_of
    return core_validation.ValidationNotice(
        reference=f"VN-{account.pk}-{sent_on:%Y%m%d}",
        sent_on=sent_on,
        period_ends_on=core_validation.validation_period_end(
            sent_on,
            receipt_business_days=packs.constant("validation_receipt_business_days"),
            period_days=packs.constant("validation_period_days"),
        ),
        collector=core_validation.Party(
            str(collector["name"]), tuple(str(line) for line in collector["address_lines"])
        ),
        collector_phone=str(collector["phone"]),
        collector_hours=str(collector["hours"]),
        collector_website=str(collector["website"]),
        consumer=core_validation.Party(name, lines),
        creditor_on_itemization_date=account.original_creditor,
        account_number_masked=core_validation.mask_account_number(account.original_account_number),
        current_creditor=account.client.name,
        itemization=core_validation.Itemization(
            itemization_date=item.itemization_date,
            basis=item.basis,
            amount_then=Money.from_minor(item.amount_minor, cur),
            interest=Money.from_minor(item.interest_minor, cur),
            fees=Money.from_minor(item.fees_minor, cur),
            payments_credits=Money.from_minor(item.payments_credits_minor, cur),
            current=Money.from_minor(item.current_minor, cur),
        ),
    )


def validation_notices_send(
    *,
    as_of: date,
    actor: Actor,
    now: datetime,
    store: DocumentStore,
    renderer: LetterRenderer,
    out_dir: Path | None = None,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> NoticesReport:
    """Produce the validation notices due on ``as_of`` (see the module docstring); with
    ``limit``, for that many accounts at most (the rest stay due for the next run)."""
    report = NoticesReport(as_of=as_of)
    ids = accounts_needing_notice(as_of=as_of)
    report.candidates = len(ids)
    if limit is not None:
        ids = ids[:limit]
    for done, account_id in enumerate(ids, start=1):
        outcome = validation_notice_send_one(
            account_id, as_of=as_of, actor=actor, now=now, store=store, renderer=renderer,
            out_dir=out_dir,
        )  # fmt: skip
        if outcome.reference:
            report.sent += 1
            report.resent += int(outcome.replaced)
            report.references.append(outcome.reference)
        else:
            report.skipped[outcome.skipped] += 1
            continue
        if progress is not None:
            progress(done, len(ids))
    return report


@dataclass(frozen=True)
class NoticeOutcome:
    """One account's notice: sent (its reference and letter attempt), or why not."""

    reference: str = ""
    attempt_id: int | None = None
    replaced: bool = False
    skipped: str = ""  # "blocked:<rules>", "no_mailing_address", "notice_standing"
    decision: Decision | None = None


def validation_notice_send_one(
    account_id: int, *, as_of: date, actor: Actor, now: datetime, store: DocumentStore,
    renderer: LetterRenderer, out_dir: Path | None = None,
) -> NoticeOutcome:  # fmt: skip
    """Send one account's validation notice on ``as_of`` unless one stands or the rules or a
    missing address stop it; a strategy's notice step and ``validation_notices_send`` both
    come here."""
    if ValidationNotice.objects.filter(account_id=account_id, status=NoticeStatus.SENT).exists():
        return NoticeOutcome(skipped="notice_standing")
    posted_at = datetime.combine(as_of, POSTING_TIME, tzinfo=POSTING_ZONE)
    account = Account.objects.select_related("client").get(pk=account_id)
    snap = contact_snapshot(account_id, at=posted_at)
    assert snap is not None
    decision = evaluate(
        packs_in_force(), snap,
        ContactRequest(channel=Channel.LETTER, at=posted_at, purpose=Purpose.VALIDATION_NOTICE),
    )  # fmt: skip
    if not decision.allowed:
        rules = ",".join(r.rule_id for r in decision.blocks)
        return NoticeOutcome(skipped="blocked:" + rules, decision=decision)
    notice = build_notice(account, as_of=as_of)
    if isinstance(notice, str):
        return NoticeOutcome(skipped=notice, decision=decision)
    html = renderer.validation_notice_html(notice)
    pdf = renderer.pdf(html)
    folder = f"accounts/{account_id}/notices"
    html_key, pdf_key = f"{folder}/{notice.reference}.html", f"{folder}/{notice.reference}.pdf"
    store.put(html_key, html.encode("utf-8"))
    store.put(pdf_key, pdf)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{notice.reference}.html").write_text(html, encoding="utf-8")
        (out_dir / f"{notice.reference}.pdf").write_bytes(pdf)
    recorded = _record(notice, account=account, decision_version=decision.pack_version,
                       html_key=html_key, pdf_key=pdf_key, posted_at=posted_at, actor=actor,
                       now=now)  # fmt: skip
    if recorded is None:
        return NoticeOutcome(skipped="notice_standing")
    replaced, attempt_id = recorded
    return NoticeOutcome(reference=notice.reference, attempt_id=attempt_id, replaced=replaced,
                         decision=decision)  # fmt: skip


def _record(
    notice: core_validation.ValidationNotice, *, account: Account, decision_version: str,
    html_key: str, pdf_key: str, posted_at: datetime, actor: Actor, now: datetime,
) -> tuple[bool, int] | None:  # fmt: skip
    """Record the notice and its letter: (whether it replaces a returned notice, the letter
    attempt); None when another run recorded one first."""
    item = notice.itemization
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        if ValidationNotice.objects.filter(account=locked, status=NoticeStatus.SENT).exists():
            return None  # another run got there first
        returned = (
            ValidationNotice.objects.filter(account=locked, status=NoticeStatus.RETURNED)
            .filter(replaced_by__isnull=True)
            .order_by("-sent_on", "-id")
            .first()
        )
        attempt = contact_attempt_record(
            account_id=account.pk, channel="letter", direction="outbound", outcome="sent",
            at=posted_at, actor=actor, now=max(now, posted_at), purpose="validation_notice",
            source="notices", key=f"notice:{notice.reference}",
        ).attempt  # fmt: skip
        ValidationNotice.objects.create(
            account=locked, reference=notice.reference, sent_on=notice.sent_on,
            period_ends_on=notice.period_ends_on, replaces=returned, currency=item.current.currency,
            itemization_date=item.itemization_date, itemization_basis=item.basis[:30],
            amount_then_minor=item.amount_then.minor, interest_minor=item.interest.minor,
            fees_minor=item.fees.minor, payments_credits_minor=item.payments_credits.minor,
            current_minor=item.current.minor, html_key=html_key, pdf_key=pdf_key,
            pack_version=decision_version, attempt=attempt,
        )  # fmt: skip
        audit_record(
            actor=actor, event="notice.validation_sent", account_id=account.pk, at=now,
            details={"reference": notice.reference,
                     "period_ends_on": notice.period_ends_on.isoformat(),
                     "replaces": returned.reference if returned else None},
        )  # fmt: skip
        return returned is not None, attempt.pk


def validation_notice_returned(
    *, reference: str, returned_on: date, actor: Actor, now: datetime
) -> ValidationNotice:
    """Mark a notice returned undeliverable: the account needs a new one, whose period starts
    again when it is sent. Marking it again changes nothing."""
    with transaction.atomic():
        notice = ValidationNotice.objects.select_for_update().filter(reference=reference).first()
        if notice is None:
            raise NotFound(f"no notice {reference}", field="reference")
        if returned_on < notice.sent_on:
            raise ServiceError("a notice cannot come back before it was sent", field="returned_on")
        if notice.status == NoticeStatus.RETURNED:
            return notice
        notice.status = NoticeStatus.RETURNED
        notice.returned_on = returned_on
        notice.save(update_fields=["status", "returned_on"])
        audit_record(
            actor=actor, event="notice.returned", account_id=notice.account_id, at=now,
            details={"reference": reference, "returned_on": returned_on.isoformat()},
        )  # fmt: skip
        contactability_refresh([notice.account_id], at=now)
        accounts_reroute([notice.account_id], as_of=returned_on, now=now)
        return notice
