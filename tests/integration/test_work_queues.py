"""Work queues: building them from a definition, handing each account to one collector, skipping
what compliance blocks, and what a collector's actions leave behind."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from arrears.data.accounts.models import Account
from arrears.data.audit.models import AuditEvent
from arrears.data.contacts.models import ContactAttempt
from arrears.data.parties.models import ContactPoint
from arrears.data.users.models import User
from arrears.data.work.models import Callback, Lease, Promise, QueueEntry, WorkQueue
from arrears.services.common import Actor, ServiceError
from arrears.services.compliance.operations import ContactBlocked
from arrears.services.ledger.operations import hold_add
from arrears.services.work.actions import (
    account_status_change,
    assignment_set,
    call_log,
    note_add,
)
from arrears.services.work.picking import NotAMember, lease_release, next_account
from arrears.services.work.queries import queue_state, skipped_accounts, timeline
from arrears.services.work.queues import queue_build, queue_define
from tests.factories import make_client, make_new_yorker

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 11, 2, 10, 0, tzinfo=NY)  # Monday 2 November 2026, 10:00 in New York
ACTOR = Actor.system("test")


def _user(name: str, role: str = "collector") -> User:
    return User.objects.create_user(username=name, password="x", role=role)


@pytest.fixture
def book():  # type: ignore[no-untyped-def]
    """Five New York accounts of 500 to 100 dollars, and a queue of them, highest first."""
    alice, bob = _user("alice"), _user("bob")
    client = make_client(granted_to=[alice, bob])
    accounts = [
        make_new_yorker(client, principal=p) for p in (50_000, 40_000, 30_000, 20_000, 10_000)
    ]
    queue_define(code="ny-high", name="New York, high balances", filters={"states": ["NY"]},
                 order="balance_high", mode="pooled", members=["alice", "bob"], actor=ACTOR,
                 now=MONDAY)  # fmt: skip
    queue_build("ny-high", now=MONDAY, actor=ACTOR)
    return accounts, alice, bob


class TestBuilding:
    def test_build_ranks_the_matching_accounts_in_the_queue_order(self, book) -> None:
        accounts, _, _ = book
        ranked = list(
            QueueEntry.objects.filter(queue__code="ny-high")
            .order_by("rank")
            .values_list("rank", "account_id")
        )
        assert ranked == [(i + 1, a.pk) for i, a in enumerate(accounts)]
        assert WorkQueue.objects.get(code="ny-high").size == 5

    def test_filters_keep_out_other_clients_held_accounts_and_balances_outside_the_band(
        self, book
    ) -> None:
        accounts, _, _ = book
        other = make_new_yorker(make_client("OTHR"), principal=45_000)
        hold_add(account_id=accounts[1].pk, kind="attorney", starts_on=date(2026, 10, 1),
                 source="letter from counsel", actor=ACTOR, now=MONDAY)  # fmt: skip
        queue_define(code="acme-mid", name="ACME mid", order="balance_low", mode="pooled",
                     filters={"clients": ["acme"], "balance_min": "150.00",
                              "balance_max": "450.00", "hold": "none"},
                     actor=ACTOR, now=MONDAY)  # fmt: skip
        report = queue_build("acme-mid", now=MONDAY, actor=ACTOR)
        ranked = list(
            QueueEntry.objects.filter(queue__code="acme-mid")
            .order_by("rank")
            .values_list("account_id", flat=True)
        )
        assert ranked == [accounts[3].pk, accounts[2].pk]  # 200 and 300; 400 is on hold
        assert other.pk not in ranked and report.accounts == 2

    def test_a_definition_that_would_not_build_is_refused_naming_the_field(self) -> None:
        with pytest.raises(ServiceError) as refused:
            queue_define(code="bad", name="Bad", filters={"balance_min": "ten dollars"},
                         order="balance_high", mode="pooled", actor=ACTOR, now=MONDAY)  # fmt: skip
        assert refused.value.field == "filters.balance_min"
        assert not WorkQueue.objects.exists()

    def test_a_rebuild_keeps_what_was_worked_today(self, book) -> None:
        accounts, alice, _ = book
        next_account(queue_code="ny-high", user=alice, now=MONDAY)
        note_add(account_id=accounts[0].pk, text="Left a message with the spouse.", actor=ACTOR,
                 now=MONDAY)  # fmt: skip
        report = queue_build("ny-high", now=MONDAY + timedelta(hours=2), actor=ACTOR)
        assert report.kept_worked == 1
        pick = next_account(queue_code="ny-high", user=alice, now=MONDAY + timedelta(hours=2))
        assert pick is not None and pick.account_id == accounts[1].pk


class TestNextAccount:
    def test_each_collector_gets_a_different_account_in_rank_order(self, book) -> None:
        accounts, alice, bob = book
        first = next_account(queue_code="ny-high", user=alice, now=MONDAY)
        second = next_account(queue_code="ny-high", user=bob, now=MONDAY)
        assert first is not None and second is not None
        assert (first.account_id, second.account_id) == (accounts[0].pk, accounts[1].pk)
        assert first.until == MONDAY + timedelta(minutes=15)
        assert Lease.objects.get(account_id=accounts[0].pk).user == alice
        assert AuditEvent.objects.filter(event="work.picked").count() == 2

    def test_moving_on_gives_the_lease_back_and_skips_the_account_in_this_pass(self, book) -> None:
        accounts, alice, bob = book
        next_account(queue_code="ny-high", user=alice, now=MONDAY)
        again = next_account(queue_code="ny-high", user=alice, now=MONDAY + timedelta(minutes=1))
        assert again is not None and again.account_id == accounts[1].pk
        assert Lease.objects.get(account_id=accounts[0].pk).until == MONDAY + timedelta(minutes=1)
        bobs = next_account(queue_code="ny-high", user=bob, now=MONDAY + timedelta(minutes=2))
        assert bobs is not None and bobs.account_id == accounts[2].pk

    def test_an_expired_lease_lets_another_collector_take_the_account(self, book) -> None:
        accounts, alice, bob = book
        next_account(queue_code="ny-high", user=alice, now=MONDAY)
        later = MONDAY + timedelta(minutes=16)
        pick = next_account(queue_code="ny-high", user=bob, now=later)
        assert pick is not None and pick.account_id == accounts[0].pk
        assert Lease.objects.get(account_id=accounts[0].pk).user == bob

    def test_released_account_returns_to_the_queue(self, book) -> None:
        accounts, alice, bob = book
        next_account(queue_code="ny-high", user=alice, now=MONDAY)
        assert lease_release(account_id=accounts[0].pk, user=alice, now=MONDAY)
        pick = next_account(queue_code="ny-high", user=bob, now=MONDAY)
        assert pick is not None and pick.account_id == accounts[0].pk

    def test_a_pick_writes_its_audit_row_with_the_queue_rank_and_lease_end(self, book) -> None:
        accounts, alice, _ = book
        pick = next_account(queue_code="ny-high", user=alice, now=MONDAY)
        assert pick is not None
        event = AuditEvent.objects.get(event="work.picked")
        assert (event.at, event.actor_id, event.actor_label, event.account_id) == (
            MONDAY,
            alice.pk,
            alice.username,
            accounts[0].pk,
        )
        assert event.details == {
            "queue": "ny-high",
            "rank": pick.rank,
            "until": (MONDAY + timedelta(minutes=15)).isoformat(),
        }

    @pytest.mark.postgresql
    def test_picks_reuse_one_prepared_plan_per_statement_on_postgresql(self, book) -> None:
        from django.db import connection

        _, alice, _ = book
        for minute in range(3):
            assert next_account(queue_code="ny-high", user=alice,
                                now=MONDAY + timedelta(minutes=minute)) is not None  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
            )
            plans = {statement.split()[0] + (" pick" if "candidate" in statement else ""):
                     (generic, custom) for statement, generic, custom in cursor.fetchall()}  # fmt: skip
        # Each statement parsed and planned once, then run three times on the same plan.
        assert plans["WITH pick"] == (3, 0)
        assert plans["UPDATE"] == (3, 0)

    def test_accounts_blocked_on_every_channel_are_skipped_and_the_queue_says_why(
        self, book
    ) -> None:
        accounts, alice, _ = book
        hold_add(account_id=accounts[0].pk, kind="bankruptcy", starts_on=date(2026, 11, 1),
                 source="PACER notice", actor=ACTOR, now=MONDAY)  # fmt: skip
        pick = next_account(queue_code="ny-high", user=alice, now=MONDAY)
        assert pick is not None and pick.account_id == accounts[1].pk
        queue = WorkQueue.objects.get(code="ny-high")
        skipped = skipped_accounts(queue, now=MONDAY)
        assert [s.account.pk for s in skipped] == [accounts[0].pk]
        assert skipped[0].next_at is None and "bankruptcy.automatic-stay" in skipped[0].rules
        state = queue_state(queue, now=MONDAY)
        assert (state.size, state.leased, state.available, state.blocked) == (5, 1, 3, 1)

    def test_after_hours_nothing_is_offered(self, book) -> None:
        _, alice, _ = book
        from arrears.services.compliance.operations import contactability_refresh

        late = datetime(2026, 11, 2, 21, 30, tzinfo=NY)
        contactability_refresh(Account.objects.values_list("pk", flat=True), at=late)
        assert next_account(queue_code="ny-high", user=alice, now=late) is None

    def test_a_queue_not_granted_is_refused_and_nothing_is_leased(self, book) -> None:
        carol = _user("carol")
        with pytest.raises(NotAMember):
            next_account(queue_code="ny-high", user=carol, now=MONDAY)
        assert not Lease.objects.exists()
        boss = _user("boss", role="supervisor")
        assert next_account(queue_code="ny-high", user=boss, now=MONDAY) is not None

    def test_an_owned_queue_offers_each_collector_only_their_accounts(self, book) -> None:
        accounts, alice, bob = book
        assignment_set(account_ids=[accounts[2].pk, accounts[4].pk], username="bob",
                       actor=ACTOR, now=MONDAY)  # fmt: skip
        queue_define(code="mine", name="My accounts", filters={}, order="balance_high",
                     mode="owned", members=["alice", "bob"], actor=ACTOR, now=MONDAY)  # fmt: skip
        queue_build("mine", now=MONDAY, actor=ACTOR)
        assert next_account(queue_code="mine", user=alice, now=MONDAY) is None
        first = next_account(queue_code="mine", user=bob, now=MONDAY)
        second = next_account(queue_code="mine", user=bob, now=MONDAY)
        assert first is not None and second is not None
        assert (first.account_id, second.account_id) == (accounts[2].pk, accounts[4].pk)


class TestActions:
    def test_a_promise_on_a_call_is_kept_with_the_call_and_works_the_account(self, book) -> None:
        accounts, alice, _ = book
        next_account(queue_code="ny-high", user=alice, now=MONDAY)
        actor = Actor(label="alice", user_id=alice.pk)
        logged = call_log(account_id=accounts[0].pk, disposition="promise", at=MONDAY,
                          now=MONDAY, actor=actor, promise_amount_minor=12_500,
                          promise_due_on=date(2026, 11, 13), note="Pays on the 13th.")  # fmt: skip
        assert logged.attempt.disposition == "promise" and logged.attempt.outcome == "conversation"
        assert logged.attempt.allowed is True
        promise = Promise.objects.get(account=accounts[0])
        assert (promise.amount_minor, promise.due_on, promise.attempt_id) == (
            12_500, date(2026, 11, 13), logged.attempt.pk,
        )  # fmt: skip
        assert QueueEntry.objects.get(account=accounts[0]).worked_at == MONDAY
        titles = [i.title for i in timeline(accounts[0].pk)]
        assert "Outbound call: Promise to pay" in titles
        assert "Promise to pay 125.00 by 13 Nov 2026" in titles

    def test_a_blocked_call_saves_nothing_not_even_its_promise(self, book) -> None:
        accounts, _, _ = book
        late = datetime(2026, 11, 2, 21, 30, tzinfo=NY)
        with pytest.raises(ContactBlocked) as refused:
            call_log(account_id=accounts[0].pk, disposition="promise", at=late, now=late,
                     actor=ACTOR, promise_amount_minor=5_000,
                     promise_due_on=date(2026, 11, 20))  # fmt: skip
        assert "regf.inconvenient-time" in {r.rule_id for r in refused.value.decision.blocks}
        assert not ContactAttempt.objects.exists() and not Promise.objects.exists()
        assert not QueueEntry.objects.filter(worked_at__isnull=False).exists()

    def test_a_promise_without_its_amount_is_refused_naming_the_field(self, book) -> None:
        accounts, _, _ = book
        with pytest.raises(ServiceError) as refused:
            call_log(account_id=accounts[0].pk, disposition="promise", at=MONDAY, now=MONDAY,
                     actor=ACTOR, promise_due_on=date(2026, 11, 20))  # fmt: skip
        assert refused.value.field == "promise_amount"
        assert not ContactAttempt.objects.exists()

    def test_a_wrong_number_is_marked_bad(self, book) -> None:
        accounts, _, _ = book
        phone = ContactPoint.objects.get(party__account_parties__account=accounts[0], kind="phone")
        logged = call_log(account_id=accounts[0].pk, disposition="wrong_number", at=MONDAY,
                          now=MONDAY, actor=ACTOR, contact_point_id=phone.pk)  # fmt: skip
        phone.refresh_from_db()
        assert phone.status == "bad" and logged.marked_bad == phone
        assert logged.attempt.outcome == "wrong_party"

    def test_a_callback_on_a_call_is_scheduled_and_a_later_call_answers_it(self, book) -> None:
        accounts, _, _ = book
        at = MONDAY + timedelta(hours=5)
        call_log(account_id=accounts[0].pk, disposition="callback", at=MONDAY, now=MONDAY,
                 actor=ACTOR, callback_at=at)  # fmt: skip
        callback = Callback.objects.get(account=accounts[0])
        assert (callback.due_at, callback.status, callback.consumer_asked) == (at, "open", True)
        # The consumer's request is consent to call: the call-after-conversation week does not
        # stop the callback, and the call is recorded as made with consent.
        again = call_log(account_id=accounts[0].pk, disposition="no_answer", at=at, now=at,
                         actor=ACTOR)  # fmt: skip
        callback.refresh_from_db()
        assert callback.status == "done"
        assert again.attempt.allowed is True and again.attempt.with_consent is True

    def test_paid_is_refused_while_money_is_owed_and_nothing_changes(self, book) -> None:
        accounts, _, _ = book
        with pytest.raises(ServiceError) as refused:
            account_status_change(account_id=accounts[0].pk, status="paid",
                                  reason="consumer says paid", actor=ACTOR, now=MONDAY)  # fmt: skip
        assert refused.value.field == "status"
        accounts[0].refresh_from_db()
        assert accounts[0].status == "active"
        assert not AuditEvent.objects.filter(event="account.status_changed").exists()

    def test_closing_an_account_is_audited_with_its_reason(self, book) -> None:
        accounts, _, _ = book
        account_status_change(account_id=accounts[0].pk, status="closed",
                              reason="client asked to close", actor=ACTOR, now=MONDAY)  # fmt: skip
        accounts[0].refresh_from_db()
        assert (accounts[0].status, accounts[0].status_reason) == (
            "closed",
            "client asked to close",
        )
        event = AuditEvent.objects.get(event="account.status_changed")
        assert event.details == {
            "from": "active",
            "to": "closed",
            "reason": "client asked to close",
        }


def test_the_timeline_shows_a_callback_in_local_time(book, settings) -> None:
    accounts, _, _ = book
    settings.TIME_ZONE = "America/New_York"
    from arrears.services.work.actions import callback_schedule

    callback_schedule(account_id=accounts[0].pk, due_at=MONDAY + timedelta(hours=4), actor=ACTOR,
                      now=MONDAY)  # fmt: skip
    titles = [i.title for i in timeline(accounts[0].pk)]
    assert "Callback set for 02 Nov 2026 14:00 EST" in titles


class TestWaitingEntries:
    """Entries blocked on every channel wait aside, so "next" does not read them on every pick,
    and come back when their moment comes or a change opens them."""

    def test_after_hours_every_entry_waits_until_the_morning_and_then_is_offered(
        self, book
    ) -> None:
        accounts, alice, _ = book
        from arrears.services.compliance.operations import contactability_refresh

        late = datetime(2026, 11, 2, 21, 30, tzinfo=NY)
        morning = datetime(2026, 11, 3, 8, 0, tzinfo=NY)
        contactability_refresh([a.pk for a in accounts], at=late)
        entries = QueueEntry.objects.filter(queue__code="ny-high")
        assert set(entries.values_list("waiting", "opens_at")) == {(True, morning)}
        assert next_account(queue_code="ny-high", user=alice, now=late) is None
        pick = next_account(queue_code="ny-high", user=alice, now=morning)
        assert pick is not None and pick.account_id == accounts[0].pk
        # Every other entry is back in the walk; the one handed out waits out its lease.
        assert list(entries.filter(waiting=True).values_list("account_id", "opens_at")) == [
            (accounts[0].pk, pick.until)
        ]

    def test_a_hold_sets_the_entry_aside_and_its_end_brings_it_back(self, book) -> None:
        accounts, alice, _ = book
        from arrears.services.ledger.operations import hold_end

        hold = hold_add(account_id=accounts[0].pk, kind="bankruptcy", starts_on=date(2026, 11, 1),
                        source="PACER notice", actor=ACTOR, now=MONDAY)  # fmt: skip
        entry = QueueEntry.objects.get(queue__code="ny-high", account=accounts[0])
        assert (entry.waiting, entry.opens_at) == (True, None)
        pick = next_account(queue_code="ny-high", user=alice, now=MONDAY)
        assert pick is not None and pick.account_id == accounts[1].pk
        hold_end(hold_id=hold.pk, ends_on=date(2026, 11, 2), actor=ACTOR, now=MONDAY)
        entry.refresh_from_db()
        assert (entry.waiting, entry.opens_at) == (False, MONDAY)
        later = MONDAY + timedelta(minutes=1)
        pick = next_account(queue_code="ny-high", user=alice, now=later)
        assert pick is not None and pick.account_id == accounts[0].pk
