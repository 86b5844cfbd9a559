"""`arrears remittance-paid NUMBER --on DATE --reference REF [--by USER] [--json]`: records a
statement paid; a second run, an unknown statement or user, a day in the future exit 2 with
the reason and change nothing."""

from __future__ import annotations

import json
from datetime import UTC, date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.data.trust.models import Remittance
from arrears.data.users.models import Role, User
from arrears.services.common import Actor
from arrears.services.payments.posting import payment_post
from arrears.services.trust.operations import commission_terms_set, remit
from tests.factories import NOW, make_account, make_client

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Today is 23 November 2026."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW.astimezone(UTC))


@pytest.fixture
def acme(tmp_path) -> Remittance:
    client = make_client("ACME")
    commission_terms_set(client_id=client.pk, default_rate_ppm=250_000, actor=ACTOR, now=NOW)
    payment_post(account_id=make_account(client).pk, amount_minor=20_000,
                 received_on=date(2026, 10, 9), source="check", actor=ACTOR, now=NOW)  # fmt: skip
    remit(period=date(2026, 10, 1), actor=ACTOR, now=NOW, out=tmp_path)
    return Remittance.objects.get()


def run(*args: str) -> str:
    out = StringIO()
    call_command("remittance-paid", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def test_records_the_statement_paid(acme):
    alex = User.objects.create_user("alex", password="a-long-real-passphrase",
                                    role=Role.ACCOUNTANT)  # fmt: skip

    report = json.loads(run("REM-ACME-2026-10", "--on", "2026-11-23", "--reference", "CHK 9",
                            "--by", "alex", "--json").splitlines()[-1])  # fmt: skip

    assert report == {
        "remittance": acme.pk, "number": "REM-ACME-2026-10", "client": "ACME",
        "currency": "USD", "due_to_client_minor": 15_000, "status": "paid",
        "paid_on": "2026-11-23", "paid_reference": "CHK 9", "paid_by": "alex",
    }  # fmt: skip
    acme.refresh_from_db()
    assert (acme.status, acme.paid_by_id, acme.paid_at) == ("paid", alex.pk, NOW)


def test_says_what_it_did_in_words(acme):
    assert run("rem-acme-2026-10", "--on", "2026-11-23", "--reference", "CHK 9") == (
        "REM-ACME-2026-10: 150.00 USD paid to ACME on 2026-11-23, reference CHK 9."
    )


@pytest.mark.parametrize(("args", "message"), [
    (("REM-ACME-2026-10", "--on", "2026-11-24", "--reference", "CHK 9"),
     "2026-11-24 is in the future: record a payment once it is made"),
    (("REM-NOPE-2026-10", "--on", "2026-11-23", "--reference", "CHK 9"),
     "no remittance statement REM-NOPE-2026-10"),
    (("REM-ACME-2026-10", "--on", "2026-11-23", "--reference", "CHK 9", "--by", "nobody"),
     "no user 'nobody'"),
])  # fmt: skip
def test_a_refusal_exits_2_and_changes_nothing(acme, args, message):
    with pytest.raises(CommandError) as refused:
        run(*args)
    assert refused.value.returncode == 2
    assert str(refused.value) == message
    acme.refresh_from_db()
    assert (acme.status, acme.paid_on) == ("issued", None)


def test_a_second_run_exits_2_and_changes_nothing(acme):
    run("REM-ACME-2026-10", "--on", "2026-11-23", "--reference", "CHK 9")
    acme.refresh_from_db()
    before = (acme.status, acme.paid_on, acme.paid_reference, acme.paid_at)

    with pytest.raises(CommandError) as refused:
        run("REM-ACME-2026-10", "--on", "2026-11-23", "--reference", "CHK 9")

    assert refused.value.returncode == 2
    assert str(refused.value) == (
        "REM-ACME-2026-10 was marked paid on 2026-11-23 (reference CHK 9) by the operator; "
        "nothing was changed"
    )
    acme.refresh_from_db()
    assert (acme.status, acme.paid_on, acme.paid_reference, acme.paid_at) == before
