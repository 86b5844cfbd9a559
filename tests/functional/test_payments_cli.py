"""`arrears post-payments`: the JSON contract, the rejects file and the exit codes."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.data.accounts.models import Account
from arrears.data.ledger.models import Entry
from arrears.data.payments.models import Payment
from tests.factories import make_account, make_client

pytestmark = pytest.mark.django_db


def post(path: Path, *args: str) -> tuple[dict, str]:
    out, err = StringIO(), StringIO()
    call_command("post-payments", str(path), "--json", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue().strip().splitlines()[-1]), err.getvalue()


def test_posts_a_file_and_reports_in_json(tmp_path):
    account = make_account(make_client("ACME"), principal=50_000)
    path = tmp_path / "lockbox.csv"
    path.write_text(
        "Reference,Received On,Amount,Method,Account,Client\n"
        f"P-1,2026-11-20,$120.50,Check,{account.client_ref},acme\n"
        "P-2,2026-11-20,12.345,check,#1,\n"
        "P-3,2026-11-20,30.00,ach,NO-SUCH,\n"
    )

    report, err = post(path)

    assert report == {
        "file": "lockbox.csv", "rows": 3, "posted": 1, "matched": 1, "unapplied": 1,
        "rejected": 1, "duplicates": 0, "applied_minor": 12_050, "unapplied_minor": 3_000,
    }  # fmt: skip
    account.refresh_from_db()
    assert account.balance_minor == 50_000 - 12_050
    assert "line 3: amount: amount '12.345' is not an amount more than zero" in err
    rejects = (tmp_path / "lockbox.csv.rejects.csv").read_text().splitlines()
    assert rejects[1].startswith("P-2,2026-11-20,12.345,check,#1,,3,amount,invalid_amount,")


def test_a_second_run_posts_nothing(tmp_path):
    account = make_account(make_client("ACME"), principal=50_000)
    path = tmp_path / "f.csv"
    path.write_text(
        f"reference,received_on,amount,method,account\nP-1,2026-11-20,10.00,cash,#{account.pk}\n"
    )
    post(path)
    entries = Entry.objects.count()

    report, _ = post(path)

    assert (report["posted"], report["duplicates"]) == (0, 1)
    assert Entry.objects.count() == entries
    assert Account.objects.get(pk=account.pk).balance_minor == 49_000


def test_a_file_without_the_required_columns_exits_3_and_posts_nothing(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("reference,amount\nP-1,10.00\n")
    with pytest.raises(CommandError) as refused:
        post(path)
    assert refused.value.returncode == 3
    assert "lacks the required column(s) received_on, method" in str(refused.value)
    assert Payment.objects.count() == 0


def test_a_missing_file_exits_3(tmp_path):
    with pytest.raises(CommandError) as refused:
        post(tmp_path / "nowhere.csv")
    assert refused.value.returncode == 3
