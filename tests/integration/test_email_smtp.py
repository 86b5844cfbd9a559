"""The SMTP sender against a real SMTP server (aiosmtpd, started here on a free local port): what
arrives is the message we built, opt-out headers and all, and each kind of refusal or silence
becomes the status the send job relies on (550 → REJECTED; 450, a closed port, a server that
never answers, a missing STARTTLS or a wrong password → ERROR)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from arrears.adapters.email.smtp import SmtpEmailSender
from arrears.core.messaging import OutboundEmail, SendStatus

SENDER = "Arrears Recovery <notices@arrears.example>"
OPT_OUT = "http://127.0.0.1:8000/opt-out/WzEsMiwiZW1haWwiXQ:abc/"


class Mailbox:
    """An SMTP server's handler: refuses gone@ for good (550) and busy@ for now (450), refuses a
    message saying "lottery" at DATA (554), and keeps the rest."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:  # fmt: skip
        if address.startswith("gone@"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address.startswith("busy@"):
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if b"lottery" in envelope.content:
            return "554 5.7.1 Message refused as spam"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 2.0.0 Ok: queued as 4F2A"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def email(**changes: object) -> OutboundEmail:
    fields: dict[str, object] = {
        "reference": "MSG-000042", "to": "pat.doe@example.com",
        "subject": "About your account R000001",
        "text": f"Hello Pat.\n\nTo stop emails from us: {OPT_OUT}\n",
        "html": "<p>Hello Pat.</p>", "opt_out_url": OPT_OUT,
    }  # fmt: skip
    return OutboundEmail(**(fields | changes))  # type: ignore[arg-type]


def sender(port: int, **options: Any) -> SmtpEmailSender:
    return SmtpEmailSender(host="127.0.0.1", port=port, timeout=5, sender=SENDER, **options)


def test_a_message_arrives_with_its_opt_out_headers_message_id_and_both_bodies(
    smtp_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp_server

    result = sender(port).send(email())

    assert (result.status, result.provider_id, result.error) == (
        SendStatus.ACCEPTED, "<MSG-000042@arrears.example>", "")  # fmt: skip
    [(mail_from, rcpt_tos, message)] = mailbox.received
    assert (mail_from, rcpt_tos) == ("notices@arrears.example", ["pat.doe@example.com"])
    assert message["Message-ID"] == "<MSG-000042@arrears.example>"
    assert message["X-Arrears-Reference"] == "MSG-000042"
    assert message["List-Unsubscribe"] == f"<{OPT_OUT}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (message["From"], message["To"], message["Subject"]) == (
        SENDER, "pat.doe@example.com", "About your account R000001")  # fmt: skip
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert (
        plain.get_content().replace("\r\n", "\n")
        == f"Hello Pat.\n\nTo stop emails from us: {OPT_OUT}\n"
    )
    assert html.get_content().replace("\r\n", "\n") == "<p>Hello Pat.</p>\n"


def test_a_recipient_refused_with_550_is_rejected_with_the_servers_words(
    smtp_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp_server

    result = sender(port).send(email(to="gone@example.com"))

    assert result.status is SendStatus.REJECTED
    assert result.error == "550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown"
    assert result.detail == {
        "smtp_code": "550", "stage": "recipient",
        "smtp_text": "5.1.1 <gone@example.com>: Recipient address rejected: User unknown",
    }  # fmt: skip
    assert mailbox.received == []


def test_a_recipient_refused_for_now_with_450_is_an_error_to_try_again(
    smtp_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp_server

    result = sender(port).send(email(to="busy@example.com"))

    assert (result.status, result.error) == (
        SendStatus.ERROR, "450 4.2.1 Mailbox busy, try again later")  # fmt: skip
    assert (result.detail["smtp_code"], result.detail["stage"]) == ("450", "recipient")
    assert mailbox.received == []


def test_a_message_refused_at_data_with_554_is_rejected(smtp_server: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp_server

    result = sender(port).send(email(text="You won the lottery"))

    assert (result.status, result.error) == (SendStatus.REJECTED,
                                             "554 5.7.1 Message refused as spam")  # fmt: skip
    assert result.detail["stage"] == "data"
    assert mailbox.received == []


def test_a_closed_port_is_an_error() -> None:
    port = _free_port()  # nothing listens there any more

    result = sender(port).send(email())

    assert result.status is SendStatus.ERROR
    assert result.error.startswith(f"no answer from 127.0.0.1:{port}: ")
    assert result.detail == {"stage": "connection"}


def test_a_server_that_never_answers_is_an_error_after_the_timeout() -> None:
    with socket.socket() as silent:  # takes the connection, never says hello
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]

        result = SmtpEmailSender(host="127.0.0.1", port=port, timeout=0.3,
                                 sender=SENDER).send(email())  # fmt: skip

    assert (result.status, result.detail) == (SendStatus.ERROR, {"stage": "connection"})
    assert "timed out" in result.error


def test_starttls_asked_of_a_server_without_it_is_an_error_and_sends_nothing(
    smtp_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp_server

    result = sender(port, use_tls=True).send(email())

    assert result.status is SendStatus.ERROR
    assert "STARTTLS extension not supported by server" in result.error
    assert mailbox.received == []


def test_a_refused_login_is_an_error_not_a_refusal_of_the_address() -> None:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"arrears",
                                                                                 b"right")  # fmt: skip
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535

    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, authenticator=check,
                            auth_require_tls=False, auth_exclude_mechanism=["LOGIN"])  # fmt: skip
    controller.start()
    try:
        refused = sender(port, username="arrears", password="wrong").send(email())
        taken = sender(port, username="arrears", password="right").send(email())
    finally:
        controller.stop()

    assert (refused.status, refused.detail["smtp_code"], refused.detail["stage"]) == (
        SendStatus.ERROR, "535", "login")  # fmt: skip
    assert taken.status is SendStatus.ACCEPTED
    assert len(mailbox.received) == 1
