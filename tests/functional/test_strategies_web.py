"""The template editor, the strategy editor, campaign results and the day's planned actions on
the web: who may see and change what, what each screen shows, and refusals that name the field
and change nothing."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client as HttpClient

from arrears.data.audit.models import AuditEvent
from arrears.data.contacts.models import ContactAttempt
from arrears.data.ledger.models import Entry
from arrears.data.messaging.models import MessageTemplate, OutboundMessage
from arrears.data.strategies.models import Enrollment, PlannedAction, Strategy, Variant
from arrears.data.users.models import User
from arrears.data.work.models import Promise
from arrears.services.common import Actor
from arrears.services.messaging.templates import template_review, template_save
from arrears.services.strategies.definitions import strategy_define
from arrears.services.work.queues import queue_define
from tests.factories import make_client, make_new_yorker

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=NY)
DAY = date(2026, 12, 1)
ACTOR = Actor.system("test")
PATH = [
    {"key": "notice", "day": 0, "action": "validation_notice"},
    {"key": "mail", "day": 5, "action": "email", "template": "reminder"},
    {"key": "calls", "day": 10, "action": "queue", "queue": "calls"},
]


@pytest.fixture
def shop(monkeypatch):  # type: ignore[no-untyped-def]
    """A supervisor (sam), a compliance officer (cora), a collector (cole), an accountant
    (acct); the "reminder" email approved at version 1 with a draft version 2; the "fresh"
    strategy with variants a (champion, 50 %) and b (50 %); a calls queue."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    users = {name: User.objects.create_user(name, password="a-long-real-passphrase", role=role)
             for name, role in (("sam", "supervisor"), ("cora", "compliance"),
                                ("cole", "collector"), ("acct", "accountant"))}  # fmt: skip
    sam = Actor("sam", users["sam"].pk)
    cora = Actor("cora", users["cora"].pk)
    template_save(code="reminder", channel="email", name="Reminder", subject="About {{ client_name }}",
                  body="Hello {{ consumer_first_name }}, you owe {{ balance }}.", actor=sam,
                  now=NOW)  # fmt: skip
    template_review(code="reminder", version=1, approve=True, actor=cora, now=NOW)
    template_save(code="reminder", channel="email", name="Reminder", subject="About {{ client_name }}",
                  body="Hi {{ consumer_first_name }}: {{ balance }} is due.", actor=sam, now=NOW)  # fmt: skip
    queue_define(code="calls", name="Calls", filters={"routed": True}, order="balance_high",
                 mode="pooled", actor=ACTOR, now=NOW)  # fmt: skip
    strategy_define(code="fresh", name="New placements", entry={"clients": ["ACME"]}, actor=ACTOR,
                    now=NOW, variants=[{"code": "a", "share": 50, "steps": PATH},
                                       {"code": "b", "share": 50, "steps": PATH[:1]}])  # fmt: skip
    return users


def _as(client: HttpClient, user: User) -> HttpClient:
    client.force_login(user)
    return client


def _strategy_state() -> object:
    return (list(Strategy.objects.values_list("code", "name", "priority", "entry", "active")),
            list(Variant.objects.order_by("code").values_list("code", "share_bp", "steps",
                                                               "champion")),
            AuditEvent.objects.filter(event__startswith="strategy.").count())  # fmt: skip


class TestTemplateEditor:
    def test_the_list_shows_each_code_with_its_version_in_use_and_drafts(self, client, shop):
        html = _as(client, shop["sam"]).get("/templates/").content.decode()
        row = re.search(r'<tr class="template" data-code="reminder">(.*?)</tr>', html, re.S)
        assert row is not None
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
        assert [re.sub(r"<[^>]+>", "", c).strip() for c in cells] == [
            "reminder", "Reminder", "email", "2", "v1", "1"]  # fmt: skip

    def test_collectors_and_accountants_may_not_see_the_editor(self, client, shop):
        for name in ("cole", "acct"):
            _as(client, shop[name])
            for path in ("/templates/", "/templates/new/", "/templates/reminder/"):
                assert client.get(path).status_code == 403, (name, path)

    def test_a_supervisor_saves_a_new_version_as_a_draft(self, client, shop):
        response = _as(client, shop["sam"]).post("/templates/reminder/", {
            "name": "Reminder", "subject": "About {{ client_name }}",
            "body": "Dear {{ consumer_name }}, {{ balance }} is due."})  # fmt: skip
        assert response.status_code == 302
        latest = MessageTemplate.objects.get(code="reminder", version=3)
        assert (latest.status, latest.body, latest.created_by_id) == (
            "draft",
            "Dear {{ consumer_name }}, {{ balance }} is due.",
            shop["sam"].pk,
        )

    def test_an_unknown_placeholder_is_shown_on_its_line_and_nothing_is_saved(self, client, shop):
        response = _as(client, shop["sam"]).post("/templates/new/", {
            "code": "late", "channel": "letter", "name": "Late", "subject": "",
            "body": "Dear {{ consumer_name }},\n\nPay {{ amount_due }}."})  # fmt: skip
        assert response.status_code == 400
        errors = re.search(r'data-field="body"[^>]*>(.*?)</span>', response.content.decode(), re.S)
        assert errors is not None and "line 3:" in errors.group(1)
        assert "amount_due" in errors.group(1)
        assert not MessageTemplate.objects.filter(code="late").exists()

    def test_compliance_may_not_write_a_template(self, client, shop):
        response = _as(client, shop["cora"]).post(
            "/templates/new/",
            {"code": "x", "channel": "sms", "name": "X", "body": "Call {{ collector_phone }}."},
        )
        assert response.status_code == 403
        assert not MessageTemplate.objects.filter(code="x").exists()

    def test_compliance_sees_approve_and_send_back_on_drafts_only(self, client, shop):
        html = _as(client, shop["cora"]).get("/templates/reminder/").content.decode()
        assert 'id="form-review-2"' in html
        assert 'id="form-review-1"' not in html  # approved already
        assert 'id="form-template"' not in html  # compliance reviews, does not write
        assert "consumer_first_name" in html  # the placeholder list

    def test_compliance_approves_a_draft_and_it_is_in_use(self, client, shop):
        response = _as(client, shop["cora"]).post("/templates/reminder/versions/2/review/",
                                                  {"decision": "approve"})  # fmt: skip
        assert response.status_code == 302
        row = MessageTemplate.objects.get(code="reminder", version=2)
        assert (row.status, row.reviewed_by_id) == ("approved", shop["cora"].pk)

    def test_sending_back_without_a_note_is_refused_and_changes_nothing(self, client, shop):
        response = _as(client, shop["cora"]).post("/templates/reminder/versions/2/review/",
                                                  {"decision": "send_back", "note": " "})  # fmt: skip
        assert response.status_code == 400
        assert "say what to change" in response.content.decode()
        assert MessageTemplate.objects.get(code="reminder", version=2).status == "draft"

    def test_a_supervisor_may_not_review(self, client, shop):
        response = _as(client, shop["sam"]).post("/templates/reminder/versions/2/review/",
                                                 {"decision": "approve"})  # fmt: skip
        assert response.status_code == 403
        assert MessageTemplate.objects.get(code="reminder", version=2).status == "draft"

    def test_the_preview_renders_an_unsaved_email_on_sample_values(self, client, shop):
        response = _as(client, shop["sam"]).post("/templates/preview/", {
            "channel": "email", "subject": "Hi {{ consumer_first_name }}",
            "body": "You owe {{ balance }}."})  # fmt: skip
        html = response.content.decode()
        assert response.status_code == 200
        assert "<strong>Subject:</strong> Hi Jordan" in html
        assert "<p>You owe $1,234.56.</p>" in html
        assert "This communication is from a debt collector." in html

    def test_the_preview_on_an_account_uses_its_values(self, client, shop):
        account = make_new_yorker(make_client("ACME"), 52_000)
        html = _as(client, shop["cora"]).post("/templates/preview/", {
            "channel": "sms", "body": "{{ consumer_first_name }}: {{ balance }}.",
            "account_id": str(account.pk)}).content.decode()  # fmt: skip
        assert "Pat: $520.00. This is a debt collector. Reply STOP to opt out." in html

    def test_the_preview_lists_each_problem_with_its_field_and_line(self, client, shop):
        html = _as(client, shop["sam"]).post("/templates/preview/", {
            "channel": "letter", "subject": "{{ nope }}",
            "body": "Line one\n{% if x %}y{% endif %}"}).content.decode()  # fmt: skip
        problems = re.findall(r'<li class="problem" data-field="(\w+)" data-line="(\d*)">', html)
        assert problems == [("subject", "1"), ("body", "2")]

    def test_a_preview_on_a_missing_account_says_so(self, client, shop):
        html = _as(client, shop["sam"]).post("/templates/preview/", {
            "channel": "sms", "body": "Hi.", "account_id": "987654"}).content.decode()  # fmt: skip
        assert "No account 987654." in html


def _post_strategy(client: HttpClient, path: str, **overrides: str) -> object:
    data = {
        "rows": "3", "name": "New placements", "priority": "20", "active": "on",
        "entry": '{"clients": ["ACME"]}', "champion": "0",
        "v-0-code": "a", "v-0-name": "Champion", "v-0-share": "70",
        "v-0-steps": '[{"key": "notice", "day": 0, "action": "validation_notice"}]',
        "v-1-code": "b", "v-1-name": "Challenger", "v-1-share": "30",
        "v-1-steps": '[{"key": "s1", "day": 0, "action": "validation_notice"}, '
                     '{"key": "s2", "day": 5, "action": "email", "template": "reminder"}]',
        "v-2-code": "", "v-2-steps": "",
    }  # fmt: skip
    data.update(overrides)
    return client.post(path, data)


class TestStrategyEditor:
    def test_the_list_shows_priority_entry_and_variants_with_accounts_now(self, client, shop):
        account = make_new_yorker(make_client("ACME"))
        variant = Variant.objects.get(strategy__code="fresh", code="b")
        Enrollment.objects.create(account=account, strategy=variant.strategy, variant=variant,
                                  entered_on=DAY)  # fmt: skip
        html = _as(client, shop["cora"]).get("/strategies/").content.decode()
        row = re.search(r'<tr class="strategy" data-code="fresh">(.*?)</tr>', html, re.S)
        assert row is not None
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(1))).strip()
        assert text == ("100 New placements fresh clients ACME a (champion) · 50 % · 0 now "
                        "b · 50 % · 1 now Results")  # fmt: skip

    def test_readable_steps_mark_a_template_without_an_approved_version(self, client, shop):
        template_save(code="nudge", channel="sms", name="Nudge", body="Call {{ collector_phone }}.",
                      actor=ACTOR, now=NOW)  # fmt: skip
        strategy_define(code="early", name="Early", entry={}, actor=ACTOR, now=NOW, variants=[
            {"code": "a", "share": 100, "steps": [*PATH,
                {"key": "text", "day": 3, "action": "sms", "template": "nudge"}]}])  # fmt: skip
        html = _as(client, shop["cora"]).get("/strategies/early/").content.decode()
        steps = [re.sub(r"<[^>]+>", "", s).strip()
                 for s in re.findall(r'<li class="step[^"]*" data-key="\w+">(.*?)</li>', html)]  # fmt: skip
        assert steps == [
            "day 0 · validation notice",
            "day 3 · text nudge (no approved version) no approved version: this step is skipped",
            "day 5 · email reminder (v1 approved)",
            "day 10 · work queue calls",
        ]
        assert 'id="form-strategy"' not in html  # compliance views, does not edit

    def test_a_supervisor_changes_shares_and_steps(self, client, shop):
        response = _post_strategy(_as(client, shop["sam"]), "/strategies/fresh/")
        assert response.status_code == 302
        fresh = Strategy.objects.get(code="fresh")
        assert (fresh.priority, fresh.entry) == (20, {"clients": ["ACME"]})
        assert list(fresh.variants.order_by("code").values_list(
            "code", "share_bp", "champion", "steps")) == [
            ("a", 7000, True, [{"key": "notice", "day": 0, "action": "validation_notice"}]),
            ("b", 3000, False, [{"key": "s1", "day": 0, "action": "validation_notice"},
                                {"key": "s2", "day": 5, "action": "email",
                                 "template": "reminder"}]),
        ]  # fmt: skip
        assert AuditEvent.objects.filter(event="strategy.changed").count() == 1

    def test_a_new_strategy_is_defined_from_the_form(self, client, shop):
        response = _post_strategy(_as(client, shop["sam"]), "/strategies/new/", code="late")
        assert response.status_code == 302, response.content.decode()[:3000]
        assert response["Location"] == "/strategies/late/"
        late = Strategy.objects.get(code="late")
        assert (late.name, late.priority, late.entry, late.active) == (
            "New placements",
            20,
            {"clients": ["ACME"]},
            True,
        )
        assert list(late.variants.order_by("code").values_list("code", "share_bp", "champion")) == [
            ("a", 7000, True),
            ("b", 3000, False),
        ]

    def test_an_unknown_template_is_named_next_to_its_variants_steps(self, client, shop):
        strategy_define(code="late", name="Late", entry={}, actor=ACTOR, now=NOW,
                        variants=[{"code": "a", "share": 100, "steps": PATH}])  # fmt: skip
        before = _strategy_state()
        bad = (
            '[{"key": "s1", "day": 0, "action": "validation_notice"}, '
            '{"key": "s2", "day": 5, "action": "email", "template": "missing"}]'
        )
        response = _post_strategy(_as(client, shop["sam"]), "/strategies/late/",
                                  **{"v-1-steps": bad})  # fmt: skip
        assert response.status_code == 400
        found = re.search(r'data-field="variants\[1\]\.steps">(.*?)</span>',
                          response.content.decode(), re.S)  # fmt: skip
        assert found is not None
        assert found.group(1) == "steps.s2.template: no template &#x27;missing&#x27;"
        assert _strategy_state() == before

    def test_shares_that_do_not_add_up_are_refused_with_nothing_changed(self, client, shop):
        strategy_define(code="late", name="Late", entry={}, actor=ACTOR, now=NOW,
                        variants=[{"code": "a", "share": 100, "steps": PATH}])  # fmt: skip
        before = _strategy_state()
        response = _post_strategy(_as(client, shop["sam"]), "/strategies/late/",
                                  **{"v-1-share": "20"})  # fmt: skip
        assert response.status_code == 400
        assert 'data-field="variants">add up to 90.00 %, not 100.00 %' in response.content.decode()
        assert _strategy_state() == before

    def test_a_bad_entry_filter_is_shown_on_the_entry_rule(self, client, shop):
        strategy_define(code="late", name="Late", entry={}, actor=ACTOR, now=NOW,
                        variants=[{"code": "a", "share": 100, "steps": PATH}])  # fmt: skip
        before = _strategy_state()
        response = _post_strategy(_as(client, shop["sam"]), "/strategies/late/",
                                  entry='{"balance_min": "lots"}')  # fmt: skip
        assert response.status_code == 400
        found = re.search(r'data-field="entry">(.*?)</span>', response.content.decode(), re.S)
        assert found is not None and found.group(1).startswith("balance_min: ")
        assert _strategy_state() == before

    def test_compliance_and_collectors_may_not_change_a_strategy(self, client, shop):
        strategy_define(code="late", name="Late", entry={}, actor=ACTOR, now=NOW,
                        variants=[{"code": "a", "share": 100, "steps": PATH}])  # fmt: skip
        before = _strategy_state()
        for name in ("cora", "cole"):
            response = _post_strategy(_as(client, shop[name]), "/strategies/late/")
            assert response.status_code == 403
        assert _strategy_state() == before
        for path in (
            "/strategies/",
            "/strategies/late/",
            "/strategies/late/results/",
            "/strategies/planned/",
        ):
            assert _as(client, shop["cole"]).get(path).status_code == 403, path
            assert _as(client, shop["acct"]).get(path).status_code == 403, path


class TestMoveAccounts:
    def _enrol(self, n: int) -> list[int]:
        client = make_client("ACME")
        a = Variant.objects.get(strategy__code="fresh", code="a")
        ids = []
        for _ in range(n):
            account = make_new_yorker(client)
            Enrollment.objects.create(account=account, strategy=a.strategy, variant=a,
                                      entered_on=DAY)  # fmt: skip
            ids.append(account.pk)
        return ids

    def test_moving_all_of_a_variant_moves_every_enrolled_account(self, client, shop):
        self._enrol(3)
        response = _as(client, shop["sam"]).post("/strategies/fresh/move/", {
            "from_variant": "a", "to_variant": "b", "share": "100"})  # fmt: skip
        assert response.status_code == 302
        assert list(Enrollment.objects.values_list("variant__code", flat=True)) == ["b"] * 3
        assert AuditEvent.objects.filter(event="strategy.variant_moved").count() == 1

    def test_moving_to_the_same_variant_is_refused_on_its_field(self, client, shop):
        self._enrol(2)
        response = _as(client, shop["sam"]).post("/strategies/fresh/move/", {
            "from_variant": "a", "to_variant": "a", "share": "50"})  # fmt: skip
        assert response.status_code == 400
        assert 'data-field="to_variant">the variants must differ' in response.content.decode()
        assert list(Enrollment.objects.values_list("variant__code", flat=True)) == ["a"] * 2

    def test_a_share_above_100_is_refused_on_its_field(self, client, shop):
        response = _as(client, shop["sam"]).post("/strategies/fresh/move/", {
            "from_variant": "a", "to_variant": "b", "share": "120"})  # fmt: skip
        assert response.status_code == 400
        assert 'data-field="share">a share is 0 to 100' in response.content.decode()
        assert not AuditEvent.objects.filter(event="strategy.variant_moved").exists()

    def test_compliance_may_not_move_accounts(self, client, shop):
        self._enrol(1)
        response = _as(client, shop["cora"]).post("/strategies/fresh/move/", {
            "from_variant": "a", "to_variant": "b", "share": "100"})  # fmt: skip
        assert response.status_code == 403
        assert list(Enrollment.objects.values_list("variant__code", flat=True)) == ["a"]


def results_book() -> dict[str, int]:
    """Variant a: three accounts entered Dec 1 — one talked to (Dec 2) who promised and paid
    30.00 (and 10.00 before entering, not counted), one paid 10.00, one nothing; one letter and
    one email sent. Variant b: one account, left on Dec 3, nothing."""
    acme = make_client("ACME")
    a = Variant.objects.get(strategy__code="fresh", code="a")
    b = Variant.objects.get(strategy__code="fresh", code="b")
    accounts = [make_new_yorker(acme) for _ in range(4)]
    enrollments = [Enrollment.objects.create(account=x, strategy=a.strategy, variant=a,
                                             entered_on=DAY) for x in accounts[:3]]  # fmt: skip
    Enrollment.objects.create(account=accounts[3], strategy=b.strategy, variant=b,
                              entered_on=DAY, left_on=date(2026, 12, 3))  # fmt: skip
    ContactAttempt.objects.create(account=accounts[0], at=datetime(2026, 12, 2, 11, tzinfo=NY),
                                  channel="call", direction="outbound", outcome="conversation")  # fmt: skip
    ContactAttempt.objects.create(account=accounts[1], at=datetime(2026, 12, 2, 11, tzinfo=NY),
                                  channel="call", direction="outbound", outcome="no_answer")  # fmt: skip
    Promise.objects.create(account=accounts[0], amount_minor=3_000, due_on=date(2026, 12, 9),
                           created_at=datetime(2026, 12, 2, 11, 5, tzinfo=NY))  # fmt: skip
    for account, on, cash in ((accounts[0], date(2026, 12, 9), 3_000),
                              (accounts[0], date(2026, 11, 20), 1_000),
                              (accounts[1], date(2026, 12, 4), 1_000)):  # fmt: skip
        Entry.objects.create(account=account, kind="payment", effective_on=on, posted_at=NOW,
                             principal_minor=-cash, cash_minor=cash)  # fmt: skip
    template = MessageTemplate.objects.get(code="reminder", version=1)
    for i, (channel, step) in enumerate((("letter", "notice"), ("email", "mail"))):
        message = OutboundMessage.objects.create(
            reference=f"M-{i}", account=accounts[0], channel=channel, template=template,
            status="sent", content_key="x", sent_at=NOW, updated_at=NOW)  # fmt: skip
        PlannedAction.objects.create(enrollment=enrollments[0], account=accounts[0], step=step,
                                     action=channel if channel != "letter" else "letter",
                                     template="reminder", due_on=DAY, status="sent",
                                     message=message)  # fmt: skip
    return {"a0": accounts[0].pk}


class TestResults:
    def test_each_variant_shows_its_rates_amounts_and_costs_with_intervals(self, client, shop):
        results_book()
        html = _as(client, shop["cora"]).get("/strategies/fresh/results/").content.decode()
        row = re.search(r'<tr class="result" data-variant="a">(.*?)</tr>', html, re.S)
        assert row is not None
        cells = {c: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", v)).strip()
                 for c, v in re.findall(r'<td class="(?:num )?(\w+)">(.*?)</td>', row.group(1),
                                        re.S)}  # fmt: skip
        assert cells["ever"] == "3" and cells["now"] == "3"
        # 1 of 3: Wilson 0.0615 to 0.7923, shown half-even to a tenth of a percent.
        assert cells["contact"] == "1 of 3 · 33.3 % [6.2 % to 79.2 %]"
        # Promises 1, 0, 0: mean 0.33, s = 0.577, half-width 0.65.
        assert cells["promises"] == "0.33 [-0.32 to 0.99]"
        # Cash 30.00, 10.00, 0: mean 13.33, s = 15.28, half-width 17.28.
        assert cells["collected"] == "$13.33 [-$3.95 to $30.62] of $40.00 in all"
        # One letter (0.65) and one email (0.002) on one account: 0.652, 0, 0.
        assert cells["cost"] == "$0.22 [-$0.21 to $0.64] of $0.65 in all"
        assert cells["sent"] == "1 letters, 1 emails, 0 texts"
        b = re.search(r'<tr class="result" data-variant="b">(.*?)</tr>', html, re.S)
        assert b is not None and '<td class="num now">0</td>' in b.group(1)


class TestPlannedActions:
    def test_the_day_shows_counts_by_action_and_status_and_the_blocked_reasons(self, client, shop):
        results_book()
        enrollment = Enrollment.objects.filter(variant__code="a").order_by("pk")[1]
        PlannedAction.objects.create(
            enrollment=enrollment, account_id=enrollment.account_id, step="mail", action="email",
            template="reminder", due_on=DAY, status="blocked", detail="blocked by the rules",
            reasons=[{"rule": "opt_out", "verdict": "block", "message": "opted out of email"},
                     {"rule": "hours", "verdict": "pass", "message": "within hours"}],
        )  # fmt: skip
        html = _as(client, shop["cora"]).get("/strategies/planned/?day=2026-12-01").content.decode()
        email = re.search(r'<tr class="count" data-action="email">(.*?)</tr>', html, re.S)
        assert email is not None
        cells = re.findall(r'<td class="num">(\d+)</td>', email.group(1))
        # planned, sending, sent, done, blocked, skipped, cancelled, failed
        assert cells == ["0", "0", "1", "0", "1", "0", "0", "0"]
        blocked = re.search(r'<tr class="planned" data-id="\d+" data-status="blocked">(.*?)</tr>',
                            html, re.S)  # fmt: skip
        assert blocked is not None
        assert "<code>opt_out</code> opted out of email" in blocked.group(1)
        assert "within hours" not in blocked.group(1)

    def test_filters_keep_only_the_status_asked_for(self, client, shop):
        results_book()
        response = _as(client, shop["sam"]).get("/strategies/planned/",
                                                {"day": "2026-12-01", "action": "letter"})  # fmt: skip
        assert response.context["page"].paginator.count == 1
        assert [p.action for p in response.context["page"]] == ["letter"]

    def test_a_bad_day_is_named_and_today_shown(self, client, shop):
        response = _as(client, shop["sam"]).get("/strategies/planned/?day=someday")
        assert response.status_code == 400
        assert "day: give a date as YYYY-MM-DD" in response.content.decode()
        assert response.context["day"] == DAY
