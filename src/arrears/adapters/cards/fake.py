"""An offline card gateway that answers like Stripe's test mode, by the token's name alone.

Deterministic, so a demo and a test can say what will happen: ``pm_card_visa`` (or ``tok_visa``,
or any other token) is charged; a token whose name says ``InsufficientFunds``
(``pm_card_chargeDeclinedInsufficientFunds``, ``tok_insufficient_funds``) is declined for
insufficient funds; ``Expired``, expired card; any other ``Declined`` (``pm_card_chargeDeclined``,
``tok_chargeDeclined``), a generic decline; ``Missing``, an unknown token. References are made
from the idempotency key, so asking again with the same key gives the same answer.
"""

from __future__ import annotations

import hashlib

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

    def charge(self, request: ChargeRequest) -> ChargeResult:
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

    def refund(self, request: RefundRequest) -> RefundResult:
        if not request.reference.startswith(CHARGE_PREFIX):
            return RefundResult(RefundStatus.FAILED, code="resource_missing",
                                message=f"No such payment_intent: '{request.reference}'")  # fmt: skip
        return RefundResult(RefundStatus.SUCCEEDED,
                            reference=_ref(REFUND_PREFIX, request.idempotency_key),
                            amount_minor=request.amount_minor)  # fmt: skip
