"""One ``OutboundEmail`` as the MIME message every sender hands on.

The ``Message-ID`` is made from our reference (``<MSG-...@our-domain>``), so a bounce, which
quotes the original headers, leads back to the message; ``X-Arrears-Reference`` carries the
reference too, because some providers replace the ``Message-ID`` with their own. With an
opt-out page, ``List-Unsubscribe`` names it and ``List-Unsubscribe-Post`` says that a bare POST
to it unsubscribes (RFC 8058), which lets mail clients show their own "Unsubscribe" button.

Anything that cannot be a well-formed message (a reference that is not a plain token, an
address without ``@``, a header value with a line break) is a ``ValueError``: the senders turn
it into a refusal rather than send something malformed.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from arrears.core.messaging import OutboundEmail

DEFAULT_SENDER = "Arrears <no-reply@localhost>"
REFERENCE_HEADER = "X-Arrears-Reference"
# A reference goes into the Message-ID and, for the file sender, a file name: letters, digits,
# dot, dash and underscore only, starting with a letter or digit.
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
# Headers the sender sets itself; a message may not set them again through ``headers``.
_OWN = frozenset({
    "from", "to", "subject", "date", "message-id", "mime-version", "content-type",
    "content-transfer-encoding", "list-unsubscribe", "list-unsubscribe-post",
    REFERENCE_HEADER.lower(),
})  # fmt: skip


def address_of(sender: str) -> str:
    """The bare address of ``Name <addr>`` (the SMTP envelope's sender)."""
    address = parseaddr(sender)[1]
    if "@" not in address:
        raise ValueError(f"not an email address: {sender!r}")
    return address


def message_id(reference: str, sender: str) -> str:
    """``<reference@domain of the sender>``: unique as long as our references are."""
    if not _REFERENCE.fullmatch(reference):
        raise ValueError(f"a reference is letters, digits, '.', '-' and '_': {reference!r}")
    domain = address_of(sender).rpartition("@")[2]
    return f"<{reference}@{domain}>"


def build_message(message: OutboundEmail, *, sender: str) -> EmailMessage:
    """The MIME message: plain text, with an HTML alternative when there is one."""
    address_of(message.to)
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = message_id(message.reference, sender)
    email[REFERENCE_HEADER] = message.reference
    if message.opt_out_url:
        email["List-Unsubscribe"] = f"<{message.opt_out_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in message.headers:
        if name.strip().lower() in _OWN:
            raise ValueError(f"the sender sets {name} itself")
        email[name] = value
    email.set_content(message.text)
    if message.html is not None:
        email.add_alternative(message.html, subtype="html")
    return email
