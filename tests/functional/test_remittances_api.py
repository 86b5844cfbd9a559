"""Remittance statements through the API: the month's statements as decimal text, and recording
one paid (200; a second time 409; bad input 400 naming the field; roles 403), with nothing
changed on a refusal."""

from __future__ import annotations

import json
from datetime import UTC, date

import pytest

from arrears.data.audit.models import AuditEvent
from arrears.data.trust.models import Remittance
from arrears.data.users.models import Role, User
from arrears.services.common import Actor
from arrears.services.payments.posting import payment_post
from arrears.services.trust.operations import commission_terms_set, remit
from tests.factories import NOW, make_account, make_client
from tests.functional.test_api import basic

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
PASSWORD = "a-long-real-passphrase"


@pytest.fixture(autouse=True)
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Today is 23 November 2026."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW.astimezone(UTC))


@pytest.fixture
def acme(tmp_path) -> Remittance:
    """ACME's October statement: 200.00 collected at 25 %, 150.00 due."""
    client = make_client("ACME")
    commission_terms_set(client_id=client.pk, default_rate_ppm=250_000, actor=ACTOR, now=NOW)
    payment_post(account_id=make_account(client).pk, amount_minor=20_000,
                 received_on=date(2026, 10, 9), source="check", actor=ACTOR, now=NOW)  # fmt: skip
    remit(period=date(2026, 10, 1), actor=ACTOR, now=NOW, out=tmp_path)
    return Remittance.objects.get()


def as_(role: str) -> dict[str, str]:
    User.objects.create_user(role, password=PASSWORD, role=role)
    return basic(role, PASSWORD)


def post_paid(client, remittance_id: int, body: dict, auth: dict):  # type: ignore[no-untyped-def]
    return client.post(f"/api/remittances/{remittance_id}/paid", json.dumps(body),
                       content_type="application/json", **auth)  # fmt: skip


ISSUED = {
    "number": "REM-ACME-2026-10", "client": "ACME", "client_name": "ACME Bank",
    "period": "2026-10", "currency": "USD", "remit_mode": "net", "lines": 1,
    "collected": "200.00", "refunds": "0.00", "reversals": "0.00", "net_collected": "200.00",
    "commission": "50.00", "convenience_fees": "0.00", "client_share": "150.00",
    "due_to_client": "150.00", "commission_invoice": "0.00", "status": "issued",
    "issued_at": "2026-11-23T12:00:00Z", "paid_on": None, "paid_reference": "", "paid_by": None,
    "paid_at": None,
}  # fmt: skip


class TestList:
    def test_lists_the_months_statements_as_decimal_text(self, client, acme):
        auth = as_(Role.SUPERVISOR)

        by_period = client.get("/api/remittances?period=2026-10", **auth)
        latest = client.get("/api/remittances", **auth)

        assert by_period.status_code == 200
        assert by_period.json() == latest.json() == [{"id": acme.pk, **ISSUED}]
        assert client.get("/api/remittances?period=2026-09", **auth).json() == []

    def test_a_period_that_is_not_a_month_is_400_naming_it(self, client, acme):
        response = client.get("/api/remittances?period=2026-13", **as_(Role.ACCOUNTANT))
        assert response.status_code == 400
        assert response.json() == {
            "detail": "'2026-13' is not a month (YYYY-MM, such as 2026-10)", "field": "period",
            "code": "refused",
        }  # fmt: skip

    @pytest.mark.parametrize("role", [Role.COLLECTOR, Role.COMPLIANCE])
    def test_other_roles_are_403(self, client, acme, role):
        assert client.get("/api/remittances", **as_(role)).status_code == 403


class TestPaid:
    def test_an_accountant_records_it_paid(self, client, acme):
        auth = as_(Role.ACCOUNTANT)

        response = post_paid(client, acme.pk, {"paid_on": "2026-11-23",
                                               "reference": "WIRE 77"}, auth)  # fmt: skip

        assert response.status_code == 200
        assert response.json() == {
            "id": acme.pk, **ISSUED, "status": "paid", "paid_on": "2026-11-23",
            "paid_reference": "WIRE 77", "paid_by": "accountant",
            "paid_at": "2026-11-23T12:00:00Z",
        }  # fmt: skip

    def test_a_second_identical_request_is_409_and_changes_nothing(self, client, acme):
        auth = as_(Role.ADMIN)
        body = {"paid_on": "2026-11-23", "reference": "WIRE 77"}
        post_paid(client, acme.pk, body, auth)
        before = (list(Remittance.objects.values_list("status", "paid_reference", "paid_at")),
                  AuditEvent.objects.count())  # fmt: skip

        again = post_paid(client, acme.pk, body, auth)

        assert again.status_code == 409
        assert again.json() == {
            "detail": "REM-ACME-2026-10 was marked paid on 2026-11-23 (reference WIRE 77) by "
            "admin; nothing was changed",
            "field": "remittance_id", "code": "already_paid",
        }  # fmt: skip
        assert (list(Remittance.objects.values_list("status", "paid_reference", "paid_at")),
                AuditEvent.objects.count()) == before  # fmt: skip

    @pytest.mark.parametrize(("body", "status", "field"), [
        ({"paid_on": "2026-11-24", "reference": "W"}, 400, "paid_on"),
        ({"paid_on": "2026-11-20", "reference": "W"}, 400, "paid_on"),
        ({"paid_on": "2026-11-23", "reference": " "}, 400, "reference"),
        ({"paid_on": "2026-11-23"}, 422, "reference"),
        ({"paid_on": "soon", "reference": "W"}, 422, "paid_on"),
    ])  # fmt: skip
    def test_bad_input_is_refused_naming_the_field(self, client, acme, body, status, field):
        response = post_paid(client, acme.pk, body, as_(Role.ACCOUNTANT))

        assert (response.status_code, response.json()["field"]) == (status, field)
        acme.refresh_from_db()
        assert (acme.status, acme.paid_on) == ("issued", None)

    def test_a_supervisor_is_403_and_an_unknown_statement_404(self, client, acme):
        body = {"paid_on": "2026-11-23", "reference": "W"}
        refused = post_paid(client, acme.pk, body, as_(Role.SUPERVISOR))
        missing = post_paid(client, 987_654, body, as_(Role.ACCOUNTANT))

        assert refused.status_code == 403
        assert (missing.status_code, missing.json()) == (404, {
            "detail": "no remittance 987654", "field": "remittance_id", "code": "not_found",
        })  # fmt: skip
        acme.refresh_from_db()
        assert acme.status == "issued"
