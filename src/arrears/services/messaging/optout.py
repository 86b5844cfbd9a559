"""Opt-out links: every email we send names a page where the consumer stops email to that address
with one click (12 CFR 1006.6(e)), and mail clients can do it for them (RFC 8058).

The link carries a signed token of (account, contact point, channel) and nothing else: no
account number, no name, no address. The signature (Django's signing, our own salt) is the
authority, so the page needs no sign-in and no CSRF token; a tampered or truncated token is
refused. Tokens do not expire: an email may be read years after it was sent, and an opt-out must
still work then. Rotating ``SECRET_KEY`` would break every link sent before, so the old key
goes into ``SECRET_KEY_FALLBACKS`` for as long as those emails may be read.

Applying records an opt-out of the channel on that contact point through
``contact_restriction_add`` (so it is audited and contactability is worked out again at once),
received today by "email link". Applying again while one is in force (for that address, or for
the whole channel) changes nothing, so a mail client's one-click POST and the consumer's own
click do not make two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from arrears.data.accounts.models import AccountParty
from arrears.data.contacts.models import Channel, ContactRestriction, RestrictionKind
from arrears.data.parties.models import ContactPoint
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.compliance.preferences import contact_restriction_add

SALT = "arrears.messaging.opt-out"
# The public page's path (interfaces.web.urls names it "opt-out"); kept here so that a link can
# be made without the web layer, by a worker sending email.
PATH = "/opt-out/{token}/"
MEDIUM = "email link"
CONSUMER = Actor.system("consumer:opt-out link")
BAD_LINK = "This link is not valid. It may have been copied incompletely."
GONE = "This link no longer matches an address we hold."


@dataclass(frozen=True)
class OptOutTarget:
    """What a link would stop, as the public page may show it: the address masked."""

    account_id: int
    contact_point_id: int
    channel: str
    masked_address: str
    stopped: bool  # an opt-out covering it is already in force


@dataclass(frozen=True)
class OptOutResult:
    restriction_id: int
    created: bool  # False: one was in force already, nothing changed
    masked_address: str


def opt_out_token(*, account_id: int, contact_point_id: int, channel: str = "email") -> str:
    """A signed token for the link: compact JSON, no timestamp (it never expires)."""
    return signing.Signer(salt=SALT).sign_object([account_id, contact_point_id, channel])


def opt_out_url(*, account_id: int, contact_point_id: int, channel: str = "email") -> str:
    """The absolute link to the public opt-out page (``ARREARS_PUBLIC_BASE_URL``)."""
    token = opt_out_token(account_id=account_id, contact_point_id=contact_point_id,
                          channel=channel)  # fmt: skip
    return settings.ARREARS_PUBLIC_BASE_URL.rstrip("/") + PATH.format(token=token)


def mask_address(address: str) -> str:
    """``jane.doe@example.com`` -> ``j***@example.com``: enough for the owner to recognise it,
    too little to learn it from."""
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def _decode(token: str) -> tuple[int, int, str]:
    try:
        value = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        raise ServiceError(BAD_LINK, field="token") from None
    match value:
        case [int(account_id), int(point_id), str(channel)] if channel in Channel.values:
            return account_id, point_id, channel
    raise ServiceError(BAD_LINK, field="token")


def _point(account_id: int, point_id: int) -> ContactPoint:
    """The contact point, when it is still the account's consumer's."""
    primary = AccountParty.objects.filter(account_id=account_id, role="primary").values("party_id")
    point = ContactPoint.objects.filter(pk=point_id, party_id__in=primary).first()
    if point is None:
        raise NotFound(GONE, field="token")
    return point


def _in_force(point: ContactPoint, channel: str, today: date) -> ContactRestriction | None:
    """An opt-out of the channel covering this point (on it, or on the whole channel)."""
    return (
        ContactRestriction.objects.filter(
            party_id=point.party_id, kind=RestrictionKind.OPT_OUT, channel=channel,
            received_on__lte=today,
        )
        .filter(Q(contact_point=point) | Q(contact_point__isnull=True))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        .order_by("pk")
        .first()
    )  # fmt: skip


def _shown(point: ContactPoint) -> str:
    return mask_address(point.email if point.kind == "email" else str(point))


def opt_out_preview(*, token: str, today: date) -> OptOutTarget:
    """What the link stops; changes nothing (link scanners fetch it)."""
    account_id, point_id, channel = _decode(token)
    point = _point(account_id, point_id)
    return OptOutTarget(
        account_id=account_id, contact_point_id=point.pk, channel=channel,
        masked_address=_shown(point), stopped=_in_force(point, channel, today) is not None,
    )  # fmt: skip


def opt_out_apply(*, token: str, now: datetime) -> OptOutResult:
    """Record the consumer's opt-out from the link; a second time changes nothing."""
    account_id, point_id, channel = _decode(token)
    today = timezone.localdate(now)
    with transaction.atomic():
        point = _point(account_id, point_id)
        # Two clicks at once (the mail client's POST and the consumer's) wait here in turn.
        ContactPoint.objects.select_for_update().filter(pk=point.pk).first()
        found = _in_force(point, channel, today)
        if found is not None:
            return OptOutResult(restriction_id=found.pk, created=False,
                                masked_address=_shown(point))  # fmt: skip
        restriction = contact_restriction_add(
            account_id=account_id, kind=RestrictionKind.OPT_OUT, channel=channel,
            contact_point_id=point.pk, received_on=today, medium=MEDIUM, actor=CONSUMER,
            now=now, note="The consumer used the opt-out link of an email.",
        )  # fmt: skip
    return OptOutResult(restriction_id=restriction.pk, created=True, masked_address=_shown(point))
