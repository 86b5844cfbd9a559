"""A promise to pay on several dates (ADR 25): recorded as one row per date linked to the first,
refused with the field named and nothing saved, judged date by date by the running total, and
read as one promise by the account screen, the queues and the floor."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arrears.core.work import parse_filters
from arrears.data.audit.models import AuditEvent
from arrears.data.contacts.models import ContactAttempt
from arrears.data.users.models import Role, User
from arrears.data.work.models import Promise
from arrears.services.common import Actor, ServiceError
from arrears.services.payments.posting import payment_post
from arrears.services.supervision.operations import promise_grace_set
from arrears.services.supervision.queries import Promises, floor_summary
from arrears.services.work.actions import PromiseDate, call_log, promise_record
from arrears.services.work.promises import promises_evaluate
from arrears.services.work.queries import open_promises, timeline
from arrears.services.work.queues import matching_accounts
from arrears.services.work.screen import account_screen
from tests.factories import make_account, make_client, make_new_yorker

pytestmark = pytest.mark.django_db

MADE = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York
SYSTEM = Actor.system("promises-evaluate")
FIRST, SECOND = date(2026, 11, 13), date(2026, 11, 27)


@pytest.fixture
def casey() -> Actor:
    user = User.objects.create_user("casey", password="x", role=Role.COLLECTOR)
    return Actor(label="casey", user_id=user.pk)


@pytest.fixture
def acme():  # type: ignore[no-untyped-def]
    return make_client()


def on(*dates: tuple[int | None, date | None]) -> list[PromiseDate]:
    return [PromiseDate(amount_minor=amount, due_on=due) for amount, due in dates]


def two_dates(account_id: int, actor: Actor, amount: int = 10_000) -> Promise:
    """$100 on the 13th and $100 on the 27th, promised on 2 November."""
    return promise_record(account_id=account_id, actor=actor, now=MADE,
                          promises=on((amount, FIRST), (amount, SECOND)))  # fmt: skip


def dates_of(first: Promise) -> list[tuple[str, date | None]]:
    rows = Promise.objects.filter(pk=first.pk) | Promise.objects.filter(first=first)
    return list(rows.order_by("due_on").values_list("status", "resolved_on"))


def pay(account_id: int, amount: int, on_day: date) -> None:
    payment_post(account_id=account_id, amount_minor=amount, received_on=on_day, source="card",
                 actor=SYSTEM, reference=f"{account_id}-{on_day}-{amount}")  # fmt: skip


def evaluate(day: date) -> tuple[int, int, int]:
    report = promises_evaluate(as_of=day, actor=SYSTEM, now=MADE)
    return report.judged, report.kept, report.broken


class TestRecording:
    def test_each_date_is_a_row_pointing_at_the_first_with_one_audit_event(
        self, acme, casey
    ) -> None:
        account = make_account(acme)
        first = promise_record(account_id=account.pk, actor=casey, now=MADE, note="paydays",
                               promises=on((10_000, FIRST), (7_550, SECOND),
                                           (2_450, date(2026, 12, 11))))  # fmt: skip
        rows = list(Promise.objects.order_by("due_on").values_list(
            "pk", "first_id", "amount_minor", "due_on", "status", "note", "created_by_id"))  # fmt: skip
        assert [r[1:] for r in rows] == [
            (None, 10_000, FIRST, "open", "paydays", casey.user_id),
            (first.pk, 7_550, SECOND, "open", "paydays", casey.user_id),
            (first.pk, 2_450, date(2026, 12, 11), "open", "paydays", casey.user_id),
        ]  # fmt: skip
        assert rows[0][0] == first.pk and {p.key for p in Promise.objects.all()} == {first.pk}
        event = AuditEvent.objects.get(event="promise.made")
        assert event.details == {
            "promise": first.pk, "amount_minor": 20_000, "due_on": "2026-11-13",
            "dates": [
                {"promise": rows[0][0], "amount_minor": 10_000, "due_on": "2026-11-13"},
                {"promise": rows[1][0], "amount_minor": 7_550, "due_on": "2026-11-27"},
                {"promise": rows[2][0], "amount_minor": 2_450, "due_on": "2026-12-11"},
            ],
        }  # fmt: skip

    def test_a_call_ending_in_a_promise_on_two_dates_links_both_to_the_call(
        self, acme, casey
    ) -> None:
        account = make_new_yorker(acme, 80_000)
        logged = call_log(account_id=account.pk, disposition="promise", at=MADE, now=MADE,
                          actor=casey, promises=on((10_000, FIRST), (10_000, SECOND)))  # fmt: skip
        assert logged.promise == logged.promise_dates[0]
        assert [(p.amount_minor, p.due_on, p.attempt_id, p.first_id)
                for p in logged.promise_dates] == [
            (10_000, FIRST, logged.attempt.pk, None),
            (10_000, SECOND, logged.attempt.pk, logged.promise.pk),
        ]  # fmt: skip

    def test_a_promise_on_one_date_is_recorded_as_before(self, acme, casey) -> None:
        account = make_account(acme)
        promise = promise_record(account_id=account.pk, amount_minor=15_000, due_on=FIRST,
                                 actor=casey, now=MADE)  # fmt: skip
        assert (promise.first_id, promise.amount_minor, promise.due_on) == (None, 15_000, FIRST)
        assert AuditEvent.objects.get(event="promise.made").details == {
            "promise": promise.pk, "amount_minor": 15_000, "due_on": "2026-11-13"}  # fmt: skip


class TestRefusals:
    @pytest.mark.parametrize(
        ("dates", "field", "message"),
        [
            ([], "promises", "at least one amount and day"),
            ([(100, date(2026, 11, 3 + n)) for n in range(7)], "promises", "at most 6 dates"),
            ([(10_000, FIRST), (10_000, FIRST)], "promises[1].due_on", "after the one before"),
            ([(10_000, SECOND), (10_000, FIRST)], "promises[1].due_on", "after the one before"),
            ([(10_000, date(2026, 11, 1))], "promises[0].due_on", "in the past"),
            ([(10_000, FIRST), (10_000, date(2027, 11, 4))], "promises[1].due_on",
             "more than a year out"),
            ([(10_000, FIRST), (0, SECOND)], "promises[1].amount", "above zero"),
            ([(None, FIRST)], "promises[0].amount", "needs the amount promised"),
            ([(10_000, FIRST), (10_000, None)], "promises[1].due_on", "needs the day it is due"),
            ([(60_000, FIRST), (40_001, SECOND)], "promises", "more than the 1,000.00 owed"),
        ],
    )  # fmt: skip
    def test_a_bad_date_is_refused_naming_its_field_and_nothing_is_saved(
        self, acme, casey, dates, field, message
    ) -> None:
        account = make_account(acme)  # owes 1,000.00
        with pytest.raises(ServiceError, match=re.escape(message)) as refused:
            promise_record(account_id=account.pk, actor=casey, now=MADE, promises=on(*dates))
        assert refused.value.field == field
        assert not Promise.objects.exists()
        assert not AuditEvent.objects.filter(event="promise.made").exists()

    def test_one_amount_and_a_list_at_once_is_refused(self, acme, casey) -> None:
        account = make_account(acme)
        with pytest.raises(ServiceError) as refused:
            promise_record(account_id=account.pk, actor=casey, now=MADE, amount_minor=10_000,
                           due_on=FIRST, promises=on((10_000, SECOND)))  # fmt: skip
        assert refused.value.field == "promises" and not Promise.objects.exists()

    def test_one_amount_above_the_balance_is_refused_on_the_amount(self, acme, casey) -> None:
        account = make_account(acme, principal=10_000)
        with pytest.raises(
            ServiceError, match=re.escape("for 100.01, more than the 100.00 owed")
        ) as refused:
            promise_record(account_id=account.pk, actor=casey, now=MADE, amount_minor=10_001,
                           due_on=FIRST)  # fmt: skip
        assert refused.value.field == "promise_amount" and not Promise.objects.exists()

    def test_a_call_whose_promise_is_refused_is_not_logged_either(self, acme, casey) -> None:
        account = make_new_yorker(acme, 80_000)
        with pytest.raises(ServiceError) as refused:
            call_log(account_id=account.pk, disposition="promise", at=MADE, now=MADE,
                     actor=casey, promises=on((50_000, FIRST), (30_001, SECOND)))  # fmt: skip
        assert refused.value.field == "promises"
        assert not ContactAttempt.objects.exists() and not Promise.objects.exists()
        assert not AuditEvent.objects.filter(event__in=["call.logged", "promise.made"]).exists()


class TestJudgement:
    def test_a_payment_of_the_first_amount_keeps_it_and_the_second_breaks_after_its_grace(
        self, acme, casey
    ) -> None:
        promise_grace_set(client_code="ACME", days=2, actor=SYSTEM, now=MADE)
        account = make_account(acme)
        first = two_dates(account.pk, casey)
        pay(account.pk, 10_000, date(2026, 11, 10))
        assert evaluate(date(2026, 11, 20)) == (2, 1, 0)
        assert dates_of(first) == [("kept", date(2026, 11, 10)), ("open", None)]
        assert evaluate(date(2026, 11, 29)) == (1, 0, 0)  # the 27th plus two days of grace
        assert dates_of(first) == [("kept", date(2026, 11, 10)), ("open", None)]
        assert evaluate(date(2026, 11, 30)) == (1, 0, 1)
        assert dates_of(first) == [("kept", date(2026, 11, 10)), ("broken", date(2026, 11, 30))]

    def test_one_payment_of_both_amounts_before_the_first_date_keeps_both(
        self, acme, casey
    ) -> None:
        account = make_account(acme)
        first = two_dates(account.pk, casey)
        pay(account.pk, 20_000, date(2026, 11, 5))
        assert evaluate(date(2026, 11, 6)) == (2, 2, 0)
        assert dates_of(first) == [("kept", date(2026, 11, 5)), ("kept", date(2026, 11, 5))]

    def test_a_later_run_still_counts_the_cash_that_kept_the_first_date(self, acme, casey) -> None:
        account = make_account(acme)
        first = two_dates(account.pk, casey)
        pay(account.pk, 10_000, date(2026, 11, 5))
        assert evaluate(date(2026, 11, 6)) == (2, 1, 0)
        pay(account.pk, 9_999, date(2026, 11, 20))
        assert evaluate(date(2026, 11, 21)) == (1, 0, 0)  # 199.99 of 200.00
        pay(account.pk, 1, date(2026, 11, 26))
        assert evaluate(date(2026, 11, 28)) == (1, 1, 0)
        assert dates_of(first) == [("kept", date(2026, 11, 5)), ("kept", date(2026, 11, 26))]

    def test_a_missed_first_date_breaks_alone_and_catching_up_keeps_the_second(
        self, acme, casey
    ) -> None:
        account = make_account(acme)
        first = two_dates(account.pk, casey)
        assert evaluate(date(2026, 11, 14)) == (2, 0, 1)
        assert dates_of(first) == [("broken", date(2026, 11, 14)), ("open", None)]
        pay(account.pk, 20_000, date(2026, 11, 20))
        assert evaluate(date(2026, 11, 21)) == (1, 1, 0)
        assert dates_of(first) == [("broken", date(2026, 11, 14)), ("kept", date(2026, 11, 20))]

    def test_the_run_sends_as_many_statements_for_many_promises_as_for_one(
        self, acme, casey
    ) -> None:
        def statements(accounts: int) -> int:
            for _ in range(accounts):
                account = make_account(acme)
                two_dates(account.pk, casey)
                pay(account.pk, 10_000, date(2026, 11, 5))
            evaluate(date(2026, 11, 6))  # the first dates are kept; the second ones stay open
            with CaptureQueriesContext(connection) as run:
                evaluate(date(2026, 11, 7))
            Promise.objects.filter(status="open").update(status="cancelled")
            return len(run.captured_queries)

        assert statements(1) == statements(6)


class TestReaders:
    def test_the_account_shows_the_open_promise_with_every_date(self, acme, casey) -> None:
        account = make_new_yorker(acme, 80_000)
        first = two_dates(account.pk, casey)
        pay(account.pk, 10_000, date(2026, 11, 5))
        evaluate(date(2026, 11, 6))
        (shown,) = open_promises(account.pk)
        assert shown.pk == first.pk and shown.several
        assert [(d.due_on, d.amount_minor, d.status) for d in shown.dates] == [
            (FIRST, 10_000, "kept"), (SECOND, 10_000, "open")]  # fmt: skip
        assert (shown.total_minor, shown.next_due_on) == (20_000, SECOND)
        screen = account_screen(account.pk, at=MADE)
        assert screen is not None
        assert [[d.pk for d in p.dates] for p in screen.promises] == [
            [d.pk for d in shown.dates]]  # fmt: skip
        (item,) = [i for i in timeline(account.pk) if i.kind == "promise"]
        assert item.title == "Promise to pay 100.00 by 13 Nov 2026 and 100.00 by 27 Nov 2026"
        assert item.detail == "13 Nov: kept; 27 Nov: open"

    def test_a_missed_date_brings_the_account_to_the_broken_queue_while_the_rest_wait(
        self, acme, casey
    ) -> None:
        missed, promised_again = make_account(acme), make_account(acme)
        two_dates(missed.pk, casey)
        promise_record(account_id=promised_again.pk, amount_minor=5_000, due_on=date(2026, 11, 4),
                       actor=casey, now=MADE)  # fmt: skip
        evaluate(date(2026, 11, 14))  # both first dates broke
        promise_record(account_id=promised_again.pk, amount_minor=5_000,
                       due_on=date(2026, 11, 30), actor=casey,
                       now=datetime.combine(date(2026, 11, 14), time(15), tzinfo=UTC))  # fmt: skip
        at = datetime.combine(date(2026, 11, 16), time(15), tzinfo=UTC)
        broken = matching_accounts(parse_filters({"broken_days": 7}), now=at)
        assert set(broken.values_list("pk", flat=True)) == {missed.pk}

    def test_the_promise_due_filter_reads_the_next_open_date(self, acme, casey) -> None:
        account = make_account(acme)
        two_dates(account.pk, casey)
        pay(account.pk, 10_000, date(2026, 11, 5))
        evaluate(date(2026, 11, 6))
        due = parse_filters({"promise_due": True})

        def held(day: date) -> list[int]:
            at = datetime.combine(day, time(15), tzinfo=UTC)
            return list(matching_accounts(due, now=at).values_list("pk", flat=True))

        assert held(date(2026, 11, 14)) == []  # the 13th was kept; the 27th is not due yet
        assert held(date(2026, 11, 27)) == [account.pk]

    def test_the_floor_counts_a_promise_on_several_dates_once(self, acme, casey) -> None:
        both_kept, second_missed, caught_up, two_missed = (make_account(acme) for _ in range(4))
        for account in (both_kept, second_missed, caught_up):
            two_dates(account.pk, casey)
        promise_record(account_id=two_missed.pk, actor=casey, now=MADE,
                       promises=on((5_000, FIRST), (5_000, SECOND),
                                   (5_000, date(2026, 12, 11))))  # fmt: skip
        pay(both_kept.pk, 20_000, date(2026, 11, 10))
        pay(second_missed.pk, 10_000, date(2026, 11, 10))
        pay(caught_up.pk, 20_000, date(2026, 11, 20))
        evaluate(date(2026, 11, 30))
        assert Promise.objects.filter(status="broken").count() == 4  # dates, not promises
        summary = floor_summary(day=date(2026, 11, 30),
                                now=datetime(2026, 11, 30, 22, tzinfo=UTC))  # fmt: skip
        (row,) = [r for r in summary.collectors if r.user.pk == casey.user_id]
        # Four promises for 750.00; one kept (both dates), three broken (each once).
        assert row.figures.promises == Promises(made_today=0, made_month=4,
                                                made_month_minor=75_000, kept_month=1,
                                                broken_month=3)  # fmt: skip
