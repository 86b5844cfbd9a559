"""What the consumer asked about how to reach them, honored from the day it was received.

An opt-out of a medium (12 CFR 1006.14(h): honored whatever way it reached us), a time the
consumer said is inconvenient (1006.6(b)(1)(i)), or no contact at work (1006.6(b)(3)) is kept
on the consumer (the primary party), so it covers every debt they owe. Each one works the
contactability of those debts out again at once.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from arrears.data.accounts.models import AccountParty
from arrears.data.contacts.models import Channel, ContactRestriction, RestrictionKind
from arrears.data.parties.models import ContactPoint
from arrears.services.common import (
    Actor,
    NotFound,
    ServiceError,
    audit_record,
    require_choice,
)
from arrears.services.compliance.operations import contactability_refresh
from arrears.services.strategies.routing import accounts_reroute

OPT_OUT_CHANNELS = (Channel.CALL, Channel.SMS, Channel.EMAIL, Channel.LETTER, Channel.VISIT)


def _party_accounts(party_id: int) -> list[int]:
    return list(AccountParty.objects.filter(party_id=party_id).values_list("account_id", flat=True))


def _weekdays(text: str) -> str:
    try:
        days = sorted({int(d) for d in text.split(",") if d.strip()})
    except ValueError:
        days = [-1]
    if not days or any(d < 0 or d > 6 for d in days):
        raise ServiceError("weekdays are numbers 0 (Monday) to 6, e.g. 0,1,2,3,4", field="weekdays")
    return ",".join(str(d) for d in days)


def contact_restriction_add(
    *,
    account_id: int,
    kind: str,
    received_on: date,
    medium: str,
    actor: Actor,
    now: datetime,
    channel: str = "",
    contact_point_id: int | None = None,
    weekdays: str = "",
    starts_at: time | None = None,
    ends_at: time | None = None,
    note: str = "",
) -> ContactRestriction:
    require_choice(kind, RestrictionKind.values, "kind")
    if received_on > now.date():
        raise ServiceError("a request cannot be received in the future", field="received_on")
    if not medium.strip():
        raise ServiceError("say how the consumer told us (phone, letter, reply STOP…)",
                           field="medium")  # fmt: skip
    if kind == RestrictionKind.OPT_OUT and channel not in OPT_OUT_CHANNELS:
        raise ServiceError(
            f"an opt-out names a medium: {', '.join(OPT_OUT_CHANNELS)}", field="channel"
        )
    if channel:
        require_choice(channel, Channel.values, "channel")
    if kind == RestrictionKind.INCONVENIENT_TIME:
        weekdays = _weekdays(weekdays)
        if starts_at is None or ends_at is None or starts_at == ends_at:
            raise ServiceError("an inconvenient time needs a start and a different end",
                               field="starts_at" if starts_at is None else "ends_at")  # fmt: skip
    else:
        weekdays, starts_at, ends_at = "", None, None
    link = AccountParty.objects.filter(account_id=account_id, role="primary").first()
    if link is None:
        raise NotFound(f"no account {account_id} with a consumer", field="account_id")
    point = None
    if contact_point_id is not None:
        point = ContactPoint.objects.filter(pk=contact_point_id, party_id=link.party_id).first()
        if point is None:
            raise ServiceError(f"contact point {contact_point_id} is not the consumer's",
                               field="contact_point_id")  # fmt: skip
    with transaction.atomic():
        restriction = ContactRestriction.objects.create(
            party_id=link.party_id, kind=kind, channel=channel, contact_point=point,
            weekdays=weekdays, starts_at=starts_at, ends_at=ends_at, received_on=received_on,
            medium=medium[:20], note=note, created_by_id=actor.user_id,
        )  # fmt: skip
        audit_record(
            actor=actor, event="contact_restriction.added", account_id=account_id,
            party_id=link.party_id, at=now,
            details={"restriction": restriction.pk, "kind": kind, "channel": channel,
                     "contact_point": contact_point_id, "received_on": received_on.isoformat()},
        )  # fmt: skip
        accounts = _party_accounts(link.party_id)
        contactability_refresh(accounts, at=now)
        accounts_reroute(accounts, as_of=timezone.localdate(now), now=now)
        return restriction


def contact_restriction_end(
    *, restriction_id: int, ended_on: date, actor: Actor, now: datetime
) -> ContactRestriction:
    """The consumer lifted it (for example, agreed again to texts)."""
    with transaction.atomic():
        restriction = (
            ContactRestriction.objects.select_for_update().filter(pk=restriction_id).first()
        )
        if restriction is None:
            raise NotFound(f"no contact restriction {restriction_id}", field="restriction_id")
        if ended_on <= restriction.received_on:
            raise ServiceError("it ends after it was received", field="ended_on")
        if restriction.ended_on is not None and restriction.ended_on <= ended_on:
            return restriction
        restriction.ended_on = ended_on
        restriction.save(update_fields=["ended_on"])
        audit_record(
            actor=actor, event="contact_restriction.ended", party_id=restriction.party_id, at=now,
            details={"restriction": restriction.pk, "ended_on": ended_on.isoformat()},
        )  # fmt: skip
        accounts = _party_accounts(restriction.party_id)
        contactability_refresh(accounts, at=now)
        accounts_reroute(accounts, as_of=timezone.localdate(now), now=now)
        return restriction
