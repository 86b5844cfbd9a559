"""Clients, their terms and the authority limits on the web: who may look and who may change,
amounts typed as text and stored to the cent, messages that say what changed from what, and
refusals that show the form again with the field's error and change nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from arrears.data.arrangements.models import AuthorityLimit, ClientPlanRules
from arrears.data.audit.models import AuditEvent
from arrears.data.payments.models import CardFeeTerms
from arrears.data.trust.models import CommissionTerms, CommissionTier
from arrears.data.users.models import Role, User
from arrears.data.work.models import ClientPromiseTerms
from tests.factories import make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():  # type: ignore[no-untyped-def]
    """ACME (an agency, granted to the collector casey) and BETA (a debt buyer, granted to
    nobody); one user of each role; collectors' general limit 20% / $500.00 / $50.00."""
    for name, role in (
        ("casey", Role.COLLECTOR),
        ("sam", Role.SUPERVISOR),
        ("cora", Role.COMPLIANCE),
        ("abby", Role.ACCOUNTANT),
        ("ada", Role.ADMIN),
    ):
        User.objects.create_user(name, password="x", role=role)  # fmt: skip
    acme = make_client("ACME", granted_to="casey")
    beta = make_client("BETA")
    beta.kind = "debt_buyer"
    beta.save()
    ClientPromiseTerms.objects.create(client=acme, promise_grace_days=3)
    AuthorityLimit.objects.create(role=Role.COLLECTOR, max_discount_ppm=200_000,
                                  max_forgiven_minor=50_000, max_adjustment_minor=5_000)  # fmt: skip
    return acme


def login(client, name: str) -> None:  # type: ignore[no-untyped-def]
    client.force_login(User.objects.get(username=name))


def said(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in get_messages(response.wsgi_request)]


def text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def state() -> dict[str, Any]:
    return {
        "rules": list(ClientPlanRules.objects.values_list("client__code", "min_payment_minor",
                                                           "max_term_months")),
        "fees": list(CardFeeTerms.objects.values_list("client__code", "convenience_fee_minor",
                                                      "agreement_clause")),
        "commission": list(CommissionTerms.objects.values_list("client__code", "remit_mode",
                                                               "default_rate_ppm")),
        "tiers": list(CommissionTier.objects.values_list("client__code", "from_months",
                                                         "from_balance_minor", "rate_ppm")),
        "limits": list(AuthorityLimit.objects.order_by("pk").values_list(
            "role", "client__code", "max_discount_ppm", "max_forgiven_minor",
            "max_adjustment_minor")),
        "audit": AuditEvent.objects.exclude(event__startswith="auth.").count(),
    }  # fmt: skip


class TestWhoMayLook:
    @pytest.mark.parametrize("name", ["sam", "cora", "abby", "ada"])
    def test_the_roles_that_oversee_the_book_see_every_client_with_its_kind(  # type: ignore[no-untyped-def]
        self, client, book, name
    ):
        login(client, name)
        html = client.get(reverse("clients")).content.decode()
        rows = re.findall(r'<tr class="client" data-client="(\w+)">(.*?)</tr>', html, re.S)
        assert [(code, text(row)) for code, row in rows] == [
            ("ACME", "ACME ACME Bank Agency (third-party collection) Active Terms"),
            ("BETA", "BETA BETA Bank Debt buyer Active Terms"),
        ]
        assert 'href="/clients/ACME/terms/"' in html
        assert 'href="/clients/">Clients</a>' in html  # the header link

    def test_a_collector_gets_403_for_a_granted_client_and_404_for_another(self, client, book):  # type: ignore[no-untyped-def]
        login(client, "casey")
        assert client.get(reverse("clients")).status_code == 403
        assert client.get(reverse("client-terms", args=["ACME"])).status_code == 403
        assert client.get(reverse("client-terms", args=["BETA"])).status_code == 404
        assert client.get(reverse("client-terms", args=["NOPE"])).status_code == 404
        assert "/clients/" not in client.get(reverse("account-list")).content.decode()

    def test_a_supervisor_sees_the_terms_without_the_forms_to_change_them(self, client, book):  # type: ignore[no-untyped-def]
        login(client, "sam")
        html = client.get(reverse("client-terms", args=["ACME"])).content.decode()
        assert "form-plan-rules" not in html and "form-commission" not in html
        assert text(re.search(r'<dl class="kv" id="plan-rules-now">(.*?)</dl>', html, re.S)[1]) == (
            "Smallest instalment $25.00 Longest plan 24 months Share of disposable income 100 %")  # fmt: skip
        assert "No rules set for ACME: these are the defaults." in html
        grace = re.search(r'<p id="grace-now">(.*?)</p>', html, re.S)
        assert grace is not None and text(grace[1]) == (
            "A payment up to 3 days after a promise's or an instalment's due day still keeps it.")  # fmt: skip
        assert 'href="/supervise/#grace"' in html
        applied = re.findall(r'<tr class="applied" data-role="(\w+)">(.*?)</tr>', html, re.S)
        assert [(role, text(row)) for role, row in applied] == [
            ("collector", "Collector General 20 % $500.00 $50.00"),
            ("supervisor", "Supervisor None: everything they agree waits for approval"),
            ("compliance", "Compliance officer None: everything they agree waits for approval"),
            ("accountant", "Accountant None: everything they agree waits for approval"),
        ]

    @pytest.mark.parametrize(("url", "data"), [
        ("client-plan-rules", {"rules-min_instalment": "30.00", "rules-max_term_months": "18"}),
        ("client-card-fee", {"card-fee": "2.50", "card-clause": "§4.2"}),
        ("client-commission", {"commission-remit_mode": "gross"}),
    ])  # fmt: skip
    @pytest.mark.parametrize("name", ["sam", "cora", "abby"])
    def test_only_an_administrator_may_change_them(self, client, book, url, data, name):  # type: ignore[no-untyped-def]
        login(client, name)
        before = state()
        assert client.post(reverse(url, args=["ACME"]), data).status_code == 403
        assert state() == before


class TestPlanRules:
    def test_an_administrator_sets_them_from_dollars_and_cents_text(self, client, book):  # type: ignore[no-untyped-def]
        login(client, "ada")
        response = client.post(reverse("client-plan-rules", args=["ACME"]), {
            "rules-min_instalment": "1,234.56", "rules-max_term_months": "18"})  # fmt: skip
        assert response.status_code == 302
        assert response["Location"] == "/clients/ACME/terms/#plan-rules"
        assert state()["rules"] == [("ACME", 123_456, 18)]
        assert said(response) == [
            "Plan rules of ACME set: smallest instalment $1,234.56 (was $25.00, the default), "
            "longest plan 18 months (was 24, the default)."
        ]
        again = client.post(reverse("client-plan-rules", args=["ACME"]), {
            "rules-min_instalment": "$30", "rules-max_term_months": "12"}, follow=True)  # fmt: skip
        assert state()["rules"] == [("ACME", 3_000, 12)]
        assert ("Plan rules of ACME set: smallest instalment $30.00 (was $1,234.56), longest "
                "plan 12 months (was 18).") in again.content.decode()  # fmt: skip
        assert AuditEvent.objects.filter(event="client.plan_rules_set").count() == 2

    @pytest.mark.parametrize(("data", "field", "error"), [
        ({"rules-min_instalment": "12.345", "rules-max_term_months": "18"}, "min_instalment",
         "&#x27;12.345&#x27; is not an amount like 1,234.50"),
        ({"rules-min_instalment": "0.00", "rules-max_term_months": "18"}, "min_instalment",
         "the amount must be at least 0.01 and at most 999,999,999.99"),
        ({"rules-min_instalment": "-5", "rules-max_term_months": "18"}, "min_instalment",
         "the amount is 0 or more"),
        ({"rules-min_instalment": "30.00", "rules-max_term_months": "121"}, "max_term_months",
         "Ensure this value is less than or equal to 120."),
        ({"rules-min_instalment": "", "rules-max_term_months": "18"}, "min_instalment",
         "This field is required."),
    ])  # fmt: skip
    def test_a_refusal_shows_the_form_with_the_fields_error_and_changes_nothing(  # type: ignore[no-untyped-def]
        self, client, book, data, field, error
    ):
        login(client, "ada")
        before = state()
        response = client.post(reverse("client-plan-rules", args=["ACME"]), data)
        assert response.status_code == 400
        assert response.context["rules_form"].errors == {field: [error.replace("&#x27;", "'")]}
        form = re.search(r'<form [^>]*id="form-plan-rules".*?</form>', response.content.decode(),
                         re.S)  # fmt: skip
        assert form is not None and error in form[0]
        if data["rules-min_instalment"]:
            assert f'value="{data["rules-min_instalment"]}"' in form[0]  # as it was sent
        assert state() == before


class TestCardFee:
    def test_a_fee_needs_its_clause_then_is_set_and_said(self, client, book):  # type: ignore[no-untyped-def]
        login(client, "ada")
        refused = client.post(reverse("client-card-fee", args=["ACME"]),
                              {"card-fee": "2.50", "card-clause": ""})  # fmt: skip
        assert refused.status_code == 400
        assert refused.context["card_form"].errors == {
            "clause": ["name the clause of the agreement that authorizes the fee"]}  # fmt: skip
        assert state()["fees"] == []
        done = client.post(reverse("client-card-fee", args=["ACME"]),
                           {"card-fee": "2.50", "card-clause": "§4.2 Fees"})  # fmt: skip
        assert (done.status_code, done["Location"]) == (302, "/clients/ACME/terms/#card-fee")
        assert state()["fees"] == [("ACME", 250, "§4.2 Fees")]
        assert said(done) == [
            "Card fee terms of ACME set: up to $2.50 a card payment under '§4.2 Fees' (was no fee)."
        ]
        page = client.get(reverse("client-terms", args=["ACME"])).content.decode()
        card = re.search(r'<dl class="kv" id="card-fee-now">(.*?)</dl>', page, re.S)
        assert card is not None
        assert text(card[1]).startswith(
            "Authorized fee Up to $2.50 a card payment Agreement clause §4.2 Fees Set "
        )
        assert text(card[1]).endswith(" by ada")


class TestCommission:
    def test_tiers_typed_as_percent_and_dollars_replace_the_clients(self, client, book):  # type: ignore[no-untyped-def]
        login(client, "ada")
        response = client.post(reverse("client-commission", args=["ACME"]), {
            "commission-remit_mode": "gross", "commission-default_rate": "",
            "commission-tier_0_months": "0", "commission-tier_0_balance": "",
            "commission-tier_0_rate": "20",
            "commission-tier_1_months": "6", "commission-tier_1_balance": "5,000.00",
            "commission-tier_1_rate": "30.5",
            "commission-tier_2_months": "", "commission-tier_2_balance": "",
            "commission-tier_2_rate": "",
        })  # fmt: skip
        assert (response.status_code, response["Location"]) == (
            302, "/clients/ACME/terms/#commission")  # fmt: skip
        assert state()["commission"] == [("ACME", "gross", None)]
        assert state()["tiers"] == [("ACME", 0, 0, 200_000), ("ACME", 6, 500_000, 305_000)]
        assert said(response) == [
            "Commission terms of ACME set: remitted gross, default 0% (the client's rate), tiers "
            "from month 0 20%, from month 6 and a balance of $5,000.00 30.5% (were: remitted "
            "net, default 0% (the client's rate), no tiers)."
        ]
        page = client.get(reverse("client-terms", args=["ACME"])).content.decode()
        tiers = re.findall(r'<tr class="tier">(.*?)</tr>', page, re.S)
        assert [text(t) for t in tiers] == ["0 0.00 20 %", "6 5,000.00 30.5 %"]
        # The form shows them again to change, and two empty rows for more.
        assert 'name="commission-tier_1_balance" value="5,000.00"' in page
        assert 'name="commission-tier_3_months"' in page

    def test_two_tiers_in_the_same_place_are_refused_and_nothing_changes(self, client, book):  # type: ignore[no-untyped-def]
        login(client, "ada")
        before = state()
        response = client.post(reverse("client-commission", args=["ACME"]), {
            "commission-remit_mode": "net",
            "commission-tier_0_months": "3", "commission-tier_0_rate": "20",
            "commission-tier_1_months": "3", "commission-tier_1_rate": "25",
        })  # fmt: skip
        assert response.status_code == 400
        assert response.context["commission_form"].non_field_errors() == [
            "two tiers start at 3 months and a balance of 0"]  # fmt: skip
        assert state() == before

    def test_a_tier_without_its_month_is_refused_on_that_field(self, client, book):  # type: ignore[no-untyped-def]
        login(client, "ada")
        before = state()
        response = client.post(reverse("client-commission", args=["ACME"]), {
            "commission-remit_mode": "net", "commission-tier_0_rate": "20",
            "commission-tier_1_months": "2", "commission-tier_1_rate": "101",
        })  # fmt: skip
        assert response.status_code == 400
        assert response.context["commission_form"].errors == {
            "tier_0_months": ["say from which month the tier applies"],
            "tier_1_rate": ["at most 100%"],
        }
        assert state() == before


class TestAuthority:
    @pytest.mark.parametrize(("name", "status"), [("sam", 200), ("abby", 200), ("ada", 200),
                                                  ("cora", 403), ("casey", 403)])  # fmt: skip
    def test_those_who_decide_approvals_see_the_limits(self, client, book, name, status):  # type: ignore[no-untyped-def]
        login(client, name)
        response = client.get(reverse("authority"))
        assert response.status_code == status
        if status == 200:
            html = response.content.decode()
            assert ('id="form-limit"' in html) is (name == "ada")
            rows = re.findall(r'<tr class="limit[^"]*" data-role="(\w+)" data-client="(\w*)">(.*?)</tr>',
                              html, re.S)  # fmt: skip
            assert [(r, c, text(row).split(" Change")[0]) for r, c, row in rows] == [
                ("collector", "", "Collector Every client without its own 20 % $500.00 $50.00"),
                ("supervisor", "", "Supervisor Every client No general limit: no authority of "
                                   "its own"),
                ("compliance", "", "Compliance officer Every client No general limit: no "
                                   "authority of its own"),
                ("accountant", "", "Accountant Every client No general limit: no authority of "
                                   "its own"),
            ]  # fmt: skip

    def test_an_administrator_sets_a_clients_limit_and_is_told_what_it_replaced(  # type: ignore[no-untyped-def]
        self, client, book
    ):
        login(client, "ada")
        response = client.post(reverse("authority-set"), {
            "limit-role": "collector", "limit-client": "ACME", "limit-max_discount": "40",
            "limit-max_forgiven": "1,500.00", "limit-max_adjustment": ""})  # fmt: skip
        assert response.status_code == 302
        assert response["Location"] == "/settings/authority/?role=collector&client=ACME#limits"
        assert state()["limits"] == [("collector", None, 200_000, 50_000, 5_000),
                                     ("collector", "ACME", 400_000, 150_000, None)]  # fmt: skip
        assert said(response) == [
            "Collectors' limit for ACME set: discount up to 40%, forgiven up to $1,500.00, "
            "adjustments of any amount (was no limit for ACME: the general limit applied, "
            "discount up to 20%, forgiven up to $500.00, adjustments up to $50.00)."
        ]
        page = client.get(response["Location"]).content.decode()
        assert 'name="limit-max_discount" value="40"' in page  # the row, ready to change
        changed = client.post(reverse("authority-set"), {
            "limit-role": "collector", "limit-client": "", "limit-max_discount": "12.5",
            "limit-max_forgiven": "", "limit-max_adjustment": "0"})  # fmt: skip
        assert said(changed) == [
            "Collectors' general limit set: discount up to 12.5%, no limit on the amount "
            "forgiven, adjustments up to $0.00 (was discount up to 20%, forgiven up to $500.00, "
            "adjustments up to $50.00)."
        ]
        assert state()["limits"][0] == ("collector", None, 125_000, None, 0)

    @pytest.mark.parametrize(("data", "field", "error"), [
        ({"limit-max_discount": "101"}, "max_discount", "at most 100%"),
        ({"limit-max_discount": "12.34567"}, "max_discount",
         "'12.34567' is not a percentage like 20 or 12.5"),
        ({"limit-max_forgiven": "1.005"}, "max_forgiven", "'1.005' is not an amount like 1,234.50"),
        ({"limit-role": "admin"}, "role",
         "Select a valid choice. admin is not one of the available choices."),
        ({"limit-client": "NOPE"}, "client",
         "Select a valid choice. NOPE is not one of the available choices."),
    ])  # fmt: skip
    def test_a_refusal_shows_the_form_with_the_fields_error_and_changes_nothing(  # type: ignore[no-untyped-def]
        self, client, book, data, field, error
    ):
        login(client, "ada")
        before = state()
        sent = {"limit-role": "collector", "limit-client": "ACME", "limit-max_discount": "30",
                "limit-max_forgiven": "", "limit-max_adjustment": ""} | data  # fmt: skip
        response = client.post(reverse("authority-set"), sent)
        assert response.status_code == 400
        assert response.context["form"].errors == {field: [error]}
        assert state() == before

    def test_removing_a_clients_limit_brings_the_general_one_back(self, client, book):  # type: ignore[no-untyped-def]
        AuthorityLimit.objects.create(role=Role.COLLECTOR, client=book, max_discount_ppm=300_000)
        login(client, "ada")
        response = client.post(reverse("authority-remove"), {"role": "collector",
                                                             "client": "ACME"})  # fmt: skip
        assert (response.status_code, response["Location"]) == (302, "/settings/authority/#limits")
        assert said(response) == [
            "Removed the collectors' limit for ACME (discount up to 30%, no limit on the amount "
            "forgiven, adjustments up to $0.00): the general limit applies to ACME again."
        ]
        assert state()["limits"] == [("collector", None, 200_000, 50_000, 5_000)]
        before = state()
        missing = client.post(reverse("authority-remove"), {"role": "collector",
                                                            "client": "ACME"})  # fmt: skip
        assert missing.status_code == 404
        assert "collector has no limit for client ACME" in missing.content.decode()
        assert state() == before

    @pytest.mark.parametrize("name", ["sam", "abby"])
    def test_those_who_may_look_may_not_change(self, client, book, name):  # type: ignore[no-untyped-def]
        login(client, name)
        before = state()
        set_ = client.post(reverse("authority-set"), {
            "limit-role": "supervisor" if name == "sam" else "accountant", "limit-client": "",
            "limit-max_discount": "100", "limit-max_forgiven": "", "limit-max_adjustment": ""})  # fmt: skip
        removed = client.post(reverse("authority-remove"), {"role": "collector", "client": ""})
        assert (set_.status_code, removed.status_code) == (403, 403)
        assert state() == before
