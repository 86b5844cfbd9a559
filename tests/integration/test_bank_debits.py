"""Bank debits as the screens and the API reach them: cancelling one scheduled debit, and the
lists of an account's authorizations and debits (type and last four only, the pre-debit notice,
the plan a debit pays)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from django.utils import timezone

from arrears.data.arrangements.models import ArrangementInstalment
from arrears.data.audit.models import AuditEvent
from arrears.data.contacts.models import MoneyLetter
from arrears.data.parties.models import ContactPoint
from arrears.data.payments.models import ScheduledPayment
from arrears.data.users.models import Role, User
from arrears.services.arrangements.plans import PlanTerms, arrangement_cancel, plan_create
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.letters.money import pre_debit_notices_send
from arrears.services.payments.origination import ach_revoke, scheduled_payment_cancel
from arrears.services.payments.queries import (
    DebitNotice,
    account_authorizations,
    account_scheduled_debits,
    bank_debits,
    may_manage_debits,
    require_authorization_visible,
    require_scheduled_visible,
    usable_authorizations,
)
from tests.factories import NOW, grant_clients, make_account, make_client
from tests.integration.test_ach_origination import authorize, schedule

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
TODAY = date(2026, 11, 23)  # NOW's day
FULL_NUMBER = "000123456789"  # what ``authorize`` records


def _cancelled_events() -> list[dict[str, object]]:
    return list(
        AuditEvent.objects.filter(event="payment.schedule_cancelled").values_list(
            "details", flat=True
        )
    )


class TestScheduledPaymentCancel:
    def test_cancels_a_scheduled_debit_with_its_reason_and_audits_it(self):
        account = make_account(make_client())
        debit = schedule(authorize(account), 5_000, date(2026, 12, 1))

        done = scheduled_payment_cancel(scheduled_id=debit.pk, reason="  consumer asked  ",
                                        actor=ACTOR, now=NOW)  # fmt: skip

        assert done.pk == debit.pk
        debit.refresh_from_db()
        assert (debit.status, debit.status_reason) == ("cancelled", "consumer asked")
        event = AuditEvent.objects.get(event="payment.schedule_cancelled")
        assert (event.account_id, event.actor_label, event.at) == (account.pk, "test", NOW)
        assert event.details == {"scheduled": debit.pk, "authorization": debit.authorization_id,
                                 "amount_minor": 5_000, "due_on": "2026-12-01",
                                 "reason": "consumer asked"}  # fmt: skip

    def test_leaves_the_authorization_and_other_debits_as_they_were(self):
        account = make_account(make_client())
        auth = authorize(account)
        first, second = schedule(auth, 5_000), schedule(auth, 6_000, date(2026, 12, 1))
        scheduled_payment_cancel(scheduled_id=first.pk, reason="mistake", actor=ACTOR, now=NOW)
        auth.refresh_from_db()
        assert auth.revoked_at is None
        assert dict(ScheduledPayment.objects.values_list("pk", "status")) == {
            first.pk: "cancelled", second.pk: "scheduled"}  # fmt: skip

    @pytest.mark.parametrize(
        ("status", "shown"),
        [("originated", "sent to the bank"), ("settled", "collected: posted as a payment"),
         ("held", "held: not collectable on its day"), ("cancelled", "cancelled"),
         ("returned", "returned by the bank")],
    )  # fmt: skip
    def test_refuses_a_debit_no_longer_scheduled_and_changes_nothing(self, status, shown):
        account = make_account(make_client())
        debit = schedule(authorize(account))
        ScheduledPayment.objects.filter(pk=debit.pk).update(status=status, status_reason="was")

        with pytest.raises(ServiceError) as refused:
            scheduled_payment_cancel(scheduled_id=debit.pk, reason="asked", actor=ACTOR, now=NOW)

        assert refused.value.field == "scheduled_id"
        assert refused.value.message == (
            f"scheduled debit {debit.pk} is {shown}: only a debit still scheduled can be cancelled"
        )
        assert list(ScheduledPayment.objects.values_list("status", "status_reason")) == [
            (status, "was")]  # fmt: skip
        assert _cancelled_events() == []

    def test_refuses_without_a_reason_and_changes_nothing(self):
        debit = schedule(authorize(make_account(make_client())))
        with pytest.raises(ServiceError) as refused:
            scheduled_payment_cancel(scheduled_id=debit.pk, reason="   ", actor=ACTOR, now=NOW)
        assert (refused.value.field, refused.value.message) == (
            "reason", "give the reason for cancelling")  # fmt: skip
        assert ScheduledPayment.objects.get().status == "scheduled"
        assert _cancelled_events() == []

    def test_a_missing_debit_is_not_found_by_its_field(self):
        with pytest.raises(NotFound) as refused:
            scheduled_payment_cancel(scheduled_id=987_654, reason="asked", actor=ACTOR, now=NOW)
        assert (refused.value.field, refused.value.message) == (
            "scheduled_id", "no scheduled debit 987654")  # fmt: skip

    def test_refuses_a_debit_paying_a_standing_plan_and_the_plan_cancel_takes_them_all(self):
        account = make_account(make_client())
        auth = authorize(account)
        plan = plan_create(account_id=account.pk, actor=ACTOR, now=NOW, terms=PlanTerms(
            frequency="monthly", first_due=date(2026, 12, 1), count=2,
            authorization_id=auth.pk))  # fmt: skip
        first, second = (i.scheduled_id for i in plan.instalments.order_by("seq"))
        assert first is not None and second is not None

        with pytest.raises(ServiceError) as refused:
            scheduled_payment_cancel(scheduled_id=second, reason="asked", actor=ACTOR, now=NOW)

        assert refused.value.field == "scheduled_id"
        assert refused.value.message == (
            f"scheduled debit {second} collects payment 2 of payment plan {plan.pk}: cancel the "
            "payment plan, which cancels its debits with it"
        )
        assert set(ScheduledPayment.objects.values_list("status", flat=True)) == {"scheduled"}
        assert _cancelled_events() == []
        arrangement_cancel(arrangement_id=plan.pk, reason="consumer asked", actor=ACTOR, now=NOW)
        assert list(ScheduledPayment.objects.order_by("pk").values_list("pk", "status",
                                                                         "status_reason")) == [
            (first, "cancelled", "arrangement cancelled"),
            (second, "cancelled", "arrangement cancelled"),
        ]  # fmt: skip

    def test_a_leftover_debit_of_an_instalment_already_kept_may_be_cancelled(self):
        account = make_account(make_client())
        plan = plan_create(account_id=account.pk, actor=ACTOR, now=NOW, terms=PlanTerms(
            frequency="monthly", first_due=date(2026, 12, 1), count=2,
            authorization_id=authorize(account).pk))  # fmt: skip
        kept = plan.instalments.get(seq=1)
        ArrangementInstalment.objects.filter(pk=kept.pk).update(status="kept")
        assert kept.scheduled_id is not None

        scheduled_payment_cancel(scheduled_id=kept.scheduled_id, reason="paid by card instead",
                                 actor=ACTOR, now=NOW)  # fmt: skip

        assert list(ScheduledPayment.objects.order_by("pk").values_list("status", flat=True)) == [
            "cancelled", "scheduled"]  # fmt: skip


class TestBankDebitLists:
    def test_authorizations_show_type_and_last_four_and_never_the_full_number(self):
        account = make_account(make_client())
        web = authorize(account)
        ppd = authorize(account, routing="011000015", number="55501234", kind="savings",
                        sec="PPD", recurring=False)  # fmt: skip
        ach_revoke(authorization_id=ppd.pk, reason="consumer called", actor=ACTOR, now=NOW)

        rows = account_authorizations(account.pk, on=TODAY)

        assert [(r.id, r.sec, r.bank_type, r.last4, r.recurring, r.state, r.revoked_reason)
                for r in rows] == [
            (ppd.pk, "PPD", "savings", "1234", False, "revoked", "consumer called"),
            (web.pk, "WEB", "checking", "6789", True, "in_force", ""),
        ]  # fmt: skip
        assert rows[1].evidence == "web form, session 7f3a, 2026-11-20 14:03 ET"
        assert (rows[1].obtained_at, rows[1].bank_text, rows[1].label) == (
            NOW, "checking ending 6789", "WEB · checking ending 6789 · recurring")  # fmt: skip
        shown = repr(rows) + repr(account_scheduled_debits(account.pk, on=TODAY))
        assert FULL_NUMBER not in shown and "55501234" not in shown
        assert not any(FULL_NUMBER in str(v) for r in rows for v in dataclasses.asdict(r).values())

    def test_an_authorization_past_its_end_is_ended(self):
        account = make_account(make_client())
        auth = authorize(account)
        type(auth).objects.filter(pk=auth.pk).update(ends_on=TODAY)
        assert [r.state for r in account_authorizations(account.pk, on=TODAY)] == ["ended"]
        assert [r.state for r in account_authorizations(
            account.pk, on=TODAY - timedelta(days=1))] == ["in_force"]  # fmt: skip

    def test_a_debit_says_whether_its_notice_is_needed_and_when_it_went(self):
        account = make_account(make_client())
        ContactPoint.objects.create(party=account.account_parties.get().party, kind="address",
                                    address1="1 Main St", city="Buffalo", state="NY",
                                    zip="14201", valid_from=date(2026, 1, 1), value_index="a1")  # fmt: skip
        auth = authorize(account)
        soon = schedule(auth, 4_000, date(2026, 11, 27))  # four days ahead: no notice
        noticed = schedule(auth, 5_000, date(2026, 11, 30))
        later = schedule(auth, 6_000, date(2026, 12, 10))
        pre_debit_notices_send(as_of=date(2026, 11, 24), actor=ACTOR, now=NOW)

        rows = {d.id: d for d in account_scheduled_debits(account.pk, on=TODAY)}

        assert [d.id for d in account_scheduled_debits(account.pk, on=TODAY)] == [
            later.pk, noticed.pk, soon.pk]  # fmt: skip
        assert rows[soon.pk].notice == DebitNotice(needed=False)
        assert rows[soon.pk].notice.text == "not needed"
        assert rows[noticed.pk].notice == DebitNotice(
            needed=True, status="sent", sent_on=date(2026, 11, 24),
            window=(date(2026, 11, 13), date(2026, 11, 24)),
        )  # fmt: skip
        assert rows[noticed.pk].notice.text == "sent 2026-11-24"
        assert rows[later.pk].notice == DebitNotice(
            needed=True, window=(date(2026, 11, 25), date(2026, 12, 7)))  # fmt: skip
        assert rows[later.pk].notice.text == "needed, to go out 2026-11-25 to 2026-12-07"
        d = rows[noticed.pk]
        assert (d.amount_minor, d.currency, d.due_on, d.status, d.status_text, d.bank_type,
                d.last4, d.attempt, d.arrangement_id, d.cancellable) == (
            5_000, "USD", date(2026, 11, 30), "scheduled", "Scheduled", "checking", "6789", 1,
            None, True)  # fmt: skip
        assert MoneyLetter.objects.get().scheduled_id == noticed.pk

    def test_a_plans_debits_name_the_plan_and_are_cancelled_with_it(self):
        account = make_account(make_client())
        auth = authorize(account)
        plan = plan_create(account_id=account.pk, actor=ACTOR, now=NOW, terms=PlanTerms(
            frequency="monthly", first_due=date(2026, 12, 1), count=2,
            authorization_id=auth.pk))  # fmt: skip
        alone = schedule(auth, 1_000, date(2026, 11, 25))

        rows = account_scheduled_debits(account.pk, on=TODAY)

        assert [(d.due_on, d.arrangement_id, d.arrangement_kind, d.instalment_seq,
                 d.in_standing_arrangement, d.cancellable) for d in rows] == [
            (date(2027, 1, 1), plan.pk, "plan", 2, True, False),
            (date(2026, 12, 1), plan.pk, "plan", 1, True, False),
            (alone.due_on, None, "", None, False, True),
        ]  # fmt: skip
        assert sum(d.amount_minor for d in rows[:2]) == account.balance_minor

    def test_the_lists_cost_one_statement(self, django_assert_num_queries):
        account = make_account(make_client())
        auth = authorize(account)
        plan_create(account_id=account.pk, actor=ACTOR, now=NOW, terms=PlanTerms(
            frequency="monthly", first_due=date(2026, 12, 1), count=6,
            authorization_id=auth.pk))  # fmt: skip
        bank_debits(account.pk, on=TODAY)  # compiled once per process
        with django_assert_num_queries(1):
            found = bank_debits(account.pk, on=TODAY)
        assert (len(found.authorizations), len(found.debits)) == (1, 6)

    def test_usable_authorizations_are_recurring_unrevoked_and_not_ended(self):
        account = make_account(make_client())
        usable = authorize(account)
        authorize(account, number="11112222", recurring=False)  # single
        revoked = authorize(account, number="33334444")
        ach_revoke(authorization_id=revoked.pk, reason="asked", actor=ACTOR, now=NOW)
        ending = authorize(account, routing="011000015", number="55556666", kind="savings",
                           sec="TEL")  # fmt: skip
        type(ending).objects.filter(pk=ending.pk).update(ends_on=date(2026, 12, 1))
        authorize(make_account(make_client("BETA")))  # another account's

        assert [(u.id, u.sec, u.bank_type, u.last4, u.label)
                for u in usable_authorizations(account.pk, on=TODAY)] == [
            (ending.pk, "TEL", "savings", "6666", "TEL · savings ending 6666"),
            (usable.pk, "WEB", "checking", "6789", "WEB · checking ending 6789"),
        ]  # fmt: skip
        assert [u.id for u in usable_authorizations(account.pk, on=date(2026, 12, 1))] == [
            usable.pk]  # fmt: skip


class TestWhoReachesThem:
    def test_an_ungranted_collector_meets_not_found_and_a_granted_one_passes(self):
        mine = make_account(make_client("ACME"))
        theirs = make_account(make_client("BETA"))
        casey = User.objects.create_user("casey", password="x", role=Role.COLLECTOR)
        grant_clients(casey, mine.client)
        my_auth, their_auth = authorize(mine), authorize(theirs)
        my_debit, their_debit = schedule(my_auth), schedule(their_auth)
        require_authorization_visible(casey, my_auth.pk)
        require_scheduled_visible(casey, my_debit.pk)
        with pytest.raises(NotFound) as auth_refused:
            require_authorization_visible(casey, their_auth.pk)
        with pytest.raises(NotFound) as debit_refused:
            require_scheduled_visible(casey, their_debit.pk)
        assert (auth_refused.value.field, debit_refused.value.field) == (
            "authorization_id", "scheduled_id")  # fmt: skip

    @pytest.mark.parametrize(
        ("role", "may"),
        [(Role.COLLECTOR, True), (Role.ACCOUNTANT, True), (Role.SUPERVISOR, True),
         (Role.ADMIN, True), (Role.COMPLIANCE, False)],
    )  # fmt: skip
    def test_those_who_take_ach_payments_manage_debits_and_compliance_does_not(self, role, may):
        assert may_manage_debits(User.objects.create_user("u", password="x", role=role)) is may


def test_local_day_of_now_is_the_tests_today():
    assert timezone.localdate(NOW) == TODAY
