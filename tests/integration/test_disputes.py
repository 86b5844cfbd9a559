"""Disputes and requests for the original creditor: recorded as received, holding collection
until answered, and read by the validation-halt rule when written within the period."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from arrears.core.compliance import Channel
from arrears.data.accounts.models import AccountParty, Hold
from arrears.data.audit.models import AuditEvent
from arrears.data.cases.models import Dispute
from arrears.data.parties.models import ContactPoint
from arrears.services.common import Actor, NotFound, ServiceError, document_store, letter_renderer
from arrears.services.compliance.disputes import dispute_answer, dispute_record
from arrears.services.compliance.notices import validation_notices_send
from arrears.services.compliance.queries import compliance_queue, contact_decisions
from arrears.services.compliance.snapshots import contact_snapshot
from tests.factories import make_account, make_client

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")
NY = ZoneInfo("America/New_York")
NOW = datetime(2025, 12, 22, 17, 0, tzinfo=UTC)  # Monday noon in New York


def _noticed_account():  # type: ignore[no-untyped-def]
    """An account in Buffalo whose validation notice went on Fri 7 Nov 2025 (period to 17 Dec)."""
    account = make_account(make_client(), itemization_date=date(2025, 1, 1))
    ContactPoint.objects.create(
        party_id=AccountParty.objects.get(account=account).party_id, kind="address",
        address1="1 Main St", city="Buffalo", state="NY", zip="14201",
        valid_from=date(2025, 1, 1), value_index=f"a{account.pk}",
    )  # fmt: skip
    validation_notices_send(as_of=date(2025, 11, 7), actor=ACTOR, now=NOW,
                            store=document_store(), renderer=letter_renderer())  # fmt: skip
    return account


def _call_blocks(account_id: int, at: datetime = NOW) -> list[str]:
    decisions = contact_decisions(account_id, at=at, channels=(Channel.CALL,))
    assert decisions is not None
    return [r.rule_id for r in decisions[0].blocks]


def test_a_written_dispute_in_the_period_halts_collection_until_answered() -> None:
    account = _noticed_account()
    dispute = dispute_record(account_id=account.pk, received_on=date(2025, 12, 1),
                             medium="letter", reason="amount_wrong", actor=ACTOR, now=NOW)  # fmt: skip
    assert (dispute.in_writing, dispute.within_validation_period) == (True, True)
    assert dispute.response_due_on == date(2025, 12, 31)
    assert dispute.hold is not None and dispute.hold.kind == "dispute"
    assert _call_blocks(account.pk) == ["regf.validation-halt", "policy.dispute-hold"]
    snap = contact_snapshot(account.pk, at=NOW)
    assert snap is not None
    assert (snap.validation.disputed_on, snap.validation.verification_sent_on) == (
        date(2025, 12, 1), None)  # fmt: skip

    dispute_answer(dispute_id=dispute.pk, answered_on=date(2025, 12, 20), actor=ACTOR, now=NOW,
                   note="sent the account statements")  # fmt: skip
    dispute.refresh_from_db()
    assert (dispute.status, dispute.answered_on) == ("answered", date(2025, 12, 20))
    assert Hold.objects.get(pk=dispute.hold_id).ends_on == date(2025, 12, 20)
    assert _call_blocks(account.pk) == []
    assert [e.event for e in AuditEvent.objects.filter(event__startswith="dispute.")
            .order_by("id")] == ["dispute.received", "dispute.answered"]  # fmt: skip


def test_an_oral_dispute_holds_by_policy_but_does_not_trigger_the_legal_halt() -> None:
    account = _noticed_account()
    dispute = dispute_record(account_id=account.pk, received_on=date(2025, 12, 1),
                             medium="phone", reason="not_mine", actor=ACTOR, now=NOW)  # fmt: skip
    assert (dispute.in_writing, dispute.within_validation_period) == (False, True)
    assert _call_blocks(account.pk) == ["policy.dispute-hold"]


def test_a_dispute_after_the_period_is_held_by_policy_only() -> None:
    account = _noticed_account()
    dispute = dispute_record(account_id=account.pk, received_on=date(2025, 12, 18),
                             medium="letter", reason="paid", actor=ACTOR, now=NOW)  # fmt: skip
    assert dispute.within_validation_period is False
    assert _call_blocks(account.pk) == ["policy.dispute-hold"]


def test_an_identity_theft_dispute_opens_the_identity_theft_track() -> None:
    account = _noticed_account()
    dispute = dispute_record(account_id=account.pk, received_on=date(2025, 12, 1),
                             medium="portal", reason="identity_theft", actor=ACTOR, now=NOW)  # fmt: skip
    assert dispute.hold is not None and dispute.hold.kind == "identity_theft"
    assert "policy.identity-theft" in _call_blocks(account.pk)


def test_a_written_request_for_the_original_creditor_halts_until_sent() -> None:
    account = _noticed_account()
    request = dispute_record(account_id=account.pk, kind="original_creditor",
                             received_on=date(2025, 12, 10), medium="email", actor=ACTOR, now=NOW)  # fmt: skip
    assert request.hold is None
    assert _call_blocks(account.pk) == ["regf.validation-halt"]
    dispute_answer(dispute_id=request.pk, answered_on=date(2025, 12, 15), actor=ACTOR, now=NOW)
    assert _call_blocks(account.pk) == []


def test_a_repeated_dispute_without_new_information_may_be_answered_as_duplicative() -> None:
    account = _noticed_account()
    first = dispute_record(account_id=account.pk, received_on=date(2025, 11, 20),
                           medium="letter", reason="amount_wrong", actor=ACTOR, now=NOW)  # fmt: skip
    with pytest.raises(ServiceError) as refused:
        dispute_answer(dispute_id=first.pk, answered_on=date(2025, 11, 25), actor=ACTOR, now=NOW,
                       duplicative=True)  # fmt: skip
    assert refused.value.field == "duplicative"
    dispute_answer(dispute_id=first.pk, answered_on=date(2025, 11, 25), actor=ACTOR, now=NOW)
    again = dispute_record(account_id=account.pk, received_on=date(2025, 12, 5),
                           medium="letter", reason="amount_wrong", actor=ACTOR, now=NOW)  # fmt: skip
    assert again.duplicative_of == first
    fresh = dispute_record(account_id=account.pk, received_on=date(2025, 12, 6), medium="letter",
                           reason="amount_wrong", new_information=True, actor=ACTOR, now=NOW)  # fmt: skip
    assert fresh.duplicative_of is None
    dispute_answer(dispute_id=again.pk, answered_on=date(2025, 12, 8), actor=ACTOR, now=NOW,
                   duplicative=True)  # fmt: skip
    again.refresh_from_db()
    assert again.status == "duplicative"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"medium": "pigeon"}, "medium"),
        ({"reason": "bored"}, "reason"),
        ({"kind": "complaint"}, "kind"),
        ({"received_on": date(2025, 12, 23)}, "received_on"),  # tomorrow
        ({"disputed_amount_minor": 0}, "disputed_amount"),
        ({"disputed_amount_minor": 100_001}, "disputed_amount"),  # more than the balance
        ({"kind": "original_creditor", "reason": "paid"}, "reason"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_changes(changes, field) -> None:
    account = _noticed_account()
    holds = Hold.objects.count()
    args = {"account_id": account.pk, "received_on": date(2025, 12, 1), "medium": "letter",
            "reason": "other", "actor": ACTOR, "now": NOW, **changes}  # fmt: skip
    if args.get("kind") == "original_creditor" and "reason" not in changes:
        args["reason"] = ""
    with pytest.raises(ServiceError) as refused:
        dispute_record(**args)
    assert refused.value.field == field
    assert Dispute.objects.count() == 0
    assert Hold.objects.count() == holds


def test_answers_are_refused_for_unknown_answered_or_impossible_dates() -> None:
    account = _noticed_account()
    dispute = dispute_record(account_id=account.pk, received_on=date(2025, 12, 1),
                             medium="letter", reason="other", actor=ACTOR, now=NOW)  # fmt: skip
    with pytest.raises(NotFound):
        dispute_answer(dispute_id=999_999, answered_on=date(2025, 12, 2), actor=ACTOR, now=NOW)
    for bad in (date(2025, 11, 30), date(2025, 12, 23)):
        with pytest.raises(ServiceError) as refused:
            dispute_answer(dispute_id=dispute.pk, answered_on=bad, actor=ACTOR, now=NOW)
        assert refused.value.field == "answered_on"
    dispute_answer(dispute_id=dispute.pk, answered_on=date(2025, 12, 2), actor=ACTOR, now=NOW)
    with pytest.raises(ServiceError, match="already answered"):
        dispute_answer(dispute_id=dispute.pk, answered_on=date(2025, 12, 3), actor=ACTOR, now=NOW)


def test_the_compliance_queue_puts_overdue_disputes_first() -> None:
    account = _noticed_account()
    late = dispute_record(account_id=account.pk, received_on=date(2025, 11, 10), medium="letter",
                          reason="other", actor=ACTOR, now=NOW)  # fmt: skip
    recent = dispute_record(account_id=account.pk, received_on=date(2025, 12, 20), medium="phone",
                            reason="paid", actor=ACTOR, now=NOW)  # fmt: skip
    queue = compliance_queue(today=date(2025, 12, 22))
    assert [(i.dispute.pk, i.overdue, i.days_left) for i in queue.items] == [
        (late.pk, True, -12), (recent.pk, False, 28)]  # fmt: skip
    assert (queue.overdue, queue.halting) == (1, 1)


def test_the_answer_letter_is_produced_and_kept_on_the_dispute() -> None:
    from arrears.data.cases.models import Document

    account = _noticed_account()
    first = dispute_record(account_id=account.pk, received_on=date(2025, 11, 20),
                           medium="letter", reason="amount_wrong", disputed_amount_minor=12_500,
                           actor=ACTOR, now=NOW)  # fmt: skip
    dispute_answer(dispute_id=first.pk, answered_on=date(2025, 11, 25), actor=ACTOR, now=NOW,
                   store=document_store(), renderer=letter_renderer())  # fmt: skip
    again = dispute_record(account_id=account.pk, received_on=date(2025, 12, 5), medium="letter",
                           reason="amount_wrong", actor=ACTOR, now=NOW)  # fmt: skip
    dispute_answer(dispute_id=again.pk, answered_on=date(2025, 12, 8), actor=ACTOR, now=NOW,
                   duplicative=True, store=document_store(), renderer=letter_renderer())  # fmt: skip
    letters = list(Document.objects.filter(kind="verification").order_by("id"))
    assert [(d.dispute_id, d.file_name) for d in letters] == [
        (first.pk, f"VL-{first.pk}-20251125.pdf"), (again.pk, f"VL-{again.pk}-20251208.pdf")]  # fmt: skip
    assert document_store().get(letters[0].store_key).startswith(b"%PDF-")
    html = letter_renderer().verification_letter_html  # the duplicative wording, checked in HTML
    from arrears.core.compliance.validation import Itemization, Party, VerificationLetter
    from arrears.core.money import Money

    usd = Money.from_minor(0, "USD")
    text = html(VerificationLetter(
        reference="VL-1", sent_on=date(2025, 12, 8), collector=Party("C", ("x",)),
        consumer=Party("P", ("y",)), kind="duplicative", received_on=date(2025, 12, 5),
        current_creditor="ACME Bank", original_creditor="Original Bank", account_number_masked="",
        itemization=Itemization(date(2025, 1, 1), "charge-off date", usd, usd, usd, usd, usd),
        earlier_answer_on=date(2025, 11, 25)))  # fmt: skip
    assert "which we answered on November 25, 2025" in " ".join(text.split())


def test_no_address_no_letter_and_the_answer_is_not_recorded() -> None:
    account = make_account(make_client())
    dispute = dispute_record(account_id=account.pk, received_on=date(2025, 12, 1),
                             medium="phone", reason="paid", actor=ACTOR, now=NOW)  # fmt: skip
    with pytest.raises(ServiceError, match="no mailing address"):
        dispute_answer(dispute_id=dispute.pk, answered_on=date(2025, 12, 2), actor=ACTOR, now=NOW,
                       store=document_store(), renderer=letter_renderer())  # fmt: skip
    dispute.refresh_from_db()
    assert dispute.status == "open"
    assert Hold.objects.get(pk=dispute.hold_id).ends_on is None
