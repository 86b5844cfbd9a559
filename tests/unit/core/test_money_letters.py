"""The letters about money as values: each checks itself, and the notice before a post-dated
debit goes out only inside its window (3 to 10 federal business days before the debit).

November 2026: Veterans Day is Wednesday the 11th, Thanksgiving Thursday the 26th; Juneteenth
2026 is Friday 19 June, and Independence Day (Saturday 4 July) is observed on Friday 3 July,
a day the Federal Reserve still settles.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.compliance import CollectorKind
from arrears.core.compliance.validation import NoticeError, Party
from arrears.core.letters import (
    Applied,
    BrokenKind,
    Instalment,
    LetterHead,
    MoneyLetterError,
    PaymentConfirmation,
    PreDebitNotice,
    ReturnedPaymentNotice,
    broken_notice,
    check_pre_debit_send_date,
    in_pre_debit_window,
    last_business_day_before,
    plan_confirmation,
    pre_debit_debit_window,
    pre_debit_notice_problem,
    pre_debit_send_window,
    settlement_confirmation,
)
from arrears.core.money import Money
from arrears.core.time import Period

SENT = date(2026, 11, 23)  # a Monday


def usd(minor: int) -> Money:
    return Money.from_minor(minor, "USD")


def head(sent_on: date = SENT, kind: str = "agency", **changes: object) -> LetterHead:
    base = LetterHead(
        reference="X-1", sent_on=sent_on,
        collector=Party("Arrears Recovery Services", ("PO Box 4100", "Albany, NY 12204")),
        collector_phone="(800) 555-0142", collector_hours="Monday to Friday, 8 am to 8 pm",
        collector_website="", consumer=Party("Pat Doe", ("1 Main St", "Buffalo, NY 14201")),
        account_number="42", creditor="ACME Bank", collector_kind=CollectorKind(kind),
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


class TestPreDebitWindow:
    @pytest.mark.parametrize(
        ("debit_on", "first", "last"),
        [
            # Monday after Thanksgiving: the 3rd business day before is Tuesday the 24th
            # (Friday 27, Wednesday 25, Tuesday 24); the 10th is Friday the 13th.
            (date(2026, 11, 30), date(2026, 11, 13), date(2026, 11, 24)),
            # Wednesday 2 December: the 3rd business day before is Friday 27 November, and a
            # notice sent that weekend still has Monday, Tuesday and Wednesday to count.
            (date(2026, 12, 2), date(2026, 11, 17), date(2026, 11, 29)),
            # Friday 13 November: Veterans Day is skipped both ways.
            (date(2026, 11, 13), date(2026, 10, 29), date(2026, 11, 9)),
            # Friday 3 July 2026, a federal holiday the Federal Reserve settles on: counted from
            # Thursday 2 July backwards, and from Monday 6 July for the 10 days (Juneteenth
            # skipped): Thursday 18 June.
            (date(2026, 7, 3), date(2026, 6, 18), date(2026, 6, 29)),
        ],
    )
    def test_the_send_dates_of_a_debit(self, debit_on: date, first: date, last: date) -> None:
        assert pre_debit_send_window(debit_on) == Period(first, last + timedelta(days=1))

    def test_the_debit_dates_a_notice_sent_on_a_tuesday_before_thanksgiving_may_announce(
        self,
    ) -> None:
        # 3 business days after Tuesday 24 November: Wednesday 25, Friday 27, Monday 30;
        # 10: then 1, 2, 3, 4, 7, 8 and Wednesday 9 December.
        assert pre_debit_debit_window(date(2026, 11, 24)) == Period(
            date(2026, 11, 30), date(2026, 12, 10)
        )

    @given(
        debit_on=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)),
        back=st.integers(min_value=0, max_value=30),
    )
    def test_the_windows_agree_with_counting_business_days(self, debit_on: date, back: int):
        sent_on = debit_on - timedelta(days=back)
        inside = in_pre_debit_window(sent_on, debit_on)
        assert pre_debit_send_window(debit_on).contains(sent_on) is inside
        assert pre_debit_debit_window(sent_on).contains(debit_on) is inside

    def test_a_notice_outside_the_window_is_refused_with_the_window(self) -> None:
        with pytest.raises(MoneyLetterError) as refused:
            check_pre_debit_send_date(date(2026, 11, 25), date(2026, 11, 30))
        assert str(refused.value) == (
            "a notice of the debit on 2026-11-30 goes out between 3 and 10 business days before "
            "it, from 2026-11-13 to 2026-11-24, not on 2026-11-25"
        )
        with pytest.raises(MoneyLetterError):
            check_pre_debit_send_date(date(2026, 11, 12), date(2026, 11, 30))
        check_pre_debit_send_date(date(2026, 11, 13), date(2026, 11, 30))
        check_pre_debit_send_date(date(2026, 11, 24), date(2026, 11, 30))

    def test_the_last_day_to_cancel_is_the_business_day_before_the_debit(self) -> None:
        assert last_business_day_before(date(2026, 11, 30)) == date(2026, 11, 27)
        assert last_business_day_before(date(2026, 11, 27)) == date(2026, 11, 25)


def notice(sent_on: date, **changes: object) -> PreDebitNotice:
    base = {
        "head": head(sent_on), "amount": usd(5_000), "scheduled_for": date(2026, 11, 28),
        "debit_on": date(2026, 11, 30), "bank_account": "checking account ending in 6789",
        "cancel_by": date(2026, 11, 27),
    }  # fmt: skip
    return PreDebitNotice(**{**base, **changes})  # type: ignore[arg-type]


class TestPreDebitNotice:
    def test_a_notice_inside_its_window_is_built(self) -> None:
        built = notice(date(2026, 11, 24))
        assert (built.debit_on, built.cancel_by, built.amount) == (
            date(2026, 11, 30), date(2026, 11, 27), usd(5_000))  # fmt: skip

    def test_a_notice_two_business_days_before_the_debit_is_refused(self) -> None:
        with pytest.raises(MoneyLetterError, match="not on 2026-11-25"):
            notice(date(2026, 11, 25), cancel_by=date(2026, 11, 27))

    def test_a_notice_is_a_notice_error_so_callers_of_the_validation_letters_catch_it(
        self,
    ) -> None:
        with pytest.raises(NoticeError):
            notice(date(2026, 11, 12))

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"cancel_by": date(2026, 11, 30)}, "the last day to cancel (2026-11-30)"),
            ({"cancel_by": date(2026, 11, 23)}, "the last day to cancel (2026-11-23)"),
            ({"amount": usd(0)}, "the debit must be more than zero"),
            ({"bank_account": " "}, "name the bank account"),
            ({"scheduled_for": date(2026, 12, 1)}, "on or after the day agreed"),
            ({"returned_fee": Money.from_minor(2_500, "EUR")}, "one currency"),
        ],
    )
    def test_refuses(self, changes: dict[str, object], message: str) -> None:
        with pytest.raises(MoneyLetterError, match=message.replace("(", r"\(").replace(")", r"\)")):
            notice(date(2026, 11, 24), **changes)


class TestLetterHead:
    @pytest.mark.parametrize(
        ("kind", "says"), [("agency", True), ("debt_buyer", True), ("first_party", False)]
    )
    def test_only_debt_collectors_carry_the_debt_collector_disclosure(self, kind, says) -> None:
        assert head(kind=kind).from_debt_collector is says

    def test_a_consumer_without_a_mailing_address_is_refused(self) -> None:
        with pytest.raises(MoneyLetterError, match="no mailing address"):
            head(consumer=Party("Pat Doe", ()))


class TestPaymentConfirmation:
    def confirmation(self, **changes: object) -> PaymentConfirmation:
        base = {
            "head": head(), "amount": usd(12_550), "received_on": date(2026, 11, 20),
            "method": "ACH", "payment_reference": "ACH-1", "balance_after": usd(89_950),
            "applied": (Applied("Fees", usd(2_500)), Applied("Principal", usd(10_050))),
        }  # fmt: skip
        return PaymentConfirmation(**{**base, **changes})  # type: ignore[arg-type]

    def test_applied_and_held_add_up_to_the_payment(self) -> None:
        held = self.confirmation(
            applied=(Applied("Principal", usd(10_000)),), unapplied=usd(2_550),
            unapplied_reason="it is more than the balance",
        )  # fmt: skip
        assert held.unapplied == usd(2_550)

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"applied": (Applied("Fees", usd(2_500)),)}, "applied and held as 2500 minor units"),
            ({"unapplied": usd(10_050), "applied": (Applied("Fees", usd(2_500)),)},
             "say why part of the payment is held"),
            ({"balance_after": usd(-1)}, "must not be negative"),
            ({"received_on": date(2026, 11, 24)}, "on or after the day it was received"),
            ({"balance_after": Money.from_minor(89_950, "EUR")}, "one currency"),
            ({"method": ""}, "say how the payment was made"),
        ],
    )  # fmt: skip
    def test_refuses(self, changes: dict[str, object], message: str) -> None:
        with pytest.raises(MoneyLetterError, match=message):
            self.confirmation(**changes)


class TestReturnedPaymentNotice:
    def returned(self, **changes: object) -> ReturnedPaymentNotice:
        base = {
            "head": head(), "amount": usd(5_000), "method": "ACH",
            "received_on": date(2026, 11, 16), "returned_on": date(2026, 11, 20),
            "reason": "insufficient funds (R01)", "added_back": usd(5_000), "fee": usd(2_500),
            "balance_now": usd(102_500),
        }  # fmt: skip
        return ReturnedPaymentNotice(**{**base, **changes})  # type: ignore[arg-type]

    def test_a_retry_is_announced_after_the_return(self) -> None:
        assert self.returned(retry_on=date(2026, 11, 23)).retry_on == date(2026, 11, 23)

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"retry_on": date(2026, 11, 23), "authorization_ended": True},
             "nothing is presented again under an ended authorization"),
            ({"retry_on": date(2026, 11, 20)}, "presented again after it came back"),
            ({"returned_on": date(2026, 11, 13)}, "on or after the day it was received"),
            ({"returned_on": date(2026, 11, 24)}, "on or after the day of the return"),
            ({"fee": usd(-2_500)}, "must not be negative"),
            ({"added_back": usd(5_001)}, "more cannot be added back than was paid"),
            ({"reason": ""}, "say why the payment was returned"),
        ],
    )  # fmt: skip
    def test_refuses(self, changes: dict[str, object], message: str) -> None:
        with pytest.raises(MoneyLetterError, match=message):
            self.returned(**changes)


THREE_MONTHS = [(date(2026, 12, 1), 33_334), (date(2027, 1, 1), 33_333), (date(2027, 2, 1), 33_333)]


class TestPlanConfirmation:
    def test_is_built_from_plain_values(self) -> None:
        plan = plan_confirmation(
            head=head(), agreed_on=SENT, frequency="monthly", instalments=THREE_MONTHS,
            balance_minor=120_000, grace_days=10,
        )  # fmt: skip
        assert plan.instalments == (
            Instalment(date(2026, 12, 1), usd(33_334)),
            Instalment(date(2027, 1, 1), usd(33_333)),
            Instalment(date(2027, 2, 1), usd(33_333)),
        )
        assert (plan.total, plan.first_due_on, plan.remaining_after) == (
            usd(100_000), date(2026, 12, 1), usd(20_000))  # fmt: skip

    def test_the_validation_period_is_running_through_its_last_day(self) -> None:
        def plan(ends_on: date) -> bool:
            return plan_confirmation(
                head=head(), agreed_on=SENT, frequency="monthly", instalments=THREE_MONTHS,
                balance_minor=100_000, validation_period_ends_on=ends_on,
            ).validation_period_running  # fmt: skip

        assert (plan(SENT), plan(SENT - timedelta(days=1))) == (True, False)

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"balance_minor": 99_999}, r"payments total USD 1000.00, more than the balance"),
            ({"frequency": "yearly"}, "frequency is one of weekly, biweekly, semimonthly, monthly"),
            ({"instalments": []}, "at least one payment"),
            ({"instalments": [THREE_MONTHS[1], THREE_MONTHS[0]]},
             "the payment due on 2026-12-01 is not after the one before it"),
            ({"instalments": [(date(2026, 11, 20), 1_000)]}, "due before the agreement"),
            ({"instalments": [(date(2026, 12, 1), 10.5)]}, "int minor units"),
            ({"instalments": [(date(2026, 12, 1), 0)]}, "must be more than zero"),
            ({"instalments": [date(2026, 12, 1)]}, r"is \(due_on, amount_minor\)"),
            ({"grace_days": -1}, "days of grace"),
            ({"agreed_on": date(2026, 11, 24)}, "confirmed on or after the day it was agreed"),
        ],
    )  # fmt: skip
    def test_refuses(self, changes: dict[str, object], message: str) -> None:
        values = {"head": head(), "agreed_on": SENT, "frequency": "monthly",
                  "instalments": THREE_MONTHS, "balance_minor": 100_000}  # fmt: skip
        with pytest.raises(MoneyLetterError, match=message):
            plan_confirmation(**{**values, **changes})  # type: ignore[arg-type]


class TestSettlementConfirmation:
    def settlement(self, amount_minor: int, rows=None, **changes: object):  # type: ignore[no-untyped-def]
        return settlement_confirmation(
            head=head(), agreed_on=SENT, balance_minor=100_000, amount_minor=amount_minor,
            instalments=rows or [(date(2026, 12, 1), amount_minor)], **changes,  # type: ignore[arg-type]
        )  # fmt: skip

    def test_mentions_the_irs_from_600_dollars_forgiven(self) -> None:
        assert (self.settlement(40_000).forgiven, self.settlement(40_000).mentions_irs) == (
            usd(60_000), True)  # fmt: skip
        assert (self.settlement(40_001).forgiven, self.settlement(40_001).mentions_irs) == (
            usd(59_999), False)  # fmt: skip

    def test_a_lump_sum_is_one_payment(self) -> None:
        assert self.settlement(40_000).lump_sum is True
        rows = [(date(2026, 12, 1), 20_000), (date(2027, 1, 1), 20_000)]
        assert self.settlement(40_000, rows).lump_sum is False

    @pytest.mark.parametrize(
        ("amount", "rows", "message"),
        [
            (40_000, [(date(2026, 12, 1), 20_000)],
             r"the payments total USD 200.00, not the settlement amount USD 400.00"),
            (100_001, [(date(2026, 12, 1), 100_001)], "is more than the balance"),
            (0, [(date(2026, 12, 1), 1)], "the settlement amount must be more than zero"),
        ],
    )  # fmt: skip
    def test_refuses(self, amount: int, rows, message: str) -> None:  # type: ignore[no-untyped-def]
        with pytest.raises(MoneyLetterError, match=message):
            self.settlement(amount, rows)


class TestBrokenNotice:
    def notice(self, kind: str = "plan", **changes: object):  # type: ignore[no-untyped-def]
        values: dict[str, object] = {
            "head": head(), "kind": kind, "agreed_on": date(2026, 10, 1),
            "missed_on": date(2026, 11, 1), "missed_minor": 40_000, "received_minor": 40_000,
            "ended_on": date(2026, 11, 4), "balance_minor": 80_000, "grace_days": 3,
        }  # fmt: skip
        values.update(changes)
        return broken_notice(**values)  # type: ignore[arg-type]

    def test_is_built_from_plain_values_and_names_the_balance_as_its_amount(self) -> None:
        letter = self.notice("settlement", settlement_minor=90_000)
        assert (letter.kind, letter.missed, letter.received, letter.amount) == (
            BrokenKind.SETTLEMENT, Instalment(date(2026, 11, 1), usd(40_000)), usd(40_000),
            usd(80_000))  # fmt: skip
        assert letter.settlement_amount == usd(90_000)

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"kind": "loan"}, "kind is one of promise, plan, settlement, not 'loan'"),
            ({"kind": "settlement"}, "names the amount that was agreed"),
            ({"settlement_minor": 90_000}, "a plan has no settlement amount"),
            ({"balance_minor": 0}, "the balance owed must be more than zero"),
            ({"received_minor": -1}, "the amount received must not be negative"),
            ({"missed_on": date(2026, 9, 30)}, r"is due before the agreement \(2026-10-01\)"),
            ({"ended_on": date(2026, 10, 31)}, "ended .* before the missed payment was due"),
            ({"ended_on": date(2026, 11, 24)}, "sent on or after the day it ended"),
            ({"missed_minor": 400.0}, "missed_minor must be int minor units"),
        ],
    )  # fmt: skip
    def test_refuses(self, changes: dict[str, object], message: str) -> None:
        with pytest.raises(MoneyLetterError, match=message):
            self.notice(**changes)


class TestWhenADebitNeedsItsNotice:
    @pytest.mark.parametrize(
        ("due_on", "debit_on", "noticed_on", "problem"),
        [
            # Five days after it was given is not post-dated "by more than five days".
            (date(2026, 11, 28), date(2026, 11, 30), None, ""),
            (date(2026, 11, 29), date(2026, 11, 30), None,
             "no notice sent before the post-dated debit"),
            (date(2026, 12, 9), date(2026, 12, 9), date(2026, 11, 24), ""),  # 10th business day
            (date(2026, 12, 9), date(2026, 12, 10), date(2026, 11, 24),
             "notice not sent 3 to 10 business days before the debit"),  # the 11th
            (date(2026, 12, 9), date(2026, 12, 9), date(2026, 12, 7),
             "notice not sent 3 to 10 business days before the debit"),  # only 2 before
        ],
    )  # fmt: skip
    def test_a_debit_post_dated_more_than_five_days_waits_for_a_notice_in_its_window(
        self, due_on: date, debit_on: date, noticed_on: date | None, problem: str
    ) -> None:
        assert pre_debit_notice_problem(SENT, due_on, debit_on, noticed_on) == problem
