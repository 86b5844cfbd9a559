"""Reads for the workspace: a collector's queues, what a queue holds and skips, an account's
timeline, promises, callbacks and the consumer's other accounts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from arrears.core.money import format_minor
from arrears.core.work import DISPOSITION_RULES, WORK_CHANNELS, Disposition
from arrears.data.accounts.models import Account, AccountParty
from arrears.data.audit.models import AuditEvent
from arrears.data.contacts.models import Contactability, ContactAttempt
from arrears.data.ledger.models import Entry
from arrears.data.users.models import Role, User
from arrears.data.work.models import Callback, Lease, Note, Promise, QueueEntry, WorkQueue
from arrears.services.accounts.access import sees_every_client, visible_accounts
from arrears.services.work.promises import promise_key


@dataclass(frozen=True)
class QueueState:
    queue: WorkQueue
    size: int
    worked: int
    leased: int
    available: int  # may be offered now
    blocked: int  # not worked, but no workspace channel is open now


@dataclass(frozen=True)
class Skipped:
    account: Account
    rank: int
    next_at: datetime | None  # the earliest a workspace channel opens; None: no end known
    rules: list[str]


def queues_for(user: User) -> QuerySet[WorkQueue]:
    """The active queues this user may work."""
    queues = WorkQueue.objects.filter(active=True).order_by("name")
    if user.is_superuser or user.role in (Role.SUPERVISOR, Role.ADMIN):
        return queues
    return queues.filter(members=user)


def _open_now(now: datetime) -> Exists:
    return Exists(
        Contactability.objects.filter(
            account_id=OuterRef("account_id"), channel__in=WORK_CHANNELS, next_at__lte=now
        )
    )


def _leased(now: datetime) -> Exists:
    return Exists(Lease.objects.filter(account_id=OuterRef("account_id"), until__gt=now))


def _entries(queue: WorkQueue, user: User | None) -> QuerySet[QueueEntry]:
    """The queue's entries as this user may see them (a collector: their granted clients' only;
    None: every entry)."""
    entries = QueueEntry.objects.filter(queue=queue)
    return entries if user is None else visible_accounts(user, entries, via="account")


def queue_state(queue: WorkQueue, *, now: datetime, user: User | None = None) -> QueueState:
    """What the queue holds and offers now; with ``user``, as that user sees it (a collector
    counts only the accounts of their granted clients, and in an owned queue only their own)."""
    entries = _entries(queue, user)
    pending = entries.filter(worked_at__isnull=True)
    if user is not None and queue.mode == "owned":
        pending = pending.filter(account__assignment__user=user)
    counts = pending.aggregate(
        leased=_count(_leased(now)),
        available=_count(_open_now(now) & ~_leased(now)),
        blocked=_count(~_open_now(now)),
    )
    restricted = user is not None and not sees_every_client(user)
    size = entries.count() if restricted else queue.size
    return QueueState(
        queue=queue, size=size, worked=entries.filter(worked_at__isnull=False).count(),
        leased=counts["leased"], available=counts["available"], blocked=counts["blocked"],
    )  # fmt: skip


def _count(condition: Any) -> Count:
    return Count("id", filter=Q(condition))


def queue_top(queue: WorkQueue, *, user: User | None = None, limit: int = 25) -> list[QueueEntry]:
    """The first entries not yet worked in this pass, in rank order, as ``user`` may see them."""
    return list(
        _entries(queue, user)
        .filter(worked_at__isnull=True)
        .select_related("account", "account__client")
        .order_by("rank")[:limit]
    )


def skipped_accounts(
    queue: WorkQueue, *, now: datetime, limit: int = 50, user: User | None = None
) -> list[Skipped]:
    """Accounts in the pass that "next account" passes over now because compliance blocks every
    workspace channel, in rank order, with the rules and the moment it ends; with ``user``, only
    the accounts that user may see."""
    rows = list(
        _entries(queue, user)
        .filter(worked_at__isnull=True)
        .filter(~_open_now(now))
        .select_related("account", "account__client")
        .order_by("rank")[:limit]
    )
    states: dict[int, list[Contactability]] = {}
    for state in Contactability.objects.filter(
        account_id__in=[r.account_id for r in rows], channel__in=WORK_CHANNELS
    ):
        states.setdefault(state.account_id, []).append(state)
    out = []
    for row in rows:
        found = states.get(row.account_id, [])
        moments = [s.next_at for s in found if s.next_at is not None]
        rules = sorted({r for s in found for r in s.blocking_rules.split(",") if r})
        if not found:
            rules = ["not yet judged"]
        out.append(Skipped(account=row.account, rank=row.rank,
                           next_at=min(moments) if moments else None, rules=rules))  # fmt: skip
    return out


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # attempt, entry, note, promise, callback, event
    title: str
    detail: str
    who: str
    blocked: bool = False


# Audit events the timeline already shows from their own records, or that are noise there.
_SHOWN_ELSEWHERE = {
    "call.logged", "promise.made", "note.added", "callback.scheduled", "payment.posted",
    "payment.reversed", "interest.accrued", "work.picked", "contact.made_while_blocked",
}  # fmt: skip


def timeline(account_id: int, *, limit: int = 100) -> list[TimelineItem]:
    """Every event on the account, newest first (the later recorded first at the same moment):
    contacts with their decisions, money, notes, promises, callbacks, holds, status changes,
    documents, notices."""
    return timeline_of(
        attempts=ContactAttempt.objects.filter(account_id=account_id)
        .select_related("created_by")
        .order_by("-at", "-id")[:limit],
        entries=Entry.objects.filter(account_id=account_id).order_by("-id")[:limit],
        notes=Note.objects.filter(account_id=account_id).order_by("-created_at", "-id")[:limit],
        promises=Promise.objects.filter(account_id=account_id)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:limit],
        callbacks=Callback.objects.filter(account_id=account_id)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:limit],
        events=timeline_events(account_id).order_by("-at", "-id")[:limit],
        limit=limit,
    )


def timeline_events(account_id: int) -> QuerySet[AuditEvent]:
    """The account's audit events the timeline shows (those without a record of their own)."""
    return AuditEvent.objects.filter(account_id=account_id).exclude(event__in=_SHOWN_ELSEWHERE)


def timeline_of(
    *,
    attempts: Iterable[ContactAttempt],
    entries: Iterable[Entry],
    notes: Iterable[Note],
    promises: Iterable[Promise],
    callbacks: Iterable[Callback],
    events: Iterable[AuditEvent],
    limit: int = 100,
) -> list[TimelineItem]:
    """The timeline of rows already read: each kind newest first and at most ``limit`` of it,
    the attempts', promises' and callbacks' authors loaded with them."""
    items: list[TimelineItem] = []
    for a in attempts:
        label = DISPOSITION_RULES[Disposition(a.disposition)].label if a.disposition else ""
        title = f"{a.get_direction_display()} {a.get_channel_display().lower()}: " + (
            label or a.get_outcome_display()
        )
        rules = ", ".join(r.get("rule", "") for r in a.reasons if r.get("verdict") == "block")
        detail = a.note
        if a.allowed is False:
            detail = f"made while blocked by {rules}. {detail}".strip()
        items.append(TimelineItem(a.at, "attempt", title, detail,
                                  _who(a.created_by, a.source), blocked=a.allowed is False))  # fmt: skip
    for e in entries:
        amount = format_minor(e.total_minor, e.currency)
        items.append(TimelineItem(e.posted_at, "entry", f"{e.get_kind_display()} {amount}",
                                  e.memo, e.source))  # fmt: skip
    for n in notes:
        items.append(TimelineItem(n.created_at, "note", "Note", n.text, n.author_label))
    for dates in _by_promise(promises):
        p = dates[0]
        paid = [f"{format_minor(d.amount_minor, d.currency)} by {d.due_on:%d %b %Y}" for d in dates]
        said = paid[0] if len(paid) == 1 else f"{', '.join(paid[:-1])} and {paid[-1]}"
        detail = p.get_status_display() if len(dates) == 1 else "; ".join(
            f"{d.due_on:%d %b}: {d.get_status_display().lower()}" for d in dates
        )  # fmt: skip
        items.append(TimelineItem(p.created_at, "promise", f"Promise to pay {said}", detail,
                                  _who(p.created_by, "system")))  # fmt: skip
    for c in callbacks:
        items.append(TimelineItem(c.created_at, "callback",
                                  f"Callback set for {timezone.localtime(c.due_at):%d %b %Y %H:%M %Z}",
                                  c.get_status_display(), _who(c.created_by, "system")))  # fmt: skip
    for ev in events:
        items.append(TimelineItem(ev.at, "event", _event_title(ev.event),
                                  _event_detail(ev.details), ev.actor_label))  # fmt: skip
    items.sort(key=lambda i: i.at, reverse=True)
    return items[:limit]


def _who(user: User | None, fallback: str) -> str:
    return user.get_username() if user is not None else fallback


def _event_title(event: str) -> str:
    return event.replace(".", ": ").replace("_", " ").capitalize()


def _event_detail(details: dict[str, Any]) -> str:
    shown = {k: v for k, v in details.items() if v not in (None, "", [], {})}
    return "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in shown.items())[:300]


def _by_promise(rows: Iterable[Promise]) -> list[list[Promise]]:
    """Dated rows gathered into their promises (each in due order), in the order first seen."""
    promises: dict[int, list[Promise]] = defaultdict(list)
    for row in rows:
        promises[row.key].append(row)
    return [sorted(dates, key=lambda d: (d.due_on, d.pk)) for dates in promises.values()]


@dataclass(frozen=True)
class OpenPromise:
    """A promise with a date still open, with all its dates (kept and broken ones too)."""

    dates: tuple[Promise, ...]  # in due order

    @property
    def pk(self) -> int:
        return self.dates[0].key

    @property
    def currency(self) -> str:
        return self.dates[0].currency

    @property
    def note(self) -> str:
        return self.dates[0].note

    @property
    def total_minor(self) -> int:
        return sum(d.amount_minor for d in self.dates if d.status != "cancelled")

    @property
    def next_due_on(self) -> date:
        """The first date still open."""
        return min(d.due_on for d in self.dates if d.status == "open")

    @property
    def several(self) -> bool:
        return len(self.dates) > 1


def open_promises_of(rows: Iterable[Promise]) -> list[OpenPromise]:
    """The promises among ``rows`` with a date still open, the soonest open date first."""
    found = [OpenPromise(tuple(d)) for d in _by_promise(rows) if any(r.status == "open" for r in d)]
    return sorted(found, key=lambda p: (p.next_due_on, p.pk))


def with_open_dates(rows: QuerySet[Promise]) -> Q:
    """A filter for the dates of the promises among ``rows`` that have a date still open."""
    keys = rows.filter(status="open").annotate(of_promise=promise_key()).values("of_promise")
    return Q(pk__in=keys) | Q(first_id__in=keys)


def open_promises(account_id: int) -> list[OpenPromise]:
    mine = Promise.objects.filter(account_id=account_id)
    return open_promises_of(mine.filter(with_open_dates(mine)))


def open_callbacks(account_id: int) -> list[Callback]:
    return list(
        Callback.objects.filter(account_id=account_id, status="open")
        .select_related("user")
        .order_by("due_at")
    )


def linked_accounts(account_id: int, *, user: User | None = None) -> list[Account]:
    """The other accounts its parties owe (the consumer's whole book with us); with ``user``,
    only those that user may see."""
    parties = AccountParty.objects.filter(account_id=account_id).values("party_id")
    accounts = (
        Account.objects.all() if user is None else visible_accounts(user, Account.objects.all())
    )
    return list(
        accounts.filter(account_parties__party_id__in=parties)
        .exclude(pk=account_id)
        .select_related("client")
        .distinct()
        .order_by("-balance_minor", "id")[:50]
    )
