"""An offline dialer: it places nothing, and answers as a dialer would.

Deterministic, so a demo and a test can say what will happen: every call is "placed", with a
call id made from our reference (the same reference gives the same id, as a dialer's idempotent
request would), except to a number ending in ``0000``, which fails as a dialer fails for a line
it cannot get. Each instance keeps the calls it placed, in order, in ``placed``; the settings'
dialer is made once per process, so a test reads ``dialer().placed`` after clearing the cache.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from arrears.core.work.dialing import DialResult, DialStatus

CALL_PREFIX = "fake-"
NO_LINE = "no line available (fake dialer: numbers ending 0000 fail)"


@dataclass(frozen=True)
class PlacedCall:
    agent: str
    to: str
    reference: str
    call_id: str


class FakeDialer:
    name = "fake"

    def __init__(self) -> None:
        self.placed: list[PlacedCall] = []

    def place_call(self, *, agent: str, to: str, reference: str) -> DialResult:
        call_id = CALL_PREFIX + hashlib.sha256(reference.encode()).hexdigest()[:16]
        if to.endswith("0000"):
            return DialResult(status=DialStatus.FAILED, call_id=call_id, detail=NO_LINE)
        self.placed.append(PlacedCall(agent=agent, to=to, reference=reference, call_id=call_id))
        return DialResult(status=DialStatus.PLACED, call_id=call_id)
