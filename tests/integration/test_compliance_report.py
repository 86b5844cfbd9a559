"""The compliance officer's report: calls per debt per 7 days, blocks by rule, disputes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from arrears.data.clients.models import Client
from arrears.services.common import Actor
from arrears.services.compliance.disputes import dispute_answer, dispute_record
from arrears.services.compliance.operations import contact_attempt_record
from arrears.services.compliance.reports import compliance_report, max_in_window
from arrears.services.ledger.operations import hold_add
from tests.factories import make_account, make_client

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
NOW = datetime(2026, 11, 23, 17, tzinfo=UTC)
START, END = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC)


def _calls(account_id: int, *moments: datetime, outcome: str = "no_answer") -> None:
    for at in moments:
        contact_attempt_record(account_id=account_id, channel="call", direction="outbound",
                               outcome=outcome, at=at, actor=ACTOR, now=NOW, already_made=True)  # fmt: skip


def test_the_most_calls_in_any_seven_days() -> None:
    d = date(2026, 11, 2)
    assert max_in_window([]) == 0
    assert max_in_window([d, d, d + timedelta(days=6)]) == 3
    assert max_in_window([d, d + timedelta(days=7), d + timedelta(days=14)]) == 1
    assert max_in_window([d + timedelta(days=i) for i in (0, 1, 2, 8, 9, 10, 11)]) == 4


def test_report_counts_calls_blocks_and_disputes() -> None:
    client = make_client()
    heavy, light, ceased = make_account(client), make_account(client), make_account(client)
    noon = datetime(2026, 11, 2, 17, tzinfo=UTC)  # 12:00 in New York, 07:00 in Honolulu
    afternoon = noon + timedelta(hours=3)  # inside every US zone's hours
    # Eight counted calls Mon to Thu (the eighth made while blocked), one busy signal.
    _calls(heavy.pk, *[afternoon + timedelta(days=i // 2, minutes=i) for i in range(8)])
    _calls(heavy.pk, afternoon + timedelta(days=1, minutes=30), outcome="not_connected")
    _calls(light.pk, afternoon, afternoon + timedelta(days=3))
    hold_add(account_id=ceased.pk, kind="cease", starts_on=date(2026, 11, 1),
             source="consumer letter", actor=ACTOR, now=NOW)  # fmt: skip
    old = dispute_record(account_id=light.pk, received_on=date(2026, 11, 3), medium="letter",
                         reason="paid", actor=ACTOR, now=NOW)  # fmt: skip
    dispute_answer(dispute_id=old.pk, answered_on=date(2026, 11, 13), actor=ACTOR, now=NOW)
    dispute_record(account_id=heavy.pk, received_on=date(2026, 10, 1), medium="phone",
                   reason="other", actor=ACTOR, now=NOW)  # fmt: skip

    report = compliance_report(start=START, end=END, today=date(2026, 11, 23))

    assert report.debts_called == 2
    assert report.attempts_distribution == {"1": 0, "2-3": 1, "4-6": 0, "7": 0, "8+": 1}
    assert report.debts_over_limit == [{"account": heavy.pk, "max_calls_in_7_days": 8}]
    # A creditor calling its own debtors is not bound by Regulation F's limit: counted, not flagged.
    Client.objects.filter(pk=client.pk).update(kind="first_party")
    first_party = compliance_report(start=START, end=END, today=date(2026, 11, 23))
    assert first_party.debts_over_limit == []
    assert first_party.attempts_distribution["8+"] == 1
    assert report.made_while_blocked == {"regf.call-frequency": 1}
    assert report.blocked_now["regf.cease-communication"] == {
        "call": 1, "email": 1, "letter": 1, "sms": 1}  # fmt: skip
    assert (report.disputes_received, report.disputes_answered, report.disputes_open,
            report.disputes_overdue, report.median_days_to_answer) == (1, 1, 1, 1, 10.0)  # fmt: skip


def test_the_command_and_the_api_give_the_same_report(client) -> None:
    from arrears.data.users.models import Role, User

    account = make_account(make_client())
    _calls(account.pk, datetime(2026, 11, 2, 20, tzinfo=UTC))
    out = StringIO()
    call_command("compliance-report", "--from", "2026-11-01", "--to", "2026-11-23", "--json",
                 stdout=out, stderr=StringIO())  # fmt: skip
    from_cli = json.loads(out.getvalue().strip().splitlines()[-1])
    user = User.objects.create_user("carmen", password="x-long-pass", role=Role.COMPLIANCE)
    client.force_login(user)
    from_api = client.get("/api/compliance/report", {"start": "2026-11-01", "end": "2026-11-23"})
    assert from_api.status_code == 200
    assert from_api.json()["calls"] == from_cli["calls"]
    assert from_cli["calls"]["debts_called"] == 1
    bad = client.get("/api/compliance/report", {"start": "2026-11-23", "end": "2026-11-01"})
    assert bad.status_code == 400 and bad.json()["field"] == "end"
