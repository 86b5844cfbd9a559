"""Bank debits through the API: recording, listing and revoking authorizations; scheduling,
listing and cancelling debits. Account numbers never come back but as their last four; bad
input is a 4xx naming the field with nothing recorded; compliance reads and is refused (403)
any change."""

from __future__ import annotations

import json
from datetime import UTC, date
from typing import Any

import pytest

from arrears.data.audit.models import AuditEvent
from arrears.data.parties.models import BankAccount
from arrears.data.payments.models import AchAuthorization, ScheduledPayment
from arrears.data.users.models import Role, User
from arrears.services.arrangements.plans import PlanTerms, plan_create
from arrears.services.common import Actor
from tests.factories import NOW, make_account, make_client
from tests.functional.test_api import basic
from tests.integration.test_ach_origination import authorize, schedule

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
PASSWORD = "a-long-real-passphrase"
FULL_NUMBER = "000123456789"
GOOD = {"routing": "021000021", "account_number": FULL_NUMBER, "account_type": "checking",
        "sec": "WEB", "evidence": "web form, session 7f3a", "recurring": True}  # fmt: skip


@pytest.fixture(autouse=True)
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Today is 23 November 2026."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW.astimezone(UTC))


@pytest.fixture
def acme():  # type: ignore[no-untyped-def]
    return make_client("ACME", granted_to=User.objects.create_user(
        "casey", password=PASSWORD, role=Role.COLLECTOR))  # fmt: skip


CASEY = basic("casey", PASSWORD)


def post(client, path: str, body: dict[str, Any], who: dict[str, str] = CASEY):  # type: ignore[no-untyped-def]
    return client.post(path, json.dumps(body), content_type="application/json", **who)


def state() -> tuple[object, ...]:
    return (
        list(AchAuthorization.objects.order_by("pk").values_list("pk", "revoked_at")),
        list(ScheduledPayment.objects.order_by("pk").values_list("pk", "status", "amount_minor")),
        BankAccount.objects.count(),
        AuditEvent.objects.exclude(event__startswith="auth.").count(),
    )


class TestAuthorizations:
    def test_a_collector_records_one_and_gets_back_the_last_four_only(self, client, acme):
        account = make_account(acme)

        response = post(client, f"/api/accounts/{account.pk}/ach-authorizations", GOOD)

        assert response.status_code == 201
        assert FULL_NUMBER.encode() not in response.content
        auth = AchAuthorization.objects.get()
        assert response.json() == {
            "id": auth.pk, "account_id": account.pk, "sec": "WEB", "bank_type": "checking",
            "account_last4": "6789", "recurring": True, "evidence": "web form, session 7f3a",
            "obtained_at": "2026-11-23T12:00:00Z", "ends_on": None, "revoked_at": None,
            "revoked_reason": "", "state": "in_force",
        }  # fmt: skip
        event = AuditEvent.objects.get(event="ach.authorized")
        assert event.actor_label == "api:casey"
        assert FULL_NUMBER not in json.dumps(event.details)

    def test_lists_the_accounts_authorizations_newest_first(self, client, acme):
        account = make_account(acme)
        first = authorize(account)
        second = authorize(account, routing="011000015", number="55501234", kind="savings",
                           sec="PPD", recurring=False)  # fmt: skip
        AchAuthorization.objects.filter(pk=second.pk).update(ends_on=date(2027, 1, 1))
        authorize(make_account(acme))  # another account's

        response = client.get(f"/api/accounts/{account.pk}/ach-authorizations", **CASEY)

        assert response.status_code == 200
        assert [(r["id"], r["sec"], r["bank_type"], r["account_last4"], r["recurring"],
                 r["ends_on"], r["state"]) for r in response.json()] == [
            (second.pk, "PPD", "savings", "1234", False, "2027-01-01", "in_force"),
            (first.pk, "WEB", "checking", "6789", True, None, "in_force"),
        ]  # fmt: skip
        assert FULL_NUMBER.encode() not in response.content
        assert b"55501234" not in response.content

    @pytest.mark.parametrize(
        ("changes", "status", "field", "detail"),
        [({"routing": "021000022"}, 400, "routing",
          "routing number 021000022 fails its check digit"),
         ({"account_number": "12"}, 400, "account_number",
          "an account number is 4 to 17 letters or digits"),
         ({"account_type": "brokerage"}, 400, "account_type",
          "account_type must be checking or savings"),
         ({"sec": "CCD"}, 400, "sec", "sec must be one of PPD, WEB, TEL"),
         ({"evidence": "  "}, 400, "evidence",
          "say how the consumer authorized the debit (recording, form, web session)"),
         ({"evidence": None}, 422, "evidence", "Field required"),
         ({"ends_on": "2026-02-30"}, 422, "ends_on", None)],
    )  # fmt: skip
    def test_bad_input_is_refused_naming_the_field_and_nothing_is_kept(
        self, client, acme, changes, status, field, detail
    ):
        account = make_account(acme)
        body = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
        before = state()

        response = post(client, f"/api/accounts/{account.pk}/ach-authorizations", body)

        assert (response.status_code, response.json()["field"]) == (status, field)
        if detail is not None:
            assert response.json()["detail"] == detail
        assert FULL_NUMBER.encode() not in response.content
        assert state() == before

    def test_revoking_cancels_what_was_scheduled_and_a_second_time_does_nothing(self, client, acme):
        account = make_account(acme)
        auth = authorize(account)
        debit = schedule(auth, 5_000, date(2026, 12, 1))

        first = post(client, f"/api/ach-authorizations/{auth.pk}/revoke",
                     {"reason": "consumer called"})  # fmt: skip
        again = post(client, f"/api/ach-authorizations/{auth.pk}/revoke", {"reason": "again"})

        assert first.status_code == 200
        assert {k: first.json()[k] for k in ("id", "state", "revoked_at", "revoked_reason",
                                              "cancelled")} == {
            "id": auth.pk, "state": "revoked", "revoked_at": "2026-11-23T12:00:00Z",
            "revoked_reason": "consumer called", "cancelled": 1,
        }  # fmt: skip
        assert (again.status_code, again.json()["cancelled"],
                again.json()["revoked_reason"]) == (200, 0, "consumer called")  # fmt: skip
        debit.refresh_from_db()
        assert (debit.status, debit.status_reason) == ("cancelled", "authorization revoked")

    def test_revoking_without_a_reason_is_refused(self, client, acme):
        auth = authorize(make_account(acme))
        before = state()
        response = post(client, f"/api/ach-authorizations/{auth.pk}/revoke", {"reason": ""})
        assert (response.status_code, response.json()["field"]) == (422, "reason")
        assert state() == before


class TestScheduledDebits:
    def test_a_collector_schedules_a_debit_read_exactly_from_decimal_text(self, client, acme):
        account = make_account(acme)
        auth = authorize(account)

        response = post(client, f"/api/accounts/{account.pk}/scheduled-debits",
                        {"authorization_id": auth.pk, "amount": "125.40",
                         "due_on": "2026-12-01"})  # fmt: skip

        assert response.status_code == 201
        debit = ScheduledPayment.objects.get()
        assert (debit.amount_minor, debit.due_on, debit.status) == (
            12_540, date(2026, 12, 1), "scheduled")  # fmt: skip
        assert response.json() == {
            "id": debit.pk, "account_id": account.pk, "authorization_id": auth.pk,
            "amount": "125.40", "currency": "USD", "due_on": "2026-12-01",
            "status": "scheduled", "status_reason": "", "attempt": 1, "retry_of": None,
            "trace": "", "bank_type": "checking", "account_last4": "6789",
            "notice": {"needed": True, "status": "", "sent_on": None,
                       "send_from": "2026-11-16", "send_to": "2026-11-26"},
            "arrangement_id": None, "arrangement_kind": "", "instalment_seq": None,
            "cancellable": True,
        }  # fmt: skip

    def test_lists_debits_with_the_plan_they_pay(self, client, acme):
        account = make_account(acme, principal=100_000)
        auth = authorize(account)
        plan = plan_create(account_id=account.pk, actor=ACTOR, now=NOW, terms=PlanTerms(
            frequency="monthly", first_due=date(2026, 12, 1), count=2,
            authorization_id=auth.pk))  # fmt: skip
        alone = schedule(auth, 1_000, date(2026, 11, 25))

        response = client.get(f"/api/accounts/{account.pk}/scheduled-debits", **CASEY)

        assert response.status_code == 200
        assert [(d["due_on"], d["amount"], d["arrangement_id"], d["arrangement_kind"],
                 d["instalment_seq"], d["cancellable"], d["notice"]["needed"])
                for d in response.json()] == [
            ("2027-01-01", "500.00", plan.pk, "plan", 2, False, True),
            ("2026-12-01", "500.00", plan.pk, "plan", 1, False, True),
            ("2026-11-25", "10.00", None, "", None, True, False),
        ]  # fmt: skip
        assert response.json()[2]["id"] == alone.pk

    @pytest.mark.parametrize(
        ("changes", "status", "field", "detail"),
        [({"amount": "1.005"}, 400, "amount", "'1.005' is not an amount like 125.40"),
         ({"amount": "ten"}, 400, "amount", "'ten' is not an amount like 125.40"),
         ({"amount": "0"}, 400, "amount", "the amount must be more than zero"),
         ({"amount": 12.5}, 422, "amount", None),
         ({"due_on": "2026-11-20"}, 400, "due_on", "a payment cannot be scheduled in the past"),
         ({"due_on": "tomorrow"}, 422, "due_on", None),
         ({"authorization_id": "x"}, 422, "authorization_id", None)],
    )  # fmt: skip
    def test_bad_input_is_refused_naming_the_field_and_nothing_is_scheduled(
        self, client, acme, changes, status, field, detail
    ):
        account = make_account(acme)
        auth = authorize(account)
        before = state()
        body = {"authorization_id": auth.pk, "amount": "10.00", "due_on": "2026-12-01",
                **changes}  # fmt: skip

        response = post(client, f"/api/accounts/{account.pk}/scheduled-debits", body)

        assert (response.status_code, response.json()["field"]) == (status, field)
        if detail is not None:
            assert response.json()["detail"] == detail
        assert state() == before

    def test_an_authorization_of_another_account_is_not_found(self, client, acme):
        here, there = make_account(acme), make_account(acme)
        theirs = authorize(there)
        before = state()
        response = post(client, f"/api/accounts/{here.pk}/scheduled-debits",
                        {"authorization_id": theirs.pk, "amount": "10.00",
                         "due_on": "2026-12-01"})  # fmt: skip
        assert response.status_code == 404
        assert response.json() == {
            "detail": f"no authorization {theirs.pk} on account {here.pk}",
            "field": "authorization_id", "code": "not_found",
        }  # fmt: skip
        assert state() == before

    def test_cancels_one_and_refuses_it_a_second_time(self, client, acme):
        debit = schedule(authorize(make_account(acme)), 5_000, date(2026, 12, 1))

        done = post(client, f"/api/scheduled-debits/{debit.pk}/cancel", {"reason": "asked"})
        again = post(client, f"/api/scheduled-debits/{debit.pk}/cancel", {"reason": "asked"})

        assert done.status_code == 200
        assert {k: done.json()[k] for k in ("id", "status", "status_reason", "cancellable")} == {
            "id": debit.pk, "status": "cancelled", "status_reason": "asked",
            "cancellable": False}  # fmt: skip
        assert again.status_code == 400
        assert again.json() == {
            "detail": f"scheduled debit {debit.pk} is cancelled: only a debit still scheduled "
            "can be cancelled", "field": "scheduled_id", "code": "refused",
        }  # fmt: skip
        assert AuditEvent.objects.filter(event="payment.schedule_cancelled").count() == 1

    def test_a_plans_debit_is_refused_with_the_way_to_cancel_it(self, client, acme):
        account = make_account(acme)
        plan = plan_create(account_id=account.pk, actor=ACTOR, now=NOW, terms=PlanTerms(
            frequency="monthly", first_due=date(2026, 12, 1), count=2,
            authorization_id=authorize(account).pk))  # fmt: skip
        debit = plan.instalments.get(seq=2).scheduled_id
        before = state()
        response = post(client, f"/api/scheduled-debits/{debit}/cancel", {"reason": "asked"})
        assert (response.status_code, response.json()["field"], response.json()["detail"]) == (
            400, "scheduled_id",
            f"scheduled debit {debit} collects payment 2 of payment plan {plan.pk}: cancel the "
            "payment plan, which cancels its debits with it",
        )  # fmt: skip
        assert state() == before


class TestWhoMay:
    def test_compliance_reads_and_every_change_is_refused_403_with_nothing_changed(
        self, client, acme
    ):
        User.objects.create_user("cora", password=PASSWORD, role=Role.COMPLIANCE)
        cora = basic("cora", PASSWORD)
        account = make_account(acme)
        auth = authorize(account)
        debit = schedule(auth)
        before = state()

        reads = [client.get(f"/api/accounts/{account.pk}/ach-authorizations", **cora),
                 client.get(f"/api/accounts/{account.pk}/scheduled-debits", **cora)]  # fmt: skip
        writes = [
            post(client, f"/api/accounts/{account.pk}/ach-authorizations", GOOD, cora),
            post(client, f"/api/ach-authorizations/{auth.pk}/revoke", {"reason": "x"}, cora),
            post(client, f"/api/accounts/{account.pk}/scheduled-debits",
                 {"authorization_id": auth.pk, "amount": "10.00", "due_on": "2026-12-01"}, cora),
            post(client, f"/api/scheduled-debits/{debit.pk}/cancel", {"reason": "x"}, cora),
        ]  # fmt: skip

        assert [r.status_code for r in reads] == [200, 200]
        assert [len(r.json()) for r in reads] == [1, 1]
        assert [r.status_code for r in writes] == [403, 403, 403, 403]
        assert writes[0].json() == {
            "detail": "this needs one of the roles: collector, accountant, supervisor, admin",
            "field": None, "code": "forbidden",
        }  # fmt: skip
        assert state() == before

    def test_an_ungranted_collector_gets_404_for_each_and_nothing_changes(self, client, acme):
        theirs = make_account(make_client("BETA"))
        auth = authorize(theirs)
        debit = schedule(auth)
        before = state()
        responses = {
            "list": client.get(f"/api/accounts/{theirs.pk}/ach-authorizations", **CASEY),
            "debits": client.get(f"/api/accounts/{theirs.pk}/scheduled-debits", **CASEY),
            "record": post(client, f"/api/accounts/{theirs.pk}/ach-authorizations", GOOD),
            "revoke": post(client, f"/api/ach-authorizations/{auth.pk}/revoke", {"reason": "x"}),
            "schedule": post(client, f"/api/accounts/{theirs.pk}/scheduled-debits",
                             {"authorization_id": auth.pk, "amount": "1.00",
                              "due_on": "2026-12-01"}),
            "cancel": post(client, f"/api/scheduled-debits/{debit.pk}/cancel", {"reason": "x"}),
        }  # fmt: skip
        assert {k: (r.status_code, r.json()["field"]) for k, r in responses.items()} == {
            "list": (404, "account_id"), "debits": (404, "account_id"),
            "record": (404, "account_id"), "revoke": (404, "authorization_id"),
            "schedule": (404, "account_id"), "cancel": (404, "scheduled_id"),
        }  # fmt: skip
        assert state() == before
