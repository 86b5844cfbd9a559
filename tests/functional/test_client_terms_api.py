"""A client's plan rules and the authority limits through the API: exact decimal text, 4xx
answers that name the field (never a 500), administrators alone changing them, and a refusal
that changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from arrears.data.arrangements.models import AuthorityLimit, ClientPlanRules
from arrears.data.audit.models import AuditEvent
from arrears.data.users.models import Role, User
from tests.factories import make_client
from tests.functional.test_api import basic

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-real-passphrase"


@pytest.fixture
def book():  # type: ignore[no-untyped-def]
    for name, role in (
        ("casey", Role.COLLECTOR),
        ("sam", Role.SUPERVISOR),
        ("abby", Role.ACCOUNTANT),
        ("cora", Role.COMPLIANCE),
        ("ada", Role.ADMIN),
    ):
        User.objects.create_user(name, password=PASSWORD, role=role)  # fmt: skip
    acme = make_client("ACME", granted_to="casey")
    make_client("BETA")
    AuthorityLimit.objects.create(role=Role.COLLECTOR, max_discount_ppm=200_000,
                                  max_forgiven_minor=50_000, max_adjustment_minor=5_000)  # fmt: skip
    AuthorityLimit.objects.create(role=Role.SUPERVISOR, client=acme, max_discount_ppm=500_000,
                                  max_forgiven_minor=None, max_adjustment_minor=None)  # fmt: skip
    return acme


def who(name: str) -> dict[str, str]:
    return basic(name, PASSWORD)


def put(client, url: str, body: object, name: str = "ada"):  # type: ignore[no-untyped-def]
    return client.put(url, json.dumps(body), content_type="application/json", **who(name))


def state() -> dict[str, Any]:
    return {
        "rules": list(ClientPlanRules.objects.values_list("client__code", "min_payment_minor",
                                                           "max_term_months")),
        "limits": list(AuthorityLimit.objects.order_by("pk").values_list(
            "role", "client__code", "max_discount_ppm", "max_forgiven_minor",
            "max_adjustment_minor")),
        "audit": AuditEvent.objects.exclude(event__startswith="auth.").count(),
    }  # fmt: skip


RULES = "/api/clients/ACME/plan-rules"
LIMITS = "/api/authority-limits"


class TestPlanRules:
    def test_whoever_may_see_the_client_reads_its_rules_the_defaults_until_set(  # type: ignore[no-untyped-def]
        self, client, book
    ):
        response = client.get(RULES, **who("casey"))
        assert (response.status_code, response.json()) == (200, {
            "client": "ACME", "min_instalment": "25.00", "max_term_months": 24,
            "share_of_disposable_ppm": 1_000_000, "own": False})  # fmt: skip
        other = client.get("/api/clients/BETA/plan-rules", **who("casey"))
        assert (other.status_code, other.json()["field"]) == (404, "client_code")

    def test_an_administrator_sets_them_and_gets_before_and_after(self, client, book):  # type: ignore[no-untyped-def]
        response = put(client, RULES, {"min_instalment": "1234.56", "max_term_months": 18})
        assert (response.status_code, response.json()) == (200, {
            "before": {"client": "ACME", "min_instalment": "25.00", "max_term_months": 24,
                       "share_of_disposable_ppm": 1_000_000, "own": False},
            "after": {"client": "ACME", "min_instalment": "1234.56", "max_term_months": 18,
                      "share_of_disposable_ppm": 1_000_000, "own": True},
            "changed": True,
        })  # fmt: skip
        assert state()["rules"] == [("ACME", 123_456, 18)]
        same = put(client, RULES, {"min_instalment": "1,234.56", "max_term_months": 18})
        assert (same.status_code, same.json()["changed"]) == (200, False)
        assert client.get(RULES, **who("sam")).json()["min_instalment"] == "1234.56"

    @pytest.mark.parametrize(("url", "body", "status", "field"), [
        (RULES, {"min_instalment": "abc", "max_term_months": 18}, 400, "min_instalment"),
        (RULES, {"min_instalment": "0.00", "max_term_months": 18}, 400, "min_instalment"),
        (RULES, {"min_instalment": "-1.00", "max_term_months": 18}, 400, "min_instalment"),
        (RULES, {"min_instalment": "1.005", "max_term_months": 18}, 400, "min_instalment"),
        (RULES, {"min_instalment": "30.00", "max_term_months": 0}, 400, "max_term_months"),
        (RULES, {"min_instalment": "30.00", "max_term_months": 121}, 400, "max_term_months"),
        (RULES, {"min_instalment": "30.00", "max_term_months": "x"}, 422, "max_term_months"),
        (RULES, {"max_term_months": 12}, 422, "min_instalment"),
        ("/api/clients/NOPE/plan-rules", {"min_instalment": "30.00", "max_term_months": 12},
         404, "client_code"),
    ])  # fmt: skip
    def test_bad_input_is_a_4xx_naming_the_field_and_changes_nothing(  # type: ignore[no-untyped-def]
        self, client, book, url, body, status, field
    ):
        before = state()
        response = put(client, url, body)
        assert (response.status_code, response.json()["field"]) == (status, field)
        assert state() == before

    @pytest.mark.parametrize("name", ["sam", "abby", "cora", "casey"])
    def test_only_an_administrator_sets_them(self, client, book, name):  # type: ignore[no-untyped-def]
        before = state()
        response = put(client, RULES, {"min_instalment": "30.00", "max_term_months": 12}, name)
        assert response.status_code == 403
        assert response.json() == {"detail": "this needs one of the roles: admin", "field": None,
                                   "code": "forbidden"}  # fmt: skip
        assert state() == before


class TestAuthorityLimits:
    @pytest.mark.parametrize("name", ["sam", "abby", "ada"])
    def test_those_who_decide_approvals_read_every_limit(self, client, book, name):  # type: ignore[no-untyped-def]
        response = client.get(LIMITS, **who(name))
        assert (response.status_code, response.json()) == (200, [
            {"role": "collector", "client": None, "max_discount_ppm": 200_000,
             "max_forgiven": "500.00", "max_adjustment": "50.00"},
            {"role": "supervisor", "client": "ACME", "max_discount_ppm": 500_000,
             "max_forgiven": None, "max_adjustment": None},
        ])  # fmt: skip

    @pytest.mark.parametrize("name", ["casey", "cora"])
    def test_others_may_not_read_them(self, client, book, name):  # type: ignore[no-untyped-def]
        assert client.get(LIMITS, **who(name)).status_code == 403

    def test_an_administrator_sets_a_clients_limit_then_removes_it(self, client, book):  # type: ignore[no-untyped-def]
        body = {"role": "collector", "client": "ACME", "max_discount_ppm": 400_000,
                "max_forgiven": "1500.00", "max_adjustment": None}  # fmt: skip
        response = put(client, LIMITS, body)
        assert (response.status_code, response.json()) == (200, {
            "before": None,
            "after": {"role": "collector", "client": "ACME", "max_discount_ppm": 400_000,
                      "max_forgiven": "1500.00", "max_adjustment": None},
            "changed": True,
        })  # fmt: skip
        assert state()["limits"][-1] == ("collector", "ACME", 400_000, 150_000, None)
        removed = client.delete(f"{LIMITS}?role=collector&client=ACME", **who("ada"))
        assert (removed.status_code, removed.json()) == (200, {"removed": {
            "role": "collector", "client": "ACME", "max_discount_ppm": 400_000,
            "max_forgiven": "1500.00", "max_adjustment": None}})  # fmt: skip
        again = client.delete(f"{LIMITS}?role=collector&client=ACME", **who("ada"))
        assert (again.status_code, again.json()) == (404, {
            "detail": "collector has no limit for client ACME", "field": "client",
            "code": "not_found"})  # fmt: skip
        general = client.delete(f"{LIMITS}?role=collector", **who("ada"))
        assert (general.status_code, general.json()["removed"]["client"]) == (200, None)
        assert [row[:2] for row in state()["limits"]] == [("supervisor", "ACME")]
        assert AuditEvent.objects.filter(event__startswith="authority_limit.").count() == 3

    @pytest.mark.parametrize(("body", "status", "field"), [
        ({"role": "admin"}, 400, "role"),
        ({"role": "boss"}, 400, "role"),
        ({"client": "NOPE"}, 404, "client"),
        ({"max_discount_ppm": 1_000_001}, 400, "max_discount_ppm"),
        ({"max_discount_ppm": -1}, 400, "max_discount_ppm"),
        ({"max_discount_ppm": "lots"}, 422, "max_discount_ppm"),
        ({"max_forgiven": "-1.00"}, 400, "max_forgiven"),
        ({"max_forgiven": "ten"}, 400, "max_forgiven"),
        ({"max_adjustment": "1.001"}, 400, "max_adjustment"),
        ({"max_adjustment": "99999999999999"}, 400, "max_adjustment"),
    ])  # fmt: skip
    def test_bad_input_is_a_4xx_naming_the_field_and_changes_nothing(  # type: ignore[no-untyped-def]
        self, client, book, body, status, field
    ):
        before = state()
        sent = {"role": "collector", "client": "ACME", "max_discount_ppm": 300_000,
                "max_forgiven": "100.00", "max_adjustment": "10.00"} | body  # fmt: skip
        response = put(client, LIMITS, sent)
        assert (response.status_code, response.json()["field"]) == (status, field)
        assert state() == before

    def test_an_amount_left_out_is_refused_not_taken_as_no_limit(self, client, book):  # type: ignore[no-untyped-def]
        before = state()
        response = put(client, LIMITS, {"role": "collector", "client": None,
                                        "max_discount_ppm": 300_000, "max_forgiven": "1.00"})  # fmt: skip
        assert (response.status_code, response.json()["field"]) == (422, "max_adjustment")
        assert state() == before

    def test_removing_needs_the_role(self, client, book):  # type: ignore[no-untyped-def]
        response = client.delete(LIMITS, **who("ada"))
        assert (response.status_code, response.json()["field"]) == (422, "role")

    @pytest.mark.parametrize("name", ["sam", "abby", "cora", "casey"])
    def test_only_an_administrator_changes_them(self, client, book, name):  # type: ignore[no-untyped-def]
        before = state()
        body = {"role": "supervisor", "client": None, "max_discount_ppm": 1_000_000,
                "max_forgiven": None, "max_adjustment": None}  # fmt: skip
        assert put(client, LIMITS, body, name).status_code == 403
        assert client.delete(f"{LIMITS}?role=collector", **who(name)).status_code == 403
        assert state() == before
