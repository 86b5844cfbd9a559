"""Compliance decisions for an account: build its snapshot from the book, judge it with the packs.

The snapshot is everything the rules look at, read once: the client's kind (agency, debt buyer,
first party), the account's holds, the primary consumer's contact points with consent and
validity, where the consumer may be (states and NYC from the addresses, time zones from ZIP
codes and area codes) and when the limitation period began.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

import zipcodes

from arrears.core.compliance import (
    Channel,
    CollectorKind,
    ContactPointState,
    ContactRequest,
    ContactSnapshot,
    Decision,
    HoldState,
    PackSet,
    evaluate,
    shipped_packs,
)
from arrears.core.time.zones import candidate_zones
from arrears.data.accounts.models import Account, AccountParty, Hold
from arrears.data.parties.models import ContactPoint, ContactStatus

SHOWN_CHANNELS = (Channel.CALL, Channel.SMS, Channel.EMAIL, Channel.LETTER)
# Consent sources that count as the consumer's own consent to be texted (our SMS policy); any
# recorded source counts as prior express consent for automated calls (a number given to the
# creditor for the transaction is consent for calls about it).
SMS_CONSENT_SOURCES = frozenset({"consumer_sms_opt_in", "consumer_written", "consumer_oral"})
NYC_COUNTIES = frozenset({"New York County", "Kings County", "Queens County", "Bronx County",
                          "Richmond County"})  # fmt: skip
DEFAULT_DAY_ZONE = "America/New_York"


@lru_cache(maxsize=1)
def packs_in_force() -> PackSet:
    return PackSet(shipped_packs())


def _in_nyc(zip_code: str) -> bool:
    five = zip_code[:5]
    if len(five) != 5 or not five.isdigit():
        return False
    return any(m.get("state") == "NY" and m.get("county") in NYC_COUNTIES
               for m in zipcodes.matching(five))  # fmt: skip


def contact_snapshot(account_id: int, *, today: date) -> ContactSnapshot | None:
    account = Account.objects.select_related("client").filter(pk=account_id).first()
    if account is None:
        return None
    party_ids = list(
        AccountParty.objects.filter(account=account, role="primary").values_list(
            "party_id", flat=True
        )
    )
    points = [
        p
        for p in ContactPoint.objects.filter(party_id__in=party_ids).order_by("kind", "id")
        if p.valid_from <= today and (p.valid_to is None or today < p.valid_to)
    ]
    addresses = [p for p in points if p.kind == "address"]
    phones = [p for p in points if p.kind == "phone"]
    jurisdictions = {"US", f"client:{account.client.code}"}
    for address in addresses:
        if address.state:
            jurisdictions.add(f"US-{address.state}")
        if _in_nyc(address.zip):
            jurisdictions.add("US-NY-NYC")
    zones = candidate_zones(
        zips=[a.zip for a in addresses], phones=[p.phone_e164 for p in phones if p.phone_e164]
    )
    holds = tuple(
        HoldState(kind=h.kind, starts_on=h.starts_on, ends_on=h.ends_on)
        for h in Hold.objects.filter(account=account).order_by("starts_on", "id")
    )
    states = tuple(
        ContactPointState(
            id=str(p.pk),
            kind=p.kind,
            phone_type=p.phone_type,
            workplace=p.phone_type == "work",
            sms_consent=p.consent_source in SMS_CONSENT_SOURCES,
            autodial_consent=bool(p.consent_source),
            usable=p.status != ContactStatus.BAD,
        )
        for p in points
    )
    starts = [d for d in (account.last_payment_date, account.charge_off_date) if d]
    return ContactSnapshot(
        account_id=account.pk,
        collector_kind=CollectorKind(account.client.kind),
        jurisdictions=frozenset(jurisdictions),
        zones=zones,
        holds=holds,
        contact_points=states,
        limitation_starts_on=max(starts) if starts else None,
        day_zone=zones[0] if zones else DEFAULT_DAY_ZONE,
        # A creditor collecting its own accounts names itself; an agency's letters are signed
        # by the agency, whose name the letter templates fill in.
        collector_name=account.client.name if account.client.kind == "first_party" else "we",
    )


def contact_decisions(
    account_id: int, *, at: datetime, channels: tuple[Channel, ...] = SHOWN_CHANNELS
) -> list[Decision] | None:
    """What the rules say now about each channel for this account; None if no such account."""
    snap = contact_snapshot(account_id, today=at.date())
    if snap is None:
        return None
    packs = packs_in_force()
    return [evaluate(packs, snap, ContactRequest(channel=c, at=at)) for c in channels]
