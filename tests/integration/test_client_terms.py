"""Setting a client's terms and the authority limits: administrators only, audited with what was
there before, refusals that name the field and change nothing, and the new values being what
plans, settlements and corrections are then judged by."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from arrears.core.ledger import Balances
from arrears.core.trust import RemitMode, Tier
from arrears.data.arrangements.models import ApprovalRequest, AuthorityLimit, ClientPlanRules
from arrears.data.audit.models import AuditEvent
from arrears.data.payments.models import CardFeeTerms
from arrears.data.trust.models import CommissionTerms, CommissionTier
from arrears.data.users.models import Role, User
from arrears.services.arrangements.approvals import correction_request
from arrears.services.arrangements.authority import authority_of
from arrears.services.arrangements.plans import ArrangementRefused, PlanTerms, plan_create
from arrears.services.arrangements.settlements import (
    SettlementTerms,
    settlement_offer,
    settlement_preview,
)
from arrears.services.arrangements.terms import (
    LimitView,
    NotATermsSetter,
    PlanRulesView,
    authority_limit_remove,
    authority_limit_set,
    authority_limits,
    plan_rules_of,
    plan_rules_set,
)
from arrears.services.clients.terms import (
    CardFeeView,
    card_fee_set,
    client_terms_of,
    commission_set,
)
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.trust.operations import client_terms
from tests.factories import NOW, make_account, make_client

pytestmark = pytest.mark.django_db


def person(name: str, role: str) -> Actor:
    user = User.objects.create_user(name, password="x", role=role)
    return Actor(label=name, user_id=user.pk)


@pytest.fixture
def ada() -> Actor:
    return person("ada", Role.ADMIN)


@pytest.fixture
def casey() -> Actor:
    return person("casey", Role.COLLECTOR)


@pytest.fixture
def acme():  # type: ignore[no-untyped-def]
    return make_client("ACME")


def audit(event: str) -> list[dict[str, Any]]:
    return list(AuditEvent.objects.filter(event=event).order_by("pk").values_list("details",
                                                                                  flat=True))  # fmt: skip


def limit_rows() -> list[tuple[Any, ...]]:
    return list(AuthorityLimit.objects.order_by("pk").values_list(
        "role", "client__code", "max_discount_ppm", "max_forgiven_minor", "max_adjustment_minor"))  # fmt: skip


class TestPlanRulesSet:
    def test_an_administrator_sets_them_and_the_audit_keeps_before_and_after(self, acme, ada):  # type: ignore[no-untyped-def]
        before, after = plan_rules_set(client_code="ACME", min_instalment_minor=3_000,
                                       max_term_months=18, actor=ada, now=NOW)  # fmt: skip
        assert before == PlanRulesView("ACME", 2_500, 24, 1_000_000, own=False)
        assert after == PlanRulesView("ACME", 3_000, 18, 1_000_000, own=True)
        again = plan_rules_set(client_code="acme", min_instalment_minor=4_000, max_term_months=12,
                               actor=ada, now=NOW)  # fmt: skip
        assert again == (after, PlanRulesView("ACME", 4_000, 12, 1_000_000, own=True))
        assert list(
            ClientPlanRules.objects.values_list("min_payment_minor", "max_term_months")
        ) == [(4_000, 12)]
        assert audit("client.plan_rules_set") == [
            {"client": "ACME", "before": None,
             "after": {"min_instalment_minor": 3_000, "max_term_months": 18}},
            {"client": "ACME", "before": {"min_instalment_minor": 3_000, "max_term_months": 18},
             "after": {"min_instalment_minor": 4_000, "max_term_months": 12}},
        ]  # fmt: skip
        assert AuditEvent.objects.get(event="client.plan_rules_set", details__before=None).actor_id

    def test_setting_the_rules_already_there_records_nothing(self, acme, ada):  # type: ignore[no-untyped-def]
        plan_rules_set(client_code="ACME", min_instalment_minor=3_000, max_term_months=18,
                       actor=ada, now=NOW)  # fmt: skip
        before, after = plan_rules_set(client_code="ACME", min_instalment_minor=3_000,
                                       max_term_months=18, actor=ada, now=NOW)  # fmt: skip
        assert before == after
        assert len(audit("client.plan_rules_set")) == 1

    def test_plans_are_then_judged_by_the_new_rules(self, acme, ada, casey):  # type: ignore[no-untyped-def]
        account = make_account(acme, principal=120_000)
        terms = PlanTerms(frequency="monthly", first_due=date(2026, 12, 1), instalment_minor=4_000)
        plan_rules_set(client_code="ACME", min_instalment_minor=5_000, max_term_months=36,
                       actor=ada, now=NOW)  # fmt: skip
        with pytest.raises(ArrangementRefused, match=r"\$40.00 a payment is below the client's "
                           r"minimum of \$50.00"):  # fmt: skip
            plan_create(account_id=account.pk, terms=terms, actor=casey, now=NOW)
        plan_rules_set(client_code="ACME", min_instalment_minor=4_000, max_term_months=36,
                       actor=ada, now=NOW)  # fmt: skip
        plan = plan_create(account_id=account.pk, terms=terms, actor=casey, now=NOW)
        assert (plan.status, plan.instalments.count(), plan.total_minor) == ("active", 30, 120_000)

    @pytest.mark.parametrize(("minimum", "months", "field", "message"), [
        (0, 12, "min_instalment_minor", "at least 0.01"),
        (-100, 12, "min_instalment_minor", "at least 0.01"),
        (100_000_000_000, 12, "min_instalment_minor", "at most 999,999,999.99"),
        (2_500, 0, "max_term_months", "1 to 120 months"),
        (2_500, 121, "max_term_months", "1 to 120 months"),
    ])  # fmt: skip
    def test_a_value_out_of_range_is_refused_naming_its_field_and_nothing_changes(  # type: ignore[no-untyped-def]
        self, acme, ada, minimum, months, field, message
    ):
        ClientPlanRules.objects.create(client=acme, min_payment_minor=3_000, max_term_months=18)
        with pytest.raises(ServiceError, match=message) as refused:
            plan_rules_set(client_code="ACME", min_instalment_minor=minimum,
                           max_term_months=months, actor=ada, now=NOW)  # fmt: skip
        assert refused.value.field == field
        assert plan_rules_of("ACME") == PlanRulesView("ACME", 3_000, 18, 1_000_000, own=True)
        assert not AuditEvent.objects.exists()

    def test_an_unknown_client_is_not_found(self, acme, ada):  # type: ignore[no-untyped-def]
        with pytest.raises(NotFound) as refused:
            plan_rules_set(client_code="NOPE", min_instalment_minor=3_000, max_term_months=18,
                           actor=ada, now=NOW)  # fmt: skip
        assert refused.value.field == "client"

    @pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.COLLECTOR, Role.ACCOUNTANT,
                                      Role.COMPLIANCE])  # fmt: skip
    def test_only_an_administrator_or_a_command_sets_them(self, acme, role):  # type: ignore[no-untyped-def]
        with pytest.raises(NotATermsSetter, match="only administrators"):
            plan_rules_set(client_code="ACME", min_instalment_minor=3_000, max_term_months=18,
                           actor=person("someone", role), now=NOW)  # fmt: skip
        assert not ClientPlanRules.objects.exists()
        assert not AuditEvent.objects.exists()
        plan_rules_set(client_code="ACME", min_instalment_minor=3_000, max_term_months=18,
                       actor=Actor.system("setup"), now=NOW)  # fmt: skip
        assert ClientPlanRules.objects.get().min_payment_minor == 3_000


class TestAuthorityLimits:
    @pytest.fixture
    def limits(self, acme):  # type: ignore[no-untyped-def]
        """Collectors: 20% off, at most $500.00 forgiven, adjustments up to $100.00."""
        AuthorityLimit.objects.create(role=Role.COLLECTOR, max_discount_ppm=200_000,
                                      max_forgiven_minor=50_000, max_adjustment_minor=10_000)  # fmt: skip
        person("sam", Role.SUPERVISOR)
        return acme

    def test_a_settlement_that_waited_is_within_authority_once_the_admin_raises_the_limit(  # type: ignore[no-untyped-def]
        self, limits, ada, casey
    ):
        beta = make_client("BETA")
        offer = SettlementTerms(first_due=date(2026, 12, 15), amount_minor=180_000)
        waiting = make_account(limits, principal=300_000)
        deal = settlement_offer(account_id=waiting.pk, terms=offer, actor=casey, now=NOW)
        assert deal.status == "pending"
        assert ApprovalRequest.objects.get().reasons == [
            "The discount of 40% ($1,200.00 of $3,000.00) is over the limit of 20% (at most "
            "$600.00 forgiven).",
            "The amount forgiven, $1,200.00, is over the limit of $500.00.",
        ]

        before, after = authority_limit_set(
            role="collector", client_code="ACME", max_discount_ppm=400_000,
            max_forgiven_minor=150_000, max_adjustment_minor=10_000, actor=ada, now=NOW,
        )  # fmt: skip

        assert before is None
        assert after == LimitView("collector", "ACME", 400_000, 150_000, 10_000)
        _, decision = settlement_preview(account_id=waiting.pk, terms=offer, actor=casey, now=NOW)
        assert (decision.within, decision.reasons) == (True, ())
        again = make_account(limits, principal=300_000)
        agreed = settlement_offer(account_id=again.pk, terms=offer, actor=casey, now=NOW)
        assert (agreed.status, agreed.total_minor, agreed.forgiven_minor) == (
            "active", 180_000, 120_000)  # fmt: skip
        # BETA has no limit of its own: the general one still applies there.
        elsewhere = make_account(beta, principal=300_000)
        assert settlement_offer(account_id=elsewhere.pk, terms=offer, actor=casey,
                                now=NOW).status == "pending"  # fmt: skip
        assert audit("authority_limit.set") == [{
            "role": "collector", "client": "ACME", "before": None,
            "after": {"max_discount_ppm": 400_000, "max_forgiven_minor": 150_000,
                      "max_adjustment_minor": 10_000},
        }]  # fmt: skip

    def test_a_clients_limit_replaces_the_general_one_entirely(self, limits, ada, casey):  # type: ignore[no-untyped-def]
        beta = make_client("BETA")
        # ACME's own row allows a deeper discount but no adjustment at all: it is the whole rule.
        authority_limit_set(role="collector", client_code="ACME", max_discount_ppm=300_000,
                            max_forgiven_minor=None, max_adjustment_minor=0, actor=ada, now=NOW)  # fmt: skip
        user = User.objects.get(username="casey")
        assert authority_of(user, limits.pk).as_dict() == {
            "role": "collector", "max_discount_ppm": 300_000, "max_forgiven_minor": None,
            "max_adjustment_minor": 0}  # fmt: skip
        assert authority_of(user, beta.pk).as_dict() == {
            "role": "collector", "max_discount_ppm": 200_000, "max_forgiven_minor": 50_000,
            "max_adjustment_minor": 10_000}  # fmt: skip
        fee = Balances(0, 0, -1_000, 0)
        on_acme = make_account(limits, principal=50_000, fees=1_000)
        on_beta = make_account(beta, principal=50_000, fees=1_000)
        waits = correction_request(account_id=on_acme.pk, kind="adjustment", on=date(2026, 11, 23),
                                   reason="fee waived", actor=casey, now=NOW, amounts=fee)  # fmt: skip
        posts = correction_request(account_id=on_beta.pk, kind="adjustment", on=date(2026, 11, 23),
                                   reason="fee waived", actor=casey, now=NOW, amounts=fee)  # fmt: skip
        assert (waits.request is not None, waits.posted is None) == (True, True)
        assert (posts.request is None, posts.posted is not None) == (True, True)

    def test_changing_a_limit_keeps_what_it_replaced_in_the_audit(self, limits, ada):  # type: ignore[no-untyped-def]
        before, after = authority_limit_set(
            role="collector", client_code=None, max_discount_ppm=250_000, max_forgiven_minor=None,
            max_adjustment_minor=None, actor=ada, now=NOW,
        )  # fmt: skip
        assert before == LimitView("collector", None, 200_000, 50_000, 10_000)
        assert after == LimitView("collector", None, 250_000, None, None)
        assert limit_rows() == [("collector", None, 250_000, None, None)]
        assert audit("authority_limit.set") == [{
            "role": "collector", "client": None,
            "before": {"max_discount_ppm": 200_000, "max_forgiven_minor": 50_000,
                       "max_adjustment_minor": 10_000},
            "after": {"max_discount_ppm": 250_000, "max_forgiven_minor": None,
                      "max_adjustment_minor": None},
        }]  # fmt: skip
        # Empty amounts are no amount limit; a role without a row has no authority.
        user = User.objects.get(username="sam")
        assert authority_of(user, limits.pk).max_adjustment_minor == 0  # supervisors: no row
        casey = User.objects.create_user("casey", password="x", role=Role.COLLECTOR)
        assert authority_of(casey, limits.pk).max_adjustment_minor is None

    def test_the_same_limit_again_records_nothing(self, limits, ada):  # type: ignore[no-untyped-def]
        before, after = authority_limit_set(
            role="collector", client_code=None, max_discount_ppm=200_000,
            max_forgiven_minor=50_000, max_adjustment_minor=10_000, actor=ada, now=NOW,
        )  # fmt: skip
        assert before == after == LimitView("collector", None, 200_000, 50_000, 10_000)
        assert not AuditEvent.objects.exists()

    def test_removing_limits_brings_back_the_general_one_then_no_authority(self, limits, ada):  # type: ignore[no-untyped-def]
        authority_limit_set(role="collector", client_code="ACME", max_discount_ppm=400_000,
                            max_forgiven_minor=None, max_adjustment_minor=None, actor=ada, now=NOW)  # fmt: skip
        casey = User.objects.create_user("casey", password="x", role=Role.COLLECTOR)
        removed = authority_limit_remove(role="collector", client_code="ACME", actor=ada, now=NOW)
        assert removed == LimitView("collector", "ACME", 400_000, None, None)
        assert authority_of(casey, limits.pk).as_dict()["max_discount_ppm"] == 200_000
        authority_limit_remove(role="collector", client_code=None, actor=ada, now=NOW)
        assert authority_of(casey, limits.pk).as_dict() == {
            "role": "collector", "max_discount_ppm": 0, "max_forgiven_minor": 0,
            "max_adjustment_minor": 0}  # fmt: skip
        assert not AuthorityLimit.objects.exists()
        assert [d["client"] for d in audit("authority_limit.removed")] == ["ACME", None]
        assert audit("authority_limit.removed")[1]["before"] == {
            "max_discount_ppm": 200_000, "max_forgiven_minor": 50_000,
            "max_adjustment_minor": 10_000}  # fmt: skip

    def test_removing_a_limit_that_is_not_there_is_not_found(self, limits, ada):  # type: ignore[no-untyped-def]
        with pytest.raises(NotFound, match="supervisor has no general limit") as refused:
            authority_limit_remove(role="supervisor", client_code=None, actor=ada, now=NOW)
        assert refused.value.field == "role"
        with pytest.raises(NotFound, match="collector has no limit for client ACME") as refused:
            authority_limit_remove(role="collector", client_code="ACME", actor=ada, now=NOW)
        assert refused.value.field == "client"
        assert len(limit_rows()) == 1

    @pytest.mark.parametrize(("change", "field", "message"), [
        ({"role": "admin"}, "role", "an administrator's authority has no limit"),
        ({"role": "boss"}, "role", "role must be one of collector, supervisor, compliance, "
                                   "accountant"),
        ({"max_discount_ppm": 1_000_001}, "max_discount_ppm", "0 to 1,000,000 ppm"),
        ({"max_discount_ppm": -1}, "max_discount_ppm", "0 to 1,000,000 ppm"),
        ({"max_forgiven_minor": -1}, "max_forgiven_minor", "0 or more"),
        ({"max_adjustment_minor": -500}, "max_adjustment_minor", "0 or more"),
        ({"client_code": "NOPE"}, "client", "no client 'NOPE'"),
    ])  # fmt: skip
    def test_bad_input_is_refused_naming_its_field_and_nothing_changes(  # type: ignore[no-untyped-def]
        self, limits, ada, change, field, message
    ):
        asked = {"role": "collector", "client_code": "ACME", "max_discount_ppm": 300_000,
                 "max_forgiven_minor": 10_000, "max_adjustment_minor": 10_000} | change  # fmt: skip
        before = limit_rows()
        with pytest.raises(ServiceError, match=message) as refused:
            authority_limit_set(**asked, actor=ada, now=NOW)
        assert refused.value.field == field
        assert limit_rows() == before
        assert not AuditEvent.objects.exists()

    def test_a_supervisor_may_not_widen_authority(self, limits):  # type: ignore[no-untyped-def]
        sam = Actor(label="sam", user_id=User.objects.get(username="sam").pk)
        with pytest.raises(NotATermsSetter):
            authority_limit_set(role="supervisor", client_code=None, max_discount_ppm=1_000_000,
                                max_forgiven_minor=None, max_adjustment_minor=None, actor=sam,
                                now=NOW)  # fmt: skip
        with pytest.raises(NotATermsSetter):
            authority_limit_remove(role="collector", client_code=None, actor=sam, now=NOW)
        assert limit_rows() == [("collector", None, 200_000, 50_000, 10_000)]
        assert not AuditEvent.objects.exists()

    def test_the_list_is_by_role_general_row_first(self, limits, ada):  # type: ignore[no-untyped-def]
        make_client("BETA")
        for role, code in (("accountant", None), ("collector", "BETA"), ("collector", "ACME")):
            authority_limit_set(role=role, client_code=code, max_discount_ppm=0,
                                max_forgiven_minor=0, max_adjustment_minor=100, actor=ada, now=NOW)  # fmt: skip
        assert [(v.role, v.client) for v in authority_limits()] == [
            ("collector", None), ("collector", "ACME"), ("collector", "BETA"), ("accountant", None),
        ]  # fmt: skip


class TestCardFeeAndCommission:
    def test_a_card_fee_is_set_with_its_clause_and_the_change_is_said(self, acme, ada):  # type: ignore[no-untyped-def]
        before, after = card_fee_set(client_code="ACME", convenience_fee_minor=250,
                                     agreement_clause=" §4.2 ", actor=ada, now=NOW)  # fmt: skip
        assert before == CardFeeView(fee_minor=0, clause="", own=False)
        assert (after.fee_minor, after.clause, after.own, after.set_by) == (
            250,
            "§4.2",
            True,
            "ada",
        )
        assert list(
            CardFeeTerms.objects.values_list("convenience_fee_minor", "agreement_clause")
        ) == [(250, "§4.2")]
        same = card_fee_set(client_code="ACME", convenience_fee_minor=250, agreement_clause="§4.2",
                            actor=ada, now=NOW)  # fmt: skip
        assert same == (after, after)
        assert AuditEvent.objects.filter(event="client.card_fee_terms").count() == 1

    @pytest.mark.parametrize(("fee", "clause", "field"), [
        (250, "", "agreement_clause"),
        (-1, "§4.2", "convenience_fee"),
        (10_000_000, "§4.2", "convenience_fee"),
        (250, "x" * 201, "agreement_clause"),
    ])  # fmt: skip
    def test_a_bad_card_fee_is_refused_and_nothing_changes(self, acme, ada, fee, clause, field):  # type: ignore[no-untyped-def]
        with pytest.raises(ServiceError) as refused:
            card_fee_set(client_code="ACME", convenience_fee_minor=fee, agreement_clause=clause,
                         actor=ada, now=NOW)  # fmt: skip
        assert refused.value.field == field
        assert not CardFeeTerms.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_commission_terms_replace_the_tiers(self, acme, ada):  # type: ignore[no-untyped-def]
        acme.commission_rate_ppm = 250_000
        acme.save()
        before, after = commission_set(
            client_code="ACME", remit_mode="gross", default_rate_ppm=None,
            tiers=[(6, 0, 300_000), (0, 0, 200_000), (6, 500_000, 350_000)], actor=ada, now=NOW,
        )  # fmt: skip
        assert (before.remit_mode, before.default_rate_ppm, before.tiers, before.own) == (
            "net", 250_000, (), False)  # fmt: skip
        assert (after.remit_mode, after.default_rate_ppm, after.own_default, after.own) == (
            "gross", 250_000, False, True)  # fmt: skip
        assert after.tiers == (Tier(0, 200_000), Tier(6, 300_000), Tier(6, 350_000, 500_000))
        assert client_terms([acme.pk])[acme.pk].remit_mode is RemitMode.GROSS
        _, own = commission_set(client_code="ACME", remit_mode="net", default_rate_ppm=220_000,
                                tiers=[], actor=ada, now=NOW)  # fmt: skip
        assert (own.remit_mode, own.default_rate_ppm, own.own_default, own.tiers) == (
            "net", 220_000, True, ())  # fmt: skip
        assert not CommissionTier.objects.exists()
        assert client_terms_of("ACME").commission == own

    @pytest.mark.parametrize(("mode", "rate", "tiers", "field"), [
        ("weekly", None, [], "remit_mode"),
        ("net", 1_000_001, [], "default_rate_ppm"),
        ("net", None, [(0, 0, 100_000), (0, 0, 200_000)], "tiers"),
        ("net", None, [(0, 0, 1_000_001)], "tiers"),
        ("net", None, [(-1, 0, 100_000)], "tiers"),
    ])  # fmt: skip
    def test_bad_commission_terms_are_refused_and_nothing_changes(  # type: ignore[no-untyped-def]
        self, acme, ada, mode, rate, tiers, field
    ):
        commission_set(client_code="ACME", remit_mode="net", default_rate_ppm=None,
                       tiers=[(0, 0, 200_000)], actor=ada, now=NOW)  # fmt: skip
        events = AuditEvent.objects.count()
        with pytest.raises(ServiceError) as refused:
            commission_set(client_code="ACME", remit_mode=mode, default_rate_ppm=rate,
                           tiers=tiers, actor=ada, now=NOW)  # fmt: skip
        assert refused.value.field == field
        assert list(CommissionTier.objects.values_list("from_months", "rate_ppm")) == [
            (0, 200_000)]  # fmt: skip
        assert CommissionTerms.objects.get().remit_mode == "net"
        assert AuditEvent.objects.count() == events

    def test_only_an_administrator_sets_them(self, acme):  # type: ignore[no-untyped-def]
        sam = person("sam", Role.SUPERVISOR)
        with pytest.raises(NotATermsSetter):
            card_fee_set(client_code="ACME", convenience_fee_minor=250, agreement_clause="§4",
                         actor=sam, now=NOW)  # fmt: skip
        with pytest.raises(NotATermsSetter):
            commission_set(client_code="ACME", remit_mode="gross", default_rate_ppm=None,
                           tiers=[], actor=sam, now=NOW)  # fmt: skip
        assert not CardFeeTerms.objects.exists() and not CommissionTerms.objects.exists()

    def test_the_terms_page_reads_every_term_as_it_applies(self, acme, ada):  # type: ignore[no-untyped-def]
        AuthorityLimit.objects.create(role=Role.COLLECTOR, max_discount_ppm=200_000)
        AuthorityLimit.objects.create(role=Role.COLLECTOR, client=acme, max_discount_ppm=300_000)
        AuthorityLimit.objects.create(role=Role.SUPERVISOR, max_discount_ppm=500_000)
        terms = client_terms_of("ACME")
        assert terms.plan_rules == PlanRulesView("ACME", 2_500, 24, 1_000_000, own=False)
        assert terms.card_fee == CardFeeView(fee_minor=0, clause="", own=False)
        assert terms.grace_days == 0
        assert [(a.role, a.source, a.row.max_discount_ppm if a.row else None)
                for a in terms.limits] == [
            ("collector", "client", 300_000), ("supervisor", "general", 500_000),
            ("compliance", "none", None), ("accountant", "none", None),
        ]  # fmt: skip
