"""An in-memory email sender for tests: it keeps what it was given, and plays the outside world
going wrong when told to.

``sent`` holds each accepted ``OutboundEmail`` and ``messages`` the MIME message built from it
(the same one SMTP would carry), in order. ``rejecting`` names addresses the "server" refuses for
good (``REJECTED``, 550, as SMTP would say it); ``reachable = False`` makes every send an
``ERROR`` with nothing kept. The settings' sender is made once per process
(``services.common.email_sender``), so a test reads its outbox through that, or makes its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from email.message import EmailMessage

from arrears.adapters.email.message import DEFAULT_SENDER, build_message
from arrears.core.messaging import OutboundEmail, SendResult, SendStatus

UNKNOWN_MAILBOX = "5.1.1 mailbox unavailable (fake sender)"
DOWN = "the fake mail server is unreachable"


class FakeEmailSender:
    name = "fake"

    def __init__(
        self, *, rejecting: Iterable[str] = (), reachable: bool = True, sender: str = DEFAULT_SENDER
    ) -> None:
        self.sent: list[OutboundEmail] = []
        self.messages: list[EmailMessage] = []
        self.rejecting = {address.strip().lower() for address in rejecting}
        self.reachable = reachable
        self.sender = sender

    def send(self, message: OutboundEmail) -> SendResult:
        if not self.reachable:
            return SendResult(SendStatus.ERROR, error=DOWN, detail={"stage": "connection"})
        try:
            email = build_message(message, sender=self.sender)
        except ValueError as exc:
            return SendResult(SendStatus.REJECTED, error=f"not a sendable message: {exc}"[:300])
        if message.to.strip().lower() in self.rejecting:
            return SendResult(
                SendStatus.REJECTED,
                provider_id=str(email["Message-ID"]),
                error=f"550 {UNKNOWN_MAILBOX}",
                detail={"smtp_code": "550", "smtp_text": UNKNOWN_MAILBOX, "stage": "recipient"},
            )
        self.sent.append(message)
        self.messages.append(email)
        return SendResult(SendStatus.ACCEPTED, provider_id=str(email["Message-ID"]))

    def clear(self) -> None:
        self.sent.clear()
        self.messages.clear()
