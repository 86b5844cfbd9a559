"""What the account page costs the database: a fixed handful of statements, however much has
happened on the account (a count, not a time: the benchmark measures time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from arrears.data.contacts.models import ContactAttempt
from arrears.data.users.models import Role, User
from tests.factories import give_history, make_client, make_new_yorker

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 11, 2, 10, 0, tzinfo=NY)
BUDGET = 10  # statements for one account page, the session and the signed-in user included


@pytest.fixture
def worked(client, monkeypatch):  # type: ignore[no-untyped-def]
    """Casey, a collector, signed in, and an account with a few weeks of work on it."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: MONDAY.astimezone(UTC))
    casey = User.objects.create_user("casey", password="a-long-real-passphrase",
                                     role=Role.COLLECTOR)  # fmt: skip
    account = give_history(make_new_yorker(make_client(granted_to=casey), 80_000), collector_id=casey.pk,
                           now=MONDAY)  # fmt: skip
    client.force_login(casey)
    return account


class TestAccountPageQueries:
    def test_a_worked_account_page_takes_at_most_ten_statements(
        self, client, worked, django_assert_max_num_queries
    ) -> None:
        with django_assert_max_num_queries(BUDGET):
            response = client.get(reverse("account-page", args=[worked.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        # The page shows what the history holds: it was all read in those statements.
        assert html.count('<tr class="attempt">') == 7
        assert "Promise to pay 50.00 by 11 Nov 2026" in html
        assert '<tr class="promise"><td>Promise</td><td>Nov 11, 2026</td>' in html
        assert 'Payments and credits since then</td><td class="num">25.00</td>' in html
        assert "Sam Doe" in html and "+17165550199" in html
        assert "No contact at work" in html and "CFPB-1" in html

    def test_the_count_does_not_grow_with_the_history(
        self, client, worked, django_assert_max_num_queries
    ) -> None:
        first = worked.contact_attempts.order_by("id").first()
        assert first is not None
        ContactAttempt.objects.bulk_create(
            ContactAttempt(account=worked, at=first.at - timedelta(days=n, minutes=n),
                           channel="letter", direction="outbound", outcome="sent",
                           allowed=True, source="campaign")
            for n in range(1, 120)
        )  # fmt: skip
        with django_assert_max_num_queries(BUDGET):
            response = client.get(reverse("account-page", args=[worked.pk]))
        assert response.status_code == 200
        assert response.content.decode().count('<tr class="attempt">') == 50  # the newest 50
