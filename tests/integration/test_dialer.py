"""The dialer: a queue's call list with each number's allowed windows, the dispositions it sends
back recorded once each with their Decision, and preview dialing's call placed only when the
rules allow it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from arrears.adapters.dialer.fake import FakeDialer
from arrears.data.audit.models import AuditEvent
from arrears.data.contacts.models import ContactAttempt
from arrears.data.parties.models import ContactPoint, ContactStatus
from arrears.data.users.models import User
from arrears.data.work.models import QueueEntry
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.compliance.operations import ContactBlocked, contact_attempt_record
from arrears.services.compliance.preferences import contact_restriction_add
from arrears.services.ledger.operations import hold_add
from arrears.services.work.dialer import (
    dialer_dispositions_file,
    dialer_dispositions_record,
    dialer_list,
    preview_call_place,
)
from arrears.services.work.queues import queue_build, queue_define
from tests.factories import make_client, make_new_yorker

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
SUNDAY = datetime(2026, 11, 1, 18, 0, tzinfo=NY)  # the list for Monday is made the evening before
MONDAY = date(2026, 11, 2)
ACTOR = Actor.system("test")
WEEKDAY = [("2026-11-02T13:00:00Z", "2026-11-03T02:00:00Z",
            "2026-11-02T08:00:00-05:00", "2026-11-02T21:00:00-05:00")]  # fmt: skip


def _phone(account, **changes):  # type: ignore[no-untyped-def]
    """The account's first phone, the 716 mobile its consumer came with."""
    point = ContactPoint.objects.filter(
        party__account_parties__account=account, kind="phone").order_by("pk").first()  # fmt: skip
    assert point is not None
    for name, value in changes.items():
        setattr(point, name, value)
    point.save()
    return point


def _windows(row) -> list[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    from arrears.core.formats.dialer import call_list_json

    return [tuple(w.values()) for w in call_list_json(row)["windows"]]  # type: ignore[attr-defined,misc]


@pytest.fixture
def queue():  # type: ignore[no-untyped-def]
    """Three New York consumers (Buffalo, a 716 mobile with consent to be called), the biggest
    balance first; the queue built on Sunday evening."""
    client = make_client()
    accounts = [make_new_yorker(client, p) for p in (90_000, 50_000, 20_000)]
    for account in accounts:
        _phone(account, consent_source="provided_to_creditor", status=ContactStatus.VALID)
    queue_define(code="dial", name="Dialer", filters={}, order="balance_high", mode="pooled",
                 actor=ACTOR, now=SUNDAY)  # fmt: skip
    queue_build("dial", now=SUNDAY, actor=ACTOR)
    return accounts


def _list(**kw):  # type: ignore[no-untyped-def]
    return dialer_list(queue_code="dial", day=MONDAY, now=SUNDAY, actor=ACTOR, **kw)


class TestCallList:
    def test_a_new_yorker_on_a_weekday_may_be_called_from_eight_to_nine_local(self, queue) -> None:
        found = _list()
        assert [(r.rank, r.account_id, r.priority) for r in found.rows] == [
            (1, queue[0].pk, 1), (2, queue[1].pk, 1), (3, queue[2].pk, 1)]  # fmt: skip
        row = found.rows[0]
        assert (row.phone, row.time_zone, row.zones) == (
            "+17165550100", "America/New_York", ("America/New_York",))  # fmt: skip
        assert _windows(row) == WEEKDAY
        assert (found.counts.accounts, found.counts.rows, dict(found.counts.left_out)) == (3, 3, {})

    def test_an_inconvenient_lunch_hour_splits_the_window(self, queue) -> None:
        contact_restriction_add(account_id=queue[1].pk, kind="inconvenient_time",
                                received_on=date(2026, 10, 30), medium="phone",
                                weekdays="0,1,2,3,4", starts_at=time(12), ends_at=time(13),
                                actor=ACTOR, now=SUNDAY)  # fmt: skip
        row = _list().rows[1]
        assert row.account_id == queue[1].pk
        assert _windows(row) == [
            ("2026-11-02T13:00:00Z", "2026-11-02T17:00:00Z",
             "2026-11-02T08:00:00-05:00", "2026-11-02T12:00:00-05:00"),
            ("2026-11-02T18:00:00Z", "2026-11-03T02:00:00Z",
             "2026-11-02T13:00:00-05:00", "2026-11-02T21:00:00-05:00"),
        ]  # fmt: skip

    def test_held_ceased_and_called_out_accounts_are_left_out_and_counted_by_rule(
        self, queue
    ) -> None:
        hold_add(account_id=queue[0].pk, kind="bankruptcy", starts_on=date(2026, 11, 1),
                 source="court notice", actor=ACTOR, now=SUNDAY)  # fmt: skip
        hold_add(account_id=queue[1].pk, kind="cease", starts_on=date(2026, 11, 1),
                 source="letter", actor=ACTOR, now=SUNDAY)  # fmt: skip
        found = _list()
        assert [r.account_id for r in found.rows] == [queue[2].pk]
        assert dict(found.counts.left_out) == {
            "bankruptcy.automatic-stay": 1, "regf.cease-communication": 1}  # fmt: skip

    def test_seven_calls_in_seven_days_leave_the_account_out_for_the_day(self, queue) -> None:
        for n in range(7):  # Tuesday 27 October to Sunday 1 November, two on Sunday
            at = datetime(2026, 10, 27, 10, tzinfo=NY) + timedelta(days=min(n, 5), hours=n)
            contact_attempt_record(account_id=queue[2].pk, channel="call", direction="outbound",
                                   outcome="no_answer", at=at, now=at, actor=ACTOR)  # fmt: skip
        found = _list()
        assert [r.account_id for r in found.rows] == [queue[0].pk, queue[1].pk]
        assert dict(found.counts.left_out) == {"regf.call-frequency": 1}

    def test_bad_numbers_are_skipped_and_several_numbers_come_best_first(self, queue) -> None:
        party = _phone(queue[0]).party
        work = ContactPoint.objects.create(party=party, kind="phone", phone_e164="+17165550142",
                                           phone_type="work", valid_from=date(2026, 1, 1),
                                           value_index="w1")  # fmt: skip
        ContactPoint.objects.create(party=party, kind="phone", phone_e164="+17165550143",
                                    phone_type="home", status=ContactStatus.BAD,
                                    valid_from=date(2026, 1, 1), value_index="b1")  # fmt: skip
        ContactPoint.objects.create(party=party, kind="phone", phone_e164="+17165550144",
                                    phone_type="home", valid_from=date(2026, 1, 1),
                                    valid_to=date(2026, 11, 2), value_index="e1")  # fmt: skip
        rows = [r for r in _list(automated=False).rows if r.account_id == queue[0].pk]
        assert [(r.priority, r.phone, r.contact_point_id) for r in rows] == [
            (1, "+17165550100", _phone(queue[0]).pk), (2, "+17165550142", work.pk)]  # fmt: skip

    def test_a_mobile_without_consent_is_left_out_of_a_predictive_list_only(self, queue) -> None:
        _phone(queue[0], consent_source="")
        assert dict(_list().counts.left_out) == {"tcpa.automated-call-consent": 1}
        assert len(_list(automated=False).rows) == 3

    def test_worked_entries_are_counted_and_a_list_is_audited(self, queue) -> None:
        QueueEntry.objects.filter(account=queue[0]).update(worked_at=SUNDAY)
        found = _list()
        assert found.counts.left_out == {"worked_this_pass": 1}
        event = AuditEvent.objects.get(event="dialer.list_taken")
        assert (event.details["rows"], event.details["left_out"]) == (
            2, {"worked_this_pass": 1})  # fmt: skip

    def test_a_list_made_at_noon_starts_at_noon(self, queue) -> None:
        noon = datetime(2026, 11, 2, 12, 0, tzinfo=NY)
        row = dialer_list(queue_code="dial", day=MONDAY, now=noon, actor=ACTOR).rows[0]
        assert _windows(row)[0][2:] == ("2026-11-02T12:00:00-05:00", "2026-11-02T21:00:00-05:00")

    def test_an_unknown_queue_is_refused_naming_it(self) -> None:
        with pytest.raises(NotFound) as refused:
            dialer_list(queue_code="nope", day=MONDAY, now=SUNDAY, actor=ACTOR)
        assert refused.value.field == "queue"


MONDAY_10 = datetime(2026, 11, 2, 10, 0, tzinfo=NY)
HEADER = "call_id,account,phone,started_at,result,agent,mode\n"


def _file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "dispositions.csv"
    path.write_text(HEADER + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


class TestDispositions:
    def test_each_call_is_recorded_once_and_a_second_load_changes_nothing(
        self, queue, tmp_path
    ) -> None:
        User.objects.create_user("casey", password="x")
        a, b = queue[0].pk, queue[1].pk
        path = _file(tmp_path,
                     f"C-1,{a},+17165550100,2026-11-02T09:05:00-05:00,NO_ANSWER,,",
                     f"C-2,{b},7165550100,2026-11-02T09:06:00-05:00,ANSWERED_RIGHT_PARTY,casey,",
                     f"C-3,{a},+17165550100,2026-11-02T09:30:00-05:00,BUSY,,")  # fmt: skip
        report = dialer_dispositions_file(path, actor=ACTOR, now=MONDAY_10)
        assert report.as_dict() == {
            "file": "dispositions.csv", "rows": 3, "recorded": 3, "duplicates": 0, "rejected": 0,
            "made_while_blocked": 0, "marked_bad": 0, "unknown_numbers": 0,
        }  # fmt: skip
        c1, c2, c3 = ContactAttempt.objects.order_by("key")
        assert (c1.key, c1.outcome, c1.disposition, c1.automated, c1.source, c1.allowed) == (
            "dialer:C-1", "no_answer", "no_answer", True, "dialer", True)  # fmt: skip
        assert (c2.outcome, c2.recipient, c2.disposition, c2.created_by.username) == (
            "conversation", "consumer", "right_party", "casey")  # fmt: skip
        assert (c3.outcome, c3.at) == ("not_connected", datetime(2026, 11, 2, 14, 30, tzinfo=UTC))
        assert c1.contact_point_id == _phone(queue[0]).pk and c1.pack_version
        before = list(ContactAttempt.objects.values_list("pk", "outcome", "at"))
        again = dialer_dispositions_file(path, actor=ACTOR, now=MONDAY_10 + timedelta(hours=1))
        assert (again.recorded, again.duplicates) == (0, 3)
        assert list(ContactAttempt.objects.values_list("pk", "outcome", "at")) == before

    def test_a_call_the_rules_block_is_recorded_with_its_decision_and_audited(
        self, queue, tmp_path
    ) -> None:
        a = queue[0].pk
        path = _file(tmp_path, f"C-9,{a},+17165550100,2026-11-02T07:15:00-05:00,NO_ANSWER,,")
        report = dialer_dispositions_file(path, actor=ACTOR, now=MONDAY_10)
        assert (report.recorded, report.made_while_blocked) == (1, 1)
        attempt = ContactAttempt.objects.get(key="dialer:C-9")
        assert attempt.allowed is False
        assert [r["rule"] for r in attempt.reasons if r["verdict"] == "block"] == [
            "regf.inconvenient-time"]  # fmt: skip
        event = AuditEvent.objects.get(event="contact.made_while_blocked")
        assert (event.account_id, event.details) == (
            a, {"attempt": attempt.pk, "rules": ["regf.inconvenient-time"]})  # fmt: skip

    def test_a_wrong_number_and_a_disconnected_one_are_marked_bad(self, queue, tmp_path) -> None:
        a, b = queue[0].pk, queue[1].pk
        path = _file(tmp_path,
                     f"C-4,{a},+17165550100,2026-11-02T09:00:00-05:00,WRONG_NUMBER,,",
                     f"C-5,{b},+17165550100,2026-11-02T09:01:00-05:00,DISCONNECTED,,")  # fmt: skip
        report = dialer_dispositions_file(path, actor=ACTOR, now=MONDAY_10)
        assert (report.recorded, report.marked_bad) == (2, 2)
        assert _phone(queue[0]).status == _phone(queue[1]).status == ContactStatus.BAD
        assert ContactAttempt.objects.get(key="dialer:C-4").outcome == "wrong_party"
        marked = AuditEvent.objects.filter(event="contact_point.marked_bad").order_by("pk")
        assert [e.details["reason"] for e in marked] == [
            "dialer: wrong number (call C-4)", "dialer: disconnected (call C-5)"]  # fmt: skip

    def test_bad_rows_go_to_the_rejects_file_and_the_good_ones_load(self, queue, tmp_path) -> None:
        a = queue[0].pk
        path = _file(tmp_path,
                     f"C-6,{a},+17165550100,2026-11-02T09:00:00-05:00,NO_ANSWER,,",
                     "C-7,999999,+17165550100,2026-11-02T09:00:00-05:00,NO_ANSWER,,",
                     f"C-8,{a},+17165550100,2026-11-02 09:00,NO_ANSWER,,",
                     f"C-9,{a},+17165550100,2026-11-02T11:00:00-05:00,NO_ANSWER,,")  # fmt: skip
        rejects = tmp_path / "rejects.csv"
        report = dialer_dispositions_file(path, actor=ACTOR, now=MONDAY_10, rejects_path=rejects)
        assert (report.recorded, report.rejected) == (1, 3)
        lines = rejects.read_text(encoding="utf-8").splitlines()
        assert (
            lines[0] == "call_id,account,phone,started_at,result,agent,mode,line,field,code,reason"
        )
        assert [line.split(",")[7:10] for line in lines[1:]] == [
            ["3", "account", "not_found"], ["4", "started_at", "invalid_moment"],
            ["5", "started_at", "refused"]]  # fmt: skip
        assert list(ContactAttempt.objects.values_list("key", flat=True)) == ["dialer:C-6"]

    def test_the_api_form_is_all_or_nothing_naming_the_record_and_field(self, queue) -> None:
        good = {"call_id": "A-1", "account": queue[0].pk, "phone": "+17165550100",
                "started_at": "2026-11-02T09:00:00-05:00", "result": "NO_ANSWER"}  # fmt: skip
        with pytest.raises(NotFound) as refused:
            dialer_dispositions_record([good, {**good, "call_id": "A-2", "account": 999999}],
                                       actor=ACTOR, now=MONDAY_10)  # fmt: skip
        assert refused.value.field == "records[1].account"
        with pytest.raises(ServiceError) as refused:
            dialer_dispositions_record([good, {**good, "call_id": "A-2", "result": "HUNG_UP"}],
                                       actor=ACTOR, now=MONDAY_10)  # fmt: skip
        assert refused.value.field == "records[1].result"
        assert not ContactAttempt.objects.exists()
        report = dialer_dispositions_record([good], actor=ACTOR, now=MONDAY_10)
        assert (report.recorded, report.duplicates) == (1, 0)


class TestPreviewCall:
    def test_the_best_allowed_number_is_placed_and_audited(self, queue) -> None:
        dialer = FakeDialer()
        placed = preview_call_place(account_id=queue[0].pk, agent="casey", actor=ACTOR,
                                    now=MONDAY_10, dialer=dialer)  # fmt: skip
        assert (placed.masked, placed.key) == ("+1 716 ***-0100", f"dialer:{placed.call_id}")
        assert [(c.agent, c.to) for c in dialer.placed] == [("casey", "+17165550100")]
        event = AuditEvent.objects.get(event="dialer.call_placed")
        assert (event.account_id, event.details["call_id"], event.details["to"]) == (
            queue[0].pk, placed.call_id, "+1 716 ***-0100")  # fmt: skip
        assert not ContactAttempt.objects.exists()  # recorded when its outcome is known

    def test_a_blocked_call_is_refused_with_its_decision_and_nothing_is_placed(self, queue) -> None:
        dialer = FakeDialer()
        with pytest.raises(ContactBlocked) as blocked:
            preview_call_place(account_id=queue[0].pk, agent="casey", actor=ACTOR,
                               now=datetime(2026, 11, 2, 7, 30, tzinfo=NY), dialer=dialer)  # fmt: skip
        assert [r.rule_id for r in blocked.value.decision.blocks] == ["regf.inconvenient-time"]
        assert blocked.value.decision.earliest == datetime(2026, 11, 2, 8, 0, tzinfo=NY)
        assert dialer.placed == [] and not AuditEvent.objects.filter(
            event__startswith="dialer.").exists()  # fmt: skip

    def test_a_failed_dial_is_refused_and_audited(self, queue) -> None:
        _phone(queue[0], phone_e164="+17165550000")
        with pytest.raises(ServiceError, match="could not place the call: no line"):
            preview_call_place(account_id=queue[0].pk, agent="casey", actor=ACTOR,
                               now=MONDAY_10, dialer=FakeDialer())  # fmt: skip
        assert AuditEvent.objects.filter(event="dialer.call_failed").count() == 1
