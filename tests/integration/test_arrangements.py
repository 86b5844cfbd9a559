"""Plans sized from income and expenditure, settlements within authority or approved by a
second person, corrections beyond authority, and the nightly judgement of what was agreed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import Sum

from arrears.core import arrangements as core
from arrears.core.compliance.packs import PackSet, load_pack, shipped_packs
from arrears.core.ledger import Balances
from arrears.data.accounts.models import AccountStatus, Hold
from arrears.data.arrangements.models import (
    ApprovalRequest,
    Arrangement,
    AuthorityLimit,
    ClientPlanRules,
    IncomeExpenditure,
)
from arrears.data.audit.models import AuditEvent
from arrears.data.ledger.models import Entry
from arrears.data.users.models import Role, User
from arrears.data.work.models import Callback, ClientPromiseTerms
from arrears.services.arrangements import rules as settlement_rules
from arrears.services.arrangements.approvals import approval_decide, correction_request
from arrears.services.arrangements.evaluate import arrangements_evaluate
from arrears.services.arrangements.plans import (
    ArrangementRefused,
    PlanTerms,
    arrangement_cancel,
    income_expenditure_record,
    plan_create,
    plans_propose,
)
from arrears.services.arrangements.settlements import SettlementTerms, settlement_offer
from arrears.services.common import Actor, ServiceError
from arrears.services.payments.posting import payment_post
from tests.factories import NOW, make_account, make_client

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)
SYSTEM = Actor.system("nightly")


def person(name: str, role: str) -> Actor:
    user = User.objects.create_user(name, password="x", role=role)
    return Actor(label=name, user_id=user.pk)


@pytest.fixture
def casey() -> Actor:
    return person("casey", Role.COLLECTOR)


@pytest.fixture
def sam() -> Actor:
    return person("sam", Role.SUPERVISOR)


@pytest.fixture
def acme():  # type: ignore[no-untyped-def]
    client = make_client()
    ClientPlanRules.objects.create(client=client, min_payment_minor=5_000, max_term_months=12)
    AuthorityLimit.objects.create(role=Role.COLLECTOR, max_discount_ppm=200_000,
                                  max_forgiven_minor=50_000, max_adjustment_minor=10_000)  # fmt: skip
    AuthorityLimit.objects.create(role=Role.SUPERVISOR, max_discount_ppm=500_000,
                                  max_adjustment_minor=100_000)  # fmt: skip
    return client


def statement() -> core.IncomeExpenditure:
    return core.IncomeExpenditure(
        household=core.Household(adults=1, children=1),
        incomes=(core.IncomeLine(core.IncomeCategory.WAGES, 150_000, core.LineFrequency.BIWEEKLY),),
        expenses=(
            core.ExpenseLine(core.ExpenseCategory.HOUSING, 140_000),
            core.ExpenseLine(core.ExpenseCategory.FOOD, 60_000),
            core.ExpenseLine(core.ExpenseCategory.UTILITIES, 100_000),
        ),
    )


def pay(account_id: int, amount: int, on: date) -> int:
    return payment_post(account_id=account_id, amount_minor=amount, received_on=on, source="card",
                        actor=SYSTEM, reference=f"{account_id}-{on}-{amount}").entry_id  # fmt: skip


def ledger_total(account_id: int) -> int:
    sums = Entry.objects.filter(account_id=account_id).aggregate(
        p=Sum("principal_minor"), i=Sum("interest_minor"), f=Sum("fees_minor"), c=Sum("costs_minor")
    )
    return sum(value or 0 for value in sums.values())


# -- plans from income and expenditure ----------------------------------------------------


def test_a_plan_from_a_statement_takes_the_affordable_instalment_and_keeps_the_reasons(acme, casey):  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=120_000)
    # 150,000 biweekly = 325,000 a month; expenses 300,000: 25,000 a month disposable.
    taken = income_expenditure_record(account_id=account.pk, statement=statement(), actor=casey,
                                      now=NOW)  # fmt: skip
    assert taken.disposable_monthly_minor == 25_000
    proposals = plans_propose(account_id=account.pk, statement_id=taken.pk,
                              first_due=date(2026, 12, 1))  # fmt: skip
    monthly = proposals.get(core.Frequency.MONTHLY)
    assert monthly is not None and monthly.instalment_minor == 25_000

    plan = plan_create(
        account_id=account.pk, actor=casey, now=NOW,
        terms=PlanTerms(frequency="monthly", first_due=date(2026, 12, 1), statement_id=taken.pk),
    )  # fmt: skip

    rows = list(plan.instalments.values_list("due_on", "amount_minor"))
    assert rows == [
        (date(2026, 12, 1), 25_000), (date(2027, 1, 1), 25_000), (date(2027, 2, 1), 25_000),
        (date(2027, 3, 1), 25_000), (date(2027, 4, 1), 20_000),
    ]  # fmt: skip
    assert (plan.status, plan.kind, plan.total_minor, plan.balance_minor) == (
        "active",
        "plan",
        120_000,
        120_000,
    )
    assert plan.income_expenditure_id == taken.pk
    assert plan.rationale["sentences"][0] == (
        "Disposable income is $250.00 a month (income $3,250.00, expenses $3,000.00)."
    )
    assert plan.rationale["sentences"][-1] == (
        "5 payments of $250.00 and a last one of $200.00, monthly from 2026-12-01: "
        "5 months, within the client's 12."
    )
    assert plan.rationale["proposals"]["income_expenditure"]["disposable_monthly_minor"] == 25_000
    account.refresh_from_db()
    assert account.status == AccountStatus.ARRANGEMENT
    assert AuditEvent.objects.filter(event="plan.agreed", account_id=account.pk).count() == 1


def test_a_plan_below_the_clients_minimum_is_refused_and_nothing_is_stored(acme, casey):  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=120_000)
    with pytest.raises(ArrangementRefused, match=r"\$40.00 a payment is below the client's "
                       r"minimum of \$50.00") as refused:  # fmt: skip
        plan_create(account_id=account.pk, actor=casey, now=NOW,
                    terms=PlanTerms(frequency="monthly", first_due=date(2026, 12, 1),
                                    instalment_minor=4_000))  # fmt: skip
    assert refused.value.field == "instalment_minor"
    assert Arrangement.objects.count() == 0
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE


def test_a_plan_longer_than_the_clients_term_is_refused(acme, casey):  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=120_000)
    with pytest.raises(ArrangementRefused, match="runs 24 months, longer than the client's 12"):
        plan_create(account_id=account.pk, actor=casey, now=NOW,
                    terms=PlanTerms(frequency="monthly", first_due=date(2026, 12, 1),
                                    instalment_minor=5_000))  # fmt: skip
    assert Arrangement.objects.count() == 0


def test_a_statement_with_nothing_to_spare_proposes_no_plan_and_says_why(acme, casey):  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=120_000)
    broke = core.IncomeExpenditure(
        household=core.Household(adults=1),
        incomes=(core.IncomeLine(core.IncomeCategory.BENEFITS, 90_000),),
        expenses=(core.ExpenseLine(core.ExpenseCategory.HOUSING, 95_000),),
    )
    taken = income_expenditure_record(account_id=account.pk, statement=broke, actor=casey, now=NOW)
    with pytest.raises(ArrangementRefused, match=r"Disposable income is -\$50.00 a month"):
        plan_create(account_id=account.pk, actor=casey, now=NOW,
                    terms=PlanTerms(frequency="monthly", first_due=date(2026, 12, 1),
                                    statement_id=taken.pk))  # fmt: skip
    assert Arrangement.objects.count() == 0


def test_a_second_arrangement_waits_until_the_first_is_cancelled(acme, casey):  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=120_000)
    terms = PlanTerms(frequency="monthly", first_due=date(2026, 12, 1), count=4)
    first = plan_create(account_id=account.pk, terms=terms, actor=casey, now=NOW)
    with pytest.raises(ArrangementRefused, match="already has an arrangement"):
        plan_create(account_id=account.pk, terms=terms, actor=casey, now=NOW)
    arrangement_cancel(arrangement_id=first.pk, reason="consumer asked", actor=casey, now=NOW)
    first.refresh_from_db()
    account.refresh_from_db()
    assert (first.status, first.ended_on, account.status) == ("cancelled", TODAY, "active")
    assert set(first.instalments.values_list("status", flat=True)) == {"cancelled"}
    second = plan_create(account_id=account.pk, terms=terms, actor=casey, now=NOW)
    assert second.status == "active"


def test_no_arrangement_is_taken_during_a_bankruptcy_stay(acme, casey):  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=120_000)
    Hold.objects.create(account=account, kind="bankruptcy", starts_on=date(2026, 11, 1),
                        source="court notice")  # fmt: skip
    with pytest.raises(ArrangementRefused, match="automatic stay"):
        plan_create(account_id=account.pk, actor=casey, now=NOW,
                    terms=PlanTerms(frequency="monthly", first_due=date(2026, 12, 1), count=2))  # fmt: skip
    assert Arrangement.objects.count() == 0


# -- settlements and approval ---------------------------------------------------------------


def test_a_settlement_within_authority_starts_at_once(acme, casey):  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=100_000)
    deal = settlement_offer(account_id=account.pk, actor=casey, now=NOW,
                            terms=SettlementTerms(first_due=date(2026, 12, 1),
                                                  percent_ppm=850_000))  # fmt: skip
    assert (deal.status, deal.total_minor, deal.forgiven_minor, deal.needs_1099c) == (
        "active",
        85_000,
        15_000,
        False,
    )
    assert deal.authority["decision"] == {"outcome": "within", "crossed": []}
    assert not ApprovalRequest.objects.exists()
    account.refresh_from_db()
    assert account.status == AccountStatus.ARRANGEMENT


def test_a_settlement_beyond_authority_waits_for_a_supervisor_who_approves_it(acme, casey, sam):  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=300_000)
    deal = settlement_offer(
        account_id=account.pk, actor=casey, now=NOW,
        terms=SettlementTerms(first_due=date(2026, 12, 15), amount_minor=180_000, count=3),
    )  # fmt: skip
    assert (deal.status, deal.forgiven_minor, deal.needs_1099c) == ("pending", 120_000, True)
    request = ApprovalRequest.objects.get()
    assert request.reasons == [
        "The discount of 40% ($1,200.00 of $3,000.00) is over the limit of 20% (at most "
        "$600.00 forgiven).",
        "The amount forgiven, $1,200.00, is over the limit of $500.00.",
    ]
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE

    # The one who asked cannot approve it, and a collector cannot decide at all.
    with pytest.raises(ServiceError, match="cannot decide"):
        approval_decide(request_id=request.pk, approve=True, note="", actor=casey, now=NOW)
    decided = approval_decide(request_id=request.pk, approve=True, note="hardship", actor=sam,
                              now=NOW)  # fmt: skip
    deal.refresh_from_db()
    account.refresh_from_db()
    assert (decided.request.status, deal.status, account.status) == (
        "approved",
        "active",
        AccountStatus.ARRANGEMENT,
    )
    assert list(deal.instalments.values_list("due_on", "amount_minor")) == [
        (date(2026, 12, 15), 60_000), (date(2027, 1, 15), 60_000), (date(2027, 2, 15), 60_000),
    ]  # fmt: skip
    with pytest.raises(ArrangementRefused, match="already approved"):
        approval_decide(request_id=request.pk, approve=False, note="", actor=sam, now=NOW)


def test_a_settlement_waiting_for_approval_is_not_debited_until_it_is_approved(  # type: ignore[no-untyped-def]
    acme, casey, sam, tmp_path
):
    from arrears.data.payments.models import ScheduledPayment
    from arrears.services.payments.origination import ach_originate
    from tests.integration.test_ach_origination import authorize

    account = make_account(acme, principal=300_000)
    deal = settlement_offer(
        account_id=account.pk, actor=casey, now=NOW,
        terms=SettlementTerms(first_due=date(2026, 11, 25), amount_minor=180_000, count=1,
                              authorization_id=authorize(account).pk),
    )  # fmt: skip
    assert deal.status == "pending"

    waiting = ach_originate(effective=date(2026, 11, 25), out=tmp_path / "a.ach", actor=SYSTEM,
                            now=NOW)  # fmt: skip
    assert (waiting.entries, waiting.held, waiting.file) == (0, {}, None)
    assert ScheduledPayment.objects.get().status == "scheduled"

    request = ApprovalRequest.objects.get()
    approval_decide(request_id=request.pk, approve=True, note="hardship", actor=sam, now=NOW)
    approved = ach_originate(effective=date(2026, 11, 25), out=tmp_path / "b.ach", actor=SYSTEM,
                             now=NOW)  # fmt: skip
    assert (approved.entries, approved.debit_total_minor) == (1, 180_000)
    assert ScheduledPayment.objects.get().status == "originated"


def test_a_supervisor_cannot_approve_what_they_asked_for_themselves(acme, sam):  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=100_000)
    settlement_offer(account_id=account.pk, actor=sam, now=NOW,
                     terms=SettlementTerms(first_due=date(2026, 12, 1), percent_ppm=400_000))  # fmt: skip
    request = ApprovalRequest.objects.get()
    with pytest.raises(ArrangementRefused, match="a second person must decide"):
        approval_decide(request_id=request.pk, approve=True, note="", actor=sam, now=NOW)
    request.refresh_from_db()
    assert request.status == "pending"


def test_an_offer_beyond_the_supervisors_own_limits_waits_for_an_administrator(acme, casey, sam):  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=100_000)
    deal = settlement_offer(account_id=account.pk, actor=casey, now=NOW,
                            terms=SettlementTerms(first_due=date(2026, 12, 1),
                                                  percent_ppm=300_000))  # fmt: skip
    request = ApprovalRequest.objects.get()
    with pytest.raises(ArrangementRefused, match="beyond your authority too"):
        approval_decide(request_id=request.pk, approve=True, note="", actor=sam, now=NOW)
    request.refresh_from_db()
    deal.refresh_from_db()
    assert (request.status, deal.status) == ("pending", "pending")
    admin = person("ada", Role.ADMIN)
    approval_decide(request_id=request.pk, approve=True, note="", actor=admin, now=NOW)
    deal.refresh_from_db()
    assert deal.status == "active"


def test_a_declined_settlement_ends_and_the_account_stays_active(acme, casey, sam):  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=100_000)
    deal = settlement_offer(account_id=account.pk, actor=casey, now=NOW,
                            terms=SettlementTerms(first_due=date(2026, 12, 1),
                                                  percent_ppm=600_000))  # fmt: skip
    request = ApprovalRequest.objects.get()
    approval_decide(request_id=request.pk, approve=False, note="too deep", actor=sam, now=NOW)
    deal.refresh_from_db()
    account.refresh_from_db()
    assert (deal.status, deal.end_reason, account.status) == ("declined", "too deep", "active")
    assert set(deal.instalments.values_list("status", flat=True)) == {"cancelled"}


def test_a_settlement_below_a_packs_floor_is_refused_whoever_asks(acme, monkeypatch):  # type: ignore[no-untyped-def]
    floor = load_pack(
        'name = "client-acme"\nversion = "2026.11.1"\njurisdiction = "client:ACME"\n'
        "[constants]\nsettlement_minimum_ppm = 700000\n",
        source="client-acme.toml",
    )
    monkeypatch.setattr(settlement_rules, "packs_in_force",
                        lambda: PackSet((*shipped_packs(), floor)))  # fmt: skip
    account = make_account(acme, principal=100_000)
    admin = person("ada", Role.ADMIN)
    with pytest.raises(ArrangementRefused, match="below the state minimum of 70%") as refused:
        settlement_offer(account_id=account.pk, actor=admin, now=NOW,
                         terms=SettlementTerms(first_due=date(2026, 12, 1), percent_ppm=650_000))  # fmt: skip
    assert refused.value.field == "amount_minor"
    assert Arrangement.objects.count() == 0


# -- corrections beyond authority ------------------------------------------------------------


def test_an_adjustment_within_authority_posts_at_once(acme, casey):  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=100_000, fees=5_000)
    done = correction_request(account_id=account.pk, kind="adjustment", on=TODAY,
                              reason="fee waived", actor=casey, now=NOW,
                              amounts=Balances(0, 0, -5_000, 0))  # fmt: skip
    assert done.request is None and done.posted is not None
    account.refresh_from_db()
    assert (account.fees_minor, account.balance_minor, ledger_total(account.pk)) == (
        0,
        100_000,
        100_000,
    )


def test_a_write_off_beyond_authority_needs_a_second_person(acme, casey):  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=100_000)
    asked = correction_request(account_id=account.pk, kind="write_off", on=TODAY,
                               reason="uncollectable", actor=casey, now=NOW)  # fmt: skip
    assert asked.posted is None and asked.request is not None
    assert asked.request.reasons == [
        "The adjustment of $1,000.00 is over the limit of $100.00; a second person must approve it."
    ]
    account.refresh_from_db()
    assert (account.balance_minor, ledger_total(account.pk)) == (100_000, 100_000)
    accountant = person("abby", Role.ACCOUNTANT)
    AuthorityLimit.objects.create(role=Role.ACCOUNTANT, max_adjustment_minor=1_000_000)
    decided = approval_decide(request_id=asked.request.pk, approve=True, note="ok",
                              actor=accountant, now=NOW)  # fmt: skip
    account.refresh_from_db()
    assert decided.request.entry_id == decided.posted.entry_id  # type: ignore[union-attr]
    assert (account.balance_minor, account.status, ledger_total(account.pk)) == (0, "closed", 0)
    assert Entry.objects.get(pk=decided.request.entry_id).kind == "write_off"


def test_a_correction_by_a_job_without_a_person_is_refused(acme):  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=100_000)
    with pytest.raises(ServiceError, match="signed-in person"):
        correction_request(account_id=account.pk, kind="write_off", on=TODAY, reason="x",
                           actor=SYSTEM, now=NOW)  # fmt: skip
    assert not ApprovalRequest.objects.exists()


# -- the nightly judgement -------------------------------------------------------------------


def test_a_missed_instalment_breaks_the_plan_after_the_clients_grace(acme, casey):  # type: ignore[no-untyped-def]
    ClientPromiseTerms.objects.create(client=acme, promise_grace_days=3)
    account = make_account(acme, principal=120_000)
    plan = plan_create(account_id=account.pk, actor=casey, now=NOW,
                       terms=PlanTerms(frequency="monthly", first_due=date(2026, 12, 1),
                                       count=3))  # fmt: skip
    pay(account.pk, 40_000, date(2026, 11, 30))
    kept = arrangements_evaluate(as_of=date(2026, 12, 1), actor=SYSTEM, now=NOW)
    assert (kept.instalments_kept, kept.broken) == (1, 0)
    assert arrangements_evaluate(as_of=date(2027, 1, 4), actor=SYSTEM, now=NOW).broken == 0
    broken = arrangements_evaluate(as_of=date(2027, 1, 5), actor=SYSTEM, now=NOW)
    assert (broken.instalments_broken, broken.broken) == (1, 1)
    plan.refresh_from_db()
    account.refresh_from_db()
    assert (plan.status, plan.ended_on) == ("broken", date(2027, 1, 5))
    assert list(plan.instalments.values_list("status", "resolved_on")) == [
        ("kept", date(2026, 11, 30)), ("broken", date(2027, 1, 5)), ("cancelled", date(2027, 1, 5)),
    ]  # fmt: skip
    assert account.status == AccountStatus.ACTIVE
    assert Callback.objects.get(account=account).note == (
        f"Payment plan {plan.pk} broken: the payment of $400.00 due 2027-01-01 was missed."
    )
    # Again for the same day, or a later one: nothing more.
    again = arrangements_evaluate(as_of=date(2027, 1, 9), actor=SYSTEM, now=NOW)
    assert (again.judged, Callback.objects.count()) == (0, 1)


def test_a_paid_settlement_writes_the_rest_down_and_settles_the_account(acme, casey):  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=100_000, fees=2_000)
    deal = settlement_offer(account_id=account.pk, actor=casey, now=NOW,
                            terms=SettlementTerms(first_due=date(2026, 12, 1), count=2,
                                                  amount_minor=90_000))  # fmt: skip
    pay(account.pk, 45_000, date(2026, 12, 1))
    assert arrangements_evaluate(as_of=date(2026, 12, 1), actor=SYSTEM, now=NOW).settled == 0
    pay(account.pk, 45_000, date(2026, 12, 28))
    report = arrangements_evaluate(as_of=date(2026, 12, 28), actor=SYSTEM, now=NOW)
    assert (report.completed, report.settled) == (1, 1)
    deal.refresh_from_db()
    account.refresh_from_db()
    assert (deal.status, deal.ended_on) == ("completed", date(2026, 12, 28))
    assert (account.status, account.balance_minor, ledger_total(account.pk)) == ("settled", 0, 0)
    writedown = Entry.objects.get(account=account, kind="settlement_writedown")
    assert writedown.principal_minor + writedown.fees_minor == -12_000
    assert arrangements_evaluate(as_of=date(2026, 12, 29), actor=SYSTEM, now=NOW).judged == 0


def test_a_plan_paid_early_completes_on_the_day_of_the_last_payment(acme, casey):  # type: ignore[no-untyped-def]
    account = make_account(acme, principal=60_000)
    plan = plan_create(account_id=account.pk, actor=casey, now=NOW,
                       terms=PlanTerms(frequency="weekly", first_due=date(2026, 11, 30),
                                       count=6))  # fmt: skip
    pay(account.pk, 60_000, date(2026, 11, 27))
    report = arrangements_evaluate(as_of=date(2026, 11, 27), actor=SYSTEM, now=NOW)
    assert (report.instalments_kept, report.completed) == (6, 1)
    plan.refresh_from_db()
    account.refresh_from_db()
    assert (plan.status, account.status, account.balance_minor) == ("completed", "paid", 0)


def test_statements_are_kept_one_per_taking(acme, casey):  # type: ignore[no-untyped-def]
    account = make_account(acme)
    for _ in range(2):
        income_expenditure_record(account_id=account.pk, statement=statement(), actor=casey,
                                  now=NOW + timedelta(minutes=1))  # fmt: skip
    assert IncomeExpenditure.objects.filter(account=account).count() == 2


# -- confirmations in writing -----------------------------------------------------------------


def test_each_active_arrangement_is_confirmed_in_writing_once(acme, casey):  # type: ignore[no-untyped-def]
    from arrears.data.contacts.models import MoneyLetter
    from arrears.services.arrangements.letters import arrangement_letters_send
    from arrears.services.common import document_store
    from tests.factories import make_new_yorker

    housed = make_new_yorker(acme, principal=90_000)
    homeless = make_account(acme, principal=90_000)
    for account in (housed, homeless):
        plan_create(account_id=account.pk, actor=casey, now=NOW,
                    terms=PlanTerms(frequency="monthly", first_due=date(2026, 12, 1), count=3))  # fmt: skip
    report = arrangement_letters_send(as_of=TODAY, actor=SYSTEM, now=NOW)
    assert (report.candidates, report.sent, report.blocked) == (2, 1, 0)
    assert [p["arrangement"] for p in report.problems] == [
        Arrangement.objects.get(account=homeless).pk
    ]
    plan = Arrangement.objects.get(account=housed)
    letter = MoneyLetter.objects.get(subject=f"arrangement:{plan.pk}")
    assert plan.letter == letter.reference != ""
    html = document_store().get(letter.html_key).decode("utf-8")
    for text in ("December 1, 2026", "January 1, 2027", "February 1, 2027", "$300.00"):
        assert text in html, text
    again = arrangement_letters_send(as_of=TODAY, actor=SYSTEM, now=NOW)
    assert (again.candidates, again.sent) == (1, 0)  # only the one without an address waits
    assert MoneyLetter.objects.count() == 1
