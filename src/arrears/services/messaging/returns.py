"""Mail that came back undeliverable: the address it went to is marked bad, and the account is
routed again at once (a strategy may send it elsewhere, and letters stop going to that
address). A validation notice coming back also needs a new notice (``validation_notice_returned``).

The mail vendor's return file names each piece by the reference printed on it: ``MSG-…`` for
a strategy's letter, ``VN-…`` for a validation notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from arrears.data.contacts.models import ValidationNotice
from arrears.data.messaging.models import MessageStatus, OutboundMessage
from arrears.data.parties.models import ContactPoint, ContactStatus
from arrears.services.common import Actor, NotFound, ServiceError, audit_record
from arrears.services.compliance.notices import consumer_point, validation_notice_returned
from arrears.services.compliance.operations import contactability_refresh
from arrears.services.strategies.routing import accounts_reroute


@dataclass(frozen=True)
class Returned:
    reference: str
    account_id: int
    contact_point_id: int | None
    marked_bad: bool
    already: bool  # recorded before: nothing changed


def letter_returned(
    *, reference: str, returned_on: date, reason: str, actor: Actor, now: datetime
) -> Returned:
    """Record one piece of returned mail (see the module docstring). Recording it again
    changes nothing."""
    reference = reference.strip().upper()
    if reference.startswith("VN-"):
        notice = ValidationNotice.objects.filter(reference=reference).first()
        if notice is None:
            raise NotFound(f"no letter {reference}", field="reference")
        already = notice.status == "returned"
        found = consumer_point(notice.account_id, "address", notice.sent_on)
        point = found[1] if found else None
        validation_notice_returned(reference=reference, returned_on=returned_on, actor=actor,
                                   now=now)  # fmt: skip
        marked = (
            _mark_bad(point, notice.account_id, reference, reason, actor, now) if point else False
        )
        return Returned(reference, notice.account_id, point.pk if point else None, marked, already)
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(of=("self",))
            .filter(reference=reference, channel="letter")
            .select_related("contact_point")
            .first()
        )
        if message is None:
            raise NotFound(f"no letter {reference}", field="reference")
        if returned_on < message.sent_at.date():
            raise ServiceError("a letter cannot come back before it was sent", field="returned_on")
        if message.status == MessageStatus.RETURNED:
            return Returned(reference, message.account_id, message.contact_point_id, False, True)
        message.status, message.error, message.updated_at = (
            MessageStatus.RETURNED,
            reason[:300],
            now,
        )
        message.save(update_fields=["status", "error", "updated_at"])
        point = message.contact_point
        marked = (
            _mark_bad(point, message.account_id, reference, reason, actor, now) if point else False
        )
    return Returned(reference, message.account_id, message.contact_point_id, marked, False)


def _mark_bad(point: ContactPoint, account_id: int, reference: str, reason: str, actor: Actor,
              now: datetime) -> bool:  # fmt: skip
    marked = point.status != ContactStatus.BAD
    with transaction.atomic():
        if marked:
            point.status = ContactStatus.BAD
            point.save(update_fields=["status"])
        audit_record(
            actor=actor, event="mail.returned", account_id=account_id, party_id=point.party_id,
            at=now, details={"reference": reference, "contact_point": point.pk,
                             "reason": reason[:200], "marked_bad": marked},
        )  # fmt: skip
        contactability_refresh([account_id], at=now)
        accounts_reroute([account_id], as_of=now.date(), now=now)
    return marked
