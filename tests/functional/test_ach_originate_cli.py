"""`arrears ach-originate`: the JSON contract and the refusal of a closed settlement day."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.core.formats.nacha import read_ach
from arrears.services.common import Actor
from arrears.services.payments.origination import ach_authorize, payment_schedule
from tests.factories import NOW, make_account, make_client

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


def originate(*args: str) -> dict:
    out = StringIO()
    call_command("ach-originate", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_writes_the_file_and_reports_it(tmp_path):
    account = make_account(make_client())
    found = ach_authorize(account_id=account.pk, routing="021000021", account_number="99887766",
                          account_type="checking", sec="TEL",
                          evidence="recorded call 2026-11-20 10:14 ET", actor=ACTOR, now=NOW)  # fmt: skip
    payment_schedule(authorization_id=found.pk, amount_minor=4_200, due_on=date(2026, 11, 25),
                     actor=ACTOR, now=NOW)  # fmt: skip
    out = tmp_path / "debits.ach"

    report = originate("--effective", "2026-11-25", "--out", str(out))

    assert report == {
        "effective": "2026-11-25", "file": str(out), "entries": 1, "batches": 1, "blocks": 1,
        "debit_total_minor": 4_200, "entry_hash": 2100002, "held": {},
    }  # fmt: skip
    (batch,) = read_ach(out.read_text()).batches
    assert (batch.sec, batch.effective_date, batch.entries[0].account.strip()) == (
        "TEL", "261125", "99887766",
    )  # fmt: skip


def test_a_closed_day_exits_2_naming_the_next_open_one(tmp_path):
    with pytest.raises(CommandError) as refused:
        originate("--effective", "2026-12-25", "--out", str(tmp_path / "x.ach"))
    assert refused.value.returncode == 2
    assert "the next one is 2026-12-28" in str(refused.value)
