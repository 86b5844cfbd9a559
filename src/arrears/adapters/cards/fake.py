"""An offline card gateway that answers like Stripe's test mode, by the token's name alone.

Deterministic, so a demo and a test can say what will happen: ``pm_card_visa`` (or ``tok_visa``,
or any other token) is charged; a token whose name says ``InsufficientFunds``
(``pm_card_chargeDeclinedInsufficientFunds``, ``tok_insufficient_funds``) is declined for
insufficient funds; ``Expired``, expired card; any other ``Declined`` (``pm_card_chargeDeclined``,
``tok_chargeDeclined``), a generic decline; ``Missing``, an unknown token. References are made
from the idempotency key, so asking again with the same key gives the same answer.

Like a real gateway, each instance remembers what it did per idempotency key: the same request
again replays the first answer, and ``charge_status`` / ``refund_status`` find what it made (a
payment or a refund; a request refused as it stood made nothing, so it has no record, as at
Stripe). Another request under a key it knows is answered afresh and remembered instead (Stripe
would refuse it; the services never send one). A fresh instance remembers nothing: it never
charged anyone. (The settings' gateway is made once per process, so a development server's fake
remembers what it did until it stops; a test that counts on its memory makes its own.) Two switches let a test play the
outside world going wrong: ``answers_to_lose`` (the next N charges or refunds are done and
remembered, but the caller hears ``ERROR``: "charged, and the answer was lost") and
``reachable`` (False: every call, look-ups included, is ``ERROR`` and nothing is done).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from arrears.core.cards import (
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    RefundRequest,
    RefundResult,
    RefundStatus,
)

CHARGE_PREFIX = "pi_fake_"
REFUND_PREFIX = "re_fake_"
LOST = "the answer was lost on the way back (fake gateway)"
DOWN = "the fake gateway is unreachable"

# (name part, error code, decline code, message), checked in this order.
_DECLINES = (
    ("insufficientfunds", "card_declined", "insufficient_funds", "Your card has insufficient funds."),
    ("expired", "expired_card", "expired_card", "Your card has expired."),
    ("declined", "card_declined", "generic_decline", "Your card was declined."),
)  # fmt: skip


def _ref(prefix: str, key: str) -> str:
    return prefix + hashlib.sha256(key.encode()).hexdigest()[:24]


class FakeGateway:
    name = "fake"
    lookup_lag = timedelta(0)  # its memory is read as soon as it is written

    def __init__(self) -> None:
        # By idempotency key: the request and what was done.
        self.charges: dict[str, tuple[ChargeRequest, ChargeResult]] = {}
        self.refunds: dict[str, tuple[RefundRequest, RefundResult]] = {}
        self.answers_to_lose = 0
        self.reachable = True

    # -- moving money -------------------------------------------------------------------------

    def charge(self, request: ChargeRequest) -> ChargeResult:
        if not self.reachable:
            return ChargeResult(ChargeStatus.ERROR, code="no_answer", message=DOWN)
        known = self.charges.get(request.idempotency_key)
        if known is None or known[0] != request:
            known = self.charges[request.idempotency_key] = (request, self._charge(request))
        result = known[1]
        if self._lose():
            return ChargeResult(ChargeStatus.ERROR, code="no_answer", message=LOST)
        return result

    def refund(self, request: RefundRequest) -> RefundResult:
        if not self.reachable:
            return RefundResult(RefundStatus.ERROR, code="no_answer", message=DOWN)
        known = self.refunds.get(request.idempotency_key)
        if known is None or known[0] != request:
            known = self.refunds[request.idempotency_key] = (request, self._refund(request))
        result = known[1]
        if self._lose():
            return RefundResult(RefundStatus.ERROR, code="no_answer", message=LOST)
        return result

    # -- looking up ---------------------------------------------------------------------------

    def charge_status(self, idempotency_key: str) -> ChargeResult | None:
        if not self.reachable:
            return ChargeResult(ChargeStatus.ERROR, code="no_answer", message=DOWN)
        known = self.charges.get(idempotency_key)
        return known[1] if known is not None and known[1].reference else None

    def refund_status(self, reference: str, idempotency_key: str) -> RefundResult | None:
        if not self.reachable:
            return RefundResult(RefundStatus.ERROR, code="no_answer", message=DOWN)
        known = self.refunds.get(idempotency_key)
        return known[1] if known is not None and known[1].reference else None

    # -- the answers --------------------------------------------------------------------------

    def _lose(self) -> bool:
        if self.answers_to_lose <= 0:
            return False
        self.answers_to_lose -= 1
        return True

    @staticmethod
    def _charge(request: ChargeRequest) -> ChargeResult:
        name = request.token.lower().replace("_", "")
        reference = _ref(CHARGE_PREFIX, request.idempotency_key)
        if "missing" in name:
            return ChargeResult(ChargeStatus.INVALID, code="resource_missing",
                                message=f"No such PaymentMethod: '{request.token}'")  # fmt: skip
        for part, code, decline, message in _DECLINES:
            if part in name:
                return ChargeResult(ChargeStatus.DECLINED, reference=reference, code=code,
                                    decline_code=decline, message=message)  # fmt: skip
        return ChargeResult(ChargeStatus.SUCCEEDED, reference=reference,
                            amount_minor=request.amount_minor)  # fmt: skip

    @staticmethod
    def _refund(request: RefundRequest) -> RefundResult:
        if not request.reference.startswith(CHARGE_PREFIX):
            return RefundResult(RefundStatus.FAILED, code="resource_missing",
                                message=f"No such payment_intent: '{request.reference}'")  # fmt: skip
        return RefundResult(RefundStatus.SUCCEEDED,
                            reference=_ref(REFUND_PREFIX, request.idempotency_key),
                            amount_minor=request.amount_minor)  # fmt: skip
