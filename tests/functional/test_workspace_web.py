"""The collector's workspace through the web: my queues, next account, actions on the account
screen, refusals that save nothing, personal data revealed with an audit."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from arrears.data.audit.models import AuditEvent
from arrears.data.contacts.models import ContactAttempt
from arrears.data.parties.models import ContactPoint, Party
from arrears.data.users.models import Role, User
from arrears.data.work.models import Lease, Note, Promise
from arrears.services.common import Actor, key_ring
from arrears.services.work.queues import queue_build, queue_define
from tests.factories import make_client, make_new_yorker

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 11, 2, 10, 0, tzinfo=NY)
ACTOR = Actor.system("test")


@pytest.fixture
def monday(monkeypatch):
    """The clock stands at Monday 2 November 2026, 10:00 in New York: calls are allowed."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: MONDAY.astimezone(UTC))
    return MONDAY


@pytest.fixture
def desk(client, monday):  # type: ignore[no-untyped-def]
    """Casey, a collector, signed in, with a queue of two New York accounts."""
    casey = User.objects.create_user("casey", password="a-long-real-passphrase",
                                     role=Role.COLLECTOR)  # fmt: skip
    acme = make_client(granted_to=casey)
    accounts = [make_new_yorker(acme, 80_000), make_new_yorker(acme, 20_000)]
    queue_define(code="fresh", name="Fresh placements", filters={}, order="balance_high",
                 mode="pooled", members=["casey"], actor=ACTOR, now=monday)  # fmt: skip
    queue_build("fresh", now=monday, actor=ACTOR)
    client.force_login(casey)
    return accounts, casey


def _call(client, account_id: int, queue: str = "fresh", **data):  # type: ignore[no-untyped-def]
    body = {"call-direction": "outbound", "call-disposition": "no_answer", "queue": queue,
            **{f"call-{k}": v for k, v in data.items()}}  # fmt: skip
    return client.post(reverse("account-action", args=[account_id, "call"]), body)


class TestQueues:
    def test_my_work_lists_the_granted_queue_with_what_it_offers(self, client, desk) -> None:
        html = client.get(reverse("work-home")).content.decode()
        row = re.search(r'<tr class="queue">(.*?)</tr>', html, re.S)
        assert row is not None and "Fresh placements" in row.group(1)
        numbers = re.findall(r'<td class="num">(?:<strong>)?(\d+)', row.group(1))
        assert numbers == ["2", "2", "0", "0", "0"]  # in pass, offered, blocked, leased, worked

    def test_next_account_opens_the_highest_balance_leased_to_me(self, client, desk) -> None:
        accounts, casey = desk
        response = client.post(reverse("work-next", args=["fresh"]))
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/{accounts[0].pk}/?queue=fresh"
        assert Lease.objects.get(account=accounts[0]).user == casey
        html = client.get(response["Location"]).content.decode()
        assert "Yours until 10:15" in html and "Call: allowed" in html
        assert 'data-shortcut="n"' in html and 'data-shortcut="c"' in html

    def test_the_home_page_of_a_collector_is_their_work(self, client, desk) -> None:
        assert client.get("/")["Location"] == reverse("work-home")


class TestAccountActions:
    def test_a_right_party_contact_with_a_promise_is_logged_and_shown(self, client, desk) -> None:
        accounts, casey = desk
        client.post(reverse("work-next", args=["fresh"]))
        response = _call(client, accounts[0].pk, disposition="promise", promise_amount="150.00",
                         promise_due_on="2026-11-13", note="will pay Friday week")  # fmt: skip
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/{accounts[0].pk}/?queue=fresh#timeline"
        attempt = ContactAttempt.objects.get()
        assert (attempt.disposition, attempt.outcome, attempt.created_by) == (
            "promise", "conversation", casey)  # fmt: skip
        assert Promise.objects.get().amount_minor == 15_000
        html = client.get(response["Location"]).content.decode()
        assert "Call logged: Promise to pay with a promise." in html
        assert "Promise to pay 150.00 by 13 Nov 2026" in html
        # The call closes the phone for a week (a conversation): the screen says so.
        assert "Calling is blocked now" in html and "regf.call-after-conversation" in html

    def test_a_promise_without_an_amount_is_refused_on_its_field(self, client, desk) -> None:
        accounts, _ = desk
        response = _call(client, accounts[0].pk, disposition="promise",
                         promise_due_on="2026-11-13")  # fmt: skip
        assert response.status_code == 400
        html = response.content.decode()
        form = html[
            html.index('id="form-call"') : html.index("</form>", html.index('id="form-call"'))
        ]
        assert "a promise needs the amount promised" in form
        assert not ContactAttempt.objects.exists() and not Promise.objects.exists()

    def test_a_blocked_call_shows_its_rule_and_next_moment_and_saves_nothing(
        self, client, desk
    ) -> None:
        accounts, _ = desk
        _call(client, accounts[0].pk, disposition="right_party")
        response = _call(client, accounts[0].pk, disposition="no_answer")
        assert response.status_code == 409
        html = response.content.decode()
        assert "Not logged: the rules block this call now." in html
        assert "regf.call-after-conversation" in html
        assert "Allowed from Nov 9, 2026 08:00 EST." in html
        assert ContactAttempt.objects.count() == 1

    def test_a_note_is_added_to_the_timeline(self, client, desk) -> None:
        accounts, _ = desk
        response = client.post(reverse("account-action", args=[accounts[1].pk, "note"]),
                               {"note-text": "Asked for the original contract."})  # fmt: skip
        assert response.status_code == 302
        assert Note.objects.get().text == "Asked for the original contract."
        html = client.get(reverse("account-page", args=[accounts[1].pk])).content.decode()
        assert re.search(r'class="event event-note">.*?Asked for the original contract', html, re.S)

    def test_the_accountant_may_not_act_and_nothing_changes(self, client, desk) -> None:
        accounts, _ = desk
        ada = User.objects.create_user("ada", password="x", role=Role.ACCOUNTANT)
        client.force_login(ada)
        response = client.post(reverse("account-action", args=[accounts[1].pk, "note"]),
                               {"note-text": "hello"})  # fmt: skip
        assert response.status_code == 403
        assert not Note.objects.exists()


class TestPromiseOnSeveralDates:
    """The call and promise forms take up to six dated amounts; the later ones are folded under
    "Add another date" (ADR 25)."""

    def _form(self, html: str, name: str) -> str:
        start = html.index(f'id="form-{name}"')
        return html[start : html.index("</form>", start)]

    def test_the_later_dates_are_folded_and_labelled(self, client, desk) -> None:
        accounts, _ = desk
        html = client.get(reverse("account-page", args=[accounts[0].pk])).content.decode()
        call = self._form(html, "call")
        assert '<details class="promise-dates" style=' in call  # folded: no "open"
        assert re.search(r"<summary[^>]*>Add another date", call)
        assert call.index('name="call-promise_due_on"') < call.index("<summary")
        assert re.findall(r"<legend>(Payment \d)</legend>", call) == [
            f"Payment {n}" for n in range(2, 7)]  # fmt: skip
        assert re.search(r'<label>Payment 2 amount <input[^>]+name="call-promise_amount_2"', call)
        assert re.search(r'<label>Payment 6 due on <input[^>]+name="call-promise_due_on_6"', call)
        assert 'name="promise-due_on_2"' in self._form(html, "promise")

    def test_a_call_with_a_promise_on_two_dates_is_logged_and_shown_with_its_dates(
        self, client, desk
    ) -> None:
        accounts, _ = desk
        response = _call(client, accounts[0].pk, disposition="promise", promise_amount="100.00",
                         promise_due_on="2026-11-13", promise_amount_2="150.50",
                         promise_due_on_2="2026-11-27", note="two paydays")  # fmt: skip
        assert response.status_code == 302
        rows = list(Promise.objects.order_by("due_on").values_list(
            "amount_minor", "due_on", "first_id", "note"))  # fmt: skip
        first = Promise.objects.get(first__isnull=True)
        assert rows == [(10_000, date(2026, 11, 13), None, "two paydays"),
                        (15_050, date(2026, 11, 27), first.pk, "two paydays")]  # fmt: skip
        html = client.get(response["Location"]).content.decode()
        assert "Call logged: Promise to pay with a promise on 2 dates." in html
        assert "Promise to pay 100.00 by 13 Nov 2026 and 150.50 by 27 Nov 2026" in html
        row = re.search(r'<tr class="promise">(.*?)</tr>', html, re.S)
        assert row is not None
        cells = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "|", row.group(1)))
        assert "Promise on 2 dates" in cells and "250.50" in cells and "two paydays" in cells
        assert "Nov 13, 2026: 100.00 |open" in cells and "Nov 27, 2026: 150.50 |open" in cells

    def test_a_second_date_before_the_first_is_refused_on_its_field_and_nothing_is_saved(
        self, client, desk
    ) -> None:
        accounts, _ = desk
        response = _call(client, accounts[0].pk, disposition="promise", promise_amount="100.00",
                         promise_due_on="2026-11-13", promise_amount_2="100.00",
                         promise_due_on_2="2026-11-12")  # fmt: skip
        assert response.status_code == 400
        call = self._form(response.content.decode(), "call")
        assert '<details class="promise-dates" open style=' in call
        field = re.search(r'name="call-promise_due_on_2"[^>]*>(.*?)</label>', call, re.S)
        assert field is not None
        assert "each date must come after the one before (2026-11-13)" in field.group(1)
        assert not ContactAttempt.objects.exists() and not Promise.objects.exists()

    def test_a_skipped_line_is_left_out_and_errors_land_on_the_line_given(
        self, client, desk
    ) -> None:
        accounts, _ = desk
        response = _call(client, accounts[0].pk, disposition="promise", promise_amount="100.00",
                         promise_due_on="2026-11-13", promise_amount_3="5000.00",
                         promise_due_on_3="2026-11-27")  # fmt: skip
        assert response.status_code == 400  # 100.00 + 5,000.00 is more than the 800.00 owed
        call = self._form(response.content.decode(), "call")
        field = re.search(r'name="call-promise_amount"[^>]*>(.*?)</label>', call, re.S)
        assert field is not None and "more than the 800.00 owed" in field.group(1)
        response = _call(client, accounts[0].pk, disposition="promise", promise_amount="100.00",
                         promise_due_on="2026-11-13", promise_amount_3="50.00")  # fmt: skip
        call = self._form(response.content.decode(), "call")
        field = re.search(r'name="call-promise_due_on_3"[^>]*>(.*?)</label>', call, re.S)
        assert field is not None and "a promise needs the day it is due" in field.group(1)
        assert not Promise.objects.exists()

    def test_the_promise_form_records_a_promise_on_three_dates(self, client, desk) -> None:
        accounts, _ = desk
        response = client.post(reverse("account-action", args=[accounts[1].pk, "promise"]), {
            "promise-amount": "50.00", "promise-due_on": "2026-11-06",
            "promise-amount_2": "50.00", "promise-due_on_2": "2026-11-20",
            "promise-amount_3": "25.00", "promise-due_on_3": "2026-12-04",
        })  # fmt: skip
        assert response.status_code == 302
        assert list(Promise.objects.order_by("due_on").values_list("amount_minor", "due_on")) == [
            (5_000, date(2026, 11, 6)), (5_000, date(2026, 11, 20)),
            (2_500, date(2026, 12, 4))]  # fmt: skip
        html = client.get(response["Location"]).content.decode()
        assert "Promise recorded on 3 dates." in html


class TestPersonalData:
    def test_the_ssn_is_masked_until_revealed_and_the_reveal_is_audited(self, client, desk) -> None:
        accounts, casey = desk
        party = Party.objects.get(account_parties__account=accounts[0])
        ring = key_ring()
        party.ssn_encrypted = ring.encrypt("123456789", context="party.ssn")
        party.ssn_last4 = "6789"
        party.dob_encrypted = ring.encrypt("1980-04-02", context="party.dob")
        party.save()
        page = client.get(reverse("account-page", args=[accounts[0].pk])).content.decode()
        assert "***-**-6789" in page and "123-45-6789" not in page and "1980-04-02" not in page
        shown = client.post(reverse("account-reveal", args=[accounts[0].pk]),
                            {"reason": "identity check on an inbound call"}).content.decode()  # fmt: skip
        assert "123-45-6789" in shown and "1980-04-02" in shown
        event = AuditEvent.objects.get(event="pii.revealed")
        assert (event.actor, event.party_id, event.details["reason"]) == (
            casey, party.pk, "identity check on an inbound call")  # fmt: skip


def test_marking_another_accounts_number_bad_is_refused_and_changes_nothing(client, desk) -> None:
    accounts, _ = desk
    theirs = ContactPoint.objects.get(party__account_parties__account=accounts[1], kind="phone")
    response = client.post(reverse("account-action", args=[accounts[0].pk, "bad"]),
                           {"bad-contact_point": theirs.pk, "bad-reason": "wrong number"})  # fmt: skip
    assert response.status_code == 400
    assert f"contact point {theirs.pk} is not one of this account" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.status == "unverified"


class TestTimeBarred:
    """The statute of limitations shows among the holds, from the state pack's rule."""

    def test_an_old_new_york_debt_shows_time_barred_with_its_rule_on_screen_and_api(
        self, client, desk
    ) -> None:
        from datetime import date

        from arrears.data.accounts.models import Account

        accounts, _ = desk
        Account.objects.filter(pk=accounts[0].pk).update(charge_off_date=date(2023, 1, 15),
                                                         last_payment_date=None)  # fmt: skip
        page = client.get(f"/accounts/{accounts[0].pk}/").content.decode()
        assert '<span class="badge hold" id="time-barred"' in page
        row = re.search(r'<tr id="limitation-row">(.*?)</tr>', page, re.S)
        assert row is not None
        cells = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "|", row.group(1)))
        assert "Time-barred" in cells and "Jan 15, 2026" in cells
        assert "rule ny.time-barred-suit · N.Y. CPLR 214-i; 12 CFR 1006.26(b)" in cells
        assert "time-barred since 2026-01-15: no suit and no threat of suit" in cells

        body = client.get(f"/api/accounts/{accounts[0].pk}").json()
        assert body["limitation"] | {"pack_version": ""} == {
            "time_barred": True, "known": True, "since": "2026-01-15",
            "rule": "ny.time-barred-suit", "citation": "N.Y. CPLR 214-i; 12 CFR 1006.26(b)",
            "message": "time-barred since 2026-01-15: no suit and no threat of suit",
            "pack_version": "",
        }  # fmt: skip
        assert "us-ny" in body["limitation"]["pack_version"]

    def test_a_debt_within_the_period_shows_when_it_ends_and_no_badge(self, client, desk) -> None:
        accounts, _ = desk  # charged off on 1 January 2026
        page = client.get(f"/accounts/{accounts[1].pk}/").content.decode()
        assert 'id="time-barred"' not in page
        row = re.search(r'<tr id="limitation-row">(.*?)</tr>', page, re.S)
        assert row is not None and "Limitation period" in row.group(1)
        assert "Jan 1, 2029" in row.group(1)
        assert "within the limitation period (to 2029-01-01)" in row.group(1)
