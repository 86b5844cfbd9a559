"""Arrangements in a real Chromium: a collector sets up a plan from an income and expenditure
form; a settlement beyond the collector's authority waits for a supervisor, who approves it."""

from __future__ import annotations

from datetime import UTC, date
from pathlib import Path

import pytest

from arrears.data.arrangements.models import (
    ApprovalRequest,
    Arrangement,
    AuthorityLimit,
    ClientPlanRules,
)
from arrears.data.users.models import Role, User
from tests.factories import NOW, make_account, make_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PASSWORD = "a-long-real-passphrase"


@pytest.fixture
def desk(settings, monkeypatch):  # type: ignore[no-untyped-def]
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW.astimezone(UTC))
    SHOTS.mkdir(parents=True, exist_ok=True)
    casey = User.objects.create_user("casey", password=PASSWORD, role=Role.COLLECTOR)
    User.objects.create_user("sam", password=PASSWORD, role=Role.SUPERVISOR)
    client = make_client(granted_to=casey)
    ClientPlanRules.objects.create(client=client, min_payment_minor=5_000, max_term_months=12)
    AuthorityLimit.objects.create(role=Role.COLLECTOR, max_discount_ppm=200_000,
                                  max_forgiven_minor=50_000)  # fmt: skip
    AuthorityLimit.objects.create(role=Role.SUPERVISOR, max_discount_ppm=500_000)
    return make_account(client, principal=120_000), make_account(client, principal=300_000)


def sign_in(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_a_collector_sets_up_a_plan_from_income_and_expenditure(live_server, page, desk) -> None:
    account, _ = desk
    sign_in(page, live_server.url, "casey")
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    page.click("#plan-link")
    page.wait_for_url(f"{live_server.url}/accounts/{account.pk}/plan/")
    page.fill("#id_adults", "1")
    page.fill("#id_children", "1")
    page.select_option("#id_income_0_category", "wages")
    page.select_option("#id_income_0_frequency", "biweekly")
    page.fill("#id_income_0_amount", "1500.00")
    page.fill("#id_expense_housing", "1400")
    page.fill("#id_expense_food", "600")
    page.fill("#id_expense_utilities", "1000")
    page.fill("#id_first_due", "2026-12-01")
    page.click("#propose")
    page.wait_for_selector("#proposals")
    assert page.locator("#disposable").inner_text() == "250.00"
    monthly = page.locator("tr.proposal[data-frequency=monthly]")
    assert "250.00" in monthly.inner_text() and "5 months" in monthly.inner_text()
    page.screenshot(path=str(SHOTS / "plan-from-income-and-expenditure.png"), full_page=True)

    monthly.locator("button", has_text="Set up this plan").click()
    page.wait_for_url(f"{live_server.url}/accounts/{account.pk}/#arrangements-card")
    assert (
        "Plan agreed: 5 monthly payments, 1,200.00 in all."
        in page.locator(".flash").first.inner_text()
    )
    card = page.locator("#arrangements-card")
    assert "Payment plan" in card.inner_text() and "Active" in card.inner_text()
    plan = Arrangement.objects.get(account=account)
    assert list(plan.instalments.values_list("due_on", "amount_minor")) == [
        (date(2026, 12, 1), 25_000), (date(2027, 1, 1), 25_000), (date(2027, 2, 1), 25_000),
        (date(2027, 3, 1), 25_000), (date(2027, 4, 1), 20_000),
    ]  # fmt: skip
    assert plan.rationale["sentences"][0].startswith("Disposable income is $250.00 a month")
    page.screenshot(path=str(SHOTS / "plan-agreed.png"), full_page=True)


def test_a_settlement_beyond_authority_waits_for_the_supervisor_who_approves_it(
    live_server, page, desk
) -> None:
    _, account = desk
    sign_in(page, live_server.url, "casey")
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    page.click("#settle-link")
    page.fill("#id_percent", "60")
    page.fill("#id_count", "3")
    page.fill("#id_first_due", "2026-12-15")
    page.fill("#id_note", "lost job; family help")
    page.click("#settlement-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/{account.pk}/#arrangements-card")
    flash = page.locator(".flash").first.inner_text()
    assert "waits for a supervisor's approval" in flash
    assert "over the limit of 20%" in flash
    assert "Waiting for approval" in page.locator("#arrangements-card").inner_text()
    # Collectors have no approvals queue.
    assert page.locator("header.top a:text-is('Approvals')").count() == 0
    page.click("button:text-is('Sign out')")
    page.wait_for_load_state()

    sign_in(page, live_server.url, "sam")
    page.click("header.top a:text-is('Approvals')")
    page.wait_for_url(f"{live_server.url}/approvals/")
    row = page.locator("tr.approval")
    assert row.count() == 1
    assert "1,800.00 for 3,000.00 (1,200.00 forgiven)" in row.inner_text()
    assert "casey" in row.inner_text() and "1099-C" in row.inner_text()
    page.screenshot(path=str(SHOTS / "approvals-queue.png"), full_page=True)
    row.locator("input[name=note]").fill("hardship confirmed")
    row.locator("button[value=approve]").click()
    page.wait_for_url(f"{live_server.url}/approvals/")
    assert "approved" in page.locator(".flash").first.inner_text()
    assert page.locator("tr.approval").count() == 0

    deal = Arrangement.objects.get(account=account)
    request = ApprovalRequest.objects.get(arrangement=deal)
    assert (deal.status, request.status, request.decided_by.username) == (
        "active",
        "approved",
        "sam",
    )
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    card = page.locator("#arrangements-card").inner_text()
    assert "Active" in card and "1,800.00" in card
