"""Benchmarks for Arrears' heavy paths, each beside the raw limit for the same work.

    ./dev bench [--db sqlite|postgresql] [--accounts N] [--only NAME] [--reuse] [--json]

- ``import``: parse + validate + load a generated placement file (1 % bad rows) through the real
  import, against the raw limit: COPY of the same CSV into an unindexed table of text columns
  (PostgreSQL) or a plain executemany of its rows (SQLite). Peak memory of the import process.
- ``accrue``: interest accrual over the imported portfolio (about half of it bears interest),
  against one set-based INSERT ... SELECT computing a day's interest for the same accounts.
- ``payments``: ``arrears post-payments`` of a lockbox file over the imported portfolio (one
  payment per account asked for, at most 100k, drawn from accounts owing in two buckets or more; 3 % of
  references mistyped, so unmatched), against the set-based raw limit: COPY of the same file
  into a text table and one INSERT ... SELECT matching it to accounts into an unindexed table.
  Reports ``matched_share`` and checks that the ledger moved by exactly what was applied.
- ``compliance``: one Decision for each of N distinct snapshots with realistic contact
  histories (``core.synthetic.contacts``), in one process with no database: decisions per
  second and the share blocked. Building the snapshots is not timed; everything the evaluator
  works out from them (attempt days, plans, earliest moments) is.
- ``refresh``: ``arrears compliance-refresh`` over the imported portfolio: each account's next
  contactable moment for call, text, email and letter, read in batches from the database,
  judged, and written back.
- ``notices``: ``arrears notices`` for 1 % of the imported portfolio (20 to 1,000 notices:
  build from the book, render HTML and PDF, store, record with the letter attempt), against
  the raw limit: rendering the same HTML to PDF alone.
- ``workspace``: the collector's screens over a worked book. The imported portfolio gets a
  history generated set-based (ledger entries and contact attempts, about 20 rows per account
  in all, most accounts a few and some many), its next contactable moments and one pooled
  queue; then ``next_account_per_s`` and ``double_assignments`` (16 processes picking from
  the queue at once) and ``account_page_p95_ms`` and ``account_page_queries`` (GET of the
  account page for a random sample, server time measured inside the process). With
  ``--reuse`` the history, moments and queue are generated once per database and size.
  ``search_p95_ms`` and its recall come from ``search_bench.py`` over the same book.

Each benchmark runs in a fresh process so its peak memory is its own. ``--db postgresql`` uses
ARREARS_DATABASE_URL when set, else starts a throwaway PostgreSQL server. With ``--json`` the
last line on stdout is one JSON object keyed by benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "var" / "bench"
ANCHOR = date(2026, 11, 1)
BENCHMARKS = ["import", "accrue", "payments", "compliance", "refresh", "notices", "workspace"]
PAYMENTS_AT_MOST = 100_000  # the file: 100k payments, whatever the book's size
NOTICES_AT_MOST = 1000  # a PDF costs about 0.13 s: a sample of the book, 1 % of it up to this


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the throwaway PostgreSQL server -------------------------------------------------------------


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    initdb = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not initdb:
        raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
    bindir = initdb[-1].parent
    tmp = Path(tempfile.mkdtemp(prefix="arrears-bench-pg-"))
    as_root = os.geteuid() == 0
    if as_root:
        shutil.chown(tmp, "postgres")

    def run(*cmd: str) -> None:
        full = ["runuser", "-u", "postgres", "--", *cmd] if as_root else list(cmd)
        subprocess.run(full, check=True, stdout=subprocess.DEVNULL)

    data = tmp / "data"
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "log"), "-w", "start", "-o",
            f"-c listen_addresses= -k {tmp} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c shared_buffers=512MB -c max_wal_size=4GB")  # fmt: skip
        os.environ["PGHOST"] = str(tmp)
        os.environ["PGPORT"] = "5432"
        yield "postgres://postgres@/arrears_bench"
    finally:
        subprocess.run(
            (["runuser", "-u", "postgres", "--"] if as_root else [])
            + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        shutil.rmtree(tmp, ignore_errors=True)


# --- worker side: runs inside a fresh process with Django set up ----------------------------------


def django_setup() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arrears.config.settings")
    import django

    django.setup()


def reset_database(reuse: bool) -> None:
    from django.conf import settings
    from django.core.management import call_command

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and not reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db["NAME"]) + suffix).unlink(missing_ok=True)
    if db["ENGINE"].endswith("postgresql"):
        import psycopg

        params = {k: v for k, v in {"host": db.get("HOST") or None, "port": db.get("PORT") or None,
                                    "user": db.get("USER") or None}.items() if v}  # fmt: skip
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
            ).fetchone()
            if exists and not reuse:
                conn.execute(f'DROP DATABASE "{db["NAME"]}" WITH (FORCE)')
                exists = None
            if not exists:
                conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
    call_command("migrate", verbosity=0)


def placement_file(accounts: int) -> Path:
    from arrears.core.synthetic import generate_placements

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"placements-{accounts}-seed1.csv"
    if path.exists():
        return path
    import csv

    started = time.perf_counter()
    generated = generate_placements(accounts=accounts, seed=1, bad_fraction=0.01, today=ANCHOR)
    partial = path.with_suffix(".partial")
    with partial.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(generated.header)
        writer.writerows(generated.rows)
    partial.replace(path)
    path.with_name(path.name + ".manifest.json").write_text(json.dumps(generated.manifest()))
    log(f"generated {accounts} rows in {time.perf_counter() - started:.1f}s")
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def copy_csv(path: Path, table: str) -> None:
    """The raw limit's load on PostgreSQL: the file as it is, by server-side CSV COPY."""
    from django.db import connection

    connection.ensure_connection()
    copy_sql = f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)"
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(copy_sql) as cp,
        path.open("rb") as fh,
    ):
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            cp.write(chunk)


def raw_import_rows_per_s(path: Path) -> float:
    """The raw limit: the same rows into an unindexed table of text columns."""
    import csv

    from django.db import connection

    with path.open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    cols = ", ".join(f'"c{i}" text' for i in range(len(header)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_rows")
        cursor.execute(f"CREATE TABLE bench_raw_rows ({cols})")
    started = time.perf_counter()
    rows = 0
    if connection.vendor == "postgresql":
        copy_csv(path, "bench_raw_rows")
        with connection.connection.cursor() as cursor:
            connection.connection.commit()
            cursor.execute("SELECT count(*) FROM bench_raw_rows")
            rows = cursor.fetchone()[0]
    else:
        marks = ", ".join(["%s"] * len(header))
        with path.open(encoding="utf-8", newline="") as fh, connection.cursor() as cursor:
            reader = csv.reader(fh)
            next(reader)
            batch: list[list[str]] = []
            for row in reader:
                row = (row + [""] * len(header))[: len(header)]
                batch.append(row)
                if len(batch) == 10_000:
                    cursor.executemany(f"INSERT INTO bench_raw_rows VALUES ({marks})", batch)
                    rows += len(batch)
                    batch = []
            if batch:
                cursor.executemany(f"INSERT INTO bench_raw_rows VALUES ({marks})", batch)
                rows += len(batch)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_rows")
    return rows / seconds


FLOOR_TABLES = [
    "parties_party", "parties_contactpoint", "accounts_account", "accounts_accountparty",
    "ledger_entry",
]  # fmt: skip


def write_floor_seconds() -> float | None:
    """The write floor (PostgreSQL): the import's own output rows, already built, written again.

    Copies of the five tables an import fills (same columns, checks, indexes and foreign keys,
    the keys pointing at the copies) receive the rows with one INSERT ... SELECT each in one
    transaction, deferred key checks included. No parsing, no validation, no Python: no import
    of this schema can load faster, so ``rows / floor`` over the raw limit bounds the ratio.
    """
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        return None
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in FLOOR_TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {q('floor_' + table)} CASCADE")
        for table in FLOOR_TABLES:
            cursor.execute(f"CREATE TABLE {q('floor_' + table)} (LIKE {q(table)} INCLUDING ALL)")
            cursor.execute(
                "SELECT confrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = %s::regclass",
                [table],
            )
            for referenced, definition in cursor.fetchall():
                if referenced in FLOOR_TABLES:
                    definition = definition.replace(
                        f"REFERENCES {referenced}(", f"REFERENCES {q('floor_' + referenced)}("
                    )
                cursor.execute(f"ALTER TABLE {q('floor_' + table)} ADD {definition}")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table in FLOOR_TABLES:
            cursor.execute(f"INSERT INTO {q('floor_' + table)} SELECT * FROM {q(table)}")
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        for table in FLOOR_TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {q('floor_' + table)} CASCADE")
    return seconds


def bench_import(accounts: int, reuse: bool) -> dict[str, Any]:
    from django.db import connection

    from arrears.data.accounts.models import Account
    from arrears.data.clients.models import Client
    from arrears.services.clients.operations import client_add
    from arrears.services.common import Actor
    from arrears.services.placements.operations import placement_import

    path = placement_file(accounts)
    reset_database(reuse=False)
    actor = Actor.system("bench")
    if not Client.objects.filter(code="BENCH").exists():
        client_add(code="BENCH", name="Benchmark Bank", interest_policy="contract",
                   accrue_after_charge_off=True, actor=actor)  # fmt: skip
    out = Path(tempfile.mkdtemp(prefix="arrears-bench-"))
    started = time.perf_counter()
    report = placement_import(client_code="BENCH", path=path, actor=actor, today=ANCHOR,
                              rejects_path=out / "rejects.csv", ack_path=out / "ack.csv")  # fmt: skip
    seconds = time.perf_counter() - started
    rss = peak_rss_mb()
    shutil.rmtree(out, ignore_errors=True)
    if os.environ.get("ARREARS_BENCH_PERSISTENT"):
        (BENCH_DIR / f".loaded-{_store()}-{accounts}").touch()
    raw = raw_import_rows_per_s(path)
    floor = write_floor_seconds()
    rows_per_s = report.rows / seconds
    floor_fields = (
        {
            "floor_seconds": round(floor, 2),
            "floor_rows_per_s": round(report.rows / floor),
            "ratio_ceiling": round(report.rows / floor / raw, 3),
        }
        if floor
        else {}
    )
    return {
        "accounts": Account.objects.count(),
        "db": connection.vendor,
        "rows": report.rows,
        "loaded": report.loaded,
        "rejected": report.rejected,
        "parties": report.parties,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows_per_s),
        "raw_rows_per_s": round(raw),
        "ratio": round(rows_per_s / raw, 3),
        "peak_rss_mb": round(rss),
        **floor_fields,
    }


def bench_accrue(accounts: int, reuse: bool) -> dict[str, Any]:
    from django.db import connection

    from arrears.data.accounts.models import Account
    from arrears.services.common import Actor
    from arrears.services.ledger.accrual import interest_accrue

    if not Account.objects.exists():
        raise SystemExit("accrue needs the imported portfolio: run the import benchmark first")
    latest = Account.objects.exclude(accrued_through=None).order_by("-accrued_through")
    last = latest.values_list("accrued_through", flat=True).first()
    as_of = (last or ANCHOR) + timedelta(days=30)
    bearing = Account.objects.filter(interest_rate_ppm__gt=0).count()
    started = time.perf_counter()
    report = interest_accrue(as_of=as_of, actor=Actor.system("bench"))
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_interest")
        cursor.execute("CREATE TABLE bench_raw_interest (account_id bigint, amount bigint)")
        raw_started = time.perf_counter()
        cursor.execute(
            "INSERT INTO bench_raw_interest SELECT id, principal_minor * interest_rate_ppm * 30 "
            "/ 365000000 FROM accounts_account WHERE interest_rate_ppm > 0"
        )
        raw_seconds = time.perf_counter() - raw_started
        cursor.execute("DROP TABLE bench_raw_interest")
    return {
        "accounts": Account.objects.count(),
        "interest_bearing": bearing,
        "db": connection.vendor,
        "as_of": as_of.isoformat(),
        "accrued_accounts": report.accounts,
        "entries": report.entries,
        "seconds": round(seconds, 2),
        "raw_seconds": round(raw_seconds, 3),
        "ratio": round(raw_seconds / seconds, 3) if seconds else None,
        "peak_rss_mb": round(peak_rss_mb()),
    }


def payment_file(path: Path, count: int, today: date) -> tuple[int, int]:
    """Write a lockbox file of ``count`` payments to accounts owing in two buckets or more.

    Returns (payments, mistyped). References are new on every run, so a kept book is posted
    to again rather than found already posted.
    """
    import csv
    import random

    from django.db.models import F, IntegerField, Value
    from django.db.models.functions import Cast, Greatest, Least

    from arrears.data.accounts.models import Account

    def owes(field: str):  # 1 when the bucket is positive
        return Least(Greatest(Cast(F(field), IntegerField()), Value(0)), Value(1))

    rows = list(
        Account.objects.filter(status="active", balance_minor__gt=0)
        .annotate(
            buckets=owes("principal_minor")
            + owes("interest_minor")
            + owes("fees_minor")
            + owes("costs_minor")
        )
        .filter(buckets__gte=2)
        .order_by("id")
        .values_list("id", "client_ref", "client__code", "balance_minor")
    )
    if not rows:
        raise SystemExit("payments needs accounts owing in two buckets: import a portfolio first")
    rng = random.Random(1)
    run = time.strftime("%Y%m%d%H%M%S")
    mistyped = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["reference", "received_on", "amount", "method", "account", "client",
                         "payer_name"])  # fmt: skip
        for n in range(count):
            account_id, ref, client, balance = rows[rng.randrange(len(rows))]
            roll = rng.random()
            if roll < 0.10:
                cents = balance  # paid in full
            elif roll < 0.12:
                cents = balance + rng.randrange(100, 5_000)  # a little too much
            else:
                cents = min(balance, rng.choice([2_500, 5_000, 7_500, 10_000, 15_000, 20_000]))
            amount = f"{cents // 100}.{cents % 100:02d}"
            hint, code = (ref, client) if rng.random() < 0.7 else (f"#{account_id}", "")
            if rng.random() < 0.03:
                hint, code = f"{ref}X", ""  # a mistyped reference: no account matches
                mistyped += 1
            writer.writerow([f"LB{run}-{n:07d}", today.isoformat(), amount,
                             rng.choice(["check", "check", "money_order", "ach"]), hint, code,
                             "Payer"])  # fmt: skip
    return count, mistyped


def raw_payments_seconds(path: Path) -> float:
    """The set-based raw limit: the file into a text table, then matched to accounts by the
    client's reference or our number, into an unindexed table, in two statements."""
    import csv

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_pay")
        cursor.execute("DROP TABLE IF EXISTS bench_raw_posted")
        cursor.execute(
            "CREATE TABLE bench_raw_pay (reference text, received_on text, amount text, "
            "method text, account text, client text, payer_name text)"
        )
        cursor.execute(
            "CREATE TABLE bench_raw_posted (account_id bigint, reference text, amount bigint)"
        )
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        copy_csv(path, "bench_raw_pay")
        cents = "(replace(p.amount, '.', ''))::bigint"
    else:
        with path.open(encoding="utf-8", newline="") as fh, connection.cursor() as cursor:
            reader = csv.reader(fh)
            next(reader)
            cursor.executemany("INSERT INTO bench_raw_pay VALUES (%s, %s, %s, %s, %s, %s, %s)",
                               list(reader))  # fmt: skip
        cents = "CAST(replace(p.amount, '.', '') AS integer)"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_raw_posted SELECT a.id, p.reference, " + cents + " "
            "FROM bench_raw_pay p JOIN accounts_account a ON a.client_ref = p.account "
            "UNION ALL SELECT a.id, p.reference, " + cents + " FROM bench_raw_pay p "
            "JOIN accounts_account a ON p.account LIKE '#%%' "
            "AND a.id = CAST(substr(p.account, 2) AS bigint)"
        )
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_pay")
        cursor.execute("DROP TABLE bench_raw_posted")
    return seconds


def ach_debits(count: int, effective: date) -> int:
    """Authorize and schedule ``count`` ACH debits due on ``effective`` to accounts that owe more
    than them (some accounts get two or three); returns how many were scheduled."""
    from django.db import transaction
    from django.utils import timezone

    from arrears.data.accounts.models import Account, AccountParty
    from arrears.data.parties.models import BankAccount
    from arrears.data.payments.models import AchAuthorization, ScheduledPayment
    from arrears.services.common import key_ring
    from arrears.services.payments.origination import BANK_CONTEXT

    ring = key_ring()
    now = timezone.now()
    # Each debit was given three days before it is due: not post-dated by more than five days,
    # so no pre-debit notice is due (the effective day moves on with every run on a kept
    # database, and a debit scheduled today for a day weeks out would rightly be held).
    given = max(now, now + timedelta(days=(effective - timezone.localdate(now)).days - 3))
    routings = ["021000021", "011000015", "091000019", "071000013", "121000248"]
    parties = dict(
        AccountParty.objects.filter(role="primary").values_list("account_id", "party_id")
    )
    owing = (
        Account.objects.filter(balance_minor__gte=6_000, status="active")
        .order_by("id")
        .values_list("id", flat=True)[:count]
    )
    owners = [a for a in owing if a in parties]
    if not owners:
        raise SystemExit("ach needs accounts that owe: import a portfolio first")
    chosen = [owners[i % len(owners)] for i in range(count)]
    with transaction.atomic():
        banks = BankAccount.objects.bulk_create(
            [
                BankAccount(
                    party_id=parties[a], routing_number=routings[a % len(routings)],
                    account_number_encrypted=ring.encrypt(f"{a:012d}", context=BANK_CONTEXT),
                    account_last4=f"{a:012d}"[-4:],
                    account_type="checking" if a % 4 else "savings",
                )
                for a in chosen
            ],
            batch_size=5_000,
        )  # fmt: skip
        authorizations = AchAuthorization.objects.bulk_create(
            [
                AchAuthorization(
                    account_id=a, bank_account=bank, sec=("WEB", "PPD", "TEL")[a % 3],
                    recurring=bool(a % 2), evidence="bench", obtained_at=now,
                )
                for a, bank in zip(chosen, banks, strict=True)
            ],
            batch_size=5_000,
        )  # fmt: skip
        ScheduledPayment.objects.bulk_create(
            [
                ScheduledPayment(
                    account_id=a, authorization=authorization, amount_minor=500 + a % 1_500,
                    due_on=effective, created_at=given,
                )
                for a, authorization in zip(chosen, authorizations, strict=True)
            ],
            batch_size=5_000,
        )  # fmt: skip
    return len(chosen)


def raw_ach_seconds(origination_id: int, out: Path) -> float:
    """The set-based raw limit of an origination: the sent debits with their bank details in one
    statement, each formatted as a 94-character entry, the file written, and the debits marked
    in one statement (no decryption, controls or checks)."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, b.routing_number, b.account_number_encrypted, s.amount_minor, "
            "s.account_id, p.first_name, p.last_name FROM payments_scheduledpayment s "
            "JOIN payments_achauthorization a ON a.id = s.authorization_id "
            "JOIN parties_bankaccount b ON b.id = a.bank_account_id "
            "JOIN parties_party p ON p.id = b.party_id "
            "WHERE s.origination_id = %s ORDER BY s.id",
            [origination_id],
        )
        rows = cursor.fetchall()
        with out.open("w", encoding="ascii", errors="replace") as fh:
            for pk, routing, account, amount, account_id, first, last_name in rows:
                name = f"{first} {last_name}"
                fh.write(
                    f"627{routing}{account[-17:]:<17}{amount:010d}{account_id:<15}"
                    f"{name[:22].upper():<22}  009100001{pk % 10**7:07d}\n"
                )
        cursor.execute(
            "UPDATE payments_scheduledpayment SET trace = trace WHERE origination_id = %s",
            [origination_id],
        )
    return time.perf_counter() - started


def bench_ach(count: int) -> dict[str, Any]:
    """``arrears ach-originate`` of ``count`` debits, then ``arrears ach-settle`` of them."""
    from django.utils import timezone

    from arrears.core.time import next_settlement_day
    from arrears.data.payments.models import AchOrigination
    from arrears.services.common import Actor
    from arrears.services.payments.origination import ach_originate
    from arrears.services.payments.returns import ach_settle

    last = AchOrigination.objects.order_by("-effective_on").values_list("effective_on", flat=True)
    effective = next_settlement_day(
        max(timezone.localdate(), last.first() or timezone.localdate()) + timedelta(days=1)
    )
    if last.first() is not None:  # what an earlier, interrupted run left unsettled
        ach_settle(as_of=last.first(), actor=Actor.system("bench"))
    scheduled = ach_debits(count, effective)
    out = BENCH_DIR / "debits.ach"
    started = time.perf_counter()
    report = ach_originate(effective=effective, out=out, actor=Actor.system("bench"))
    seconds = time.perf_counter() - started
    log(f"originated {report.entries} debits in {seconds:.2f} s")
    if report.entries != scheduled:
        raise SystemExit(f"scheduled {scheduled} debits, the file has {report.entries}")
    origination = AchOrigination.objects.order_by("-id").values_list("id", flat=True).first()
    assert origination is not None
    raw = raw_ach_seconds(origination, BENCH_DIR / "debits-raw.txt")
    started = time.perf_counter()
    settled = ach_settle(as_of=effective, actor=Actor.system("bench"))
    settle_seconds = time.perf_counter() - started
    if settled.settled != scheduled:
        raise SystemExit(f"originated {scheduled} debits, settled {settled.settled}")
    return {
        "ach_entries": report.entries,
        "ach_originate_s": round(seconds, 2),
        "ach_raw_seconds": round(raw, 3),
        "ach_ratio": round(raw / seconds, 3) if seconds else None,
        "ach_settle_s": round(settle_seconds, 2),
        "ach_settled_posted": settled.posted,
    }


def bench_payments(accounts: int, reuse: bool) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Sum
    from django.utils import timezone

    from arrears.data.accounts.models import Account
    from arrears.data.ledger.models import Entry
    from arrears.services.common import Actor
    from arrears.services.payments.posting import payments_post_file

    if not Account.objects.exists():
        raise SystemExit("payments needs the imported portfolio: run the import benchmark first")
    today = timezone.localdate()
    count = min(PAYMENTS_AT_MOST, accounts)  # some accounts get two or three payments
    path = BENCH_DIR / f"payments-{count}.csv"
    _, mistyped = payment_file(path, count, today)

    def book() -> tuple[int, int, int]:
        sums = Account.objects.aggregate(b=Sum("balance_minor"))
        cash = Entry.objects.aggregate(c=Sum("cash_minor"))
        return Entry.objects.count(), sums["b"] or 0, cash["c"] or 0

    entries_before, owed_before, cash_before = book()
    started = time.perf_counter()
    report = payments_post_file(path, actor=Actor.system("bench"), rejects_path=None)
    seconds = time.perf_counter() - started
    entries_after, owed_after, cash_after = book()
    if cash_after - cash_before != report.applied_minor:
        raise SystemExit(
            f"the ledger took {cash_after - cash_before} cents of cash, "
            f"the payments applied {report.applied_minor}"
        )
    raw = raw_payments_seconds(path)
    fresh = report.rows - report.rejected - report.duplicates
    return {
        "accounts": Account.objects.count(),
        "db": connection.vendor,
        "payments": report.rows,
        "posted": report.posted,
        "unapplied": report.unapplied,
        "mistyped": mistyped,
        "matched_share": round(report.matched / fresh, 4) if fresh else None,
        "entries_written": entries_after - entries_before,
        "applied_minor": report.applied_minor,
        "owed_change_minor": owed_after - owed_before,
        "seconds": round(seconds, 2),
        "post_payments_s": round(seconds, 2),
        "payments_per_s": round(report.rows / seconds) if seconds else None,
        "raw_seconds": round(raw, 3),
        "ratio": round(raw / seconds, 3) if seconds else None,
        **bench_ach(count),
        "peak_rss_mb": round(peak_rss_mb()),
    }


def bench_compliance(accounts: int, reuse: bool) -> dict[str, Any]:
    from collections import Counter

    from arrears.core.compliance import PackSet, evaluate, shipped_packs
    from arrears.core.synthetic.contacts import synthetic_workload

    packs = PackSet(shipped_packs())
    started = time.perf_counter()
    work = list(synthetic_workload(accounts, seed=1, today=ANCHOR + timedelta(days=22)))
    log(f"built {accounts} snapshots in {time.perf_counter() - started:.1f}s")
    attempts = sum(len(snap.attempts) for snap, _ in work)
    blocked = 0
    by_rule: Counter[str] = Counter()
    started = time.perf_counter()
    for snap, request in work:
        decision = evaluate(packs, snap, request)
        if not decision.allowed:
            blocked += 1
            by_rule.update(r.rule_id for r in decision.blocks)
    seconds = time.perf_counter() - started
    return {
        "snapshots": accounts,
        "attempts_in_histories": attempts,
        "seconds": round(seconds, 2),
        "decisions_per_s": round(accounts / seconds),
        "blocked_share": round(blocked / accounts, 3),
        "top_blocking_rules": dict(by_rule.most_common(5)),
        "peak_rss_mb": round(peak_rss_mb()),
    }


def bench_refresh(accounts: int, reuse: bool) -> dict[str, Any]:
    from datetime import UTC, datetime

    from django.db import connection

    from arrears.data.accounts.models import Account
    from arrears.data.contacts.models import Contactability
    from arrears.services.compliance.operations import contactability_refresh
    from arrears.services.compliance.queries import account_ids_for_refresh

    if not Account.objects.exists():
        raise SystemExit("refresh needs the imported portfolio: run the import benchmark first")
    at = datetime.combine(ANCHOR + timedelta(days=22), datetime.min.time(), tzinfo=UTC)
    ids = account_ids_for_refresh()
    started = time.perf_counter()
    done = contactability_refresh(ids, at=at.replace(hour=15))
    seconds = time.perf_counter() - started
    blocked_calls = (
        Contactability.objects.filter(channel="call").exclude(next_at=at.replace(hour=15)).count()
    )
    return {
        "accounts": done,
        "db": connection.vendor,
        "decisions": done * 4,
        "seconds": round(seconds, 2),
        "accounts_per_s": round(done / seconds),
        "call_blocked_share": round(blocked_calls / done, 3) if done else None,
        "peak_rss_mb": round(peak_rss_mb()),
    }


def bench_notices(accounts: int, reuse: bool) -> dict[str, Any]:
    import tempfile as tmp
    from datetime import UTC, datetime

    from django.conf import settings
    from django.db import connection

    from arrears.data.accounts.models import Account
    from arrears.data.contacts.models import ValidationNotice
    from arrears.services.common import Actor, document_store, letter_renderer
    from arrears.services.compliance.notices import validation_notices_send

    if not Account.objects.exists():
        raise SystemExit("notices needs the imported portfolio: run the import benchmark first")
    settings.ARREARS_DOCUMENTS_DIR = Path(tmp.mkdtemp(prefix="arrears-bench-docs-"))
    document_store.cache_clear()
    as_of = ANCHOR + timedelta(days=22)
    renderer = letter_renderer()
    renderer.pdf("<p>warm up</p>")  # fonts and imports load once per process
    before = ValidationNotice.objects.count()
    started = time.perf_counter()
    report = validation_notices_send(
        as_of=as_of, actor=Actor.system("bench"), now=datetime.now(UTC),
        store=document_store(), renderer=renderer,
        limit=min(NOTICES_AT_MOST, max(20, accounts // 100)),
    )  # fmt: skip
    seconds = time.perf_counter() - started
    sample = ValidationNotice.objects.order_by("-id").first()
    raw_seconds = None
    if sample is not None:
        html = document_store().get(sample.html_key).decode()
        raw_started = time.perf_counter()
        for _ in range(20):
            renderer.pdf(html)
        raw_seconds = (time.perf_counter() - raw_started) / 20
    shutil.rmtree(settings.ARREARS_DOCUMENTS_DIR, ignore_errors=True)
    sent = ValidationNotice.objects.count() - before
    return {
        "db": connection.vendor,
        "candidates": report.candidates,
        "sent": sent,
        "skipped": dict(report.skipped),
        "seconds": round(seconds, 2),
        "notices_per_s": round(sent / seconds, 1) if seconds else None,
        "raw_pdf_per_s": round(1 / raw_seconds, 1) if raw_seconds else None,
        "ratio": round((sent / seconds) * raw_seconds, 3) if raw_seconds and seconds else None,
        "peak_rss_mb": round(peak_rss_mb()),
    }


# --- workspace: a worked book, "next account" from 16 processes, the account page ----------------

WORKSPACE_AT = (2027, 5, 18, 10, 0)  # a Tuesday morning in New York, about 200 days after placement
WORKSPACE_QUEUE = "bench-pool"
PICKERS = 16
HISTORY_SOURCE = "history"  # ledger entries the benchmark generated
RANGE = 50_000  # account ids per generating statement


def workspace_now() -> Any:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime(*WORKSPACE_AT, tzinfo=ZoneInfo("America/New_York"))


def _h(expr: str, salt: int) -> str:
    """A deterministic pseudo-random integer in [0, 1000003) from an integer SQL expression,
    the same on PostgreSQL and SQLite (64-bit integer arithmetic only)."""
    return f"((({expr}) * {2654435761 + 7919 * salt} + {104729 * salt}) % 1000003)"


def _rows_per_account() -> str:
    """How many ledger and attempt rows an account gets: 70 % of accounts 3-10, 25 % 12-51,
    5 % 60-209 (about 19 on average; with the placement entry, 20)."""
    tier, size = _h("a.id", 1), _h("a.id", 2)
    return (f"CASE WHEN {tier} % 100 < 70 THEN 3 + {size} % 8 "
            f"WHEN {tier} % 100 < 95 THEN 12 + {size} % 40 ELSE 60 + {size} % 150 END")  # fmt: skip


def _accounts_cte(vendor: str, day: str) -> str:
    """Accounts in an id range with their row counts: k in all, of which n ledger entries, and
    ``span``: the days between placement and the benchmark's day."""
    span = (f"(DATE '{day}' - a.placed_on)" if vendor == "postgresql"
            else f"CAST(julianday('{day}') - julianday(a.placed_on) AS INTEGER)")  # fmt: skip
    return (
        "acc AS (SELECT id, placed_on, currency, interest_day_count, "
        "COALESCE(interest_rate_ppm, 0) > 0 AS bearing, k, k * 3 / 10 AS n, span FROM "
        f"(SELECT a.*, {_rows_per_account()} AS k, {span} AS span FROM accounts_account a "
        "WHERE a.id >= %s AND a.id < %s) a)"
    )


def _series(vendor: str, lo: str, hi: str) -> str:
    """Rows i in [lo, hi) for each account: generate_series on PostgreSQL, a recursive count
    on SQLite."""
    if vendor == "postgresql":
        return f"CROSS JOIN LATERAL generate_series({lo}, {hi} - 1) AS s(i)"
    return f"JOIN seq s ON s.i >= {lo} AND s.i < {hi}"


def _with(vendor: str) -> str:
    """The start of a statement's WITH clause: SQLite counts its rows with a recursive CTE."""
    if vendor == "postgresql":
        return "WITH "
    return "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 220), "


def _literal_percent(sql: str) -> str:
    """Modulo signs doubled, as the drivers read %s placeholders in statements with
    parameters."""
    return sql.replace("%", "%%").replace("%%s", "%s")


def _plus_days(vendor: str, day: str, days: str) -> str:
    if vendor == "postgresql":
        return f"({day} + ({days})::int)"
    return f"date({day}, '+' || ({days}) || ' days')"


def _moment(vendor: str, day: str, minutes: str) -> str:
    """A moment ``minutes`` after midnight UTC of ``day``, as each engine stores it."""
    if vendor == "postgresql":
        return f"(({day})::timestamp AT TIME ZONE 'UTC' + make_interval(mins => ({minutes})::int))"
    return f"strftime('%Y-%m-%d %H:%M:%S', {day}, '+' || ({minutes}) || ' minutes')"


def _ledger_sql(vendor: str, day: str) -> str:
    """Fees, interest and payments after placement, in time order: a payment pays the fee just
    charged (fees come first in the waterfall), interest only on accounts that bear it."""
    fee = f"(1500 + {_h('a.id * 211 + s.i * 1000033', 3)} % 3500)"
    paid_fee = f"(1500 + {_h('a.id * 211 + (s.i - 1) * 1000033', 3)} % 3500)"
    interest = f"(500 + {_h('a.id * 211 + s.i * 1000033', 4)} % 4500)"
    kind = ("CASE WHEN s.i % 3 = 2 THEN 'payment' WHEN s.i % 3 = 0 AND a.bearing "
            "THEN 'interest' ELSE 'fee' END")  # fmt: skip
    amount = (f"CASE WHEN s.i % 3 = 2 THEN {paid_fee} WHEN s.i % 3 = 0 AND a.bearing "
              f"THEN {interest} ELSE {fee} END")  # fmt: skip
    effective = _plus_days(vendor, "a.placed_on", "1 + (s.i + 1) * (a.span - 2) / (a.n + 1)")
    return _literal_percent(
        f"{_with(vendor)}{_accounts_cte(vendor, day)} "
        "INSERT INTO ledger_entry (account_id, kind, effective_on, posted_at, currency, "
        "principal_minor, interest_minor, fees_minor, costs_minor, cash_minor, source, memo) "
        f"SELECT id, kind, effective_on, {_moment(vendor, 'effective_on', '16 * 60')}, currency, "
        "0, CASE WHEN kind = 'interest' THEN amount ELSE 0 END, "
        "CASE WHEN kind = 'fee' THEN amount WHEN kind = 'payment' THEN -amount ELSE 0 END, 0, "
        f"CASE WHEN kind = 'payment' THEN amount ELSE 0 END, '{HISTORY_SOURCE}', "
        "CASE kind WHEN 'payment' THEN 'Payment by card' WHEN 'fee' THEN 'Servicing fee' "
        "ELSE 'Interest at the contract rate' END "
        f"FROM (SELECT a.id, a.currency, s.i, {kind} AS kind, {amount} AS amount, "
        f"{effective} AS effective_on FROM acc a {_series(vendor, '0', 'a.n')}) g"
    )


def _balances_sql(vendor: str) -> str:
    """The balance cache moves by the generated entries; interest bearing accounts also count
    the interest as accrued (posted, and in the closed accrual segments), so a later accrual
    posts what it would have posted anyway."""
    return (
        "UPDATE accounts_account SET interest_minor = interest_minor + t.interest, "
        "fees_minor = fees_minor + t.fees, balance_minor = balance_minor + t.interest + t.fees, "
        "balance_through_entry_id = t.last_id, "
        "interest_accrued_minor = interest_accrued_minor + t.interest, "
        "accrual_closed_numerator = accrual_closed_numerator + t.interest * CASE "
        "WHEN interest_day_count = 'actual/365' THEN 365000000 ELSE 360000000 END "
        "FROM (SELECT account_id, SUM(interest_minor) AS interest, SUM(fees_minor) AS fees, "
        "MAX(id) AS last_id FROM ledger_entry WHERE source = %s AND account_id >= %s "
        "AND account_id < %s GROUP BY account_id) t WHERE accounts_account.id = t.account_id"
    )


def _attempts_sql(vendor: str, day: str, users: list[int], calls: dict[str, tuple[str, str]],
                  channels: list[str]) -> str:  # fmt: skip
    """Contact attempts spread from placement to the benchmark's day: 70 % calls (dispositions
    as collectors log them, 8 % inbound), 10 % texts, 10 % emails, 10 % letters. Outbound
    attempts carry the allowed Decision the real code stores; inbound ones are not judged.
    Parameters: the id range, then the reasons of each of ``channels``, then the pack version."""
    c, d = _h("a.id * 307 + s.i * 1000039", 5), _h("a.id * 307 + s.i * 1000039", 6)
    minute = _h("a.id * 307 + s.i * 1000039", 7)
    channel = (f"CASE WHEN {c} % 100 < 70 THEN 'call' WHEN {c} % 100 < 80 THEN 'sms' "
               f"WHEN {c} % 100 < 90 THEN 'email' ELSE 'letter' END")  # fmt: skip
    disposition = (f"CASE WHEN {d} % 100 < 50 THEN 'no_answer' WHEN {d} % 100 < 75 THEN "
                   f"'voicemail' WHEN {d} % 100 < 85 THEN 'right_party' WHEN {d} % 100 < 89 "
                   f"THEN 'refused_to_pay' WHEN {d} % 100 < 92 THEN 'third_party' "
                   "ELSE 'right_party' END")  # fmt: skip
    outcome = " ".join(f"WHEN '{k}' THEN '{v[0]}'" for k, v in calls.items())
    recipient = " ".join(f"WHEN '{k}' THEN '{v[1]}'" for k, v in calls.items())
    who = " ".join(f"WHEN {n} THEN {uid}" for n, uid in enumerate(users))
    cast = "::jsonb" if vendor == "postgresql" else ""
    decided = " ".join(f"WHEN '{ch}' THEN CAST(%s AS {'jsonb' if cast else 'text'})"
                       for ch in channels)  # fmt: skip
    at = _moment(vendor, _plus_days(vendor, "a.placed_on", "(s.i - a.n) * a.span / (a.k - a.n)"),
                 f"13 * 60 + {minute} % 600")  # fmt: skip
    return _literal_percent(
        f"{_with(vendor)}{_accounts_cte(vendor, day)} "
        "INSERT INTO contacts_contactattempt (account_id, at, channel, direction, outcome, "
        "recipient, purpose, phone_type, automated, with_consent, allowed, reasons, "
        "pack_version, source, disposition, note, created_by_id, created_at) "
        "SELECT id, at, channel, CASE WHEN inbound AND channel = 'call' THEN 'inbound' "
        "ELSE 'outbound' END, "
        f"CASE WHEN channel <> 'call' THEN CASE WHEN channel = 'letter' OR pick % 5 = 0 "
        f"THEN 'sent' ELSE 'delivered' END ELSE CASE disp {outcome} END END, "
        f"CASE WHEN channel <> 'call' THEN 'consumer' ELSE CASE disp {recipient} END END, "
        "'collection', CASE WHEN channel IN ('call', 'sms') THEN 'mobile' ELSE '' END, "
        f"{'false' if vendor == 'postgresql' else '0'}, {'false' if vendor == 'postgresql' else '0'}, "
        f"CASE WHEN inbound AND channel = 'call' THEN NULL ELSE "
        f"{'true' if vendor == 'postgresql' else '1'} END, "
        f"CASE WHEN inbound AND channel = 'call' THEN '[]'{cast} ELSE CASE channel {decided} END END, "
        "CASE WHEN inbound AND channel = 'call' THEN '' ELSE %s END, "
        "CASE WHEN channel = 'call' THEN 'workspace' ELSE 'campaign' END, "
        "CASE WHEN channel = 'call' THEN disp ELSE '' END, "
        "CASE WHEN channel = 'call' AND disp = 'right_party' "
        "THEN 'Spoke with the consumer; no arrangement yet.' ELSE '' END, "
        f"CASE WHEN channel = 'call' THEN CASE pick % {len(users)} {who} END END, at "
        f"FROM (SELECT a.id, {channel} AS channel, {disposition} AS disp, {d} % 100 >= 92 AS inbound, "
        f"{d} AS pick, {at} AS at "
        f"FROM acc a {_series(vendor, 'a.n', 'a.k')}) g"
    )


def _real_reasons(at: Any) -> tuple[dict[str, str], str]:
    """What the real code stores with an allowed outbound attempt: the reasons of a Decision,
    per channel, taken from judging accounts of the portfolio."""
    from arrears.core.compliance import Channel, ContactRequest, evaluate
    from arrears.data.accounts.models import Account
    from arrears.services.compliance.snapshots import contact_snapshot, packs_in_force

    found: dict[str, str] = {}
    version = ""
    for account_id in Account.objects.order_by("id").values_list("id", flat=True)[:200]:
        snap = contact_snapshot(account_id, at=at)
        if snap is None:
            continue
        for channel in (Channel.CALL, Channel.SMS, Channel.EMAIL, Channel.LETTER):
            decision = evaluate(packs_in_force(), snap, ContactRequest(channel=channel, at=at))
            version = decision.pack_version
            if channel.value not in found and decision.allowed:
                found[channel.value] = json.dumps([r.as_dict() for r in decision.reasons])
        if len(found) == 4:
            break
    for channel in ("call", "sms", "email", "letter"):  # never allowed in the sample: its passes
        if channel not in found:
            found[channel] = "[]"
    return found, version


def _bench_users() -> tuple[list[Any], Any]:
    """16 collectors granted the benchmark's client (a collector sees and picks only the
    accounts of clients granted to them), and a supervisor, who sees the whole book."""
    from arrears.data.users.models import Role, User
    from arrears.services.accounts.access import clients_grant
    from arrears.services.common import Actor

    collectors = []
    for n in range(PICKERS):
        user, created = User.objects.get_or_create(username=f"bench-c{n:02d}",
                                                   defaults={"role": Role.COLLECTOR})  # fmt: skip
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        clients_grant(username=user.username, client_codes=["BENCH"], by=None,
                      actor=Actor.system("bench"), now=workspace_now())  # fmt: skip
        collectors.append(user)
    boss, _ = User.objects.get_or_create(username="bench-sup", defaults={"role": Role.SUPERVISOR})
    return collectors, boss


def _load_portfolio(accounts: int) -> float:
    """The imported portfolio, as the import benchmark loads it (not measured here)."""
    from django.db import connection

    from arrears.data.clients.models import Client
    from arrears.services.clients.operations import client_add
    from arrears.services.common import Actor
    from arrears.services.placements.operations import placement_import

    path = placement_file(accounts)
    for marker in [
        *BENCH_DIR.glob(f".loaded-{_store()}-*"),
        *BENCH_DIR.glob(f".workspace-{_store()}-*"),
    ]:
        marker.unlink()  # the database is rebuilt: no size's portfolio survives
    connection.close()
    reset_database(reuse=False)
    actor = Actor.system("bench")
    if not Client.objects.filter(code="BENCH").exists():
        client_add(code="BENCH", name="Benchmark Bank", interest_policy="contract",
                   accrue_after_charge_off=True, actor=actor)  # fmt: skip
    out = Path(tempfile.mkdtemp(prefix="arrears-bench-"))
    started = time.perf_counter()
    placement_import(client_code="BENCH", path=path, actor=actor, today=ANCHOR,
                     rejects_path=out / "rejects.csv", ack_path=out / "ack.csv")  # fmt: skip
    shutil.rmtree(out, ignore_errors=True)
    if os.environ.get("ARREARS_BENCH_PERSISTENT"):
        (BENCH_DIR / f".loaded-{_store()}-{accounts}").touch()
    return time.perf_counter() - started


def _generate_history(at: Any, state: dict[str, Any], save: Any) -> None:
    """Ledger entries and contact attempts for every account, set-based, a range of account ids
    per statement; then the balance caches, the next contactable moments and the queue.

    ``state`` records each step's figures as it ends (and ``save`` keeps it), so that a run
    stopped midway goes on with ``--reuse`` from the last range written, not from the start."""
    if "queue_build_seconds" in state:
        return
    from django.db import connection, transaction
    from django.db.models import Max, Min

    from arrears.core.work import DISPOSITION_RULES, Disposition
    from arrears.data.accounts.models import Account
    from arrears.data.contacts.models import ContactAttempt
    from arrears.data.ledger.models import Entry
    from arrears.services.common import Actor
    from arrears.services.compliance.operations import contactability_refresh
    from arrears.services.compliance.queries import account_ids_for_refresh
    from arrears.services.work.queues import queue_build, queue_define

    vendor = connection.vendor
    collectors, _boss = _bench_users()
    calls = {d.value: (DISPOSITION_RULES[d].outcome.value, DISPOSITION_RULES[d].recipient.value)
             for d in Disposition}  # fmt: skip
    reasons, version = _real_reasons(at)
    day = at.date().isoformat()
    bounds = Account.objects.aggregate(lo=Min("id"), hi=Max("id"))
    lo, hi = bounds["lo"] or 0, (bounds["hi"] or 0) + 1
    channels = sorted(reasons)
    steps = [
        ("ledger", [_ledger_sql(vendor, day), _balances_sql(vendor)],
         lambda a, b: [[a, b], [HISTORY_SOURCE, a, b]]),
        ("attempts", [_attempts_sql(vendor, day, [u.pk for u in collectors], calls, channels)],
         lambda a, b: [[a, b, *(reasons[c] for c in channels), version]]),
    ]  # fmt: skip
    for name, statements, params in steps:
        if state.get(f"{name}_seconds") is not None:
            continue
        spent = state.get(f"{name}_spent", 0.0)
        for start in range(max(lo, state.get(f"{name}_next", lo)), hi, RANGE):
            end = min(start + RANGE, hi)
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                for sql, values in zip(statements, params(start, end), strict=True):
                    cursor.execute(sql, values)
            spent += time.perf_counter() - started
            state.update({f"{name}_next": end, f"{name}_spent": spent})
            save()
            log(f"   {name}: accounts to id {end - 1} of {hi - 1} ({spent:.0f}s)")
        state[f"{name}_seconds"] = round(spent, 1)
        save()
    if "rows" not in state:
        started = time.perf_counter()
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        state["analyze_seconds"] = round(time.perf_counter() - started, 1)
        state["ledger_rows"] = Entry.objects.count()
        state["attempt_rows"] = ContactAttempt.objects.count()
        state["rows"] = state["ledger_rows"] + state["attempt_rows"]
        save()
    if "refresh_seconds" not in state:
        started = time.perf_counter()
        state["refresh_accounts"] = contactability_refresh(account_ids_for_refresh(), at=at)
        state["refresh_seconds"] = round(time.perf_counter() - started, 1)
        save()
        log(f"   next contactable moments: {state['refresh_seconds']}s")
    if "queue_build_seconds" not in state:
        started = time.perf_counter()
        actor = Actor.system("bench")
        queue_define(code=WORKSPACE_QUEUE, name="Benchmark pool", filters={},
                     order="balance_high", mode="pooled",
                     members=[u.username for u in collectors], actor=actor, now=at)  # fmt: skip
        state["queue_accounts"] = queue_build(WORKSPACE_QUEUE, now=at, actor=actor).accounts
        state["queue_build_seconds"] = round(time.perf_counter() - started, 1)
        save()


def _clock(at: Any) -> Any:
    """Stand the clock the views read at the benchmark's moment, moving on in real time."""
    from datetime import timedelta

    from django.utils import timezone

    origin = time.perf_counter()

    def now() -> Any:
        return at + timedelta(seconds=time.perf_counter() - origin)

    timezone.now = now  # the interface layer reads the clock through this, as the tests freeze it
    return now


def _pick_worker(user_id: int, start: Any, seconds: float, barrier: Any, results: Any) -> None:
    from django.db import OperationalError, connection

    from arrears.data.users.models import User
    from arrears.services.work.picking import next_account

    user = User.objects.get(pk=user_id)
    picks: list[int] = []
    server = _server_process(connection)
    barrier.wait()
    now = _clock(start)  # every picker's clock starts at the common start
    started = time.perf_counter()
    cpu = time.process_time(), _cpu_seconds(server)
    error = ""
    busy = 0
    try:
        while time.perf_counter() - started < seconds:
            try:
                pick = next_account(queue_code=WORKSPACE_QUEUE, user=user, now=now())
            except OperationalError as exc:
                if "locked" not in str(exc):  # SQLite's busy timeout ran out: counted
                    raise
                busy += 1
                continue
            if pick is None:
                break
            picks.append(pick.account_id)
    except Exception as exc:  # reported by the parent, which fails the benchmark
        error = f"{type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - started
    spent = (time.process_time() - cpu[0], _cpu_seconds(server) - cpu[1])
    results.put((user_id, picks, elapsed, spent, busy, error))
    connection.close()


def _server_process(connection: Any) -> int | None:
    """The database server process serving this connection, when it runs on this machine."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = int(cursor.fetchone()[0])
    return pid if Path(f"/proc/{pid}/stat").exists() else None


def _cpu_seconds(pid: int | None) -> float:
    """User and system CPU seconds a process has used so far (Linux), 0 when unknown."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure_picks(collectors: list[Any], seconds: float) -> dict[str, Any]:
    """16 processes, each with its own connection and collector, take "next account" from the
    same pooled queue for a fixed time after a common start."""
    import multiprocessing
    from collections import Counter
    from datetime import timedelta

    from django.db import connections
    from django.db.models import Max

    from arrears.data.audit.models import AuditEvent
    from arrears.data.work.models import Lease

    before = AuditEvent.objects.aggregate(m=Max("id"))["m"] or 0
    # A run on a kept book starts after the leases of the runs before it have run out, as a
    # later session of the same day would.
    last = Lease.objects.aggregate(m=Max("until"))["m"]
    start = max(workspace_now(), last + timedelta(seconds=1)) if last else workspace_now()
    connections.close_all()  # each child opens its own
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(len(collectors)), ctx.Queue()
    procs = [ctx.Process(target=_pick_worker, args=(u.pk, start, seconds, barrier, results))
             for u in collectors]  # fmt: skip
    for p in procs:
        p.start()
    reported = [results.get(timeout=seconds + 300) for _ in procs]
    for p in procs:
        p.join()
    errors = [error for *_, error in reported if error]
    if errors:
        raise SystemExit(f"{len(errors)} pickers failed, the first with {errors[0]}")
    done = [(user_id, picks, elapsed) for user_id, picks, elapsed, *_ in reported]
    client_cpu = sum(spent[0] for _, _, _, spent, _, _ in reported)
    server_cpu = sum(spent[1] for _, _, _, spent, _, _ in reported)
    busy = sum(n for _, _, _, _, n, _ in reported)
    picked = [aid for _, picks, _ in done for aid in picks]
    elapsed = max(e for _, _, e in done)
    handed = Counter(picked)
    audited = Counter(
        AuditEvent.objects.filter(id__gt=before, event="work.picked").values_list(
            "account_id", flat=True
        )
    )
    twice_in_audit = sum(n - 1 for n in audited.values() if n > 1)
    # Each collector still holds the last account handed to them, and nobody else does.
    last = {user_id: picks[-1] for user_id, picks, _ in done if picks}
    held = dict(Lease.objects.filter(account_id__in=last.values()).values_list("account_id",
                                                                              "user_id"))  # fmt: skip
    wrong_holder = sum(1 for user_id, aid in last.items() if held.get(aid) != user_id)
    per_worker = sorted(len(p) for _, p, _ in done)
    return {
        "pickers": len(collectors),
        "seconds": round(elapsed, 2),
        "picks": len(picked),
        "next_account_per_s": round(len(picked) / elapsed) if elapsed else None,
        "double_assignments": sum(n - 1 for n in handed.values() if n > 1),
        "double_assignments_audit": twice_in_audit,
        "audit_rows": sum(audited.values()),
        "lease_holder_mismatches": wrong_holder,
        "picks_per_worker_min_max": [per_worker[0], per_worker[-1]] if per_worker else None,
        "picks_refused_busy": busy,  # SQLite: a picker waited past the busy timeout
        # CPU the pickers and their server processes spent per pick, and what two cores given
        # to this alone would sustain at that cost (the box is shared: wall rates vary).
        "pick_client_cpu_ms": round(client_cpu / len(picked) * 1000, 2) if picked else None,
        "pick_server_cpu_ms": round(server_cpu / len(picked) * 1000, 2) if picked else None,
        "picks_per_s_on_two_free_cores": (
            round(2 * len(picked) / (client_cpu + server_cpu)) if picked and server_cpu else None
        ),
    }


def _measure_page(boss: Any, requests: int) -> dict[str, Any]:
    """GET /accounts/<id>/ for a random sample, signed in as a supervisor: server time around
    the request inside this process, and the SQL statements each page issued."""
    import random
    import statistics

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from arrears.data.accounts.models import Account

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    _clock(workspace_now())
    ids = list(Account.objects.order_by("id").values_list("id", flat=True)) if Account.objects.count() <= 200_000 else None  # fmt: skip
    rng = random.Random(7)
    if ids is None:
        lo = Account.objects.order_by("id").values_list("id", flat=True).first() or 0
        hi = Account.objects.order_by("-id").values_list("id", flat=True).first() or 0
        candidates = [rng.randint(lo, hi) for _ in range(requests * 2)]
        present = set(Account.objects.filter(id__in=candidates).values_list("id", flat=True))
        sample = [i for i in candidates if i in present][:requests]
    else:
        sample = rng.sample(ids, min(requests, len(ids)))
    browser = Client()
    browser.force_login(boss)
    for account_id in sample[:10]:  # templates compile and caches fill once per process
        browser.get(f"/accounts/{account_id}/")
    times: list[float] = []
    queries: list[int] = []
    for account_id in sample:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = browser.get(f"/accounts/{account_id}/")
            times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"account page {account_id}: HTTP {response.status_code}")
        queries.append(len(captured.captured_queries))
    times.sort()
    return {
        "account_page_requests": len(times),
        "account_page_p50_ms": round(statistics.median(times), 1),
        "account_page_p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "account_page_max_ms": round(times[-1], 1),
        "account_page_queries": max(queries),
        "account_page_queries_median": statistics.median(queries),
    }


def bench_workspace(accounts: int, reuse: bool) -> dict[str, Any]:
    import search_bench  # beside this file
    from django.db import connection

    from arrears.data.accounts.models import Account
    from arrears.data.ledger.models import Entry

    at = workspace_now()
    path = BENCH_DIR / f".workspace-{_store()}-{accounts}.json"
    persistent = bool(os.environ.get("ARREARS_BENCH_PERSISTENT"))
    have_portfolio = Account.objects.exists() and (
        _have_portfolio(_store(), accounts) or not persistent
    )
    state: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}

    def save() -> None:
        if persistent:
            path.write_text(json.dumps(state))

    if not (have_portfolio and reuse and state):
        state = {}
        # A history is generated once per portfolio: a kept one is started over without --reuse.
        if not have_portfolio or Entry.objects.filter(source=HISTORY_SOURCE).exists():
            state["import_seconds"] = round(_load_portfolio(accounts), 1)
        save()
    elif "queue_build_seconds" in state:
        log("   reusing the generated history, moments and queue")
    else:
        log("   going on with the history a stopped run began")
    _generate_history(at, state, save)
    figures = {k: v for k, v in state.items() if not k.endswith(("_next", "_spent"))}
    collectors, boss = _bench_users()
    big = accounts >= 100_000
    page = _measure_page(boss, requests=400 if big else 60)
    search = search_bench.measure(total=400 if big else 60)  # the search box, over this book
    picks = _measure_picks(collectors, seconds=20.0 if big else 3.0)
    return {
        "db": connection.vendor,
        "accounts": Account.objects.count(),
        **figures,
        **page,
        **search,
        **picks,
        "peak_rss_mb": round(peak_rss_mb()),
    }


def worker(name: str, accounts: int, reuse: bool) -> None:
    django_setup()
    benches = {"import": bench_import, "accrue": bench_accrue, "payments": bench_payments,
               "compliance": bench_compliance,
               "refresh": bench_refresh, "notices": bench_notices,
               "workspace": bench_workspace}  # fmt: skip
    if name in (
        "accrue",
        "payments",
        "refresh",
        "notices",
    ):  # a kept portfolio may predate a migration
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    if name == "workspace":  # it loads the portfolio itself when there is none
        reset_database(reuse=True)
    result = benches[name](accounts, reuse)
    print(json.dumps(result))


# --- driver ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--only", choices=BENCHMARKS, action="append")
    parser.add_argument("--reuse", action="store_true", help="Keep generated data between runs.")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.accounts, args.reuse)
        return 0

    db = args.db or (
        "postgresql"
        if os.environ.get("ARREARS_DATABASE_URL", "").startswith("postgres")
        else "sqlite"
    )
    names = args.only or BENCHMARKS
    given = os.environ.get("ARREARS_DATABASE_URL", "")
    store = _store_of(f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}" if db == "sqlite" else given, db)
    if (
        args.reuse
        and "import" in names
        and len(names) > 1
        and _have_portfolio(store, args.accounts)
    ):
        names = [n for n in names if n != "import"]
    results: dict[str, Any] = {}
    persistent = db == "sqlite" or os.environ.get("ARREARS_DATABASE_URL", "").startswith("postgres")
    if "import" in names:  # the database is rebuilt: no size's portfolio survives
        for marker in [
            *BENCH_DIR.glob(f".loaded-{store}-*"),
            *BENCH_DIR.glob(f".workspace-{store}-*"),
        ]:
            marker.unlink()
    with _database(db) as url:
        env = dict(os.environ, ARREARS_DATABASE_URL=url)
        if persistent:
            env["ARREARS_BENCH_PERSISTENT"] = "1"
        for name in names:
            log(f"-- {name}: {args.accounts} accounts on {db}")
            cmd = [sys.executable, __file__, "--worker", name, "--accounts", str(args.accounts)]
            if args.reuse:
                cmd.append("--reuse")
            proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True)
            if proc.returncode != 0:
                log(f"benchmark {name} failed (exit {proc.returncode})")
                return proc.returncode
            results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
            log("   " + ", ".join(f"{k}={v}" for k, v in results[name].items()))
    if args.json:
        print(json.dumps(results, sort_keys=True))
    return 0


def _have_portfolio(store: str, accounts: int) -> bool:
    return (BENCH_DIR / f".loaded-{store}-{accounts}").exists()


def _store_of(url: str, db: str) -> str:
    """The name of a kept database among the markers: the engine and the database's name, so
    that books kept in two databases of one server do not take each other's markers."""
    name = Path(url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]).stem if url else ""
    return f"{db}-{name or 'throwaway'}"


def _store() -> str:
    """The kept database this worker measures (see ``_store_of``)."""
    from django.db import connection

    return _store_of(os.environ.get("ARREARS_DATABASE_URL", ""), connection.vendor)


@contextmanager
def _database(db: str) -> Iterator[str]:
    if db == "sqlite":
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}"
        return
    url = os.environ.get("ARREARS_DATABASE_URL", "")
    if url.startswith("postgres"):
        yield url
        return
    with throwaway_postgres() as url:
        yield url


if __name__ == "__main__":
    sys.exit(main())
