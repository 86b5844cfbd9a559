"""Card payments as values: tokens and keys are checked before a gateway is asked, a
convenience fee rides on a payment plan without touching what the consumer's amount pays, and a
look-up's answer about an unanswered attempt is believed only when it can be."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.cards import (
    ChargeResult,
    ChargeStatus,
    Lookup,
    RefundResult,
    RefundStatus,
    charge_lookup,
    idempotency_key_problem,
    plan_with_fee,
    refund_lookup,
    token_problem,
)
from arrears.core.ledger import Balances, Position, parse_waterfall, plan_payment


class TestTokens:
    @pytest.mark.parametrize(
        "token",
        ["pm_card_visa", "tok_visa", "pm_card_chargeDeclinedInsufficientFunds",
         "pm_1Q0PsIJvEtkwdCNYMSaVuRz6"],
    )  # fmt: skip
    def test_accepts_gateway_tokens(self, token: str) -> None:
        assert token_problem(token) == ""

    @pytest.mark.parametrize(
        "number",
        ["4242424242424242", "4242 4242 4242 4242", "4000-0000-0000-9995", "378282246310005"],
    )
    def test_refuses_a_card_number_without_repeating_it(self, number: str) -> None:
        problem = token_problem(number)
        assert (
            problem
            == "that looks like a card number: send the gateway's token for it, never the number"
        )
        assert number not in problem

    @pytest.mark.parametrize("token", ["", "visa", "pm card visa", "pm_<script>", "PM_card_visa"])
    def test_refuses_what_is_not_a_token(self, token: str) -> None:
        assert token_problem(token) == (
            "a card token looks like pm_... or tok_... (letters, digits and underscores)"
        )


class TestIdempotencyKeys:
    def test_accepts_a_printable_key_of_at_most_80_characters(self) -> None:
        assert idempotency_key_problem("order-42/try-1") == ""
        assert idempotency_key_problem("k" * 80) == ""

    @pytest.mark.parametrize("key", ["", "   ", "k" * 81, "tab\there", " padded"])
    def test_refuses_a_missing_long_or_unprintable_key(self, key: str) -> None:
        assert idempotency_key_problem(key) != ""


def _plan(balances: Balances, amount: int, waterfall: str = "fees,costs,interest,principal"):  # type: ignore[no-untyped-def]
    return plan_payment(Position(balances, parse_waterfall(waterfall)), amount, date(2026, 11, 23))


class TestPlanWithFee:
    def test_the_fee_is_paid_from_its_own_part_whatever_the_waterfall(self) -> None:
        owed = Balances(principal=10_000, fees=500)
        plan = _plan(owed, 3_000, "principal,interest,fees,costs")

        with_fee = plan_with_fee(plan, 250)

        assert plan.reduction == Balances(principal=-3_000)
        assert with_fee.reduction == Balances(principal=-3_000, fees=-250)
        assert (with_fee.applied_minor, with_fee.unapplied_minor) == (3_250, 0)
        assert with_fee.balances == plan.balances == Balances(principal=7_000, fees=500)

    def test_no_fee_leaves_the_plan_as_it_was(self) -> None:
        plan = _plan(Balances(principal=1_000), 400)
        assert plan_with_fee(plan, 0) is plan

    def test_refuses_a_negative_or_inexact_fee(self) -> None:
        plan = _plan(Balances(principal=1_000), 400)
        with pytest.raises(ValueError, match="cannot be negative"):
            plan_with_fee(plan, -1)
        with pytest.raises(TypeError, match="must be an int"):
            plan_with_fee(plan, 2.5)  # type: ignore[arg-type]

    @given(
        principal=st.integers(0, 10**7), fees=st.integers(0, 10**5), amount=st.integers(1, 10**7),
        fee=st.integers(0, 10**4),
    )  # fmt: skip
    def test_fee_entry_and_payment_together_change_the_balance_by_the_amount_applied(
        self, principal: int, fees: int, amount: int, fee: int
    ) -> None:
        owed = Balances(principal=principal, fees=fees)
        plan = _plan(owed, amount)
        with_fee = plan_with_fee(plan, fee)
        after = owed + Balances(fees=fee) + with_fee.reduction
        assert after == plan.balances
        assert with_fee.applied_minor + with_fee.unapplied_minor == amount + fee


class TestLookups:
    LAG = timedelta(hours=1)

    @pytest.mark.parametrize(
        "result",
        [ChargeResult(ChargeStatus.SUCCEEDED, "pi_1", 5_000),
         ChargeResult(ChargeStatus.DECLINED, "pi_1", code="card_declined"),
         ChargeResult(ChargeStatus.INVALID, code="resource_missing")],
    )  # fmt: skip
    def test_a_charge_the_gateway_answers_for_is_answered_however_recent(
        self, result: ChargeResult
    ) -> None:
        assert charge_lookup(result, since_asked=timedelta(0), lag=self.LAG) is Lookup.ANSWERED

    def test_no_answer_is_never_taken_for_an_answer_or_for_no_record(self) -> None:
        result = ChargeResult(ChargeStatus.ERROR, code="no_answer")
        for since in (timedelta(0), timedelta(days=30)):
            assert charge_lookup(result, since_asked=since, lag=self.LAG) is Lookup.UNREACHABLE

    def test_no_record_is_believed_only_once_the_look_up_has_caught_up(self) -> None:
        minute = timedelta(minutes=1)
        assert charge_lookup(None, since_asked=59 * minute, lag=self.LAG) is Lookup.WAIT
        assert charge_lookup(None, since_asked=60 * minute, lag=self.LAG) is Lookup.NOT_FOUND
        assert charge_lookup(None, since_asked=-minute, lag=timedelta(0)) is Lookup.WAIT
        assert charge_lookup(None, since_asked=timedelta(0), lag=timedelta(0)) is Lookup.NOT_FOUND

    @pytest.mark.parametrize(
        ("result", "lookup"),
        [(RefundResult(RefundStatus.SUCCEEDED, "re_1", 700), Lookup.ANSWERED),
         (RefundResult(RefundStatus.PENDING, "re_1", 700), Lookup.ANSWERED),
         (RefundResult(RefundStatus.FAILED, "re_1", 700, code="charge_disputed"), Lookup.ANSWERED),
         (RefundResult(RefundStatus.ERROR, code="no_answer"), Lookup.UNREACHABLE),
         (None, Lookup.NOT_FOUND)],
    )  # fmt: skip
    def test_a_refund_is_answered_unless_there_is_no_answer(
        self, result: RefundResult | None, lookup: Lookup
    ) -> None:
        assert refund_lookup(result, since_asked=self.LAG, lag=self.LAG) is lookup

    def test_a_refund_with_no_record_yet_waits_out_the_lag(self) -> None:
        assert refund_lookup(None, since_asked=timedelta(minutes=5), lag=self.LAG) is Lookup.WAIT
