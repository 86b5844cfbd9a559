"""`arrears pre-debit-notices`: the JSON contract, the files for the printer, a second run that
sends nothing, the human summary and a bad date."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.data.contacts.models import MoneyLetter
from arrears.data.parties.models import ContactPoint
from arrears.services.common import document_store
from tests.factories import make_account, make_client
from tests.integration.test_ach_origination import authorize, schedule

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("pre-debit-notices", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip().splitlines()[-1]


def debits() -> dict[str, int]:
    account = make_account(make_client("ACME"))
    ContactPoint.objects.create(party=account.account_parties.get().party, kind="address",
                                address1="1 Main St", city="Buffalo", state="NY", zip="14201",
                                valid_from=date(2026, 1, 1), value_index="a1")  # fmt: skip
    authorization = authorize(account)
    return {
        "late": schedule(authorization, 4_000, date(2026, 11, 27)).pk,
        "due": schedule(authorization, 5_000, date(2026, 11, 30)).pk,
        "later": schedule(authorization, 6_000, date(2026, 12, 10)).pk,
    }


def test_sends_each_notice_once_and_reports_in_json(tmp_path):
    made = debits()
    out = tmp_path / "print"

    first = json.loads(run("--as-of", "2026-11-24", "--out", str(out), "--json"))
    second = json.loads(run("--as-of", "2026-11-24", "--out", str(out), "--json"))

    assert first == {
        "as_of": "2026-11-24", "debits_from": "2026-11-30", "debits_to": "2026-12-09",
        "candidates": 1, "sent": 1, "skipped": {}, "references": [f"PD-{made['due']}"],
        "too_late": [made["late"]], "problems": [], "out": str(out),
    }  # fmt: skip
    assert (second["candidates"], second["sent"], second["references"]) == (0, 0, [])
    assert sorted(p.name for p in out.iterdir()) == [f"PD-{made['due']}.html",
                                                      f"PD-{made['due']}.pdf"]  # fmt: skip
    letter = MoneyLetter.objects.get()
    assert document_store().get(letter.pdf_key) == (out / f"PD-{made['due']}.pdf").read_bytes()
    html = (out / f"PD-{made['due']}.html").read_text()
    assert "we will debit <strong>$50.00</strong>" in html
    assert "<strong>November 30, 2026</strong>" in html


def test_says_what_it_did_in_words():
    made = debits()
    assert run("--as-of", "2026-11-24") == (
        "1 notices of scheduled debits for 2026-11-24 (debits from 2026-11-30 to 2026-12-09); "
        f"too late for notice, scheduled debits {made['late']}."
    )


def test_a_date_that_is_not_a_date_is_refused():
    with pytest.raises(CommandError, match="'24/11/2026' is not a date"):
        run("--as-of", "24/11/2026")
