"""Benchmarks for Arrears' heavy paths, each beside the raw limit for the same work.

    ./dev bench [--db sqlite|postgresql] [--accounts N] [--only NAME] [--reuse] [--json]

- ``import``: parse + validate + load a generated placement file (1 % bad rows) through the real
  import, against the raw limit: COPY of the same CSV into an unindexed table of text columns
  (PostgreSQL) or a plain executemany of its rows (SQLite). Peak memory of the import process.
- ``accrue``: interest accrual over the imported portfolio (about half of it bears interest),
  against one set-based INSERT ... SELECT computing a day's interest for the same accounts.
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
BENCHMARKS = ["import", "accrue", "compliance", "refresh", "notices"]
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
        connection.ensure_connection()
        copy_sql = "COPY bench_raw_rows FROM STDIN WITH (FORMAT csv, HEADER true)"
        with connection.connection.cursor() as cursor:
            with cursor.copy(copy_sql) as cp, path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    cp.write(chunk)
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
        (BENCH_DIR / f".loaded-{connection.vendor}-{accounts}").touch()
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


def worker(name: str, accounts: int, reuse: bool) -> None:
    django_setup()
    benches = {"import": bench_import, "accrue": bench_accrue, "compliance": bench_compliance,
               "refresh": bench_refresh, "notices": bench_notices}  # fmt: skip
    if name in ("accrue", "refresh", "notices"):  # a kept portfolio may predate a migration
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
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
    if args.reuse and "import" in names and len(names) > 1 and _have_portfolio(db, args.accounts):
        names = [n for n in names if n != "import"]
    results: dict[str, Any] = {}
    persistent = db == "sqlite" or os.environ.get("ARREARS_DATABASE_URL", "").startswith("postgres")
    if "import" in names:  # the database is rebuilt: no size's portfolio survives
        for marker in BENCH_DIR.glob(f".loaded-{db}-*"):
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


def _have_portfolio(db: str, accounts: int) -> bool:
    return (BENCH_DIR / f".loaded-{db}-{accounts}").exists()


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
