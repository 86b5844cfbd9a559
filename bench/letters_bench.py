"""Letters in batch print mode: pages per second per core, with the real templates.

    .venv/bin/python bench/letters_bench.py [--letters 200] [--workers 2] [--chunk 10]
                                            [--simplex] [--baseline N] [--json]

No database: the letters are built as the services build them (``core`` values rendered to
HTML by ``LetterRenderer``), from synthetic but realistic values drawn with a fixed seed
(names, streets and cities of ``core.synthetic``, amounts, dates and schedules). The mix is
a day's mail of a collection agency: half validation notices (two pages each: the tear-off
form goes to the second page), half letters about money (payment confirmations, pre-debit
notices, returned payments, plan and settlement confirmations, broken-arrangement notices),
one page each except long plans (a weekly plan of 40 payments runs to two pages).

Rendering the HTML to one merged PDF and its manifest (``adapters.letters.batch``) is timed,
from the letters' HTML to the finished batch; building the HTML is not (it is about 1 ms a
letter). ``pages_per_s_per_core`` divides by the cores the run could use:
min(workers, os.cpu_count()). Peak RSS is the largest of this process and its workers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from arrears.adapters.letters.batch import CHUNK_LETTERS, print_batch  # noqa: E402
from arrears.adapters.letters.renderer import LetterRenderer  # noqa: E402
from arrears.core.compliance import CollectorKind  # noqa: E402
from arrears.core.compliance.validation import (  # noqa: E402
    Itemization,
    Party,
    ValidationNotice,
    mask_account_number,
    validation_period_end,
)
from arrears.core.letters import (  # noqa: E402
    Applied,
    LetterHead,
    PaymentConfirmation,
    PreDebitNotice,
    ReturnedPaymentNotice,
    broken_notice,
    plan_confirmation,
    settlement_confirmation,
)
from arrears.core.letters.printing import PrintLetter  # noqa: E402
from arrears.core.money import Money  # noqa: E402
from arrears.core.synthetic import _data as names  # noqa: E402

SEED = 11
SENT_ON = date(2026, 11, 24)
COLLECTOR = Party("Arrears Recovery Services", ("PO Box 4100", "Albany, NY 12204"))
PHONE, HOURS, WEBSITE = "(800) 555-0142", "Monday to Friday, 8 am to 8 pm", "www.arrears.example"
CLIENTS = ("Meridian Portfolio Holdings LLC", "Northbridge Bank", "Keystone Consumer Finance",
           "Harborline Savings Bank", "Atlas Receivables Trust")  # fmt: skip


def _usd(minor: int) -> Money:
    return Money.from_minor(minor, "USD")


def _consumer(rng: random.Random) -> tuple[str, tuple[str, ...], str]:
    """A name, its address lines as a letter prints them, and the ZIP."""
    first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
    middle = f" {rng.choice(names.MIDDLE_NAMES)}" if rng.random() < 0.3 else ""
    suffix = f" {rng.choice(names.SUFFIXES)}" if rng.random() < 0.04 else ""
    street = (
        f"{rng.randint(1, 9899)} {rng.choice(names.STREET_NAMES)} {rng.choice(names.STREET_TYPES)}"
    )
    unit = f"{rng.choice(names.UNIT_WORDS)} {rng.randint(1, 40)}{rng.choice('ABCD')}"
    city, state, zip5, _ = rng.choice(names.CITIES)
    zip_code = f"{zip5}-{rng.randint(1, 9999):04d}" if rng.random() < 0.6 else zip5
    lines = [street, unit] if rng.random() < 0.35 else [street]
    lines.append(f"{city}, {state} {zip_code}")
    return f"{first}{middle} {last}{suffix}", tuple(lines), zip_code


def _validation_notice(rng: random.Random, account: int, consumer: Party) -> ValidationNotice:
    then = rng.randint(25_000, 1_500_000)
    interest, fees = rng.randint(0, then // 8), rng.choice((0, 0, 2_500, 3_900, 7_500))
    paid = rng.choice((0, 0, rng.randint(1_000, then // 3)))
    creditor = rng.choice(names.CREDITORS)[0]
    return ValidationNotice(
        reference=f"VN-{account}-{SENT_ON:%Y%m%d}", sent_on=SENT_ON,
        period_ends_on=validation_period_end(SENT_ON, receipt_business_days=5, period_days=30),
        collector=COLLECTOR, collector_phone=PHONE, collector_hours=HOURS,
        collector_website=WEBSITE, consumer=consumer, creditor_on_itemization_date=creditor,
        account_number_masked=mask_account_number(str(rng.randint(10**15, 10**16 - 1))),
        current_creditor=rng.choice(CLIENTS),
        itemization=Itemization(
            itemization_date=SENT_ON - timedelta(days=rng.randint(60, 900)),
            basis="charge-off", amount_then=_usd(then), interest=_usd(interest),
            fees=_usd(fees), payments_credits=_usd(paid),
            current=_usd(then + interest + fees - paid),
        ),
    )  # fmt: skip


def _money_letter_html(
    renderer: LetterRenderer, rng: random.Random, account: int, consumer: Party, n: int
) -> tuple[str, str]:
    """A letter about money, one kind after another: its reference and HTML."""
    kind = ("payment", "pre_debit", "returned", "plan", "settlement", "broken")[n % 6]
    head = LetterHead(
        reference=f"{kind[:2].upper()}-{account}-{n}", sent_on=SENT_ON, collector=COLLECTOR,
        collector_phone=PHONE, collector_hours=HOURS, collector_website=WEBSITE,
        consumer=consumer, account_number=str(account), creditor=rng.choice(CLIENTS),
        collector_kind=rng.choice((CollectorKind.AGENCY, CollectorKind.AGENCY,
                                   CollectorKind.DEBT_BUYER)),
        original_creditor=rng.choice(names.CREDITORS)[0],
        original_account_masked=f"ending in {rng.randint(0, 9999):04d}",
    )  # fmt: skip
    balance = rng.randint(40_000, 900_000)
    if kind == "payment":
        amount = rng.randint(2_500, min(balance, 60_000))
        fees = min(amount, rng.choice((0, 2_500)))
        applied = [Applied("Fees", _usd(fees))] if fees else []
        applied.append(Applied("Principal", _usd(amount - fees)))
        method = rng.choice(("ACH", "Card", "Check"))
        return head.reference, renderer.payment_confirmation_html(PaymentConfirmation(
            head=head, amount=_usd(amount), received_on=SENT_ON - timedelta(days=3),
            method=method, payment_reference=f"{method.upper()}-{account:08d}{n:04d}",
            balance_after=_usd(balance - amount),
            applied=tuple(applied), may_be_returned=True,
        ))  # fmt: skip
    if kind == "pre_debit":
        return head.reference, renderer.pre_debit_notice_html(PreDebitNotice(
            head=head, amount=_usd(rng.randint(2_500, 50_000)),
            scheduled_for=SENT_ON + timedelta(days=4), debit_on=SENT_ON + timedelta(days=6),
            bank_account=f"checking account ending in {rng.randint(0, 9999):04d}",
            bank_name="Tri-County Teachers Credit Union", cancel_by=SENT_ON + timedelta(days=3),
            recurring=rng.random() < 0.7, returned_fee=_usd(2_500),
        ))  # fmt: skip
    if kind == "returned":
        amount = rng.randint(2_500, 50_000)
        return head.reference, renderer.returned_payment_notice_html(ReturnedPaymentNotice(
            head=head, amount=_usd(amount), method="ACH",
            received_on=SENT_ON - timedelta(days=6), returned_on=SENT_ON - timedelta(days=1),
            reason="insufficient funds (R01)", added_back=_usd(amount), fee=_usd(2_500),
            balance_now=_usd(balance + amount + 2_500), retry_on=SENT_ON + timedelta(days=5),
        ))  # fmt: skip
    if kind == "plan":
        # One plan in four is weekly over 40 weeks: its schedule runs onto a second page.
        count, step = (40, 7) if n % 4 == 3 else (rng.randint(3, 12), 30)
        each = balance // count
        rows = [(SENT_ON + timedelta(days=7 + step * i), each) for i in range(count)]
        return head.reference, renderer.plan_confirmation_html(plan_confirmation(
            head=head, agreed_on=SENT_ON, frequency="weekly" if step == 7 else "monthly",
            instalments=rows, balance_minor=balance, grace_days=10,
            payment_method="by debit from your checking account ending in 6789",
            validation_period_ends_on=SENT_ON + timedelta(days=20),
        ))  # fmt: skip
    if kind == "settlement":
        amount = balance * rng.choice((40, 50, 60)) // 100
        parts = rng.choice((1, 2, 3))
        rows = [(SENT_ON + timedelta(days=10 + 30 * i), amount // parts) for i in range(parts)]
        rows[-1] = (rows[-1][0], amount - amount // parts * (parts - 1))
        return head.reference, renderer.settlement_confirmation_html(settlement_confirmation(
            head=head, agreed_on=SENT_ON, balance_minor=balance, amount_minor=amount,
            instalments=rows, grace_days=5,
        ))  # fmt: skip
    broken = rng.choice(("promise", "plan", "settlement"))
    return head.reference, renderer.broken_notice_html(broken_notice(
        head=head, kind=broken,
        agreed_on=SENT_ON - timedelta(days=40), missed_on=SENT_ON - timedelta(days=12),
        missed_minor=rng.randint(5_000, 40_000), received_minor=rng.choice((0, 10_000)),
        ended_on=SENT_ON - timedelta(days=1), balance_minor=balance, grace_days=10,
        settlement_minor=balance // 2 if broken == "settlement" else None,
    ))  # fmt: skip


def synthetic_letters(count: int, *, seed: int = SEED) -> list[PrintLetter]:
    """``count`` letters as a day's mail holds them: every other one a validation notice."""
    rng = random.Random(seed)
    renderer = LetterRenderer()
    letters = []
    for n in range(count):
        account = 100_000 + n
        name, lines, zip_code = _consumer(rng)
        consumer = Party(name, lines)
        if n % 2 == 0:
            notice = _validation_notice(rng, account, consumer)
            html, reference = renderer.validation_notice_html(notice), notice.reference
        else:
            reference, html = _money_letter_html(renderer, rng, account, consumer, n // 2)
        letters.append(PrintLetter(reference=reference, account_id=account, html=html,
                                   name=name, address_lines=lines, zip_code=zip_code))  # fmt: skip
    return letters


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the pool's workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak_rss_mb() -> float:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return max(own.ru_maxrss, children.ru_maxrss) / 1024


def letters_benchmark(
    letters: int,
    workers: int,
    *,
    chunk_letters: int = CHUNK_LETTERS,
    duplex: bool = True,
    baseline: int = 0,
) -> dict[str, Any]:
    """A print batch of ``letters`` synthetic letters rendered by ``workers`` processes.

    ``pages`` are the letters' printed pages (blank backs not counted); ``pages_per_cpu_s``
    divides them by the CPU time of this process and its workers, a figure that other work on
    a shared machine disturbs less than the wall clock. With ``baseline``, the first that many
    letters are also rendered one PDF a letter, as ``LetterRenderer.pdf`` does for a single
    letter, in this process: ``baseline_pages_per_s``."""
    batch_letters = synthetic_letters(letters)
    cpu, started = _cpu_seconds(), time.perf_counter()
    batch = print_batch(batch_letters, batch_id="bench", duplex=duplex, workers=workers,
                        chunk_letters=chunk_letters)  # fmt: skip
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    cores = max(1, min(workers, os.cpu_count() or 1))
    result: dict[str, Any] = {
        "letters": batch.letters,
        "workers": workers,
        "chunk_letters": chunk_letters,
        "pages": batch.pages,
        "pdf_pages": batch.pdf_pages,
        "sheets": batch.sheets,
        "pdf_mb": round(len(batch.pdf) / 1e6, 2),
        "seconds": round(seconds, 2),
        "pages_per_s": round(batch.pages / seconds, 1),
        "pages_per_s_per_core": round(batch.pages / seconds / cores, 1),
        "pages_per_cpu_s": round(batch.pages / cpu, 1) if cpu else None,
        "peak_rss_mb": round(_peak_rss_mb()),
    }
    if baseline:
        renderer, sample = LetterRenderer(), batch_letters[:baseline]
        started = time.perf_counter()
        for letter in sample:
            renderer.pdf(letter.html)
        seconds = time.perf_counter() - started
        pages = sum(line.pages for line in batch.lines[: len(sample)])
        result["baseline_pages_per_s"] = round(pages / seconds, 1)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--letters", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--chunk", type=int, default=CHUNK_LETTERS, help="letters per chunk")
    parser.add_argument("--simplex", action="store_true", help="no blank backs")
    parser.add_argument("--baseline", type=int, default=0, metavar="N",
                        help="also render the first N letters one PDF a letter")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    result = letters_benchmark(args.letters, args.workers, chunk_letters=args.chunk,
                               duplex=not args.simplex, baseline=args.baseline)  # fmt: skip
    if args.json:
        print(json.dumps(result))
    else:
        print(", ".join(f"{k}={v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
