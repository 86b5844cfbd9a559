"""The Stripe adapter against recorded HTTP: each fixture in tests/fixtures/stripe is served by a
small HTTP server on 127.0.0.1, the adapter talks to it through its real urllib transport, and
the test checks the exact request we sent (path, headers, form fields in order) and the result
we read from Stripe's answer, for a charge, a decline, an API error, an unknown token, a refund
and a refused refund. No answer at all, or an answer that is not JSON, is an ERROR result, never
an exception."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from arrears.adapters.cards.stripe import API_VERSION, StripeGateway
from arrears.core.cards import (
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    RefundRequest,
    RefundResult,
    RefundStatus,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "stripe"
KEY = "sk_test_arrears_fixture"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


class Recorded:
    """A local server answering each request with the next fixture's response, keeping what
    it was sent."""

    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        recorded = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                recorded.received.append({
                    "method": "POST", "path": self.path, "headers": self.headers,
                    "body": self.rfile.read(length),
                })  # fmt: skip
                answer = recorded.answers.pop(0)
                body = answer["raw"] if "raw" in answer else json.dumps(answer["body"]).encode()
                self.send_response(answer["status"])
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stripe() -> Iterator[Recorded]:
    server = Recorded()
    yield server
    server.close()


def gateway(server: Recorded) -> StripeGateway:
    return StripeGateway(secret_key=KEY, api_base=server.base, timeout_seconds=5)


def assert_sent(server: Recorded, expected: dict[str, Any]) -> None:
    """The one request the server got is exactly the recorded one."""
    (sent,) = server.received
    assert (sent["method"], sent["path"]) == (expected["method"], expected["path"])
    for name, value in expected["headers"].items():
        assert sent["headers"][name] == value, name
    form = [
        list(pair) for pair in urllib.parse.parse_qsl(sent["body"].decode(), strict_parsing=True)
    ]
    assert form == expected["form"]
    assert sent["body"] == urllib.parse.urlencode([tuple(p) for p in expected["form"]]).encode()


class TestCharge:
    def test_a_successful_payment_intent_is_charged_with_its_reference(self, stripe) -> None:  # type: ignore[no-untyped-def]
        recorded = fixture("charge_succeeded")
        stripe.answers.append(recorded["response"])

        result = gateway(stripe).charge(ChargeRequest(
            token="pm_card_visa", amount_minor=12_500, currency="USD",
            idempotency_key="card-42-try-1", description="Account #42",
            metadata=(("account_id", "42"), ("card_charge", "7")),
        ))  # fmt: skip

        assert_sent(stripe, recorded["request"])
        assert result == ChargeResult(ChargeStatus.SUCCEEDED, "pi_3QAbCdEfGhIjKlMn0a1b2c3d", 12_500)

    def test_a_card_error_is_a_decline_with_stripes_code_and_the_issuers_reason(
        self, stripe
    ) -> None:  # type: ignore[no-untyped-def]
        recorded = fixture("charge_declined_insufficient_funds")
        stripe.answers.append(recorded["response"])

        result = gateway(stripe).charge(ChargeRequest(
            token="pm_card_chargeDeclinedInsufficientFunds", amount_minor=5_000, currency="USD",
            idempotency_key="card-42-try-2",
        ))  # fmt: skip

        assert_sent(stripe, recorded["request"])
        assert result == ChargeResult(
            ChargeStatus.DECLINED, reference="pi_3QAbCdEfGhIjKlMn1d2e3f4g", code="card_declined",
            decline_code="insufficient_funds", message="Your card has insufficient funds.",
        )  # fmt: skip

    def test_an_api_error_is_an_error_to_ask_again_not_a_decline(self, stripe) -> None:  # type: ignore[no-untyped-def]
        recorded = fixture("charge_api_error")
        stripe.answers.append(recorded["response"])

        result = gateway(stripe).charge(ChargeRequest(
            token="pm_card_visa", amount_minor=5_000, currency="USD",
            idempotency_key="card-42-try-3",
        ))  # fmt: skip

        assert_sent(stripe, recorded["request"])
        assert result == ChargeResult(ChargeStatus.ERROR, code="api_error",
                                      message="An unknown error occurred")  # fmt: skip

    def test_an_unknown_payment_method_is_invalid(self, stripe) -> None:  # type: ignore[no-untyped-def]
        recorded = fixture("charge_unknown_payment_method")
        stripe.answers.append(recorded["response"])

        result = gateway(stripe).charge(ChargeRequest(
            token="pm_nosuchmethod", amount_minor=5_000, currency="USD",
            idempotency_key="card-42-try-4",
        ))  # fmt: skip

        assert_sent(stripe, recorded["request"])
        assert result == ChargeResult(ChargeStatus.INVALID, code="resource_missing",
                                      message="No such PaymentMethod: 'pm_nosuchmethod'")  # fmt: skip

    def test_a_key_still_being_worked_is_an_error_to_ask_again(self, stripe) -> None:  # type: ignore[no-untyped-def]
        stripe.answers.append({"status": 409, "body": {"error": {
            "type": "idempotency_error", "message": "There is currently another in-progress "
            "request using this Idempotent Key (that probably means you submitted twice)."}}})  # fmt: skip

        result = gateway(stripe).charge(ChargeRequest("pm_card_visa", 5_000, "USD", "k-409"))

        assert result.status is ChargeStatus.ERROR
        assert result.code == "idempotency_error"

    def test_a_body_that_is_not_json_is_an_error(self, stripe) -> None:  # type: ignore[no-untyped-def]
        stripe.answers.append({"status": 502, "raw": b"<html>Bad gateway</html>"})

        result = gateway(stripe).charge(ChargeRequest("pm_card_visa", 5_000, "USD", "k-html"))

        assert result == ChargeResult(ChargeStatus.ERROR, code="no_answer",
                                      message="Stripe answered 502 with a body that is not JSON")  # fmt: skip

    def test_no_answer_at_all_is_an_error_never_an_exception(self, stripe) -> None:  # type: ignore[no-untyped-def]
        base = stripe.base
        stripe.close()  # nothing listens there any more

        result = StripeGateway(secret_key=KEY, api_base=base, timeout_seconds=2).charge(
            ChargeRequest("pm_card_visa", 5_000, "USD", "k-down")
        )

        assert result.status is ChargeStatus.ERROR
        assert result.code == "no_answer"
        assert result.message.startswith("Stripe could not be reached (")
        stripe.server = _Closed()  # the fixture's close() is a no-op now


class _Closed:
    def shutdown(self) -> None: ...

    def server_close(self) -> None: ...


class TestRefund:
    def test_a_refund_of_part_of_a_payment_intent(self, stripe) -> None:  # type: ignore[no-untyped-def]
        recorded = fixture("refund_succeeded")
        stripe.answers.append(recorded["response"])

        result = gateway(stripe).refund(RefundRequest(
            reference="pi_3QAbCdEfGhIjKlMn0a1b2c3d", amount_minor=2_000, currency="USD",
            idempotency_key="refund-9-a", reason="overpaid by mistake",
        ))  # fmt: skip

        assert_sent(stripe, recorded["request"])
        assert result == RefundResult(RefundStatus.SUCCEEDED, "re_3QAbCdEfGhIjKlMn0r1e2f3d", 2_000)

    def test_a_refund_stripe_refuses_failed_and_says_why(self, stripe) -> None:  # type: ignore[no-untyped-def]
        recorded = fixture("refund_already_refunded")
        stripe.answers.append(recorded["response"])

        result = gateway(stripe).refund(RefundRequest(
            reference="pi_3QAbCdEfGhIjKlMn0a1b2c3d", amount_minor=12_500, currency="USD",
            idempotency_key="refund-9-b",
        ))  # fmt: skip

        assert_sent(stripe, recorded["request"])
        assert result == RefundResult(
            RefundStatus.FAILED, code="charge_already_refunded",
            message="Charge ch_3QAbCdEfGhIjKlMn0x9y8z7w has already been refunded.",
        )  # fmt: skip

    def test_a_pending_refund_is_accepted(self, stripe) -> None:  # type: ignore[no-untyped-def]
        stripe.answers.append({"status": 200, "body": {
            "id": "re_pending", "object": "refund", "amount": 100, "status": "pending"}})  # fmt: skip

        result = gateway(stripe).refund(RefundRequest("pi_x", 100, "USD", "refund-p"))

        assert result == RefundResult(RefundStatus.PENDING, "re_pending", 100)
        assert result.accepted


def test_the_pinned_api_version_is_the_one_the_fixtures_were_written_for() -> None:
    assert API_VERSION == "2024-06-20"


def test_a_gateway_without_a_secret_key_refuses_to_start() -> None:
    with pytest.raises(ValueError, match="ARREARS_STRIPE_SECRET_KEY"):
        StripeGateway(secret_key="")
