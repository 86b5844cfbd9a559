"""Assignments keep their history: who owned an account when, for crediting collections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from arrears.data.audit.models import AuditEvent
from arrears.data.users.models import Role, User
from arrears.data.work.models import Assignment, AssignmentPeriod
from arrears.services.common import Actor, NotFound
from arrears.services.work.actions import assignment_set
from tests.factories import make_account, make_client

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
SAM = Actor(label="sam", user_id=None)


@pytest.fixture
def floor():  # type: ignore[no-untyped-def]
    acme = make_client()
    accounts = [make_account(acme), make_account(acme)]
    for name in ("casey", "dana"):
        User.objects.create_user(name, password="x", role=Role.COLLECTOR)
    return [a.pk for a in accounts]


def periods(account_id: int) -> list[tuple[str, datetime, datetime | None]]:
    return [
        (p.user.username, p.starts_at, p.ends_at)
        for p in AssignmentPeriod.objects.filter(account_id=account_id)
        .select_related("user")
        .order_by("starts_at")
    ]


class TestAssignmentHistory:
    def test_a_reassignment_closes_one_period_and_opens_the_next(self, floor) -> None:
        first, second = floor
        assert assignment_set(account_ids=floor, username="casey", actor=SAM, now=T0) == 2
        later = T0 + timedelta(days=3)
        assert assignment_set(account_ids=[first], username="dana", actor=SAM, now=later) == 1
        assert periods(first) == [("casey", T0, later), ("dana", later, None)]
        assert periods(second) == [("casey", T0, None)]
        assert Assignment.objects.get(account_id=first).user.username == "dana"
        event = AuditEvent.objects.filter(event="account.assigned", account_id=first).latest("id")
        casey, dana = (User.objects.get(username=n).pk for n in ("casey", "dana"))
        assert event.details == {"from": casey, "to": dana}

    def test_giving_back_to_nobody_ends_the_period(self, floor) -> None:
        assignment_set(account_ids=floor[:1], username="casey", actor=SAM, now=T0)
        later = T0 + timedelta(hours=2)
        assert assignment_set(account_ids=floor[:1], username=None, actor=SAM, now=later) == 1
        assert periods(floor[0]) == [("casey", T0, later)]
        assert not Assignment.objects.exists()

    def test_the_same_owner_again_changes_nothing(self, floor) -> None:
        assignment_set(account_ids=floor, username="casey", actor=SAM, now=T0)
        events = AuditEvent.objects.count()
        later = T0 + timedelta(hours=1)
        assert assignment_set(account_ids=floor, username="casey", actor=SAM, now=later) == 0
        assert periods(floor[0]) == [("casey", T0, None)]
        assert AuditEvent.objects.count() == events

    def test_given_and_taken_back_in_one_moment_leaves_no_empty_period(self, floor) -> None:
        assignment_set(account_ids=floor[:1], username="casey", actor=SAM, now=T0)
        assignment_set(account_ids=floor[:1], username="dana", actor=SAM, now=T0)
        assert periods(floor[0]) == [("dana", T0, None)]

    def test_an_unknown_account_refuses_all_and_changes_nothing(self, floor) -> None:
        with pytest.raises(NotFound) as refused:
            assignment_set(account_ids=[floor[0], 999_999], username="casey", actor=SAM, now=T0)
        assert refused.value.field == "account_ids"
        assert not Assignment.objects.exists() and not AssignmentPeriod.objects.exists()
