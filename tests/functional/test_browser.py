"""Key screens in a real Chromium: sign in, find an account, read its page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from arrears.data.users.models import Role, User
from arrears.services.common import Actor
from arrears.services.payments.posting import payment_post
from tests.factories import NOW, make_account, make_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_collector_signs_in_finds_an_account_and_reads_it(live_server, page):
    User.objects.create_user("casey", password="a-long-real-passphrase", role=Role.COLLECTOR)
    account = make_account(
        make_client(granted_to="casey"), principal=250_000, interest=12_345, fees=2_500
    )
    payment_post(account_id=account.pk, amount_minor=10_000, received_on=date(2026, 2, 1),
                 source="card", actor=Actor.system("test"), now=NOW)  # fmt: skip
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/accounts/")
    assert "/login/" in page.url
    page.fill("#id_username", "casey")
    page.fill("#id_password", "a-long-real-passphrase")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/")
    page.screenshot(path=str(SHOTS / "account-list.png"), full_page=True)

    page.fill("input[name=q]", account.client_ref)
    page.press("input[name=q]", "Enter")
    page.click(f"text=#{account.pk}")
    page.wait_for_url(f"{live_server.url}/accounts/{account.pk}/")
    total = page.locator("section[aria-labelledby=bal] tr.total td.num").inner_text()
    assert total == "2,548.45"  # 2,500.00 + 123.45 + 25.00 - 100.00
    assert page.locator("text=Total amount of the debt now").is_visible()
    page.screenshot(path=str(SHOTS / "account-page.png"), full_page=True)


def test_collector_logs_a_conversation_and_sees_the_phone_close(live_server, page):
    User.objects.create_user("casey", password="a-long-real-passphrase", role=Role.COLLECTOR)
    account = make_account(make_client(granted_to="casey"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/accounts/{account.pk}/")
    page.fill("#id_username", "casey")
    page.fill("#id_password", "a-long-real-passphrase")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/{account.pk}/")

    page.select_option("#id_channel", "call")
    page.select_option("#id_direction", "inbound")
    page.select_option("#id_outcome", "conversation")
    page.fill("#id_note", "consumer called about a payment plan")
    page.click("text=Log contact")
    page.wait_for_url(f"{live_server.url}/accounts/{account.pk}/#history")
    assert page.locator("p.flash").inner_text() == "Contact logged."
    row = page.locator("tr.attempt").first.inner_text()
    assert "Inbound" in row and "Conversation" in row and "consumer called" in row
    # The conversation closes the phone for seven days: the call row is blocked by that rule.
    call = page.locator("tr.decision").first
    assert "Blocked" in call.inner_text()
    assert "regf.call-after-conversation" in call.inner_text()
    page.screenshot(path=str(SHOTS / "account-contact-logged.png"), full_page=True)
