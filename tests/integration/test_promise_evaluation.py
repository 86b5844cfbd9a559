"""Promises judged kept or broken from the ledger, once, with one audit event per run."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from arrears.data.audit.models import AuditEvent
from arrears.data.users.models import Role, User
from arrears.data.work.models import ClientPromiseTerms, Promise
from arrears.services.common import Actor, ServiceError
from arrears.services.ledger.operations import payment_reverse
from arrears.services.payments.posting import payment_post
from arrears.services.supervision.operations import promise_grace_set
from arrears.services.work.actions import promise_record
from arrears.services.work.promises import promises_evaluate
from tests.factories import make_account, make_client

pytestmark = pytest.mark.django_db

MADE = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York
SYSTEM = Actor.system("promises-evaluate")


@pytest.fixture
def casey() -> Actor:
    user = User.objects.create_user("casey", password="x", role=Role.COLLECTOR)
    return Actor(label="casey", user_id=user.pk)


@pytest.fixture
def acme():  # type: ignore[no-untyped-def]
    return make_client()


def promised(account_id: int, actor: Actor, amount: int = 15_000,
             due: date = date(2026, 11, 13)) -> Promise:  # fmt: skip
    return promise_record(account_id=account_id, amount_minor=amount, due_on=due, actor=actor,
                          now=MADE)  # fmt: skip


def pay(account_id: int, amount: int, on: date) -> int:
    return payment_post(account_id=account_id, amount_minor=amount, received_on=on, source="card",
                        actor=SYSTEM, reference=f"{account_id}-{on}-{amount}").entry_id  # fmt: skip


def state(promise: Promise) -> tuple[str, date | None]:
    promise.refresh_from_db()
    return promise.status, promise.resolved_on


class TestPromisesEvaluate:
    def test_payments_reaching_the_amount_keep_it_on_that_day_and_the_run_is_audited(
        self, acme, casey
    ) -> None:
        account = make_account(acme)
        promise = promised(account.pk, casey)
        pay(account.pk, 10_000, date(2026, 11, 5))
        pay(account.pk, 5_000, date(2026, 11, 9))
        report = promises_evaluate(as_of=date(2026, 11, 10), actor=SYSTEM, now=MADE)
        assert (report.judged, report.kept, report.broken, report.still_open) == (1, 1, 0, 0)
        assert state(promise) == ("kept", date(2026, 11, 9))
        event = AuditEvent.objects.get(event="promises.evaluated")
        assert event.details == {"as_of": "2026-11-10", "judged": 1, "kept": 1, "broken": 0,
                                 "still_open": 0}  # fmt: skip
        assert event.actor_label == "promises-evaluate" and event.actor_id is None

    def test_short_by_a_cent_it_stays_open_to_the_due_day_and_breaks_the_day_after(
        self, acme, casey
    ) -> None:
        account = make_account(acme)
        promise = promised(account.pk, casey)
        pay(account.pk, 14_999, date(2026, 11, 13))
        assert promises_evaluate(as_of=date(2026, 11, 13), actor=SYSTEM).still_open == 1
        assert state(promise) == ("open", None)
        assert promises_evaluate(as_of=date(2026, 11, 14), actor=SYSTEM).broken == 1
        assert state(promise) == ("broken", date(2026, 11, 14))

    def test_the_clients_grace_days_let_a_late_payment_keep_it(self, acme, casey) -> None:
        assert promise_grace_set(client_code="ACME", days=2, actor=SYSTEM, now=MADE) == 0
        assert ClientPromiseTerms.objects.get(client=acme).promise_grace_days == 2
        account = make_account(acme)
        promise = promised(account.pk, casey)
        pay(account.pk, 15_000, date(2026, 11, 15))
        promises_evaluate(as_of=date(2026, 11, 20), actor=SYSTEM)
        assert state(promise) == ("kept", date(2026, 11, 15))

    def test_a_returned_payment_in_the_window_does_not_keep_it(self, acme, casey) -> None:
        account = make_account(acme)
        promise = promised(account.pk, casey)
        entry = pay(account.pk, 15_000, date(2026, 11, 6))
        payment_reverse(entry_id=entry, on=date(2026, 11, 6), reason="R01", actor=SYSTEM)
        promises_evaluate(as_of=date(2026, 11, 14), actor=SYSTEM)
        assert state(promise) == ("broken", date(2026, 11, 14))

    def test_a_payment_before_the_promise_was_made_does_not_keep_it(self, acme, casey) -> None:
        account = make_account(acme)
        pay(account.pk, 15_000, date(2026, 11, 1))
        promise = promised(account.pk, casey)
        promises_evaluate(as_of=date(2026, 11, 14), actor=SYSTEM)
        assert state(promise) == ("broken", date(2026, 11, 14))

    def test_running_again_changes_nothing_and_records_nothing(self, acme, casey) -> None:
        kept_account, broken_account, open_account = (make_account(acme) for _ in range(3))
        kept = promised(kept_account.pk, casey)
        broken = promised(broken_account.pk, casey, due=date(2026, 11, 4))
        still = promised(open_account.pk, casey, due=date(2026, 11, 30))
        pay(kept_account.pk, 15_000, date(2026, 11, 3))
        first = promises_evaluate(as_of=date(2026, 11, 10), actor=SYSTEM)
        assert (first.judged, first.kept, first.broken) == (3, 1, 1)
        before = [state(p) for p in (kept, broken, still)]
        events = AuditEvent.objects.count()
        again = promises_evaluate(as_of=date(2026, 11, 10), actor=SYSTEM)
        later = promises_evaluate(as_of=date(2026, 11, 20), actor=SYSTEM)
        assert (again.judged, again.kept, again.broken) == (1, 0, 0)
        assert (later.judged, later.kept, later.broken) == (1, 0, 0)
        assert [state(p) for p in (kept, broken, still)] == before
        assert AuditEvent.objects.count() == events

    def test_a_cancelled_promise_and_one_made_after_the_day_are_left_alone(
        self, acme, casey
    ) -> None:
        account = make_account(acme)
        cancelled = promised(account.pk, casey, due=date(2026, 11, 4))
        Promise.objects.filter(pk=cancelled.pk).update(status="cancelled")
        future = promised(account.pk, casey, due=date(2026, 11, 4))
        report = promises_evaluate(as_of=date(2026, 11, 1), actor=SYSTEM)
        assert report.judged == 0
        assert state(cancelled) == ("cancelled", None) and state(future) == ("open", None)


class TestGraceDays:
    def test_grace_beyond_a_month_is_refused_and_nothing_is_saved(self, acme) -> None:
        with pytest.raises(ServiceError) as refused:
            promise_grace_set(client_code="ACME", days=32, actor=SYSTEM, now=MADE)
        assert refused.value.field == "days"
        assert not ClientPromiseTerms.objects.exists()
