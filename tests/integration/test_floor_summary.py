"""The supervisor's figures on a small built floor (tests/floor.py): exact to the cent, adding up
to the ledger, from a fixed number of queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arrears.core.work import Collected
from arrears.data.users.models import Role, User
from arrears.data.work.models import WorkQueue
from arrears.services.common import Actor
from arrears.services.supervision.queries import (
    Attempts,
    CollectorRow,
    FloorSummary,
    Promises,
    floor_summary,
    queue_depths,
)
from arrears.services.work.actions import assignment_set
from arrears.services.work.queries import queue_state
from tests.factories import make_account, make_client
from tests.floor import DAY, NOW, at, build_floor

pytestmark = pytest.mark.django_db

# The whole summary, whatever the size of the floor: the month's cash grouped by credit facts,
# the ledger's total, attempts, promises and assignments per user, targets, team members, live
# leases, users, teams, queue entries per queue, queues.
SUMMARY_QUERIES = 12


@pytest.fixture
def floor():  # type: ignore[no-untyped-def]
    return build_floor()


@pytest.fixture
def summary(floor) -> FloorSummary:  # type: ignore[no-untyped-def]
    return floor_summary(day=DAY, now=NOW)


def row(summary: FloorSummary, username: str) -> CollectorRow:
    return next(r for r in summary.collectors if r.user.username == username)


class TestCollections:
    def test_each_collector_is_credited_today_and_this_month_to_the_cent(self, summary) -> None:
        collected = {r.user.username: r.figures.collected for r in summary.collectors}
        assert collected == {
            "casey": Collected(today_minor=10_000, month_minor=22_535),
            "dana": Collected(today_minor=-16_000, month_minor=4_000),
            "eve": Collected(0, 0),
        }
        assert summary.unattributed.collected == Collected(1_234, 1_234)

    def test_rows_and_unattributed_add_up_to_the_ledgers_total(self, summary) -> None:
        assert summary.ledger == Collected(today_minor=-4_766, month_minor=27_769)
        assert summary.floor.collected == summary.ledger
        assert summary.reconciles

    def test_a_team_adds_its_members_and_has_its_own_target(self, summary) -> None:
        (team,) = summary.teams
        assert team.team.code == "floor-1"
        assert [m.user.username for m in team.members] == ["casey", "dana"]
        assert team.figures.collected == Collected(-6_000, 26_535)
        assert team.figures.target_minor == 200_000
        assert team.figures.percent_of_target == Decimal("13.3")  # 13.2675 %
        assert team.figures.attempts == Attempts(calls=5, texts=1, emails=1, right_party=2)
        assert team.figures.attempts.right_party_rate == Decimal("40.0")
        assert team.figures.owned == 3

    def test_targets_and_percent_of_target_per_collector(self, summary) -> None:
        figures = {r.user.username: r.figures for r in summary.collectors}
        assert {u: f.target_minor for u, f in figures.items()} == {
            "casey": 100_000, "dana": 50_000, "eve": 30_000}  # fmt: skip
        assert {u: f.percent_of_target for u, f in figures.items()} == {
            "casey": Decimal("22.5"), "dana": Decimal("8.0"), "eve": Decimal("0.0")}  # fmt: skip

    def test_an_earlier_day_shows_that_day_and_its_month_to_date(self, floor) -> None:
        earlier = floor_summary(day=date(2026, 11, 4), now=NOW)
        assert row(earlier, "casey").figures.collected == Collected(0, 5_025)
        assert row(earlier, "dana").figures.collected == Collected(20_000, 20_000)
        assert earlier.ledger == Collected(20_000, 25_025) == earlier.floor.collected

    def test_reassigning_an_account_now_leaves_past_collections_where_they_were(
        self, floor
    ) -> None:
        accounts = [a.pk for a in floor.accounts[:3]]
        assignment_set(account_ids=accounts, username="eve", actor=Actor.system("t"), now=NOW)
        after = floor_summary(day=DAY, now=NOW)
        assert row(after, "casey").figures.collected == Collected(10_000, 22_535)
        assert row(after, "eve").figures.collected == Collected(0, 0)
        assert row(after, "eve").figures.owned == 3 and row(after, "casey").figures.owned == 0


class TestActivity:
    def test_attempts_and_right_party_contacts_count_the_local_day(self, summary) -> None:
        casey, dana = row(summary, "casey").figures, row(summary, "dana").figures
        assert casey.attempts == Attempts(calls=3, texts=1, emails=1, right_party=1)
        assert casey.attempts.total == 5
        assert casey.attempts.right_party_rate == Decimal("33.3")
        assert dana.attempts == Attempts(calls=2, texts=0, emails=0, right_party=1)
        assert dana.attempts.right_party_rate == Decimal("50.0")
        assert row(summary, "eve").figures.attempts.right_party_rate is None
        assert summary.unattributed.attempts == Attempts(calls=1)

    def test_promises_made_kept_and_broken(self, summary) -> None:
        assert row(summary, "casey").figures.promises == Promises(
            made_today=1, made_month=1, made_month_minor=50_000, kept_month=0, broken_month=1)  # fmt: skip
        assert row(summary, "dana").figures.promises == Promises(
            made_today=0, made_month=1, made_month_minor=4_000, kept_month=1, broken_month=0)  # fmt: skip
        assert row(summary, "eve").figures.promises == Promises(1, 1, 2_500, 0, 0)

    def test_who_is_working_what_now(self, floor) -> None:
        summary = floor_summary(day=DAY, now=NOW)
        working = row(summary, "casey").working
        assert working is not None
        assert (working.account_id, working.queue_code, working.since) == (
            floor.accounts[1].pk, "fresh", at(10, 15, 55))  # fmt: skip
        assert working.account_label.startswith("ACME/R")
        assert row(summary, "dana").working is None  # her lease ran out at 15:15

    def test_rows_are_by_team_then_name_and_the_supervisor_has_none(self, summary) -> None:
        assert [(r.user.username, r.team.code if r.team else None) for r in summary.collectors] == [
            ("casey", "floor-1"), ("dana", "floor-1"), ("eve", None)]  # fmt: skip


class TestQueueDepths:
    def test_each_queues_depths_match_the_queue_screen(self, floor) -> None:
        (depth,) = queue_depths(NOW)
        state = queue_state(WorkQueue.objects.get(code="fresh"), now=NOW)
        assert depth.queue.code == "fresh" and depth.in_pass == 6 == state.size
        assert (depth.offered, depth.blocked, depth.leased, depth.worked) == (
            state.available, state.blocked, state.leased, state.worked)  # fmt: skip
        assert (depth.in_pass, depth.offered, depth.blocked, depth.leased, depth.worked) == (
            6, 3, 1, 1, 1)  # fmt: skip


class TestSpeed:
    def test_the_summary_takes_a_fixed_number_of_queries_whatever_the_floor(self, floor) -> None:
        with CaptureQueriesContext(connection) as small:
            floor_summary(day=DAY, now=NOW)
        assert len(small) == SUMMARY_QUERIES
        acme = make_client("MORE")
        more = [make_account(acme).pk for _ in range(12)]
        for n in range(6):
            User.objects.create_user(f"extra{n}", password="x", role=Role.COLLECTOR)
        assignment_set(account_ids=more, username="extra1", actor=Actor.system("t"), now=NOW)
        with CaptureQueriesContext(connection) as bigger:
            summary = floor_summary(day=DAY, now=NOW)
        assert len(bigger) == len(small)
        assert len(summary.collectors) == 9
