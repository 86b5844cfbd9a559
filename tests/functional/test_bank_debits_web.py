"""Bank debits on the web: the account screen's "Bank debits" card (authorizations as type and
last four, debits with their notice and plan), recording and revoking an authorization,
scheduling and cancelling a debit; compliance sees the card and changes nothing; refusals come
back with the reason and nothing changed."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, date

import pytest
from django.urls import reverse

from arrears.data.audit.models import AuditEvent
from arrears.data.parties.models import BankAccount
from arrears.data.payments.models import AchAuthorization, ScheduledPayment
from arrears.data.users.models import Role, User
from arrears.services.arrangements.plans import PlanTerms, plan_create
from arrears.services.common import Actor
from tests.factories import NOW, grant_clients, make_account, make_client
from tests.integration.test_ach_origination import authorize, schedule

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
FULL_NUMBER = "000123456789"


@pytest.fixture(autouse=True)
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Today is 23 November 2026."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW.astimezone(UTC))


@pytest.fixture
def acme():  # type: ignore[no-untyped-def]
    return make_client("ACME")


def sign_in(client, role: str, *clients) -> User:  # type: ignore[no-untyped-def]
    user = User.objects.create_user(role, password="a-long-real-passphrase", role=role)
    for c in clients:
        grant_clients(user, c)
    client.force_login(user)
    return user


def text(fragment: str) -> str:
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def card(html: str) -> str:
    found = re.search(r'<section [^>]*id="bank-debits-card">(.*?)</section>', html, re.S)
    assert found is not None
    return found.group(1)


def page(client, account_id: int) -> str:  # type: ignore[no-untyped-def]
    return client.get(reverse("account-page", args=[account_id])).content.decode()


def flashes(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]]


def state() -> tuple[object, ...]:
    """What any of the card's actions could change."""
    return (
        list(AchAuthorization.objects.order_by("pk").values_list("pk", "revoked_at")),
        list(ScheduledPayment.objects.order_by("pk").values_list("pk", "status", "amount_minor")),
        BankAccount.objects.count(),
        AuditEvent.objects.exclude(event__startswith="auth.").count(),
    )


def authorize_on_web(client, account_id: int, **fields: str):  # type: ignore[no-untyped-def]
    data = {"routing": "021000021", "account_number": FULL_NUMBER, "account_type": "checking",
            "sec": "WEB", "recurring": "on", "evidence": "web form, session 7f3a", **fields}  # fmt: skip
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(reverse("ach-authorize", args=[account_id]),
                       {f"ach-{k}": v for k, v in data.items()})  # fmt: skip


def schedule_on_web(client, account_id: int, authorization_id: int, amount: str, due: str):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("ach-schedule", args=[account_id]),
        {"debit-authorization": authorization_id, "debit-amount": amount, "debit-due_on": due},
    )


class TestACollectorArrangesDebits:
    def test_records_an_authorization_and_schedules_a_debit_on_a_granted_account(
        self, client, acme
    ):
        sign_in(client, Role.COLLECTOR, acme)
        account = make_account(acme, principal=100_000)

        recorded = authorize_on_web(client, account.pk)

        assert (recorded.status_code, recorded["Location"]) == (
            302, f"/accounts/{account.pk}/#bank-debits-card")  # fmt: skip
        auth = AchAuthorization.objects.get()
        assert (auth.account_id, auth.sec, auth.recurring, auth.evidence, auth.ends_on,
                auth.bank_account.account_type, auth.bank_account.account_last4,
                auth.bank_account.routing_number) == (
            account.pk, "WEB", True, "web form, session 7f3a", None, "checking", "6789",
            "021000021")  # fmt: skip
        assert FULL_NUMBER not in auth.bank_account.account_number_encrypted

        scheduled = schedule_on_web(client, account.pk, auth.pk, "125.40", "2026-12-01")

        assert scheduled.status_code == 302
        debit = ScheduledPayment.objects.get()
        assert (debit.authorization_id, debit.amount_minor, debit.due_on, debit.status) == (
            auth.pk, 12_540, date(2026, 12, 1), "scheduled")  # fmt: skip
        shown = client.get(scheduled["Location"])
        assert flashes(shown) == ["Authorization recorded: WEB, checking ending 6789.",
                                  "Debit of 125.40 scheduled for 2026-12-01."]  # fmt: skip
        html = shown.content.decode()
        assert FULL_NUMBER not in html
        rows = re.findall(r'<tr class="ach-[a-z]+" id="ach-[a-z]+-\d+">(.*?)</tr>',
                          card(html), re.S)  # fmt: skip
        assert [text(r) for r in rows] == [
            f"{auth.pk} WEB Checking ending 6789 recurring web form, session 7f3a Nov 23, 2026 "
            "until revoked Revoke",
            f"{debit.pk} Dec 1, 2026 125.40 Checking ending 6789 Scheduled needed, to go out "
            "2026-11-16 to 2026-11-26 — Cancel",
        ]

    def test_the_recorded_message_names_type_and_last_four_only(self, client, acme):
        sign_in(client, Role.COLLECTOR, acme)
        account = make_account(acme)
        shown = client.get(authorize_on_web(client, account.pk, sec="TEL", recurring=None,
                                            account_type="savings")["Location"])  # fmt: skip
        assert flashes(shown) == ["Authorization recorded: TEL, savings ending 6789."]
        assert AchAuthorization.objects.get().recurring is False

    def test_revoking_cancels_what_was_scheduled_under_it(self, client, acme):
        sign_in(client, Role.ACCOUNTANT)
        account = make_account(acme)
        auth = authorize(account)
        first, second = schedule(auth), schedule(auth, 6_000, date(2026, 12, 1))

        response = client.post(reverse("ach-revoke", args=[account.pk, auth.pk]),
                               {"reason": "consumer called"}, follow=True)  # fmt: skip

        assert flashes(response) == [f"Authorization {auth.pk} revoked; 2 scheduled debits "
                                     "cancelled."]  # fmt: skip
        auth.refresh_from_db()
        assert (auth.revoked_at, auth.revoked_reason) == (NOW, "consumer called")
        assert dict(ScheduledPayment.objects.values_list("pk", "status_reason")) == {
            first.pk: "authorization revoked", second.pk: "authorization revoked"}  # fmt: skip
        assert "revoked Nov 23, 2026 consumer called" in text(card(response.content.decode()))

    def test_revoking_one_revoked_before_does_nothing_and_says_so(self, client, acme):
        sign_in(client, Role.COLLECTOR, acme)
        account = make_account(acme)
        auth = authorize(account)
        client.post(reverse("ach-revoke", args=[account.pk, auth.pk]), {"reason": "first"})
        before = state()
        response = client.post(reverse("ach-revoke", args=[account.pk, auth.pk]),
                               {"reason": "second"}, follow=True)  # fmt: skip
        assert flashes(response)[-1] == (
            f"Authorization {auth.pk} was revoked before: nothing was done."
        )
        assert state() == before
        assert AchAuthorization.objects.get().revoked_reason == "first"

    def test_cancels_one_debit_and_the_card_shows_it_cancelled(self, client, acme):
        sign_in(client, Role.SUPERVISOR)
        account = make_account(acme)
        debit = schedule(authorize(account), 5_000, date(2026, 12, 1))

        response = client.post(reverse("ach-cancel", args=[account.pk, debit.pk]),
                               {"reason": "consumer asked"}, follow=True)  # fmt: skip

        assert flashes(response) == ["Debit of 50.00 due 2026-12-01 cancelled."]
        debit.refresh_from_db()
        assert (debit.status, debit.status_reason) == ("cancelled", "consumer asked")
        assert AuditEvent.objects.filter(event="payment.schedule_cancelled").count() == 1
        assert "Cancelled consumer asked" in text(card(response.content.decode()))


class TestRefusals:
    def test_a_routing_number_failing_its_check_digit_redraws_the_form_without_the_number(
        self, client, acme
    ):
        sign_in(client, Role.COLLECTOR, acme)
        account = make_account(acme)
        before = state()

        response = authorize_on_web(client, account.pk, routing="021000022")

        assert response.status_code == 400
        html = response.content.decode()
        assert "routing number 021000022 fails its check digit" in text(card(html))
        assert FULL_NUMBER not in html
        assert state() == before

    def test_an_authorization_without_evidence_is_refused(self, client, acme):
        sign_in(client, Role.COLLECTOR, acme)
        account = make_account(acme)
        before = state()
        response = authorize_on_web(client, account.pk, evidence="")
        assert response.status_code == 400
        assert response.context["ach_form"].errors == {"evidence": ["This field is required."]}
        assert state() == before

    @pytest.mark.parametrize(
        ("amount", "due", "field", "message"),
        [("1.005", "2026-12-01", "amount", "Ensure that there are no more than 2 decimal places."),
         ("0.00", "2026-12-01", "amount", "Ensure this value is greater than or equal to 0.01."),
         ("ten", "2026-12-01", "amount", "Enter a number."),
         ("10.00", "2026-11-20", "due_on", "a payment cannot be scheduled in the past")],
    )  # fmt: skip
    def test_a_bad_debit_comes_back_on_the_form_and_nothing_is_scheduled(
        self, client, acme, amount, due, field, message
    ):
        sign_in(client, Role.COLLECTOR, acme)
        account = make_account(acme)
        auth = authorize(account)
        before = state()

        response = schedule_on_web(client, account.pk, auth.pk, amount, due)

        assert response.status_code == 400
        assert response.context["debit_form"].errors == {field: [message]}
        assert state() == before

    def test_a_debit_under_a_revoked_authorization_cannot_be_chosen(self, client, acme):
        sign_in(client, Role.COLLECTOR, acme)
        account = make_account(acme)
        auth = authorize(account)
        AchAuthorization.objects.filter(pk=auth.pk).update(revoked_at=NOW)
        before = state()
        response = schedule_on_web(client, account.pk, auth.pk, "10.00", "2026-12-01")
        assert response.status_code == 400
        assert "Record an authorization in force to schedule a debit." in text(
            card(response.content.decode()))  # fmt: skip
        assert state() == before

    def test_revoking_needs_a_reason(self, client, acme):
        sign_in(client, Role.COLLECTOR, acme)
        account = make_account(acme)
        auth = authorize(account)
        before = state()
        response = client.post(reverse("ach-revoke", args=[account.pk, auth.pk]),
                               {"reason": " "}, follow=True)  # fmt: skip
        assert flashes(response) == ["Not revoked: give the reason (what the consumer said)."]
        assert state() == before

    def test_a_plans_debit_is_not_cancelled_alone(self, client, acme):
        sign_in(client, Role.COLLECTOR, acme)
        account = make_account(acme)
        plan = plan_create(account_id=account.pk, actor=ACTOR, now=NOW, terms=PlanTerms(
            frequency="monthly", first_due=date(2026, 12, 1), count=2,
            authorization_id=authorize(account).pk))  # fmt: skip
        debit = plan.instalments.get(seq=1).scheduled_id
        before = state()

        response = client.post(reverse("ach-cancel", args=[account.pk, debit]),
                               {"reason": "consumer asked"}, follow=True)  # fmt: skip

        assert flashes(response) == [
            f"Not cancelled: scheduled debit {debit} collects payment 1 of payment plan "
            f"{plan.pk}: cancel the payment plan, which cancels its debits with it."
        ]
        assert state() == before
        shown = text(card(response.content.decode()))
        assert f"plan {plan.pk} , payment 1 cancelled with its plan" in shown
        assert f'action="/accounts/{account.pk}/ach/debits/{debit}/cancel/"' not in (
            response.content.decode())  # fmt: skip

    def test_a_debit_of_another_account_is_not_cancelled_from_this_one(self, client, acme):
        sign_in(client, Role.COLLECTOR, acme)
        here, there = make_account(acme), make_account(acme)
        debit = schedule(authorize(there))
        before = state()
        response = client.post(reverse("ach-cancel", args=[here.pk, debit.pk]),
                               {"reason": "consumer asked"}, follow=True)  # fmt: skip
        assert flashes(response) == [f"Not cancelled: no scheduled debit {debit.pk} on this "
                                     "account."]  # fmt: skip
        assert state() == before

    def test_an_ungranted_account_is_404_and_nothing_changes(self, client, acme):
        sign_in(client, Role.COLLECTOR, acme)
        theirs = make_account(make_client("BETA"))
        auth = authorize(theirs)
        debit = schedule(auth)
        before = state()
        for response in (
            authorize_on_web(client, theirs.pk),
            schedule_on_web(client, theirs.pk, auth.pk, "10.00", "2026-12-01"),
            client.post(reverse("ach-revoke", args=[theirs.pk, auth.pk]), {"reason": "x"}),
            client.post(reverse("ach-cancel", args=[theirs.pk, debit.pk]), {"reason": "x"}),
        ):
            assert response.status_code == 404
        assert state() == before


class TestComplianceSeesAndChangesNothing:
    def test_sees_the_card_without_forms(self, client, acme):
        sign_in(client, Role.COMPLIANCE)
        account = make_account(acme)
        auth = authorize(account)
        schedule(auth, 5_000, date(2026, 12, 1))

        shown = card(page(client, account.pk))

        assert "WEB Checking ending 6789 recurring" in text(shown)
        assert "50.00" in text(shown)
        assert "<form" not in shown
        assert FULL_NUMBER not in shown

    def test_every_change_is_refused_403_and_nothing_changes(self, client, acme):
        sign_in(client, Role.COMPLIANCE)
        account = make_account(acme)
        auth = authorize(account)
        debit = schedule(auth)
        before = state()

        responses = [
            authorize_on_web(client, account.pk),
            schedule_on_web(client, account.pk, auth.pk, "10.00", "2026-12-01"),
            client.post(reverse("ach-revoke", args=[account.pk, auth.pk]), {"reason": "x"}),
            client.post(reverse("ach-cancel", args=[account.pk, debit.pk]), {"reason": "x"}),
        ]

        assert [r.status_code for r in responses] == [403, 403, 403, 403]
        assert responses[0].content.decode() == (
            "Bank debits are arranged by collectors, accountants, supervisors and administrators."
        )
        assert state() == before
