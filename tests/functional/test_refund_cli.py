"""`arrears refund-payment`: the JSON contract, repeating with the same key, and the exit codes."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.data.payments.models import Payment, PaymentRefund
from arrears.services.common import Actor
from arrears.services.payments.posting import payment_post
from tests.factories import NOW, make_account, make_client
from tests.integration.cards import books

pytestmark = pytest.mark.django_db


def refund(*args: str) -> dict:
    out = StringIO()
    call_command("refund-payment", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.fixture
def payment() -> Payment:
    account = make_account(make_client(), principal=3_000)
    payment_post(account_id=account.pk, amount_minor=5_000, received_on=date(2026, 11, 20),
                 source="check", actor=Actor.system("t"), reference="CHK-1", now=NOW)  # fmt: skip
    return Payment.objects.get()


def test_gives_back_part_of_a_payment_and_reports_in_json(payment) -> None:  # type: ignore[no-untyped-def]
    report = refund(str(payment.pk), "--amount", "25.00", "--reason", "overpaid",
                    "--idempotency-key", "r-1")  # fmt: skip

    record = PaymentRefund.objects.get()
    assert report == {
        "refund_id": record.pk, "payment_id": payment.pk, "account_id": payment.account_id,
        "amount_minor": 2_500, "from_unapplied_minor": 2_000, "from_applied_minor": 500,
        "fee_minor": 0, "entry_ids": report["entry_ids"], "gateway_reference": "",
        "duplicate": False,
    }  # fmt: skip
    assert len(report["entry_ids"]) == 1
    assert record.actor_label == "cli:refund-payment"


def test_the_same_key_again_gives_nothing_more(payment) -> None:  # type: ignore[no-untyped-def]
    args = (str(payment.pk), "--amount", "5.00", "--reason", "overpaid", "--idempotency-key", "r-1")
    first = refund(*args)
    before = books()

    again = refund(*args)

    assert again == {**first, "duplicate": True}
    assert books() == before


def test_more_than_is_left_exits_2_and_changes_nothing(payment) -> None:  # type: ignore[no-untyped-def]
    before = books()
    with pytest.raises(CommandError, match=r"at most 50\.00 of payment CHK-1") as refused:
        refund(str(payment.pk), "--amount", "50.01", "--reason", "overpaid")
    assert refused.value.returncode == 2
    assert books() == before


def test_an_amount_that_is_not_one_is_bad_usage(payment) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match=r"is not an amount like 12\.34"):
        refund(str(payment.pk), "--amount", "12.345", "--reason", "x")
    assert PaymentRefund.objects.count() == 0
