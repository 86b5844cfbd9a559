"""Messages we send through a channel other than paper: what an email or a text is when it
leaves us, and what the channel answered.

Letters are documents (``arrears.core.letters``); emails and texts are these values, handed to
an ``EmailSender`` or an ``SmsSender`` (``arrears.core.ports``). Every one carries our
``reference`` (``MSG-...``), which the channel is asked to keep with the message so that a
bounce, a delivery report or a reply can be traced back to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class SendStatus(StrEnum):
    ACCEPTED = "accepted"  # the channel took it; delivery is reported later, if at all
    REJECTED = "rejected"  # refused for good (a bad address, an unreachable number)
    ERROR = "error"  # no trustworthy answer (timeout, outage): safe to try again later


@dataclass(frozen=True)
class OutboundEmail:
    reference: str
    to: str
    subject: str
    text: str  # the plain-text body, opt-out sentence included
    html: str | None = None
    # The page where the consumer stops email from us with one click (12 CFR 1006.6(e)).
    opt_out_url: str = ""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class OutboundSms:
    reference: str
    to: str  # E.164: +17165550123
    body: str  # opt-out instruction included


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    provider_id: str = ""  # the channel's id for the message (SMTP Message-ID, Twilio SM...)
    error: str = ""
    detail: dict[str, str] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.status is SendStatus.ACCEPTED
