"""The supervisor's commands: promises judged as of a day, teams defined, grace days set."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.data.audit.models import AuditEvent
from arrears.data.users.models import Role, User
from arrears.data.work.models import Promise
from arrears.services.common import Actor
from arrears.services.payments.posting import payment_post
from arrears.services.work.actions import promise_record
from tests.factories import make_account, make_client

pytestmark = pytest.mark.django_db
MADE = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def arrears(*args: str) -> dict:
    out = StringIO()
    call_command(*args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue().strip().splitlines()[-1])


class TestPromisesEvaluate:
    def test_judges_as_of_the_day_and_a_rerun_reports_nothing_new(self) -> None:
        acme = make_client()
        casey = User.objects.create_user("casey", password="x", role=Role.COLLECTOR)
        actor = Actor(label="casey", user_id=casey.pk)
        kept_on, broken_on = make_account(acme), make_account(acme)
        for account in (kept_on, broken_on):
            promise_record(account_id=account.pk, amount_minor=15_000,
                           due_on=date(2026, 11, 13), actor=actor, now=MADE)  # fmt: skip
        payment_post(account_id=kept_on.pk, amount_minor=15_000, received_on=date(2026, 11, 12),
                     source="card", actor=Actor.system("test"))  # fmt: skip
        assert arrears("promises-evaluate", "--as-of", "2026-11-14") == {
            "as_of": "2026-11-14", "judged": 2, "kept": 1, "broken": 1, "still_open": 0}  # fmt: skip
        assert sorted(Promise.objects.values_list("status", "resolved_on")) == [
            ("broken", date(2026, 11, 14)), ("kept", date(2026, 11, 12))]  # fmt: skip
        assert arrears("promises-evaluate", "--as-of", "2026-11-14") == {
            "as_of": "2026-11-14", "judged": 0, "kept": 0, "broken": 0, "still_open": 0}  # fmt: skip
        event = AuditEvent.objects.get(event="promises.evaluated")
        assert event.actor_label == "cli:promises-evaluate"

    def test_without_a_day_or_with_a_bad_one_it_is_a_usage_error(self) -> None:
        with pytest.raises(CommandError):
            call_command("promises-evaluate")
        with pytest.raises(CommandError, match="not a date"):
            call_command("promises-evaluate", "--as-of", "14/11/2026")

    def test_prints_a_sentence_without_json(self) -> None:
        out = StringIO()
        call_command("promises-evaluate", "--as-of", "2026-11-14", stdout=out)
        assert out.getvalue().strip() == (
            "Promises as of 2026-11-14: 0 open judged, 0 kept, 0 broken, 0 still open."
        )


class TestTeamsAndGrace:
    def test_a_team_is_defined_with_its_members(self) -> None:
        User.objects.create_user("sam", password="x", role=Role.SUPERVISOR)
        for name in ("casey", "dana"):
            User.objects.create_user(name, password="x", role=Role.COLLECTOR)
        assert arrears("team-define", "floor-1", "--name", "Floor 1", "--supervisor", "sam",
                       "--member", "casey", "--member", "dana") == {
            "team": "floor-1", "name": "Floor 1", "supervisor": "sam",
            "members": ["casey", "dana"]}  # fmt: skip
        assert AuditEvent.objects.filter(event="team.defined",
                                         actor_label="cli:team-define").exists()  # fmt: skip

    def test_a_member_who_is_not_a_collector_exits_2_and_defines_nothing(self) -> None:
        from arrears.data.work.models import Team

        User.objects.create_user("sam", password="x", role=Role.SUPERVISOR)
        with pytest.raises(CommandError) as refused:
            call_command("team-define", "floor-1", "--name", "Floor 1", "--member", "sam")
        assert refused.value.returncode == 2 and "sam is not a collector" in str(refused.value)
        assert not Team.objects.exists()

    def test_grace_days_are_set_for_a_client(self) -> None:
        from arrears.data.work.models import ClientPromiseTerms

        acme = make_client()
        assert arrears("promise-grace", "ACME", "--days", "3") == {
            "client": "ACME", "days": 3, "before": 0}  # fmt: skip
        assert ClientPromiseTerms.objects.get(client=acme).promise_grace_days == 3
        with pytest.raises(CommandError) as refused:
            call_command("promise-grace", "NOPE", "--days", "3")
        assert refused.value.returncode == 2


class TestDemoFloor:
    def test_the_demo_gives_the_supervisor_a_team_targets_and_credited_collections(self) -> None:
        from arrears.services.supervision.queries import floor_summary

        report = arrears("load-demo", "--accounts", "120", "--as-of", "2026-11-23")
        assert report["floor_payments"] >= 1 and report["promises_kept"] == 1
        assert report["promises_broken"] == 1
        summary = floor_summary(day=date(2026, 11, 23), now=datetime.now(UTC))
        (team,) = summary.teams
        assert (team.team.code, team.team.supervisor.username) == ("floor-1", "supervisor")
        assert [m.user.username for m in team.members] == ["collector"]
        assert team.figures.target_minor == 750_000
        collector = team.members[0].figures
        assert collector.target_minor == 500_000
        assert collector.collected.today_minor >= 6_000  # the kept promise's payment at least
        assert collector.collected.month_minor >= collector.collected.today_minor
        assert collector.promises.kept_month == 1
        assert summary.reconciles
        assert summary.unattributed.collected.month_minor > 0  # the book's other payments
