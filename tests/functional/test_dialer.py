"""The dialer from the outside: `arrears dialer-list` and `arrears dialer-dispositions` (the JSON
contract, rejects, exit codes), the two API endpoints, and preview dialing in the workspace."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from arrears.data.audit.models import AuditEvent
from arrears.data.contacts.models import ContactAttempt
from arrears.data.parties.models import ContactPoint, ContactStatus
from arrears.data.users.models import Role, User
from arrears.services.common import Actor, dialer
from arrears.services.ledger.operations import hold_add
from arrears.services.work.queues import queue_build, queue_define
from tests.factories import make_client, make_new_yorker
from tests.functional.test_api import basic

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 11, 2, 10, 0, tzinfo=NY)
ACTOR = Actor.system("test")
PASSWORD = "a-long-real-passphrase"


@pytest.fixture
def monday(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("django.utils.timezone.now", lambda: MONDAY.astimezone(UTC))
    return MONDAY


@pytest.fixture
def fresh_dialer():  # type: ignore[no-untyped-def]
    dialer.cache_clear()
    yield dialer()
    dialer.cache_clear()


@pytest.fixture
def desk(monday):  # type: ignore[no-untyped-def]
    """Casey (a collector, named Casey Jones) and Sam (a supervisor); two New York accounts,
    their mobiles given to the creditor (consent), and a queue of them worked in preview mode."""
    casey = User.objects.create_user("casey", password=PASSWORD, role=Role.COLLECTOR,
                                     first_name="Casey", last_name="Jones")  # fmt: skip
    User.objects.create_user("sam", password=PASSWORD, role=Role.SUPERVISOR)
    acme = make_client(granted_to=casey)
    accounts = [make_new_yorker(acme, 80_000), make_new_yorker(acme, 20_000)]
    ContactPoint.objects.filter(kind="phone").update(consent_source="provided_to_creditor")
    queue_define(code="dial", name="Preview", filters={}, order="balance_high", mode="pooled",
                 dial_mode="preview", members=["casey"], actor=ACTOR, now=monday)  # fmt: skip
    queue_build("dial", now=monday, actor=ACTOR)
    return accounts


def _phone(account) -> ContactPoint:  # type: ignore[no-untyped-def]
    return ContactPoint.objects.get(party__account_parties__account=account, kind="phone")


# --- arrears dialer-list ---------------------------------------------------------------------


def _run(name: str, *args: str) -> tuple[dict, str]:
    out, err = StringIO(), StringIO()
    call_command(name, *args, "--json", stdout=out, stderr=err)
    return json.loads(out.getvalue().strip().splitlines()[-1]), err.getvalue()


class TestDialerListCommand:
    def test_writes_the_list_and_ends_with_its_counts(self, desk, tmp_path) -> None:
        hold_add(account_id=desk[1].pk, kind="cease", starts_on=MONDAY.date(), source="letter",
                 actor=ACTOR, now=MONDAY)  # fmt: skip
        out = tmp_path / "list.csv"
        counts, err = _run("dialer-list", "--queue", "dial", "--day", "2026-11-03",
                           "--out", str(out))  # fmt: skip
        assert counts == {
            "queue": "dial", "day": "2026-11-03", "entries": 2, "accounts": 1, "rows": 1,
            "evaluations": 4, "left_out": {"regf.cease-communication": 1},
            "numbers_left_out": {},
        }  # fmt: skip
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        assert [(r["rank"], r["account"], r["phone"], r["windows_local"]) for r in rows] == [
            ("1", str(desk[0].pk), "+17165550100",
             "2026-11-03T08:00:00-05:00/2026-11-03T21:00:00-05:00")]  # fmt: skip
        assert rows[0]["windows_utc"] == "2026-11-03T13:00:00Z/2026-11-04T02:00:00Z"
        assert "2 entries read" in err

    def test_an_unknown_queue_is_bad_usage_and_leaves_no_file(self, desk, tmp_path) -> None:
        out = tmp_path / "list.csv"
        with pytest.raises(CommandError) as failed:
            _run("dialer-list", "--queue", "nope", "--out", str(out))
        assert failed.value.returncode == 2 and not out.exists()


# --- arrears dialer-dispositions ---------------------------------------------------------------


class TestDialerDispositionsCommand:
    def test_records_the_calls_rejects_the_bad_rows_and_a_rerun_changes_nothing(
        self, desk, tmp_path
    ) -> None:
        a = desk[0].pk
        path = tmp_path / "dispositions.csv"
        path.write_text(
            "Call ID,Account,Phone,Started At,Result,Agent\n"
            f"D-1,{a},+17165550100,2026-11-02T09:10:00-05:00,VOICEMAIL_LEFT,casey\n"
            f"D-2,{a},+17165550100,2026-11-02T09:20:00-05:00,WRONG_NUMBER,\n"
            f"D-3,{a},+17165550100,not a time,NO_ANSWER,\n",
            encoding="utf-8",
        )
        report, err = _run("dialer-dispositions", str(path))
        assert report == {
            "file": "dispositions.csv", "rows": 3, "recorded": 2, "duplicates": 0,
            "rejected": 1, "made_while_blocked": 0, "marked_bad": 1, "unknown_numbers": 0,
        }  # fmt: skip
        assert "line 4: started_at: started_at 'not a time' is not an ISO 8601 moment" in err
        rejects = (tmp_path / "dispositions.csv.rejects.csv").read_text().splitlines()
        assert rejects[1].startswith(f"D-3,{a},+17165550100,not a time,NO_ANSWER,,4,started_at,")
        assert _phone(desk[0]).status == ContactStatus.BAD
        again, _ = _run("dialer-dispositions", str(path))
        assert (again["recorded"], again["duplicates"], again["rejected"]) == (0, 2, 1)
        assert ContactAttempt.objects.count() == 2

    def test_a_file_without_the_required_columns_is_unreadable(self, desk, tmp_path) -> None:
        path = tmp_path / "d.csv"
        path.write_text("call_id,phone\nD-1,+17165550100\n", encoding="utf-8")
        with pytest.raises(CommandError) as failed:
            _run("dialer-dispositions", str(path))
        assert failed.value.returncode == 3
        assert "lacks the required column(s) started_at, result" in str(failed.value)


# --- the API ------------------------------------------------------------------------------------

SAM = basic("sam", PASSWORD)
CASEY = basic("casey", PASSWORD)


class TestApi:
    def test_a_supervisor_takes_the_call_list_of_a_day(self, client, desk) -> None:
        body = client.get("/api/queues/dial/dialer-list?day=2026-11-03", **SAM).json()
        assert (body["queue"], body["day"], body["accounts"], body["left_out"]) == (
            "dial", "2026-11-03", 2, {})  # fmt: skip
        assert body["rows"][0]["windows"] == [{
            "start_utc": "2026-11-03T13:00:00Z", "end_utc": "2026-11-04T02:00:00Z",
            "start_local": "2026-11-03T08:00:00-05:00", "end_local": "2026-11-03T21:00:00-05:00",
        }]  # fmt: skip

    def test_a_collector_may_not_take_the_call_list(self, client, desk) -> None:
        assert client.get("/api/queues/dial/dialer-list", **CASEY).status_code == 403

    def test_dispositions_are_recorded_once(self, client, desk) -> None:
        record = {"call_id": "API-1", "account": desk[0].pk, "phone": "+17165550100",
                  "started_at": "2026-11-02T09:30:00-05:00", "result": "NO_ANSWER"}  # fmt: skip
        first = client.post("/api/dialer/dispositions", {"records": [record]},
                            content_type="application/json", **SAM)  # fmt: skip
        assert first.status_code == 200
        assert (first.json()["recorded"], first.json()["duplicates"]) == (1, 0)
        again = client.post("/api/dialer/dispositions", {"records": [record]},
                            content_type="application/json", **SAM)  # fmt: skip
        assert (again.json()["recorded"], again.json()["duplicates"]) == (0, 1)
        assert ContactAttempt.objects.get().key == "dialer:API-1"

    def test_a_bad_record_is_refused_naming_it_and_nothing_is_recorded(self, client, desk) -> None:
        good = {"call_id": "API-1", "account": desk[0].pk, "phone": "+17165550100",
                "started_at": "2026-11-02T09:30:00-05:00", "result": "NO_ANSWER"}  # fmt: skip
        bad = {**good, "call_id": "API-2", "started_at": "2026-11-02 09:30"}
        response = client.post("/api/dialer/dispositions", {"records": [good, bad]},
                               content_type="application/json", **SAM)  # fmt: skip
        assert response.status_code == 400
        assert (response.json()["field"], response.json()["code"]) == (
            "records[1].started_at", "refused")  # fmt: skip
        assert not ContactAttempt.objects.exists()

    def test_a_queue_can_be_defined_for_preview_dialing(self, client, desk) -> None:
        body = {"code": "pv", "name": "Preview", "dial_mode": "preview"}
        response = client.post("/api/queues", body, content_type="application/json", **SAM)
        assert (response.status_code, response.json()["dial_mode"]) == (200, "preview")
        response = client.post("/api/queues", {**body, "dial_mode": "robot"},
                               content_type="application/json", **SAM)  # fmt: skip
        assert (response.status_code, response.json()["field"]) == (400, "dial_mode")


# --- preview dialing in the workspace -------------------------------------------------------------


@pytest.fixture
def casey_at_work(client, desk):  # type: ignore[no-untyped-def]
    client.force_login(User.objects.get(username="casey"))
    response = client.post(reverse("work-next", args=["dial"]))
    assert response["Location"] == f"/accounts/{desk[0].pk}/?queue=dial"
    return response["Location"]


class TestPreviewDial:
    def test_the_account_shows_call_skip_and_the_voicemail_script(
        self, client, desk, casey_at_work
    ) -> None:
        html = client.get(casey_at_work).content.decode()
        assert "Preview dial" in html
        assert '<button class="btn dial-call" type="submit">Call +1 716 ***-0100 (mobile)' in html
        assert 'class="dial-skip" type="submit">Skip</button>' in html
        assert (
            "Hello. This is Casey Jones calling from ARS. It is 10:00 AM EST on Monday, "
            "November 2. Please call me or any of our representatives back at (800) "
            "555-0142. You can reach us Monday to Friday, 8 am to 8 pm Eastern."
        ) in html
        assert "Pat Doe" not in html.split('class="voicemail-script"')[1].split("</blockquote>")[0]

    def test_a_queue_in_manual_mode_shows_no_preview(self, client, desk, casey_at_work) -> None:
        from arrears.data.work.models import WorkQueue

        WorkQueue.objects.filter(code="dial").update(dial_mode="manual")
        assert "Preview dial" not in client.get(casey_at_work).content.decode()

    def test_a_click_places_the_call_and_its_outcome_is_logged_under_the_dialers_key(
        self, client, desk, casey_at_work, fresh_dialer
    ) -> None:
        account = desk[0].pk
        response = client.post(reverse("account-dial", args=[account]),
                               {"queue": "dial", "contact_point": _phone(desk[0]).pk})  # fmt: skip
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/{account}/?queue=dial#work"
        placed = fresh_dialer.placed
        assert [(c.agent, c.to) for c in placed] == [("casey", "+17165550100")]
        html = client.get(casey_at_work).content.decode()
        assert "Calling +1 716 ***-0100. Log what the call came to below." in html
        key = f"dialer:{placed[0].call_id}"
        assert f'name="call-key" value="{key}"' in html
        logged = client.post(reverse("account-action", args=[account, "call"]), {
            "queue": "dial", "call-direction": "outbound", "call-disposition": "voicemail",
            "call-contact_point": _phone(desk[0]).pk, "call-key": key,
            "call-dialled_at": MONDAY.isoformat(),
        })  # fmt: skip
        assert logged.status_code == 302
        attempt = ContactAttempt.objects.get()
        assert (attempt.key, attempt.outcome, attempt.allowed, attempt.at) == (
            key, "voicemail_left", True, MONDAY)  # fmt: skip
        assert AuditEvent.objects.filter(event="dialer.call_placed", account_id=account).exists()

    def test_a_blocked_number_has_its_button_disabled_with_the_reasons(
        self, client, desk, casey_at_work, fresh_dialer
    ) -> None:
        hold_add(account_id=desk[0].pk, kind="attorney", starts_on=MONDAY.date(),
                 source="letter from counsel", actor=ACTOR, now=MONDAY)  # fmt: skip
        html = client.get(casey_at_work).content.decode()
        assert 'type="submit" disabled aria-disabled="true">Call +1 716 ***-0100' in html
        assert "The rules block a call to +1 716 ***-0100 now" in html
        assert "regf.attorney-representation" in html
        response = client.post(reverse("account-dial", args=[desk[0].pk]), {"queue": "dial"})
        assert response.status_code == 409
        assert "Not called: the rules block a call to this number now." in (
            response.content.decode())  # fmt: skip
        assert fresh_dialer.placed == [] and not ContactAttempt.objects.exists()

    def test_an_accountant_may_not_dial(self, client, desk, fresh_dialer) -> None:
        User.objects.create_user("ada", password=PASSWORD, role=Role.ACCOUNTANT)
        client.force_login(User.objects.get(username="ada"))
        response = client.post(reverse("account-dial", args=[desk[0].pk]), {})
        assert response.status_code == 403 and fresh_dialer.placed == []


def test_the_preview_panel_costs_the_account_page_one_statement(
    client, desk, casey_at_work, django_assert_max_num_queries
) -> None:
    """The queue's mode is read; the numbers' Decisions judge the screen's own snapshot."""
    from tests.functional.test_account_page_queries import BUDGET

    client.get(casey_at_work)  # the first view refreshes the session's idle clock
    with django_assert_max_num_queries(BUDGET + 1):
        response = client.get(casey_at_work)
    assert "Preview dial" in response.content.decode()
