"""Dialing: which of a consumer's numbers to try first, how a number is shown to a collector,
and what a dialer says when it is asked to place a call (the ``Dialer`` port's result)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Numbers most likely to reach the consumer themselves first: a verified number before an
# unverified one; a mobile, then home, then any other, and a work number last (calls at work
# are the likeliest to be unwelcome or forbidden); one with consent to be called before one
# without; then the oldest on file.
_STATUS_ORDER = {"valid": 0, "unverified": 1}
_TYPE_ORDER = {"mobile": 0, "home": 1, "other": 2, "": 3, "work": 4}


def phone_priority(*, status: str, phone_type: str, consent: bool, pk: int) -> tuple[int, ...]:
    """A sort key: the best number to dial first sorts first."""
    return (_STATUS_ORDER.get(status, 2), _TYPE_ORDER.get(phone_type, 3), 0 if consent else 1, pk)


def mask_phone(e164: str) -> str:
    """A number as a collector sees it before dialing: the area code and the last four digits
    ('+1 716 ***-0100'); the dialer, not the screen, holds the whole number."""
    digits = e164.removeprefix("+")
    if e164.startswith("+1") and len(digits) == 11:
        return f"+1 {digits[1:4]} ***-{digits[7:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    return f"+{digits[:2]} ***{digits[-4:]}"


class DialStatus(StrEnum):
    PLACED = "placed"  # the dialer is ringing the number and will connect the collector
    FAILED = "failed"  # it could not place the call (no line, the agent not logged in ...)


@dataclass(frozen=True)
class DialResult:
    status: DialStatus
    call_id: str  # the dialer's id for the call: its disposition comes back under it
    detail: str = ""

    @property
    def placed(self) -> bool:
        return self.status is DialStatus.PLACED
