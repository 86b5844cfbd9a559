"""Ports: what the core and the use cases need from the outside world, as Protocols.

Adapters (``arrears.adapters``) implement them; settings name the implementation in use
(``ARREARS_DOCUMENT_STORE``, ``ARREARS_LETTERS``, ``ARREARS_CARD_GATEWAY``), so swapping the
filesystem for an object store, the letter renderer for a print vendor's or the fake card gateway
for Stripe is configuration, not code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from arrears.core.cards import ChargeRequest, ChargeResult, RefundRequest, RefundResult
    from arrears.core.compliance.validation import ValidationNotice, VerificationLetter
    from arrears.core.letters import (
        BrokenNotice,
        PaymentConfirmation,
        PlanConfirmation,
        PreDebitNotice,
        ReturnedPaymentNotice,
        SettlementConfirmation,
    )


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

    def pdf(self, html: str) -> bytes: ...


class PaymentGateway(Protocol):
    """Takes card payments by token and gives them back (``arrears.core.cards``).

    Both calls are safe to repeat with the same idempotency key: the gateway answers as it did
    the first time and moves money at most once. Neither raises for a decline or an outage: the
    result's status says what happened (``ERROR`` when the answer cannot be trusted)."""

    name: str  # "stripe", "fake": recorded with each charge

    def charge(self, request: ChargeRequest) -> ChargeResult: ...

    def refund(self, request: RefundRequest) -> RefundResult: ...
