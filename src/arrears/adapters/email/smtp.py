"""Email through an SMTP server (a relay, or a provider's SMTP endpoint), with the standard
library only.

``send`` never raises; the server's answer decides the status:

- ``ACCEPTED``: the server took the message (``provider_id`` is its ``Message-ID``). Delivery is
  not known yet: a bounce may come later (``services.messaging.bounces``).
- ``REJECTED``: a permanent (5xx) refusal of the recipient or of the message itself (550 no such
  mailbox, 554 refused as spam), or a message that cannot be sent as it stands. Sending it
  again would get the same answer.
- ``ERROR``: no trustworthy answer, or one that says "not now" or "not from you": the server
  could not be reached, timed out or hung up, a temporary (4xx) refusal (greylisting, a full
  mailbox), and refusals of our own set-up (the login, the sender address, a failed STARTTLS).
  These are not the recipient's fault, so they must not count against the address; the send may
  be tried again under the same reference.

The refusal's code and text are kept in ``detail`` (``smtp_code``, ``smtp_text``, ``stage``),
so a collector can read what the server said.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from arrears.adapters.email.message import DEFAULT_SENDER, address_of, build_message
from arrears.core.messaging import OutboundEmail, SendResult, SendStatus


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _answer(code: int, raw: bytes | str, stage: str, provider_id: str) -> SendResult:
    """A refusal as a result: 5xx on the recipient or the message is for good, the rest is not."""
    text = _text(raw)
    permanent = 500 <= code < 600 and stage in ("recipient", "data")
    return SendResult(
        SendStatus.REJECTED if permanent else SendStatus.ERROR,
        provider_id=provider_id if permanent else "",
        error=f"{code} {text}"[:300],
        detail={"smtp_code": str(code), "smtp_text": text, "stage": stage},
    )


class SmtpEmailSender:
    name = "smtp"

    def __init__(
        self,
        host: str = "localhost",
        port: int = 25,
        username: str = "",
        password: str = "",
        use_tls: bool = False,
        use_ssl: bool = False,
        timeout: float = 30.0,
        sender: str = DEFAULT_SENDER,
    ) -> None:
        if use_tls and use_ssl:
            raise ValueError(
                "use_tls (STARTTLS) and use_ssl (TLS from the start) exclude each other"
            )
        self.host = host
        self.port = int(port)
        self.username = username
        self.password = password
        self.use_tls = use_tls
        self.use_ssl = use_ssl
        self.timeout = float(timeout)
        self.sender = sender
        self.envelope_from = address_of(sender)  # a wrong sender is a set-up error: say so now

    def send(self, message: OutboundEmail) -> SendResult:
        try:
            email = build_message(message, sender=self.sender)
        except ValueError as exc:
            return SendResult(SendStatus.REJECTED, error=f"not a sendable message: {exc}"[:300])
        provider_id = str(email["Message-ID"])
        try:
            self._deliver(email, message.to)
        except smtplib.SMTPRecipientsRefused as exc:
            code, raw = exc.recipients.get(message.to) or next(iter(exc.recipients.values()))
            return _answer(code, raw, "recipient", provider_id)
        except smtplib.SMTPSenderRefused as exc:
            return _answer(exc.smtp_code, exc.smtp_error, "sender", provider_id)
        except smtplib.SMTPDataError as exc:
            return _answer(exc.smtp_code, exc.smtp_error, "data", provider_id)
        except smtplib.SMTPAuthenticationError as exc:
            return _answer(exc.smtp_code, exc.smtp_error, "login", provider_id)
        except smtplib.SMTPResponseException as exc:  # the greeting, HELO, STARTTLS...
            return _answer(exc.smtp_code, exc.smtp_error, "session", provider_id)
        except (smtplib.SMTPException, OSError) as exc:  # refused, timed out, hung up, TLS
            return SendResult(
                SendStatus.ERROR,
                error=f"no answer from {self.host}:{self.port}: {exc or type(exc).__name__}"[:300],
                detail={"stage": "connection"},
            )
        except ValueError as exc:  # e.g. an address the server cannot take (no SMTPUTF8)
            return SendResult(SendStatus.REJECTED, error=f"not a sendable message: {exc}"[:300])
        return SendResult(SendStatus.ACCEPTED, provider_id=provider_id)

    def _deliver(self, email: EmailMessage, to: str) -> None:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.use_tls:
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(email, from_addr=self.envelope_from, to_addrs=[to])
        finally:
            # The message is already taken or refused: a failed goodbye changes neither.
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
