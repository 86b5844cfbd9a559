"""A strategy over simulated days: the nightly run plans, ``send`` sends through compliance.

The path: the validation notice on day 0, an email on day 5, a letter on day 7, the call queue
on day 10. Three New Yorkers placed on day 0: one left alone, one who opts out of email on day
2, one who disputes the debt on day 3.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from arrears.adapters.email.fake import FakeEmailSender
from arrears.adapters.letters.fake_print import FakePrintBatcher
from arrears.adapters.sms.fake import FakeSmsSender
from arrears.data.accounts.models import Account, AccountParty
from arrears.data.cases.models import Dispute
from arrears.data.contacts.models import ContactAttempt, ValidationNotice
from arrears.data.messaging.models import OutboundMessage, PrintBatch
from arrears.data.parties.models import ContactPoint
from arrears.data.strategies.models import ActionStatus, Enrollment, NightlyRun, PlannedAction
from arrears.data.users.models import User
from arrears.data.work.models import QueueEntry
from arrears.services.common import Actor, document_store, letter_renderer
from arrears.services.compliance.disputes import dispute_answer, dispute_record
from arrears.services.compliance.preferences import contact_restriction_add
from arrears.services.messaging.send import send_run
from arrears.services.messaging.templates import template_review, template_save
from arrears.services.strategies.definitions import strategy_define
from arrears.services.strategies.nightly import nightly_run
from arrears.services.work.queues import queue_define
from tests.factories import make_client, make_new_yorker

pytestmark = pytest.mark.django_db

DAY0 = date(2026, 12, 1)  # a Tuesday
ACTOR = Actor.system("test:strategy")
PATH = [
    {"key": "notice", "day": 0, "action": "validation_notice"},
    {"key": "email", "day": 5, "action": "email", "template": "reminder"},
    {"key": "letter", "day": 7, "action": "letter", "template": "follow-up"},
    {"key": "calls", "day": 10, "action": "queue", "queue": "calls"},
]


def moment(day: int) -> datetime:
    """10:00 in New York on the day."""
    return datetime.combine(DAY0 + timedelta(days=day), time(15, 0), tzinfo=UTC)


def approved(code: str, channel: str, body: str, subject: str = "") -> None:
    author = User.objects.create(username=f"author-{code}", role="supervisor")
    reviewer = User.objects.get_or_create(username="reviewer", role="compliance")[0]
    row = template_save(code=code, channel=channel, name=code.title(), subject=subject, body=body,
                        actor=Actor("author", author.pk), now=moment(-1))  # fmt: skip
    template_review(code=code, version=row.version, approve=True,
                    actor=Actor("reviewer", reviewer.pk), now=moment(-1))  # fmt: skip


class Book:
    def __init__(self) -> None:
        client = make_client("ACME")
        self.accounts = {name: make_new_yorker(client) for name in ("plain", "opted", "disputed")}
        Account.objects.update(placed_on=DAY0)
        for name, account in self.accounts.items():
            party_id = AccountParty.objects.get(account=account).party_id
            ContactPoint.objects.create(party_id=party_id, kind="email",
                                        email=f"{name}@example.com", valid_from=date(2026, 1, 1),
                                        value_index=f"e{account.pk}")  # fmt: skip
        approved("reminder", "email", "Hello {{ consumer_first_name }}, you owe {{ balance }}.",
                 subject="About your {{ client_name }} account")  # fmt: skip
        approved("follow-up", "letter", "We wrote to you about {{ balance }}.",
                 subject="Please call us")  # fmt: skip
        queue_define(code="calls", name="Calls", filters={"routed": True}, order="balance_high",
                     mode="pooled", actor=ACTOR, now=moment(-1))  # fmt: skip
        strategy_define(code="newly-placed", name="New placements", entry={}, actor=ACTOR, now=moment(-1),
                        variants=[{"code": "a", "share": 100, "steps": PATH}])  # fmt: skip
        self.email = FakeEmailSender()
        self.sms = FakeSmsSender()
        self.printer = FakePrintBatcher()

    def day(self, n: int) -> None:
        as_of = DAY0 + timedelta(days=n)
        nightly_run(as_of=as_of, actor=ACTOR, now=moment(n))
        send_run(as_of=as_of, actor=ACTOR, now=moment(n), store=document_store(),
                 email=self.email, sms=self.sms, batcher=self.printer)  # fmt: skip

    def actions(self, name: str) -> dict[str, str]:
        rows = PlannedAction.objects.filter(account=self.accounts[name]).order_by("due_on", "id")
        return {row.step: row.status for row in rows}


@pytest.fixture
def book() -> Book:
    return Book()


class TestSimulatedDays:
    def test_a_new_placement_gets_its_notice_day_0_email_day_5_and_reaches_the_call_queue_day_10(
        self, book
    ):
        plain = book.accounts["plain"]
        book.day(0)
        assert ValidationNotice.objects.filter(account=plain, sent_on=DAY0).count() == 1
        assert book.actions("plain") == {"notice": "sent"}
        for n in range(1, 5):
            book.day(n)
        assert [m.to for m in book.email.sent] == []
        book.day(5)
        # Nothing happened to the others in this test: all three get theirs.
        assert sorted(m.to for m in book.email.sent) == [
            "disputed@example.com", "opted@example.com", "plain@example.com"
        ]  # fmt: skip
        mail = next(m for m in book.email.sent if m.to == "plain@example.com")
        assert mail.subject == "About your ACME Bank account"
        assert mail.text.startswith("Hello Pat, you owe $1,000.00.\n\n")
        assert mail.opt_out_url.startswith("http")
        book.day(6)
        book.day(7)
        assert [b.letters for b in book.printer.made] == [3]
        for n in (8, 9):
            book.day(n)
        assert not QueueEntry.objects.filter(queue__code="calls", account=plain).exists()
        book.day(10)
        assert QueueEntry.objects.filter(queue__code="calls", account=plain).exists()
        assert book.actions("plain") == {"notice": "sent", "email": "sent", "letter": "sent",
                                         "calls": "done"}  # fmt: skip
        # Every message sent is an attempt carrying the Decision it was sent under.
        attempts = ContactAttempt.objects.filter(account=plain).order_by("at")
        assert [(a.channel, a.purpose, a.allowed) for a in attempts] == [
            ("letter", "validation_notice", True), ("email", "collection", True),
            ("letter", "collection", True),
        ]  # fmt: skip
        assert all(a.pack_version for a in attempts)

    def test_an_email_opt_out_stops_emails_but_not_letters(self, book):
        opted = book.accounts["opted"]
        book.day(0)
        book.day(1)
        point = ContactPoint.objects.get(party__account_parties__account=opted, kind="email")
        contact_restriction_add(account_id=opted.pk, kind="opt_out", channel="email",
                                contact_point_id=point.pk, received_on=DAY0 + timedelta(days=2),
                                medium="email link", actor=ACTOR, now=moment(2))  # fmt: skip
        for n in range(2, 8):
            book.day(n)
        assert "opted@example.com" not in [m.to for m in book.email.sent]
        email = PlannedAction.objects.get(account=opted, step="email")
        assert email.status == ActionStatus.BLOCKED
        assert email.allowed is False and email.pack_version
        assert any(r["verdict"] == "block" for r in email.reasons)
        assert book.actions("opted") == {"notice": "sent", "email": "blocked", "letter": "sent"}
        assert OutboundMessage.objects.filter(account=opted, channel="letter").count() == 1

    def test_a_dispute_stops_everything_but_the_verification_letter(self, book):
        disputed = book.accounts["disputed"]
        book.day(0)
        book.day(1)
        book.day(2)
        dispute_record(account_id=disputed.pk, received_on=DAY0 + timedelta(days=3),
                       medium="letter", actor=ACTOR, now=moment(3))  # fmt: skip
        # Re-routed at once: it left the strategy, nothing more is planned.
        enrollment = Enrollment.objects.get(account=disputed)
        assert (enrollment.left_on, enrollment.left_reason) == (
            DAY0 + timedelta(days=3),
            "no_longer_matches",
        )
        for n in range(3, 11):
            book.day(n)
        assert book.actions("disputed") == {"notice": "sent"}
        assert "disputed@example.com" not in [m.to for m in book.email.sent]
        assert not OutboundMessage.objects.filter(account=disputed).exists()
        assert not QueueEntry.objects.filter(account=disputed).exists()
        # The verification letter still goes: answering the dispute sends it.
        dispute = Dispute.objects.get(account=disputed)
        dispute_answer(dispute_id=dispute.pk, answered_on=DAY0 + timedelta(days=10), actor=ACTOR,
                       now=moment(10), store=document_store(), renderer=letter_renderer())  # fmt: skip
        letters = ContactAttempt.objects.filter(account=disputed, channel="letter").order_by("at")
        assert [(a.purpose, a.allowed) for a in letters] == [
            ("validation_notice", True), ("verification", True)
        ]  # fmt: skip

    def test_running_a_day_twice_does_nothing_the_second_time(self, book):
        for n in range(0, 8):
            book.day(n)
        counts = (ContactAttempt.objects.count(), OutboundMessage.objects.count(),
                  PlannedAction.objects.count(), PrintBatch.objects.count(), len(book.email.sent))  # fmt: skip
        book.day(7)
        assert (ContactAttempt.objects.count(), OutboundMessage.objects.count(),
                PlannedAction.objects.count(), PrintBatch.objects.count(),
                len(book.email.sent)) == counts  # fmt: skip
        assert NightlyRun.objects.get(as_of=DAY0 + timedelta(days=7)).finished_at is not None
