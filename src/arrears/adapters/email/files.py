"""Email "sent" into a folder: each message written as ``<reference>.eml``.

For development and the demo: nothing leaves the machine, and a developer opens the file in a
mail client (or reads it) to see exactly what SMTP would have carried, headers and opt-out link
included. Sending again under the same reference (after an ``ERROR``) replaces the file.
"""

from __future__ import annotations

import os
import tempfile
from email import policy
from pathlib import Path

from arrears.adapters.email.message import DEFAULT_SENDER, build_message
from arrears.core.messaging import OutboundEmail, SendResult, SendStatus


class FileEmailSender:
    name = "file"

    def __init__(self, directory: str | Path, sender: str = DEFAULT_SENDER) -> None:
        self.directory = Path(directory)
        self.sender = sender

    def path_of(self, reference: str) -> Path:
        return self.directory / f"{reference}.eml"

    def send(self, message: OutboundEmail) -> SendResult:
        try:
            # The reference is checked here (a plain token), so it is a safe file name too.
            email = build_message(message, sender=self.sender)
        except ValueError as exc:
            return SendResult(SendStatus.REJECTED, error=f"not a sendable message: {exc}"[:300])
        path = self.path_of(message.reference)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".part-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(email.as_bytes(policy=policy.SMTP))
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            return SendResult(SendStatus.ERROR, error=f"cannot write {path}: {exc}"[:300])
        return SendResult(
            SendStatus.ACCEPTED, provider_id=str(email["Message-ID"]), detail={"path": str(path)}
        )
