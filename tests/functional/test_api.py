"""The REST API: auth, bad input named by field, placement upload and report, exact amounts."""

from __future__ import annotations

import base64

import pytest

from arrears.data.users.models import Role, User
from tests.factories import make_account, make_client

pytestmark = pytest.mark.django_db


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


@pytest.fixture
def supervisor():
    User.objects.create_user("sam", password="a-long-real-passphrase", role=Role.SUPERVISOR)
    return basic("sam", "a-long-real-passphrase")


@pytest.fixture
def officer():
    User.objects.create_user("cora", password="a-long-real-passphrase", role=Role.COMPLIANCE)
    return basic("cora", "a-long-real-passphrase")


@pytest.fixture
def collector():
    User.objects.create_user("casey", password="a-long-real-passphrase", role=Role.COLLECTOR)
    return basic("casey", "a-long-real-passphrase")


class TestAuth:
    def test_health_needs_no_login(self, client):
        assert client.get("/api/health").json() == {"status": "ok"}

    def test_clients_need_a_login(self, client):
        assert client.get("/api/clients").status_code == 401

    def test_docs_page_uses_the_bundled_swagger_ui_not_a_cdn(self, client):
        html = client.get("/api/docs").content.decode()
        assert "/static/ninja/swagger-ui-bundle.js" in html
        assert "cdn." not in html

    def test_openapi_schema_is_served(self, client):
        schema = client.get("/api/openapi.json").json()
        assert schema["openapi"].startswith("3.1")
        assert "/api/clients/{client_code}/placements" in schema["paths"]


class TestClients:
    def test_create_and_list(self, client, supervisor):
        created = client.post("/api/clients", {"code": "ACME", "name": "Acme Bank"},
                              content_type="application/json", **supervisor)  # fmt: skip
        assert created.status_code == 201 and created.json()["code"] == "ACME"
        listed = client.get("/api/clients", **supervisor).json()
        assert [c["code"] for c in listed] == ["ACME"]

    def test_bad_code_names_the_field(self, client, supervisor):
        response = client.post("/api/clients", {"code": "no spaces!", "name": "X"},
                               content_type="application/json", **supervisor)  # fmt: skip
        assert response.status_code == 400
        assert response.json()["field"] == "code"

    def test_missing_field_is_422_naming_it(self, client, supervisor):
        response = client.post("/api/clients", {"code": "ACME"},
                               content_type="application/json", **supervisor)  # fmt: skip
        assert response.status_code == 422
        assert response.json()["field"] == "name"

    def test_wrong_type_is_422_not_500(self, client, supervisor):
        response = client.post("/api/clients", {"code": "ACME", "name": "A", "commission_rate_ppm": "x"},
                               content_type="application/json", **supervisor)  # fmt: skip
        assert response.status_code == 422
        assert response.json()["field"] == "commission_rate_ppm"

    def test_duplicate_is_409(self, client, supervisor):
        make_client("ACME")
        response = client.post("/api/clients", {"code": "ACME", "name": "Again"},
                               content_type="application/json", **supervisor)  # fmt: skip
        assert response.status_code == 409 and response.json()["field"] == "code"

    def test_collector_may_not_create(self, client, collector):
        response = client.post("/api/clients", {"code": "ACME", "name": "A"},
                               content_type="application/json", **collector)  # fmt: skip
        assert response.status_code == 403


class TestAccounts:
    def test_amounts_are_exact_decimal_strings(self, client, collector):
        account = make_account(make_client(granted_to="casey"), principal=123_456, fees=5)
        body = client.get(f"/api/accounts/{account.pk}", **collector).json()
        assert body["balances"] == {
            "principal": "1234.56", "interest": "0.00", "fees": "0.05", "costs": "0.00",
            "total": "1234.61",
        }  # fmt: skip

    def test_unknown_account_is_404(self, client, collector):
        assert client.get("/api/accounts/424242", **collector).status_code == 404

    def test_non_numeric_id_is_4xx_naming_the_field(self, client, collector):
        response = client.get("/api/accounts/abc", **collector)
        assert response.status_code == 422
        assert response.json()["field"] == "account_id"


class TestContactDecisions:
    def test_blocked_channel_names_its_rule_citation_and_earliest_moment(self, client, collector):
        from datetime import date

        from arrears.data.accounts.models import Hold

        account = make_account(make_client(granted_to="casey"))
        Hold.objects.create(account=account, kind="attorney", starts_on=date(2026, 11, 1),
                            ends_on=date(2026, 12, 1), source="letter from counsel")  # fmt: skip
        response = client.get(
            f"/api/accounts/{account.pk}/contact-decisions",
            {"at": "2026-11-23T20:00:00Z"},  # 15:00 in New York, 10:00 in Honolulu
            **collector,
        )
        assert response.status_code == 200
        call = next(d for d in response.json() if d["channel"] == "call")
        assert call["allowed"] is False
        assert call["pack_version"] == "us-federal@2026.11.3"
        # The hold ends at midnight in New York; with no address, 08:00 in every US zone.
        assert call["earliest"] == "2026-12-01T18:00:00Z"
        blocks = [r for r in call["reasons"] if r["verdict"] == "block"]
        assert [(r["rule"], r["citation"]) for r in blocks] == [
            ("regf.attorney-representation", "12 CFR 1006.6(b)(2); 15 U.S.C. 1692c(a)(2)")
        ]

    def test_a_moment_without_offset_is_400_naming_at(self, client, collector):
        account = make_account(make_client(granted_to="casey"))
        response = client.get(
            f"/api/accounts/{account.pk}/contact-decisions", {"at": "2026-11-23T12:00:00"},
            **collector,
        )  # fmt: skip
        assert response.status_code == 400
        assert response.json()["field"] == "at"

    def test_a_malformed_moment_is_422_naming_at(self, client, collector):
        account = make_account(make_client(granted_to="casey"))
        response = client.get(
            f"/api/accounts/{account.pk}/contact-decisions", {"at": "soon"}, **collector
        )
        assert response.status_code == 422
        assert response.json()["field"] == "at"

    def test_unknown_account_is_404(self, client, collector):
        response = client.get("/api/accounts/999999/contact-decisions", **collector)
        assert response.status_code == 404
        assert response.json()["field"] == "account_id"


class TestContactAttempts:
    MONDAY_3PM_NY = "2026-11-02T20:00:00Z"  # 10:00 in Honolulu: inside every US zone's hours

    def _post(self, client, auth, account_id, **body):
        import json

        payload = {"channel": "call", "outcome": "no_answer", "at": self.MONDAY_3PM_NY, **body}
        return client.post(
            f"/api/accounts/{account_id}/contact-attempts", json.dumps(payload),
            content_type="application/json", **auth,
        )  # fmt: skip

    def test_recording_a_call_returns_it_with_its_decision(self, client, collector):
        account = make_account(make_client(granted_to="casey"))
        response = self._post(client, collector, account.pk, key="D-1")
        assert response.status_code == 201
        body = response.json()
        assert (body["channel"], body["outcome"], body["allowed"]) == ("call", "no_answer", True)
        assert body["at"] == "2026-11-02T20:00:00Z"
        assert body["pack_version"] == "us-federal@2026.11.3"
        assert body["created_by"] == "casey" and body["source"] == "api"
        again = self._post(client, collector, account.pk, key="D-1")
        assert again.status_code == 200 and again.json()["id"] == body["id"]

    def test_a_blocked_call_is_409_with_the_decision_and_nothing_recorded(self, client, collector):
        account = make_account(make_client(granted_to="casey"))
        self._post(client, collector, account.pk, direction="inbound", outcome="conversation")
        response = self._post(client, collector, account.pk, at="2026-11-04T20:00:00Z")
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "blocked" and body["field"] == "channel"
        assert body["decision"]["allowed"] is False
        # Seven days after Monday's conversation, from 08:00 in Honolulu (the latest zone).
        assert body["decision"]["earliest"] == "2026-11-09T18:00:00Z"
        blocks = [r["rule"] for r in body["decision"]["reasons"] if r["verdict"] == "block"]
        assert blocks == ["regf.call-after-conversation"]
        listed = client.get(f"/api/accounts/{account.pk}/contact-attempts", **collector).json()
        assert [a["direction"] for a in listed] == ["inbound"]

    def test_contactability_shows_each_channels_next_moment(self, client, collector, monkeypatch):
        from datetime import UTC, datetime, timedelta
        from zoneinfo import ZoneInfo

        # A weekday afternoon, when every US zone is inside its convenient hours: on the real
        # clock this test failed at night, with the inconvenient-time rule blocking too.
        moment = datetime(2026, 11, 2, 15, 0, tzinfo=ZoneInfo("America/New_York"))
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment.astimezone(UTC))
        account = make_account(make_client(granted_to="casey"))
        self._post(client, collector, account.pk, direction="inbound", outcome="conversation",
                   at=None)  # fmt: skip
        rows = client.get(f"/api/accounts/{account.pk}/contactability", **collector).json()
        call = next(r for r in rows if r["channel"] == "call")
        # Worked out as of now: seven days on (New York days when the address is unknown), from
        # 08:00 in Honolulu, the last US zone to open.
        today = moment.date()
        assert call["next_at"] == f"{today + timedelta(days=7)}T18:00:00Z"
        assert call["blocking_rules"] == ["regf.call-after-conversation"]
        assert call["no_end"] is False
        assert sorted(r["channel"] for r in rows) == ["call", "email", "letter", "sms"]

    @pytest.mark.parametrize(
        ("body", "status", "field"),
        [
            ({"outcome": "sent"}, 400, "outcome"),
            ({"channel": "pigeon"}, 400, "channel"),
            ({"at": "2026-11-02T15:00:00"}, 400, "at"),
            ({"at": "yesterday"}, 422, "at"),
            ({"contact_point_id": "x"}, 422, "contact_point_id"),
        ],
    )
    def test_bad_input_is_4xx_naming_the_field(self, client, collector, body, status, field):
        account = make_account(make_client(granted_to="casey"))
        response = self._post(client, collector, account.pk, **body)
        assert response.status_code == status
        assert response.json()["field"] == field
        listed = client.get(f"/api/accounts/{account.pk}/contact-attempts", **collector).json()
        assert listed == []

    def test_a_missing_outcome_is_422_naming_it(self, client, collector):
        import json

        account = make_account(make_client(granted_to="casey"))
        response = client.post(
            f"/api/accounts/{account.pk}/contact-attempts", json.dumps({"channel": "call"}),
            content_type="application/json", **collector,
        )  # fmt: skip
        assert response.status_code == 422
        assert response.json()["field"] == "outcome"

    def test_unknown_account_is_404_everywhere(self, client, collector):
        assert self._post(client, collector, 999_999).status_code == 404
        for path in ("contact-attempts", "contactability"):
            response = client.get(f"/api/accounts/999999/{path}", **collector)
            assert response.status_code == 404
            assert response.json()["field"] == "account_id"


class TestValidationNotices:
    def _sent(self):
        from datetime import UTC, date, datetime

        from arrears.data.accounts.models import AccountParty
        from arrears.data.parties.models import ContactPoint
        from arrears.services.common import Actor, document_store, letter_renderer
        from arrears.services.compliance.notices import validation_notices_send

        account = make_account(make_client(granted_to="casey"), itemization_date=date(2025, 1, 1))
        ContactPoint.objects.create(
            party_id=AccountParty.objects.get(account=account).party_id, kind="address",
            address1="1 Main St", city="Buffalo", state="NY", zip="14201",
            valid_from=date(2025, 1, 1), value_index="a1",
        )  # fmt: skip
        validation_notices_send(
            as_of=date(2025, 11, 7), actor=Actor.system("test"),
            now=datetime(2026, 11, 23, tzinfo=UTC), store=document_store(),
            renderer=letter_renderer(),
        )  # fmt: skip
        return account

    def test_lists_notices_with_period_and_exact_itemization(self, client, collector):
        account = self._sent()
        rows = client.get(f"/api/accounts/{account.pk}/validation-notices", **collector).json()
        assert len(rows) == 1
        row = rows[0]
        assert (row["sent_on"], row["period_ends_on"], row["status"]) == (
            "2025-11-07", "2025-12-17", "sent")  # fmt: skip
        assert (row["amount_then"], row["payments_credits"], row["current"]) == (
            "1000.00", "0.00", "1000.00")  # fmt: skip

    def test_serves_the_pdf_and_html_as_sent(self, client, collector):
        account = self._sent()
        reference = f"VN-{account.pk}-20251107"
        pdf = client.get(f"/api/validation-notices/{reference}/pdf", **collector)
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF-")
        html = client.get(f"/api/validation-notices/{reference}/html", **collector)
        assert b"December 17, 2025" in html.content
        assert (
            client.get(f"/api/validation-notices/{reference}/doc", **collector).status_code == 404
        )
        missing = client.get("/api/validation-notices/VN-0/pdf", **collector)
        assert missing.status_code == 404 and missing.json()["field"] == "reference"

    def test_marking_returned_needs_a_date_and_is_idempotent(self, client, collector):
        import json

        account = self._sent()
        url = f"/api/validation-notices/VN-{account.pk}-20251107/returned"
        bad = client.post(url, json.dumps({"returned_on": "soon"}),
                          content_type="application/json", **collector)  # fmt: skip
        assert bad.status_code == 422 and bad.json()["field"] == "returned_on"
        early = client.post(url, json.dumps({"returned_on": "2025-11-01"}),
                            content_type="application/json", **collector)  # fmt: skip
        assert early.status_code == 400 and early.json()["field"] == "returned_on"
        for _ in range(2):
            ok = client.post(url, json.dumps({"returned_on": "2025-11-14"}),
                             content_type="application/json", **collector)  # fmt: skip
            assert ok.status_code == 200
            assert (ok.json()["status"], ok.json()["returned_on"]) == ("returned", "2025-11-14")


class TestDisputes:
    def _post(self, client, auth, account_id, **body):
        import json

        payload = {"received_on": "2025-12-01", "medium": "letter", "reason": "amount_wrong",
                   **body}  # fmt: skip
        return client.post(f"/api/accounts/{account_id}/disputes", json.dumps(payload),
                           content_type="application/json", **auth)  # fmt: skip

    def test_record_list_answer_and_queue(self, client, collector, officer):
        import json

        account = make_account(make_client(granted_to="casey"))
        created = self._post(client, collector, account.pk, disputed_amount="125.40")
        assert created.status_code == 201
        body = created.json()
        assert (body["status"], body["in_writing"], body["disputed_amount"]) == (
            "open", True, "125.40")  # fmt: skip
        assert body["within_validation_period"] is False  # no notice was sent
        queue = client.get("/api/compliance/queue", **officer).json()
        assert [i["dispute"]["id"] for i in queue["items"]] == [body["id"]]
        assert queue["overdue"] == 1  # due 30 days after 1 December 2025, long past
        answered = client.post(f"/api/disputes/{body['id']}/answer",
                               json.dumps({"answered_on": "2025-12-05", "note": "statements",
                                           "letter": False}),
                               content_type="application/json", **officer)  # fmt: skip
        assert answered.status_code == 200 and answered.json()["status"] == "answered"
        listed = client.get(f"/api/accounts/{account.pk}/disputes", **collector).json()
        assert [(d["id"], d["answered_on"]) for d in listed] == [(body["id"], "2025-12-05")]
        assert client.get("/api/compliance/queue", **officer).json()["items"] == []

    @pytest.mark.parametrize(
        ("body", "status", "field"),
        [
            ({"disputed_amount": "12.345"}, 400, "disputed_amount"),
            ({"disputed_amount": "lots"}, 400, "disputed_amount"),
            ({"medium": "pigeon"}, 400, "medium"),
            ({"received_on": "yesterday"}, 422, "received_on"),
        ],
    )
    def test_bad_input_is_4xx_naming_the_field(self, client, collector, body, status, field):
        account = make_account(make_client(granted_to="casey"))
        response = self._post(client, collector, account.pk, **body)
        assert response.status_code == status
        assert response.json()["field"] == field
        assert client.get(f"/api/accounts/{account.pk}/disputes", **collector).json() == []

    def test_unknown_account_and_dispute_are_404(self, client, collector):
        import json

        assert self._post(client, collector, 999_999).status_code == 404
        response = client.post("/api/disputes/999999/answer",
                               json.dumps({"answered_on": "2025-12-05"}),
                               content_type="application/json", **collector)  # fmt: skip
        assert response.status_code == 404 and response.json()["field"] == "dispute_id"


class TestContactRestrictions:
    def test_record_list_and_end(self, client, collector):
        import json

        account = make_account(make_client(granted_to="casey"))
        created = client.post(
            f"/api/accounts/{account.pk}/contact-restrictions",
            json.dumps({"kind": "inconvenient_time", "weekdays": "0,1,2,3,4",
                        "starts_at": "09:00", "ends_at": "17:00", "received_on": "2026-11-01",
                        "medium": "phone"}),
            content_type="application/json", **collector,
        )  # fmt: skip
        assert created.status_code == 201
        body = created.json()
        assert (body["weekdays"], body["starts_at"], body["ends_at"]) == (
            "0,1,2,3,4", "09:00:00", "17:00:00")  # fmt: skip
        listed = client.get(f"/api/accounts/{account.pk}/contact-restrictions", **collector)
        assert [r["id"] for r in listed.json()] == [body["id"]]
        ended = client.post(f"/api/contact-restrictions/{body['id']}/end",
                            json.dumps({"ended_on": "2026-11-10"}),
                            content_type="application/json", **collector)  # fmt: skip
        assert ended.status_code == 200 and ended.json()["ended_on"] == "2026-11-10"

    def test_bad_input_names_the_field(self, client, collector):
        import json

        account = make_account(make_client(granted_to="casey"))
        for body, status, field in (
            ({"kind": "opt_out", "channel": "fax"}, 400, "channel"),
            ({"kind": "inconvenient_time", "weekdays": "mon", "starts_at": "09:00",
              "ends_at": "17:00"}, 400, "weekdays"),
            ({"kind": "opt_out", "channel": "sms", "starts_at": "nine"}, 422, "starts_at"),
        ):  # fmt: skip
            response = client.post(
                f"/api/accounts/{account.pk}/contact-restrictions",
                json.dumps({"received_on": "2026-11-01", "medium": "phone", **body}),
                content_type="application/json", **collector,
            )  # fmt: skip
            assert (response.status_code, response.json()["field"]) == (status, field)
        listed = client.get(f"/api/accounts/{account.pk}/contact-restrictions", **collector)
        assert listed.json() == []


class TestDocumentsAndComplaints:
    def test_upload_list_and_download_a_document(self, client, collector):
        from django.core.files.uploadedfile import SimpleUploadedFile

        account = make_account(make_client(granted_to="casey"))
        upload = SimpleUploadedFile("letter.pdf", b"%PDF-1.7 cease", content_type="application/pdf")
        created = client.post(f"/api/accounts/{account.pk}/documents",
                              {"file": upload, "kind": "cease_letter",
                               "received_on": "2026-11-20"}, **collector)  # fmt: skip
        assert created.status_code == 201
        body = created.json()
        assert (body["kind"], body["size"], body["file_name"]) == ("cease_letter", 14, "letter.pdf")
        again = client.post(f"/api/accounts/{account.pk}/documents",
                            {"file": SimpleUploadedFile("b.pdf", b"%PDF-1.7 cease"),
                             "kind": "cease_letter"}, **collector)  # fmt: skip
        assert again.status_code == 200 and again.json()["id"] == body["id"]
        listed = client.get(f"/api/accounts/{account.pk}/documents", **collector).json()
        assert [d["id"] for d in listed] == [body["id"]]
        content = client.get(body["url"], **collector)
        assert content.status_code == 200 and content.content == b"%PDF-1.7 cease"
        assert client.get("/api/documents/999999", **collector).status_code == 404

    def test_a_bad_kind_or_an_empty_file_is_400_naming_the_field(self, client, collector):
        from django.core.files.uploadedfile import SimpleUploadedFile

        account = make_account(make_client(granted_to="casey"))
        for data, field in (
            ({"file": SimpleUploadedFile("a.pdf", b"x"), "kind": "selfie"}, "kind"),
            ({"file": SimpleUploadedFile("a.pdf", b""), "kind": "other"}, "file"),
        ):
            response = client.post(f"/api/accounts/{account.pk}/documents", data, **collector)
            assert (response.status_code, response.json()["field"]) == (400, field)
        assert client.get(f"/api/accounts/{account.pk}/documents", **collector).json() == []

    def test_log_and_respond_to_a_complaint(self, client, collector, officer):
        import json

        account = make_account(make_client(granted_to="casey"))
        created = client.post(f"/api/accounts/{account.pk}/complaints",
                              json.dumps({"received_on": "2026-11-02", "source": "cfpb",
                                          "category": "communication"}),
                              content_type="application/json", **collector)  # fmt: skip
        assert created.status_code == 201 and created.json()["due_on"] == "2026-11-17"
        queue = client.get("/api/compliance/queue", **officer).json()
        assert [c["complaint"]["id"] for c in queue["complaints"]] == [created.json()["id"]]
        answered = client.post(f"/api/complaints/{created.json()['id']}/respond",
                               json.dumps({"responded_on": "2026-11-10"}),
                               content_type="application/json", **officer)  # fmt: skip
        assert answered.status_code == 200 and answered.json()["status"] == "answered"
        bad = client.post(f"/api/accounts/{account.pk}/complaints",
                          json.dumps({"received_on": "2026-11-02", "source": "x",
                                      "category": "other"}),
                          content_type="application/json", **collector)  # fmt: skip
        assert (bad.status_code, bad.json()["field"]) == (400, "source")
