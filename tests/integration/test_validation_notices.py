"""Validation notices: produced once per debt from the book, re-sent after returned mail."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from arrears.core.compliance import Channel, ContactRequest, Purpose, evaluate
from arrears.data.accounts.models import AccountParty, Hold
from arrears.data.audit.models import AuditEvent
from arrears.data.clients.models import Client
from arrears.data.contacts.models import ContactAttempt, ValidationNotice
from arrears.data.parties.models import ContactPoint
from arrears.services.common import Actor, NotFound, ServiceError, document_store, letter_renderer
from arrears.services.compliance.notices import (
    validation_notice_returned,
    validation_notices_send,
)
from arrears.services.compliance.snapshots import contact_snapshot, packs_in_force
from arrears.services.ledger.operations import charge_post
from arrears.services.payments.posting import payment_post
from tests.factories import make_account, make_client

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
FRIDAY = date(2025, 11, 7)


def _account(client: Client | None = None, *, address: bool = True):  # type: ignore[no-untyped-def]
    client = client or Client.objects.filter(code="ACME").first() or make_client()
    account = make_account(client, principal=100_000, itemization_date=date(2025, 1, 1),
                           charge_off_date=date(2025, 1, 1))  # fmt: skip
    account.original_account_number = "4111111111111111"
    account.save(update_fields=["original_account_number"])
    if address:
        party_id = AccountParty.objects.get(account=account).party_id
        ContactPoint.objects.create(party_id=party_id, kind="address", address1="1 Main St",
                                    city="Buffalo", state="NY", zip="142010001",
                                    valid_from=date(2025, 1, 1), value_index=f"a{account.pk}")  # fmt: skip
    return account


def _send(as_of: date = FRIDAY, out=None):  # type: ignore[no-untyped-def]
    return validation_notices_send(as_of=as_of, actor=ACTOR, now=NOW, store=document_store(),
                                   renderer=letter_renderer(), out_dir=out)  # fmt: skip


def test_a_notice_sent_friday_7_november_2025_ends_its_period_on_17_december(tmp_path) -> None:
    account = _account()
    payment_post(account_id=account.pk, amount_minor=10_000, received_on=date(2025, 3, 1),
                 source="card", actor=ACTOR, now=NOW)  # fmt: skip
    charge_post(account_id=account.pk, kind="fee", amount_minor=2_500, on=date(2025, 4, 1),
                reason="returned check fee", actor=ACTOR)  # fmt: skip
    report = _send(out=tmp_path / "out")
    assert (report.candidates, report.sent, report.resent) == (1, 1, 0)
    notice = ValidationNotice.objects.get()
    assert notice.reference == f"VN-{account.pk}-20251107"
    assert (notice.sent_on, notice.period_ends_on) == (FRIDAY, date(2025, 12, 17))
    assert (notice.amount_then_minor, notice.interest_minor, notice.fees_minor,
            notice.payments_credits_minor, notice.current_minor) == (
        100_000, 0, 2_500, 10_000, 92_500)  # fmt: skip
    assert notice.pack_version.startswith("us-federal@2026.11.3")

    html = (tmp_path / "out" / f"{notice.reference}.html").read_text()
    pdf = (tmp_path / "out" / f"{notice.reference}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert html.count("December 17, 2025") == 3  # the end date, three times as on Model Form B-1
    for text in ("Arrears Recovery Services is a debt collector.", "ACME Bank",
                 "You had an account from Original Bank with account number ending in 1111.",
                 "As of January 1, 2025, you owed:", "$1,000.00", "+ $25.00", "&minus; $100.00",
                 "Total amount of the debt now:", "$925.00", "Pat Doe", "1 Main St",
                 "Buffalo, NY 14201-0001", "www.cfpb.gov/debt-collection",
                 "How do you want to respond?", "This is not my debt.", "The amount is wrong.",
                 "I want you to send me the name and address of the original creditor."):  # fmt: skip
        assert text in html, text
    store = document_store()
    assert store.get(notice.html_key) == html.encode()
    assert store.get(notice.pdf_key) == pdf

    letter = ContactAttempt.objects.get()
    assert (letter.channel, letter.purpose, letter.outcome, letter.allowed) == (
        "letter", "validation_notice", "sent", True)  # fmt: skip
    assert notice.attempt == letter
    snap = contact_snapshot(account.pk, at=NOW)
    assert snap is not None
    assert (snap.validation.notice_sent_on, snap.validation.period_ends_on) == (
        FRIDAY, date(2025, 12, 17))  # fmt: skip


def test_running_the_same_day_again_changes_nothing(tmp_path) -> None:
    _account()
    first = _send(out=tmp_path / "out")
    again = _send(out=tmp_path / "out")
    assert (first.sent, again.candidates, again.sent) == (1, 0, 0)
    assert ValidationNotice.objects.count() == 1
    assert ContactAttempt.objects.count() == 1
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".html", ".pdf"]


def test_only_debt_collectors_send_notices_and_only_with_an_address() -> None:
    _account(make_client("OWN"), address=False)
    Client.objects.filter(code="OWN").update(kind="first_party")
    collector_without_address = _account(make_client("ACME"), address=False)
    report = _send()
    assert report.candidates == 1
    assert report.skipped == {"no_mailing_address": 1}
    assert not ValidationNotice.objects.filter(account=collector_without_address).exists()


def test_an_account_under_a_plan_agreed_before_its_notice_still_gets_it() -> None:
    under_plan = _account()
    paid = _account()
    type(under_plan).objects.filter(pk=under_plan.pk).update(status="arrangement")
    type(paid).objects.filter(pk=paid.pk).update(status="paid")
    report = _send()
    assert (report.candidates, report.sent) == (1, 1)
    assert ValidationNotice.objects.get().account_id == under_plan.pk


def test_a_bankruptcy_stay_stops_the_notice_and_says_which_rule() -> None:
    account = _account()
    Hold.objects.create(account=account, kind="bankruptcy", starts_on=date(2025, 10, 1),
                        source="court notice")  # fmt: skip
    report = _send()
    assert report.skipped == {"blocked:bankruptcy.automatic-stay": 1}
    assert ValidationNotice.objects.count() == 0
    assert ContactAttempt.objects.count() == 0


def test_a_returned_notice_is_re_sent_and_the_period_starts_again() -> None:
    account = _account()
    _send()
    first = ValidationNotice.objects.get()
    validation_notice_returned(reference=first.reference, returned_on=date(2025, 11, 14),
                               actor=ACTOR, now=NOW)  # fmt: skip
    assert AuditEvent.objects.filter(event="notice.returned").count() == 1
    # Marking it again changes nothing.
    validation_notice_returned(reference=first.reference, returned_on=date(2025, 11, 15),
                               actor=ACTOR, now=NOW)  # fmt: skip
    first.refresh_from_db()
    assert (first.status, first.returned_on) == ("returned", date(2025, 11, 14))

    report = _send(as_of=date(2025, 11, 20))  # Thursday; Thanksgiving is the next Thursday
    assert (report.sent, report.resent) == (1, 1)
    second = ValidationNotice.objects.exclude(pk=first.pk).get()
    assert second.replaces == first
    # Fri 21 (1), Mon 24 (2), Tue 25 (3), Wed 26 (4), Thanksgiving skipped, Fri 28 (5) + 30.
    assert (second.sent_on, second.period_ends_on) == (date(2025, 11, 20), date(2025, 12, 28))
    snap = contact_snapshot(account.pk, at=NOW)
    assert snap is not None and snap.validation.period_ends_on == date(2025, 12, 28)


def test_returning_an_unknown_or_impossible_notice_is_refused() -> None:
    _account()
    _send()
    notice = ValidationNotice.objects.get()
    with pytest.raises(NotFound):
        validation_notice_returned(reference="VN-0-0", returned_on=FRIDAY, actor=ACTOR, now=NOW)
    with pytest.raises(ServiceError) as refused:
        validation_notice_returned(reference=notice.reference, returned_on=date(2025, 11, 6),
                                   actor=ACTOR, now=NOW)  # fmt: skip
    assert refused.value.field == "returned_on"
    notice.refresh_from_db()
    assert notice.status == "sent"


def test_a_written_dispute_in_the_period_halts_collection_calls() -> None:
    """The notice's period is what the validation-halt rule reads."""
    from dataclasses import replace

    account = _account()
    _send()
    snap = contact_snapshot(account.pk, at=NOW)
    assert snap is not None
    disputed = replace(snap, validation=replace(snap.validation, disputed_on=date(2025, 12, 1),
                                                dispute_in_writing=True))  # fmt: skip
    decision = evaluate(packs_in_force(), disputed,
                        ContactRequest(channel=Channel.CALL, at=NOW, purpose=Purpose.COLLECTION))  # fmt: skip
    assert "regf.validation-halt" in [r.rule_id for r in decision.blocks]


def test_the_command_writes_one_pdf_and_one_html_per_notice(tmp_path) -> None:
    first, second = _account(), _account()
    out = StringIO()
    call_command("notices", "--as-of", "2025-11-07", "--out", str(tmp_path / "out"), "--json",
                 stdout=out, stderr=StringIO())  # fmt: skip
    report = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (report["sent"], report["resent"], report["skipped"]) == (2, 0, {})
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"VN-{a.pk}-20251107.{ext}" for a in (first, second) for ext in ("html", "pdf")
    )
