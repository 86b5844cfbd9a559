"""Compliance snapshots of accounts, built from the book in batches.

The snapshot is everything the rules look at, read once: the client's kind (agency, debt buyer,
first party), the account's holds, the primary consumer's contact points with consent and
validity, where the consumer may be (states and NYC from the addresses, time zones from ZIP
codes and area codes), when the limitation period began, and the contact attempts recent enough
for any rule's window. Accounts are read a batch at a time (a handful of queries per batch, not
per account), so the nightly refresh and a simulation over months of history stay set-based.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from arrears.core.compliance import (
    Attempt,
    Channel,
    CollectorKind,
    ContactPointState,
    ContactSnapshot,
    Direction,
    HoldState,
    InconvenientTime,
    Outcome,
    PackSet,
    Purpose,
    Recipient,
    ValidationState,
    shipped_packs,
)
from arrears.core.time.zones import candidate_zones, zip_place
from arrears.data.accounts.models import Account, AccountParty, Hold
from arrears.data.cases.models import CaseKind, CaseStatus, Dispute
from arrears.data.contacts.models import (
    ContactAttempt,
    ContactRestriction,
    NoticeStatus,
    RestrictionKind,
    ValidationNotice,
)
from arrears.data.parties.models import ContactPoint, ContactStatus
from arrears.data.work.models import Callback

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


def history_days(packs: PackSet) -> int:
    """How many days of attempts a snapshot needs: the longest window any rule counts over."""
    longest = 7
    for pack in packs.packs:
        for rule in pack.rules:
            days = rule.params.get("days")
            if isinstance(days, int):
                longest = max(longest, days)
        for _target, params in pack.overrides:
            days = params.get("days")
            if isinstance(days, int):
                longest = max(longest, days)
    return longest + 1  # one more: a window is counted in calendar days of the consumer's zone


def _in_nyc(zip_code: str) -> bool:
    place = zip_place(zip_code)
    return place is not None and place.state == "NY" and place.county in NYC_COUNTIES


@dataclass(frozen=True)
class RecordedAttempt:
    id: int
    attempt: Attempt
    contact_point_id: int | None
    automated: bool


@dataclass
class AccountMaterial:
    """What the book holds about one account that its snapshots are built from."""

    account_id: int
    client_code: str
    client_kind: str
    client_name: str
    limitation_starts_on: date | None
    points: list[ContactPoint] = field(default_factory=list)
    holds: list[HoldState] = field(default_factory=list)
    attempts: list[RecordedAttempt] = field(default_factory=list)
    validation: ValidationState = field(default_factory=ValidationState)
    restrictions: list[ContactRestriction] = field(default_factory=list)
    call_consents: list[datetime] = field(default_factory=list)  # when the consumer asked


# Reg F 1006.14(b)(3): calls made with the consumer's prior consent given directly within the past
# seven days are excluded from the call-frequency presumptions.
CALL_CONSENT_DAYS = 7


def attempt_value(row: ContactAttempt) -> Attempt:
    return Attempt(
        at=row.at,
        channel=Channel(row.channel),
        direction=Direction(row.direction),
        outcome=Outcome(row.outcome),
        recipient=Recipient(row.recipient),
        purpose=Purpose(row.purpose),
        phone_type=row.phone_type,
        with_consent=row.with_consent,
    )


def load_material(
    account_ids: Iterable[int], *, attempts_from: datetime, attempts_to: datetime | None = None
) -> dict[int, AccountMaterial]:
    """Read a batch of accounts with their primary consumer's contact points, their holds and
    their attempts in [attempts_from, attempts_to)."""
    ids = list(account_ids)
    accounts = list(
        Account.objects.filter(pk__in=ids).select_related("client").only(
            "id", "last_payment_date", "charge_off_date", "client__code", "client__kind",
            "client__name",
        )
    )  # fmt: skip
    if not accounts:
        return {}
    found = {a.pk: a for a in accounts}
    parties: dict[int, list[int]] = defaultdict(list)
    for account_id, party_id in AccountParty.objects.filter(
        account_id__in=found, role="primary"
    ).values_list("account_id", "party_id"):
        parties[party_id].append(account_id)
    rows: dict[int, dict[str, list[Any]]] = {a: defaultdict(list) for a in found}
    for point in ContactPoint.objects.filter(party_id__in=parties):
        for account_id in parties[point.party_id]:
            rows[account_id]["points"].append(point)
    for restriction in ContactRestriction.objects.filter(party_id__in=parties):
        for account_id in parties[restriction.party_id]:
            rows[account_id]["restrictions"].append(restriction)
    for hold in Hold.objects.filter(account_id__in=found):
        rows[hold.account_id]["holds"].append(hold)
    for notice in ValidationNotice.objects.filter(account_id__in=found, status=NoticeStatus.SENT):
        rows[notice.account_id]["notices"].append(notice)
    for dispute in Dispute.objects.filter(
        account_id__in=found, in_writing=True, within_validation_period=True
    ).exclude(status=CaseStatus.WITHDRAWN):
        rows[dispute.account_id]["disputes"].append(dispute)
    attempts = ContactAttempt.objects.filter(account_id__in=found, at__gte=attempts_from)
    if attempts_to is not None:
        attempts = attempts.filter(at__lt=attempts_to)
    for attempt in attempts:
        rows[attempt.account_id]["attempts"].append(attempt)
    consents = Callback.objects.filter(
        account_id__in=found, consumer_asked=True,
        created_at__gte=attempts_from - timedelta(days=CALL_CONSENT_DAYS),
    )  # fmt: skip
    if attempts_to is not None:
        consents = consents.filter(created_at__lt=attempts_to)
    for callback in consents.only("id", "account_id", "consumer_asked", "created_at"):
        rows[callback.account_id]["callbacks"].append(callback)
    return {
        account_id: material_of(found[account_id], **rows[account_id],
                                attempts_from=attempts_from, attempts_to=attempts_to)
        for account_id in ids
        if account_id in found
    }  # fmt: skip


def material_of(
    account: Account,
    *,
    points: Iterable[ContactPoint] = (),
    restrictions: Iterable[ContactRestriction] = (),
    holds: Iterable[Hold] = (),
    notices: Iterable[ValidationNotice] = (),
    disputes: Iterable[Dispute] = (),
    attempts: Iterable[ContactAttempt] = (),
    callbacks: Iterable[Callback] = (),
    attempts_from: datetime,
    attempts_to: datetime | None = None,
) -> AccountMaterial:
    """One account's material from rows already read (its client loaded with it): the primary
    consumer's contact points and requests, and the account's holds, notices, disputes,
    attempts and callbacks. Rows the rules do not look at are left out here, so a caller may
    pass more than they need (a screen passes what it shows)."""
    starts = [d for d in (account.last_payment_date, account.charge_off_date) if d]
    material = AccountMaterial(
        account_id=account.pk,
        client_code=account.client.code,
        client_kind=account.client.kind,
        client_name=account.client.name,
        limitation_starts_on=max(starts) if starts else None,
        points=sorted(points, key=lambda p: (p.kind, p.pk)),
        restrictions=sorted(restrictions, key=lambda r: r.pk),
    )
    for hold in sorted(holds, key=lambda h: (h.starts_on, h.pk)):
        material.holds.append(HoldState(kind=hold.kind, starts_on=hold.starts_on,
                                        ends_on=hold.ends_on))  # fmt: skip
    sent = [n for n in notices if n.status == NoticeStatus.SENT]
    if sent:
        notice = max(sent, key=lambda n: (n.sent_on, n.pk))
        material.validation = ValidationState(
            notice_sent_on=notice.sent_on, period_ends_on=notice.period_ends_on
        )
    halting = [
        d for d in disputes
        if d.in_writing and d.within_validation_period and d.status != CaseStatus.WITHDRAWN
    ]  # fmt: skip
    if halting:
        material.validation = _with_disputes(material.validation, halting)
    for row in sorted(attempts, key=lambda a: (a.at, a.pk)):
        if row.at >= attempts_from and (attempts_to is None or row.at < attempts_to):
            material.attempts.append(
                RecordedAttempt(row.pk, attempt_value(row), row.contact_point_id, row.automated)
            )
    since = attempts_from - timedelta(days=CALL_CONSENT_DAYS)
    material.call_consents = [
        c.created_at for c in callbacks
        if c.consumer_asked and c.created_at >= since
        and (attempts_to is None or c.created_at < attempts_to)
    ]  # fmt: skip
    return material


def _with_disputes(state: ValidationState, disputes: list[Dispute]) -> ValidationState:
    """What the validation-halt rule reads from written disputes and requests made within the
    period: while any is unanswered, the earliest of each kind and no answer; once all are
    answered, the latest of each kind and the last answer."""
    open_ones = [d for d in disputes if d.status == CaseStatus.OPEN]
    chosen = open_ones or disputes

    def first(kind: str) -> date | None:
        days = [d.received_on for d in chosen if d.kind == kind]
        return (min(days) if open_ones else max(days)) if days else None

    answers = [d.answered_on for d in disputes if d.answered_on is not None]
    return replace(
        state,
        disputed_on=first(CaseKind.DISPUTE),
        dispute_in_writing=True,
        original_creditor_requested_on=first(CaseKind.ORIGINAL_CREDITOR),
        request_in_writing=True,
        verification_sent_on=None if open_ones else max(answers, default=None),
    )


def build_snapshot(
    material: AccountMaterial, *, today: date, without_attempt: int | None = None
) -> ContactSnapshot:
    """The snapshot on ``today``: contact points valid that day and the attempts read, less
    ``without_attempt`` (the attempt being replayed, when a simulation judges it again)."""
    points = [
        p
        for p in material.points
        if p.valid_from <= today and (p.valid_to is None or today < p.valid_to)
    ]
    addresses = [p for p in points if p.kind == "address"]
    phones = [p for p in points if p.kind == "phone"]
    jurisdictions = {"US", f"client:{material.client_code}"}
    for address in addresses:
        if address.state:
            jurisdictions.add(f"US-{address.state}")
        if _in_nyc(address.zip):
            jurisdictions.add("US-NY-NYC")
    zones = candidate_zones(
        zips=[a.zip for a in addresses], phones=[p.phone_e164 for p in phones if p.phone_e164]
    )
    active = [
        r for r in material.restrictions
        if r.received_on <= today and (r.ended_on is None or today < r.ended_on)
    ]  # fmt: skip
    opted_out = frozenset(
        Channel(r.channel)
        for r in active
        if r.kind == RestrictionKind.OPT_OUT and r.contact_point_id is None
    )
    point_opt_outs: dict[int, set[Channel]] = defaultdict(set)
    for r in active:
        if r.kind == RestrictionKind.OPT_OUT and r.contact_point_id is not None:
            point_opt_outs[r.contact_point_id].add(Channel(r.channel))
    inconvenient = tuple(
        InconvenientTime(
            weekdays=frozenset(int(d) for d in r.weekdays.split(",") if d.strip()),
            start=r.starts_at,
            end=r.ends_at,
            channels=frozenset({Channel(r.channel)}) if r.channel else frozenset(),
        )
        for r in active
        if r.kind == RestrictionKind.INCONVENIENT_TIME
        and r.starts_at is not None
        and r.ends_at is not None
    )
    states = tuple(
        ContactPointState(
            id=str(p.pk),
            kind=p.kind,
            phone_type=p.phone_type,
            workplace=p.phone_type == "work",
            sms_consent=p.consent_source in SMS_CONSENT_SOURCES,
            autodial_consent=bool(p.consent_source),
            opted_out=frozenset(point_opt_outs.get(p.pk, ())),
            usable=p.status != ContactStatus.BAD,
        )
        for p in points
    )
    attempts = tuple(r.attempt for r in material.attempts if r.id != without_attempt)
    return ContactSnapshot(
        account_id=material.account_id,
        collector_kind=CollectorKind(material.client_kind),
        jurisdictions=frozenset(jurisdictions),
        zones=zones,
        holds=tuple(material.holds),
        contact_points=states,
        inconvenient=inconvenient,
        opted_out=opted_out,
        no_workplace_contact=any(r.kind == RestrictionKind.NO_WORKPLACE for r in active),
        attempts=attempts,
        validation=material.validation,
        limitation_starts_on=material.limitation_starts_on,
        day_zone=zones[0] if zones else DEFAULT_DAY_ZONE,
        call_consent_until=(
            max(material.call_consents) + timedelta(days=CALL_CONSENT_DAYS)
            if material.call_consents
            else None
        ),
        # A creditor collecting its own accounts names itself; an agency's letters are signed
        # by the agency, whose name the letter templates fill in.
        collector_name=material.client_name if material.client_kind == "first_party" else "we",
    )


def contact_snapshot(account_id: int, *, at: datetime) -> ContactSnapshot | None:
    """The snapshot of one account at a moment, with the attempts recorded up to it."""
    since = at - timedelta(days=history_days(packs_in_force()))
    material = load_material(
        [account_id], attempts_from=since, attempts_to=at + timedelta(microseconds=1)
    ).get(account_id)
    if material is None:
        return None
    return build_snapshot(material, today=at.date())
