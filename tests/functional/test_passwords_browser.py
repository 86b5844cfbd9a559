"""A forgotten password in a real Chromium: from the login page to the emailed link, a new
password, and signing in with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from arrears.data.users.models import Role, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
NEW = "quiet-harbour-lantern-42"


def test_a_collector_resets_a_forgotten_password_and_signs_in(live_server, page) -> None:
    User.objects.create_user("casey", email="casey@example.com", password="an-old-passphrase",
                             role=Role.COLLECTOR)  # fmt: skip
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/login/")
    page.screenshot(path=str(SHOTS / "login-with-reset-link.png"))
    page.click("text=Forgot your password?")
    page.wait_for_url(f"{live_server.url}/password/reset/")
    page.fill("#id_email", "casey@example.com")
    page.screenshot(path=str(SHOTS / "password-reset-request.png"))
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/password/reset/sent/")
    assert page.locator("h1").inner_text() == "Check your email"

    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/password/reset/\S+/)", mail.outbox[0].body)
    assert link is not None
    page.goto(f"{live_server.url}{link.group(1)}")
    assert page.locator("h1").inner_text() == "Choose a new password"
    page.fill("#id_new_password1", "12345678")
    page.fill("#id_new_password2", "12345678")
    page.click("button[type=submit]")
    # The refusal comes with the next page: wait for it rather than read the old one.
    expect(page.locator("text=This password is entirely numeric.")).to_be_visible()
    page.screenshot(path=str(SHOTS / "password-reset-refused.png"), full_page=True)
    page.fill("#id_new_password1", NEW)
    page.fill("#id_new_password2", NEW)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/password/reset/done/")
    page.screenshot(path=str(SHOTS / "password-reset-done.png"))

    page.click("a.btn")
    page.fill("#id_username", "casey")
    page.fill("#id_password", NEW)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/work/")
    page.click("text=Password")
    page.wait_for_url(f"{live_server.url}/password/change/")
    page.screenshot(path=str(SHOTS / "password-change.png"))
