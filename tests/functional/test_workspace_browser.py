"""The collector's day in a real Chromium: sign in, next account, a right-party contact with a
promise, next account; a blocked call shows its rule and the next allowed moment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from arrears.data.users.models import Role, User
from arrears.data.work.models import Promise
from arrears.services.common import Actor
from arrears.services.work.queues import queue_build, queue_define
from tests.factories import make_client, make_new_yorker
from tests.functional.test_workspace_web import MONDAY
from tests.functional.test_workspace_web import monday as monday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture
def day(settings, monday):  # type: ignore[no-untyped-def]
    # The clock is frozen in the past: a session cookie with an expiry date would be dropped.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    User.objects.create_user("casey", password="a-long-real-passphrase", role=Role.COLLECTOR)
    acme = make_client(granted_to="casey")
    accounts = [make_new_yorker(acme, 120_000), make_new_yorker(acme, 45_000)]
    queue_define(code="fresh", name="Fresh placements", filters={}, order="balance_high",
                 mode="pooled", members=["casey"], actor=Actor.system("test"), now=MONDAY)  # fmt: skip
    queue_build("fresh", now=MONDAY, actor=Actor.system("test"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    return accounts


def _sign_in(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/")
    page.fill("#id_username", "casey")
    page.fill("#id_password", "a-long-real-passphrase")
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/work/")


def test_next_account_promise_next_account(live_server, page, day) -> None:
    first, second = day
    _sign_in(page, live_server.url)
    row = page.locator("tr.queue", has_text="Fresh placements")
    assert row.is_visible()
    page.screenshot(path=str(SHOTS / "work-queues.png"), full_page=True)

    page.keyboard.press("n")  # the shortcut for "Next account"
    page.wait_for_url(f"{live_server.url}/accounts/{first.pk}/?queue=fresh")
    assert page.locator(".workbar", has_text="Yours until").is_visible()
    assert page.locator(".workbar", has_text="Call: allowed").is_visible()

    page.keyboard.press("c")  # focuses the call form
    assert page.evaluate("document.activeElement.id") == "id_call-direction"
    page.select_option("#id_call-disposition", "promise")
    page.fill("#id_call-promise_amount", "200.00")
    page.fill("#id_call-promise_due_on", "2026-11-13")
    page.fill("#id_call-note", "Will pay from the next paycheck.")
    page.click("#form-call button[type=submit]")
    page.wait_for_url(re.compile(rf".*/accounts/{first.pk}/\?queue=fresh#timeline$"))
    assert page.locator("p.flash").inner_text() == "Call logged: Promise to pay with a promise."
    assert page.locator(
        "tr.event-promise", has_text="Promise to pay 200.00 by 13 Nov 2026"
    ).is_visible()
    assert page.locator("tr.promise", has_text="200.00").is_visible()
    assert page.locator("#limitation-row", has_text="Limitation period").is_visible()
    page.screenshot(path=str(SHOTS / "account-screen.png"), full_page=True)
    assert Promise.objects.get().amount_minor == 20_000

    page.keyboard.press("n")
    page.wait_for_url(f"{live_server.url}/accounts/{second.pk}/?queue=fresh")
    assert page.locator("h1", has_text=f"Account #{second.pk}").is_visible()


def test_a_promise_on_two_dates_from_the_folded_lines(live_server, page, day) -> None:
    first, _ = day
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/accounts/{first.pk}/")
    assert not page.locator("#id_call-promise_amount_2").is_visible()  # folded
    page.select_option("#id_call-disposition", "promise")
    page.get_by_label("Promise amount").fill("100.00")
    page.get_by_label("Promise due on").fill("2026-11-13")
    page.locator("#form-call summary", has_text="Add another date").click()
    page.get_by_label("Payment 2 amount").first.fill("120.00")
    page.get_by_label("Payment 2 due on").first.fill("2026-11-27")
    page.screenshot(path=str(SHOTS / "account-promise-dates-form.png"), full_page=True)
    page.click("#form-call button[type=submit]")
    page.wait_for_url(re.compile(rf".*/accounts/{first.pk}/#timeline$"))
    assert page.locator("p.flash").inner_text() == (
        "Call logged: Promise to pay with a promise on 2 dates."
    )
    row = page.locator("tr.promise")
    assert row.locator("li.promise-date").all_inner_texts() == [
        "Nov 13, 2026: 100.00 open", "Nov 27, 2026: 120.00 open"]  # fmt: skip
    assert "220.00" in row.inner_text()
    page.screenshot(path=str(SHOTS / "account-promise-dates.png"), full_page=True)
    assert list(Promise.objects.order_by("due_on").values_list("amount_minor", flat=True)) == [
        10_000, 12_000]  # fmt: skip


def test_a_blocked_call_shows_its_reason_and_the_next_allowed_moment(live_server, page, day):
    first, _ = day
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/accounts/{first.pk}/")
    page.select_option("#id_call-disposition", "right_party")
    page.click("#form-call button[type=submit]")
    page.wait_for_url(re.compile(rf".*/accounts/{first.pk}/#timeline$"))
    # Now the phone is closed for a week after the conversation: the screen says why and when.
    notice = page.locator("p.call-blocked")
    assert notice.is_visible()
    assert "regf.call-after-conversation" in notice.inner_text()
    assert "Next allowed Nov 9, 2026 08:00 EST" in notice.inner_text()
    page.select_option("#id_call-disposition", "no_answer")
    page.click("#form-call button[type=submit]")
    refusal = page.locator("#work-card .refusal[role=alert]")
    assert refusal.is_visible()
    assert "Not logged: the rules block this call now." in refusal.inner_text()
    assert "Allowed from Nov 9, 2026 08:00 EST." in refusal.inner_text()
    page.screenshot(path=str(SHOTS / "account-call-blocked.png"), full_page=True)


def test_search_finds_a_misspelled_name(live_server, page, day) -> None:
    first, second = day
    for account, (given, family) in ((first, ("Jane", "Smith")), (second, ("John", "Smith"))):
        party = account.account_parties.get().party
        party.first_name, party.last_name = given, family
        party.save()
    _sign_in(page, live_server.url)
    page.keyboard.press("/")  # the shortcut for the search box
    page.keyboard.type("Jonh Smiht")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/accounts/\?q=Jonh\+Smiht$"))
    names = page.locator("td.hit-name").all_inner_texts()
    assert names == ["John Smith", "Jane Smith"]
    assert page.locator("#search-readings", has_text="Read as: name.").is_visible()
    page.screenshot(path=str(SHOTS / "search-results.png"), full_page=True)
    page.locator("#search-hits a").first.click()
    page.wait_for_url(f"{live_server.url}/accounts/{second.pk}/")
    assert page.locator("h1", has_text=f"Account #{second.pk}").is_visible()


def test_suggestions_appear_while_typing_and_the_arrow_keys_choose(live_server, page, day):
    _, second = day
    party = second.account_parties.get().party
    party.first_name, party.last_name = "John", "Smith"
    party.save()
    _sign_in(page, live_server.url)
    page.keyboard.press("/")
    page.keyboard.type("Jonh Smiht")
    suggestion = page.locator("#search-suggest a", has_text="John Smith")
    suggestion.wait_for()
    page.screenshot(path=str(SHOTS / "search-suggestions.png"))
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent").startswith(
        f"#{second.pk} John Smith"
    )
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/accounts/{second.pk}/")
