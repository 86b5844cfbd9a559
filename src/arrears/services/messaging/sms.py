"""Texts that come back to us: a consumer's reply, and the SMS provider's delivery reports.

A reply is found by the number it came from, through the phone blind index, never by reading
numbers: every consumer's phone with that number gets it. It is recorded as an inbound text on
each of that consumer's open debts, under a key made from the provider's message id, so a
webhook the provider sends again records nothing twice. A reply that is an opt-out word alone
(``arrears.core.messaging.keywords``) is the consumer revoking consent to texts on that number
(TCPA, 47 CFR 64.1200(a)(10); Reg F 12 CFR 1006.14(h): an opt-out of one medium): it becomes an
SMS opt-out on that contact point, honored at once (the rule allows ten business days), so the
rules block texts to it and nothing else. START (or UNSTOP, YES) from the same number lifts it.
A longer reply carrying an opt-out word is flagged for a person to read: whether "please stop
texting me" revokes consent is a reasonable person's call, and we make it on the side of stop.
A number nobody has is recorded nowhere; the result says so.

Opt-outs are kept by day (``ContactRestriction.received_on``/``ended_on``) while a reply comes
at a moment, and the rules read the day in whatever zone they are asked in. So an opt-out is in
force from the earliest calendar day the STOP's moment falls on anywhere (UTC-12): whichever
zone a later check reads the day in, texts stop no later than the reply. A START ends it on the
earliest day of its own moment too (every check made from then on comes after the START), or,
when the opt-out began that same day, on the next.

A delivery report that says the number can never get a text (``PERMANENT_FAILURES``: an unknown
or unreachable handset, a landline) marks that phone bad, with its audit event, and works the
contactability of the consumer's debts out again. Reports are safe to repeat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from django.db import transaction

from arrears.core.messaging.keywords import Reply, classify_reply, mentions_opt_out, words
from arrears.core.pii import normalize_phone_digits
from arrears.data.accounts.models import AccountParty, AccountStatus
from arrears.data.contacts.models import (
    Channel,
    ContactAttempt,
    ContactRestriction,
    RestrictionKind,
)
from arrears.data.parties.models import ContactKind, ContactPoint, ContactStatus
from arrears.services.common import Actor, ServiceError, audit_record, blind_indexer
from arrears.services.compliance.operations import contact_attempt_record, contactability_refresh
from arrears.services.compliance.preferences import (
    contact_restriction_add,
    contact_restriction_end,
)

OPEN_STATUSES = (AccountStatus.ACTIVE, AccountStatus.ARRANGEMENT)
KEY_PREFIX = "sms-in"
MAX_PROVIDER_ID = 64  # Twilio's are 34 characters; the attempt key holds 80
MAX_BODY = 1600  # the longest text Twilio delivers (ten segments)
# Delivery errors (Twilio's) that say the number will not receive a text however often we try.
PERMANENT_FAILURES = {
    "30003": "unreachable destination handset",
    "30005": "unknown destination handset",
    "30006": "landline or unreachable carrier",
}
FAILED_STATUSES = frozenset({"undelivered", "failed"})
# What the provider said the reply was, when it keeps its own keyword list (Twilio's Advanced
# Opt-Out sends OptOutType): honored even when our words do not match.
PROVIDER_KEYWORDS = {"STOP": Reply.OPT_OUT, "START": Reply.OPT_IN, "HELP": Reply.HELP}
_EARLIEST = timezone(timedelta(hours=-12))  # the zone whose calendar day starts last


@dataclass(frozen=True)
class InboundSms:
    """What a reply came to. ``contact_points`` are the consumers' phones with the number
    (none: a number we do not know); ``replayed``: the provider sent this message before, and
    nothing was done again."""

    provider_id: str
    reply: Reply
    contact_points: tuple[int, ...] = ()
    attempts: tuple[int, ...] = ()  # inbound texts recorded, one per open debt
    restrictions_added: tuple[int, ...] = ()
    restrictions_ended: tuple[int, ...] = ()
    to_read: bool = False  # a longer reply with an opt-out word in it, flagged for a person
    # Phones whose opt-out could not be kept: their owner is no debt's primary consumer (we
    # never text them: the rules look only at the primary consumer's numbers).
    not_kept: tuple[int, ...] = ()
    replayed: bool = False

    @property
    def known(self) -> bool:
        return bool(self.contact_points)


@dataclass(frozen=True)
class SmsStatus:
    provider_id: str
    status: str
    error_code: str
    permanent: bool  # the number will never get a text
    marked_bad: tuple[int, ...] = ()  # contact points marked bad now (not those already bad)


def _phones(number: str) -> list[ContactPoint]:
    """The phones with this number, found by its blind index; none for a number that is not
    a NANP number (a short code, an international number)."""
    try:
        digits = normalize_phone_digits(number)
    except ValueError:
        return []
    index = blind_indexer().index("phone", f"+1{digits}")
    return list(ContactPoint.objects.filter(kind=ContactKind.PHONE, value_index=index)
                .order_by("pk"))  # fmt: skip


def _first_day(moment: datetime) -> date:
    """The earliest calendar day this moment falls on anywhere."""
    return moment.astimezone(_EARLIEST).date()


def sms_inbound_record(
    *,
    from_number: str,
    to_number: str,
    body: str,
    provider_id: str,
    received_at: datetime,
    actor: Actor,
    now: datetime,
    provider_keyword: str = "",
) -> InboundSms:
    """Record a text a consumer sent us (``to_number``: ours), and honor what it asks.

    ``provider_keyword`` is the provider's own reading of the reply (Twilio's ``OptOutType``:
    STOP, START, HELP), taken when our words see an ordinary reply."""
    provider_id = provider_id.strip()
    if not provider_id or len(provider_id) > MAX_PROVIDER_ID:
        raise ServiceError("the provider's message id is missing or too long",
                           field="provider_id")  # fmt: skip
    if received_at.tzinfo is None:
        raise ServiceError("the moment must carry its time zone offset", field="received_at")
    reply = classify_reply(body)
    if reply is Reply.OTHER:
        reply = PROVIDER_KEYWORDS.get(provider_keyword.strip().upper(), Reply.OTHER)
    to_read = reply is Reply.OTHER and mentions_opt_out(body)
    points = _phones(from_number)
    if not points:
        return InboundSms(provider_id=provider_id, reply=reply, to_read=to_read)
    prefix = f"{KEY_PREFIX}:{provider_id}:"
    ids = tuple(p.pk for p in points)
    with transaction.atomic():
        if ContactAttempt.objects.filter(key__startswith=prefix).exists():
            return InboundSms(provider_id=provider_id, reply=reply, contact_points=ids,
                              to_read=to_read, replayed=True)  # fmt: skip
        attempts: list[int] = []
        added: list[int] = []
        ended: list[int] = []
        not_kept: list[int] = []
        note = body.strip()[:MAX_BODY]
        for point in points:
            accounts = list(
                AccountParty.objects.filter(party_id=point.party_id,
                                            account__status__in=OPEN_STATUSES)
                .order_by("account_id").values_list("account_id", flat=True).distinct()
            )  # fmt: skip
            for account_id in accounts:
                recorded = contact_attempt_record(
                    account_id=account_id, channel=Channel.SMS, direction="inbound",
                    outcome="received", at=received_at, actor=actor, now=now,
                    contact_point_id=point.pk, note=note, source="sms", key=prefix + str(account_id),
                )  # fmt: skip
                if not recorded.created:  # sent again while the first was being recorded
                    continue
                attempts.append(recorded.attempt.pk)
                if to_read:
                    audit_record(
                        actor=actor, event="sms.reply_to_read", account_id=account_id,
                        party_id=point.party_id, at=now,
                        details={"attempt": recorded.attempt.pk, "contact_point": point.pk,
                                 "why": "a reply with an opt-out word in it: does it revoke "
                                        "consent to texts?"},
                    )  # fmt: skip
            if reply is Reply.OPT_OUT:
                restriction = _opt_out(point, body, f"text {provider_id} to {to_number}",
                                       received_at, actor, now)  # fmt: skip
                if restriction is None:
                    not_kept.append(point.pk)
                elif restriction:
                    added.append(restriction)
            elif reply is Reply.OPT_IN:
                ended.extend(_opt_in(point, received_at, actor, now))
        return InboundSms(
            provider_id=provider_id, reply=reply, contact_points=ids, attempts=tuple(attempts),
            restrictions_added=tuple(added), restrictions_ended=tuple(ended), to_read=to_read,
            not_kept=tuple(not_kept),
        )  # fmt: skip


def _opt_out(
    point: ContactPoint, body: str, what: str, at: datetime, actor: Actor, now: datetime
) -> int | None:
    """The SMS opt-out the reply made on this phone: its id; 0 when one is already in force
    with no end; None when it cannot be kept (the phone's owner is no debt's consumer)."""
    standing = ContactRestriction.objects.filter(
        party_id=point.party_id, kind=RestrictionKind.OPT_OUT, channel=Channel.SMS,
        contact_point=point, ended_on__isnull=True,
    )  # fmt: skip
    if standing.exists():
        return 0
    account_id = (
        AccountParty.objects.filter(party_id=point.party_id, role="primary")
        .order_by("account_id").values_list("account_id", flat=True).first()
    )  # fmt: skip
    if account_id is None:
        return None
    word = " ".join(words(body)).upper() or "STOP"
    restriction = contact_restriction_add(
        account_id=account_id, kind=RestrictionKind.OPT_OUT, channel=Channel.SMS,
        contact_point_id=point.pk, received_on=_first_day(at), medium=f"reply {word}"[:20],
        note=f"{what} from this number: {body.strip()[:200]}", actor=actor, now=now,
    )  # fmt: skip
    return restriction.pk


def _opt_in(point: ContactPoint, at: datetime, actor: Actor, now: datetime) -> list[int]:
    """End the SMS opt-outs in force on this phone: the consumer asked for texts again."""
    ended: list[int] = []
    standing = ContactRestriction.objects.filter(
        party_id=point.party_id, kind=RestrictionKind.OPT_OUT, channel=Channel.SMS,
        contact_point=point, ended_on__isnull=True,
    ).order_by("pk")  # fmt: skip
    for restriction in standing:
        ended_on = max(_first_day(at), restriction.received_on + timedelta(days=1))
        contact_restriction_end(restriction_id=restriction.pk, ended_on=ended_on, actor=actor,
                                now=now)  # fmt: skip
        ended.append(restriction.pk)
    return ended


def sms_status_record(
    *,
    provider_id: str,
    status: str,
    error_code: str,
    at: datetime,
    actor: Actor,
    now: datetime,
    to_number: str = "",
    reference: str = "",
) -> SmsStatus:
    """A delivery report on a text we sent (``to_number``: the number it went to;
    ``reference``: ours, when the report carries it). A permanent failure marks every phone
    with that number bad; anything else changes nothing here."""
    state = status.strip().lower()
    code = error_code.strip()
    permanent = state in FAILED_STATUSES and code in PERMANENT_FAILURES
    result = SmsStatus(provider_id=provider_id, status=state, error_code=code, permanent=permanent)
    if not permanent:
        return result
    if not to_number.strip():
        raise ServiceError("a failure report must name the number it failed for",
                           field="to_number")  # fmt: skip
    reason = f"text undeliverable: error {code}, {PERMANENT_FAILURES[code]}"
    marked: list[int] = []
    parties: set[int] = set()
    with transaction.atomic():
        for found in _phones(to_number):
            point = ContactPoint.objects.select_for_update().get(pk=found.pk)
            if point.status == ContactStatus.BAD:
                continue
            point.status = ContactStatus.BAD
            point.save(update_fields=["status"])
            marked.append(point.pk)
            parties.add(point.party_id)
            linked: Sequence[int | None] = sorted(set(
                AccountParty.objects.filter(party_id=point.party_id)
                .values_list("account_id", flat=True)
            ))  # fmt: skip
            for account_id in linked or [None]:  # a consumer with no debt: on the party alone
                audit_record(
                    actor=actor, event="contact_point.marked_bad", account_id=account_id,
                    party_id=point.party_id, at=now,
                    details={"contact_point": point.pk, "reason": reason,
                             "provider_id": provider_id, "reference": reference,
                             "reported_at": at.isoformat()},
                )  # fmt: skip
        if parties:
            accounts = sorted(set(AccountParty.objects.filter(party_id__in=parties)
                                  .values_list("account_id", flat=True)))  # fmt: skip
            contactability_refresh(accounts, at=now)
    return SmsStatus(provider_id=provider_id, status=state, error_code=code, permanent=True,
                     marked_bad=tuple(marked))  # fmt: skip
