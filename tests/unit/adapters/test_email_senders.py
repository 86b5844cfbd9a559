"""The email senders build one message the same way (a Message-ID made from our reference, the
opt-out headers of RFC 8058, text with an HTML alternative) and answer with a result, never an
exception: the fake keeps what it accepted and refuses what it is told to; the file sender
writes ``<reference>.eml``."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from arrears.adapters.email.fake import FakeEmailSender
from arrears.adapters.email.files import FileEmailSender
from arrears.adapters.email.message import build_message, message_id
from arrears.adapters.email.smtp import SmtpEmailSender
from arrears.core.messaging import OutboundEmail, SendStatus

SENDER = "Arrears Recovery <notices@arrears.example>"
OPT_OUT = "https://arrears.example/opt-out/WzEsMiwiZW1haWwiXQ:sig/"


def email(**changes: object) -> OutboundEmail:
    fields: dict[str, object] = {
        "reference": "MSG-000042", "to": "pat.doe@example.com",
        "subject": "About your account R000001",
        "text": "Hello Pat.\n\nTo stop emails from us: " + OPT_OUT + "\n",
        "opt_out_url": OPT_OUT,
    }  # fmt: skip
    return OutboundEmail(**(fields | changes))  # type: ignore[arg-type]


class TestTheMessage:
    def test_carries_the_reference_in_its_message_id_and_its_own_header(self) -> None:
        built = build_message(email(), sender=SENDER)
        assert built["Message-ID"] == "<MSG-000042@arrears.example>"
        assert built["X-Arrears-Reference"] == "MSG-000042"
        assert (built["From"], built["To"], built["Subject"]) == (
            SENDER, "pat.doe@example.com", "About your account R000001")  # fmt: skip

    def test_names_the_opt_out_page_for_one_click_unsubscribe(self) -> None:
        built = build_message(email(), sender=SENDER)
        assert built["List-Unsubscribe"] == f"<{OPT_OUT}>"
        assert built["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    def test_without_an_opt_out_page_has_no_unsubscribe_headers(self) -> None:
        built = build_message(email(opt_out_url=""), sender=SENDER)
        assert (built["List-Unsubscribe"], built["List-Unsubscribe-Post"]) == (None, None)

    def test_is_plain_text_alone_without_html(self) -> None:
        built = build_message(email(), sender=SENDER)
        assert built.get_content_type() == "text/plain"
        assert built.get_content() == "Hello Pat.\n\nTo stop emails from us: " + OPT_OUT + "\n"

    def test_is_text_with_an_html_alternative_when_given_html(self) -> None:
        built = build_message(email(html="<p>Hello Pat.</p>"), sender=SENDER)
        assert built.get_content_type() == "multipart/alternative"
        parts = [(p.get_content_type(), p.get_content()) for p in built.iter_parts()]
        assert parts == [
            ("text/plain", "Hello Pat.\n\nTo stop emails from us: " + OPT_OUT + "\n"),
            ("text/html", "<p>Hello Pat.</p>\n"),
        ]

    def test_adds_extra_headers_but_not_over_its_own(self) -> None:
        built = build_message(email(headers=(("X-Campaign", "early-out"),)), sender=SENDER)
        assert built["X-Campaign"] == "early-out"
        with pytest.raises(ValueError, match="the sender sets Message-ID itself"):
            build_message(email(headers=(("Message-ID", "<x@y>"),)), sender=SENDER)

    @pytest.mark.parametrize("reference", ["../etc/passwd", "MSG 1", "", "MSG-1@x", ".hidden"])
    def test_refuses_a_reference_that_is_not_a_plain_token(self, reference: str) -> None:
        with pytest.raises(ValueError, match="a reference is letters"):
            message_id(reference, SENDER)

    def test_refuses_a_header_with_a_line_break(self) -> None:
        with pytest.raises(ValueError):
            build_message(email(subject="Hi\r\nBcc: everyone@example.com"), sender=SENDER)


class TestFakeSender:
    def test_keeps_what_it_accepts_in_order(self) -> None:
        fake = FakeEmailSender(sender=SENDER)
        first, second = fake.send(email()), fake.send(email(reference="MSG-000043"))
        assert (first.status, first.provider_id) == (SendStatus.ACCEPTED,
                                                     "<MSG-000042@arrears.example>")  # fmt: skip
        assert second.provider_id == "<MSG-000043@arrears.example>"
        assert [m.reference for m in fake.sent] == ["MSG-000042", "MSG-000043"]
        assert fake.messages[0]["List-Unsubscribe"] == f"<{OPT_OUT}>"
        assert fake.name == "fake"

    def test_refuses_an_address_it_is_told_to_as_smtp_would(self) -> None:
        fake = FakeEmailSender(rejecting=["Gone@Example.com"])
        result = fake.send(email(to="gone@example.com"))
        assert (result.status, result.error) == (SendStatus.REJECTED,
                                                 "550 5.1.1 mailbox unavailable (fake sender)")  # fmt: skip
        assert result.detail["smtp_code"] == "550"
        assert fake.sent == []

    def test_unreachable_is_an_error_and_keeps_nothing(self) -> None:
        fake = FakeEmailSender(reachable=False)
        result = fake.send(email())
        assert (result.status, result.error) == (SendStatus.ERROR,
                                                 "the fake mail server is unreachable")  # fmt: skip
        assert fake.sent == []

    def test_a_malformed_message_is_rejected_not_raised(self) -> None:
        result = FakeEmailSender().send(email(to="not an address"))
        assert result.status is SendStatus.REJECTED
        assert result.error.startswith("not a sendable message: not an email address")


class TestFileSender:
    def read(self, path: Path) -> EmailMessage:
        parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def test_writes_each_message_as_its_reference_dot_eml(self, tmp_path: Path) -> None:
        sender = FileEmailSender(tmp_path / "outbox", sender=SENDER)
        result = sender.send(email(html="<p>Hello Pat.</p>"))
        path = tmp_path / "outbox" / "MSG-000042.eml"
        assert (result.status, result.provider_id, result.detail) == (
            SendStatus.ACCEPTED, "<MSG-000042@arrears.example>", {"path": str(path)})  # fmt: skip
        written = self.read(path)
        assert written["Message-ID"] == "<MSG-000042@arrears.example>"
        assert written["List-Unsubscribe"] == f"<{OPT_OUT}>"
        assert written["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        body = written.get_body(preferencelist=("plain",))
        assert body is not None
        # Written as it goes over the wire: CRLF line ends.
        assert body.get_content() == "Hello Pat.\r\n\r\nTo stop emails from us: " + OPT_OUT + "\r\n"
        assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == ["MSG-000042.eml"]
        assert sender.name == "file"

    def test_sending_again_under_the_reference_replaces_the_file(self, tmp_path: Path) -> None:
        sender = FileEmailSender(tmp_path)
        sender.send(email(subject="First"))
        sender.send(email(subject="Second"))
        assert self.read(tmp_path / "MSG-000042.eml")["Subject"] == "Second"
        assert len(list(tmp_path.iterdir())) == 1

    def test_a_reference_that_would_leave_the_folder_is_rejected(self, tmp_path: Path) -> None:
        result = FileEmailSender(tmp_path / "outbox").send(email(reference="../escape"))
        assert result.status is SendStatus.REJECTED
        assert not (tmp_path / "escape.eml").exists()

    def test_a_folder_it_cannot_write_is_an_error(self, tmp_path: Path) -> None:
        blocker = tmp_path / "outbox"
        blocker.write_text("a file where the folder should be")
        result = FileEmailSender(blocker).send(email())
        assert result.status is SendStatus.ERROR
        assert result.error.startswith(f"cannot write {blocker / 'MSG-000042.eml'}")


class TestSmtpSenderSetUp:
    def test_starttls_and_tls_from_the_start_exclude_each_other(self) -> None:
        with pytest.raises(ValueError, match="exclude each other"):
            SmtpEmailSender("mail.example", 465, use_tls=True, use_ssl=True)

    def test_a_sender_without_an_address_is_refused_at_once(self) -> None:
        with pytest.raises(ValueError, match="not an email address"):
            SmtpEmailSender("mail.example", sender="Arrears")
