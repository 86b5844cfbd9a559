"""Builders for compliance snapshots and requests, in New York time unless said otherwise."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from arrears.core.compliance import (
    Attempt,
    Channel,
    CollectorKind,
    ContactPointState,
    ContactRequest,
    ContactSnapshot,
    PackSet,
    shipped_packs,
)

NY = ZoneInfo("America/New_York")
PACKS = PackSet(shipped_packs())

MOBILE = ContactPointState(id="p1", kind="phone", phone_type="mobile", sms_consent=True)
HOME = ContactPointState(id="p2", kind="phone", phone_type="home")
WORK = ContactPointState(id="p3", kind="phone", phone_type="work")
EMAIL = ContactPointState(id="e1", kind="email")
ADDRESS = ContactPointState(id="a1", kind="address")


def at(text: str) -> datetime:
    """'2026-11-23 10:00' in New York time."""
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def snapshot(**changes: Any) -> ContactSnapshot:
    base = ContactSnapshot(
        account_id=1,
        collector_kind=CollectorKind.AGENCY,
        jurisdictions=frozenset({"US"}),
        zones=("America/New_York",),
        contact_points=(MOBILE, HOME, WORK, EMAIL, ADDRESS),
    )
    return replace(base, **changes)


def request(
    channel: Channel | str = Channel.CALL, when: str = "2026-11-23 10:00", **kw: Any
) -> ContactRequest:
    return ContactRequest(channel=Channel(channel), at=at(when), **kw)


def calls(*moments: str, **kw: Any) -> tuple[Attempt, ...]:
    return tuple(Attempt(at=at(m), channel=Channel.CALL, **kw) for m in moments)
