"""The supervisor's API: the floor's figures as JSON (money as decimal text), targets, teams
and reassignment, collectors refused, and bad input answered naming the field."""

from __future__ import annotations

from datetime import UTC, date

import pytest

from arrears.data.audit.models import AuditEvent
from arrears.data.work.models import Assignment, Target, Team
from tests.floor import NOW, PASSWORD, build_floor
from tests.functional.test_api import basic

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def floor(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW.astimezone(UTC))
    return build_floor()


SAM = basic("sam", PASSWORD)
CASEY = basic("casey", PASSWORD)


def by(items: list[dict], key: str, value: str) -> dict:
    return next(i for i in items if i[key] == value)


class TestSummary:
    def test_the_figures_are_exact_with_money_as_decimal_text(self, client, floor) -> None:
        body = client.get("/api/supervisor/summary", {"day": "2026-11-10"}, **SAM).json()
        assert (body["day"], body["month_start"], body["currency"]) == (
            "2026-11-10", "2026-11-01", "USD")  # fmt: skip
        casey = by(body["collectors"], "username", "casey")
        assert {k: casey[k] for k in ("collected_today", "collected_month", "target",
                                       "percent_of_target", "owned", "team", "role")} == {
            "collected_today": "100.00", "collected_month": "225.35", "target": "1000.00",
            "percent_of_target": "22.5", "owned": 3, "team": "floor-1", "role": "collector"}  # fmt: skip
        assert casey["attempts"] == {"calls": 3, "texts": 1, "emails": 1, "right_party": 1,
                                     "right_party_rate": "33.3"}  # fmt: skip
        assert casey["promises"] == {"made_today": 1, "made_month": 1,
                                     "promised_month": "500.00", "kept_month": 0,
                                     "broken_month": 1}  # fmt: skip
        assert casey["working"] == {
            "account_id": floor.accounts[1].pk, "account": f"ACME/{floor.accounts[1].client_ref}",
            "queue": "fresh", "since": "2026-11-10T20:55:00Z", "until": "2026-11-10T21:10:00Z"}  # fmt: skip
        dana = by(body["collectors"], "username", "dana")
        assert (dana["collected_today"], dana["collected_month"], dana["working"]) == (
            "-160.00", "40.00", None)  # fmt: skip
        (team,) = body["teams"]
        assert (team["code"], team["supervisor"], team["members"]) == (
            "floor-1", "sam", ["casey", "dana"])  # fmt: skip
        assert (team["collected_today"], team["collected_month"], team["target"],
                team["percent_of_target"]) == ("-60.00", "265.35", "2000.00", "13.3")  # fmt: skip
        assert (body["unattributed"]["collected_today"], body["unattributed"]["target"]) == (
            "12.34", None)  # fmt: skip
        assert (body["floor"]["collected_today"], body["floor"]["collected_month"]) == (
            "-47.66", "277.69")  # fmt: skip
        assert body["ledger"] == {"collected_today": "-47.66", "collected_month": "277.69"}
        assert body["reconciles"] is True
        assert body["queues"] == [{"code": "fresh", "name": "Fresh placements", "mode": "pooled",
                                   "in_pass": 6, "offered": 3, "blocked": 1, "leased": 1,
                                   "worked": 1}]  # fmt: skip

    def test_the_day_defaults_to_today_in_local_time(self, client, floor) -> None:
        body = client.get("/api/supervisor/summary", **SAM).json()
        assert body["day"] == "2026-11-10"

    def test_an_earlier_day(self, client, floor) -> None:
        body = client.get("/api/supervisor/summary", {"day": "2026-11-04"}, **SAM).json()
        casey = by(body["collectors"], "username", "casey")
        assert (casey["collected_today"], casey["collected_month"]) == ("0.00", "50.25")

    def test_a_bad_day_is_refused_naming_it(self, client, floor) -> None:
        response = client.get("/api/supervisor/summary", {"day": "10/11/2026"}, **SAM)
        assert response.status_code == 422 and response.json()["field"] == "day"

    def test_a_collector_gets_403(self, client, floor) -> None:
        response = client.get("/api/supervisor/summary", **CASEY)
        assert response.status_code == 403 and response.json()["code"] == "forbidden"


class TestTargets:
    def test_a_target_is_set_and_replaced(self, client, floor) -> None:
        body = {"collector": "eve", "month": "2026-12-01", "amount": "1250.50"}
        response = client.put("/api/targets", body, content_type=JSON, **SAM)
        assert response.status_code == 200
        assert response.json() == {"collector": "eve", "team": None, "month": "2026-12-01",
                                   "amount": "1250.50", "currency": "USD", "set_by": "api:sam",
                                   "set_at": "2026-11-10T21:00:00Z"}  # fmt: skip
        body["amount"] = "1300"
        assert client.put("/api/targets", body, content_type=JSON, **SAM).json()["amount"] == (
            "1300.00"
        )
        assert Target.objects.get(user=floor.eve, month=date(2026, 12, 1)).amount_minor == 130_000
        events = AuditEvent.objects.filter(event="target.set", details__collector="eve",
                                           details__month="2026-12-01")  # fmt: skip
        assert [(e.actor_label, e.details["before_minor"]) for e in events.order_by("id")] == [
            ("api:sam", None), ("api:sam", 125_050)]  # fmt: skip

    def test_a_teams_target(self, client, floor) -> None:
        body = {"team": "floor-1", "month": "2026-12-01", "amount": "9000.00"}
        assert client.put("/api/targets", body, content_type=JSON, **SAM).status_code == 200
        assert Target.objects.get(team__code="floor-1", month=date(2026, 12, 1)).amount_minor == (
            900_000
        )

    @pytest.mark.parametrize(
        ("body", "status", "field"),
        [
            ({"collector": "eve", "month": "2026-12-01", "amount": "12.345"}, 400, "amount"),
            ({"collector": "eve", "month": "2026-12-01", "amount": "0.00"}, 400, "amount"),
            ({"collector": "eve", "month": "2026-12-02", "amount": "10"}, 400, "month"),
            ({"collector": "eve", "month": "2026-12", "amount": "10"}, 422, "month"),
            ({"month": "2026-12-01", "amount": "10"}, 400, "collector"),
            ({"collector": "sam", "month": "2026-12-01", "amount": "10"}, 400, "collector"),
            ({"team": "floor-9", "month": "2026-12-01", "amount": "10"}, 404, "team"),
        ],
    )
    def test_bad_input_names_the_field_and_saves_nothing(
        self, client, floor, body, status, field
    ) -> None:
        targets, events = Target.objects.count(), AuditEvent.objects.count()
        response = client.put("/api/targets", body, content_type=JSON, **SAM)
        assert (response.status_code, response.json()["field"]) == (status, field)
        assert (Target.objects.count(), AuditEvent.objects.count()) == (targets, events)

    def test_a_collector_may_not_set_targets(self, client, floor) -> None:
        body = {"collector": "casey", "month": "2026-12-01", "amount": "99999.00"}
        assert client.put("/api/targets", body, content_type=JSON, **CASEY).status_code == 403
        assert Target.objects.get(user=floor.casey, month=date(2026, 12, 1)).amount_minor == (
            999_999  # as the floor set it
        )


class TestTeamsAndAssignments:
    def test_a_team_is_defined_and_a_collector_moves_into_it(self, client, floor) -> None:
        body = {"name": "Floor 2", "supervisor": "sam", "members": ["eve", "dana"]}
        response = client.put("/api/teams/floor-2", body, content_type=JSON, **SAM)
        assert response.status_code == 200
        assert response.json() == {"code": "floor-2", "name": "Floor 2", "supervisor": "sam",
                                   "members": ["dana", "eve"]}  # fmt: skip
        summary = client.get("/api/supervisor/summary", **SAM).json()
        assert {t["code"]: t["members"] for t in summary["teams"]} == {
            "floor-1": ["casey"], "floor-2": ["dana", "eve"]}  # fmt: skip

    def test_a_bad_member_is_refused_and_nothing_changes(self, client, floor) -> None:
        body = {"name": "Floor 2", "members": ["eve", "sam"]}
        response = client.put("/api/teams/floor-2", body, content_type=JSON, **SAM)
        assert (response.status_code, response.json()["field"]) == (400, "members")
        assert not Team.objects.filter(code="floor-2").exists()
        assert client.put("/api/teams/floor-2", body, content_type=JSON, **CASEY).status_code == 403

    def test_reassigning_through_the_queue_endpoint_moves_ownership_not_past_collections(
        self, client, floor
    ) -> None:
        a1 = floor.accounts[0].pk
        body = {"account_ids": [a1], "username": "dana"}
        refused = client.post("/api/queues/assignments", body, content_type=JSON, **CASEY)
        assert refused.status_code == 403
        moved = client.post("/api/queues/assignments", body, content_type=JSON, **SAM)
        assert moved.json() == {"changed": 1}
        assert Assignment.objects.get(account_id=a1).user == floor.dana
        summary = client.get("/api/supervisor/summary", **SAM).json()
        casey, dana = (by(summary["collectors"], "username", u) for u in ("casey", "dana"))
        assert (casey["owned"], dana["owned"]) == (2, 1)
        assert (casey["collected_month"], dana["collected_month"]) == ("225.35", "40.00")
