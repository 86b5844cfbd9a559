"""Splitting cash (core.trust.split): share + commission is the cash, always; commission is
rounded half to even and symmetric; what is given back takes back commission at the payment's
rate, to the cent once all of it is back."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.trust import PPM, SplitError, commission_on, fee_taken_back, split, take_back

cash = st.integers(min_value=-(10**12), max_value=10**12)
positive = st.integers(min_value=1, max_value=10**10)
rates = st.integers(min_value=0, max_value=PPM)


class TestSplit:
    def test_a_quarter_of_one_hundred_dollars(self) -> None:
        assert split(10_000, 250_000) == (7_500, 2_500)

    def test_half_cents_round_to_even(self) -> None:
        assert split(2, 250_000) == (2, 0)  # 0.5 -> 0
        assert split(6, 250_000) == (4, 2)  # 1.5 -> 2
        assert split(10, 250_000) == (8, 2)  # 2.5 -> 2
        assert split(14, 250_000) == (10, 4)  # 3.5 -> 4
        assert split(3_333, 333_333) == (2_222, 1_111)  # 1110.9989 -> 1111

    def test_negative_cash_splits_as_the_mirror_image(self) -> None:
        assert split(-6, 250_000) == (-4, -2)
        assert split(-10, 250_000) == (-8, -2)

    def test_no_commission_and_all_commission(self) -> None:
        assert split(12_345, 0) == (12_345, 0)
        assert split(12_345, PPM) == (0, 12_345)

    def test_refuses_floats_and_rates_out_of_range(self) -> None:
        with pytest.raises(TypeError):
            split(10.5, 250_000)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            split(100, PPM + 1)

    @given(cash=cash, rate=rates)
    def test_share_plus_commission_is_the_cash(self, cash: int, rate: int) -> None:
        share, commission = split(cash, rate)
        assert share + commission == cash

    @given(cash=cash, rate=rates)
    def test_commission_is_within_half_a_cent_of_the_exact_figure(
        self, cash: int, rate: int
    ) -> None:
        exact = Fraction(cash * rate, PPM)
        assert abs(commission_on(cash, rate) - exact) <= Fraction(1, 2)

    @given(cash=cash, rate=rates)
    def test_commission_is_symmetric_and_never_more_than_the_cash(
        self, cash: int, rate: int
    ) -> None:
        share, commission = split(cash, rate)
        assert commission_on(-cash, rate) == -commission
        assert abs(commission) <= abs(cash) and abs(share) <= abs(cash)
        assert commission * cash >= 0 and share * cash >= 0


class TestTakeBack:
    def test_a_full_reversal_negates_the_payment_split_exactly(self) -> None:
        assert split(10_001, 300_000) == (7_001, 3_000)
        assert take_back(10_001, 300_000, 0, -10_001) == (-7_001, -3_000)

    def test_a_refund_in_parts_takes_back_the_commission_to_the_cent(self) -> None:
        # 3 at 50 %: commission 2 (1.5 -> 2). Refunded as 1 then 2: 0 (0.5 -> 0) then 2.
        assert split(3, 500_000) == (1, 2)
        first = take_back(3, 500_000, 0, -1)
        second = take_back(3, 500_000, -1, -2)
        assert first == (-1, 0)
        assert second == (0, -2)
        assert first[1] + second[1] == -2

    def test_refuses_giving_back_more_than_the_payment_brought(self) -> None:
        with pytest.raises(SplitError, match="110 would be given back of a payment that brought"):
            take_back(100, 250_000, -60, -50)

    def test_refuses_cash_that_is_not_given_back(self) -> None:
        with pytest.raises(SplitError):
            take_back(100, 250_000, 0, 5)

    @given(payment=positive, rate=rates)
    def test_a_reversal_restores_the_split_exactly(self, payment: int, rate: int) -> None:
        share, commission = split(payment, rate)
        assert take_back(payment, rate, 0, -payment) == (-share, -commission)

    @given(payment=positive, rate=rates, cuts=st.lists(st.integers(1, 10**6), max_size=8))
    def test_any_refunds_that_give_everything_back_give_back_the_whole_commission(
        self, payment: int, rate: int, cuts: list[int]
    ) -> None:
        points = sorted({c % payment for c in cuts if c % payment})
        parts = [b - a for a, b in zip([0, *points], [*points, payment], strict=True)]
        before = 0
        total_share = total_commission = 0
        for part in parts:
            share, commission = take_back(payment, rate, before, -part)
            assert share + commission == -part
            assert commission <= 0 and share <= 0
            total_share += share
            total_commission += commission
            before -= part
        assert (total_share, total_commission) == tuple(-x for x in split(payment, rate))


class TestConvenienceFees:
    """A card payment's convenience fee is all commission; the rest is split at the rate; what
    is given back comes off the rest first and off the fee last."""

    def test_the_fee_is_all_commission_and_the_rest_is_split_at_the_rate(self) -> None:
        # 100.00 for the debt + 2.50 fee at 25 %: commission 25.00 + 2.50, share 75.00.
        assert split(10_250, 250_000, 250) == (7_500, 2_750)
        # 100.01 + 2.51 at 30 %: 30.003 -> 30.00, + 2.51.
        assert split(10_252, 300_000, 251) == (7_001, 3_251)

    def test_a_payment_that_is_all_fee_leaves_the_client_nothing(self) -> None:
        assert split(250, 250_000, 250) == (0, 250)

    def test_refuses_a_fee_that_is_not_part_of_the_cash(self) -> None:
        with pytest.raises(SplitError, match="a fee of 300 is not part of cash of 200"):
            split(200, 250_000, 300)
        with pytest.raises(SplitError, match="a fee of -5 is not part of cash of 200"):
            split(200, 250_000, -5)
        with pytest.raises(TypeError):
            split(200, 250_000, 2.5)  # type: ignore[arg-type]

    def test_a_full_reversal_gives_back_the_fee_with_the_rest(self) -> None:
        assert take_back(10_250, 250_000, 0, -10_250, 250) == (-7_500, -2_750)
        assert fee_taken_back(10_250, 250, 0, -10_250) == -250

    def test_refunds_give_back_the_rest_first_and_the_fee_last(self) -> None:
        # As the ledger refunds a card payment: 100.00 first, then the 2.50 fee with the last.
        assert take_back(10_250, 250_000, 0, -10_000, 250) == (-7_500, -2_500)
        assert fee_taken_back(10_250, 250, 0, -10_000) == 0
        assert take_back(10_250, 250_000, -10_000, -250, 250) == (0, -250)
        assert fee_taken_back(10_250, 250, -10_000, -250) == -250

    def test_a_refund_crossing_into_the_fee_splits_at_the_boundary(self) -> None:
        # 102.50 brought, of which 100.00 rest. 50.00 was given back before; now 52.50: the other
        # 50.00 of the rest at 25 % (-12.50) and the 2.50 fee (-2.50).
        assert take_back(10_250, 250_000, -5_000, -5_250, 250) == (-3_750, -1_500)
        assert fee_taken_back(10_250, 250, -5_000, -5_250) == -250

    @given(
        rest=st.integers(min_value=0, max_value=10**9),
        fee=st.integers(min_value=1, max_value=10**6),
        rate=rates,
        cuts=st.lists(st.integers(1, 10**9), max_size=8),
    )
    def test_the_fee_never_reaches_the_client_and_comes_back_to_the_cent(
        self, rest: int, fee: int, rate: int, cuts: list[int]
    ) -> None:
        payment = rest + fee
        share, commission = split(payment, rate, fee)
        assert (share, commission - fee) == split(rest, rate)  # the share is the rest's alone
        points = sorted({c % payment for c in cuts if c % payment})
        parts = [b - a for a, b in zip([0, *points], [*points, payment], strict=True)]
        before = total_share = total_commission = total_fee = 0
        for part in parts:
            back_share, back_commission = take_back(payment, rate, before, -part, fee)
            back_fee = fee_taken_back(payment, fee, before, -part)
            assert back_share + back_commission == -part
            assert back_commission <= back_fee <= 0 and back_share <= 0
            # nothing of the fee comes back while some of the rest is still kept
            if -(before - part) <= rest:
                assert back_fee == 0
            before -= part
            total_share += back_share
            total_commission += back_commission
            total_fee += back_fee
        assert (total_share, total_commission, total_fee) == (-share, -commission, -fee)
