"""The supervisor's view through the web: who may see it, the exact figures of a built floor,
targets and reassignments that are audited, and refusals that change nothing."""

from __future__ import annotations

import re
from datetime import UTC, date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from arrears.data.audit.models import AuditEvent
from arrears.data.users.models import Role, User
from arrears.data.work.models import Assignment, ClientPromiseTerms, Target, TeamMember
from tests.floor import NOW, build_floor

pytestmark = pytest.mark.django_db
# The summary's 12; the session and the user; the owner and their accounts; the collectors and
# teams the forms offer; the teams with their members, the supervisors and collectors of the team
# form, the clients, and the clients with their promise terms.
PAGE_QUERIES = 27


@pytest.fixture
def floor(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW.astimezone(UTC))
    return build_floor()


@pytest.fixture
def sam(client, floor):  # type: ignore[no-untyped-def]
    client.force_login(floor.sam)
    return floor


def text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment)).strip()


def cells(html: str, marker: str) -> list[str]:
    """The data cells of the figures row carrying ``marker`` (data-user="casey", class="total")."""
    row = re.search(rf"<tr [^>]*{re.escape(marker)}[^>]*>(.*?)</tr>", html, re.S)
    assert row is not None, marker
    return [text(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def page(client, **params) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse("supervise"), params)
    assert response.status_code == 200
    return response.content.decode()


class TestWhoMaySee:
    @pytest.mark.parametrize("role", [Role.COLLECTOR, Role.COMPLIANCE, Role.ACCOUNTANT])
    def test_other_roles_get_403_and_change_nothing(self, client, floor, role) -> None:
        user = User.objects.create_user("other", password="x", role=role)
        client.force_login(user)
        assert client.get(reverse("supervise")).status_code == 403
        events = AuditEvent.objects.count()
        target = client.post(reverse("supervise-target"), {
            "target-who": "collector:casey", "target-month": "2026-12", "target-amount": "10.00"})  # fmt: skip
        reassign = client.post(reverse("supervise-reassign"), {
            "reassign-account_ids": str(floor.accounts[0].pk), "reassign-to": "eve"})  # fmt: skip
        assert (target.status_code, reassign.status_code) == (403, 403)
        assert Assignment.objects.get(account=floor.accounts[0]).user == floor.casey
        assert not Target.objects.filter(month=date(2026, 12, 1), amount_minor=1_000).exists()
        assert AuditEvent.objects.count() == events

    def test_the_header_links_to_the_floor_for_supervisors_only(self, client, floor) -> None:
        client.force_login(floor.sam)
        assert (
            'href="/supervise/">Floor</a>' in client.get(reverse("account-list")).content.decode()
        )
        client.force_login(floor.casey)
        assert "/supervise/" not in client.get(reverse("account-list")).content.decode()

    def test_an_administrator_may_see_it(self, client, floor) -> None:
        client.force_login(User.objects.create_user("ada", password="x", role=Role.ADMIN))
        assert client.get(reverse("supervise")).status_code == 200


class TestFigures:
    def test_each_row_shows_its_exact_figures(self, client, sam) -> None:
        html = page(client)
        lease_on = sam.accounts[1]
        assert cells(html, 'data-user="casey"') == [
            "100.00", "225.35", "1,000.00", "22.5 %", "3", "1", "1", "1", "33.3 %",
            "1", "1", "500.00", "0", "1", "3", f"#{lease_on.pk} fresh · since 15:55",
        ]  # fmt: skip
        assert f'title="ACME/{lease_on.client_ref}">#{lease_on.pk}</a>' in html
        assert cells(html, 'data-user="dana"') == [
            "-160.00", "40.00", "500.00", "8.0 %", "2", "0", "0", "1", "50.0 %",
            "0", "1", "40.00", "1", "0", "0", ""]  # fmt: skip
        assert cells(html, 'data-user="eve"') == [
            "0.00", "0.00", "300.00", "0.0 %", "0", "0", "0", "0", "—",
            "1", "1", "25.00", "0", "0", "0", ""]  # fmt: skip
        assert cells(html, 'data-team="floor-1"') == [
            "-60.00", "265.35", "2,000.00", "13.3 %", "5", "1", "1", "2", "40.0 %",
            "1", "2", "540.00", "1", "1", "3", ""]  # fmt: skip
        assert cells(html, 'class="unattributed"') == [
            "12.34", "12.34", "—", "—", "1", "0", "0", "0", "0.0 %",
            "0", "0", "0.00", "0", "0", "—", ""]  # fmt: skip
        assert cells(html, 'class="total"') == [
            "-47.66", "277.69", "—", "—", "6", "1", "1", "2", "33.3 %",
            "2", "3", "565.00", "1", "1", "3", ""]  # fmt: skip
        assert "today -47.66, month 277.69." in text(html)
        assert "The rows add up to it to the cent." in html

    def test_the_queue_depths_are_shown(self, client, sam) -> None:
        html = page(client)
        row = re.search(r'<tr class="queue">(.*?)</tr>', html, re.S)
        assert row is not None and "Fresh placements" in row.group(1)
        numbers = re.findall(r'<td class="num">(?:<strong>)?(\d+)', row.group(1))
        assert numbers == ["6", "3", "1", "1", "1"]  # in pass, offered, blocked, leased, worked

    def test_an_earlier_day_shows_that_day_and_its_month_to_date(self, client, sam) -> None:
        html = page(client, day="2026-11-04")
        assert cells(html, 'data-user="casey"')[:4] == ["0.00", "50.25", "1,000.00", "5.0 %"]
        assert cells(html, 'data-user="dana"')[:2] == ["200.00", "200.00"]
        assert "Wednesday 4 November 2026" in html

    def test_a_day_that_is_not_a_date_is_refused_with_a_message(self, client, sam) -> None:
        response = client.get(reverse("supervise"), {"day": "11/10/2026"})
        assert response.status_code == 400
        assert "&#x27;11/10/2026&#x27; is not a day (YYYY-MM-DD): showing today." in (
            response.content.decode()
        )

    def test_the_page_reads_a_fixed_number_of_queries(self, client, sam) -> None:
        with CaptureQueriesContext(connection) as queries:
            page(client, owner="casey")
        assert len(queries) == PAGE_QUERIES


class TestTargets:
    def test_a_target_is_set_from_the_form_and_audited(self, client, sam) -> None:
        response = client.post(reverse("supervise-target"), {
            "day": "2026-11-10", "target-who": "collector:eve", "target-month": "2026-11",
            "target-amount": "450.00"})  # fmt: skip
        assert response.status_code == 302
        assert response["Location"] == "/supervise/?day=2026-11-10#targets"
        assert Target.objects.get(user=sam.eve, month=date(2026, 11, 1)).amount_minor == 45_000
        event = AuditEvent.objects.filter(event="target.set").latest("id")
        assert (event.actor_id, event.details["before_minor"]) == (sam.sam.pk, 30_000)
        html = client.get(response["Location"]).content.decode()
        assert "Target for eve in November 2026 set to 450.00." in html
        assert cells(html, 'data-user="eve"')[2:4] == ["450.00", "0.0 %"]

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"target-who": "collector:eve", "target-month": "2026-11", "target-amount": "0"},
             "a target must be above zero"),
            ({"target-who": "", "target-month": "2026-11", "target-amount": "10.00"},
             "say which collector or team the target is for"),
            ({"target-who": "collector:eve", "target-month": "November", "target-amount": "1"},
             "Enter a valid date."),
        ],
    )  # fmt: skip
    def test_a_refused_target_shows_why_and_keeps_nothing(self, client, sam, data, message) -> None:
        before = list(Target.objects.order_by("id").values_list("id", "amount_minor"))
        events = AuditEvent.objects.count()
        response = client.post(reverse("supervise-target"), {"day": "2026-11-10", **data})
        assert response.status_code == 400
        html = response.content.decode()
        form = html[
            html.index('id="form-target"') : html.index("</form>", html.index('id="form-target"'))
        ]
        assert message in form
        assert list(Target.objects.order_by("id").values_list("id", "amount_minor")) == before
        assert AuditEvent.objects.count() == events


class TestReassign:
    def test_a_collectors_accounts_are_listed_to_pick_from(self, client, sam) -> None:
        html = page(client, owner="casey")
        picks = re.findall(r'name="reassign-account" value="(\d+)"', html)
        assert sorted(int(p) for p in picks) == sorted(a.pk for a in sam.accounts[:3])

    def test_ticked_and_typed_accounts_go_to_the_new_collector_audited(self, client, sam) -> None:
        a1, a2, a3, a4 = (a.pk for a in sam.accounts[:4])
        response = client.post(reverse("supervise-reassign"), {
            "day": "2026-11-10", "owner": "casey", "reassign-account": [str(a1), str(a2)],
            "reassign-account_ids": f"{a4}, {a2}", "reassign-to": "dana"})  # fmt: skip
        assert response.status_code == 302
        assert response["Location"] == "/supervise/?day=2026-11-10&owner=casey#reassign"
        owners = dict(Assignment.objects.values_list("account_id", "user__username"))
        assert owners == {a1: "dana", a2: "dana", a3: "casey", a4: "dana"}
        events = AuditEvent.objects.filter(event="account.assigned", actor_id=sam.sam.pk,
                                           at=NOW).order_by("account_id")  # fmt: skip
        assert [(e.account_id, e.details) for e in events] == [
            (a1, {"from": sam.casey.pk, "to": sam.dana.pk}),
            (a2, {"from": sam.casey.pk, "to": sam.dana.pk}),
            (a4, {"from": None, "to": sam.dana.pk}),
        ]
        html = client.get(response["Location"]).content.decode()
        assert "3 accounts given to dana." in html
        # What casey collected stays casey's; dana now owns three.
        assert cells(html, 'data-user="casey"')[:2] == ["100.00", "225.35"]
        assert cells(html, 'data-user="dana"')[14] == "3"

    @pytest.mark.parametrize(
        ("typed", "to", "message"),
        [
            ("999999", "dana", "no account 999999"),
            ("12x", "dana", "&#x27;12x&#x27; is not an account id"),
            ("", "dana", "tick accounts in the list or type their ids"),
            ("{a1}", "", "This field is required."),
            ("{a1}", "sam", "Select a valid choice."),
        ],
    )
    def test_a_refused_reassignment_says_why_and_changes_nothing(
        self, client, sam, typed, to, message
    ) -> None:
        before = sorted(Assignment.objects.values_list("account_id", "user_id"))
        events = AuditEvent.objects.count()
        a1 = sam.accounts[0].pk
        response = client.post(reverse("supervise-reassign"), {
            "day": "2026-11-10", "reassign-account": [str(a1)] if typed == "999999" else [],
            "reassign-account_ids": typed.format(a1=a1), "reassign-to": to})  # fmt: skip
        assert response.status_code == 400
        html = response.content.decode()
        form = html[
            html.index('id="form-reassign"') : html.index(
                "</form>", html.index('id="form-reassign"')
            )
        ]
        assert message in form
        assert sorted(Assignment.objects.values_list("account_id", "user_id")) == before
        assert AuditEvent.objects.count() == events


def members() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for code, name in TeamMember.objects.order_by("user__username").values_list(
        "team__code", "user__username"
    ):
        found.setdefault(code, []).append(name)
    return found


class TestTeams:
    def test_the_teams_are_listed_with_supervisor_and_members(self, client, sam) -> None:
        assert cells(page(client), 'class="team-row"')[:3] == [
            "Floor 1 (floor-1)",
            "sam",
            "casey, dana",
        ]

    def test_a_new_team_takes_its_members_from_their_old_team_audited(self, client, sam) -> None:
        response = client.post(reverse("supervise-team"), {
            "day": "2026-11-10", "team-code": "floor-2", "team-name": "Floor 2",
            "team-supervisor": "sam", "team-members": ["dana", "eve"]})  # fmt: skip
        assert response.status_code == 302
        assert response["Location"] == "/supervise/?day=2026-11-10#teams"
        assert members() == {"floor-1": ["casey"], "floor-2": ["dana", "eve"]}
        changed = AuditEvent.objects.filter(event="team.members_changed").latest("id")
        assert (changed.actor_id, changed.details) == (sam.sam.pk, {
            "team": "floor-2", "added": ["dana", "eve"], "removed": [],
            "moved_from": {"dana": "floor-1"}})  # fmt: skip
        html = client.get(response["Location"]).content.decode()
        assert "Team Floor 2 (floor-2) saved with 2 members." in html

    def test_change_fills_the_form_with_the_team(self, client, sam) -> None:
        html = page(client, team="floor-1")
        form = html[
            html.index('id="form-team"') : html.index("</form>", html.index('id="form-team"'))
        ]
        assert 'name="team-code" value="floor-1"' in form
        assert 'name="team-name" value="Floor 1"' in form
        assert re.search(r'<option value="sam" selected>', form)
        ticked = re.findall(
            r'<input type="checkbox" name="team-members" value="(\w+)"[^>]*checked', form
        )
        assert ticked == ["casey", "dana"]

    def test_a_refused_team_shows_why_and_changes_nothing(self, client, sam) -> None:
        events = AuditEvent.objects.count()
        response = client.post(reverse("supervise-team"), {
            "day": "2026-11-10", "team-code": "floor 2!", "team-name": "Floor 2",
            "team-members": ["eve"]})  # fmt: skip
        assert response.status_code == 400
        assert "Enter a valid “slug”" in response.content.decode()
        assert members() == {"floor-1": ["casey", "dana"]}
        assert AuditEvent.objects.count() == events


class TestPromiseGrace:
    def test_grace_days_are_set_per_client_and_audited(self, client, sam) -> None:
        assert cells(page(client), 'class="grace-row"') == ["ACME · ACME Bank", "0"]
        response = client.post(reverse("supervise-grace"), {
            "day": "2026-11-10", "grace-client": "ACME", "grace-days": "3"})  # fmt: skip
        assert response["Location"] == "/supervise/?day=2026-11-10#grace"
        assert ClientPromiseTerms.objects.get(client__code="ACME").promise_grace_days == 3
        event = AuditEvent.objects.filter(event="client.promise_grace_set").latest("id")
        assert event.details == {"client": "ACME", "days": 3, "before": 0}
        html = client.get(response["Location"]).content.decode()
        assert "Promises of ACME keep 3 days of grace (were 0)." in html
        assert cells(html, 'class="grace-row"')[1] == "3"

    def test_more_than_a_month_of_grace_is_refused_and_nothing_changes(self, client, sam) -> None:
        response = client.post(reverse("supervise-grace"), {
            "day": "2026-11-10", "grace-client": "ACME", "grace-days": "40"})  # fmt: skip
        assert response.status_code == 400
        assert "Ensure this value is less than or equal to 31." in response.content.decode()
        assert not ClientPromiseTerms.objects.exists()
