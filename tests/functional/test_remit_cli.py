"""`arrears remit` and `arrears trust-reconcile`: the JSON contract, the documents (PDF and a
workbook with the exact totals), and the refusal of a period that is not a month."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from arrears.core.trust import Tier
from arrears.data.clients.models import Client
from arrears.data.trust.models import Remittance
from arrears.services.common import Actor
from arrears.services.payments.posting import payment_post
from arrears.services.trust.operations import commission_terms_set
from tests.factories import NOW, make_account, make_client

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def run(command: str, *args: str) -> dict:
    out = StringIO()
    call_command(command, *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.fixture
def october():
    acme = make_client("ACME")
    commission_terms_set(client_id=acme.pk, remit_mode="gross", actor=ACTOR, now=NOW,
                         tiers=[Tier(0, 250_000), Tier(6, 300_000)])  # fmt: skip
    own = make_client("SELF")
    Client.objects.filter(pk=own.pk).update(kind="first_party")
    young = make_account(acme, principal=90_000, itemization_date=date(2026, 6, 1))
    old = make_account(acme, principal=90_000, itemization_date=date(2026, 1, 1))
    for account, amount, day in ((young, 10_000, 5), (old, 20_001, 9), (young, 333, 30)):
        payment_post(account_id=account.pk, amount_minor=amount, received_on=date(2026, 10, day),
                     source="check", actor=ACTOR, now=NOW)  # fmt: skip
    return acme


def test_remits_and_writes_the_statement_invoice_and_workbook(tmp_path: Path, october):
    report = run("remit", "--period", "2026-10", "--out", str(tmp_path))

    (acme,) = report["statements"]
    assert {k: v for k, v in acme.items() if k not in ("remittance", "files")} == {
        "number": "REM-ACME-2026-10", "client": "ACME", "currency": "USD", "created": True,
        "remit_mode": "gross", "lines": 3, "collected_minor": 30_334, "refunds_minor": 0,
        "reversals_minor": 0, "net_collected_minor": 30_334,
        "commission_minor": 2_500 + 6_000 + 83, "fees_minor": 0, "client_share_minor": 21_751,
        "due_to_client_minor": 30_334, "commission_invoice_minor": 8_583,
    }  # fmt: skip
    assert (report["period"], report["created"], report["existing"], report["skipped"]) == (
        "2026-10", 1, 0, [{"client": "SELF", "reason": "first_party"}],
    )  # fmt: skip
    assert acme["files"] == [str(tmp_path / n) for n in
                             ("REM-ACME-2026-10.pdf", "INV-ACME-2026-10.pdf",
                              "REM-ACME-2026-10.xlsx")]  # fmt: skip
    assert (tmp_path / "REM-ACME-2026-10.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "INV-ACME-2026-10.pdf").read_bytes().startswith(b"%PDF")

    book = load_workbook(tmp_path / "REM-ACME-2026-10.xlsx", read_only=True)
    figures = {
        row[0]: Decimal(str(row[1]))
        for row in book["Statement"].iter_rows(min_row=8, values_only=True)
        if row and row[0]
    }
    assert figures == {
        "Collected": Decimal("303.34"), "Refunds": Decimal("0"),
        "Returned payments": Decimal("0"), "Net collected": Decimal("303.34"),
        "Commission": Decimal("85.83"), "of which convenience fees": Decimal("0"),
        "Client share": Decimal("217.51"),
        "Due to client": Decimal("303.34"), "Commission invoiced": Decimal("85.83"),
    }  # fmt: skip
    lines = list(book["Lines"].iter_rows(min_row=2, values_only=True))
    assert [(row[2], Decimal(str(row[5])), Decimal(str(row[6])), Decimal(str(row[7])),
             Decimal(str(row[8]))) for row in lines] == [
        ("payment", Decimal("100"), Decimal("25"), Decimal("25"), Decimal("75")),
        ("payment", Decimal("200.01"), Decimal("30"), Decimal("60"), Decimal("140.01")),
        ("payment", Decimal("3.33"), Decimal("25"), Decimal("0.83"), Decimal("2.5")),
    ]  # fmt: skip


def test_a_second_run_reports_the_statements_issued_before(tmp_path: Path, october):
    first = run("remit", "--period", "2026-10", "--out", str(tmp_path))
    again = run("remit", "--period", "2026-10", "--out", str(tmp_path))

    assert (again["created"], again["existing"]) == (0, 1)
    assert again["statements"][0]["remittance"] == first["statements"][0]["remittance"]
    assert again["totals"] == first["totals"] == {"USD": {
        "collected_minor": 30_334, "refunds_minor": 0, "reversals_minor": 0,
        "net_collected_minor": 30_334, "commission_minor": 8_583, "fees_minor": 0,
        "client_share_minor": 21_751,
        "due_to_client_minor": 30_334, "commission_invoice_minor": 8_583,
    }}  # fmt: skip
    assert Remittance.objects.count() == 1


def test_without_out_the_documents_go_to_the_document_store(october):
    from arrears.services.common import document_store

    report = run("remit", "--period", "2026-10")

    assert report["statements"][0]["files"] == [
        "remittances/2026-10/REM-ACME-2026-10.pdf", "remittances/2026-10/INV-ACME-2026-10.pdf",
        "remittances/2026-10/REM-ACME-2026-10.xlsx",
    ]  # fmt: skip
    assert document_store().get("remittances/2026-10/REM-ACME-2026-10.pdf").startswith(b"%PDF")


@pytest.mark.parametrize("period", ["2026-13", "October", "2026-10-01"])
def test_a_period_that_is_not_a_month_exits_2(period: str):
    with pytest.raises(CommandError) as refused:
        run("remit", "--period", period)
    assert refused.value.returncode == 2
    assert f"'{period}' is not a month (YYYY-MM, such as 2026-10)" in str(refused.value)
    assert not Remittance.objects.exists()


def test_a_month_not_ended_exits_2(october):
    with pytest.raises(CommandError) as refused:
        run("remit", "--period", "2099-01")
    assert refused.value.returncode == 2
    assert "2099-01 has not ended" in str(refused.value)


def test_trust_reconcile_reports_a_balanced_month(tmp_path: Path, october):
    run("remit", "--period", "2026-10", "--out", str(tmp_path))

    report = run("trust-reconcile", "--period", "2026-10")

    assert report == {
        "period": "2026-10", "balanced": True,
        "cash": {"USD": {"received_minor": 30_334, "applied_minor": 30_334,
                         "unapplied_minor": 0, "given_back_minor": 0,
                         "difference_minor": 0}},
        "clients": [{"client": "ACME", "currency": "USD", "opening_unremitted_minor": 0,
                     "net_collected_minor": 30_334, "remitted_to_client_minor": 30_334,
                     "commission_retained_minor": 0, "closing_unremitted_minor": 0,
                     "difference_minor": 0}],
        "totals": {"USD": {"opening_unremitted_minor": 0, "net_collected_minor": 30_334,
                           "remitted_to_client_minor": 30_334, "commission_retained_minor": 0,
                           "closing_unremitted_minor": 0, "difference_minor": 0}},
    }  # fmt: skip


def test_trust_reconcile_refuses_a_period_that_is_not_a_month():
    with pytest.raises(CommandError) as refused:
        run("trust-reconcile", "--period", "26-10")
    assert refused.value.returncode == 2
