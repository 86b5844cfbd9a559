"""Arrangements through the API: a statement answered with the plans that fit it, a plan agreed
from it, a settlement beyond authority decided by a second person, corrections within and
beyond a limit; bad input is a 4xx naming the field and records nothing."""

from __future__ import annotations

import base64
import json
from datetime import UTC
from typing import Any

import pytest

from arrears.data.arrangements.models import (
    ApprovalRequest,
    Arrangement,
    AuthorityLimit,
    ClientPlanRules,
    IncomeExpenditure,
)
from arrears.data.clients.models import Client
from arrears.data.users.models import Role, User
from tests.factories import NOW, grant_clients, make_account, make_client

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-real-passphrase"


@pytest.fixture(autouse=True)
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW.astimezone(UTC))


@pytest.fixture
def acme():  # type: ignore[no-untyped-def]
    client = make_client()
    ClientPlanRules.objects.create(client=client, min_payment_minor=5_000, max_term_months=12)
    AuthorityLimit.objects.create(role=Role.COLLECTOR, max_discount_ppm=200_000,
                                  max_forgiven_minor=50_000, max_adjustment_minor=2_500)  # fmt: skip
    AuthorityLimit.objects.create(role=Role.SUPERVISOR, max_discount_ppm=500_000,
                                  max_adjustment_minor=100_000)  # fmt: skip
    return client


def login(role: str, username: str | None = None) -> dict[str, str]:
    name = username or role
    user = User.objects.create_user(name, password=PASSWORD, role=role)
    for client in Client.objects.all():
        grant_clients(user, client)
    token = base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def post(client, path: str, body: dict[str, Any], auth: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(path, json.dumps(body), content_type="application/json", **auth)


STATEMENT = {
    "adults": 1, "children": 1, "first_due": "2026-12-01",
    "incomes": [{"category": "wages", "amount": "1500.00", "frequency": "biweekly"}],
    "expenses": [{"category": "housing", "amount": "1400.00"},
                 {"category": "food", "amount": "600.00"},
                 {"category": "utilities", "amount": "1000.00"}],
}  # fmt: skip


def test_a_statement_answers_with_plans_and_one_is_agreed(client, acme) -> None:  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=120_000)
    casey = login(Role.COLLECTOR)
    answer = post(client, f"/api/accounts/{account.pk}/income-expenditure", STATEMENT, casey)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["disposable_monthly"] == "250.00"
    monthly = next(p for p in body["proposals"]["proposals"] if p["frequency"] == "monthly")
    assert (monthly["instalment_minor"], monthly["count"]) == (25_000, 5)

    agreed = post(client, f"/api/accounts/{account.pk}/plans",
                  {"frequency": "monthly", "first_due": "2026-12-01",
                   "statement_id": body["statement_id"]}, casey)  # fmt: skip
    assert agreed.status_code == 201, agreed.content
    plan = agreed.json()
    assert (plan["kind"], plan["status"], plan["total"]) == ("plan", "active", "1200.00")
    assert [(i["due_on"], i["amount"]) for i in plan["instalments"]] == [
        ("2026-12-01", "250.00"), ("2027-01-01", "250.00"), ("2027-02-01", "250.00"),
        ("2027-03-01", "250.00"), ("2027-04-01", "200.00"),
    ]  # fmt: skip
    listed = client.get(f"/api/accounts/{account.pk}/arrangements", **casey).json()
    assert [a["id"] for a in listed] == [plan["id"]]


def test_bad_input_names_the_field_and_keeps_nothing(client, acme) -> None:  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=120_000)
    casey = login(Role.COLLECTOR)
    bad_amount = {**STATEMENT, "incomes": [{"category": "wages", "amount": "lots"}]}
    answer = post(client, f"/api/accounts/{account.pk}/income-expenditure", bad_amount, casey)
    assert (answer.status_code, answer.json()["field"]) == (400, "incomes.0.amount")
    bad_category = {**STATEMENT, "expenses": [{"category": "yachts", "amount": "10"}]}
    answer = post(client, f"/api/accounts/{account.pk}/income-expenditure", bad_category, casey)
    assert (answer.status_code, answer.json()["field"]) == (400, "expenses")
    answer = post(client, f"/api/accounts/{account.pk}/plans",
                  {"frequency": "fortnightly", "first_due": "2026-12-01", "count": 3}, casey)  # fmt: skip
    assert (answer.status_code, answer.json()["field"]) == (400, "frequency")
    answer = post(client, f"/api/accounts/{account.pk}/plans",
                  {"frequency": "monthly", "first_due": "2026-11-01", "count": 3}, casey)  # fmt: skip
    assert (answer.status_code, answer.json()["field"]) == (400, "first_due")
    answer = post(client, f"/api/accounts/{account.pk}/settlements",
                  {"first_due": "2026-12-01", "percent": "150"}, casey)  # fmt: skip
    assert (answer.status_code, answer.json()["field"]) == (400, "amount_minor")
    answer = post(client, f"/api/accounts/{account.pk}/settlements",
                  {"first_due": "2026-12-01"}, casey)  # fmt: skip
    assert (answer.status_code, answer.json()["field"]) == (400, "amount_minor")
    assert not IncomeExpenditure.objects.exists()
    assert not Arrangement.objects.exists()


def test_a_settlement_beyond_authority_is_approved_by_a_supervisor(client, acme) -> None:  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=300_000)
    casey, sam = login(Role.COLLECTOR), login(Role.SUPERVISOR)
    offered = post(client, f"/api/accounts/{account.pk}/settlements",
                   {"first_due": "2026-12-15", "percent": "60", "count": 3}, casey)  # fmt: skip
    assert offered.status_code == 201, offered.content
    deal = offered.json()
    assert (deal["status"], deal["total"], deal["forgiven"], deal["needs_1099c"]) == (
        "pending",
        "1800.00",
        "1200.00",
        True,
    )
    assert len(deal["beyond_authority"]) == 2
    assert client.get("/api/approvals", **casey).status_code == 403
    waiting = client.get("/api/approvals", **sam).json()
    assert [(w["kind"], w["arrangement_id"], w["amount"]) for w in waiting] == [
        ("settlement", deal["id"], "1200.00")
    ]
    decided = post(client, f"/api/approvals/{waiting[0]['id']}/decision",
                   {"approve": True, "note": "hardship"}, sam)  # fmt: skip
    assert (decided.status_code, decided.json()["status"]) == (200, "approved")
    assert Arrangement.objects.get(pk=deal["id"]).status == "active"
    again = post(client, f"/api/approvals/{waiting[0]['id']}/decision", {"approve": False}, sam)
    assert (again.status_code, again.json()["field"]) == (400, "request_id")


def test_corrections_post_within_the_limit_and_wait_beyond_it(client, acme) -> None:  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=100_000, fees=5_000)
    sam = login(Role.SUPERVISOR)
    small = post(client, f"/api/accounts/{account.pk}/corrections",
                 {"kind": "adjustment", "on": "2026-11-23", "reason": "fee waived",
                  "amounts": {"fees": "-20.00"}}, sam)  # fmt: skip
    assert (small.status_code, small.json()["posted"]) == (201, True)
    big = post(client, f"/api/accounts/{account.pk}/corrections",
               {"kind": "write_off", "on": "2026-11-23", "reason": "uncollectable"}, sam)  # fmt: skip
    assert big.status_code == 202
    assert big.json()["reasons"] == [
        "The adjustment of $1,030.00 is over the limit of $1,000.00; a second person must "
        "approve it."
    ]
    account.refresh_from_db()
    assert (account.fees_minor, account.balance_minor) == (3_000, 103_000)
    assert ApprovalRequest.objects.get().status == "pending"
    casey = login(Role.COLLECTOR)
    refused = post(client, f"/api/accounts/{account.pk}/corrections",
                   {"kind": "write_off", "on": "2026-11-23", "reason": "x"}, casey)  # fmt: skip
    assert refused.status_code == 403


def test_the_nightly_command_judges_plans_once(acme) -> None:  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.core.management import call_command

    from arrears.services.arrangements.plans import PlanTerms, plan_create
    from arrears.services.common import Actor

    account = make_account(acme, principal=60_000)
    plan_create(account_id=account.pk, actor=Actor.system("test"), now=NOW,
                terms=PlanTerms(frequency="monthly", first_due=NOW.date(), count=2))  # fmt: skip

    def run() -> dict[str, Any]:
        out = StringIO()
        call_command("arrangements-evaluate", "--as-of", "2026-11-24", "--json", stdout=out,
                     stderr=StringIO())  # fmt: skip
        return json.loads(out.getvalue().strip().splitlines()[-1])

    assert run() == {"as_of": "2026-11-24", "judged": 1, "instalments_kept": 0,
                     "instalments_broken": 1, "completed": 0, "broken": 1, "settled": 0}  # fmt: skip
    assert run()["judged"] == 0
    assert Arrangement.objects.get().status == "broken"
