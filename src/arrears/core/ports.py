"""Ports: what the core and the use cases need from the outside world, as Protocols.

Adapters (``arrears.adapters``) implement them; settings name the implementation in use
(``ARREARS_DOCUMENT_STORE``, ``ARREARS_LETTERS``, ``ARREARS_CARD_GATEWAY``), so swapping the
filesystem for an object store, the letter renderer for a print vendor's or the fake card gateway
for Stripe is configuration, not code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import timedelta

    from arrears.core.cards import ChargeRequest, ChargeResult, RefundRequest, RefundResult
    from arrears.core.compliance.validation import ValidationNotice, VerificationLetter
    from arrears.core.letters import (
        BrokenNotice,
        CampaignLetter,
        PaymentConfirmation,
        PlanConfirmation,
        PreDebitNotice,
        ReturnedPaymentNotice,
        SettlementConfirmation,
    )
    from arrears.core.letters.printing import PrintFile, PrintLetter
    from arrears.core.messaging import OutboundEmail, OutboundSms, SendResult
    from arrears.core.work.dialing import DialResult


class DocumentStore(Protocol):
    """Bytes kept under a key such as ``accounts/42/notices/VN-42-20261123.pdf``."""

    def put(self, key: str, content: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...  # raises KeyError when absent

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> bool: ...  # True when something was deleted


class LetterRenderer(Protocol):
    def validation_notice_html(self, notice: ValidationNotice) -> str: ...

    def verification_letter_html(self, letter: VerificationLetter) -> str: ...

    def payment_confirmation_html(self, letter: PaymentConfirmation) -> str: ...

    def pre_debit_notice_html(self, letter: PreDebitNotice) -> str: ...

    def returned_payment_notice_html(self, letter: ReturnedPaymentNotice) -> str: ...

    def plan_confirmation_html(self, letter: PlanConfirmation) -> str: ...

    def settlement_confirmation_html(self, letter: SettlementConfirmation) -> str: ...

    def broken_notice_html(self, letter: BrokenNotice) -> str: ...

    def campaign_letter_html(self, letter: CampaignLetter) -> str: ...

    def pdf(self, html: str) -> bytes: ...


class PrintBatcher(Protocol):
    """Renders many letters into one print file with its manifest, the same bytes for the same
    letters (a batch made again after a crash is the same file)."""

    def batch(self, letters: Sequence[PrintLetter], *, reference: str) -> PrintFile: ...


class PaymentGateway(Protocol):
    """Takes card payments by token and gives them back (``arrears.core.cards``), and says
    afterwards what became of an attempt whose answer was lost.

    ``charge`` and ``refund`` are safe to repeat with the same idempotency key: the gateway
    answers as it did the first time and moves money at most once. ``charge_status`` and
    ``refund_status`` only read: they find what the gateway made under our idempotency key (the
    adapter sends the key with each request so that it can be found again, however old) and
    answer as the first call would have, or None when the gateway has no record of the key.
    None of the four raises for a decline or an outage: the result's status says what happened
    (``ERROR`` when the answer cannot be trusted, the gateway could not be reached among them).
    """

    name: str  # "stripe", "fake": recorded with each charge
    # How long after a request its look-up may still miss it (a search index catching up):
    # "no record" is believed only for attempts asked longer ago than this.
    lookup_lag: timedelta

    def charge(self, request: ChargeRequest) -> ChargeResult: ...

    def refund(self, request: RefundRequest) -> RefundResult: ...

    def charge_status(self, idempotency_key: str) -> ChargeResult | None: ...

    def refund_status(self, reference: str, idempotency_key: str) -> RefundResult | None:
        """``reference``: the charge's, as ``ChargeResult`` gave it (``pi_...``)."""
        ...


class EmailSender(Protocol):
    """Hands an email to a mail server. Never raises for a refusal or an outage: the result's
    status says what happened, and an ``ERROR`` may be sent again under the same reference.

    A sender that can tell afterwards whether it took a message also has
    ``delivered(reference) -> bool | None`` (None: cannot tell); the send job asks it about a
    message whose answer was lost, and hands over again only one the sender never took. The same
    holds for ``SmsSender``."""

    name: str  # "smtp", "fake": recorded with each message

    def send(self, message: OutboundEmail) -> SendResult: ...


class SmsSender(Protocol):
    """Hands a text message to an SMS provider; never raises, like ``EmailSender``."""

    name: str  # "twilio", "fake"

    def send(self, message: OutboundSms) -> SendResult: ...


class Dialer(Protocol):
    """Places a call for a collector (preview dialing): rings ``to`` (E.164) and connects the
    collector ``agent`` (their user name) when it is answered. Never raises for a refusal or an
    outage: the result's status says what happened. ``reference`` is ours for the call; the
    result's ``call_id`` is the dialer's, under which its disposition comes back."""

    name: str  # "fake", or the dialer vendor's

    def place_call(self, *, agent: str, to: str, reference: str) -> DialResult: ...
