"""The Twilio adapter against recorded HTTP: each fixture in tests/fixtures/twilio is served by a
small HTTP server on 127.0.0.1 (the one the Stripe tests use), the adapter talks to it through
its real urllib transport, and the test checks the exact request we sent (path, basic
credentials, form fields in order, our reference in the delivery-report URL) and the result we
read from Twilio's answer: accepted with the Message SID; refused for good, with Twilio's code,
when the number can never get a text; and an ERROR to ask again after for everything else (our
own sender or credentials wrong, rate limited, Twilio down, a body that is not JSON, no answer
at all), never an exception."""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from arrears.adapters.http import HttpAnswer, HttpCall
from arrears.adapters.sms.twilio import TwilioSmsSender
from arrears.core.messaging import OutboundSms, SendResult, SendStatus
from tests.unit.adapters.test_stripe_gateway import Recorded, _Closed

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "twilio"
SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "arrears_fixture_auth_token"
FROM = "+17165550142"
SERVICE = "MG0123456789abcdef0123456789abcdef"
CALLBACK = "https://arrears.example.com/hooks/twilio/status/"
BODY = (
    "Arrears Recovery: please call us about account R000042 at (800) 555-0142. "
    "Reply STOP to opt out."
)


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def twilio() -> Iterator[Recorded]:
    server = Recorded()
    yield server
    server.close()


def sender(server: Recorded, **options: Any) -> TwilioSmsSender:
    options = {"from_number": FROM, **options}
    return TwilioSmsSender(account_sid=SID, auth_token=TOKEN, api_base=server.base,
                           status_callback_url=CALLBACK, timeout_seconds=5, **options)  # fmt: skip


def sms(reference: str, to: str = "+17165550100") -> OutboundSms:
    return OutboundSms(reference=reference, to=to, body=BODY)


def assert_sent(server: Recorded, expected: dict[str, Any]) -> None:
    """The one request the server got is exactly the recorded one: method, path, headers,
    and the form fields in order, urlencoded byte for byte."""
    assert len(server.received) == 1
    sent = server.received[0]
    assert (sent["method"], sent["path"]) == (expected["method"], expected["path"])
    for name, value in expected["headers"].items():
        assert sent["headers"][name] == value, name
    form = [list(p) for p in urllib.parse.parse_qsl(sent["body"].decode(), strict_parsing=True)]
    assert form == expected["form"]
    assert sent["body"] == urllib.parse.urlencode([tuple(p) for p in expected["form"]]).encode()


class TestTheRequest:
    def test_it_posts_the_form_to_the_accounts_messages_with_basic_credentials(
        self, twilio
    ) -> None:  # type: ignore[no-untyped-def]
        recorded = fixture("send_queued")
        twilio.answers.append(recorded["response"])

        sender(twilio).send(sms("MSG-42-1"))

        assert_sent(twilio, recorded["request"])
        sent = twilio.received[0]
        assert sent["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
        scheme, _, credentials = sent["headers"]["Authorization"].partition(" ")
        assert (scheme, base64.b64decode(credentials).decode()) == ("Basic", f"{SID}:{TOKEN}")

    def test_a_messaging_service_sends_in_place_of_our_number(self, twilio) -> None:  # type: ignore[no-untyped-def]
        recorded = fixture("send_accepted_by_messaging_service")
        twilio.answers.append(recorded["response"])

        result = sender(twilio, from_number="", messaging_service_sid=SERVICE).send(sms("MSG-42-2"))

        assert_sent(twilio, recorded["request"])
        assert result == SendResult(SendStatus.ACCEPTED, provider_id="SM1b2c3d4e5f60718293a4b5c6d7e8f90a",
                                    detail={"status": "accepted"})  # fmt: skip

    def test_without_a_callback_url_no_status_callback_is_asked_for(self) -> None:
        calls: list[HttpCall] = []

        def transport(call: HttpCall) -> HttpAnswer:
            calls.append(call)
            return HttpAnswer(201, json.dumps({"sid": "SMx", "status": "queued"}).encode())

        quiet = TwilioSmsSender(account_sid=SID, auth_token=TOKEN, from_number=FROM,
                                transport=transport)  # fmt: skip
        result = quiet.send(sms("MSG-1"))

        assert urllib.parse.parse_qsl(calls[0].body.decode()) == [
            ("To", "+17165550100"), ("Body", BODY), ("From", FROM),
        ]  # fmt: skip
        assert calls[0].url == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
        assert result.provider_id == "SMx"

    def test_a_callback_url_with_a_query_keeps_it_and_adds_our_reference(self) -> None:
        with_query = TwilioSmsSender(account_sid=SID, auth_token=TOKEN, from_number=FROM,
                                     status_callback_url=CALLBACK + "?tenant=ny")  # fmt: skip
        assert with_query.fields(sms("MSG 7&8"))[-1] == (
            "StatusCallback", CALLBACK + "?tenant=ny&reference=MSG+7%268",
        )  # fmt: skip


class TestTheAnswer:
    def test_a_queued_message_is_accepted_with_its_sid(self, twilio) -> None:  # type: ignore[no-untyped-def]
        twilio.answers.append(fixture("send_queued")["response"])

        result = sender(twilio).send(sms("MSG-42-1"))

        assert result == SendResult(SendStatus.ACCEPTED, provider_id="SM0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                                    detail={"status": "queued"})  # fmt: skip
        assert result.accepted

    @pytest.mark.parametrize(
        ("name", "reference", "to", "code", "error"),
        [
            ("send_invalid_to", "MSG-42-3", "+15005550001", "21211",
             "Invalid 'To' Phone Number: +15005550XXX"),
            ("send_unsubscribed", "MSG-42-4", "+17165550100", "21610",
             "Attempt to send to unsubscribed recipient"),
            ("send_not_mobile", "MSG-42-5", "+17165550188", "21614",
             "'To' number is not a valid mobile number"),
        ],
    )  # fmt: skip
    def test_a_number_that_can_never_receive_is_rejected_with_twilios_code(
        self, twilio, name, reference, to, code, error
    ) -> None:  # type: ignore[no-untyped-def]
        recorded = fixture(name)
        twilio.answers.append(recorded["response"])

        result = sender(twilio).send(sms(reference, to))

        assert_sent(twilio, recorded["request"])
        assert result == SendResult(SendStatus.REJECTED, error=error, detail={
            "code": code, "http_status": "400",
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
        })  # fmt: skip

    @pytest.mark.parametrize(
        ("name", "reference", "code", "status", "error"),
        [
            ("send_from_not_ours", "MSG-42-6", "21606", "400",
             "The 'From' phone number provided is not a valid message-capable Twilio phone "
             "number for this destination/account"),
            ("send_authentication_failed", "MSG-42-7", "20003", "401", "Authenticate"),
            ("send_rate_limited", "MSG-42-8", "20429", "429", "Too Many Requests"),
            ("send_server_error", "MSG-42-9", "20500", "500", "Internal Server Error"),
        ],
    )  # fmt: skip
    def test_anything_not_about_the_number_is_an_error_to_ask_again(
        self, twilio, name, reference, code, status, error
    ) -> None:  # type: ignore[no-untyped-def]
        recorded = fixture(name)
        twilio.answers.append(recorded["response"])

        result = sender(twilio).send(sms(reference))

        assert_sent(twilio, recorded["request"])
        assert result == SendResult(SendStatus.ERROR, error=error, detail={
            "code": code, "http_status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
        })  # fmt: skip

    def test_a_body_that_is_not_json_is_an_error(self, twilio) -> None:  # type: ignore[no-untyped-def]
        twilio.answers.append({"status": 502, "raw": b"<html>Bad gateway</html>"})

        result = sender(twilio).send(sms("MSG-42-10"))

        assert result == SendResult(
            SendStatus.ERROR, error="Twilio answered 502 with a body that is not a JSON object",
            detail={"code": "unreadable", "http_status": "502"},
        )  # fmt: skip

    def test_a_created_message_that_already_failed_for_good_is_rejected(self, twilio) -> None:  # type: ignore[no-untyped-def]
        twilio.answers.append({"status": 201, "body": {
            "sid": "SMfailed", "status": "failed", "error_code": 21610,
            "error_message": "Attempt to send to unsubscribed recipient"}})  # fmt: skip

        result = sender(twilio).send(sms("MSG-42-11"))

        assert result == SendResult(SendStatus.REJECTED, provider_id="SMfailed",
                                    error="Attempt to send to unsubscribed recipient",
                                    detail={"code": "21610", "status": "failed"})  # fmt: skip

    def test_a_created_answer_without_a_sid_is_an_error(self, twilio) -> None:  # type: ignore[no-untyped-def]
        twilio.answers.append({"status": 201, "body": {"status": "queued"}})

        result = sender(twilio).send(sms("MSG-42-12"))

        assert (result.status, result.provider_id, result.detail["code"]) == (
            SendStatus.ERROR, "", "unreadable",
        )  # fmt: skip

    def test_no_answer_at_all_is_an_error_never_an_exception(self, twilio) -> None:  # type: ignore[no-untyped-def]
        base = twilio.base
        twilio.close()  # nothing listens there any more

        result = TwilioSmsSender(account_sid=SID, auth_token=TOKEN, from_number=FROM,
                                 api_base=base, timeout_seconds=2).send(sms("MSG-42-13"))  # fmt: skip

        assert result.status is SendStatus.ERROR
        assert result.detail == {"code": "no_answer"}
        assert result.error.startswith("Twilio could not be reached (")
        twilio.server = _Closed()  # the fixture's close() is a no-op now

    def test_a_timeout_is_an_error_that_says_it_may_have_been_sent(self) -> None:
        def transport(call: HttpCall) -> HttpAnswer:
            raise TimeoutError("timed out")

        result = TwilioSmsSender(account_sid=SID, auth_token=TOKEN, from_number=FROM,
                                 transport=transport).send(sms("MSG-42-14"))  # fmt: skip

        assert result == SendResult(SendStatus.ERROR, error="Twilio could not be reached "
                                    "(TimeoutError); it may or may not have been sent",
                                    detail={"code": "no_answer"})  # fmt: skip


class TestConfiguration:
    def test_it_is_named_twilio(self) -> None:
        assert TwilioSmsSender(account_sid=SID, auth_token=TOKEN, from_number=FROM).name == "twilio"

    @pytest.mark.parametrize(
        ("options", "says"),
        [
            ({"account_sid": "", "auth_token": TOKEN, "from_number": FROM},
             "ARREARS_TWILIO_ACCOUNT_SID"),
            ({"account_sid": SID, "auth_token": "", "from_number": FROM},
             "ARREARS_TWILIO_AUTH_TOKEN"),
            ({"account_sid": SID, "auth_token": TOKEN}, "ARREARS_TWILIO_FROM"),
            ({"account_sid": SID, "auth_token": TOKEN, "messaging_service_sid": "XX1"},
             "ARREARS_TWILIO_MESSAGING_SERVICE_SID"),
        ],
    )  # fmt: skip
    def test_a_sender_missing_what_it_needs_refuses_to_start(self, options, says) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(ValueError, match=says):
            TwilioSmsSender(**options)
