"""The checks rule packs refer to by name. Each judges one rule against a snapshot and a request.

A check returns a verdict, a message a collector can read, and for a block the exact moment the
rule stops blocking on the history as it stands (``None`` when no end is known: a cease, an open
bankruptcy). "Exact" matters: the evaluator chains these moments to find the earliest allowed
one, and the rule must block at every instant before it. Day counts use the calendar days of
``snapshot.day_zone``; times of day use every candidate zone of the consumer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from arrears.core.compliance.model import (
    PHONE_CHANNELS,
    Channel,
    ContactPointState,
    ContactRequest,
    ContactSnapshot,
    Direction,
    Outcome,
    Purpose,
    Recipient,
    Verdict,
)

if TYPE_CHECKING:  # packs imports this module to check rule names
    from arrears.core.compliance.packs import Rule

Result = tuple[Verdict, str, datetime | None]
CheckFn = Callable[["Rule", ContactSnapshot, ContactRequest], Result]


@dataclass(frozen=True)
class Check:
    fn: CheckFn
    effect: str  # "block" or "require"
    params: tuple[str, ...]


CHECKS: dict[str, Check] = {}


def _check(
    name: str, *, effect: str = "block", params: tuple[str, ...] = ()
) -> Callable[[CheckFn], CheckFn]:
    def register(fn: CheckFn) -> CheckFn:
        CHECKS[name] = Check(fn=fn, effect=effect, params=params)
        return fn

    return register


# --- time helpers ---------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day(at: datetime, zone_name: str) -> date:
    return at.astimezone(zone(zone_name)).date()


def start_of_day(day: date, zone_name: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone(zone_name))


@lru_cache(maxsize=64)
def _hhmm(text: str) -> time:
    hours, _, minutes = str(text).partition(":")
    return time(int(hours), int(minutes or 0))


def _fmt(at: datetime, zone_name: str) -> str:
    return at.astimezone(zone(zone_name)).strftime("%Y-%m-%d %H:%M %Z")


# --- who and what counts ----------------------------------------------------------------------------

_TO_CONSUMER = (Recipient.CONSUMER, Recipient.REPRESENTATIVE)
_TEXT_OR_PHONE = PHONE_CHANNELS | {Channel.SMS}


def _not_to_consumer(req: ContactRequest) -> bool:
    return req.recipient not in _TO_CONSUMER


def _has_call_consent(snap: ContactSnapshot, at: datetime) -> bool:
    return snap.call_consent_until is not None and at < snap.call_consent_until


def _uncounted_call(snap: ContactSnapshot, req: ContactRequest) -> Result | None:
    """The Reg F exclusions a proposed call can claim: not to the consumer, or with consent."""
    if _not_to_consumer(req):
        return Verdict.EXEMPT, f"a call to the {req.recipient.value} is not counted", None
    if _has_call_consent(snap, req.at):
        return Verdict.EXEMPT, "placed with the consumer's direct prior consent: not counted", None
    return None


def _rolling_block(
    days_with_attempts: list[date], *, today: date, limit: int, days: int, zone_name: str
) -> tuple[int, datetime | None]:
    """How many counted attempts fall in the ``days`` calendar days ending today, and, when
    another would exceed ``limit``, the start of the first day it would not."""
    window_start = today - timedelta(days=days - 1)
    recent = sorted((d for d in days_with_attempts if window_start <= d <= today), reverse=True)
    if len(recent) < limit:
        return len(recent), None
    # The window must lose the limit-th most recent attempt: it leaves ``days`` days after.
    return len(recent), start_of_day(recent[limit - 1] + timedelta(days=days), zone_name)


def _targets(snap: ContactSnapshot, req: ContactRequest) -> list[ContactPointState]:
    """The contact points the request may use: the one named, else every usable one that fits."""
    if req.contact_point_id is not None:
        return [p for p in snap.contact_points if p.id == req.contact_point_id]
    kind = {
        Channel.CALL: "phone", Channel.VOICEMAIL: "phone", Channel.SMS: "phone",
        Channel.EMAIL: "email", Channel.LETTER: "address", Channel.VISIT: "address",
    }.get(req.channel)  # fmt: skip
    return [p for p in snap.contact_points if p.kind == kind and p.usable]


def _same_medium(channel: Channel, opted_out: frozenset[Channel]) -> bool:
    if not opted_out:
        return False
    if channel in PHONE_CHANNELS:
        return not opted_out.isdisjoint(PHONE_CHANNELS)
    return channel in opted_out


# --- Regulation F call frequency ---------------------------------------------------------------------


@_check("call_frequency", params=("max_calls", "days"))
def call_frequency(rule: Rule, snap: ContactSnapshot, req: ContactRequest) -> Result:
    limit, days = int(rule.params["max_calls"]), int(rule.params["days"])
    if (exempt := _uncounted_call(snap, req)) is not None:
        return exempt
    counted = [
        day
        for a, day in zip(snap.attempts, snap.attempt_days, strict=True)
        if a.at <= req.at
        and a.channel in PHONE_CHANNELS
        and a.direction is Direction.OUTBOUND
        and a.recipient in _TO_CONSUMER
        and a.outcome is not Outcome.NOT_CONNECTED
        and not a.with_consent
    ]
    today = local_day(req.at, snap.day_zone)
    count, until = _rolling_block(
        counted, today=today, limit=limit, days=days, zone_name=snap.day_zone
    )
    if until is None:
        return Verdict.PASS, f"{count} of {limit} counted calls in the {days} days to {today}", None
    return (
        Verdict.BLOCK,
        f"{count} counted calls in the {days} days to {today} (limit {limit}); "
        f"next call from {_fmt(until, snap.day_zone)}",
        until,
    )


@_check("call_after_conversation", params=("days",))
def call_after_conversation(rule: Rule, snap: ContactSnapshot, req: ContactRequest) -> Result:
    days = int(rule.params["days"])
    if (exempt := _uncounted_call(snap, req)) is not None:
        return exempt
    conversations = [
        day
        for a, day in zip(snap.attempts, snap.attempt_days, strict=True)
        if a.at <= req.at
        and a.channel in PHONE_CHANNELS
        and a.outcome is Outcome.CONVERSATION
        and a.recipient in _TO_CONSUMER
    ]
    if not conversations:
        return Verdict.PASS, "no telephone conversation about this debt yet", None
    last = max(conversations)
    until = start_of_day(last + timedelta(days=days), snap.day_zone)
    if req.at < until:
        return (
            Verdict.BLOCK,
            f"telephone conversation on {last}; no call until {last + timedelta(days=days)}",
            until,
        )
    return Verdict.PASS, f"last telephone conversation on {last}, more than {days} days ago", None


# --- time and place ---------------------------------------------------------------------------------


@_check("local_time_window", params=("start", "end", "unknown_location_zones"))
def local_time_window(rule: Rule, snap: ContactSnapshot, req: ContactRequest) -> Result:
    start, end = _hhmm(rule.params["start"]), _hhmm(rule.params["end"])
    zones = snap.zones or tuple(rule.params["unknown_location_zones"])
    where = "every candidate zone" if snap.zones else "every US zone (location unknown)"

    def outside(at: datetime) -> list[str]:
        return [z for z in zones if not (start <= at.astimezone(zone(z)).time() < end)]

    if not outside(req.at):
        return Verdict.PASS, f"within {start:%H:%M}-{end:%H:%M} in {where}", None
    at = req.at
    for _ in range(16):
        late = outside(at)
        if not late:
            names = ", ".join(outside(req.at))
            return (
                Verdict.BLOCK,
                f"outside {start:%H:%M}-{end:%H:%M} local time in {names}; "
                f"next from {_fmt(at, zones[0])}",
                at,
            )
        openings = []
        for name in late:
            local = at.astimezone(zone(name))
            day = local.date() if local.time() < start else local.date() + timedelta(days=1)
            openings.append(datetime.combine(day, start, tzinfo=zone(name)))
        at = max(openings)
    return Verdict.BLOCK, f"no moment is within {start:%H:%M}-{end:%H:%M} in {where}", None


@_check("consumer_inconvenient_times")
def consumer_inconvenient_times(rule: Rule, snap: ContactSnapshot, req: ContactRequest) -> Result:
    zones = snap.zones or (snap.day_zone,)
    ends: list[datetime] = []
    for window in snap.inconvenient:
        if window.channels and req.channel not in window.channels:
            continue
        for name in zones:
            local = req.at.astimezone(zone(name))
            now = local.time()
            crosses = window.end <= window.start
            if not crosses:
                if local.weekday() in window.weekdays and window.start <= now < window.end:
                    ends.append(datetime.combine(local.date(), window.end, tzinfo=zone(name)))
            elif now >= window.start and local.weekday() in window.weekdays:
                nxt = local.date() + timedelta(days=1)
                ends.append(datetime.combine(nxt, window.end, tzinfo=zone(name)))
            elif now < window.end and (local.weekday() - 1) % 7 in window.weekdays:
                ends.append(datetime.combine(local.date(), window.end, tzinfo=zone(name)))
    if not ends:
        if not snap.inconvenient:
            return Verdict.PASS, "the consumer has named no inconvenient times", None
        return Verdict.PASS, "outside the times the consumer named as inconvenient", None
    until = max(ends)
    return (
        Verdict.BLOCK,
        f"the consumer said this time is inconvenient, until {_fmt(until, zones[0])}",
        until,
    )


@_check("workplace")
def workplace(rule: Rule, snap: ContactSnapshot, req: ContactRequest) -> Result:
    targets = _targets(snap, req) if req.contact_point_id is not None else []
    at_work = [p for p in targets if p.workplace or p.phone_type == "work"]
    if not at_work:
        return Verdict.PASS, "not a workplace contact", None
    if snap.no_workplace_contact:
        return Verdict.BLOCK, "workplace contact is not allowed for this consumer", None
    return Verdict.PASS, "workplace contact: no known prohibition", None


# --- holds and validation ---------------------------------------------------------------------------


@_check("hold", params=("hold",))
def hold(rule: Rule, snap: ContactSnapshot, req: ContactRequest) -> Result:
    kind = str(rule.params["hold"])
    if not snap.holds:
        return Verdict.PASS, f"no {kind.replace('_', ' ')} hold", None
    today = local_day(req.at, snap.day_zone)
    covering = [h for h in snap.holds if h.kind == kind and h.covers(today)]
    label = kind.replace("_", " ")
    if not covering:
        return Verdict.PASS, f"no {label} hold", None
    if req.purpose.value in rule.params.get("except_purposes", []):
        return Verdict.EXEMPT, f"{label} hold: a {req.purpose.value} message is allowed", None
    if req.recipient.value in rule.params.get("except_recipients", []):
        return (
            Verdict.EXEMPT,
            f"{label} hold: contact with the {req.recipient.value} is allowed",
            None,
        )
    if any(h.ends_on is None for h in covering):
        return Verdict.BLOCK, f"{label} hold since {min(h.starts_on for h in covering)}", None
    ends = max(h.ends_on for h in covering if h.ends_on is not None)
    until = start_of_day(ends, snap.day_zone)
    return Verdict.BLOCK, f"{label} hold until {ends}", until


@_check("validation_halt")
def validation_halt(rule: Rule, snap: ContactSnapshot, req: ContactRequest) -> Result:
    v = snap.validation
    today = local_day(req.at, snap.day_zone)
    if req.purpose.value in rule.params.get("except_purposes", []):
        return Verdict.EXEMPT, f"a {req.purpose.value} message is allowed during a halt", None
    halts: list[str] = []
    for what, on, written in (
        ("dispute", v.disputed_on, v.dispute_in_writing),
        ("request for the original creditor", v.original_creditor_requested_on,
         v.request_in_writing),
    ):  # fmt: skip
        if on is None or on > today or not written:
            continue
        if v.period_ends_on is None or on > v.period_ends_on:
            continue  # outside the validation period: no halt (still reported as disputed)
        if v.verification_sent_on is not None and on <= v.verification_sent_on <= today:
            continue
        halts.append(f"written {what} on {on}, within the validation period")
    if halts:
        return Verdict.BLOCK, "; ".join(halts) + ": collection halts until the answer is sent", None
    return Verdict.PASS, "no unanswered written dispute or request in the validation period", None


# --- media, consent and opt-outs --------------------------------------------------------------------


@_check("medium_opt_out")
def medium_opt_out(rule: Rule, snap: ContactSnapshot, req: ContactRequest) -> Result:
    if req.purpose is Purpose.OPT_OUT_CONFIRMATION:
        return Verdict.EXEMPT, "one confirmation of an opt-out is allowed", None
    if _same_medium(req.channel, snap.opted_out):
        return Verdict.BLOCK, f"the consumer asked us not to use {req.channel.value}", None
    targets = _targets(snap, req)
    if targets and all(_same_medium(req.channel, p.opted_out) for p in targets):
        which = "this contact point" if req.contact_point_id else "every contact point"
        return Verdict.BLOCK, f"{which} opted out of {req.channel.value}", None
    return Verdict.PASS, f"no opt-out of {req.channel.value}", None


@_check("sms_consent")
def sms_consent(rule: Rule, snap: ContactSnapshot, req: ContactRequest) -> Result:
    usable = [
        p for p in _targets(snap, req)
        if p.kind == "phone" and p.sms_consent and Channel.SMS not in p.opted_out
    ]  # fmt: skip
    if usable:
        return Verdict.PASS, "texting consent on file for " + ", ".join(p.id for p in usable), None
    return Verdict.BLOCK, "no number with consent to text", None


@_check("automated_call_consent")
def automated_call_consent(rule: Rule, snap: ContactSnapshot, req: ContactRequest) -> Result:
    if not req.automated:
        return Verdict.PASS, "manually dialled, no recorded voice", None
    targets = _targets(snap, req)
    fine = [p for p in targets if p.phone_type != "mobile" or p.autodial_consent]
    if fine:
        return Verdict.PASS, "prior express consent or not a mobile number", None
    return Verdict.BLOCK, "automated or recorded call to a mobile number without consent", None


# --- time-barred debt -------------------------------------------------------------------------------


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def barred_since(rule: Rule, snap: ContactSnapshot) -> date | None:
    """The first day a time-barred rule bars the debt; None while the period's start is unknown."""
    if snap.limitation_starts_on is None:
        return None
    return _add_years(snap.limitation_starts_on, int(rule.params["years"]))


@_check("time_barred_suit", params=("years",))
def time_barred_suit(rule: Rule, snap: ContactSnapshot, req: ContactRequest) -> Result:
    if snap.limitation_starts_on is None:
        return Verdict.BLOCK, "the limitation period's start is unknown: confirm it first", None
    barred = barred_since(rule, snap)
    assert barred is not None
    if local_day(req.at, snap.day_zone) >= barred:
        return Verdict.BLOCK, f"time-barred since {barred}: no suit and no threat of suit", None
    return Verdict.PASS, f"within the limitation period (to {barred})", None


@_check("time_barred_disclosure", effect="require", params=("years", "text"))
def time_barred_disclosure(rule: Rule, snap: ContactSnapshot, req: ContactRequest) -> Result:
    barred = barred_since(rule, snap)
    if barred is not None and local_day(req.at, snap.day_zone) >= barred:
        return Verdict.REQUIRE, _worded(rule, snap), None
    return Verdict.PASS, "not time-barred: no disclosure needed", None


@_check("content", effect="require", params=("text",))
def content(rule: Rule, snap: ContactSnapshot, req: ContactRequest) -> Result:
    return Verdict.REQUIRE, _worded(rule, snap), None


def _worded(rule: Rule, snap: ContactSnapshot) -> str:
    """The rule's required wording, with ``{collector}`` naming who collects."""
    return str(rule.params["text"]).replace("{collector}", snap.collector_name)


# --- caps on attempts (state and local rules) -------------------------------------------------------


@_check("attempt_cap", params=("max", "days", "count_channels"))
def attempt_cap(rule: Rule, snap: ContactSnapshot, req: ContactRequest) -> Result:
    limit, days = int(rule.params["max"]), int(rule.params["days"])
    # Lists of names, compared with the str-valued enums as they are: this check runs often.
    counted_channels = rule.params["count_channels"]
    phone_types = rule.params.get("phone_types", ())
    excluded_purposes = rule.params.get("exclude_purposes", ())
    if _not_to_consumer(req):
        return Verdict.EXEMPT, f"contact with the {req.recipient.value} is not counted", None
    if req.purpose in excluded_purposes:
        return Verdict.EXEMPT, f"a {req.purpose.value} message is not counted", None
    if phone_types and req.contact_point_id is not None:
        types = {p.phone_type for p in _targets(snap, req)}
        if types and not types & set(phone_types):
            return Verdict.EXEMPT, "this cap covers other numbers", None
    counted = [
        day
        for a, day in zip(snap.attempts, snap.attempt_days, strict=True)
        if a.at <= req.at
        and a.channel in counted_channels
        and a.direction is Direction.OUTBOUND
        and a.recipient in _TO_CONSUMER
        and a.outcome is not Outcome.NOT_CONNECTED
        and a.purpose not in excluded_purposes
        and (not phone_types or a.channel not in _TEXT_OR_PHONE or a.phone_type in phone_types)
    ]
    today = local_day(req.at, snap.day_zone)
    count, until = _rolling_block(
        counted, today=today, limit=limit, days=days, zone_name=snap.day_zone
    )
    if until is None:
        return (
            Verdict.PASS,
            f"{count} of {limit} counted attempts in the {days} days to {today}",
            None,
        )
    return (
        Verdict.BLOCK,
        f"{count} counted attempts in the {days} days to {today} (limit {limit}); "
        f"next from {_fmt(until, snap.day_zone)}",
        until,
    )


def at_moment(req: ContactRequest, at: datetime) -> ContactRequest:
    return req if req.at == at else replace(req, at=at)
