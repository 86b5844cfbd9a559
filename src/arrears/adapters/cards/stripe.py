"""Stripe, through its REST API: a PaymentIntent created and confirmed at once for a charge, a
Refund for giving money back.

Requests are form-encoded, carry our secret key as a bearer token and the caller's idempotency
key as ``Idempotency-Key`` (Stripe answers a repeated key with the first answer, so a retry
after a timeout never charges twice), and pin the API version the parsing below was written
for. Only the standard library is used.

Every answer becomes a result, never an exception: a card error (HTTP 402) is a decline with
Stripe's code and the issuer's decline code; a request Stripe refused as it stood (400 or 404:
an unknown token, an idempotency key reused for other parameters) is ``INVALID``; no answer, a
409 (the same key still being worked), a 429, a 5xx or a body we cannot read is ``ERROR``,
which the caller may ask again with the same key.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from arrears.core.cards import (
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    RefundRequest,
    RefundResult,
    RefundStatus,
)

API_BASE = "https://api.stripe.com"
API_VERSION = "2024-06-20"


@dataclass(frozen=True)
class HttpCall:
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes


# Sends one call and returns the answer, whatever its status; raises OSError when there is none.
Transport = Callable[[HttpCall], HttpAnswer]


def urllib_transport(timeout_seconds: float) -> Transport:
    def send(call: HttpCall) -> HttpAnswer:
        request = urllib.request.Request(
            call.url, data=call.body, headers=dict(call.headers), method=call.method
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout_seconds) as response:
                return HttpAnswer(response.status, response.read())
        except urllib.error.HTTPError as exc:  # a 4xx or 5xx still carries Stripe's answer
            with exc:
                return HttpAnswer(exc.code, exc.read())

    return send


class StripeGateway:
    name = "stripe"

    def __init__(
        self,
        *,
        secret_key: str,
        api_base: str = API_BASE,
        timeout_seconds: float = 30.0,
        transport: Transport | None = None,
    ) -> None:
        if not secret_key.startswith(("sk_", "rk_")):
            raise ValueError("a Stripe secret key (sk_... or rk_...) is needed: set "
                             "ARREARS_STRIPE_SECRET_KEY")  # fmt: skip
        self._key = secret_key
        self._base = api_base.rstrip("/")
        self._send = transport or urllib_transport(timeout_seconds)

    # -- charges ------------------------------------------------------------------------------

    def charge(self, request: ChargeRequest) -> ChargeResult:
        fields = [
            ("amount", str(request.amount_minor)),
            ("currency", request.currency.lower()),
            ("payment_method", request.token),
            ("payment_method_types[0]", "card"),
            ("confirm", "true"),
        ]
        if request.description:
            fields.append(("description", request.description))
        fields.extend((f"metadata[{key}]", value) for key, value in request.metadata)
        answer = self._post("/v1/payment_intents", fields, request.idempotency_key)
        if isinstance(answer, str):
            return ChargeResult(ChargeStatus.ERROR, code="no_answer", message=answer)
        status, body = answer
        if status == 200:
            return _intent_result(body)
        error = _table(body.get("error"))
        intent = _table(error.get("payment_intent"))
        kind = error.get("type")
        if status == 402 and kind == "card_error":
            outcome = ChargeStatus.DECLINED
        elif status in (400, 404) and kind in ("invalid_request_error", "idempotency_error"):
            outcome = ChargeStatus.INVALID  # (a 409 is the same key still being worked: ERROR)
        else:
            outcome = ChargeStatus.ERROR
        return ChargeResult(
            outcome,
            reference=str(intent.get("id") or ""),
            code=str(error.get("code") or kind or ""),
            decline_code=str(error.get("decline_code") or ""),
            message=str(error.get("message") or f"Stripe answered {status}"),
        )

    # -- refunds ------------------------------------------------------------------------------

    def refund(self, request: RefundRequest) -> RefundResult:
        fields = [("payment_intent", request.reference), ("amount", str(request.amount_minor))]
        if request.reason:
            fields.append(("metadata[reason]", request.reason[:500]))
        answer = self._post("/v1/refunds", fields, request.idempotency_key)
        if isinstance(answer, str):
            return RefundResult(RefundStatus.ERROR, code="no_answer", message=answer)
        status, body = answer
        if status == 200:
            state = body.get("status")
            reference, amount = str(body.get("id") or ""), _int(body.get("amount"))
            if state == "succeeded":
                return RefundResult(RefundStatus.SUCCEEDED, reference, amount)
            if state in ("pending", "requires_action"):
                return RefundResult(RefundStatus.PENDING, reference, amount)
            if state in ("failed", "canceled"):
                return RefundResult(RefundStatus.FAILED, reference, amount,
                                    code=str(body.get("failure_reason") or state),
                                    message=f"Stripe says the refund {state}")  # fmt: skip
            return RefundResult(RefundStatus.ERROR, reference, amount, code="unknown_status",
                                message=f"Stripe gave the refund status {state!r}")  # fmt: skip
        error = _table(body.get("error"))
        code = str(error.get("code") or error.get("type") or "")
        message = str(error.get("message") or f"Stripe answered {status}")
        if 400 <= status < 500 and status != 429 and error.get("type") != "api_error":
            return RefundResult(RefundStatus.FAILED, code=code, message=message)
        return RefundResult(RefundStatus.ERROR, code=code, message=message)

    # -- the wire -----------------------------------------------------------------------------

    def headers(self, idempotency_key: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._key}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Idempotency-Key": idempotency_key,
            "Stripe-Version": API_VERSION,
        }

    def _post(
        self, path: str, fields: Sequence[tuple[str, str]], idempotency_key: str
    ) -> tuple[int, dict[str, Any]] | str:
        """(status, JSON body), or why there is no answer to trust."""
        call = HttpCall("POST", self._base + path, self.headers(idempotency_key),
                        urllib.parse.urlencode(fields).encode())  # fmt: skip
        try:
            answer = self._send(call)
        except OSError as exc:  # refused, reset, timed out, name not resolved
            return f"Stripe could not be reached ({type(exc).__name__}); ask again, same key"
        try:
            body = json.loads(answer.body)
        except ValueError:
            return f"Stripe answered {answer.status} with a body that is not JSON"
        if not isinstance(body, dict):
            return f"Stripe answered {answer.status} with JSON that is not an object"
        return answer.status, body


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _intent_result(intent: dict[str, Any]) -> ChargeResult:
    """A PaymentIntent Stripe created: charged, declined (its last error), or neither."""
    reference = str(intent.get("id") or "")
    state = intent.get("status")
    if state == "succeeded":
        received = _int(intent.get("amount_received")) or _int(intent.get("amount"))
        return ChargeResult(ChargeStatus.SUCCEEDED, reference=reference, amount_minor=received)
    error = _table(intent.get("last_payment_error"))
    if state == "requires_payment_method":
        return ChargeResult(ChargeStatus.DECLINED, reference=reference,
                            code=str(error.get("code") or "card_declined"),
                            decline_code=str(error.get("decline_code") or ""),
                            message=str(error.get("message") or "The card was declined."))  # fmt: skip
    if state == "requires_action":  # 3-D Secure: the consumer must confirm with the bank
        return ChargeResult(ChargeStatus.DECLINED, reference=reference,
                            code="authentication_required",
                            message="The card's bank asks the cardholder to confirm the payment; "
                            "it cannot be taken this way.")  # fmt: skip
    return ChargeResult(ChargeStatus.ERROR, reference=reference, code=f"status_{state}",
                        message=f"Stripe left the payment {state!r}; ask again, same key")  # fmt: skip
