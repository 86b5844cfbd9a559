"""'Next account': hand each account to one collector only, for a lease that expires.

A pick walks the queue's entries in rank order and offers the first one that is
- not yet worked in this pass,
- not under another collector's live lease,
- open now on at least one workspace channel, by its stored next contactable moment (the rules
  are not evaluated per pick: ADR 10),
- in an owned queue, assigned to the collector asking,
- for a collector, of a client granted to them (services/accounts/access.py); the condition is
  part of the candidate SELECT, so an ungranted account is never even locked.

The lease is taken with one conditional upsert, so two collectors (or two queues holding the same
account) can never both win it. On PostgreSQL the candidate is read with ``FOR UPDATE SKIP
LOCKED``, so concurrent pickers pass each other instead of queueing on the same rows, and its
lease is taken in the same statement; SQLite takes its write lock at the start of the
transaction and so serializes picks.

Entries blocked on every channel when last worked out wait aside (``services.work.entries``):
the walk reads neither them nor the entries worked today, so a pick costs the same late in a
pass as at its start. A pick first brings back the waiting entries whose moment has come.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from arrears.core.work import WORK_CHANNELS, QueueMode
from arrears.data.accounts.models import Account
from arrears.data.audit.models import AuditEvent
from arrears.data.clients.models import ClientGrant
from arrears.data.contacts.models import Contactability
from arrears.data.users.models import Role, User
from arrears.data.work.models import Assignment, Lease, QueueEntry, WorkQueue
from arrears.services.accounts.access import sees_every_client
from arrears.services.common import Actor, NotFound, ServiceError, audit_record
from arrears.services.work.entries import entries_judged, entries_reopened

CANDIDATES = 16  # rows read per round on SQLite; most picks take the first
# Waiting entries a pick brings back at most, earliest first: when a window opens for much of the
# book at once (nine in the morning), the next picks share the work, and the statement's plan
# stays a walk of the waiting index whatever the count.
REOPEN_AT_MOST = 200


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


def _candidates_sql(owned: bool, limit: int, granted_only: bool = False) -> str:
    """Named parameters: queue, after, at, user."""
    entries, leases = QueueEntry._meta.db_table, Lease._meta.db_table
    states, owners = Contactability._meta.db_table, Assignment._meta.db_table
    accounts, grants = Account._meta.db_table, ClientGrant._meta.db_table
    channels = ", ".join(f"'{c}'" for c in WORK_CHANNELS)
    sql = (
        f"SELECT e.id, e.account_id, e.rank FROM {entries} e "
        "WHERE e.queue_id = %(queue)s AND e.rank > %(after)s AND e.worked_at IS NULL AND NOT e.waiting "
        # A scalar subquery, one probe of the lease's key per entry walked: as NOT EXISTS the
        # planner may read every lease ever taken once per pick instead.
        f"AND (SELECT l.account_id FROM {leases} l WHERE l.account_id = e.account_id "
        "AND l.until > %(at)s AND l.user_id <> %(user)s) IS NULL "
        f"AND EXISTS (SELECT 1 FROM {states} c WHERE c.account_id = e.account_id "
        f"AND c.channel IN ({channels}) AND c.next_at <= %(at)s) "
    )
    if owned:
        sql += (
            f"AND EXISTS (SELECT 1 FROM {owners} o WHERE o.account_id = e.account_id "
            "AND o.user_id = %(user)s) "
        )
    if granted_only:  # a collector: only accounts of the clients granted to them
        sql += (
            f"AND EXISTS (SELECT 1 FROM {accounts} a JOIN {grants} g ON g.client_id = a.client_id "
            "WHERE a.id = e.account_id AND g.user_id = %(user)s) "
        )
    sql += f"ORDER BY e.rank LIMIT {limit}"
    if connection.vendor == "postgresql":
        sql += " FOR UPDATE OF e SKIP LOCKED"
    return sql


def _take_lease_sql(
    source: str = "VALUES (%(account)s, %(user)s, %(queue)s, %(at)s, %(until)s)",
) -> str:
    leases = Lease._meta.db_table
    return (
        f"INSERT INTO {leases} (account_id, user_id, queue_id, taken_at, until) "
        f"{source} ON CONFLICT (account_id) DO UPDATE SET "
        "user_id = excluded.user_id, queue_id = excluded.queue_id, "
        "taken_at = excluded.taken_at, until = excluded.until "
        f"WHERE {leases}.until <= excluded.taken_at OR {leases}.user_id = excluded.user_id "
        "RETURNING account_id"
    )


def _pick_sql(owned: bool, granted_only: bool) -> str:
    """PostgreSQL: one statement locks the first candidate, takes its lease, sets its entry aside
    until the lease runs out and writes the audit row. A row whose ``taken`` is false is an
    account another queue's picker leased a moment ago (nothing else was written then).

    An entry set aside leaves the walk's index, so later picks do not read past the accounts
    other collectors hold; it is counted worked when its collector moves on, and comes back
    like any waiting entry if the lease runs out first."""
    entries, audit = QueueEntry._meta.db_table, AuditEvent._meta.db_table
    take = _take_lease_sql(
        "SELECT account_id, %(user)s, %(queue)s, %(at)s, %(until)s FROM candidate"
    )
    return (
        f"WITH candidate AS ({_candidates_sql(owned, 1, granted_only)}), "
        f"taken AS ({take}), "
        f"aside AS (UPDATE {entries} SET waiting = true, opens_at = %(until)s "
        "WHERE id = (SELECT id FROM candidate) AND EXISTS (SELECT 1 FROM taken)), "
        f"audited AS (INSERT INTO {audit} "
        "(at, actor_id, actor_label, event, account_id, party_id, details) "
        "SELECT %(at)s, %(user)s, %(label)s, 'work.picked', c.account_id, NULL, "
        "jsonb_build_object('queue', %(code)s::text, 'rank', c.rank, 'until', %(stamp)s::text) "
        "FROM candidate c WHERE EXISTS (SELECT 1 FROM taken)) "
        "SELECT account_id, rank, EXISTS (SELECT 1 FROM taken) FROM candidate"
    )


def _give_back_sql() -> tuple[str, str]:
    """PostgreSQL: two statements. First the queue's waiting entries whose moment has come are
    offered again (up to ``REOPEN_AT_MOST``, earliest first), and the entries of the accounts
    the collector holds counted as worked in this pass; then the collector's leases are given
    back.

    The entries are locked before the leases, the order a pick takes them in (the candidate,
    then its lease), so a collector moving on and one taking over the same account (its lease
    run out by the second one's clock) wait for each other in one direction only. Waiting
    entries another picker is bringing back already are passed over."""
    entries, leases = QueueEntry._meta.db_table, Lease._meta.db_table
    held = f"SELECT account_id FROM {leases} WHERE user_id = %(user)s AND until > %(at)s"
    return (
        f"WITH reopened AS (UPDATE {entries} SET waiting = false WHERE id IN (SELECT id FROM "
        f"{entries} WHERE queue_id = %(queue)s AND waiting AND worked_at IS NULL "
        f"AND opens_at <= %(at)s AND account_id NOT IN ({held}) "
        f"ORDER BY opens_at LIMIT {REOPEN_AT_MOST} FOR UPDATE SKIP LOCKED)) "
        f"UPDATE {entries} SET worked_at = %(at)s WHERE queue_id = %(queue)s "
        f"AND worked_at IS NULL AND account_id IN ({held})",
        f"UPDATE {leases} SET until = %(at)s WHERE user_id = %(user)s AND until > %(at)s",
    )


@dataclass(frozen=True)
class _Queue:
    pk: int
    code: str
    mode: str


def _open_queue_sql() -> str:
    """The pick's first statement. On PostgreSQL it also tells the transaction to run the
    prepared statements that follow on their one generic plan (``_prepared_statements_on``);
    set with the statement, not beside it, a pick needs no round trip more."""
    grants = WorkQueue.members.through._meta.db_table
    generic = (
        ", set_config('plan_cache_mode', 'force_generic_plan', true)"
        if connection.vendor == "postgresql"
        else ""
    )
    return (
        f"SELECT q.id, q.code, q.mode, EXISTS (SELECT 1 FROM {grants} m "
        f"WHERE m.workqueue_id = q.id AND m.user_id = %s){generic} "
        f"FROM {WorkQueue._meta.db_table} q WHERE q.code = %s AND q.active"
    )


def _open_queue(cursor: Any, queue_code: str, user: User) -> _Queue:
    """The active queue, read with whether it is granted to this user."""
    cursor.execute(_open_queue_sql(), [user.pk, queue_code.strip().lower()])
    row = cursor.fetchone()
    if row is None:
        raise NotFound(f"no active queue {queue_code!r}", field="queue")
    pk, code, mode, granted = row[:4]
    if not (user.is_superuser or user.role in (Role.SUPERVISOR, Role.ADMIN) or granted):
        raise NotAMember(f"queue {code!r} is not granted to {user.get_username()}")
    return _Queue(pk=pk, code=code, mode=mode)


@contextmanager
def _statements() -> Iterator[Any]:
    """A cursor for a pick's statements. On PostgreSQL one that binds on the server and
    prepares each statement once per connection, with one plan for all parameters: planning
    the walk cost more than running it."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        _prepared_statements_on(raw)
    with psycopg.Cursor(raw) as cursor:
        yield _Prepared(cursor)


def _prepared_statements_on(raw: Any) -> None:
    """Django turns psycopg's prepared statements off (for transaction-mode connection poolers
    that could not keep them); its own cursors bind on the client and never prepare. The
    pick's cursor asks for them one statement at a time, so the threshold is set out of reach
    of any statement that does not ask.

    A prepared statement is planned again for its parameters on every run while its generic
    plan looks dearer, which cost more than the pick itself; the pick's plans (a walk of one
    index in rank order, probes by key) do not depend on the values, so its transaction runs
    them on their generic plans (set by its first statement, ``_open_queue_sql``)."""
    raw.prepare_threshold = 2**31 - 1


class _Prepared:
    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    def execute(self, sql: str, params: Any) -> None:
        self.cursor.execute(sql, params, prepare=True)

    def fetchone(self) -> Any:
        return self.cursor.fetchone()


def next_account(*, queue_code: str, user: User, now: datetime) -> Pick | None:
    """The next account for this collector in this queue, leased to them; None when the queue
    has nothing left to offer now.

    The collector's other leases are given back; an account they held from this queue and now
    move on from counts as worked in this pass (skipped), so "next" never offers it again at
    once."""
    until = now + timedelta(minutes=lease_minutes())
    postgres = connection.vendor == "postgresql"
    after = 0
    stamp = connection.ops.adapt_datetimefield_value
    at, ends = stamp(now), stamp(until)
    with transaction.atomic(), _statements() as cursor:
        queue = _open_queue(cursor, queue_code, user)
        owned = queue.mode == QueueMode.OWNED
        granted_only = not sees_every_client(user)
        if postgres:
            for sql in _give_back_sql():
                cursor.execute(sql, {"at": at, "user": user.pk, "queue": queue.pk})
        else:
            held = Lease.objects.filter(user=user, until__gt=now)
            QueueEntry.objects.filter(
                queue_id=queue.pk, account_id__in=held.values("account_id"),
                worked_at__isnull=True,
            ).update(worked_at=now)  # fmt: skip
            held.update(until=now)
            entries_reopened(queue.pk, now=now)
        label = user.get_username()
        params: dict[str, Any] = {"queue": queue.pk, "at": at, "user": user.pk, "until": ends}
        while True:
            params["after"] = after
            if postgres:  # one candidate at a time: concurrent pickers skip each other's
                cursor.execute(
                    _pick_sql(owned, granted_only),
                    {**params, "label": label, "code": queue.code, "stamp": until.isoformat()},
                )
                row = cursor.fetchone()
                if row is None:
                    return None
                account_id, rank, won = row
                after = rank
                if won:  # the lease, the entry set aside and the audit row are written
                    return Pick(account_id=account_id, queue=queue.code, rank=rank, until=until)
                continue  # another queue's picker leased it a moment ago
            # SQLite holds the write lock already: read a few, lease the first free
            cursor.execute(_candidates_sql(owned, CANDIDATES, granted_only), params)
            rows = cursor.fetchall()
            if not rows:
                return None
            for entry_id, account_id, rank in rows:
                cursor.execute(_take_lease_sql(), {**params, "account": account_id})
                if cursor.fetchone() is not None:
                    QueueEntry.objects.filter(pk=entry_id).update(waiting=True, opens_at=until)
                    audit_record(
                        actor=Actor(label=label, user_id=user.pk), event="work.picked",
                        account_id=account_id, at=now,
                        details={"queue": queue.code, "rank": rank, "until": until.isoformat()},
                    )  # fmt: skip
                    return Pick(account_id=account_id, queue=queue.code, rank=rank, until=until)
            after = rows[-1][2]


def lease_release(*, account_id: int, user: User, now: datetime) -> bool:
    """Give an account back before the lease runs out; True if this collector held it. Its
    entries, set aside while it was held, take their moments again, so a queue may offer it
    at once."""
    with transaction.atomic():
        released = bool(
            Lease.objects.filter(account_id=account_id, user=user, until__gt=now).update(until=now)
        )
        if released:
            entries_judged([account_id], at=now)
    return released


def lease_holder(account_id: int, *, now: datetime) -> Lease | None:
    """The live lease on this account, if any."""
    return Lease.objects.select_related("user").filter(account_id=account_id, until__gt=now).first()


def entries_worked(account_id: int, *, at: datetime) -> int:
    """An action was logged on this account: it leaves every queue's current pass."""
    return QueueEntry.objects.filter(account_id=account_id, worked_at__isnull=True).update(
        worked_at=at
    )
