"""Card payments as values: what we ask a payment gateway, what it answers, and what a card
payment that carries a convenience fee does to the ledger.

Card numbers never pass through Arrears. The consumer's card is entered on the gateway's own
form (or read to the gateway's phone line), and we are handed a token for it: a Stripe
PaymentMethod id such as ``pm_1Q0PsI...``, or a test token such as ``pm_card_visa``.
:func:`token_problem` refuses anything that looks like a card number instead.

The gateway itself is a port (``arrears.core.ports.PaymentGateway``); the adapters are in
``arrears.adapters.cards``.

An attempt left without an answer (the process died, or the network failed, between asking the
gateway and hearing back) is looked up afterwards by its idempotency key; :func:`charge_lookup`
and :func:`refund_lookup` say what a look-up's answer lets us do with it (ADR 22, "Unanswered
attempts").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum

from arrears.core.ledger.balances import Balances
from arrears.core.ledger.posting import PaymentPlan

# A token: letters, digits and underscores, starting with a gateway prefix and a letter part
# ("pm_", "tok_", "card_", "src_"). Stripe's ids are at most 255 characters; ours fit in 120.
TOKEN = re.compile(r"[a-z]{2,5}_[A-Za-z0-9_]{3,115}")
# Anything with 12 to 19 digits once spaces and dashes are dropped could be a card number (PAN).
_PAN = re.compile(r"\d{12,19}")
MAX_IDEMPOTENCY_KEY = 80


class ChargeStatus(StrEnum):
    SUCCEEDED = "succeeded"  # the money was taken
    DECLINED = "declined"  # the card's issuer (or the gateway's fraud check) said no
    INVALID = "invalid"  # the request was refused as it stood: an unknown token, say
    ERROR = "error"  # no answer we can trust (network, gateway outage): ask again, same key


class RefundStatus(StrEnum):
    SUCCEEDED = "succeeded"
    PENDING = "pending"  # accepted; the money is on its way back to the card
    FAILED = "failed"  # refused: nothing was given back
    ERROR = "error"  # no answer we can trust: ask again with the same key


@dataclass(frozen=True, slots=True)
class ChargeRequest:
    token: str
    amount_minor: int
    currency: str
    idempotency_key: str
    description: str = ""
    metadata: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ChargeResult:
    """The gateway's answer. ``reference`` is its id for the payment (``pi_...``), empty when
    it made none. ``code`` is the gateway's error code (``card_declined``), ``decline_code``
    the issuer's reason when given (``insufficient_funds``), ``message`` words a person may
    be shown."""

    status: ChargeStatus
    reference: str = ""
    amount_minor: int = 0
    code: str = ""
    decline_code: str = ""
    message: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status is ChargeStatus.SUCCEEDED


@dataclass(frozen=True, slots=True)
class RefundRequest:
    reference: str  # the charge's reference, as ChargeResult gave it
    amount_minor: int
    currency: str
    idempotency_key: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RefundResult:
    status: RefundStatus
    reference: str = ""  # the gateway's id for the refund (``re_...``)
    amount_minor: int = 0
    code: str = ""
    message: str = ""

    @property
    def accepted(self) -> bool:
        """The gateway took the refund: it has been, or is being, given back."""
        return self.status in (RefundStatus.SUCCEEDED, RefundStatus.PENDING)


class Lookup(StrEnum):
    """What the gateway's answer to "what became of this key?" lets us do with an attempt."""

    ANSWERED = "answered"  # it says: charged, declined, refused, given back; record that
    NOT_FOUND = "not_found"  # it has no record, and is sure: nothing moved; the key may go again
    WAIT = "wait"  # no record yet, but its look-up may lag its writes: ask later
    UNREACHABLE = "unreachable"  # no answer to trust: leave the attempt as it is


def charge_lookup(result: ChargeResult | None, *, since_asked: timedelta, lag: timedelta) -> Lookup:
    """What to do with a charge the gateway was asked about ``since_asked`` ago, given its
    look-up's ``result`` (None: no record of the key). A look-up may miss what the gateway did
    in the last ``lag`` (Stripe's search: up to an hour), so "no record" is believed only
    after that; ``ERROR`` (no answer, or the payment still being worked) is never an answer."""
    if result is None:
        return Lookup.NOT_FOUND if since_asked >= lag else Lookup.WAIT
    if result.status is ChargeStatus.ERROR:
        return Lookup.UNREACHABLE
    return Lookup.ANSWERED


def refund_lookup(result: RefundResult | None, *, since_asked: timedelta, lag: timedelta) -> Lookup:
    """As :func:`charge_lookup`, for a refund. A refund the gateway took (succeeded or still
    pending) or refused (failed) is an answer."""
    if result is None:
        return Lookup.NOT_FOUND if since_asked >= lag else Lookup.WAIT
    if result.status is RefundStatus.ERROR:
        return Lookup.UNREACHABLE
    return Lookup.ANSWERED


def token_problem(token: str) -> str:
    """Why ``token`` cannot be charged ('' when it can). A card number is refused outright and
    the message says so without repeating it."""
    digits = token.replace(" ", "").replace("-", "")
    if _PAN.fullmatch(digits):
        return "that looks like a card number: send the gateway's token for it, never the number"
    if not TOKEN.fullmatch(token):
        return "a card token looks like pm_... or tok_... (letters, digits and underscores)"
    return ""


def idempotency_key_problem(key: str) -> str:
    """Why ``key`` cannot name a charge or refund ('' when it can)."""
    if not key.strip():
        return "an idempotency key is required: the same key never charges or refunds twice"
    if len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable() or key != key.strip():
        return f"an idempotency key is at most {MAX_IDEMPOTENCY_KEY} printable characters"
    return ""


def plan_with_fee(plan: PaymentPlan, fee_minor: int) -> PaymentPlan:
    """The plan of a card payment that also pays its convenience fee.

    The fee is charged (a fee entry of ``fee_minor``) just before the payment, and the
    payment pays it in full from its fee part; the consumer's own amount is applied exactly as
    ``plan`` worked it out without the fee. So the fee never takes from what the consumer meant
    for the debt, whatever the client's waterfall, and the balances after are ``plan``'s.
    """
    if isinstance(fee_minor, bool) or not isinstance(fee_minor, int):
        raise TypeError(f"a fee must be an int, not {type(fee_minor).__name__}")
    if fee_minor < 0:
        raise ValueError(f"a fee cannot be negative, got {fee_minor}")
    if fee_minor == 0:
        return plan
    return replace(
        plan,
        reduction=plan.reduction + Balances(fees=-fee_minor),
        applied_minor=plan.applied_minor + fee_minor,
    )
