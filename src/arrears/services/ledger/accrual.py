"""The accrual batch: post interest on every account that may bear it, up to a date.

Interest is exact and cumulative (``core.interest``): each run posts only the whole-cent
difference between what is due from the itemization date and what was already posted, so daily,
monthly or one-off runs give the same cents. Running again for the same date, or an earlier one,
posts nothing and says so: each account row is locked and must not be accrued through the date
yet, a condition PostgreSQL re-checks after waiting for a lock, so two runs at once cannot both
post. Accounts go through in id ranges, each range one transaction, so a crash loses at most a
range and a re-run picks up where it stopped.

On PostgreSQL each range is one statement: the same integer arithmetic as ``core.interest``
written in SQL on ``numeric`` (exact, no overflow), inserting the entries and updating the
accounts together. A test checks it account by account against ``core.interest.accrue``. On
SQLite, whose integers would silently turn into floats past 2**63, the rows go through
``core.interest`` in Python.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from arrears.core import interest as core_interest
from arrears.data.accounts.models import Account, AccountStatus
from arrears.data.clients.models import Client, InterestPolicy
from arrears.data.ledger.models import Entry, EntryKind
from arrears.services.bulk import TableWriter, update_by_id
from arrears.services.common import Actor, audit_record

ACCRUING_STATUSES = [AccountStatus.ACTIVE, AccountStatus.ARRANGEMENT]
ENTRY_FIELDS = [
    "id", "account", "kind", "effective_on", "posted_at", "currency", "principal_minor",
    "interest_minor", "fees_minor", "costs_minor", "cash_minor", "idempotency_key", "source",
    "memo",
]  # fmt: skip
UPDATE_FIELDS = [
    "accrued_through", "interest_accrued_minor", "interest_minor", "balance_minor",
    "balance_through_entry_id",
]  # fmt: skip


@dataclass
class AccrualReport:
    as_of: str
    accounts: int = 0
    entries: int = 0
    interest_minor: int = 0
    skipped_already_accrued: int = 0
    latest_accrued_through: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def no_op(self) -> bool:
        return self.accounts == 0 and self.skipped_already_accrued > 0


def _eligible(client_ids: list[int], after_chargeoff_ids: list[int]) -> Q:
    return (
        Q(client_id__in=client_ids)
        & Q(status__in=ACCRUING_STATUSES)
        & Q(interest_rate_ppm__gt=0)
        & Q(accrual_segment_start__isnull=False)
        & (Q(charge_off_date__isnull=True) | Q(client_id__in=after_chargeoff_ids))
    )


# Day counts in SQL, mirroring core.interest.DayCount.days (30/360 is the U.S. bond basis).
_DAYS_SQL = """
CASE WHEN a.interest_day_count = '30/360' THEN
    360 * (EXTRACT(YEAR FROM %(as_of)s::date) - EXTRACT(YEAR FROM a.accrual_segment_start))
  + 30 * (EXTRACT(MONTH FROM %(as_of)s::date) - EXTRACT(MONTH FROM a.accrual_segment_start))
  + (CASE WHEN EXTRACT(DAY FROM %(as_of)s::date) = 31
               AND EXTRACT(DAY FROM a.accrual_segment_start) >= 30
          THEN 30 ELSE EXTRACT(DAY FROM %(as_of)s::date) END)
  - LEAST(EXTRACT(DAY FROM a.accrual_segment_start), 30)
ELSE (%(as_of)s::date - a.accrual_segment_start) END
"""

_ACCRUE_SQL = f"""
WITH due AS (
    SELECT a.id, a.currency, a.interest_accrued_minor,
           a.accrual_closed_numerator::numeric
             + GREATEST(a.principal_minor, 0)::numeric
               * LEAST(a.interest_rate_ppm, COALESCE(c.rate_cap_ppm, a.interest_rate_ppm))
               * ({_DAYS_SQL}) AS n,
           CASE WHEN a.interest_day_count = 'actual/365' THEN 365000000 ELSE 360000000
           END::numeric AS d
    FROM accounts_account a JOIN clients_client c ON c.id = a.client_id
    WHERE a.id > %(lo)s AND a.id <= %(hi)s
      AND c.interest_policy = 'contract'
      AND a.status IN ('active', 'arrangement')
      AND a.interest_rate_ppm > 0
      AND a.accrual_segment_start IS NOT NULL
      AND a.accrual_segment_start <= %(as_of)s::date
      AND (a.charge_off_date IS NULL OR c.accrue_after_charge_off)
      AND (a.accrued_through IS NULL OR a.accrued_through < %(as_of)s::date)
    FOR UPDATE OF a
), floored AS (
    SELECT due.*, floor(n / d) AS q FROM due
), totals AS (
    -- round half to even: n = q*d + r with 0 <= r < d
    SELECT id, currency, interest_accrued_minor,
           (q + CASE WHEN 2 * (n - q * d) > d
                       OR (2 * (n - q * d) = d AND mod(q, 2) <> 0) THEN 1 ELSE 0 END)::bigint
             AS total
    FROM floored
), rounded AS MATERIALIZED (
    -- the entry id is taken here, so the update below joins accounts by primary key only
    SELECT totals.*, total - interest_accrued_minor AS amount,
           CASE WHEN total <> interest_accrued_minor THEN nextval(%(entry_seq)s) END AS entry_id
    FROM totals
), ins AS (
    INSERT INTO ledger_entry (id, account_id, kind, effective_on, posted_at, currency,
        principal_minor, interest_minor, fees_minor, costs_minor, cash_minor, idempotency_key,
        source, memo)
    SELECT entry_id, id, 'interest', %(as_of)s::date, %(now)s, currency, 0, amount, 0, 0, 0,
           NULL, 'accrual', %(memo)s
    FROM rounded WHERE entry_id IS NOT NULL
    RETURNING 1
), upd AS (
    UPDATE accounts_account a SET
        accrued_through = %(as_of)s::date,
        interest_accrued_minor = r.total,
        interest_minor = a.interest_minor + r.amount,
        balance_minor = a.balance_minor + r.amount,
        balance_through_entry_id = COALESCE(r.entry_id, a.balance_through_entry_id)
    FROM rounded r
    WHERE a.id = r.id
    RETURNING r.entry_id, r.amount
)
SELECT count(*), count(entry_id), COALESCE(sum(amount), 0), (SELECT count(*) FROM ins) FROM upd
"""


def _accrue_postgresql(
    report: AccrualReport,
    *,
    as_of: date,
    now: datetime,
    chunk_size: int,
    progress: Callable[[int, int], None] | None,
    total: int,
    workers: int,
) -> None:
    """Run the statement over id ranges, on ``workers`` connections at once.

    The ranges are disjoint, so the transactions never touch the same account rows; the server
    work is CPU-bound, so a second connection uses the second core.
    """
    bounds = Account.objects.aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('ledger_entry', 'id')")
        entry_seq = cursor.fetchone()[0]
    params: dict[str, Any] = {
        "entry_seq": entry_seq,
        "as_of": as_of,
        "now": now,
        "memo": f"Interest through {as_of.isoformat()}",
    }
    ranges = [
        (lo, min(lo + chunk_size, bounds["hi"]))
        for lo in range(bounds["lo"] - 1, bounds["hi"], chunk_size)
    ]
    lock = threading.Lock()
    done = 0

    def run_range(lo: int, hi: int) -> None:
        nonlocal done
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")  # the range's joins stay in memory
                cursor.execute(_ACCRUE_SQL, {**params, "lo": lo, "hi": hi})
                accounts, entries, amount, inserted = cursor.fetchone()
                assert inserted == entries
        finally:
            if threading.current_thread() is not threading.main_thread():
                connection.close()
        with lock:
            report.accounts += accounts
            report.entries += entries
            report.interest_minor += int(amount)
            done += accounts
            if progress is not None:
                progress(done, total)

    if workers <= 1 or len(ranges) == 1:
        for lo, hi in ranges:
            run_range(lo, hi)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="accrue") as pool:
        for future in [pool.submit(run_range, lo, hi) for lo, hi in ranges]:
            future.result()


def interest_accrue(
    *,
    as_of: date,
    actor: Actor,
    chunk_size: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
    now: datetime | None = None,
    workers: int = 2,
) -> AccrualReport:
    """Accrue interest on all eligible accounts through ``as_of`` (idempotent for a date)."""
    now = now or timezone.now()
    report = AccrualReport(as_of=as_of.isoformat())
    clients = {c.pk: c for c in Client.objects.filter(interest_policy=InterestPolicy.CONTRACT)}
    if not clients:
        return report
    after_chargeoff = [pk for pk, c in clients.items() if c.accrue_after_charge_off]
    eligible = Account.objects.filter(_eligible(list(clients), after_chargeoff))
    due = eligible.filter(Q(accrued_through__isnull=True) | Q(accrued_through__lt=as_of))
    # One scan for the counts: due now, already accrued through the date, and the latest date.
    counts = eligible.aggregate(
        due=Count("id", filter=Q(accrued_through__isnull=True) | Q(accrued_through__lt=as_of)),
        done=Count("id", filter=Q(accrued_through__gte=as_of)),
        latest=Max("accrued_through"),
    )
    report.skipped_already_accrued = counts["done"]
    latest = counts["latest"]
    report.latest_accrued_through = latest.isoformat() if latest else None
    total = counts["due"]
    if total == 0:
        return report
    if connection.vendor == "postgresql":
        _accrue_postgresql(
            report, as_of=as_of, now=now, chunk_size=chunk_size * 5, progress=progress,
            total=total, workers=1 if connection.in_atomic_block else workers,
        )  # fmt: skip
        _audit(report, actor=actor, as_of=as_of, now=now)
        return report
    writer = TableWriter(Entry, ENTRY_FIELDS)
    columns = (
        "id", "client_id", "currency", "principal_minor", "interest_minor", "balance_minor",
        "interest_rate_ppm", "interest_day_count", "accrual_segment_start",
        "accrual_closed_numerator", "accrued_through", "interest_accrued_minor",
        "balance_through_entry_id",
    )  # fmt: skip
    last_id = 0
    done = 0
    terms_cache: dict[tuple[int, str, int | None], core_interest.InterestTerms] = {}
    while True:
        with transaction.atomic():
            rows = list(
                due.filter(id__gt=last_id)
                .order_by("id")
                .select_for_update()
                .values_list(*columns)[:chunk_size]
            )
            if not rows:
                break
            last_id = rows[-1][0]
            updates: list[tuple[Any, ...]] = []
            posts: list[tuple[int, int, str, int, int, int]] = []
            for (
                aid, client_id, currency, principal, interest, balance, rate, day_count,
                seg_start, closed, through, posted, through_entry,
            ) in rows:  # fmt: skip
                cap = clients[client_id].rate_cap_ppm
                key = (rate, day_count, cap)
                terms = terms_cache.get(key)
                if terms is None:
                    terms = core_interest.InterestTerms(
                        rate_ppm=rate, day_count=core_interest.DayCount(day_count), cap_rate_ppm=cap
                    )
                    terms_cache[key] = terms
                state = core_interest.AccrualState(
                    segment_start=seg_start, closed_numerator=closed,
                    accrued_through=through, posted_minor=posted,
                )  # fmt: skip
                result = core_interest.accrue(
                    state, principal_minor=principal, terms=terms, as_of=as_of
                )
                if result.skipped:
                    continue
                report.accounts += 1
                amount = result.post_minor
                if amount != 0:
                    posts.append((aid, amount, currency, interest, balance, through_entry))
                else:
                    updates.append(
                        (aid, as_of, result.state.posted_minor, interest, balance, through_entry)
                    )
                    continue
                updates.append((aid, as_of, result.state.posted_minor))
            entry_ids = writer.reserve_ids(len(posts))
            entry_rows = []
            memo = f"Interest through {as_of.isoformat()}"
            post_updates = {u[0]: u for u in updates if len(u) == 3}
            full_updates = [u for u in updates if len(u) == 6]
            for (aid, amount, currency, interest, balance, _), eid in zip(
                posts, entry_ids, strict=True
            ):
                entry_rows.append((
                    eid, aid, EntryKind.INTEREST, as_of, now, currency, 0, amount, 0, 0, 0,
                    None, "accrual", memo,
                ))  # fmt: skip
                _, through_date, posted_total = post_updates[aid]
                full_updates.append(
                    (aid, through_date, posted_total, interest + amount, balance + amount, eid)
                )
                report.interest_minor += amount
            writer.write(entry_rows)
            update_by_id(Account, UPDATE_FIELDS, full_updates)
            report.entries += len(entry_rows)
        done += len(rows)
        if progress is not None:
            progress(done, total)
    _audit(report, actor=actor, as_of=as_of, now=now)
    return report


def _audit(report: AccrualReport, *, actor: Actor, as_of: date, now: datetime) -> None:
    if report.accounts:
        audit_record(
            actor=actor,
            event="interest.accrued",
            at=now,
            details={
                "as_of": as_of.isoformat(),
                "accounts": report.accounts,
                "entries": report.entries,
                "interest_minor": report.interest_minor,
            },
        )
