"""An offline SMS sender: texts go to an in-memory outbox, and nobody's phone rings.

Deterministic, so a demo and a test can say what will happen: a number in ``rejecting`` is
refused for good, as Twilio refuses a number that cannot receive texts (code 21614, not a
mobile number, unless another code is given for it); ``reachable = False`` makes every send an
``ERROR`` and keeps nothing, as an outage would. Every other text is accepted and kept in
``outbox``, in order, with an id (``SMfake...``) made from its reference, so the same message
sent again gets the same id. (The settings' sender is made once per process: a development
server's outbox grows until it stops; a test that reads an outbox makes its own sender.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from arrears.core.messaging import OutboundSms, SendResult, SendStatus

PREFIX = "SMfake"
NOT_MOBILE = "21614"


class FakeSmsSender:
    name = "fake"

    def __init__(self, *, rejecting: Iterable[str] | Mapping[str, str] = ()) -> None:
        self.outbox: list[OutboundSms] = []
        # By E.164 number: the Twilio error code it is refused with.
        self.rejecting: dict[str, str] = (
            dict(rejecting) if isinstance(rejecting, Mapping)
            else dict.fromkeys(rejecting, NOT_MOBILE)
        )  # fmt: skip
        self.reachable = True

    @staticmethod
    def provider_id(reference: str) -> str:
        return PREFIX + hashlib.sha256(reference.encode()).hexdigest()[: 34 - len(PREFIX)]

    def send(self, message: OutboundSms) -> SendResult:
        if not self.reachable:
            return SendResult(SendStatus.ERROR, error="the fake SMS sender is unreachable",
                              detail={"code": "no_answer"})  # fmt: skip
        code = self.rejecting.get(message.to)
        if code is not None:
            return SendResult(SendStatus.REJECTED, error=f"{message.to} cannot receive texts "
                              "(fake SMS sender)", detail={"code": code})  # fmt: skip
        self.outbox.append(message)
        return SendResult(SendStatus.ACCEPTED, provider_id=self.provider_id(message.reference),
                          detail={"status": "queued"})  # fmt: skip
