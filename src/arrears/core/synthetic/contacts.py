"""Synthetic compliance snapshots with realistic contact histories, for the benchmark (pure).

The mix follows a working agency portfolio: most consumers in one time zone, some with a phone
from another; states in rough proportion to population, with the state and city packs (MA, NYC,
WA, CA) at their share; about a third never reached, most with a handful of dialer attempts in
the last month, a few worked hard; a few percent with holds, disputes, opt-outs or named
inconvenient times. Requests are mostly calls at moments spread over the dialling day, some just
outside it. Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from arrears.core.compliance.model import (
    Attempt,
    Channel,
    CollectorKind,
    ContactPointState,
    ContactRequest,
    ContactSnapshot,
    Direction,
    HoldState,
    InconvenientTime,
    Outcome,
    ValidationState,
)

# (jurisdictions, zone, weight in percent): the pack states, then the rest of the country.
_PLACES: tuple[tuple[frozenset[str], str, float], ...] = (
    (frozenset({"US", "US-CA"}), "America/Los_Angeles", 11.7),
    (frozenset({"US", "US-TX"}), "America/Chicago", 9.0),
    (frozenset({"US", "US-FL"}), "America/New_York", 6.7),
    (frozenset({"US", "US-NY", "US-NY-NYC"}), "America/New_York", 2.5),
    (frozenset({"US", "US-NY"}), "America/New_York", 3.4),
    (frozenset({"US", "US-PA"}), "America/New_York", 3.9),
    (frozenset({"US", "US-IL"}), "America/Chicago", 3.8),
    (frozenset({"US", "US-OH"}), "America/New_York", 3.5),
    (frozenset({"US", "US-GA"}), "America/New_York", 3.3),
    (frozenset({"US", "US-NC"}), "America/New_York", 3.2),
    (frozenset({"US", "US-MI"}), "America/Detroit", 3.0),
    (frozenset({"US", "US-WA"}), "America/Los_Angeles", 2.3),
    (frozenset({"US", "US-MA"}), "America/New_York", 2.1),
    (frozenset({"US", "US-AZ"}), "America/Phoenix", 2.2),
    (frozenset({"US", "US-CO"}), "America/Denver", 1.8),
    (frozenset({"US", "US-HI"}), "Pacific/Honolulu", 0.4),
    (frozenset({"US", "US-AK"}), "America/Anchorage", 0.2),
    (frozenset({"US"}), "America/New_York", 18.0),
    (frozenset({"US"}), "America/Chicago", 12.0),
    (frozenset({"US"}), "America/Denver", 2.0),
    (frozenset({"US"}), "America/Los_Angeles", 5.0),
)
_OTHER_ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
_CALL_OUTCOMES = (
    (Outcome.NO_ANSWER, 50), (Outcome.VOICEMAIL_LEFT, 25), (Outcome.NOT_CONNECTED, 10),
    (Outcome.CONVERSATION, 8), (Outcome.WRONG_PARTY, 7),
)  # fmt: skip
_COLLECTORS = ((CollectorKind.AGENCY, 70.0), (CollectorKind.DEBT_BUYER, 15.0),
               (CollectorKind.FIRST_PARTY, 15.0))  # fmt: skip
_HOLDS = ("dispute", "cease", "bankruptcy", "attorney", "deceased", "identity_theft", "military")


def _pick[T](rng: random.Random, weighted: tuple[tuple[T, float], ...]) -> T:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _attempt_count(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.30:
        return 0
    if roll < 0.60:
        return rng.randint(1, 3)
    if roll < 0.85:
        return rng.randint(4, 8)
    return rng.randint(9, 20)


def synthetic_snapshot(rng: random.Random, account_id: int, *, today: date) -> ContactSnapshot:
    jurisdictions, home_zone, _ = rng.choices(_PLACES, weights=[w for *_, w in _PLACES])[0]
    zones: tuple[str, ...] = (home_zone,)
    if rng.random() < 0.10:
        other = rng.choice(_OTHER_ZONES)
        if other != home_zone:
            zones = (home_zone, other)
    tz = ZoneInfo(home_zone)
    points = []
    if rng.random() < 0.70:
        points.append(ContactPointState(id="m", kind="phone", phone_type="mobile",
                                        sms_consent=rng.random() < 0.3,
                                        autodial_consent=rng.random() < 0.6))  # fmt: skip
    if rng.random() < 0.40:
        points.append(ContactPointState(id="h", kind="phone", phone_type="home"))
    if rng.random() < 0.15:
        points.append(ContactPointState(id="w", kind="phone", phone_type="work", workplace=True))
    if rng.random() < 0.50:
        opted = frozenset({Channel.EMAIL}) if rng.random() < 0.04 else frozenset()
        points.append(ContactPointState(id="e", kind="email", opted_out=opted))
    if rng.random() < 0.95:
        points.append(ContactPointState(id="a", kind="address"))
    phones = [p for p in points if p.kind == "phone"]
    attempts = []
    for _ in range(_attempt_count(rng)):
        day = today - timedelta(days=rng.randint(1, 30))
        at = datetime.combine(day, time(rng.randint(8, 20), rng.randint(0, 59)), tzinfo=tz)
        roll = rng.random()
        if roll < 0.80:
            channel, direction, outcome = (
                Channel.CALL,
                Direction.OUTBOUND,
                _pick(rng, _CALL_OUTCOMES),
            )
        elif roll < 0.88:
            channel, direction, outcome = Channel.SMS, Direction.OUTBOUND, Outcome.DELIVERED
        elif roll < 0.93:
            channel, direction, outcome = Channel.EMAIL, Direction.OUTBOUND, Outcome.SENT
        elif roll < 0.98:
            channel, direction, outcome = Channel.LETTER, Direction.OUTBOUND, Outcome.SENT
        else:
            channel, direction, outcome = Channel.CALL, Direction.INBOUND, Outcome.CONVERSATION
        phone_type = rng.choice(phones).phone_type if phones and channel != Channel.EMAIL else ""
        attempts.append(Attempt(at=at, channel=channel, direction=direction, outcome=outcome,
                                phone_type=phone_type))  # fmt: skip
    attempts.sort(key=lambda a: a.at)
    holds: tuple[HoldState, ...] = ()
    if rng.random() < 0.04:
        starts = today - timedelta(days=rng.randint(1, 200))
        ends = starts + timedelta(days=rng.randint(10, 400)) if rng.random() < 0.4 else None
        holds = (HoldState(kind=rng.choice(_HOLDS), starts_on=starts, ends_on=ends),)
    validation = ValidationState()
    if rng.random() < 0.30:
        sent = today - timedelta(days=rng.randint(1, 60))
        disputed = sent + timedelta(days=rng.randint(5, 30)) if rng.random() < 0.07 else None
        validation = ValidationState(
            notice_sent_on=sent, period_ends_on=sent + timedelta(days=37),
            disputed_on=disputed if disputed and disputed <= today else None,
            dispute_in_writing=rng.random() < 0.5,
        )  # fmt: skip
    inconvenient: tuple[InconvenientTime, ...] = ()
    if rng.random() < 0.02:
        inconvenient = (InconvenientTime(weekdays=frozenset(range(5)), start=time(9),
                                         end=time(17)),)  # fmt: skip
    return ContactSnapshot(
        account_id=account_id,
        collector_kind=_pick(rng, _COLLECTORS),
        jurisdictions=jurisdictions,
        zones=zones,
        holds=holds,
        contact_points=tuple(points),
        attempts=tuple(attempts),
        inconvenient=inconvenient,
        no_workplace_contact=rng.random() < 0.05,
        validation=validation,
        limitation_starts_on=today - timedelta(days=rng.randint(200, 8 * 365)),
        day_zone=home_zone,
    )


def synthetic_request(rng: random.Random, *, today: date) -> ContactRequest:
    """A contact a queue or dialer would ask about: mostly calls, 07:00-22:00 in New York."""
    channel = _pick(rng, ((Channel.CALL, 70), (Channel.SMS, 10), (Channel.EMAIL, 10),
                          (Channel.LETTER, 10)))  # fmt: skip
    at = datetime.combine(today, time(7), tzinfo=ZoneInfo("America/New_York")) + timedelta(
        minutes=rng.randint(0, 15 * 60 - 1)
    )
    return ContactRequest(channel=channel, at=at)


def synthetic_workload(
    count: int, *, seed: int, today: date
) -> Iterator[tuple[ContactSnapshot, ContactRequest]]:
    rng = random.Random(seed)
    for account_id in range(1, count + 1):
        yield synthetic_snapshot(rng, account_id, today=today), synthetic_request(rng, today=today)
