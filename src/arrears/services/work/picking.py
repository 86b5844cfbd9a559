"""'Next account': hand each account to one collector only, for a lease that expires.

A pick walks the queue's entries in rank order and offers the first one that is
- not yet worked in this pass,
- not under another collector's live lease,
- open now on at least one workspace channel, by its stored next contactable moment (the rules
  are not evaluated per pick: ADR 10),
- in an owned queue, assigned to the collector asking.

The lease is taken with one conditional upsert, so two collectors (or two queues holding the same
account) can never both win it. On PostgreSQL the candidates are read with ``FOR UPDATE SKIP
LOCKED``, so concurrent pickers pass each other instead of queueing on the same rows; SQLite
takes its write lock at the start of the transaction and so serializes picks.

Entries blocked on every channel when last worked out wait aside (``services.work.entries``):
the walk reads neither them nor the entries worked today, so a pick costs the same late in a
pass as at its start. A pick first brings back the waiting entries whose moment has come.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from arrears.core.work import WORK_CHANNELS, QueueMode
from arrears.data.contacts.models import Contactability
from arrears.data.users.models import Role, User
from arrears.data.work.models import Assignment, Lease, QueueEntry, WorkQueue
from arrears.services.common import Actor, NotFound, ServiceError, audit_record
from arrears.services.work.entries import entries_reopened

CANDIDATES = 16  # rows read per round; most picks take the first


class NotAMember(ServiceError):
    code = "forbidden"


@dataclass(frozen=True)
class Pick:
    account_id: int
    queue: str
    rank: int
    until: datetime


def lease_minutes() -> int:
    return int(getattr(settings, "ARREARS_LEASE_MINUTES", 15))


def may_work(user: User, queue: WorkQueue) -> bool:
    """Collectors work the queues they are granted; supervisors and admins work any queue."""
    if user.is_superuser or user.role in (Role.SUPERVISOR, Role.ADMIN):
        return True
    return queue.members.filter(pk=user.pk).exists()


def _candidates_sql(owned: bool) -> str:
    entries, leases = QueueEntry._meta.db_table, Lease._meta.db_table
    states, owners = Contactability._meta.db_table, Assignment._meta.db_table
    channels = ", ".join(f"'{c}'" for c in WORK_CHANNELS)
    sql = (
        f"SELECT e.id, e.account_id, e.rank FROM {entries} e "
        "WHERE e.queue_id = %s AND e.rank > %s AND e.worked_at IS NULL AND NOT e.waiting "
        f"AND NOT EXISTS (SELECT 1 FROM {leases} l WHERE l.account_id = e.account_id "
        "AND l.until > %s AND l.user_id <> %s) "
        f"AND EXISTS (SELECT 1 FROM {states} c WHERE c.account_id = e.account_id "
        f"AND c.channel IN ({channels}) AND c.next_at <= %s) "
    )
    if owned:
        sql += (
            f"AND EXISTS (SELECT 1 FROM {owners} o WHERE o.account_id = e.account_id "
            "AND o.user_id = %s) "
        )
    sql += "ORDER BY e.rank LIMIT %s"
    if connection.vendor == "postgresql":
        sql += " FOR UPDATE OF e SKIP LOCKED"
    return sql


def _take_lease_sql() -> str:
    leases = Lease._meta.db_table
    return (
        f"INSERT INTO {leases} (account_id, user_id, queue_id, taken_at, until) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (account_id) DO UPDATE SET "
        "user_id = excluded.user_id, queue_id = excluded.queue_id, "
        "taken_at = excluded.taken_at, until = excluded.until "
        f"WHERE {leases}.until <= excluded.taken_at OR {leases}.user_id = excluded.user_id "
        "RETURNING account_id"
    )


def next_account(*, queue_code: str, user: User, now: datetime) -> Pick | None:
    """The next account for this collector in this queue, leased to them; None when the queue
    has nothing left to offer now.

    The collector's other leases are given back; an account they held from this queue and now
    move on from counts as worked in this pass (skipped), so "next" never offers it again at
    once."""
    queue = WorkQueue.objects.filter(code=queue_code.strip().lower(), active=True).first()
    if queue is None:
        raise NotFound(f"no active queue {queue_code!r}", field="queue")
    if not may_work(user, queue):
        raise NotAMember(f"queue {queue.code!r} is not granted to {user.get_username()}")
    until = now + timedelta(minutes=lease_minutes())
    owned = queue.mode == QueueMode.OWNED
    select, take = _candidates_sql(owned), _take_lease_sql()
    after = 0
    stamp = connection.ops.adapt_datetimefield_value
    at, ends = stamp(now), stamp(until)
    with transaction.atomic(), connection.cursor() as cursor:
        held = Lease.objects.filter(user=user, until__gt=now)
        QueueEntry.objects.filter(
            queue=queue, account_id__in=held.values("account_id"), worked_at__isnull=True
        ).update(worked_at=now)
        held.update(until=now)
        entries_reopened(queue.pk, now=now)
        while True:
            params: list[Any] = [queue.pk, after, at, user.pk, at]
            if owned:
                params.append(user.pk)
            cursor.execute(select, [*params, CANDIDATES])
            rows = cursor.fetchall()
            if not rows:
                return None
            for _entry_id, account_id, rank in rows:
                cursor.execute(take, [account_id, user.pk, queue.pk, at, ends])
                if cursor.fetchone() is None:
                    continue  # another queue's picker leased it a moment ago
                audit_record(
                    actor=Actor(label=user.get_username(), user_id=user.pk),
                    event="work.picked", account_id=account_id, at=now,
                    details={"queue": queue.code, "rank": rank, "until": until.isoformat()},
                )  # fmt: skip
                return Pick(account_id=account_id, queue=queue.code, rank=rank, until=until)
            after = rows[-1][2]


def lease_release(*, account_id: int, user: User, now: datetime) -> bool:
    """Give an account back before the lease runs out; True if this collector held it."""
    return bool(
        Lease.objects.filter(account_id=account_id, user=user, until__gt=now).update(until=now)
    )


def lease_holder(account_id: int, *, now: datetime) -> Lease | None:
    """The live lease on this account, if any."""
    return Lease.objects.select_related("user").filter(account_id=account_id, until__gt=now).first()


def entries_worked(account_id: int, *, at: datetime) -> int:
    """An action was logged on this account: it leaves every queue's current pass."""
    return QueueEntry.objects.filter(account_id=account_id, worked_at__isnull=True).update(
        worked_at=at
    )
