"""`arrears card-sweep`: the JSON contract, a second run changing nothing, the age threshold and
bad usage."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from arrears.data.audit.models import AuditEvent
from arrears.data.payments.models import CardCharge, Payment
from arrears.services.common import Actor
from arrears.services.payments.cards import CardGatewayError, card_payment_take
from tests.factories import make_account, make_client
from tests.integration.cards import SpyGateway, books

pytestmark = pytest.mark.django_db


def sweep(*args: str) -> dict:
    out = StringIO()
    call_command("card-sweep", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.fixture
def gateway(monkeypatch) -> SpyGateway:  # type: ignore[no-untyped-def]
    """The gateway the command finds in the settings: one that charged a card an hour ago and
    lost the answer."""
    spy = SpyGateway()
    monkeypatch.setattr("arrears.services.payments.sweep.card_gateway", lambda: spy)
    account = make_account(make_client(), principal=100_000)
    spy.fake.answers_to_lose = 1
    with pytest.raises(CardGatewayError):
        card_payment_take(account_id=account.pk, amount_minor=5_000, token="pm_card_visa",
                          idempotency_key="k-1", actor=Actor(label="casey"),
                          now=timezone.now() - timedelta(hours=1), gateway=spy)  # fmt: skip
    return spy


def test_posts_the_lost_charge_and_reports_in_json(gateway: SpyGateway) -> None:
    report = sweep()

    assert report == {
        "gateway": "fake", "asked_before": report["asked_before"],
        "charges_checked": 1, "charges_completed": 1, "charges_declined": 0,
        "charges_unknown": 0, "charges_waiting": 0, "refunds_checked": 0,
        "refunds_completed": 0, "refunds_failed": 0, "refunds_unknown": 0,
        "refunds_waiting": 0, "refunds_in_doubt": 0, "unreachable": 0, "other_gateway": 0,
    }  # fmt: skip
    payment = Payment.objects.get()
    assert (payment.amount_minor, payment.applied_minor) == (5_000, 5_000)
    assert CardCharge.objects.get().state == "succeeded"
    assert AuditEvent.objects.get(event="card.swept").actor_label == "cli:card-sweep"


def test_a_second_run_changes_nothing(gateway: SpyGateway) -> None:
    sweep()
    before = books()

    again = sweep()

    assert (again["charges_checked"], again["charges_completed"]) == (0, 0)
    assert books() == before
    assert Payment.objects.count() == 1


def test_an_attempt_younger_than_the_threshold_is_left(gateway: SpyGateway) -> None:
    before = books()

    report = sweep("--older-than-minutes", "120")

    assert (report["charges_checked"], gateway.lookups) == (0, [])
    assert books() == before


def test_a_gateway_that_cannot_be_reached_is_reported_and_changes_nothing(
    gateway: SpyGateway,
) -> None:
    gateway.fake.reachable = False
    before = books()

    report = sweep()

    assert (report["charges_checked"], report["unreachable"]) == (1, 1)
    assert books() == before


def test_without_json_it_says_what_it_did_in_words(gateway: SpyGateway) -> None:
    out = StringIO()
    call_command("card-sweep", stdout=out, stderr=StringIO())

    assert "1 charges checked, 1 posted, 0 declined, 0 unknown to the gateway" in out.getvalue()


@pytest.mark.parametrize("minutes", ["-5", "ten"])
def test_an_age_that_is_not_one_is_bad_usage(gateway: SpyGateway, minutes: str) -> None:
    before = books()
    with pytest.raises(CommandError, match="older-than-minutes"):
        sweep("--older-than-minutes", minutes)
    assert (books(), gateway.lookups) == (before, [])
