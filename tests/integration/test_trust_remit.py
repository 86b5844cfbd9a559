"""arrears remit on the database: each client's statement from the ledger's cash entries, split
by its terms; reversals and refunds at their payment's rate; idempotent; a back-dated payment
posted after its month was remitted goes to the next statement; first-party clients skipped;
the trust reconciliation balances to the cent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arrears.core.trust import Tier
from arrears.data.accounts.models import Account
from arrears.data.audit.models import AuditEvent
from arrears.data.clients.models import Client
from arrears.data.ledger.models import Entry
from arrears.data.trust.models import Remittance, RemittanceLine
from arrears.services.common import Actor, ServiceError
from arrears.services.ledger.operations import account_ledger, payment_reverse
from arrears.services.payments.posting import payment_post
from arrears.services.trust.operations import commission_terms_set, remit
from arrears.services.trust.queries import trust_reconciliation
from tests.factories import NOW, make_account, make_client

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
OCTOBER, NOVEMBER = date(2026, 10, 1), date(2026, 11, 1)
AFTER_NOVEMBER = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
AGE_TIERS = (Tier(0, 250_000), Tier(6, 300_000), Tier(12, 350_000))


def pay(account: Account, amount: int, on: date, now: datetime = NOW) -> int:
    applied = payment_post(account_id=account.pk, amount_minor=amount, received_on=on,
                           source="check", actor=ACTOR, now=now)  # fmt: skip
    assert applied.entry_id is not None
    return applied.entry_id


def refund(entry_id: int, amount: int, on: date) -> int:
    """A refund of part of a payment, as the ledger decides it (no refund service exists yet)."""
    original = Entry.objects.get(pk=entry_id)
    account = Account.objects.select_related("client").get(pk=original.account_id)
    new = account_ledger(account).refund(entry_id, amount, on)
    return Entry.objects.create(
        account=account, kind="refund", effective_on=on, posted_at=NOW,
        principal_minor=new.amounts.principal, interest_minor=new.amounts.interest,
        fees_minor=new.amounts.fees, costs_minor=new.amounts.costs, cash_minor=new.cash,
        reverses_id=entry_id, payment_id=original.payment_id, source="refund",
    ).pk  # fmt: skip


def statement(code: str, period: date) -> Remittance:
    return Remittance.objects.get(client__code=code, period_start=period)


def figures(r: Remittance) -> dict[str, int | str]:
    return {
        "lines": r.lines_count, "collected": r.collected_minor, "refunds": r.refunds_minor,
        "reversals": r.reversals_minor, "net": r.net_collected_minor,
        "commission": r.commission_minor, "share": r.client_share_minor,
        "due": r.due_to_client_minor, "invoice": r.commission_invoice_minor, "mode": r.remit_mode,
    }  # fmt: skip


@pytest.fixture
def book(tmp_path):
    acme = make_client("ACME")
    commission_terms_set(client_id=acme.pk, tiers=AGE_TIERS, actor=ACTOR, now=NOW)
    zeta = make_client("ZETA")
    Client.objects.filter(pk=zeta.pk).update(commission_rate_ppm=200_000)
    commission_terms_set(client_id=zeta.pk, remit_mode="gross", actor=ACTOR, now=NOW)
    own = make_client("SELF")
    Client.objects.filter(pk=own.pk).update(kind="first_party", commission_rate_ppm=150_000)

    young = make_account(acme, principal=50_000, itemization_date=date(2026, 6, 1))  # 4 months
    middle = make_account(acme, principal=50_000, itemization_date=date(2026, 1, 1))  # 9 months
    old = make_account(acme, principal=50_000, itemization_date=date(2025, 6, 1))  # 16 months
    small = make_account(acme, principal=1_000, itemization_date=date(2026, 6, 1))
    gross = make_account(zeta, principal=50_000, itemization_date=date(2026, 6, 1))
    mine = make_account(own, principal=50_000, itemization_date=date(2026, 6, 1))

    e = {
        "young": pay(young, 10_000, date(2026, 10, 5)),  # 25 %: 2,500
        "middle": pay(middle, 20_001, date(2026, 10, 10)),  # 30 %: 6,000.3 -> 6,000
        "bounced": pay(middle, 4_000, date(2026, 10, 12)),  # 30 %: 1,200, reversed below
        "old": pay(old, 5_000, date(2026, 10, 20)),  # 35 %: 1,750
        "small": pay(small, 1_500, date(2026, 10, 21)),  # 1,000 applied (25 %: 250), 500 held
        "gross": pay(gross, 12_345, date(2026, 10, 7)),  # 20 %: 2,469
        "mine": pay(mine, 5_000, date(2026, 10, 8)),
        "november": pay(young, 3_000, date(2026, 11, 2)),
    }
    e["reversal"] = payment_reverse(entry_id=e["bounced"], on=date(2026, 10, 15),
                                    reason="NSF", actor=ACTOR, now=NOW).entry_id  # fmt: skip
    e["refund"] = refund(e["young"], 1_000, date(2026, 10, 25))  # 25 %: -250
    return {"acme": acme, "zeta": zeta, "own": own, "young_account": young, "out": tmp_path, **e}


ACME_OCTOBER = {
    "lines": 7, "collected": 10_000 + 20_001 + 4_000 + 5_000 + 1_000, "refunds": 1_000,
    "reversals": 4_000, "net": 35_001, "commission": 2_500 + 6_000 + 1_200 + 1_750 + 250 - 250
    - 1_200, "share": 24_751, "due": 24_751, "invoice": 0, "mode": "net",
}  # fmt: skip


class TestRemit:
    def test_splits_each_clients_month_by_its_terms(self, book):
        report = remit(period=OCTOBER, actor=ACTOR, now=NOW, out=book["out"])

        assert [(s.client, s.number, s.created) for s in report.statements] == [
            ("ACME", "REM-ACME-2026-10", True), ("ZETA", "REM-ZETA-2026-10", True),
        ]  # fmt: skip
        assert figures(statement("ACME", OCTOBER)) == ACME_OCTOBER
        assert ACME_OCTOBER["commission"] == 10_250
        assert figures(statement("ZETA", OCTOBER)) == {
            "lines": 1, "collected": 12_345, "refunds": 0, "reversals": 0, "net": 12_345,
            "commission": 2_469, "share": 9_876, "due": 12_345, "invoice": 2_469,
            "mode": "gross",
        }  # fmt: skip
        lines = {
            line.entry_id: (line.cash_minor, line.rate_ppm, line.commission_minor,
                            line.client_share_minor)
            for line in RemittanceLine.objects.filter(remittance__client__code="ACME")
        }  # fmt: skip
        assert lines == {
            book["young"]: (10_000, 250_000, 2_500, 7_500),
            book["middle"]: (20_001, 300_000, 6_000, 14_001),
            book["bounced"]: (4_000, 300_000, 1_200, 2_800),
            book["reversal"]: (-4_000, 300_000, -1_200, -2_800),
            book["old"]: (5_000, 350_000, 1_750, 3_250),
            book["small"]: (1_000, 250_000, 250, 750),
            book["refund"]: (-1_000, 250_000, -250, -750),
        }
        assert report.as_dict()["totals"] == {"USD": {
            "collected_minor": 52_346, "refunds_minor": 1_000, "reversals_minor": 4_000,
            "net_collected_minor": 47_346, "commission_minor": 12_719, "fees_minor": 0,
            "client_share_minor": 34_627, "due_to_client_minor": 37_096,
            "commission_invoice_minor": 2_469,
        }}  # fmt: skip

    def test_first_party_clients_are_skipped(self, book):
        report = remit(period=OCTOBER, actor=ACTOR, now=NOW, out=book["out"])

        assert report.skipped == [{"client": "SELF", "reason": "first_party"}]
        assert not Remittance.objects.filter(client=book["own"]).exists()
        assert not RemittanceLine.objects.filter(entry_id=book["mine"]).exists()

    def test_running_again_creates_nothing_and_returns_the_same_statements(self, book):
        first = remit(period=OCTOBER, actor=ACTOR, now=NOW, out=book["out"])
        counts = (Remittance.objects.count(), RemittanceLine.objects.count(),
                  AuditEvent.objects.count())  # fmt: skip

        again = remit(period=OCTOBER, actor=ACTOR, now=NOW + timedelta(hours=1), out=book["out"])

        assert (Remittance.objects.count(), RemittanceLine.objects.count(),
                AuditEvent.objects.count()) == counts == (2, 8, counts[2])  # fmt: skip
        assert [s.remittance_id for s in again.statements] == [
            s.remittance_id for s in first.statements
        ]
        assert [s.created for s in again.statements] == [False, False]
        assert [s.totals for s in again.statements] == [s.totals for s in first.statements]

    def test_a_back_dated_payment_posted_after_its_month_was_remitted_goes_to_the_next(self, book):
        remit(period=OCTOBER, actor=ACTOR, now=NOW, out=book["out"])
        late = pay(book["young_account"], 2_000, date(2026, 10, 30), now=NOW + timedelta(hours=2))

        assert remit(period=OCTOBER, actor=ACTOR, now=NOW, out=book["out"]).statements[0].created \
            is False  # fmt: skip
        remit(period=NOVEMBER, actor=ACTOR, now=AFTER_NOVEMBER, out=book["out"])

        november = statement("ACME", NOVEMBER)
        assert RemittanceLine.objects.get(entry_id=late).remittance_id == november.pk
        assert figures(november) == {
            "lines": 2, "collected": 5_000, "refunds": 0, "reversals": 0, "net": 5_000,
            "commission": 750 + 500, "share": 3_750, "due": 3_750, "invoice": 0, "mode": "net",
        }  # fmt: skip
        cash_entries = Entry.objects.filter(
            kind__in=["payment", "payment_reversal", "refund"], account__client__kind="agency"
        )
        assert cash_entries.count() == RemittanceLine.objects.count() == 7 + 1 + 2
        assert not cash_entries.filter(remittance_line__isnull=True).exists()

    def test_a_reversal_takes_back_at_its_payments_rate_after_the_terms_changed(self, book):
        remit(period=OCTOBER, actor=ACTOR, now=NOW, out=book["out"])
        commission_terms_set(client_id=book["acme"].pk, default_rate_ppm=400_000, actor=ACTOR,
                             now=NOW)  # fmt: skip
        back = payment_reverse(entry_id=book["old"], on=date(2026, 11, 5), reason="NSF",
                               actor=ACTOR, now=NOW).entry_id  # fmt: skip

        remit(period=NOVEMBER, actor=ACTOR, now=AFTER_NOVEMBER, out=book["out"])

        line = RemittanceLine.objects.get(entry_id=back)
        assert (line.cash_minor, line.rate_ppm, line.commission_minor, line.client_share_minor) \
            == (-5_000, 350_000, -1_750, -3_250)  # fmt: skip
        # The November payment is priced by the new terms: 40 % of 3,000.
        assert RemittanceLine.objects.get(entry_id=book["november"]).commission_minor == 1_200
        assert figures(statement("ACME", NOVEMBER))["share"] == 1_800 - 3_250

    def test_documents_are_written_for_each_statement(self, book):
        report = remit(period=OCTOBER, actor=ACTOR, now=NOW, out=book["out"])

        assert report.statements[0].files == [
            str(book["out"] / name)
            for name in ("REM-ACME-2026-10.pdf", "INV-ACME-2026-10.pdf", "REM-ACME-2026-10.xlsx")
        ]
        for s in report.statements:
            for name in s.files:
                assert (book["out"] / name).read_bytes()[:4] in (b"%PDF", b"PK\x03\x04")

    def test_queries_do_not_grow_with_the_number_of_payments(self, tmp_path):
        def run(payments: int, code: str, period: date, now: datetime) -> int:
            client = make_client(code)
            account = make_account(client, principal=10_000_000, itemization_date=date(2026, 1, 1))
            for n in range(payments):
                pay(account, 100 + n, period + timedelta(days=n % 28))
            with CaptureQueriesContext(connection) as queries:
                remit(period=period, actor=ACTOR, now=now, out=tmp_path / code)
            Client.objects.filter(pk=client.pk).update(active=False)
            return len(queries.captured_queries)

        few = run(3, "FEW", date(2026, 9, 1), NOW)
        many = run(40, "MANY", OCTOBER, NOW)
        assert many == few


class TestRefused:
    def test_a_month_that_has_not_ended(self, book):
        with pytest.raises(ServiceError, match="2026-11 has not ended; it can be remitted from "
                                               "2026-12-01"):  # fmt: skip
            remit(period=NOVEMBER, actor=ACTOR, now=NOW)
        assert not Remittance.objects.exists()

    def test_a_month_before_one_already_remitted(self, book):
        remit(period=NOVEMBER, actor=ACTOR, now=AFTER_NOVEMBER, out=book["out"])
        count = RemittanceLine.objects.count()

        with pytest.raises(ServiceError, match="statements for 2026-11 were issued"):
            remit(period=OCTOBER, actor=ACTOR, now=AFTER_NOVEMBER)
        assert RemittanceLine.objects.count() == count == 9


class TestTrustReconciliation:
    def test_balances_to_zero_before_and_after_remitting(self, book):
        before = trust_reconciliation(period=OCTOBER)
        remit(period=OCTOBER, actor=ACTOR, now=NOW, out=book["out"])
        after = trust_reconciliation(period=OCTOBER)

        assert before.balanced and after.balanced
        assert after.cash["USD"].as_dict() == {
            "received_minor": 10_000 + 20_001 + 4_000 + 5_000 + 1_500 + 12_345 + 5_000,
            "applied_minor": 10_000 + 20_001 + 4_000 + 5_000 + 1_000 + 12_345 + 5_000,
            "unapplied_minor": 500, "given_back_minor": 0, "difference_minor": 0,
        }  # fmt: skip
        assert {c.client: c.rollforward.as_dict() for c in after.clients} == {
            "ACME": {"opening_unremitted_minor": 0, "net_collected_minor": 35_001,
                     "remitted_to_client_minor": 24_751, "commission_retained_minor": 10_250,
                     "closing_unremitted_minor": 0, "difference_minor": 0},
            "ZETA": {"opening_unremitted_minor": 0, "net_collected_minor": 12_345,
                     "remitted_to_client_minor": 12_345, "commission_retained_minor": 0,
                     "closing_unremitted_minor": 0, "difference_minor": 0},
        }  # fmt: skip
        assert before.clients[0].rollforward.closing_unremitted_minor == 35_001

    def test_a_late_payment_is_opening_cash_of_the_next_month(self, book):
        remit(period=OCTOBER, actor=ACTOR, now=NOW, out=book["out"])
        pay(book["young_account"], 2_000, date(2026, 10, 30), now=NOW + timedelta(hours=2))
        remit(period=NOVEMBER, actor=ACTOR, now=AFTER_NOVEMBER, out=book["out"])

        november = trust_reconciliation(period=NOVEMBER)

        assert november.balanced
        acme = next(c for c in november.clients if c.client == "ACME").rollforward
        assert acme.as_dict() == {
            "opening_unremitted_minor": 2_000, "net_collected_minor": 3_000,
            "remitted_to_client_minor": 3_750, "commission_retained_minor": 1_250,
            "closing_unremitted_minor": 0, "difference_minor": 0,
        }  # fmt: skip

    def test_for_some_clients_only_their_rollforwards_and_no_cash(self, book):
        remit(period=OCTOBER, actor=ACTOR, now=NOW, out=book["out"])

        found = trust_reconciliation(period=OCTOBER, client_ids={book["zeta"].pk})

        assert (found.cash, [c.client for c in found.clients], found.balanced) == (
            {}, ["ZETA"], True,
        )  # fmt: skip

    def test_finds_a_statement_line_that_does_not_match_its_entry(self, book):
        remit(period=OCTOBER, actor=ACTOR, now=NOW, out=book["out"])
        RemittanceLine.objects.filter(entry_id=book["old"]).update(
            cash_minor=4_000, client_share_minor=2_250
        )

        found = trust_reconciliation(period=NOVEMBER)

        acme = next(c for c in found.clients if c.client == "ACME").rollforward
        assert (found.balanced, acme.opening_unremitted_minor, acme.difference_minor) == (
            False, 1_000, -1_000,
        )  # fmt: skip


class TestCommissionTerms:
    def test_balance_bands_price_by_the_balance_at_placement(self, tmp_path):
        client = make_client("BAND")
        commission_terms_set(client_id=client.pk, default_rate_ppm=300_000, actor=ACTOR, now=NOW,
                             tiers=[Tier(0, 250_000), Tier(0, 200_000, 500_000)])  # fmt: skip
        small = make_account(client, principal=499_999, itemization_date=date(2026, 6, 1))
        large = make_account(client, principal=500_000, itemization_date=date(2026, 6, 1))
        small_entry = pay(small, 10_000, date(2026, 10, 5))
        large_entry = pay(large, 10_000, date(2026, 10, 5))

        remit(period=OCTOBER, actor=ACTOR, now=NOW, out=tmp_path)

        rates = dict(RemittanceLine.objects.values_list("entry_id", "rate_ppm"))
        assert rates == {small_entry: 250_000, large_entry: 200_000}

    def test_terms_that_cannot_apply_are_refused_and_change_nothing(self):
        client = make_client("BAD")
        commission_terms_set(client_id=client.pk, tiers=AGE_TIERS, actor=ACTOR, now=NOW)

        with pytest.raises(ServiceError, match="two tiers start at 6 months") as refused:
            commission_terms_set(client_id=client.pk, tiers=[Tier(6, 1), Tier(6, 2)],
                                 actor=ACTOR, now=NOW)  # fmt: skip
        assert refused.value.field == "tiers"
        with pytest.raises(ServiceError, match="remit_mode must be one of net, gross"):
            commission_terms_set(client_id=client.pk, remit_mode="both", actor=ACTOR, now=NOW)
        with pytest.raises(ServiceError, match="between 0 and 1,000,000 ppm") as refused:
            commission_terms_set(client_id=client.pk, default_rate_ppm=1_500_000, actor=ACTOR,
                                 now=NOW)  # fmt: skip
        assert refused.value.field == "default_rate_ppm"
        assert list(client.commission_tiers.values_list("from_months", "rate_ppm")) == [
            (0, 250_000), (6, 300_000), (12, 350_000),
        ]  # fmt: skip
