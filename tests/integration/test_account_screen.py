"""The account screen read in three statements shows what the separate reads show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.forms.models import model_to_dict

from arrears.data.accounts.models import Hold
from arrears.data.contacts.models import ContactAttempt
from arrears.data.users.models import Role, User
from arrears.data.work.models import Callback
from arrears.services import together
from arrears.services.accounts.queries import account_detail
from arrears.services.common import Actor
from arrears.services.compliance.queries import (
    complaints,
    contact_decisions,
    contact_history,
    contact_restrictions,
    disputes,
    validation_notices,
)
from arrears.services.work.picking import lease_holder, next_account
from arrears.services.work.queries import linked_accounts, open_callbacks, open_promises, timeline
from arrears.services.work.queues import queue_build, queue_define
from arrears.services.work.screen import account_screen
from tests.factories import give_history, make_client, make_new_yorker

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 11, 2, 10, 0, tzinfo=NY).astimezone(UTC)


@pytest.fixture
def worked():  # type: ignore[no-untyped-def]
    casey = User.objects.create_user("casey", password="x", role=Role.COLLECTOR)
    account = give_history(make_new_yorker(make_client(granted_to=casey), 80_000), collector_id=casey.pk,
                           now=MONDAY)  # fmt: skip
    return account, casey


def _ids(rows):  # type: ignore[no-untyped-def]
    return [r.pk for r in rows]


class TestAccountScreen:
    def test_the_rules_say_what_they_say_when_read_on_their_own(self, worked) -> None:
        account, _ = worked
        screen = account_screen(account.pk, at=MONDAY)
        assert screen is not None
        assert screen.decisions == contact_decisions(account.pk, at=MONDAY)
        assert [d.allowed for d in screen.decisions] == [True, False, True, True]

    def test_every_list_holds_what_its_own_read_holds(self, worked) -> None:
        account, _ = worked
        screen = account_screen(account.pk, at=MONDAY)
        assert screen is not None
        assert screen.timeline == timeline(account.pk, limit=60)
        assert _ids(screen.history) == _ids(contact_history(account.pk, limit=50) or [])
        assert _ids(screen.promises) == _ids(open_promises(account.pk))
        assert _ids(screen.callbacks) == _ids(open_callbacks(account.pk))
        assert _ids(screen.linked) == _ids(linked_accounts(account.pk))
        assert _ids(screen.notices) == _ids(validation_notices(account.pk) or [])
        assert _ids(screen.disputes) == _ids(disputes(account.pk) or [])
        assert _ids(screen.restrictions) == _ids(contact_restrictions(account.pk) or [])
        assert _ids(screen.complaints) == _ids(complaints(account.pk) or [])
        assert [h.created_by.username for h in screen.history] == ["casey"] * 7

    def test_the_account_view_is_the_one_read_alone(self, worked) -> None:
        account, _ = worked
        screen = account_screen(account.pk, at=MONDAY)
        alone = account_detail(account.pk, today=MONDAY.astimezone(NY).date())
        assert screen is not None and alone is not None
        assert screen.view.itemization == alone.itemization
        assert _ids(screen.view.entries) == _ids(alone.entries)
        assert _ids(screen.view.holds) == _ids(alone.holds) and screen.view.active_holds == []
        assert [(p.party.pk, p.role, p.ssn_masked, _ids(p.contact_points))
                for p in screen.view.parties] == [
            (p.party.pk, p.role, p.ssn_masked, _ids(p.contact_points)) for p in alone.parties
        ]  # fmt: skip
        assert [p.role for p in screen.view.parties] == ["Primary debtor", "Co-signer"]

    def test_a_long_history_shows_its_newest_and_judges_its_window(self, worked) -> None:
        account, _ = worked
        ContactAttempt.objects.bulk_create(
            ContactAttempt(account=account, at=MONDAY - timedelta(days=60 + n), channel="letter",
                           direction="outbound", outcome="sent", allowed=True, source="campaign")
            for n in range(90)
        )  # fmt: skip
        screen = account_screen(account.pk, at=MONDAY)
        assert screen is not None
        assert screen.timeline == timeline(account.pk, limit=60)
        assert _ids(screen.history) == _ids(contact_history(account.pk, limit=50) or [])
        assert screen.decisions == contact_decisions(account.pk, at=MONDAY)

    def test_the_lease_shown_is_the_live_one(self, worked) -> None:
        _, casey = worked
        queue_define(code="q", name="Q", filters={}, order="balance_high", mode="pooled",
                     members=["casey"], actor=Actor.system("test"), now=MONDAY)  # fmt: skip
        queue_build("q", now=MONDAY, actor=Actor.system("test"))
        pick = next_account(queue_code="q", user=casey, now=MONDAY)
        assert pick is not None
        during = account_screen(pick.account_id, at=MONDAY + timedelta(minutes=5))
        after = account_screen(pick.account_id, at=MONDAY + timedelta(minutes=16))
        assert during is not None and after is not None
        assert during.lease == lease_holder(pick.account_id, now=MONDAY + timedelta(minutes=5))
        assert during.lease is not None and during.lease.user.username == "casey"
        assert after.lease is None

    def test_no_such_account_has_no_screen(self) -> None:
        assert account_screen(999_999, at=MONDAY) is None


class TestFetchTogether:
    def test_rows_come_back_as_the_orm_reads_them(self, worked) -> None:
        account, _ = worked
        parts = {
            "attempt": ContactAttempt.objects.filter(account=account),
            "hold": Hold.objects.filter(account=account),
            "callback": Callback.objects.filter(account=account),
        }
        found = together.fetch(parts)
        for name, rows in parts.items():
            expected = sorted((model_to_dict(r) for r in rows), key=lambda d: d["id"])
            got = sorted((model_to_dict(r) for r in found[name]), key=lambda d: d["id"])
            assert got == expected and len(got) > 0, name
        attempt = found["attempt"][0]
        assert isinstance(attempt.reasons, list) and isinstance(attempt.automated, bool)
        assert attempt.at.tzinfo is not None

    def test_an_empty_list_is_empty(self, worked) -> None:
        account, _ = worked
        found = together.fetch({"none": Hold.objects.filter(account=account, kind="deceased"),
                                "held": Hold.objects.filter(account=account)})  # fmt: skip
        assert found["none"] == [] and len(found["held"]) == 1

    def test_a_prepared_fetch_binds_each_calls_values(self, worked) -> None:
        account, _ = worked
        other = make_new_yorker(account.client, 5_000)
        holds = together.Prepared(
            lambda account_id: {"hold": Hold.objects.filter(account_id=account_id)},
            account_id=-1,
        )
        assert [h.account_id for h in holds.fetch(account_id=account.pk)["hold"]] == [account.pk]
        assert holds.fetch(account_id=other.pk)["hold"] == []

    def test_a_parameter_the_statement_does_not_use_is_refused(self) -> None:
        unused = together.Prepared(lambda n: {"hold": Hold.objects.all()}, n=-1)
        with pytest.raises(ValueError, match="'n' does not reach the statement"):
            unused.fetch(n=3)
