"""Letters about money, from the book: checked by the rules, rendered, stored and recorded with
their letter attempt, once per payment, scheduled debit, plan or settlement.

2026-11-23 (NOW) is a Monday; Thanksgiving is Thursday 26 November.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from arrears.data.accounts.models import Account, AccountParty, Hold
from arrears.data.audit.models import AuditEvent
from arrears.data.clients.models import Client
from arrears.data.contacts.models import ContactAttempt, MoneyLetter
from arrears.data.parties.models import ContactPoint
from arrears.data.payments.models import Payment, ScheduledPayment
from arrears.services.common import Actor, NotFound, document_store, letter_renderer
from arrears.services.compliance.notices import validation_notices_send
from arrears.services.compliance.retention import retention_purge
from arrears.services.ledger.operations import hold_add, hold_end
from arrears.services.letters import money as letters
from arrears.services.letters.money import (
    LetterOutcome,
    LetterRefused,
    NoMailingAddress,
    payment_confirmation_send,
    plan_confirmation_document,
    pre_debit_notices_send,
    returned_payment_notice_send,
    settlement_confirmation_document,
)
from arrears.services.payments.origination import ach_originate
from arrears.services.payments.posting import payment_post
from arrears.services.payments.returns import ach_returns, ach_settle, payment_return
from tests.factories import NOW, make_account, make_client
from tests.integration.test_ach_origination import authorize, schedule
from tests.integration.test_ach_returns import answer_file, sent

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")
DEBT_COLLECTOR_LINE = "This is a communication from a debt collector."


def _client(code: str = "ACME", kind: str = "agency", fee: int = 0) -> Client:
    client = Client.objects.filter(code=code).first() or make_client(code)
    Client.objects.filter(pk=client.pk).update(kind=kind, returned_payment_fee_minor=fee)
    client.refresh_from_db()
    return client


def _account(client: Client | None = None, *, principal: int = 100_000, fees: int = 2_500,
             address: tuple[str, str, str] | None = ("Buffalo", "NY", "142010001"),
             charge_off_date: date = date(2026, 1, 1)):  # type: ignore[no-untyped-def]  # fmt: skip
    account = make_account(client or _client(), principal=principal, fees=fees,
                           charge_off_date=charge_off_date)  # fmt: skip
    account.original_account_number = "4111111111111111"
    account.save(update_fields=["original_account_number"])
    if address is not None:
        city, state, zip_code = address
        party_id = AccountParty.objects.get(account=account).party_id
        ContactPoint.objects.create(party_id=party_id, kind="address", address1="1 Main St",
                                    city=city, state=state, zip=zip_code,
                                    valid_from=date(2026, 1, 1), value_index=f"a{account.pk}")  # fmt: skip
    return account


def _text(outcome: LetterOutcome | MoneyLetter) -> str:
    """The stored letter's words, a table cell apart from the next."""
    html = document_store().get(outcome.html_key).decode("utf-8")
    html = re.sub(r"<(?:/?td|/?th|/?tr|br)\b[^>]*>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def _pay(account: Account, amount: int, on: date, source: str = "ach") -> int:
    return payment_post(account_id=account.pk, amount_minor=amount, received_on=on,
                        source=source, actor=ACTOR, now=NOW).payment_id  # fmt: skip


class TestPaymentConfirmation:
    def test_confirms_the_amount_how_it_was_applied_and_the_balance_after_it(self) -> None:
        account = _account()
        payment_id = _pay(account, 12_550, date(2026, 11, 20))
        _pay(account, 1_000, date(2026, 11, 21))  # later: not in the first one's balance

        outcome = payment_confirmation_send(payment_id=payment_id, actor=ACTOR, now=NOW)

        row = MoneyLetter.objects.get()
        folder = f"accounts/{account.pk}/letters"
        assert outcome == LetterOutcome(
            kind="payment_confirmation", subject=f"payment:{payment_id}", letter_id=row.pk,
            sent=True, created=True, reference=f"PC-{payment_id}",
            html_key=f"{folder}/PC-{payment_id}.html", pdf_key=f"{folder}/PC-{payment_id}.pdf",
        )  # fmt: skip
        reference = Payment.objects.get(pk=payment_id).reference
        text = _text(outcome)
        for words in (
            f"We received your payment of $125.50 on November 20, 2026 (ACH, payment reference "
            f"{reference}).",
            "Applied to fees $25.00", "Applied to principal $100.50", "Your payment $125.50",
            "Balance after this payment $899.50", "Date: November 23, 2026",
            f"Account number: {account.pk}", "Pat Doe 1 Main St Buffalo, NY 14201-0001",
            "About your account with ACME Bank, originally with Original Bank (account number "
            "ending in 1111).",
            "Arrears Recovery Services PO Box 4100 Albany, NY 12204", DEBT_COLLECTOR_LINE,
        ):  # fmt: skip
            assert words in text, words
        assert document_store().get(outcome.pdf_key).startswith(b"%PDF-")
        assert (row.status, row.sent_on, row.amount_minor, row.payment_id, row.scheduled_id) == (
            "sent", date(2026, 11, 23), 12_550, payment_id, None)  # fmt: skip
        assert row.pack_version.startswith("us-federal@")
        attempt = ContactAttempt.objects.get()
        assert row.attempt == attempt
        assert (attempt.channel, attempt.purpose, attempt.outcome, attempt.allowed,
                attempt.source, attempt.key) == ("letter", "transactional", "sent", True,
                                                 "letters", f"letter:PC-{payment_id}")  # fmt: skip
        assert AuditEvent.objects.filter(event="letter.payment_confirmation_sent").count() == 1

    def test_asking_again_sends_nothing_new(self) -> None:
        account = _account()
        payment_id = _pay(account, 12_550, date(2026, 11, 20))
        first = payment_confirmation_send(payment_id=payment_id, actor=ACTOR, now=NOW)
        again = payment_confirmation_send(payment_id=payment_id, actor=ACTOR, now=NOW)
        assert (again.sent, again.created, again.reference, again.letter_id) == (
            True, False, first.reference, first.letter_id)  # fmt: skip
        assert (MoneyLetter.objects.count(), ContactAttempt.objects.count()) == (1, 1)
        assert AuditEvent.objects.filter(event="letter.payment_confirmation_sent").count() == 1

    def test_a_cease_keeps_the_reasons_and_sends_nothing_until_it_ends(self) -> None:
        account = _account()
        payment_id = _pay(account, 12_550, date(2026, 11, 20))
        hold = hold_add(account_id=account.pk, kind="cease", starts_on=date(2026, 11, 2),
                        source="consumer letter", actor=ACTOR, now=NOW)  # fmt: skip

        blocked = payment_confirmation_send(payment_id=payment_id, actor=ACTOR, now=NOW)
        payment_confirmation_send(payment_id=payment_id, actor=ACTOR, now=NOW)

        row = MoneyLetter.objects.get()
        assert (blocked.sent, blocked.created, blocked.blocked_by, blocked.reference) == (
            False, False, ("regf.cease-communication",), "")  # fmt: skip
        assert (row.status, row.attempt, row.html_key, row.pdf_key, row.sent_on) == (
            "blocked", None, "", "", None)  # fmt: skip
        assert [r["rule"] for r in row.reasons if r["verdict"] == "block"] == [
            "regf.cease-communication"
        ]
        assert ContactAttempt.objects.count() == 0
        assert not document_store().exists(f"accounts/{account.pk}/letters/PC-{payment_id}.pdf")
        audits = AuditEvent.objects.filter(event="letter.blocked")
        assert [a.details["rules"] for a in audits] == [["regf.cease-communication"]]

        hold_end(hold_id=hold.pk, ends_on=date(2026, 11, 22), actor=ACTOR, now=NOW)
        now_sent = payment_confirmation_send(payment_id=payment_id, actor=ACTOR, now=NOW)
        assert (now_sent.sent, now_sent.created, now_sent.letter_id) == (True, True, row.pk)
        row.refresh_from_db()
        assert (row.status, row.reasons, row.attempt_id) == (
            "sent", [], ContactAttempt.objects.get().pk)  # fmt: skip

    def test_a_creditor_collecting_its_own_accounts_writes_in_its_name_without_the_line(
        self,
    ) -> None:
        account = _account(_client("OWN", kind="first_party"))
        payment_id = _pay(account, 5_000, date(2026, 11, 20), source="card")
        outcome = payment_confirmation_send(payment_id=payment_id, actor=ACTOR, now=NOW)
        text = _text(outcome)
        assert "OWN Bank PO Box 4100 Albany, NY 12204" in text
        assert "debt collector" not in text
        assert "If your bank returns this payment" not in text  # a card payment

    def test_without_a_mailing_address_it_is_refused_and_nothing_is_recorded(self) -> None:
        account = _account(address=None)
        payment_id = _pay(account, 5_000, date(2026, 11, 20))
        with pytest.raises(NoMailingAddress, match="no mailing address"):
            payment_confirmation_send(payment_id=payment_id, actor=ACTOR, now=NOW)
        assert (MoneyLetter.objects.count(), ContactAttempt.objects.count()) == (0, 0)

    def test_a_returned_or_unknown_payment_is_refused(self) -> None:
        account = _account()
        payment_id = _pay(account, 5_000, date(2026, 11, 16), source="check")
        payment_return(payment_id=payment_id, returned_on=date(2026, 11, 20), code="NSF",
                       reason="insufficient funds", actor=ACTOR, charge_fee=False,
                       now=NOW)  # fmt: skip
        with pytest.raises(LetterRefused, match="came back on 2026-11-20"):
            payment_confirmation_send(payment_id=payment_id, actor=ACTOR, now=NOW)
        with pytest.raises(NotFound):
            payment_confirmation_send(payment_id=999_999, actor=ACTOR, now=NOW)
        assert MoneyLetter.objects.count() == 0


class TestReturnedPaymentNotice:
    def test_a_bounced_check_says_why_the_fee_and_the_balance_now(self) -> None:
        account = _account(_client(fee=2_500), fees=0)
        payment_id = _pay(account, 5_000, date(2026, 11, 16), source="check")
        payment_return(payment_id=payment_id, returned_on=date(2026, 11, 20), code="NSF",
                       reason="insufficient funds", actor=ACTOR, charge_fee=True,
                       now=NOW)  # fmt: skip

        outcome = returned_payment_notice_send(payment_id=payment_id, actor=ACTOR, now=NOW)

        assert (outcome.sent, outcome.reference) == (True, f"RP-{payment_id}")
        text = _text(outcome)
        for words in (
            "Your payment of $50.00 (Check), received on November 16, 2026, was returned unpaid "
            "on November 20, 2026. The reason given: insufficient funds.",
            "Payment returned: added back to your balance $50.00",
            "Returned-payment fee, as your agreement allows $25.00", "Balance now $1,025.00",
            DEBT_COLLECTOR_LINE,
        ):  # fmt: skip
            assert words in text, words
        assert "present the debit again" not in text
        row = MoneyLetter.objects.get()
        assert (row.kind, row.payment_id, row.amount_minor) == ("returned_payment", payment_id,
                                                                5_000)  # fmt: skip

    def test_an_ach_return_says_when_the_debit_is_presented_again(self, tmp_path) -> None:
        account = _account(_client(fee=2_500), fees=0)
        scheduled = sent(tmp_path, account, 5_000)  # due and settled Wednesday 25 November
        ach_settle(as_of=date(2026, 11, 25), actor=ACTOR, now=NOW)
        ach_returns(answer_file(tmp_path / "r.ach", [("99", "R01", scheduled.trace)]),
                    actor=ACTOR, now=NOW)  # fmt: skip  # returned Friday 27 November
        scheduled.refresh_from_db()
        later = datetime(2026, 11, 27, 15, tzinfo=UTC)

        outcome = returned_payment_notice_send(
            payment_id=scheduled.payment_id, actor=ACTOR, now=later
        )

        text = _text(outcome)
        for words in (
            "Your payment of $50.00 (ACH), received on November 25, 2026, was returned unpaid on "
            "November 27, 2026. The reason given: insufficient funds (R01).",
            "Returned-payment fee, as your agreement allows $25.00", "Balance now $1,025.00",
            "we will present the debit again on November 30, 2026.",
        ):  # fmt: skip
            assert words in text, words
        # Presented again the next banking day, the retry is too close for its own notice.
        retry = ScheduledPayment.objects.get(retry_of=scheduled)
        report = pre_debit_notices_send(as_of=date(2026, 11, 27), actor=ACTOR, now=later)
        assert (report.sent, report.too_late) == (0, [retry.pk])

    def test_a_payment_that_has_not_come_back_is_refused(self) -> None:
        payment_id = _pay(_account(), 5_000, date(2026, 11, 16))
        with pytest.raises(LetterRefused, match="has not come back"):
            returned_payment_notice_send(payment_id=payment_id, actor=ACTOR, now=NOW)


AS_OF = date(2026, 11, 24)  # Tuesday: notices for debits from Monday 30 Nov to Wednesday 9 Dec


def _debits(account):  # type: ignore[no-untyped-def]
    authorization = authorize(account)  # checking account ending in 6789, recurring
    due = {
        "too_late": date(2026, 11, 27),  # Friday: 2 business days after the 24th
        "first": date(2026, 11, 30),
        "saturday": date(2026, 12, 5),  # debited Monday 7 December
        "last": date(2026, 12, 9),
        "not_yet": date(2026, 12, 10),
        "cancelled": date(2026, 12, 1),
    }
    made = {name: schedule(authorization, 5_000 + n, on).pk
            for n, (name, on) in enumerate(due.items())}  # fmt: skip
    ScheduledPayment.objects.filter(pk=made["cancelled"]).update(status="cancelled")
    return made


class TestPreDebitNotices:
    def test_each_debit_in_the_window_gets_its_notice_once(self, tmp_path) -> None:
        account = _account(_client(fee=2_500))
        debits = _debits(account)
        out = tmp_path / "out"

        report = pre_debit_notices_send(as_of=AS_OF, actor=ACTOR, now=NOW, out_dir=out)
        again = pre_debit_notices_send(as_of=AS_OF, actor=ACTOR, now=NOW, out_dir=out)

        expected = [f"PD-{debits[name]}" for name in ("first", "saturday", "last")]
        assert report.as_dict() == {
            "as_of": "2026-11-24", "debits_from": "2026-11-30", "debits_to": "2026-12-09",
            "candidates": 3, "sent": 3, "skipped": {}, "references": expected,
            "too_late": [debits["too_late"]], "problems": [],
        }  # fmt: skip
        assert (again.candidates, again.sent, again.references, again.too_late) == (
            0, 0, [], [debits["too_late"]])  # fmt: skip
        assert MoneyLetter.objects.count() == 3
        assert ContactAttempt.objects.filter(purpose="transactional").count() == 3
        assert sorted(p.name for p in out.iterdir()) == sorted(
            f"{ref}{ext}" for ref in expected for ext in (".html", ".pdf")
        )
        row = MoneyLetter.objects.get(scheduled_id=debits["saturday"])
        assert (row.kind, row.subject, row.sent_on, row.amount_minor, row.account_id) == (
            "pre_debit_notice", f"scheduled:{debits['saturday']}", AS_OF, 5_002,
            account.pk)  # fmt: skip
        html = (out / f"PD-{debits['saturday']}.html").read_text()
        assert document_store().get(row.html_key) == html.encode()
        text = _text(row)
        for words in (
            "Date: November 24, 2026",
            "As you authorized, we will debit $50.02 from your checking account ending in 6789 "
            "on December 7, 2026.",
            "You scheduled this payment for December 5, 2026. That is not a banking day",
            "so that we receive your letter, by December 4, 2026.",
            "at least three business days before December 7, 2026.",
            "a returned-payment fee of $25.00 may be added to your balance", DEBT_COLLECTOR_LINE,
        ):  # fmt: skip
            assert words in text, words
        first = _text(MoneyLetter.objects.get(scheduled_id=debits["first"]))
        # Monday 30 November: the last day to cancel is Friday 27 (Thanksgiving on the 26th).
        assert "$50.01 from your checking account ending in 6789 on November 30, 2026." in first
        assert "by November 27, 2026." in first

    def test_a_run_stopped_part_way_resumes_without_doubling(self, monkeypatch) -> None:
        _debits(_account())
        real = letters._record_sent
        calls = []

        def crash_on_second(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("power cut")
            return real(*args, **kwargs)

        monkeypatch.setattr(letters, "_record_sent", crash_on_second)
        with pytest.raises(RuntimeError):
            pre_debit_notices_send(as_of=AS_OF, actor=ACTOR, now=NOW)
        assert MoneyLetter.objects.count() == 1
        monkeypatch.setattr(letters, "_record_sent", real)

        resumed = pre_debit_notices_send(as_of=AS_OF, actor=ACTOR, now=NOW)

        assert (resumed.candidates, resumed.sent) == (2, 2)
        assert MoneyLetter.objects.filter(status="sent").count() == 3
        assert ContactAttempt.objects.count() == 3

    def test_a_bankruptcy_stay_blocks_the_notice_and_says_which_rule(self) -> None:
        account = _account()
        authorization = authorize(account)
        debit = schedule(authorization, 5_000, date(2026, 11, 30))
        Hold.objects.create(account=account, kind="bankruptcy", starts_on=date(2026, 11, 1),
                            source="court notice")  # fmt: skip

        report = pre_debit_notices_send(as_of=AS_OF, actor=ACTOR, now=NOW)
        again = pre_debit_notices_send(as_of=AS_OF, actor=ACTOR, now=NOW)

        assert (report.sent, dict(report.skipped)) == (0, {"blocked:bankruptcy.automatic-stay": 1})
        assert dict(again.skipped) == {"blocked:bankruptcy.automatic-stay": 1}
        row = MoneyLetter.objects.get()
        assert (row.status, row.scheduled_id, row.attempt_id) == ("blocked", debit.pk, None)
        assert ContactAttempt.objects.count() == 0
        assert AuditEvent.objects.filter(event="letter.blocked").count() == 1

    def test_a_consumer_without_an_address_is_counted_and_not_sent(self) -> None:
        account = _account(address=None)
        schedule(authorize(account), 5_000, date(2026, 11, 30))
        report = pre_debit_notices_send(as_of=AS_OF, actor=ACTOR, now=NOW)
        assert (report.sent, dict(report.skipped)) == (0, {"no_mailing_address": 1})
        assert MoneyLetter.objects.count() == 0


PLAN = [(date(2026, 12, 1), 34_168), (date(2027, 1, 1), 34_166), (date(2027, 2, 1), 34_166)]


class TestOriginationWaitsForTheNotice:
    """A debit post-dated by more than five days is made only after its notice went out 3 to 10
    business days before the day it is made (15 U.S.C. 1692f(2))."""

    def test_a_post_dated_debit_without_its_notice_is_held_and_the_near_one_goes(
        self, tmp_path
    ) -> None:
        debits = _debits(_account())

        report = ach_originate(effective=date(2026, 11, 30), out=tmp_path / "a.ach", actor=ACTOR,
                               now=NOW)  # fmt: skip

        assert (report.entries, report.held) == (
            1, {"no notice sent before the post-dated debit": 1})  # fmt: skip
        statuses = dict(ScheduledPayment.objects.values_list("pk", "status"))
        assert (statuses[debits["too_late"]], statuses[debits["first"]]) == ("originated", "held")
        assert ScheduledPayment.objects.get(pk=debits["first"]).status_reason == (
            "no notice sent before the post-dated debit"
        )

    def test_a_noticed_debit_goes_in_its_window_and_is_held_when_made_after_it(
        self, tmp_path
    ) -> None:
        debits = _debits(_account())
        assert pre_debit_notices_send(as_of=AS_OF, actor=ACTOR, now=NOW).sent == 3

        monday = ach_originate(effective=date(2026, 11, 30), out=tmp_path / "a.ach", actor=ACTOR,
                               now=NOW)  # fmt: skip
        # Thursday 10 December is the 11th business day after the notices of Tuesday 24 November.
        late = ach_originate(effective=date(2026, 12, 10), out=tmp_path / "b.ach", actor=ACTOR,
                             now=NOW)  # fmt: skip

        assert (monday.entries, monday.held) == (2, {})
        assert (late.entries, late.held) == (0, {
            "no notice sent before the post-dated debit": 1,
            "notice not sent 3 to 10 business days before the debit": 2,
        })  # fmt: skip
        held = dict(
            ScheduledPayment.objects.filter(status="held").values_list("pk", "status_reason")
        )
        assert held == {
            debits["saturday"]: "notice not sent 3 to 10 business days before the debit",
            debits["last"]: "notice not sent 3 to 10 business days before the debit",
            debits["not_yet"]: "no notice sent before the post-dated debit",
        }


class TestPlanConfirmation:
    def test_confirms_every_payment_and_the_validation_rights_still_running(self) -> None:
        account = _account()
        validation_notices_send(as_of=date(2026, 11, 20), actor=ACTOR, now=NOW,
                                store=document_store(), renderer=letter_renderer())  # fmt: skip

        outcome = plan_confirmation_document(
            account_id=account.pk, subject="arrangement:1", agreed_on=date(2026, 11, 23),
            frequency="monthly", instalments=PLAN, balance_minor=102_500, grace_days=10,
            payment_method="by debit from your checking account ending in 6789",
            actor=ACTOR, now=NOW,
        )  # fmt: skip
        again = plan_confirmation_document(
            account_id=account.pk, subject="arrangement:1", agreed_on=date(2026, 11, 23),
            frequency="monthly", instalments=PLAN, balance_minor=102_500, actor=ACTOR, now=NOW,
        )  # fmt: skip

        assert (outcome.sent, outcome.created, again.created) == (True, True, False)
        assert outcome.reference.startswith(f"PL-{account.pk}-") and len(outcome.reference) == (
            len(f"PL-{account.pk}-") + 8)  # fmt: skip
        text = _text(outcome)
        for words in (
            "This confirms the payment plan you agreed to on November 23, 2026: 3 payments, one "
            "every month, totaling $1,025.00, the first due on December 1, 2026, by debit from "
            "your checking account ending in 6789.",
            "1 December 1, 2026 $341.68", "2 January 1, 2027 $341.66",
            "3 February 1, 2027 $341.66", "Total $1,025.00",
            "The balance when you agreed to the plan: $1,025.00. The plan's payments add up to "
            "that balance.",
            "If a payment is not received within 10 days after its due date, we may end the "
            "plan.",
            # Sent Friday 20 November: receipt assumed 5 business days later (Monday 30, with
            # Thanksgiving skipped), and 30 days from then.
            "You may still dispute all or part of the debt until December 30, 2026.",
            DEBT_COLLECTOR_LINE,
        ):  # fmt: skip
            assert words in text, words
        row = MoneyLetter.objects.get(kind="plan_confirmation")
        assert (row.subject, row.amount_minor, row.payment_id, row.scheduled_id) == (
            "arrangement:1", 102_500, None, None)  # fmt: skip
        assert ContactAttempt.objects.filter(purpose="transactional").count() == 1

    def test_bad_values_are_refused_before_the_rules_are_asked(self) -> None:
        account = _account()
        hold_add(account_id=account.pk, kind="cease", starts_on=date(2026, 11, 2),
                 source="consumer letter", actor=ACTOR, now=NOW)  # fmt: skip
        with pytest.raises(LetterRefused, match="more than the balance"):
            plan_confirmation_document(
                account_id=account.pk, subject="arrangement:1", agreed_on=date(2026, 11, 23),
                frequency="monthly", instalments=PLAN, balance_minor=100_000, actor=ACTOR,
                now=NOW,
            )  # fmt: skip
        with pytest.raises(LetterRefused, match="subject"):
            plan_confirmation_document(
                account_id=account.pk, subject=" ", agreed_on=date(2026, 11, 23),
                frequency="monthly", instalments=PLAN, balance_minor=102_500, actor=ACTOR,
                now=NOW,
            )  # fmt: skip
        with pytest.raises(NotFound):
            plan_confirmation_document(
                account_id=999_999, subject="arrangement:1", agreed_on=date(2026, 11, 23),
                frequency="monthly", instalments=PLAN, balance_minor=102_500, actor=ACTOR,
                now=NOW,
            )  # fmt: skip
        assert MoneyLetter.objects.count() == 0
        assert AuditEvent.objects.filter(event="letter.blocked").count() == 0


class TestSettlementConfirmation:
    def test_a_settlement_forgiving_625_dollars_may_be_reported_to_the_irs(self) -> None:
        account = _account()
        outcome = settlement_confirmation_document(
            account_id=account.pk, subject="arrangement:2", agreed_on=date(2026, 11, 23),
            balance_minor=102_500, amount_minor=40_000,
            instalments=[(date(2026, 12, 1), 40_000)], actor=ACTOR, now=NOW,
        )  # fmt: skip
        text = _text(outcome)
        for words in (
            "On November 23, 2026 you agreed to settle this account. The balance is $1,025.00. "
            "We agreed to accept $400.00 to settle it, in one payment due on December 1, 2026.",
            "Amount forgiven once all payments clear $625.00",
            "Your account will be settled and closed once all payments clear.",
            "If a payment is not received by its due date, this settlement ends. The payments "
            "you made will be credited to your account, and the balance of $1,025.00, less those "
            "payments, will again be owed.",
            "ACME Bank may be required to report the amount forgiven ($625.00) to the IRS.",
            DEBT_COLLECTOR_LINE,
        ):  # fmt: skip
            assert words in text, words
        row = MoneyLetter.objects.get()
        assert (row.kind, row.amount_minor, row.reference) == (
            "settlement_confirmation", 40_000, outcome.reference)  # fmt: skip

    def test_forgiving_less_than_600_dollars_says_nothing_of_the_irs(self) -> None:
        account = _account()
        outcome = settlement_confirmation_document(
            account_id=account.pk, subject="arrangement:3", agreed_on=date(2026, 11, 23),
            balance_minor=102_500, amount_minor=42_501,
            instalments=[(date(2026, 12, 1), 21_251), (date(2027, 1, 1), 21_250)],
            actor=ACTOR, now=NOW,
        )  # fmt: skip
        text = _text(outcome)
        assert "Amount forgiven once all payments clear $599.99" in text
        assert "1 December 1, 2026 $212.51 2 January 1, 2027 $212.50 Total $425.01" in text
        assert "IRS" not in text

    def test_a_time_barred_california_debt_carries_the_state_notice(self) -> None:
        account = _account(address=("San Francisco", "CA", "94105"),
                           charge_off_date=date(2020, 1, 10))  # fmt: skip
        outcome = settlement_confirmation_document(
            account_id=account.pk, subject="arrangement:4", agreed_on=date(2026, 11, 23),
            balance_minor=102_500, amount_minor=60_000,
            instalments=[(date(2026, 12, 1), 60_000)], actor=ACTOR, now=NOW,
        )  # fmt: skip
        assert (
            "The law limits how long you can be sued on a debt. Because of the age of your debt, "
            "we will not sue you for it." in _text(outcome)
        )


class TestRetention:
    def test_a_purge_destroys_the_letters_kept_in_the_store(self) -> None:
        account = _account()
        outcome = payment_confirmation_send(
            payment_id=_pay(account, 102_500, date(2026, 11, 20)), actor=ACTOR, now=NOW
        )  # paid in full: no longer in collection
        store = document_store()
        assert store.exists(outcome.pdf_key) and store.exists(outcome.html_key)

        report = retention_purge(as_of=date(2030, 1, 1), actor=ACTOR, now=NOW, store=store)

        assert (report.accounts, report.documents) == (1, 2)
        assert not store.exists(outcome.pdf_key)
        assert not store.exists(outcome.html_key)
        assert MoneyLetter.objects.get().amount_minor == 102_500  # the record stays
