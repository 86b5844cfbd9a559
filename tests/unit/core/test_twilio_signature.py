"""Twilio's webhook signature: HMAC-SHA1, keyed by the auth token, over the URL followed by the
POST parameters sorted by name, each as name and value run together; base64."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from arrears.core.messaging.signatures import twilio_signature, twilio_signature_valid

# Twilio's published example ("Secure webhooks"; the same vector is in its libraries' tests).
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TOKEN = "12345"
PARAMS = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
          ("From", "+12349013030"), ("To", "+18005551212")]  # fmt: skip
PUBLISHED = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def by_hand(token: str, text: str) -> str:
    """The algorithm written out again, separately from the code under test."""
    mac = hmac.new(token.encode("utf-8"), text.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


class TestTheSignature:
    def test_the_published_example(self) -> None:
        text = (URL + "CallSid" + "CA1234567890ABCDE" + "Caller" + "+12349013030" + "Digits"
                + "1234" + "From" + "+12349013030" + "To" + "+18005551212")  # fmt: skip
        assert by_hand(TOKEN, text) == PUBLISHED
        assert twilio_signature(TOKEN, URL, PARAMS) == PUBLISHED

    def test_parameters_are_sorted_by_name_whatever_order_they_came_in(self) -> None:
        assert twilio_signature(TOKEN, URL, list(reversed(PARAMS))) == PUBLISHED

    def test_an_sms_webhooks_own_parameters(self) -> None:
        url = "https://arrears.example.com/hooks/twilio/sms/"
        params = [("MessageSid", "SM9f8e7d6c5b4a39281706f5e4d3c2b1a0"), ("From", "+17165550100"),
                  ("To", "+17165550142"), ("Body", "Stop")]  # fmt: skip
        text = (url + "BodyStop" + "From+17165550100" + "MessageSidSM9f8e7d6c5b4a39281706f5e4d3c2b1a0"
                + "To+17165550142")  # fmt: skip
        assert twilio_signature("tok", url, params) == by_hand("tok", text)

    def test_a_parameter_sent_twice_counts_each_value_in_order(self) -> None:
        url = "https://a.example/h"
        params = [("MediaUrl", "b"), ("Body", "x"), ("MediaUrl", "a")]
        assert twilio_signature("t", url, params) == by_hand("t", url + "BodyxMediaUrlaMediaUrlb")


class TestTheCheck:
    def test_the_right_signature_passes(self) -> None:
        assert twilio_signature_valid(TOKEN, URL, PARAMS, PUBLISHED)

    @pytest.mark.parametrize(
        ("token", "url", "params", "signature"),
        [
            ("54321", URL, PARAMS, PUBLISHED),  # another account's token
            (TOKEN, URL.replace("https", "http"), PARAMS, PUBLISHED),  # the URL behind a proxy
            (TOKEN, URL + "&baz=3", PARAMS, PUBLISHED),  # the query changed
            (TOKEN, URL, [*PARAMS[:-1], ("To", "+18005551213")], PUBLISHED),  # a value changed
            (TOKEN, URL, [*PARAMS, ("Body", "STOP")], PUBLISHED),  # a parameter added
            (TOKEN, URL, PARAMS, "0/KCTR6DLpKmkAf8muzZqo1nDgQ"),  # cut short
            (TOKEN, URL, PARAMS, ""),  # none at all
            ("", URL, PARAMS, twilio_signature("", URL, PARAMS)),  # no token configured
        ],
    )  # fmt: skip
    def test_anything_else_fails(self, token, url, params, signature) -> None:  # type: ignore[no-untyped-def]
        assert not twilio_signature_valid(token, url, params, signature)

    @pytest.mark.parametrize(
        ("signed", "checked"),
        [
            ("https://a.example:443/hooks/twilio/sms/", "https://a.example/hooks/twilio/sms/"),
            ("https://a.example/hooks/twilio/sms/", "https://a.example:443/hooks/twilio/sms/"),
            ("http://a.example:80/h?x=1", "http://a.example/h?x=1"),
        ],
    )
    def test_the_schemes_default_port_may_be_written_or_left_out(self, signed, checked) -> None:  # type: ignore[no-untyped-def]
        assert twilio_signature_valid("t", checked, PARAMS, twilio_signature("t", signed, PARAMS))

    def test_another_port_is_another_url(self) -> None:
        signature = twilio_signature("t", "https://a.example:8443/h", PARAMS)
        assert not twilio_signature_valid("t", "https://a.example/h", PARAMS, signature)
        assert twilio_signature_valid("t", "https://a.example:8443/h", PARAMS, signature)
