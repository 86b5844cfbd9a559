"""The offline SMS sender, and the settings that choose the sender: the fake by default, Twilio
when named, each built once per process."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from arrears.adapters.sms.fake import FakeSmsSender
from arrears.adapters.sms.twilio import TwilioSmsSender
from arrears.core.messaging import OutboundSms, SendResult, SendStatus
from arrears.services.common import sms_sender

TEXT = OutboundSms(reference="MSG-42-1", to="+17165550100", body="Call us. Reply STOP to opt out.")


class TestFakeSmsSender:
    def test_a_text_is_accepted_and_kept_in_the_outbox_with_an_id_from_its_reference(
        self,
    ) -> None:
        fake = FakeSmsSender()

        result = fake.send(TEXT)

        assert result == SendResult(SendStatus.ACCEPTED,
                                    provider_id="SMfakec338cf506187ee0ea9a6a91e9e08",
                                    detail={"status": "queued"})  # fmt: skip
        # As long as Twilio's (SM and 32 more), from the reference's SHA-256.
        assert len(result.provider_id) == 34
        assert hashlib.sha256(b"MSG-42-1").hexdigest().startswith(result.provider_id[6:])
        assert fake.outbox == [TEXT]
        assert fake.send(TEXT).provider_id == result.provider_id
        assert fake.name == "fake"

    def test_a_rejecting_number_is_refused_for_good_and_kept_nowhere(self) -> None:
        fake = FakeSmsSender(rejecting=["+17165550100"])

        result = fake.send(TEXT)

        assert result == SendResult(SendStatus.REJECTED,
                                    error="+17165550100 cannot receive texts (fake SMS sender)",
                                    detail={"code": "21614"})  # fmt: skip
        assert fake.outbox == []

    def test_a_rejecting_number_may_name_twilios_code(self) -> None:
        fake = FakeSmsSender(rejecting={"+17165550100": "21610"})
        assert fake.send(TEXT).detail == {"code": "21610"}

    def test_an_unreachable_sender_is_an_error_and_keeps_nothing(self) -> None:
        fake = FakeSmsSender()
        fake.reachable = False

        result = fake.send(TEXT)

        assert (result.status, result.detail) == (SendStatus.ERROR, {"code": "no_answer"})
        assert fake.outbox == []


@pytest.fixture
def fresh_sender() -> Iterator[None]:
    sms_sender.cache_clear()
    yield
    sms_sender.cache_clear()


class TestTheSendersWiring:
    def test_by_default_the_settings_give_the_fake_once_per_process(self, fresh_sender) -> None:  # type: ignore[no-untyped-def]
        first = sms_sender()
        assert isinstance(first, FakeSmsSender)
        assert sms_sender() is first

    def test_twilio_is_built_from_its_options(self, settings, fresh_sender) -> None:  # type: ignore[no-untyped-def]
        settings.ARREARS_SMS_SENDER = "arrears.adapters.sms.twilio.TwilioSmsSender"
        settings.ARREARS_SMS_SENDER_OPTIONS = {
            "account_sid": "AC0123456789abcdef0123456789abcdef", "auth_token": "t",
            "from_number": "+17165550142", "messaging_service_sid": "",
            "api_base": "https://api.twilio.com",
            "status_callback_url": "https://arrears.example.com/hooks/twilio/status/",
            "timeout_seconds": 30.0,
        }  # fmt: skip

        sender = sms_sender()

        assert isinstance(sender, TwilioSmsSender)
        assert sender.name == "twilio"
        assert sender.fields(TEXT)[2:] == [
            ("From", "+17165550142"),
            ("StatusCallback", "https://arrears.example.com/hooks/twilio/status/?reference=MSG-42-1"),
        ]  # fmt: skip
