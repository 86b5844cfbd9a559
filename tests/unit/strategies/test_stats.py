"""The intervals the campaign results show, held to published and hand-worked values."""

from __future__ import annotations

import statistics
from decimal import Decimal
from fractions import Fraction

import pytest

from arrears.core.strategies.stats import mean_interval, sample_variance, to_minor, wilson


class TestWilson:
    def test_ten_of_a_hundred_matches_the_published_interval(self) -> None:
        # Newcombe (1998), table I: 10/100 -> 0.0552 to 0.1744 by the score method.
        r = wilson(10, 100)
        assert (r.rate, r.low, r.high) == (Decimal("0.1"), Decimal("0.0552"), Decimal("0.1744"))

    def test_none_of_ten_still_has_an_upper_bound(self) -> None:
        r = wilson(0, 10)
        assert (r.rate, r.low, r.high) == (Decimal(0), Decimal("0.0000"), Decimal("0.2775"))

    def test_all_of_five_stays_inside_one(self) -> None:
        r = wilson(5, 5)
        assert (r.low, r.high) == (Decimal("0.5655"), Decimal("1.0000"))

    def test_no_accounts_is_no_rate_rather_than_a_division_by_zero(self) -> None:
        r = wilson(0, 0)
        assert (r.rate, r.low, r.high) == (None, None, None)

    def test_more_successes_than_trials_is_refused(self) -> None:
        with pytest.raises(ValueError):
            wilson(3, 2)


class TestMeanInterval:
    def test_three_payments_give_the_textbook_interval_to_the_cent(self) -> None:
        # 1.00, 2.00 and 3.00: mean 2.00, s = 1.00, 1.96 · 1.00 / √3 = 1.1316 -> 0.87 to 3.13.
        m = mean_interval(3, 600, 100**2 + 200**2 + 300**2)
        assert (m.mean, m.low, m.high) == (Decimal(200), Decimal(87), Decimal(313))

    def test_the_variance_from_sums_is_the_variance_of_the_values(self) -> None:
        values = [0, 0, 1250, 4999, 0, 87, 10_000]
        exact = sample_variance(len(values), sum(values), sum(v * v for v in values))
        expected = statistics.variance([Fraction(v) for v in values])
        assert exact == Decimal(expected.numerator) / Decimal(expected.denominator)

    def test_counts_are_bounded_to_two_decimals_when_asked(self) -> None:
        # Promises per account: 0, 1, 1, 2 -> mean 1, s = 0.8165, half-width 0.80.
        m = mean_interval(4, 4, 0 + 1 + 1 + 4, places=2)
        assert (m.mean, m.low, m.high) == (Decimal(1), Decimal("0.20"), Decimal("1.80"))

    def test_one_account_has_a_mean_but_no_interval(self) -> None:
        m = mean_interval(1, 5_000, 25_000_000)
        assert (m.mean, m.low, m.high) == (Decimal(5_000), None, None)

    def test_no_accounts_has_no_mean(self) -> None:
        assert mean_interval(0, 0, 0).mean is None

    def test_identical_values_have_no_spread(self) -> None:
        m = mean_interval(100, 100 * 2_500, 100 * 2_500**2)
        assert (m.low, m.high) == (Decimal(2_500), Decimal(2_500))

    def test_sums_that_cannot_come_from_one_set_of_values_are_refused(self) -> None:
        with pytest.raises(ValueError):
            mean_interval(2, 10, 1)

    def test_a_mean_is_shown_to_the_cent_half_even(self) -> None:
        assert to_minor(Decimal("12.5")) == 12
        assert to_minor(Decimal("13.5")) == 14
        assert to_minor(None) is None
