"""The notice that a promise, a plan or a settlement was not kept: sent once by the day's letter
run, with the missed payment, what was received and the balance owed now; judged by the rules as
a collection letter; not sent when nothing is owed, when the consumer has agreed something newer,
or when the break is old news."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from arrears.data.arrangements.models import AuthorityLimit
from arrears.data.audit.models import AuditEvent
from arrears.data.contacts.models import ContactAttempt, MoneyLetter
from arrears.data.users.models import Role, User
from arrears.data.work.models import ClientPromiseTerms
from arrears.services.arrangements.evaluate import arrangements_evaluate
from arrears.services.arrangements.letters import NOTICE_WITHIN_DAYS, arrangement_letters_send
from arrears.services.arrangements.plans import PlanTerms, plan_create
from arrears.services.arrangements.settlements import SettlementTerms, settlement_offer
from arrears.services.common import Actor, document_store
from arrears.services.ledger.operations import hold_add
from arrears.services.letters.broken import (
    broken_arrangement_notice_send,
    broken_promise_notice_send,
)
from arrears.services.letters.money import LetterRefused
from arrears.services.payments.posting import payment_post
from arrears.services.work.actions import promise_record
from arrears.services.work.promises import promises_evaluate
from tests.factories import NOW, make_client, make_new_yorker

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("nightly")
BROKEN_ON = date(2027, 1, 5)
NEXT_MORNING = datetime(2027, 1, 6, 14, 0, tzinfo=UTC)


@pytest.fixture
def casey() -> Actor:
    user = User.objects.create_user("casey", password="x", role=Role.COLLECTOR)
    return Actor(label="casey", user_id=user.pk)


@pytest.fixture
def acme():  # type: ignore[no-untyped-def]
    client = make_client()
    ClientPromiseTerms.objects.create(client=client, promise_grace_days=3)
    AuthorityLimit.objects.create(role=Role.COLLECTOR, max_discount_ppm=200_000,
                                  max_forgiven_minor=50_000, max_adjustment_minor=10_000)  # fmt: skip
    return client


def pay(account_id: int, amount: int, on: date) -> None:
    payment_post(account_id=account_id, amount_minor=amount, received_on=on, source="card",
                 actor=SYSTEM, reference=f"{account_id}-{on}-{amount}")  # fmt: skip


def words(letter: MoneyLetter) -> str:
    html = document_store().get(letter.html_key).decode("utf-8")
    html = re.sub(r"<(?:/?td|/?th|/?tr|br)\b[^>]*>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def broken_plan(acme, casey):  # type: ignore[no-untyped-def]
    """120,000 in three monthly payments of 40,000 from 1 Dec; the first paid, the second not:
    broken on 5 Jan after 3 days of grace."""
    account = make_new_yorker(acme, principal=120_000)
    plan = plan_create(account_id=account.pk, actor=casey, now=NOW,
                       terms=PlanTerms(frequency="monthly", first_due=date(2026, 12, 1),
                                       count=3))  # fmt: skip
    pay(account.pk, 40_000, date(2026, 11, 30))
    assert arrangements_evaluate(as_of=BROKEN_ON, actor=SYSTEM, now=NOW).broken == 1
    return account, plan


def test_a_broken_plan_gets_one_notice_with_the_missed_payment_and_the_balance(acme, casey):  # type: ignore[no-untyped-def]
    _, plan = broken_plan(acme, casey)

    report = arrangement_letters_send(as_of=date(2027, 1, 6), actor=SYSTEM, now=NEXT_MORNING)

    assert (report.notices_candidates, report.notices_sent, report.notices_blocked) == (1, 1, 0)
    letter = MoneyLetter.objects.get(kind="broken_notice")
    assert (letter.subject, letter.status, letter.sent_on, letter.amount_minor) == (
        f"arrangement:{plan.pk}", "sent", date(2027, 1, 6), 80_000)  # fmt: skip
    text = words(letter)
    for expected in (
        "Your payment plan has ended",
        "The payment of $400.00 due on January 1, 2027 was not received within 3 days after its "
        "due date, so the plan ended on January 5, 2027.",
        "The $400.00 you paid under the plan has been credited to your account.",
        "Balance owed on January 6, 2027 $800.00",
        "This is a communication from a debt collector.",
    ):
        assert expected in text, expected
    attempt = ContactAttempt.objects.get(pk=letter.attempt_id)
    assert (attempt.channel, attempt.purpose) == ("letter", "collection")

    again = arrangement_letters_send(as_of=date(2027, 1, 7), actor=SYSTEM, now=NEXT_MORNING)
    assert (again.notices_candidates, again.notices_sent) == (0, 0)
    assert MoneyLetter.objects.filter(kind="broken_notice").count() == 1
    assert AuditEvent.objects.filter(event="letter.broken_notice_sent").count() == 1


def test_a_broken_settlement_says_its_reduced_amount_no_longer_applies(acme, casey):  # type: ignore[no-untyped-def]
    account = make_new_yorker(acme, principal=100_000)
    deal = settlement_offer(account_id=account.pk, actor=casey, now=NOW,
                            terms=SettlementTerms(first_due=date(2026, 12, 1), count=2,
                                                  amount_minor=90_000))  # fmt: skip
    assert deal.status == "active"
    arrangements_evaluate(as_of=date(2026, 12, 5), actor=SYSTEM, now=NOW)

    outcome = broken_arrangement_notice_send(
        arrangement_id=deal.pk, actor=SYSTEM, now=datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
    )

    text = words(MoneyLetter.objects.get(pk=outcome.letter_id))
    for expected in (
        "Your settlement has ended",
        "we agreed to accept $900.00 to settle this account. The payment of $450.00 due on "
        "December 1, 2026 was not received within 3 days after its due date, so the settlement "
        "ended on December 5, 2026 and its reduced amount no longer applies.",
        "No payment was received under the settlement.",
        "Balance owed on December 7, 2026 $1,000.00",
    ):
        assert expected in text, expected


def test_a_broken_promise_gets_its_notice_with_what_came_in_since(acme, casey):  # type: ignore[no-untyped-def]
    account = make_new_yorker(acme, principal=50_000)
    promise = promise_record(account_id=account.pk, amount_minor=20_000,
                             due_on=date(2026, 11, 30), actor=casey, now=NOW)  # fmt: skip
    pay(account.pk, 5_000, date(2026, 11, 28))
    assert promises_evaluate(as_of=date(2026, 12, 4), actor=SYSTEM, now=NOW).broken == 1

    report = arrangement_letters_send(as_of=date(2026, 12, 5), actor=SYSTEM,
                                      now=datetime(2026, 12, 5, 14, 0, tzinfo=UTC))  # fmt: skip

    assert report.notices_sent == 1
    letter = MoneyLetter.objects.get(kind="broken_notice")
    assert (letter.subject, letter.amount_minor) == (f"promise:{promise.pk}", 45_000)
    text = words(letter)
    for expected in (
        "We did not receive the payment you promised",
        "On November 23, 2026 you told us you would pay $200.00 by November 30, 2026. We did not "
        "receive that payment within 3 days after its due date. We received $50.00 since then",
        "Balance owed on December 5, 2026 $450.00",
        "If you have already paid, please call us",
    ):
        assert expected in text, expected


def test_a_dispute_blocks_the_notice_and_keeps_the_reasons(acme, casey):  # type: ignore[no-untyped-def]
    account, _ = broken_plan(acme, casey)
    hold_add(account_id=account.pk, kind="dispute", starts_on=date(2027, 1, 5),
             source="consumer letter", actor=SYSTEM, now=NOW)  # fmt: skip

    report = arrangement_letters_send(as_of=date(2027, 1, 6), actor=SYSTEM, now=NEXT_MORNING)

    assert (report.notices_sent, report.notices_blocked) == (0, 1)
    row = MoneyLetter.objects.get(kind="broken_notice")
    assert (row.status, row.html_key, row.attempt_id) == ("blocked", "", None)
    assert "policy.dispute-hold" in {r["rule"] for r in row.reasons if r["verdict"] == "block"}
    assert not ContactAttempt.objects.filter(channel="letter").exists()


def test_no_notice_when_paid_since_or_a_newer_plan_stands_or_the_break_is_old(acme, casey):  # type: ignore[no-untyped-def]
    paid_off, _ = broken_plan(acme, casey)
    pay(paid_off.pk, 80_000, date(2027, 1, 6))
    replanned, _ = broken_plan(acme, casey)
    plan_create(account_id=replanned.pk, actor=casey, now=NEXT_MORNING,
                terms=PlanTerms(frequency="monthly", first_due=date(2027, 2, 1), count=4))  # fmt: skip
    old, _ = broken_plan(acme, casey)

    report = arrangement_letters_send(as_of=date(2027, 1, 6), actor=SYSTEM, now=NEXT_MORNING)
    assert report.notices_skipped == {"nothing_owed": 1, "newer_arrangement": 1}
    assert report.notices_sent == 1  # the third

    # Had the letter run not sent it then, a month later it is old news.
    MoneyLetter.objects.filter(account=old).update(status="blocked")
    late = BROKEN_ON + timedelta(days=NOTICE_WITHIN_DAYS + 1)
    at = datetime.combine(late, time(14), tzinfo=UTC)
    assert arrangement_letters_send(as_of=late, actor=SYSTEM, now=at).notices_candidates == 0
    last_day = arrangement_letters_send(as_of=late - timedelta(days=1), actor=SYSTEM,
                                        now=at - timedelta(days=1))  # fmt: skip
    assert (last_day.notices_candidates, last_day.notices_sent) == (3, 1)


def test_a_notice_is_refused_for_what_is_not_broken(acme, casey):  # type: ignore[no-untyped-def]
    account = make_new_yorker(acme, principal=120_000)
    plan = plan_create(account_id=account.pk, actor=casey, now=NOW,
                       terms=PlanTerms(frequency="monthly", first_due=date(2026, 12, 1),
                                       count=3))  # fmt: skip
    promise = promise_record(account_id=account.pk, amount_minor=20_000,
                             due_on=date(2026, 11, 30), actor=casey, now=NOW)  # fmt: skip
    with pytest.raises(LetterRefused, match="is active, not broken"):
        broken_arrangement_notice_send(arrangement_id=plan.pk, actor=SYSTEM, now=NEXT_MORNING)
    with pytest.raises(LetterRefused, match="is open, not broken"):
        broken_promise_notice_send(promise_id=promise.pk, actor=SYSTEM, now=NEXT_MORNING)
    assert not MoneyLetter.objects.exists()


def test_a_broken_queue_holds_what_broke_lately_until_something_newer_is_agreed(acme, casey):  # type: ignore[no-untyped-def]
    from arrears.core.work import parse_filters
    from arrears.services.work.queues import matching_accounts

    broke_plan, _ = broken_plan(acme, casey)  # ended 5 Jan
    replanned, _ = broken_plan(acme, casey)
    kept_going = make_new_yorker(acme, principal=50_000)
    promise_record(account_id=kept_going.pk, amount_minor=20_000, due_on=date(2026, 11, 30),
                   actor=casey, now=NOW)  # fmt: skip
    assert promises_evaluate(as_of=date(2026, 12, 4), actor=SYSTEM, now=NOW).broken == 1
    plan_create(account_id=replanned.pk, actor=casey, now=NEXT_MORNING,
                terms=PlanTerms(frequency="monthly", first_due=date(2027, 2, 1), count=4))  # fmt: skip
    spec = parse_filters({"broken_days": 7})

    def held(day: date) -> set[int]:
        at = datetime.combine(day, time(14), tzinfo=UTC)
        return set(matching_accounts(spec, now=at).values_list("pk", flat=True))

    assert held(date(2026, 12, 6)) == {kept_going.pk}  # its promise broke on 4 Dec
    assert held(date(2027, 1, 6)) == {broke_plan.pk}  # the promise is old news; one replanned
    assert held(date(2027, 1, 13)) == set()


def test_a_promise_on_two_dates_gets_one_notice_for_its_missed_date_without_the_first(  # type: ignore[no-untyped-def]
    acme, casey
):
    from arrears.services.work.actions import PromiseDate

    paid_first = make_new_yorker(acme, principal=50_000)
    missed_both = make_new_yorker(acme, principal=50_000)
    for account in (paid_first, missed_both):
        promise_record(account_id=account.pk, actor=casey, now=NOW, promises=[
            PromiseDate(amount_minor=10_000, due_on=date(2026, 11, 30)),
            PromiseDate(amount_minor=10_000, due_on=date(2026, 12, 14)),
        ])  # fmt: skip
    pay(paid_first.pk, 12_000, date(2026, 11, 27))  # the first date and 20.00 towards the second
    promises_evaluate(as_of=date(2026, 12, 18), actor=SYSTEM, now=NOW)

    report = arrangement_letters_send(as_of=date(2026, 12, 18), actor=SYSTEM,
                                      now=datetime(2026, 12, 18, 14, 0, tzinfo=UTC))  # fmt: skip

    assert (report.notices_candidates, report.notices_sent) == (2, 2)
    first_missed = words(MoneyLetter.objects.get(account=paid_first, kind="broken_notice"))
    assert ("you told us you would pay $100.00 by December 14, 2026. We did not receive that "
            "payment within 3 days after its due date. We received $20.00 since then") in (
        first_missed)  # fmt: skip
    both = words(MoneyLetter.objects.get(account=missed_both, kind="broken_notice"))
    assert "you would pay $100.00 by November 30, 2026" in both
