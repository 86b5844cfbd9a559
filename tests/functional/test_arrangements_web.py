"""The plan and settlement screens collect by ACH debit when asked: the consumer's recurring
authorization is offered, each payment is scheduled under it, and the confirmation says so."""

from __future__ import annotations

from datetime import UTC, date

import pytest
from django.test import Client as HttpClient

from arrears.data.arrangements.models import Arrangement, AuthorityLimit, ClientPlanRules
from arrears.data.payments.models import ScheduledPayment
from arrears.data.users.models import Role, User
from tests.factories import NOW, grant_clients, make_account, make_client
from tests.integration.test_ach_origination import authorize

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW.astimezone(UTC))


@pytest.fixture
def acme():  # type: ignore[no-untyped-def]
    return make_client()


@pytest.fixture
def casey(acme) -> HttpClient:  # type: ignore[no-untyped-def]
    client = acme
    ClientPlanRules.objects.create(client=client, min_payment_minor=5_000, max_term_months=12)
    AuthorityLimit.objects.create(role=Role.COLLECTOR, max_discount_ppm=200_000,
                                  max_forgiven_minor=50_000, max_adjustment_minor=2_500)  # fmt: skip
    user = User.objects.create_user("casey", password="x", role=Role.COLLECTOR)
    grant_clients(user, client)
    http = HttpClient()
    http.force_login(user)
    return http


def test_a_plan_agreed_with_autopay_schedules_each_payment_as_a_debit(casey, acme) -> None:  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=90_000)
    auth = authorize(account)  # WEB, checking ending 6789, recurring

    response = casey.post(f"/accounts/{account.pk}/plan/agree/", {
        "frequency": "monthly", "first_due": "2026-12-01", "count": "3",
        "authorization": str(auth.pk),
    }, follow=True)  # fmt: skip

    assert response.status_code == 200
    assert (
        "Plan agreed: 3 monthly payments, 900.00 in all, each debited from checking ending 6789."
    ) in response.content.decode()
    plan = Arrangement.objects.get(account=account)
    debits = list(
        ScheduledPayment.objects.filter(instalment__arrangement=plan)
        .order_by("due_on")
        .values_list("authorization_id", "due_on", "amount_minor", "status")
    )
    assert debits == [
        (auth.pk, date(2026, 12, 1), 30_000, "scheduled"),
        (auth.pk, date(2027, 1, 1), 30_000, "scheduled"),
        (auth.pk, date(2027, 2, 1), 30_000, "scheduled"),
    ]


def test_the_plan_screen_offers_the_accounts_recurring_authorizations_only(casey, acme) -> None:  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=90_000)
    recurring = authorize(account)
    authorize(account, number="000555444333", recurring=False)
    statement = {
        "adults": "1", "children": "0", "first_due": "2026-12-01",
        "income_0_category": "wages", "income_0_frequency": "monthly", "income_0_amount": "2000",
        **{f"income_{i}_{part}": value for i in (1, 2)
           for part, value in (("category", "wages"), ("frequency", "monthly"))},
    }  # fmt: skip

    response = casey.post(f"/accounts/{account.pk}/plan/", statement)
    page = response.content.decode()
    assert response.status_code == 200, page

    assert f'<option value="{recurring.pk}">ACH debit: WEB · checking ending 6789</option>' in page
    assert "ending 4333" not in page
    assert 'id="no-autopay"' not in page


def test_a_settlement_paid_by_debit_schedules_its_payment_under_the_authorization(
    casey, acme
) -> None:  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=100_000)
    auth = authorize(account)

    page = casey.get(f"/accounts/{account.pk}/settle/").content.decode()
    response = casey.post(f"/accounts/{account.pk}/settle/", {
        "amount": "900.00", "count": "1", "frequency": "monthly", "first_due": "2026-12-01",
        "authorization": str(auth.pk), "note": "",
    }, follow=True)  # fmt: skip

    assert f'<option value="{auth.pk}">ACH debit: WEB · checking ending 6789</option>' in page
    assert "Settlement agreed, each debited from checking ending 6789." in (
        response.content.decode()
    )
    debit = ScheduledPayment.objects.get()
    assert (debit.authorization_id, debit.due_on, debit.amount_minor) == (
        auth.pk, date(2026, 12, 1), 90_000)  # fmt: skip


def test_an_authorization_of_another_account_is_refused_and_nothing_is_agreed(casey, acme) -> None:  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=90_000)
    other = authorize(make_account(acme, principal=10_000))

    response = casey.post(f"/accounts/{account.pk}/plan/agree/", {
        "frequency": "monthly", "first_due": "2026-12-01", "count": "3",
        "authorization": str(other.pk),
    })  # fmt: skip

    assert response.status_code == 400
    assert f"no ACH authorization {other.pk} on this account" in response.content.decode()
    assert not Arrangement.objects.exists()
    assert not ScheduledPayment.objects.exists()
