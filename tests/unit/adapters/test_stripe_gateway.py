"""The Stripe adapter against recorded HTTP: each fixture in tests/fixtures/stripe is served by a
small HTTP server on 127.0.0.1, the adapter talks to it through its real urllib transport, and
the test checks the exact request we sent (path, headers, form fields or query parameters in
order) and the result we read from Stripe's answer, for a charge, a decline, an API error, an
unknown token, a refund and a refused refund, and for looking up what became of a key: a
PaymentIntent found by its metadata with the Search API (charged, declined, none, over two
pages, rate limited) and a refund picked from the payment's refunds by its metadata. No answer
at all, or an answer that is not JSON, is an ERROR result, never an exception."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from arrears.adapters.cards.stripe import API_VERSION, StripeGateway, _quoted
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
            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                recorded.received.append({
                    "method": self.command, "path": self.path, "headers": self.headers,
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


def assert_sent(server: Recorded, expected: dict[str, Any], number: int | None = None) -> None:
    """The request the server got (the only one, or the ``number``th) is exactly the recorded
    one; a GET carries its parameters in the query, no body and no idempotency key."""
    if number is None:
        assert len(server.received) == 1
    sent = server.received[number or 0]
    path, _, query = sent["path"].partition("?")
    assert (sent["method"], path) == (expected["method"], expected["path"])
    for name, value in expected["headers"].items():
        assert sent["headers"][name] == value, name
    if expected["method"] == "GET":
        assert sent["body"] == b""
        assert "Idempotency-Key" not in sent["headers"]
        pairs = urllib.parse.parse_qsl(query, strict_parsing=True)
        assert [list(pair) for pair in pairs] == expected["query"]
        return
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


class TestChargeLookup:
    def test_a_payment_intent_found_by_our_key_that_succeeded_is_charged(self, stripe) -> None:  # type: ignore[no-untyped-def]
        recorded = fixture("charge_lookup_succeeded")
        stripe.answers.append(recorded["response"])

        result = gateway(stripe).charge_status("card-42-try-1")

        assert_sent(stripe, recorded["request"])
        assert result == ChargeResult(ChargeStatus.SUCCEEDED, "pi_3QAbCdEfGhIjKlMn0a1b2c3d", 12_500)

    def test_one_left_needing_a_new_card_is_the_decline_it_was(self, stripe) -> None:  # type: ignore[no-untyped-def]
        recorded = fixture("charge_lookup_declined")
        stripe.answers.append(recorded["response"])

        result = gateway(stripe).charge_status("card-42-try-2")

        assert_sent(stripe, recorded["request"])
        assert result == ChargeResult(
            ChargeStatus.DECLINED, reference="pi_3QAbCdEfGhIjKlMn1d2e3f4g", code="card_declined",
            decline_code="insufficient_funds", message="Your card has insufficient funds.",
        )  # fmt: skip

    def test_no_payment_intent_under_the_key_is_no_record(self, stripe) -> None:  # type: ignore[no-untyped-def]
        recorded = fixture("charge_lookup_none")
        stripe.answers.append(recorded["response"])

        result = gateway(stripe).charge_status("card-42-try-5")

        assert_sent(stripe, recorded["request"])
        assert result is None

    def test_pages_are_followed_and_only_our_exact_key_counts(self, stripe) -> None:  # type: ignore[no-untyped-def]
        first, second = fixture("charge_lookup_page_1"), fixture("charge_lookup_page_2")
        stripe.answers.extend([first["response"], second["response"]])

        result = gateway(stripe).charge_status("card-43-try-1")

        assert len(stripe.received) == 2
        assert_sent(stripe, first["request"], 0)
        assert_sent(stripe, second["request"], 1)
        assert result == ChargeResult(ChargeStatus.SUCCEEDED, "pi_3QAbCdEfGhIjKlMn3e4f5a6b", 6_000)

    def test_a_rate_limited_search_is_no_answer_not_no_record(self, stripe) -> None:  # type: ignore[no-untyped-def]
        recorded = fixture("charge_lookup_rate_limited")
        stripe.answers.append(recorded["response"])

        result = gateway(stripe).charge_status("card-42-try-6")

        assert_sent(stripe, recorded["request"])
        assert result == ChargeResult(ChargeStatus.ERROR, code="rate_limit", message=(
            "Too many requests hit the API too quickly. We recommend an exponential backoff of "
            "your requests."
        ))  # fmt: skip

    def test_two_payments_taken_under_one_key_answer_the_first_and_name_the_other(
        self, stripe
    ) -> None:  # type: ignore[no-untyped-def]
        def intent(pk: str, created: int, status: str) -> dict[str, Any]:
            return {"id": pk, "object": "payment_intent", "amount": 5_000, "amount_received": 5_000,
                    "created": created, "metadata": {"idempotency_key": "k-twice"},
                    "status": status}  # fmt: skip

        stripe.answers.append({"status": 200, "body": {
            "object": "search_result", "has_more": False, "next_page": None,
            "data": [intent("pi_later", 200, "succeeded"), intent("pi_declined", 50,
                     "requires_payment_method"), intent("pi_first", 100, "succeeded")],
        }})  # fmt: skip

        result = gateway(stripe).charge_status("k-twice")

        assert result == ChargeResult(
            ChargeStatus.SUCCEEDED, "pi_first", 5_000, code="taken_more_than_once",
            message="the same key also took pi_later: give it back",
        )  # fmt: skip

    def test_a_payment_still_processing_is_no_answer_yet(self, stripe) -> None:  # type: ignore[no-untyped-def]
        stripe.answers.append({"status": 200, "body": {"object": "search_result",
            "has_more": False, "data": [{"id": "pi_slow", "created": 1, "status": "processing",
                                         "metadata": {"idempotency_key": "k-slow"}}]}})  # fmt: skip

        result = gateway(stripe).charge_status("k-slow")

        assert result is not None
        assert (result.status, result.reference, result.code) == (
            ChargeStatus.ERROR, "pi_slow", "status_processing",
        )  # fmt: skip

    def test_no_answer_at_all_is_an_error_never_no_record(self, stripe) -> None:  # type: ignore[no-untyped-def]
        base = stripe.base
        stripe.close()

        result = StripeGateway(secret_key=KEY, api_base=base, timeout_seconds=2).charge_status("k")

        assert result is not None
        assert (result.status, result.code) == (ChargeStatus.ERROR, "no_answer")
        stripe.server = _Closed()

    def test_quotes_and_backslashes_in_a_key_are_escaped_in_the_query(self) -> None:
        assert _quoted("it's") == "it\\'s"
        assert _quoted("a\\b") == "a\\\\b"
        assert _quoted("card-42-try-1") == "card-42-try-1"

    def test_the_search_waits_out_stripes_hour_of_lag(self) -> None:
        from datetime import timedelta

        assert StripeGateway(secret_key=KEY).lookup_lag == timedelta(hours=1)


class TestRefundLookup:
    def test_our_refund_is_picked_from_the_payments_refunds_by_its_key(self, stripe) -> None:  # type: ignore[no-untyped-def]
        recorded = fixture("refund_lookup_found")
        stripe.answers.append(recorded["response"])

        result = gateway(stripe).refund_status("pi_3QAbCdEfGhIjKlMn0a1b2c3d", "refund-9-c")

        assert_sent(stripe, recorded["request"])
        assert result == RefundResult(RefundStatus.PENDING, "re_3QAbCdEfGhIjKlMn0r5s6t7u", 3_000)

    def test_no_refund_under_our_key_is_no_record(self, stripe) -> None:  # type: ignore[no-untyped-def]
        recorded = fixture("refund_lookup_none")
        stripe.answers.append(recorded["response"])

        result = gateway(stripe).refund_status("pi_3QAbCdEfGhIjKlMn0a1b2c3d", "refund-9-c")

        assert_sent(stripe, recorded["request"])
        assert result is None

    def test_a_list_spanning_pages_is_followed_from_the_last_refund(self, stripe) -> None:  # type: ignore[no-untyped-def]
        other = {"id": "re_other", "amount": 100, "status": "succeeded", "created": 2,
                 "metadata": {"idempotency_key": "refund-x"}}  # fmt: skip
        ours = {"id": "re_ours", "amount": 700, "status": "failed", "created": 1,
                "failure_reason": "expired_or_canceled_card",
                "metadata": {"idempotency_key": "refund-y"}}  # fmt: skip
        stripe.answers.extend([
            {"status": 200, "body": {"object": "list", "has_more": True, "data": [other]}},
            {"status": 200, "body": {"object": "list", "has_more": False, "data": [ours]}},
        ])  # fmt: skip

        result = gateway(stripe).refund_status("pi_x", "refund-y")

        assert [r["path"] for r in stripe.received] == [
            "/v1/refunds?payment_intent=pi_x&limit=100",
            "/v1/refunds?payment_intent=pi_x&limit=100&starting_after=re_other",
        ]
        assert result == RefundResult(RefundStatus.FAILED, "re_ours", 700,
                                      code="expired_or_canceled_card",
                                      message="Stripe says the refund failed")  # fmt: skip

    def test_an_unknown_payment_intent_is_no_answer(self, stripe) -> None:  # type: ignore[no-untyped-def]
        stripe.answers.append({"status": 404, "body": {"error": {
            "code": "resource_missing", "message": "No such payment_intent: 'pi_gone'",
            "type": "invalid_request_error"}}})  # fmt: skip

        result = gateway(stripe).refund_status("pi_gone", "refund-z")

        assert result == RefundResult(RefundStatus.ERROR, code="resource_missing",
                                      message="No such payment_intent: 'pi_gone'")  # fmt: skip


def test_the_pinned_api_version_is_the_one_the_fixtures_were_written_for() -> None:
    assert API_VERSION == "2024-06-20"


def test_a_gateway_without_a_secret_key_refuses_to_start() -> None:
    with pytest.raises(ValueError, match="ARREARS_STRIPE_SECRET_KEY"):
        StripeGateway(secret_key="")
