"""The values the compliance evaluator judges and the Decision it returns.

A service builds a ``ContactSnapshot`` of one debt (holds, where the consumer may be, contact
points with consent and opt-outs, the contact history) and asks about one ``ContactRequest``:
a channel at a moment, to a recipient, for a purpose. Everything here is immutable and
timezone-aware; nothing reads a clock or a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from functools import cached_property
from typing import NamedTuple
from zoneinfo import ZoneInfo


class Channel(StrEnum):
    CALL = "call"
    VOICEMAIL = "voicemail"
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"
    VISIT = "visit"
    SUIT = "suit"  # bringing or threatening legal action


PHONE_CHANNELS = frozenset({Channel.CALL, Channel.VOICEMAIL})
ELECTRONIC_CHANNELS = frozenset({Channel.SMS, Channel.EMAIL})


class Direction(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class Outcome(StrEnum):
    CONVERSATION = "conversation"  # spoke with the consumer about the debt
    NO_ANSWER = "no_answer"
    VOICEMAIL_LEFT = "voicemail_left"
    NOT_CONNECTED = "not_connected"  # busy signal, network failure: never reached the number
    WRONG_PARTY = "wrong_party"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERABLE = "undeliverable"  # bounced email, failed text, returned mail
    RECEIVED = "received"  # an inbound text, email or letter from the consumer


# The outcomes each channel can have; anything else is a recording mistake.
CHANNEL_OUTCOMES: dict[Channel, frozenset[Outcome]] = {
    Channel.CALL: frozenset({Outcome.CONVERSATION, Outcome.NO_ANSWER, Outcome.VOICEMAIL_LEFT,
                             Outcome.NOT_CONNECTED, Outcome.WRONG_PARTY}),
    Channel.VOICEMAIL: frozenset({Outcome.VOICEMAIL_LEFT, Outcome.NOT_CONNECTED}),
    Channel.SMS: frozenset({Outcome.SENT, Outcome.DELIVERED, Outcome.UNDELIVERABLE,
                            Outcome.RECEIVED}),
    Channel.EMAIL: frozenset({Outcome.SENT, Outcome.DELIVERED, Outcome.UNDELIVERABLE,
                              Outcome.RECEIVED}),
    Channel.LETTER: frozenset({Outcome.SENT, Outcome.DELIVERED, Outcome.UNDELIVERABLE,
                               Outcome.RECEIVED}),
    Channel.VISIT: frozenset({Outcome.CONVERSATION, Outcome.NO_ANSWER, Outcome.WRONG_PARTY}),
    Channel.SUIT: frozenset({Outcome.SENT, Outcome.DELIVERED}),
}  # fmt: skip
# What the consumer's own contact can come to: they spoke with us, reached someone else's
# account, left us a message, or wrote.
INBOUND_OUTCOMES = frozenset({Outcome.CONVERSATION, Outcome.WRONG_PARTY, Outcome.VOICEMAIL_LEFT,
                              Outcome.RECEIVED})  # fmt: skip


class Recipient(StrEnum):
    CONSUMER = "consumer"
    REPRESENTATIVE = "representative"  # e.g. the authorized representative of an estate
    ATTORNEY = "attorney"  # the consumer's attorney for this debt
    THIRD_PARTY = "third_party"  # location information only


class Purpose(StrEnum):
    COLLECTION = "collection"
    VALIDATION_NOTICE = "validation_notice"
    VERIFICATION = "verification"  # verification of a dispute, or the original creditor's name
    CEASE_EXCEPTION = "cease_exception"  # one of the three messages allowed after a cease
    OPT_OUT_CONFIRMATION = "opt_out_confirmation"
    # A letter about the consumer's own money: a payment confirmation, the notice before a
    # post-dated debit, a returned payment, a plan or settlement confirmation. No rule exempts
    # it today: every hold, halt, opt-out and cap judges it as it judges collection. A pack may
    # exempt it by naming it (except_purposes, exclude_purposes) once compliance agrees.
    TRANSACTIONAL = "transactional"


class CollectorKind(StrEnum):
    AGENCY = "agency"
    DEBT_BUYER = "debt_buyer"
    FIRST_PARTY = "first_party"


@dataclass(frozen=True)
class Attempt:
    """One recorded contact or attempt on this debt."""

    at: datetime
    channel: Channel
    direction: Direction = Direction.OUTBOUND
    outcome: Outcome = Outcome.NO_ANSWER
    recipient: Recipient = Recipient.CONSUMER
    purpose: Purpose = Purpose.COLLECTION
    phone_type: str = ""  # mobile, home, work, other: for caps that depend on the number
    with_consent: bool = False  # placed with the consumer's direct prior consent


@dataclass(frozen=True)
class HoldState:
    """A hold on the debt over the half-open period [starts_on, ends_on)."""

    kind: str  # dispute, cease, bankruptcy, deceased, attorney, identity_theft, military, legal
    starts_on: date
    ends_on: date | None = None

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)


@dataclass(frozen=True)
class ContactPointState:
    id: str
    kind: str  # phone, email, address
    phone_type: str = ""
    workplace: bool = False
    sms_consent: bool = False
    autodial_consent: bool = False  # TCPA prior express consent for automated or recorded calls
    opted_out: frozenset[Channel] = frozenset()
    usable: bool = True  # False once known bad (wrong number, bounced, returned)


@dataclass(frozen=True)
class InconvenientTime:
    """A time the consumer said is inconvenient: weekdays (0 = Monday) and a local time span."""

    weekdays: frozenset[int]
    start: time
    end: time  # exclusive; end <= start means the span crosses midnight
    channels: frozenset[Channel] = frozenset()  # empty: every channel


@dataclass(frozen=True)
class ValidationState:
    notice_sent_on: date | None = None
    period_ends_on: date | None = None  # last day of the validation period
    disputed_on: date | None = None
    dispute_in_writing: bool = False
    original_creditor_requested_on: date | None = None
    request_in_writing: bool = False
    verification_sent_on: date | None = None  # verification or the original creditor's details


@dataclass(frozen=True)
class ContactSnapshot:
    """One debt as the rules see it at the moment of asking."""

    account_id: int
    collector_kind: CollectorKind
    jurisdictions: frozenset[str]  # e.g. {"US", "US-MA"}; "US-NY-NYC" for New York City
    zones: tuple[str, ...]  # candidate IANA zones of the consumer; empty when unknown
    holds: tuple[HoldState, ...] = ()
    contact_points: tuple[ContactPointState, ...] = ()
    attempts: tuple[Attempt, ...] = ()  # made at or before the moment asked about count
    inconvenient: tuple[InconvenientTime, ...] = ()
    opted_out: frozenset[Channel] = frozenset()  # media the consumer asked us not to use
    call_consent_until: datetime | None = None  # direct prior consent to call, until (exclusive)
    no_workplace_contact: bool = False  # employer prohibits it, or the consumer asked
    validation: ValidationState = field(default_factory=ValidationState)
    limitation_starts_on: date | None = None  # when the statute of limitations began to run
    day_zone: str = "America/New_York"  # the zone whose calendar days the day counts use
    collector_name: str = "we"  # who collects, as required wording names them

    @cached_property
    def attempt_days(self) -> tuple[date, ...]:
        """The calendar day (in ``day_zone``) of each attempt, worked out once per snapshot."""
        tz = ZoneInfo(self.day_zone)
        return tuple(a.at.astimezone(tz).date() for a in self.attempts)


@dataclass(frozen=True)
class ContactRequest:
    channel: Channel
    at: datetime
    recipient: Recipient = Recipient.CONSUMER
    purpose: Purpose = Purpose.COLLECTION
    contact_point_id: str | None = None
    automated: bool = False  # dialer or artificial/prerecorded voice


class Effect(StrEnum):
    BLOCK = "block"  # the rule can forbid the contact
    REQUIRE = "require"  # the rule adds a content requirement; it never forbids


class Verdict(StrEnum):
    PASS = "pass"  # the rule applies and allows
    EXEMPT = "exempt"  # the rule applies but this contact is excluded from it
    BLOCK = "block"
    REQUIRE = "require"


class Reason(NamedTuple):
    """One rule's verdict. A named tuple: evaluation builds millions of these."""

    rule_id: str
    citation: str
    verdict: Verdict
    message: str
    until: datetime | None = None  # for a block: when this rule stops blocking; None = no end
    pack: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule_id,
            "citation": self.citation,
            "verdict": self.verdict.value,
            "message": self.message,
            "until": self.until.isoformat() if self.until else None,
            "pack": self.pack,
        }


@dataclass(frozen=True)
class Decision:
    allowed: bool
    channel: Channel
    at: datetime
    reasons: tuple[Reason, ...]
    earliest: datetime | None  # the earliest moment >= at when contact is allowed; None = no end
    pack_version: str

    @property
    def blocks(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.verdict is Verdict.BLOCK)

    @property
    def requirements(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.verdict is Verdict.REQUIRE)

    def as_dict(self) -> dict[str, object]:
        return {
            "allowed": self.allowed,
            "channel": self.channel.value,
            "at": self.at.isoformat(),
            "earliest": self.earliest.isoformat() if self.earliest else None,
            "pack_version": self.pack_version,
            "reasons": [r.as_dict() for r in self.reasons],
        }
