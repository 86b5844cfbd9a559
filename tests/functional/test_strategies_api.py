"""Strategies, message templates and planned actions through the API: each operation's answer
with exact values, and refusals that name the field and change nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client as HttpClient

from arrears.data.messaging.models import MessageTemplate
from arrears.data.strategies.models import Enrollment, PlannedAction, Variant
from arrears.data.users.models import User
from tests.functional.test_api import basic
from tests.functional.test_strategies_web import (
    DAY,
    _strategy_state,
    results_book,
)
from tests.functional.test_strategies_web import shop as shop

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-real-passphrase"
SAM, CORA, COLE = basic("sam", PASSWORD), basic("cora", PASSWORD), basic("cole", PASSWORD)


def _send(client: HttpClient, method: str, path: str, body: object, who: dict[str, str]):  # type: ignore[no-untyped-def]
    send = client.put if method == "put" else client.post
    return send(path, json.dumps(body), content_type="application/json", **who)


class TestStrategiesApi:
    def test_the_list_gives_each_strategy_with_its_variants_and_readable_steps(self, client, shop):
        response = client.get("/api/strategies", **CORA)
        assert response.status_code == 200
        [fresh] = response.json()
        assert (fresh["code"], fresh["priority"], fresh["entry"]) == (
            "fresh",
            100,
            {"clients": ["ACME"]},
        )
        assert [(v["code"], v["share"], v["champion"], v["enrolled_now"])
                for v in fresh["variants"]] == [("a", "50", True, 0), ("b", "50", False, 0)]  # fmt: skip
        assert fresh["variants"][0]["steps"][1] == {
            "key": "mail", "day": 5, "action": "email", "template": "reminder", "queue": None,
            "when": None, "template_version": 1}  # fmt: skip

    def test_collectors_may_not_read_strategies(self, client, shop):
        assert client.get("/api/strategies", **COLE).status_code == 403

    def test_put_defines_a_strategy(self, client, shop):
        response = _send(client, "put", "/api/strategies/late", {
            "name": "Late", "priority": 5, "entry": {"balance_min": "100.00"},
            "variants": [{"code": "a", "share": "100", "champion": True,
                          "steps": [{"key": "n", "day": 0, "action": "validation_notice"}]}],
        }, SAM)  # fmt: skip
        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["code"], body["priority"], body["entry"]) == (
            "late",
            5,
            {"balance_min": "100.00"},
        )
        assert [(v["code"], v["share"]) for v in body["variants"]] == [("a", "100")]

    def test_an_unknown_template_is_refused_naming_the_step_and_nothing_changes(self, client, shop):
        before = _strategy_state()
        response = _send(client, "put", "/api/strategies/fresh", {
            "name": "Fresh", "entry": {},
            "variants": [{"code": "a", "share": "100", "champion": True,
                          "steps": [{"key": "m", "day": 1, "action": "email",
                                     "template": "nope"}]}],
        }, SAM)  # fmt: skip
        assert response.status_code == 400
        assert response.json() == {"detail": "no template 'nope'",
                                   "field": "variants[0].steps.m.template", "code": "refused"}  # fmt: skip
        assert _strategy_state() == before

    def test_compliance_may_not_change_a_strategy(self, client, shop):
        before = _strategy_state()
        response = _send(client, "put", "/api/strategies/fresh", {
            "name": "X", "variants": [{"code": "a", "share": "100"}]}, CORA)  # fmt: skip
        assert response.status_code == 403
        assert _strategy_state() == before

    def test_move_moves_the_share_asked_for(self, client, shop):
        results_book()
        response = _send(client, "post", "/api/strategies/fresh/move",
                         {"from_variant": "a", "to_variant": "b", "share": "100"}, SAM)  # fmt: skip
        assert response.status_code == 200
        assert response.json() == {"strategy": "fresh", "from_variant": "a", "to_variant": "b",
                                   "moved": 3, "cancelled": 0}  # fmt: skip
        assert Enrollment.objects.filter(variant__code="b").count() == 4

    def test_move_to_a_missing_variant_is_a_404_naming_it(self, client, shop):
        results_book()
        response = _send(client, "post", "/api/strategies/fresh/move",
                         {"from_variant": "a", "to_variant": "z", "share": "10"}, SAM)  # fmt: skip
        assert response.status_code == 404
        assert response.json()["field"] == "to_variant"
        assert Enrollment.objects.filter(variant__code="a").count() == 3

    def test_results_give_each_interval_as_decimal_text(self, client, shop):
        results_book()
        response = client.get("/api/strategies/fresh/results", **CORA)
        assert response.status_code == 200
        a, b = response.json()
        assert a == {
            "variant": "a", "name": "a", "champion": True, "enrolled_ever": 3, "enrolled_now": 3,
            "contact_rate": {"successes": 1, "n": 3, "rate": "0.3333", "low": "0.0615",
                             "high": "0.7923"},
            "promises_per_account": {"total": "1", "mean": "0.33", "low": "-0.32",
                                     "high": "0.99"},
            "collected_per_account": {"total": "40.00", "mean": "13.33", "low": "-3.95",
                                      "high": "30.62"},
            "cost_per_account": {"total": "0.65", "mean": "0.22", "low": "-0.21", "high": "0.64"},
            "messages": {"letter": 1, "email": 1, "sms": 0},
        }  # fmt: skip
        assert (b["enrolled_ever"], b["enrolled_now"], b["contact_rate"]["rate"]) == (
            1,
            0,
            "0.0000",
        )

    def test_results_of_a_missing_strategy_are_a_404_naming_the_code(self, client, shop):
        response = client.get("/api/strategies/nope/results", **CORA)
        assert (response.status_code, response.json()["field"]) == (404, "code")


class TestTemplatesApi:
    def test_the_list_counts_versions_and_drafts(self, client, shop):
        assert client.get("/api/templates", **CORA).json() == [{
            "code": "reminder", "channel": "email", "name": "Reminder", "versions": 2,
            "latest": 2, "in_use": 1, "drafts": 1}]  # fmt: skip

    def test_one_template_gives_its_versions_newest_first(self, client, shop):
        versions = client.get("/api/templates/reminder", **SAM).json()
        assert [(v["version"], v["status"], v["created_by"], v["reviewed_by"])
                for v in versions] == [(2, "draft", "sam", None), (1, "approved", "sam", "cora")]  # fmt: skip

    def test_a_new_version_is_a_draft_and_the_same_text_again_changes_nothing(self, client, shop):
        body = {"channel": "sms", "name": "Nudge", "body": "Call {{ collector_phone }}."}
        first = _send(client, "post", "/api/templates/nudge/versions", body, SAM)
        assert (first.status_code, first.json()["version"], first.json()["status"]) == (
            201,
            1,
            "draft",
        )
        again = _send(client, "post", "/api/templates/nudge/versions", body, SAM)
        assert (again.status_code, again.json()["version"]) == (200, 1)

    def test_an_unknown_placeholder_lists_every_problem_and_saves_nothing(self, client, shop):
        response = _send(client, "post", "/api/templates/late/versions", {
            "channel": "letter", "name": "Late", "subject": "{{ x }}",
            "body": "Hello\n{{ amount_due }}"}, SAM)  # fmt: skip
        assert response.status_code == 400
        body = response.json()
        assert body["field"] == "subject"
        assert [(p["field"], p["line"]) for p in body["problems"]] == [("subject", 1), ("body", 2)]
        assert not MessageTemplate.objects.filter(code="late").exists()

    def test_compliance_approves_a_draft(self, client, shop):
        response = _send(client, "post", "/api/templates/reminder/versions/2/review",
                         {"approve": True}, CORA)  # fmt: skip
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["reviewed_by"]) == ("approved", "cora")

    def test_an_author_may_not_approve_their_own_draft(self, client, shop):
        User.objects.filter(username="cora").update(role="compliance")
        _send(client, "post", "/api/templates/own/versions",
              {"channel": "sms", "name": "Own", "body": "Hi."}, SAM)  # fmt: skip
        MessageTemplate.objects.filter(code="own").update(
            created_by=User.objects.get(username="cora")
        )
        response = _send(client, "post", "/api/templates/own/versions/1/review",
                         {"approve": True}, CORA)  # fmt: skip
        assert (response.status_code, response.json()["field"]) == (400, "actor")
        assert MessageTemplate.objects.get(code="own").status == "draft"

    def test_a_supervisor_may_not_review(self, client, shop):
        response = _send(client, "post", "/api/templates/reminder/versions/2/review",
                         {"approve": True}, SAM)  # fmt: skip
        assert response.status_code == 403
        assert MessageTemplate.objects.get(code="reminder", version=2).status == "draft"

    def test_sending_back_without_a_note_names_the_note(self, client, shop):
        response = _send(client, "post", "/api/templates/reminder/versions/2/review",
                         {"approve": False}, CORA)  # fmt: skip
        assert (response.status_code, response.json()["field"]) == (400, "note")
        assert MessageTemplate.objects.get(code="reminder", version=2).status == "draft"

    def test_the_preview_renders_a_text_as_sent(self, client, shop):
        response = _send(client, "post", "/api/templates/preview",
                         {"channel": "sms", "body": "Hi {{ consumer_first_name }}."}, CORA)  # fmt: skip
        assert response.json() == {"channel": "sms", "subject": "", "html": "",
                                   "text": "Hi Jordan. This is a debt collector. Reply STOP to "
                                           "opt out."}  # fmt: skip

    def test_a_preview_on_a_missing_account_is_a_404_naming_it(self, client, shop):
        response = _send(client, "post", "/api/templates/preview",
                         {"channel": "sms", "body": "Hi.", "account_id": 987654}, CORA)  # fmt: skip
        assert (response.status_code, response.json()["field"]) == (404, "account_id")


class TestPlannedActionsApi:
    def test_the_day_is_counted_and_listed_page_by_page(self, client, shop):
        results_book()
        enrollment = Enrollment.objects.filter(variant__code="a").order_by("pk")[1]
        PlannedAction.objects.create(
            enrollment=enrollment, account_id=enrollment.account_id, step="mail", action="email",
            template="reminder", due_on=DAY, status="blocked", detail="blocked by the rules",
            reasons=[{"rule": "opt_out", "verdict": "block", "message": "opted out of email"}],
        )  # fmt: skip
        response = client.get(f"/api/planned-actions?day={DAY}&limit=1", **CORA)
        assert response.status_code == 200
        body = response.json()
        assert body["counts"] == {"letter": {"sent": 1}, "email": {"sent": 1, "blocked": 1}}
        assert (body["total"], body["page"], body["pages"], len(body["items"])) == (3, 1, 3, 1)
        blocked = client.get(f"/api/planned-actions?day={DAY}&status=blocked", **CORA).json()
        assert [(i["account_id"], i["strategy"], i["variant"], i["step"], i["reasons"][0]["rule"])
                for i in blocked["items"]] == [
            (enrollment.account_id, "fresh", "a", "mail", "opt_out")]  # fmt: skip

    def test_an_unknown_status_is_refused_naming_it(self, client, shop):
        response = client.get("/api/planned-actions?status=lost", **CORA)
        assert (response.status_code, response.json()["field"]) == (400, "status")

    def test_a_day_that_is_not_a_date_is_refused_naming_it(self, client, shop):
        response = client.get("/api/planned-actions?day=tomorrow", **CORA)
        assert (response.status_code, response.json()["field"]) == (422, "day")

    def test_collectors_may_not_see_planned_actions(self, client, shop):
        assert client.get("/api/planned-actions", **COLE).status_code == 403


def test_the_day_before_has_nothing_planned(client, shop) -> None:
    results_book()
    body = client.get(f"/api/planned-actions?day={date(2026, 11, 30)}", **SAM).json()
    assert (body["counts"], body["total"], body["items"]) == ({}, 0, [])
    assert Variant.objects.count() == 2
