"""The account screen's data, gathered in three statements whatever the account's history.

The screen shows the account with its balance and itemization, the parties and their contact
points, what the rules say now for each channel, the timeline, the contact history, the ledger,
holds, notices, disputes, requests, documents, complaints, open promises and callbacks, the
lease and the consumer's other accounts. Read list by list that was close to forty statements.
Here it is one statement for the account (with its client, placement and live lease), one
``UNION ALL`` for every list (``services.together``, compiled once per process) and one for the
other accounts (ordered and cut by balance, so it stays apart). The snapshot the rules judge is built from the same rows the
screen shows, not read again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from arrears.core.compliance import (
    ContactRequest,
    ContactSnapshot,
    Decision,
    Limitation,
    evaluate,
    limitation,
)
from arrears.data.accounts.models import Account, AccountParty, Hold
from arrears.data.audit.models import AuditEvent
from arrears.data.cases.models import Complaint, Dispute, Document
from arrears.data.contacts.models import ContactAttempt, ContactRestriction, ValidationNotice
from arrears.data.ledger.models import Entry
from arrears.data.parties.models import ContactPoint, Party
from arrears.data.users.models import User
from arrears.data.work.models import Callback, Lease, Note, Promise
from arrears.services import together
from arrears.services.accounts.queries import AccountView, account_view
from arrears.services.compliance.queries import SHOWN_CHANNELS
from arrears.services.compliance.snapshots import (
    CALL_CONSENT_DAYS,
    build_snapshot,
    history_days,
    material_of,
    packs_in_force,
)
from arrears.services.work.queries import (
    OpenPromise,
    TimelineItem,
    linked_accounts,
    open_promises_of,
    timeline_events,
    timeline_of,
    with_open_dates,
)

TIMELINE = 60  # items on the timeline, and of each kind read for it
HISTORY = 50  # attempts in the contact history table


@dataclass(frozen=True)
class AccountScreen:
    view: AccountView
    lease: Lease | None  # the live lease, if any
    timeline: list[TimelineItem]
    linked: list[Account]
    promises: list[OpenPromise]  # with a date open, with all their dates; soonest open first
    callbacks: list[Callback]  # open, soonest first
    decisions: list[Decision]  # call, SMS, email, letter now
    limitation: Limitation | None  # time-barred or not, by the consumer's state pack
    history: list[ContactAttempt]  # newest first
    notices: list[ValidationNotice]
    disputes: list[Dispute]
    restrictions: list[ContactRestriction]
    documents: list[Document]
    complaints: list[Complaint]
    snapshot: ContactSnapshot | None = None  # what the rules judged, for more questions on it


def account_screen(
    account_id: int, *, at: datetime, today: date | None = None, user: User | None = None
) -> AccountScreen | None:
    """Everything the account screen shows at ``at``; None if there is no such account. With
    ``user``, the consumer's other accounts are only those the user may see."""
    account = (
        Account.objects.select_related("client", "placement", "lease__user")
        .filter(pk=account_id)
        .first()
    )
    if account is None:
        return None
    today = today or timezone.localdate(at)
    since = at - timedelta(days=history_days(packs_in_force()))
    rows = SCREEN.fetch(account_id=account_id, since=since,
                        consents_from=since - timedelta(days=CALL_CONSENT_DAYS))  # fmt: skip

    users = {u.pk: u for u in rows["user"]}
    for row in [*rows["attempt"], *rows["promise"], *rows["callback"]]:
        row.created_by = users.get(row.created_by_id)
    for callback in rows["callback"]:
        callback.user = users.get(callback.user_id)
    parties = {p.pk: p for p in rows["party"]}
    for link in rows["link"]:
        link.party = parties[link.party_id]
    points = {p.pk: p for p in rows["point"]}
    for restriction in rows["restriction"]:
        if restriction.contact_point_id in points:
            restriction.contact_point = points[restriction.contact_point_id]
    notices = {n.pk: n for n in rows["notice"]}
    for notice in rows["notice"]:
        if notice.replaces_id in notices:
            notice.replaces = notices[notice.replaces_id]

    attempts = _newest(rows["attempt"], "at")
    primary = {link.party_id for link in rows["link"] if link.role == "primary"}
    material = material_of(
        account,
        points=[p for p in rows["point"] if p.party_id in primary],
        restrictions=rows["restriction"], holds=rows["hold"], notices=rows["notice"],
        disputes=rows["dispute"], attempts=attempts, callbacks=rows["callback"],
        attempts_from=since, attempts_to=at + timedelta(microseconds=1),
    )  # fmt: skip
    snapshot = build_snapshot(material, today=at.date())
    packs = packs_in_force()
    lease = _live_lease(account, at)
    return AccountScreen(
        view=account_view(
            account,
            links=rows["link"],
            points=rows["point"],
            holds=rows["hold"],
            entries=rows["entry"],
            today=today,
        ),
        lease=lease,
        timeline=timeline_of(
            attempts=attempts[:TIMELINE],
            entries=_newest(rows["entry"], "pk")[:TIMELINE],
            notes=_newest(rows["note"], "created_at")[:TIMELINE],
            promises=_newest(rows["promise"], "created_at")[:TIMELINE],
            callbacks=_newest(rows["callback"], "created_at")[:TIMELINE],
            events=_newest(rows["event"], "at")[:TIMELINE],
            limit=TIMELINE,
        ),
        linked=linked_accounts(account_id, user=user),
        promises=open_promises_of(rows["promise"]),
        callbacks=sorted(
            (c for c in rows["callback"] if c.status == "open"), key=lambda c: (c.due_at, c.pk)
        ),
        decisions=[
            evaluate(packs, snapshot, ContactRequest(channel=c, at=at)) for c in SHOWN_CHANNELS
        ],
        limitation=limitation(packs, snapshot, at),
        history=attempts[:HISTORY],
        notices=_newest(rows["notice"], "sent_on"),
        disputes=_newest(rows["dispute"], "received_on"),
        restrictions=_newest(rows["restriction"], "received_on"),
        documents=_newest(rows["document"], "received_on"),
        complaints=_newest(rows["complaint"], "received_on"),
        snapshot=snapshot,
    )


def _lists(account_id: int, since: datetime, consents_from: datetime) -> dict[str, Any]:
    """What the screen lists, one queryset each: all of the short lists, and of the long ones
    (attempts, notes, promises, callbacks, events) the newest the timeline shows plus what the
    rules and the work panel need (attempts and consents in the rules' window, every date of the
    promises with a date open, open callbacks)."""
    parties = AccountParty.objects.filter(account_id=account_id).values("party_id")
    mine = {"account_id": account_id}

    def newest(model: Any, *order: str, rows: Any = None) -> Any:
        rows = rows if rows is not None else model.objects.filter(**mine)
        return rows.order_by(*order).values("pk")[:TIMELINE]

    attempts = ContactAttempt.objects.filter(**mine)
    promises = Promise.objects.filter(**mine)
    callbacks = Callback.objects.filter(**mine)
    return {
        "link": AccountParty.objects.filter(**mine),
        "party": Party.objects.filter(pk__in=parties),
        "point": ContactPoint.objects.filter(party_id__in=parties),
        "restriction": ContactRestriction.objects.filter(
            party_id__in=parties.filter(role="primary")
        ),
        "hold": Hold.objects.filter(**mine),
        "entry": Entry.objects.filter(**mine),
        "attempt": attempts.filter(
            Q(at__gte=since) | Q(pk__in=newest(ContactAttempt, "-at", "-id"))
        ),
        "note": Note.objects.filter(pk__in=newest(Note, "-created_at", "-id")),
        "promise": promises.filter(
            with_open_dates(promises) | Q(pk__in=newest(Promise, "-created_at", "-id"))
        ),
        "callback": callbacks.filter(
            Q(status="open")
            | Q(pk__in=newest(Callback, "-created_at", "-id"))
            | Q(consumer_asked=True, created_at__gte=consents_from)
        ),
        "event": AuditEvent.objects.filter(
            pk__in=newest(AuditEvent, "-at", "-id", rows=timeline_events(account_id))
        ),
        "notice": ValidationNotice.objects.filter(**mine),
        "dispute": Dispute.objects.filter(**mine),
        "document": Document.objects.filter(**mine),
        "complaint": Complaint.objects.filter(**mine),
        "user": User.objects.filter(
            Q(pk__in=attempts.values("created_by_id"))
            | Q(pk__in=promises.values("created_by_id"))
            | Q(pk__in=callbacks.values("created_by_id"))
            | Q(pk__in=callbacks.values("user_id"))
        ),
    }


# Compiled once per process; the stand-ins are values no account and no screen moment has.
SCREEN = together.Prepared(
    _lists, account_id=-7_100_000_001, since=datetime(1901, 2, 3, 4, 5, 6, 7001, tzinfo=UTC),
    consents_from=datetime(1901, 2, 3, 4, 5, 6, 7002, tzinfo=UTC),
)  # fmt: skip


def _newest(rows: list[Any], key: str) -> list[Any]:
    """Rows newest first by ``key``, the later row first on a tie."""
    return sorted(rows, key=lambda r: (getattr(r, key), r.pk), reverse=True)


def _live_lease(account: Account, at: datetime) -> Lease | None:
    try:
        lease: Lease = account.lease  # read with the account
    except Lease.DoesNotExist:
        return None
    return lease if lease.until > at else None
