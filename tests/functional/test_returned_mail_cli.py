"""`arrears returned-mail`: the vendor's returns mark the address bad and re-route the account."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from arrears.data.messaging.models import OutboundMessage
from arrears.data.parties.models import ContactPoint
from arrears.data.strategies.models import PlannedAction
from tests.integration.test_strategy_days import DAY0, Book

pytestmark = pytest.mark.django_db


def run(*args: str) -> dict[str, int]:
    out = StringIO()
    call_command("returned-mail", *args, "--json", stdout=out)
    return json.loads(out.getvalue().splitlines()[-1])


def test_a_returned_letter_marks_its_address_bad_and_stops_the_next_letters(tmp_path):
    book = Book()
    for n in range(0, 8):
        book.day(n)
    plain = book.accounts["plain"]
    letter = OutboundMessage.objects.get(account=plain, channel="letter")
    file = tmp_path / "returns.csv"
    file.write_text(
        "reference,returned_on,return_reason\n"
        f"{letter.reference},{DAY0 + timedelta(days=9)},moved\n"
        f"MSG-999999,{DAY0 + timedelta(days=9)},moved\n"
        f"{letter.reference},next week,moved\n"
    )
    rejects = tmp_path / "rejects.csv"
    assert run(str(file), "--rejects", str(rejects)) == {
        "rows": 3, "returned": 1, "duplicates": 0, "rejected": 2, "marked_bad": 1,
    }  # fmt: skip
    assert rejects.read_text().splitlines()[1:] == [
        "MSG-999999,2026-12-10,moved,3,reference,not_found,no letter MSG-999999",
        f"{letter.reference},next week,moved,4,returned_on,refused,is not a date (YYYY-MM-DD)",
    ]
    letter.refresh_from_db()
    assert letter.status == "returned"
    address = ContactPoint.objects.get(pk=letter.contact_point_id)
    assert address.status == "bad"
    # Again: nothing changes.
    assert run(str(file))["duplicates"] == 1
    # The letter went once; coming back does not send it again.
    assert PlannedAction.objects.filter(account=plain, step="letter", status="sent").count() == 1
