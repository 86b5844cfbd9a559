"""Twilio's webhooks over HTTP: only a request Twilio signed, for our public URL, with our auth
token, is read; every other one is a 403 and records nothing, a signed-in session included.
Without a token the hooks do not exist (404). A signed reply or delivery report is recorded
once and answered with an empty TwiML response."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from django.test import Client as HttpClient

from arrears.data.audit.models import AuditEvent
from arrears.data.contacts.models import ContactAttempt, ContactRestriction
from arrears.data.parties.models import ContactPoint
from arrears.data.users.models import User
from arrears.services.common import blind_indexer
from tests.factories import make_client, make_new_yorker
from tests.functional.test_workspace_web import monday as monday

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "twilio"
TOKEN = "arrears_fixture_auth_token"
PUBLIC = "https://arrears.example.com"
TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'


def hook(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def sign(url: str, params: list[list[str]], token: str = TOKEN) -> str:
    """Twilio's algorithm, written out here apart from the code under test."""
    text = url + "".join(name + value for name, value in sorted(tuple(p) for p in params))
    return base64.b64encode(hmac.new(token.encode(), text.encode(), hashlib.sha1).digest()).decode()


def post(http: HttpClient, path: str, params: list[list[str]], signature: str | None) -> Any:
    extra = {} if signature is None else {"HTTP_X_TWILIO_SIGNATURE": signature}
    return http.post(path, urllib.parse.urlencode([tuple(p) for p in params]),
                     content_type="application/x-www-form-urlencoded", **extra)  # fmt: skip


def send(http: HttpClient, name: str, **changes: str) -> Any:
    """Post a recorded webhook as Twilio would, signed for our public URL."""
    recorded = hook(name)
    params = [[k, changes.get(k, v)] for k, v in recorded["params"]]
    return post(http, recorded["path"], params, sign(PUBLIC + recorded["path"], params))


@pytest.fixture
def twilio(settings, monday):  # type: ignore[no-untyped-def]
    """Twilio configured, and a Buffalo consumer whose mobile (+1 716 555 0100) may be texted."""
    settings.ARREARS_TWILIO_AUTH_TOKEN = TOKEN
    settings.ARREARS_PUBLIC_BASE_URL = PUBLIC + "/"
    account = make_new_yorker(make_client())
    phone = ContactPoint.objects.get(party__account_parties__account=account, kind="phone")
    phone.value_index = blind_indexer().index("phone", "+17165550100")
    phone.consent_source = "consumer_sms_opt_in"
    phone.save(update_fields=["value_index", "consent_source"])
    return {"account": account, "phone": phone}


def state() -> tuple[object, ...]:
    return (
        list(ContactAttempt.objects.values_list("pk", "key")),
        list(ContactRestriction.objects.values_list("pk", "ended_on")),
        list(ContactPoint.objects.values_list("pk", "status")),
        AuditEvent.objects.count(),
    )


class TestASignedReply:
    def test_stop_is_recorded_and_answered_with_empty_twiml(self, client, twilio) -> None:  # type: ignore[no-untyped-def]
        response = send(client, "hook_inbound_stop")

        assert response.status_code == 200
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        assert response.content == TWIML
        attempt = ContactAttempt.objects.get()
        assert (attempt.account_id, attempt.channel, attempt.direction, attempt.outcome,
                attempt.key) == (twilio["account"].pk, "sms", "inbound", "received",
                                 f"sms-in:SM9f8e7d6c5b4a39281706f5e4d3c2b1a0:{twilio['account'].pk}")  # fmt: skip
        restriction = ContactRestriction.objects.get()
        assert (restriction.channel, restriction.contact_point_id, restriction.medium) == (
            "sms", twilio["phone"].pk, "reply STOP",
        )  # fmt: skip

    def test_twilio_sending_it_again_records_nothing_new(self, client, twilio) -> None:  # type: ignore[no-untyped-def]
        send(client, "hook_inbound_stop")
        before = state()
        response = send(client, "hook_inbound_stop")
        assert (response.status_code, response.content) == (200, TWIML)
        assert state() == before

    def test_start_lifts_the_stop(self, client, twilio) -> None:  # type: ignore[no-untyped-def]
        send(client, "hook_inbound_stop")
        assert send(client, "hook_inbound_start").status_code == 200
        assert ContactRestriction.objects.get().ended_on is not None

    def test_an_ordinary_reply_is_recorded_with_nothing_else(self, client, twilio) -> None:  # type: ignore[no-untyped-def]
        assert send(client, "hook_inbound_reply").status_code == 200
        assert ContactAttempt.objects.get().note == "I can pay $50 on Friday"
        assert not ContactRestriction.objects.exists()

    def test_a_signed_request_without_a_message_id_is_a_400(self, client, twilio) -> None:  # type: ignore[no-untyped-def]
        before = state()
        response = send(client, "hook_inbound_stop", MessageSid="")
        assert response.status_code == 400
        assert state() == before


class TestTheSignature:
    def _refused(self, http: HttpClient, params: list[list[str]], signature: str | None) -> None:
        before = state()
        response = post(http, "/hooks/twilio/sms/", params, signature)
        assert response.status_code == 403
        assert state() == before

    def test_no_signature_is_refused_and_nothing_recorded(self, client, twilio) -> None:  # type: ignore[no-untyped-def]
        self._refused(client, hook("hook_inbound_stop")["params"], None)

    def test_another_tokens_signature_is_refused(self, client, twilio) -> None:  # type: ignore[no-untyped-def]
        params = hook("hook_inbound_stop")["params"]
        self._refused(client, params, sign(PUBLIC + "/hooks/twilio/sms/", params, "not-ours"))

    def test_a_signature_for_the_address_we_saw_rather_than_the_public_one_is_refused(
        self, client, twilio
    ) -> None:  # type: ignore[no-untyped-def]
        params = hook("hook_inbound_stop")["params"]
        self._refused(client, params, sign("http://testserver/hooks/twilio/sms/", params))

    def test_a_parameter_changed_after_signing_is_refused(self, client, twilio) -> None:  # type: ignore[no-untyped-def]
        params = hook("hook_inbound_reply")["params"]
        signature = sign(PUBLIC + "/hooks/twilio/sms/", params)
        forged = [[k, "STOP" if k == "Body" else v] for k, v in params]
        self._refused(client, forged, signature)

    def test_a_signed_in_session_opens_nothing(self, client, twilio) -> None:  # type: ignore[no-untyped-def]
        client.force_login(User.objects.create_user("ada", password="x" * 20, role="admin",
                                                    is_staff=True))  # fmt: skip
        self._refused(client, hook("hook_inbound_stop")["params"], None)

    def test_without_an_auth_token_the_hooks_do_not_exist(self, client, twilio, settings) -> None:  # type: ignore[no-untyped-def]
        settings.ARREARS_TWILIO_AUTH_TOKEN = ""
        before = state()
        for name in ("hook_inbound_stop", "hook_status_unknown_destination"):
            recorded = hook(name)
            signature = sign(PUBLIC + recorded["path"], recorded["params"], "")
            assert post(client, recorded["path"], recorded["params"], signature).status_code == 404
        assert state() == before

    def test_only_post_is_taken(self, client, twilio) -> None:  # type: ignore[no-untyped-def]
        assert client.get("/hooks/twilio/sms/").status_code == 405
        assert client.get("/hooks/twilio/status/").status_code == 405


class TestADeliveryReport:
    def test_an_unknown_destination_marks_the_phone_bad_with_our_reference(
        self, client, twilio
    ) -> None:  # type: ignore[no-untyped-def]
        response = send(client, "hook_status_unknown_destination")

        assert (response.status_code, response.content) == (200, TWIML)
        twilio["phone"].refresh_from_db()
        assert twilio["phone"].status == "bad"
        event = AuditEvent.objects.get(event="contact_point.marked_bad")
        assert (event.account_id, event.details["reference"], event.details["provider_id"]) == (
            twilio["account"].pk, "MSG-42-1", "SM0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        )  # fmt: skip

    def test_delivered_changes_nothing(self, client, twilio) -> None:  # type: ignore[no-untyped-def]
        before = state()
        assert send(client, "hook_status_delivered").status_code == 200
        assert state() == before

    def test_the_reference_in_the_url_is_signed_too(self, client, twilio) -> None:  # type: ignore[no-untyped-def]
        recorded = hook("hook_status_unknown_destination")
        signature = sign(PUBLIC + recorded["path"], recorded["params"])
        before = state()
        other = recorded["path"].replace("MSG-42-1", "MSG-99-9")
        assert post(client, other, recorded["params"], signature).status_code == 403
        assert state() == before

    def test_an_unsigned_report_is_refused(self, client, twilio) -> None:  # type: ignore[no-untyped-def]
        before = state()
        recorded = hook("hook_status_unknown_destination")
        assert post(client, recorded["path"], recorded["params"], None).status_code == 403
        assert state() == before
