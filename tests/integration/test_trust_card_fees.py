"""Card convenience fees on remittance statements: the fee a card payment carried is the
agency's in full (its line's fee, inside the commission), the rest is split at the rate; a
refund gives the fee back last and a return all at once, out of the commission; the documents
show the fee; the reconciliation balances; and the fees are read in batches, not per line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from arrears.adapters.statements.renderer import StatementRenderer
from arrears.data.accounts.models import Account
from arrears.data.clients.models import Client
from arrears.data.ledger.models import Entry
from arrears.data.payments.models import Payment
from arrears.data.trust.models import Remittance, RemittanceLine
from arrears.services.common import Actor
from arrears.services.payments.cards import card_fee_terms_set, card_payment_take
from arrears.services.payments.posting import payment_post
from arrears.services.payments.refunds import payment_refund
from arrears.services.payments.returns import payment_return
from arrears.services.trust.documents import remittance_file, statement_document
from arrears.services.trust.operations import card_fees, commission_terms_set, remit
from arrears.services.trust.queries import trust_reconciliation
from tests.factories import NOW, make_client, make_new_yorker
from tests.integration.cards import SpyGateway

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
NOVEMBER, DECEMBER = date(2026, 11, 1), date(2026, 12, 1)
AFTER_NOVEMBER = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
AFTER_DECEMBER = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
IN_DECEMBER = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
_keys = iter(range(1, 10_000))


def card(account: Account, amount: int, fee: int, now: datetime = NOW) -> Payment:
    done = card_payment_take(account_id=account.pk, amount_minor=amount, token="pm_card_visa",
                             idempotency_key=f"key-{next(_keys)}", actor=ACTOR, now=now,
                             convenience_fee_minor=fee, gateway=SpyGateway())  # fmt: skip
    return Payment.objects.get(pk=done.payment_id)


def refund(payment: Payment, amount: int, now: datetime = NOW) -> None:
    payment_refund(payment_id=payment.pk, amount_minor=amount, reason="consumer asked",
                   actor=ACTOR, now=now, gateway=SpyGateway())  # fmt: skip


def entry_of(payment: Payment) -> int:
    return Entry.objects.get(payment=payment, kind="payment").pk


def line(entry_id: int) -> tuple[int, int, int, int, int]:
    r = RemittanceLine.objects.get(entry_id=entry_id)
    return r.cash_minor, r.rate_ppm, r.commission_minor, r.fee_minor, r.client_share_minor


def figures(code: str, period: date) -> dict[str, int]:
    r = Remittance.objects.get(client__code=code, period_start=period)
    return {
        "lines": r.lines_count, "collected": r.collected_minor, "refunds": r.refunds_minor,
        "reversals": r.reversals_minor, "net": r.net_collected_minor,
        "commission": r.commission_minor, "fees": r.fees_minor, "share": r.client_share_minor,
        "due": r.due_to_client_minor,
    }  # fmt: skip


@pytest.fixture
def acme() -> Client:
    """ACME: 25 % flat, remitted net; its agreements allow a 2.50 fee for paying by card."""
    client = make_client("ACME")
    commission_terms_set(client_id=client.pk, default_rate_ppm=250_000, actor=ACTOR, now=NOW)
    card_fee_terms_set(client_code="ACME", convenience_fee_minor=250,
                       agreement_clause="Card agreement s. 14", actor=ACTOR, now=NOW)  # fmt: skip
    return client


class TestTheFeeIsTheAgencys:
    def test_the_fee_is_commission_and_only_the_rest_is_split(self, acme, tmp_path) -> None:
        account = make_new_yorker(acme, principal=100_000)
        paid = card(account, 10_000, 250)  # 100.00 for the debt + 2.50 fee = 102.50
        check = payment_post(account_id=account.pk, amount_minor=4_000,
                             received_on=date(2026, 11, 20), source="check", actor=ACTOR,
                             now=NOW).entry_id  # fmt: skip
        assert check is not None

        remit(period=NOVEMBER, actor=ACTOR, now=AFTER_NOVEMBER, out=tmp_path)

        assert line(entry_of(paid)) == (10_250, 250_000, 2_500 + 250, 250, 7_500)
        assert line(check) == (4_000, 250_000, 1_000, 0, 3_000)
        assert figures("ACME", NOVEMBER) == {
            "lines": 2, "collected": 14_250, "refunds": 0, "reversals": 0, "net": 14_250,
            "commission": 3_750, "fees": 250, "share": 10_500, "due": 10_500,
        }  # fmt: skip

    def test_a_refund_in_full_gives_the_fee_back_last_out_of_the_commission(
        self, acme, tmp_path
    ) -> None:
        account = make_new_yorker(acme, principal=100_000)
        paid = card(account, 10_000, 250)
        remit(period=NOVEMBER, actor=ACTOR, now=AFTER_NOVEMBER, out=tmp_path)
        refund(paid, 10_000, now=IN_DECEMBER)  # the rest first: the fee may only go with the last
        refund(paid, 250, now=IN_DECEMBER)

        remit(period=DECEMBER, actor=ACTOR, now=AFTER_DECEMBER, out=tmp_path)

        backs = list(Entry.objects.filter(payment=paid, kind="refund").order_by("id")
                     .values_list("id", flat=True))  # fmt: skip
        assert [line(pk) for pk in backs] == [
            (-10_000, 250_000, -2_500, 0, -7_500),
            (-250, 250_000, -250, -250, 0),
        ]
        assert figures("ACME", DECEMBER) == {
            "lines": 2, "collected": 0, "refunds": 10_250, "reversals": 0, "net": -10_250,
            "commission": -2_750, "fees": -250, "share": -7_500, "due": -7_500,
        }  # fmt: skip
        kept = RemittanceLine.objects.filter(entry__payment=paid)
        assert sum(r.commission_minor for r in kept) == sum(r.client_share_minor for r in kept) == 0

    def test_a_returned_card_payment_takes_the_fee_back_with_the_rest(self, acme, tmp_path) -> None:
        account = make_new_yorker(acme, principal=100_000)
        paid = card(account, 10_000, 250)
        payment_return(payment_id=paid.pk, returned_on=date(2026, 11, 25), code="R10",
                       reason="chargeback", actor=ACTOR, charge_fee=False, now=NOW)  # fmt: skip

        remit(period=NOVEMBER, actor=ACTOR, now=AFTER_NOVEMBER, out=tmp_path)

        reversal = Entry.objects.get(payment=paid, kind="payment_reversal").pk
        assert line(entry_of(paid)) == (10_250, 250_000, 2_750, 250, 7_500)
        assert line(reversal) == (-10_250, 250_000, -2_750, -250, -7_500)
        assert figures("ACME", NOVEMBER) == {
            "lines": 2, "collected": 10_250, "refunds": 0, "reversals": 10_250, "net": 0,
            "commission": 0, "fees": 0, "share": 0, "due": 0,
        }  # fmt: skip

    def test_the_reconciliation_balances_with_fees(self, acme, tmp_path) -> None:
        account = make_new_yorker(acme, principal=100_000)
        card(account, 10_000, 250)
        card(account, 5_000, 250)
        remit(period=NOVEMBER, actor=ACTOR, now=AFTER_NOVEMBER, out=tmp_path)

        found = trust_reconciliation(period=NOVEMBER)

        assert found.balanced
        (acme_trust,) = found.clients
        assert acme_trust.rollforward.as_dict() == {
            "opening_unremitted_minor": 0, "net_collected_minor": 15_500,
            "remitted_to_client_minor": 11_250, "commission_retained_minor": 4_250,
            "closing_unremitted_minor": 0, "difference_minor": 0,
        }  # fmt: skip


class TestTheDocumentsShowTheFee:
    def test_the_workbook_and_the_statement_say_how_much_of_the_commission_is_fees(
        self, acme, tmp_path
    ) -> None:
        account = make_new_yorker(acme, principal=100_000)
        card(account, 10_000, 250)
        remit(period=NOVEMBER, actor=ACTOR, now=AFTER_NOVEMBER, out=tmp_path)
        statement = Remittance.objects.get()

        name, content_type, content = remittance_file(statement.pk, "lines")

        assert (name, content_type) == (
            "REM-ACME-2026-11.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        book = load_workbook(BytesIO(content), read_only=True)
        figures_sheet = {
            row[0]: Decimal(str(row[1]))
            for row in book["Statement"].iter_rows(min_row=8, values_only=True)
            if row and row[0]
        }
        assert (figures_sheet["Commission"], figures_sheet["of which convenience fees"],
                figures_sheet["Client share"]) == (
            Decimal("27.5"), Decimal("2.5"), Decimal("75"),
        )  # fmt: skip
        header, row = list(book["Lines"].iter_rows(values_only=True))
        assert header[7:] == ("Commission", "Client share", "of which convenience fee")
        assert [Decimal(str(v)) for v in row[5:]] == [
            Decimal("102.5"),
            Decimal("25"),
            Decimal("27.5"),
            Decimal("75"),
            Decimal("2.5"),
        ]
        html = StatementRenderer().statement_html(statement_document(statement))
        assert "of which card convenience fees (ours in full)" in html
        assert "2.50" in html
        assert remittance_file(statement.pk, "statement")[2].startswith(b"%PDF")


class TestFeesAreReadInBatches:
    def test_the_fees_of_every_payment_in_a_chunk_come_in_one_statement(self, acme) -> None:
        account = make_new_yorker(acme, principal=1_000_000)
        paid = [card(account, 1_000 + n, 250) for n in range(3)]
        wanted = {entry_of(p): 250 for p in paid}

        with CaptureQueriesContext(connection) as queries:
            found = card_fees(p.pk for p in paid)

        assert found == wanted
        assert len(queries.captured_queries) == 1

    def test_remit_queries_do_not_grow_with_the_number_of_card_payments(self, tmp_path) -> None:
        def run(payments: int, code: str, period: date, now: datetime) -> int:
            client = make_client(code)
            commission_terms_set(client_id=client.pk, default_rate_ppm=250_000, actor=ACTOR,
                                 now=NOW)  # fmt: skip
            card_fee_terms_set(client_code=code, convenience_fee_minor=100,
                               agreement_clause="s. 1", actor=ACTOR, now=NOW)  # fmt: skip
            account = make_new_yorker(client, principal=10_000_000)
            for n in range(payments):
                p = card(account, 100 + n, 100, now=period_day(period, n))
                refund(p, 50, now=period_day(period, n) + timedelta(hours=1))
            with CaptureQueriesContext(connection) as queries:
                remit(period=period, actor=ACTOR, now=now, out=tmp_path / code)
            Client.objects.filter(pk=client.pk).update(active=False)
            return len(queries.captured_queries)

        few = run(2, "FEW", NOVEMBER, AFTER_NOVEMBER)
        many = run(25, "MANY", DECEMBER, AFTER_DECEMBER)
        assert many == few
        assert RemittanceLine.objects.filter(remittance__client__code="MANY").count() == 50
        assert sum(RemittanceLine.objects.filter(remittance__client__code="MANY")
                   .values_list("fee_minor", flat=True)) == 25 * 100  # fmt: skip


def period_day(period: date, n: int) -> datetime:
    return datetime(period.year, period.month, 1 + n % 28, 15, 0, tzinfo=UTC)
