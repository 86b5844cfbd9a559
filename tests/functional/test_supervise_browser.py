"""The supervisor's view in a real Chromium: sign in, open the floor from the header, see the
figures, the queue depths and the reassign form, and give an account to another collector."""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path

import pytest

from arrears.data.work.models import Assignment
from tests.floor import NOW, PASSWORD, build_floor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture
def floor(settings, monkeypatch):  # type: ignore[no-untyped-def]
    # The clock is frozen in the past: a session cookie with an expiry date would be dropped.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW.astimezone(UTC))
    SHOTS.mkdir(parents=True, exist_ok=True)
    return build_floor()


def test_the_supervisor_sees_the_floor_and_reassigns_an_account(live_server, page, floor) -> None:
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/work/")
    page.click("header.top a:text-is('Floor')")
    page.wait_for_url(f"{live_server.url}/supervise/")

    figures = page.locator("table#figures")
    assert figures.is_visible()
    casey = figures.locator("tr[data-user=casey]")
    assert casey.is_visible()
    assert "225.35" in casey.inner_text() and "22.5 %" in casey.inner_text()
    assert "13.3 %" in figures.locator("tr[data-team=floor-1]").inner_text()
    assert "277.69" in figures.locator("tr.total").inner_text()
    queues = page.locator("#queues")
    assert queues.is_visible()
    assert queues.locator("tr.queue", has_text="Fresh placements").is_visible()
    assert page.locator("#form-reassign").is_visible()
    assert page.locator("#form-target").is_visible()
    team = page.locator("#teams tr.team-row", has_text="Floor 1")
    assert team.is_visible() and "casey, dana" in team.inner_text()
    assert page.locator("#form-team").is_visible() and page.locator("#form-grace").is_visible()
    page.screenshot(path=str(SHOTS / "supervisor-view.png"), full_page=True)

    page.select_option("select[name=owner]", "casey")
    page.click("text=Show their accounts")
    page.wait_for_url(re.compile(r".*/supervise/\?day=2026-11-10&owner=casey#reassign$"))
    first = floor.accounts[0]
    page.check(f"#pick-{first.pk}")
    page.select_option("#id_reassign-to", "eve")
    page.keyboard.press("Escape")
    page.keyboard.press("r")  # the shortcut focuses the reassign form
    assert page.evaluate("document.activeElement.name") == "reassign-account"
    page.click("#form-reassign button[type=submit]")
    page.wait_for_url(re.compile(r".*/supervise/\?day=2026-11-10&owner=casey#reassign$"))
    assert page.locator("p.flash").inner_text() == "1 account given to eve."
    assert Assignment.objects.get(account=first).user == floor.eve
    assert page.locator(f"#pick-{first.pk}").count() == 0  # no longer casey's
