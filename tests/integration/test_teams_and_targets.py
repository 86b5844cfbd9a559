"""Teams and monthly targets: set by supervisors, audited, refused naming the field with nothing
saved, and held to their shape by the database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import IntegrityError, transaction

from arrears.data.audit.models import AuditEvent
from arrears.data.users.models import Role, User
from arrears.data.work.models import Target, Team, TeamMember
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.supervision.operations import NotASupervisor, target_set, team_define

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def people():  # type: ignore[no-untyped-def]
    sam = User.objects.create_user("sam", password="x", role=Role.SUPERVISOR)
    for name in ("casey", "dana"):
        User.objects.create_user(name, password="x", role=Role.COLLECTOR)
    return Actor(label="sam", user_id=sam.pk)


def members(code: str) -> list[str]:
    return sorted(
        TeamMember.objects.filter(team__code=code).values_list("user__username", flat=True)
    )


class TestTargets:
    def test_a_collectors_target_is_set_then_replaced_and_each_change_audited(self, people) -> None:
        target = target_set(collector="casey", month=NOVEMBER, amount_minor=500_000,
                            actor=people, now=NOW)  # fmt: skip
        assert (target.user.username, target.team, target.month, target.amount_minor) == (
            "casey", None, NOVEMBER, 500_000)  # fmt: skip
        target_set(collector="casey", month=NOVEMBER, amount_minor=650_000, actor=people, now=NOW)
        assert Target.objects.get().amount_minor == 650_000
        events = list(AuditEvent.objects.filter(event="target.set").order_by("id"))
        assert [e.details["before_minor"] for e in events] == [None, 500_000]
        assert events[1].details == {
            "collector": "casey", "team": None, "month": "2026-11-01", "amount_minor": 650_000,
            "currency": "USD", "before_minor": 500_000,
        }  # fmt: skip
        assert events[1].actor_label == "sam"

    def test_the_same_target_again_records_nothing(self, people) -> None:
        target_set(collector="casey", month=NOVEMBER, amount_minor=500_000, actor=people, now=NOW)
        target_set(collector="casey", month=NOVEMBER, amount_minor=500_000, actor=people, now=NOW)
        assert AuditEvent.objects.filter(event="target.set").count() == 1

    def test_a_team_has_its_own_target_beside_its_members(self, people) -> None:
        team_define(code="floor-1", name="Floor 1", members=["casey"], actor=people, now=NOW)
        target_set(team="floor-1", month=NOVEMBER, amount_minor=900_000, actor=people, now=NOW)
        target_set(collector="casey", month=NOVEMBER, amount_minor=400_000, actor=people, now=NOW)
        rows = Target.objects.order_by("amount_minor")
        assert list(rows.values_list("team__code", "user__username", "amount_minor")) == [
            (None, "casey", 400_000), ("floor-1", None, 900_000)]  # fmt: skip

    @pytest.mark.parametrize(
        ("kwargs", "field", "message"),
        [
            ({}, "collector", "say which collector or team"),
            ({"collector": "casey", "team": "floor-1"}, "team", "not both"),
            ({"collector": "casey", "month": date(2026, 11, 2)}, "month", "its first day"),
            ({"collector": "casey", "amount_minor": 0}, "amount", "above zero"),
            ({"collector": "nobody"}, "collector", "no active user 'nobody'"),
            ({"collector": "sam"}, "collector", "sam is not a collector"),
            ({"team": "floor-9"}, "team", "no team 'floor-9'"),
        ],
    )
    def test_a_bad_target_is_refused_on_its_field_and_nothing_is_saved(
        self, people, kwargs, field, message
    ) -> None:
        args = {"month": NOVEMBER, "amount_minor": 500_000, **kwargs}
        with pytest.raises(ServiceError) as refused:
            target_set(actor=people, now=NOW, **args)
        assert refused.value.field == field and message in refused.value.message
        assert not Target.objects.exists()
        assert not AuditEvent.objects.filter(event="target.set").exists()

    def test_a_collector_may_not_set_targets(self, people) -> None:
        casey = User.objects.get(username="casey")
        with pytest.raises(NotASupervisor):
            target_set(collector="casey", month=NOVEMBER, amount_minor=1,
                       actor=Actor(label="casey", user_id=casey.pk), now=NOW)  # fmt: skip
        assert not Target.objects.exists()


class TestTargetConstraints:
    def make(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        fields = {"month": NOVEMBER, "amount_minor": 100, "set_by": "t", "set_at": NOW, **kwargs}
        with transaction.atomic():
            Target.objects.create(**fields)

    def test_a_target_is_for_exactly_one_of_a_collector_or_a_team(self, people) -> None:
        team = Team.objects.create(code="t", name="T", created_at=NOW)
        casey = User.objects.get(username="casey")
        with pytest.raises(IntegrityError):
            self.make(user=casey, team=team)
        with pytest.raises(IntegrityError):
            self.make()

    def test_a_target_is_above_zero(self, people) -> None:
        with pytest.raises(IntegrityError):
            self.make(user=User.objects.get(username="casey"), amount_minor=0)

    def test_one_target_per_collector_and_month(self, people) -> None:
        casey = User.objects.get(username="casey")
        self.make(user=casey)
        with pytest.raises(IntegrityError):
            self.make(user=casey, amount_minor=200)
        self.make(user=casey, month=date(2026, 12, 1))
        assert Target.objects.count() == 2


class TestTeams:
    def test_a_team_is_defined_with_its_supervisor_and_members(self, people) -> None:
        team = team_define(code="Floor-1", name="Floor 1", supervisor="sam",
                           members=["casey", "dana"], actor=people, now=NOW)  # fmt: skip
        assert (team.code, team.name, team.supervisor.username) == ("floor-1", "Floor 1", "sam")
        assert members("floor-1") == ["casey", "dana"]
        changed = AuditEvent.objects.get(event="team.members_changed")
        assert changed.details == {"team": "floor-1", "added": ["casey", "dana"], "removed": [],
                                   "moved_from": {}}  # fmt: skip

    def test_naming_members_again_replaces_them_and_moves_a_collector_between_teams(
        self, people
    ) -> None:
        team_define(code="floor-1", name="Floor 1", members=["casey", "dana"], actor=people,
                    now=NOW)  # fmt: skip
        team_define(code="floor-2", name="Floor 2", members=["dana"], actor=people, now=NOW)
        assert members("floor-1") == ["casey"] and members("floor-2") == ["dana"]
        moved = AuditEvent.objects.filter(event="team.members_changed").latest("id")
        assert moved.details["moved_from"] == {"dana": "floor-1"}
        team_define(code="floor-1", name="Floor one", actor=people, now=NOW)  # members kept
        assert members("floor-1") == ["casey"]
        assert Team.objects.get(code="floor-1").name == "Floor one"

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"code": "floor 1"}, "code"),
            ({"name": " "}, "name"),
            ({"supervisor": "casey"}, "supervisor"),
            ({"members": ["casey", "sam"]}, "members"),
        ],
    )
    def test_a_bad_team_is_refused_on_its_field_and_nothing_changes(
        self, people, kwargs, field
    ) -> None:
        args = {"code": "floor-1", "name": "Floor 1", **kwargs}
        with pytest.raises(ServiceError) as refused:
            team_define(actor=people, now=NOW, **args)
        assert refused.value.field == field
        assert not Team.objects.exists() and not TeamMember.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_a_target_for_an_unknown_team_is_not_found(self, people) -> None:
        with pytest.raises(NotFound):
            target_set(team="nope", month=NOVEMBER, amount_minor=1, actor=people, now=NOW)
