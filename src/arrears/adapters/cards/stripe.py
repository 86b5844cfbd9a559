"""Stripe, through its REST API: a PaymentIntent created and confirmed at once for a charge, a
Refund for giving money back.

Requests are form-encoded, carry our secret key as a bearer token and the caller's idempotency
key as ``Idempotency-Key`` (Stripe answers a repeated key with the first answer, so a retry
after a timeout never charges twice), and pin the API version the parsing below was written
for. Only the standard library is used.

The key also goes into the object's metadata (``metadata[idempotency_key]``), because Stripe
keeps an idempotency key only for about 24 hours: after that a request with the same key is a
new request, so a replay cannot be used to find out what became of an old attempt. The look-ups
only read, at any age: ``charge_status`` searches PaymentIntents by that metadata
(``GET /v1/payment_intents/search``), and ``refund_status`` lists the refunds of the payment
(``GET /v1/refunds?payment_intent=...``) and picks ours by it. The list is read-after-write
consistent; the search may lag by up to an hour in an outage (under a minute normally), which
``lookup_lag`` tells the caller, so that "no record" is believed only after that.

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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from arrears.adapters.http import HttpCall, Transport, urllib_transport
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
KEY_FIELD = "idempotency_key"  # the metadata field that carries our idempotency key
PAGE = 100  # Stripe's largest page
MAX_PAGES = 10  # more than a thousand objects under one key or payment: something is wrong


class StripeGateway:
    name = "stripe"
    lookup_lag = timedelta(hours=1)  # Stripe: search "can be up to an hour behind" in outages

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
        fields.extend((f"metadata[{key}]", value) for key, value in request.metadata
                      if key != KEY_FIELD)  # fmt: skip
        fields.append((f"metadata[{KEY_FIELD}]", request.idempotency_key))
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
        fields.append((f"metadata[{KEY_FIELD}]", request.idempotency_key))
        answer = self._post("/v1/refunds", fields, request.idempotency_key)
        if isinstance(answer, str):
            return RefundResult(RefundStatus.ERROR, code="no_answer", message=answer)
        status, body = answer
        if status == 200:
            return _refund_result(body)
        error = _table(body.get("error"))
        code = str(error.get("code") or error.get("type") or "")
        message = str(error.get("message") or f"Stripe answered {status}")
        if 400 <= status < 500 and status != 429 and error.get("type") != "api_error":
            return RefundResult(RefundStatus.FAILED, code=code, message=message)
        return RefundResult(RefundStatus.ERROR, code=code, message=message)

    # -- looking up what became of a key ------------------------------------------------------

    def charge_status(self, idempotency_key: str) -> ChargeResult | None:
        """The PaymentIntent made under ``idempotency_key``, found by its metadata with the
        Search API, as ``charge`` would have answered; None when there is none."""
        query = f"metadata['{KEY_FIELD}']:'{_quoted(idempotency_key)}'"
        found = self._all("/v1/payment_intents/search", [("query", query)], idempotency_key,
                          cursor="page")  # fmt: skip
        if isinstance(found, _NoAnswer):
            return ChargeResult(ChargeStatus.ERROR, code=found.code, message=found.message)
        return _charge_found(found) if found else None

    def refund_status(self, reference: str, idempotency_key: str) -> RefundResult | None:
        """The refund of PaymentIntent ``reference`` made under ``idempotency_key`` (the
        payment's refunds listed, ours picked by its metadata); None when there is none."""
        found = self._all("/v1/refunds", [("payment_intent", reference)], idempotency_key,
                          cursor="starting_after")  # fmt: skip
        if isinstance(found, _NoAnswer):
            return RefundResult(RefundStatus.ERROR, code=found.code, message=found.message)
        if not found:
            return None
        answers = [_refund_result(refund) for refund in found]
        taken = [a for a in answers if a.accepted]  # one given back outranks one refused
        return (taken or answers)[0]

    def _all(
        self, path: str, params: list[tuple[str, str]], idempotency_key: str, *, cursor: str
    ) -> list[dict[str, Any]] | _NoAnswer:
        """Every object a list or search gives (page by page) whose metadata carries our key
        exactly (a search matches loosely; the check here is exact), oldest first; or why there
        is no answer to trust."""
        found: list[dict[str, Any]] = []
        after: list[tuple[str, str]] = []
        for _ in range(MAX_PAGES):
            answer = self._get(path, [*params, ("limit", str(PAGE)), *after])
            if isinstance(answer, str):
                return _NoAnswer("no_answer", answer)
            status, body = answer
            data = body.get("data")
            if status != 200 or not isinstance(data, list):
                error = _table(body.get("error"))
                return _NoAnswer(str(error.get("code") or error.get("type") or "unreadable"),
                                 str(error.get("message") or f"Stripe answered {status}"))  # fmt: skip
            objects = [item for item in data if isinstance(item, dict)]
            found.extend(o for o in objects
                         if _table(o.get("metadata")).get(KEY_FIELD) == idempotency_key)  # fmt: skip
            if body.get("has_more") is not True:
                found.sort(key=lambda o: (_int(o.get("created")), str(o.get("id"))))
                return found
            mark = body.get("next_page") if cursor == "page" else (objects[-1].get("id")
                                                                    if objects else None)  # fmt: skip
            if not mark:
                break
            after = [(cursor, str(mark))]
        return _NoAnswer("too_many", f"Stripe's answer to {path} did not end; ask a person")

    # -- the wire -----------------------------------------------------------------------------

    def headers(self, idempotency_key: str | None = None) -> dict[str, str]:
        """The headers of a call: a POST carries the form's type and our idempotency key."""
        headers = {"Authorization": f"Bearer {self._key}"}
        if idempotency_key is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Idempotency-Key"] = idempotency_key
        headers["Stripe-Version"] = API_VERSION
        return headers

    def _post(
        self, path: str, fields: Sequence[tuple[str, str]], idempotency_key: str
    ) -> tuple[int, dict[str, Any]] | str:
        """(status, JSON body), or why there is no answer to trust."""
        return self._send_call(HttpCall("POST", self._base + path, self.headers(idempotency_key),
                                        urllib.parse.urlencode(fields).encode()))  # fmt: skip

    def _get(
        self, path: str, params: Sequence[tuple[str, str]]
    ) -> tuple[int, dict[str, Any]] | str:
        url = f"{self._base}{path}?{urllib.parse.urlencode(params)}"
        return self._send_call(HttpCall("GET", url, self.headers(), b""))

    def _send_call(self, call: HttpCall) -> tuple[int, dict[str, Any]] | str:
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


@dataclass(frozen=True)
class _NoAnswer:
    code: str
    message: str


def _quoted(value: str) -> str:
    """A value for a single-quoted string of Stripe's search query language: a backslash
    escapes a quote (and itself)."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _refund_result(refund: dict[str, Any]) -> RefundResult:
    """A Refund object Stripe made: given back, on its way, or refused."""
    state = refund.get("status")
    reference, amount = str(refund.get("id") or ""), _int(refund.get("amount"))
    if state == "succeeded":
        return RefundResult(RefundStatus.SUCCEEDED, reference, amount)
    if state in ("pending", "requires_action"):
        return RefundResult(RefundStatus.PENDING, reference, amount)
    if state in ("failed", "canceled"):
        return RefundResult(RefundStatus.FAILED, reference, amount,
                            code=str(refund.get("failure_reason") or state),
                            message=f"Stripe says the refund {state}")  # fmt: skip
    return RefundResult(RefundStatus.ERROR, reference, amount, code="unknown_status",
                        message=f"Stripe gave the refund status {state!r}")  # fmt: skip


def _charge_found(intents: list[dict[str, Any]]) -> ChargeResult:
    """What the PaymentIntents made under one key (oldest first) say together. Within Stripe's
    24 hours a key makes one; a retry after that may have made another. Money taken by any of
    them is the answer (the oldest; more than one taken is said in the message, for a person to
    give one back); else one still being worked is no answer yet; else the newest decline."""
    taken = [i for i in intents if i.get("status") == "succeeded"]
    if taken:
        result = _intent_result(taken[0])
        if len(taken) > 1:
            others = ", ".join(str(i.get("id")) for i in taken[1:])
            return replace(result, code="taken_more_than_once",
                           message=f"the same key also took {others}: give it back")  # fmt: skip
        return result
    answers = [_intent_result(i) for i in intents]
    working = [a for a in answers if a.status is ChargeStatus.ERROR]
    return working[0] if working else answers[-1]


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
    if state == "canceled":  # given up (by hand, or by Stripe): nothing was taken
        return ChargeResult(ChargeStatus.DECLINED, reference=reference, code="canceled",
                            decline_code=str(intent.get("cancellation_reason") or ""),
                            message="The payment was canceled at Stripe; nothing was taken.")  # fmt: skip
    return ChargeResult(ChargeStatus.ERROR, reference=reference, code=f"status_{state}",
                        message=f"Stripe left the payment {state!r}; ask again, same key")  # fmt: skip
