"""What the kill tests run in their own processes: a sender that logs every message it takes to
a file (so a message handed over twice shows), and the book they start from."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from arrears.core.messaging import OutboundEmail, SendResult, SendStatus

DAY0 = date(2026, 12, 1)


class LoggingEmailSender:
    """Appends each message's reference to ``$ARREARS_TEST_SENT_LOG``, one line each."""

    name = "log"

    def __init__(self) -> None:
        self.log = Path(os.environ["ARREARS_TEST_SENT_LOG"])

    def send(self, message: OutboundEmail) -> SendResult:
        with self.log.open("a", encoding="utf-8") as fh:
            fh.write(f"{message.reference} {message.to}\n")
        return SendResult(SendStatus.ACCEPTED, provider_id=f"log-{message.reference}")

    def delivered(self, reference: str) -> bool:
        if not self.log.exists():
            return False
        return any(line.split()[0] == reference for line in self.log.read_text().splitlines())


def build_book() -> None:
    """Interest-bearing New Yorkers placed on day 0 with emails, a promise that breaks on day 0,
    an approved email and letter, a routed call queue and a strategy sending all on day 0."""
    from arrears.data.accounts.models import Account, AccountParty
    from arrears.data.clients.models import Client
    from arrears.data.parties.models import ContactPoint
    from arrears.data.users.models import User
    from arrears.services.common import Actor
    from arrears.services.messaging.templates import template_review, template_save
    from arrears.services.strategies.definitions import strategy_define
    from arrears.services.work.actions import promise_record
    from arrears.services.work.queues import queue_define
    from tests.factories import make_client, make_new_yorker

    actor = Actor.system("test:crash")
    before = datetime.combine(DAY0 - timedelta(days=3), time(15), tzinfo=UTC)
    client = make_client("ACME", interest=True)
    accounts = [make_new_yorker(client) for _ in range(4)]
    Account.objects.update(placed_on=DAY0, interest_rate_ppm=120_000,
                           accrual_segment_start=date(2026, 1, 1))  # fmt: skip
    for n, account in enumerate(accounts):
        party_id = AccountParty.objects.get(account=account).party_id
        ContactPoint.objects.create(party_id=party_id, kind="email", email=f"c{n}@example.com",
                                    valid_from=date(2026, 1, 1), value_index=f"e{account.pk}")  # fmt: skip
    assert Client.objects.count() == 1
    author = User.objects.create(username="author", role="supervisor")
    reviewer = User.objects.create(username="reviewer", role="compliance")
    for code, channel, subject in (("mail", "email", "Your account"), ("note", "letter", "")):
        row = template_save(code=code, channel=channel, name=code, subject=subject,
                            body="Hello {{ consumer_first_name }}, you owe {{ balance }}.",
                            actor=Actor("a", author.pk), now=before)  # fmt: skip
        template_review(code=code, version=row.version, approve=True,
                        actor=Actor("r", reviewer.pk), now=before)  # fmt: skip
    queue_define(code="calls", name="Calls", filters={"routed": True}, order="balance_high",
                 mode="pooled", actor=actor, now=before)  # fmt: skip
    strategy_define(
        code="newly-placed", name="New", entry={}, actor=actor, now=before,
        variants=[{"code": "a", "share": 50, "steps": [
            {"key": "mail", "day": 0, "action": "email", "template": "mail"},
            {"key": "note", "day": 0, "action": "letter", "template": "note"},
            {"key": "calls", "day": 0, "action": "queue", "queue": "calls"},
        ]}, {"code": "b", "share": 50, "champion": False, "steps": [
            {"key": "mail", "day": 0, "action": "email", "template": "mail"},
        ]}],
    )  # fmt: skip
    collector = User.objects.create(username="col", role="collector")
    promise_record(account_id=accounts[0].pk, amount_minor=5000, due_on=DAY0 - timedelta(days=2),
                   actor=Actor("c", collector.pk), now=before)  # fmt: skip


def snapshot() -> dict[str, object]:
    """Everything a run changes, without ids and clock times that differ between runs."""
    from arrears.data.contacts.models import ContactAttempt
    from arrears.data.ledger.models import Entry
    from arrears.data.messaging.models import OutboundMessage, PrintBatch
    from arrears.data.strategies.models import Enrollment, NightlyRun, PlannedAction
    from arrears.data.work.models import Promise, QueueEntry

    def rows(qs, *fields):
        return sorted(json.loads(json.dumps(list(qs.values_list(*fields)), default=str)))

    log = Path(os.environ["ARREARS_TEST_SENT_LOG"])
    return {
        "entries": rows(
            Entry.objects,
            "account_id",
            "kind",
            "effective_on",
            "principal_minor",
            "interest_minor",
            "fees_minor",
            "costs_minor",
        ),
        "attempts": rows(
            ContactAttempt.objects, "account_id", "channel", "purpose", "outcome", "allowed", "key"
        ),
        "promises": rows(Promise.objects, "account_id", "status"),
        "enrollments": rows(
            Enrollment.objects, "account_id", "variant__code", "entered_on", "left_on"
        ),
        "actions": rows(PlannedAction.objects, "account_id", "step", "status", "due_on"),
        "messages": rows(OutboundMessage.objects, "reference", "channel", "status", "batch_id"),
        "batches": rows(PrintBatch.objects, "reference", "letters"),
        "queue": rows(QueueEntry.objects, "queue__code", "account_id", "rank"),
        "nightly": sorted(
            (str(r.as_of), sorted(r.phases), r.finished_at is not None)
            for r in NightlyRun.objects.all()
        ),
        "sent": sorted(log.read_text().splitlines()) if log.exists() else [],
    }
