"""Disputes and requests for the original creditor (12 CFR 1006.38), recorded as received.

Recording one works out what the rules need: whether it came in writing within the validation
period of the notice standing on the account (a written dispute or request then halts collection
until the answer is sent: the validation-halt rule), whether it repeats an earlier dispute that
was answered and brings nothing new (it may then be answered as duplicative), and when the answer
is due (the federal pack's ``dispute_response_days``). Every open dispute also puts a hold on
the account (a dispute hold, or an identity-theft hold when that is the reason), so collection
stops whether or not the law requires it; answering ends the hold. Before any notice has been
provided there is no validation period: such a dispute does not trigger the legal halt, but its
hold still stops collection.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction

from arrears.core.compliance import validation as core_validation
from arrears.core.money import Money
from arrears.core.ports import DocumentStore, LetterRenderer
from arrears.data.accounts.models import Account
from arrears.data.cases.models import (
    WRITTEN_MEDIA,
    CaseKind,
    CaseStatus,
    Dispute,
    DisputeReason,
    Medium,
)
from arrears.data.contacts.models import NoticeStatus, ValidationNotice
from arrears.services.common import (
    Actor,
    NotFound,
    ServiceError,
    audit_record,
    require_choice,
)
from arrears.services.compliance.operations import contact_attempt_record, contactability_refresh
from arrears.services.compliance.snapshots import packs_in_force
from arrears.services.ledger.operations import hold_add, hold_end


def dispute_record(
    *,
    account_id: int,
    received_on: date,
    medium: str,
    actor: Actor,
    now: datetime,
    kind: str = CaseKind.DISPUTE,
    reason: str = "",
    description: str = "",
    disputed_amount_minor: int | None = None,
    new_information: bool = False,
) -> Dispute:
    """Record a dispute or a request for the original creditor, and hold collection."""
    kind = require_choice(kind, CaseKind.values, "kind")
    medium = require_choice(medium, Medium.values, "medium")
    if kind == CaseKind.DISPUTE:
        reason = require_choice(reason or DisputeReason.OTHER, DisputeReason.values, "reason")
    elif reason:
        raise ServiceError("a request for the original creditor has no reason", field="reason")
    if received_on > now.date():
        raise ServiceError("a dispute cannot be received in the future", field="received_on")
    if disputed_amount_minor is not None and (
        kind != CaseKind.DISPUTE or disputed_amount_minor <= 0
    ):
        raise ServiceError(
            "a disputed part is a positive amount of a dispute", field="disputed_amount"
        )
    with transaction.atomic():
        account = Account.objects.select_for_update().filter(pk=account_id).first()
        if account is None:
            raise NotFound(f"no account {account_id}", field="account_id")
        if disputed_amount_minor is not None and disputed_amount_minor > account.balance_minor:
            raise ServiceError(
                "the disputed part is more than the balance", field="disputed_amount"
            )
        notice = (
            ValidationNotice.objects.filter(account=account, status=NoticeStatus.SENT)
            .order_by("-sent_on", "-id")
            .first()
        )
        within = notice is not None and notice.sent_on <= received_on <= notice.period_ends_on
        earlier = None
        if kind == CaseKind.DISPUTE and not new_information:
            earlier = (
                Dispute.objects.filter(
                    account=account, kind=CaseKind.DISPUTE, reason=reason,
                    status__in=[CaseStatus.ANSWERED, CaseStatus.DUPLICATIVE],
                )
                .order_by("-received_on", "-id")
                .first()
            )  # fmt: skip
        days = int(packs_in_force().constant("dispute_response_days"))
        dispute = Dispute.objects.create(
            account=account, kind=kind, received_on=received_on, medium=medium,
            in_writing=medium in WRITTEN_MEDIA, within_validation_period=within, reason=reason,
            description=description, disputed_amount_minor=disputed_amount_minor,
            new_information=new_information, duplicative_of=earlier,
            response_due_on=received_on + timedelta(days=days), created_by_id=actor.user_id,
        )  # fmt: skip
        if kind == CaseKind.DISPUTE:
            hold_kind = "identity_theft" if reason == DisputeReason.IDENTITY_THEFT else "dispute"
            dispute.hold = hold_add(
                account_id=account.pk, kind=hold_kind, starts_on=received_on,
                source=f"dispute #{dispute.pk} ({dispute.get_medium_display().lower()})",
                reason=description[:500], actor=actor, now=now,
            )  # fmt: skip
            dispute.save(update_fields=["hold"])
        audit_record(
            actor=actor, event=f"{kind}.received", account_id=account.pk, at=now,
            details={"dispute": dispute.pk, "medium": medium, "in_writing": dispute.in_writing,
                     "within_validation_period": within, "reason": reason,
                     "duplicative_of": earlier.pk if earlier else None},
        )  # fmt: skip
        contactability_refresh([account.pk], at=now)
        return dispute


def dispute_answer(
    *,
    dispute_id: int,
    answered_on: date,
    actor: Actor,
    now: datetime,
    duplicative: bool = False,
    note: str = "",
    store: DocumentStore | None = None,
    renderer: LetterRenderer | None = None,
) -> Dispute:
    """Record that the answer was sent (verification, the original creditor's name, or a notice
    that the dispute is duplicative): the hold ends and collection may resume. Given a store and
    a renderer, the answer letter is produced too and kept on the dispute as a PDF."""
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().filter(pk=dispute_id).first()
        if dispute is None:
            raise NotFound(f"no dispute {dispute_id}", field="dispute_id")
        if dispute.status != CaseStatus.OPEN:
            raise ServiceError(f"the dispute is already {dispute.status}", field="dispute_id")
        if answered_on < dispute.received_on or answered_on > now.date():
            raise ServiceError(
                "the answer is sent between receiving the dispute and today", field="answered_on"
            )
        if duplicative and dispute.duplicative_of_id is None:
            raise ServiceError(
                "only a dispute that repeats an answered one can be answered as duplicative",
                field="duplicative",
            )
        dispute.status = CaseStatus.DUPLICATIVE if duplicative else CaseStatus.ANSWERED
        dispute.answered_on = answered_on
        dispute.answer_note = note
        dispute.save(update_fields=["status", "answered_on", "answer_note"])
        if dispute.hold_id is not None:
            assert dispute.hold is not None
            hold_end(
                hold_id=dispute.hold_id,
                ends_on=max(answered_on, dispute.hold.starts_on + timedelta(days=1)),
                actor=actor, now=now,
            )  # fmt: skip
        audit_record(
            actor=actor, event=f"{dispute.kind}.answered", account_id=dispute.account_id,
            at=now, details={"dispute": dispute.pk, "answered_on": answered_on.isoformat(),
                             "duplicative": duplicative},
        )  # fmt: skip
        contactability_refresh([dispute.account_id], at=now)
        if store is not None and renderer is not None:
            _answer_letter(dispute, duplicative=duplicative, store=store, renderer=renderer,
                           actor=actor, now=now)  # fmt: skip
        return dispute


def _answer_letter(
    dispute: Dispute, *, duplicative: bool, store: DocumentStore, renderer: LetterRenderer,
    actor: Actor, now: datetime,
) -> None:  # fmt: skip
    """Build, render and keep the answer letter; refused (ServiceError) when it cannot be sent."""
    from arrears.services.compliance.cases import document_add
    from arrears.services.compliance.notices import build_notice

    account = Account.objects.select_related("client").get(pk=dispute.account_id)
    assert dispute.answered_on is not None
    notice = build_notice(account, as_of=dispute.answered_on)
    if isinstance(notice, str):
        raise ServiceError("the consumer has no mailing address to send the answer to",
                           field="answered_on")  # fmt: skip
    earlier = dispute.duplicative_of
    kind = ("duplicative" if duplicative
            else "original_creditor" if dispute.kind == CaseKind.ORIGINAL_CREDITOR
            else "verification")  # fmt: skip
    letter = core_validation.VerificationLetter(
        reference=f"VL-{dispute.pk}-{dispute.answered_on:%Y%m%d}", sent_on=dispute.answered_on,
        collector=notice.collector, consumer=notice.consumer, kind=kind,
        received_on=dispute.received_on, current_creditor=notice.current_creditor,
        original_creditor=notice.creditor_on_itemization_date,
        account_number_masked=notice.account_number_masked, itemization=notice.itemization,
        disputed_part=(Money.from_minor(dispute.disputed_amount_minor, account.currency)
                       if dispute.disputed_amount_minor else None),
        earlier_answer_on=earlier.answered_on if earlier else None,
    )  # fmt: skip
    pdf = renderer.pdf(renderer.verification_letter_html(letter))
    document_add(
        account_id=account.pk, kind="verification", file_name=f"{letter.reference}.pdf",
        content=pdf, content_type="application/pdf", received_on=dispute.answered_on,
        dispute_id=dispute.pk, actor=actor, now=now, store=store,
    )  # fmt: skip
    # The answer is a letter to the consumer like any other: recorded as an attempt with the
    # Decision it went under (a verification letter is what a dispute still allows).
    from arrears.services.compliance.notices import POSTING_TIME, POSTING_ZONE

    posted_at = datetime.combine(dispute.answered_on, POSTING_TIME, tzinfo=POSTING_ZONE)
    contact_attempt_record(
        account_id=account.pk, channel="letter", direction="outbound", outcome="sent",
        at=min(posted_at, now), actor=actor, now=now, purpose="verification",
        source="disputes", key=f"letter:{letter.reference}", already_made=True,
    )  # fmt: skip
