"""arrears post-payments: matching, unapplied cash, rejects, idempotence and resuming."""

import csv
from datetime import date
from pathlib import Path

import pytest
from django.db.models import Sum

from arrears.core.ledger import Balances
from arrears.data.accounts.models import Account
from arrears.data.ledger.models import Entry
from arrears.data.payments.models import Payment, PaymentFile
from arrears.services.common import Actor
from arrears.services.ledger.accrual import interest_accrue
from arrears.services.ledger.operations import account_recall, hold_add
from arrears.services.payments import posting
from arrears.services.payments.posting import payment_post, payments_post_file
from tests.factories import NOW, make_account, make_client

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
HEADER = ["reference", "received_on", "amount", "method", "account", "client", "payer_name",
          "consumer_directed"]  # fmt: skip


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def figures(account: Account) -> tuple[Balances, int, str]:
    account.refresh_from_db()
    cached = Balances(
        account.principal_minor, account.interest_minor, account.fees_minor, account.costs_minor
    )
    return cached, account.balance_minor, account.status


def from_entries(account: Account) -> Balances:
    sums = Entry.objects.filter(account=account).aggregate(
        p=Sum("principal_minor"), i=Sum("interest_minor"), f=Sum("fees_minor"),
        c=Sum("costs_minor"),
    )  # fmt: skip
    return Balances(sums["p"], sums["i"], sums["f"], sums["c"])


def ledger_state() -> tuple[int, int, int]:
    totals = Entry.objects.aggregate(n=Sum("cash_minor"), p=Sum("principal_minor"))
    return Entry.objects.count(), totals["n"] or 0, Payment.objects.count()


@pytest.fixture
def book():
    acme = make_client("ACME")
    zeta = make_client("ZETA")
    plain = make_account(acme, principal=100_000, fees=500)
    twin_a = make_account(acme, principal=5_000)
    twin_z = make_account(zeta, principal=5_000)
    Account.objects.filter(pk=twin_z.pk).update(client_ref=twin_a.client_ref)
    disputed = make_account(acme, principal=8_000)
    hold_add(account_id=disputed.pk, kind="dispute", starts_on=date(2026, 11, 1),
             source="consumer letter", actor=ACTOR)  # fmt: skip
    closed = make_account(acme, principal=3_000)
    account_recall(account_id=closed.pk, on=date(2026, 11, 2), reason="client", actor=ACTOR)
    return {"plain": plain, "twin": twin_a, "twin_z": twin_z, "disputed": disputed,
            "closed": closed}  # fmt: skip


def test_posts_what_matches_and_keeps_the_rest_in_unapplied_cash(tmp_path, book):
    plain, twin, disputed, closed = book["plain"], book["twin"], book["disputed"], book["closed"]
    path = write(tmp_path / "lockbox.csv", [
        ["LB-1", "2026-11-20", "700.00", "check", plain.client_ref, "ACME", "Ann", ""],
        ["LB-2", "11/20/2026", "25", "money_order", f"#{plain.pk}", "", "Ann", ""],
        ["LB-3", "2026-11-20", "10.00", "check", twin.client_ref, "", "Bo", ""],
        ["LB-4", "2026-11-20", "10.00", "check", twin.client_ref, "ZETA", "Bo", ""],
        ["LB-5", "2026-11-20", "40.00", "check", "NOPE-1", "", "Cy", ""],
        ["LB-6", "2026-11-20", "20.00", "check", disputed.client_ref, "ACME", "Di", ""],
        ["LB-7", "2026-11-20", "30.00", "check", disputed.client_ref, "ACME", "Di", "yes"],
        ["LB-8", "2026-11-20", "15.00", "check", closed.client_ref, "ACME", "Ed", ""],
        ["LB-9", "2026-11-20", "500.00", "cash", f"{plain.pk}", "", "Ann", ""],
        ["LB-10", "2026-11-20", "0.00", "check", plain.client_ref, "ACME", "Ann", ""],
        ["", "2026-11-20", "1.00", "check", plain.client_ref, "ACME", "Ann", ""],
        ["LB-12", "2026-11-30", "1.00", "check", plain.client_ref, "ACME", "Ann", ""],
        ["LB-13", "2026-11-20", "1.00", "bitcoin", plain.client_ref, "ACME", "Ann", ""],
        ["LB-1", "2026-11-20", "700.00", "check", plain.client_ref, "ACME", "Ann", ""],
    ])  # fmt: skip
    rejects = tmp_path / "rejects.csv"

    report = payments_post_file(path, actor=ACTOR, rejects_path=rejects, now=NOW)

    assert report.as_dict() == {
        "file": "lockbox.csv", "rows": 14, "posted": 5, "matched": 7, "unapplied": 5,
        "rejected": 4, "duplicates": 1, "applied_minor": 70_000 + 2_500 + 1_000 + 3_000 + 28_000,
        "unapplied_minor": 1_000 + 4_000 + 2_000 + 1_500 + 22_000,
    }  # fmt: skip
    got = {
        p.reference: (p.account_id, p.applied_minor, p.unapplied_minor, p.unapplied_reason)
        for p in Payment.objects.all()
    }
    assert got == {
        "LB-1": (plain.pk, 70_000, 0, ""),
        "LB-2": (plain.pk, 2_500, 0, ""),
        "LB-3": (None, 0, 1_000, "ambiguous"),
        "LB-4": (book["twin_z"].pk, 1_000, 0, ""),
        "LB-5": (None, 0, 4_000, "no_match"),
        "LB-6": (disputed.pk, 0, 2_000, "disputed"),
        "LB-7": (disputed.pk, 3_000, 0, ""),
        "LB-8": (closed.pk, 0, 1_500, "closed"),
        "LB-9": (plain.pk, 28_000, 22_000, "overpaid"),
    }
    # Fees first, then principal; the overpayment takes the account to zero and marks it paid.
    assert figures(plain) == (Balances(), 0, "paid")
    assert from_entries(plain) == Balances()
    assert figures(disputed)[0] == Balances(principal=5_000)
    with rejects.open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [*HEADER, "line", "field", "code", "reason"]
    assert [r[-4:-1] for r in rows[1:]] == [
        ["11", "amount", "invalid_amount"],
        ["12", "reference", "missing"],
        ["13", "received_on", "future_date"],
        ["14", "method", "invalid_method"],
    ]
    assert rows[3][-1] == "received_on 2026-11-30 is in the future (today is 2026-11-23)"


def test_posting_the_same_file_again_posts_nothing(tmp_path, book):
    path = write(tmp_path / "f.csv", [
        ["A-1", "2026-11-20", "100.00", "check", book["plain"].client_ref, "ACME", "Ann", ""],
        ["A-2", "2026-11-20", "40.00", "check", "NOPE", "", "Cy", ""],
    ])  # fmt: skip
    payments_post_file(path, actor=ACTOR, now=NOW)
    before = ledger_state(), figures(book["plain"])

    again = payments_post_file(path, actor=ACTOR, now=NOW)

    assert (again.posted, again.unapplied, again.duplicates) == (0, 0, 2)
    assert (ledger_state(), figures(book["plain"])) == before
    assert PaymentFile.objects.get().runs == 2


def test_a_run_that_stops_part_way_resumes_without_doubling(tmp_path, book, monkeypatch):
    accounts = [make_account(book["plain"].client, principal=20_000) for _ in range(5)]
    rows = [[f"R-{i}", "2026-11-20", f"{10 + i}.00", "ach", a.client_ref, "ACME", "X", ""]
            for i, a in enumerate(accounts)]  # fmt: skip
    path = write(tmp_path / "f.csv", rows)
    monkeypatch.setattr(posting, "BATCH", 2)
    real = posting._post_batch
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(posting, "_post_batch", failing)
    with pytest.raises(RuntimeError):
        payments_post_file(path, actor=ACTOR, now=NOW)
    assert sorted(Payment.objects.values_list("reference", flat=True)) == ["R-0", "R-1"]

    monkeypatch.setattr(posting, "_post_batch", real)
    report = payments_post_file(path, actor=ACTOR, now=NOW)

    assert (report.posted, report.duplicates) == (3, 2)
    paid = [figures(a)[0].principal for a in accounts]
    assert paid == [20_000 - 1_000, 20_000 - 1_100, 20_000 - 1_200, 20_000 - 1_300, 20_000 - 1_400]
    assert Entry.objects.filter(kind="payment").count() == 5


def test_file_and_one_at_a_time_leave_the_same_books(tmp_path):
    client = make_client("ACME", interest=True)
    by_file = make_account(client, principal=1_000_000, fees=2_500, rate_ppm=120_000)
    by_hand = make_account(client, principal=1_000_000, fees=2_500, rate_ppm=120_000)
    interest_accrue(as_of=date(2026, 11, 20), actor=ACTOR, now=NOW)
    plan = [("2026-11-18", "2000.00"), ("2026-11-21", "2500.00"), ("2026-11-22", "9999.99")]
    path = write(tmp_path / "f.csv", [
        [f"F-{i}", on, amount, "check", by_file.client_ref, "ACME", "", ""]
        for i, (on, amount) in enumerate(plan)
    ])  # fmt: skip
    payments_post_file(path, actor=ACTOR, now=NOW)
    for i, (on, amount) in enumerate(plan):
        payment_post(account_id=by_hand.pk, amount_minor=int(amount.replace(".", "")),
                     received_on=date.fromisoformat(on), source="check", reference=f"H-{i}",
                     actor=ACTOR, now=NOW)  # fmt: skip

    def story(account):
        return [
            (e.kind, e.effective_on, e.principal_minor, e.interest_minor, e.fees_minor,
             e.cash_minor)
            for e in Entry.objects.filter(account=account).order_by("id")
        ]  # fmt: skip

    assert story(by_file) == story(by_hand)
    keep = ["principal_minor", "interest_minor", "fees_minor", "balance_minor", "status",
            "accrual_segment_start", "accrual_closed_numerator", "accrued_through",
            "interest_accrued_minor", "last_payment_date"]  # fmt: skip
    a = Account.objects.filter(pk=by_file.pk).values(*keep).get()
    b = Account.objects.filter(pk=by_hand.pk).values(*keep).get()
    assert a == b
    assert figures(by_file)[0] == from_entries(by_file)
    # The payment of the 18th came after interest ran through the 20th: two days of interest
    # on the principal it paid were given back.
    kinds = [row[0] for row in story(by_file)]
    assert kinds[:4] == ["placement", "interest", "interest", "payment"]
    assert story(by_file)[2][3] < 0


def test_an_unreadable_file_is_refused_and_nothing_is_recorded(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("ref,when,how much\nA,2026-11-20,1.00\n")
    with pytest.raises(posting.UnreadablePaymentFile) as refused:
        payments_post_file(path, actor=ACTOR, now=NOW)
    assert "reference, received_on, amount, method" in refused.value.message
    assert (Payment.objects.count(), PaymentFile.objects.count()) == (0, 0)
