"""Commission terms (core.trust.terms): a payment's age in whole months since placement, and
the rate its tiers give it, without a database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.trust import (
    CommissionTerms,
    TermsError,
    Tier,
    add_months,
    commission_rate,
    month_period,
    months_placed,
    parse_month,
)

PLACED = date(2026, 1, 15)
BY_AGE = CommissionTerms(
    default_rate_ppm=200_000,
    tiers=(Tier(0, 250_000), Tier(6, 300_000), Tier(12, 350_000)),
)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


class TestMonthsPlaced:
    def test_counts_monthly_anniversaries_reached(self) -> None:
        assert months_placed(PLACED, date(2026, 1, 15)) == 0
        assert months_placed(PLACED, date(2026, 2, 14)) == 0
        assert months_placed(PLACED, date(2026, 2, 15)) == 1
        assert months_placed(PLACED, date(2027, 1, 14)) == 11
        assert months_placed(PLACED, date(2027, 1, 15)) == 12

    def test_an_anniversary_in_a_shorter_month_falls_on_its_last_day(self) -> None:
        assert months_placed(date(2026, 1, 31), date(2026, 2, 27)) == 0
        assert months_placed(date(2026, 1, 31), date(2026, 2, 28)) == 1
        assert months_placed(date(2027, 1, 31), date(2028, 2, 29)) == 13
        assert months_placed(date(2026, 3, 31), date(2026, 4, 30)) == 1

    def test_money_received_before_placement_is_month_zero(self) -> None:
        assert months_placed(PLACED, date(2025, 12, 1)) == 0

    @given(placed=days, n=st.integers(min_value=0, max_value=240))
    def test_the_nth_anniversary_is_n_months_and_the_day_before_it_n_minus_one(
        self, placed: date, n: int
    ) -> None:
        anniversary = add_months(placed, n)
        assert months_placed(placed, anniversary) == n
        if n:
            assert months_placed(placed, anniversary - timedelta(days=1)) == n - 1


class TestCommissionRate:
    def test_without_tiers_the_default_rate(self) -> None:
        assert commission_rate(CommissionTerms(250_000), PLACED, date(2030, 1, 1)) == 250_000

    def test_tiers_by_placement_age_0_6_12_months(self) -> None:
        assert commission_rate(BY_AGE, PLACED, date(2026, 7, 14)) == 250_000
        assert commission_rate(BY_AGE, PLACED, date(2026, 7, 15)) == 300_000
        assert commission_rate(BY_AGE, PLACED, date(2027, 1, 14)) == 300_000
        assert commission_rate(BY_AGE, PLACED, date(2027, 1, 15)) == 350_000
        assert commission_rate(BY_AGE, PLACED, date(2031, 6, 1)) == 350_000

    def test_before_the_first_tier_the_default_rate(self) -> None:
        terms = CommissionTerms(200_000, tiers=(Tier(3, 300_000),))
        assert commission_rate(terms, PLACED, date(2026, 4, 14)) == 200_000
        assert commission_rate(terms, PLACED, date(2026, 4, 15)) == 300_000

    def test_balance_bands_within_the_age_row_reached(self) -> None:
        terms = CommissionTerms(
            400_000,
            tiers=(Tier(0, 250_000), Tier(0, 200_000, 500_000), Tier(6, 300_000)),
        )
        assert commission_rate(terms, PLACED, date(2026, 3, 1), 499_999) == 250_000
        assert commission_rate(terms, PLACED, date(2026, 3, 1), 500_000) == 200_000
        # From six months the row has one band, for every balance.
        assert commission_rate(terms, PLACED, date(2026, 8, 1), 900_000) == 300_000

    def test_a_row_whose_bands_the_balance_does_not_reach_gives_the_default(self) -> None:
        terms = CommissionTerms(400_000, tiers=(Tier(0, 250_000), Tier(6, 150_000, 1_000_000)))
        assert commission_rate(terms, PLACED, date(2026, 8, 1), 20_000) == 400_000


class TestTermsRefused:
    def test_a_rate_above_one_hundred_percent(self) -> None:
        with pytest.raises(TermsError, match="between 0 and 1,000,000 ppm"):
            CommissionTerms(1_000_001)
        with pytest.raises(TermsError):
            Tier(0, 1_200_000)

    def test_two_tiers_in_the_same_place(self) -> None:
        with pytest.raises(TermsError, match="two tiers start at 6 months"):
            CommissionTerms(0, tiers=(Tier(6, 300_000), Tier(6, 310_000)))

    def test_negative_months_or_balance(self) -> None:
        with pytest.raises(TermsError):
            Tier(-1, 100_000)
        with pytest.raises(TermsError):
            Tier(0, 100_000, -5)


class TestStatementPeriod:
    def test_a_month_is_half_open_to_the_next_first_day(self) -> None:
        assert parse_month("2026-10") == date(2026, 10, 1)
        period = month_period(date(2026, 12, 1))
        assert (period.start, period.end) == (date(2026, 12, 1), date(2027, 1, 1))

    @pytest.mark.parametrize("text", ["2026-13", "2026-1", "10/2026", "2026-10-01", ""])
    def test_other_text_is_refused_with_the_format(self, text: str) -> None:
        with pytest.raises(ValueError, match=r"is not a month \(YYYY-MM"):
            parse_month(text)

    def test_a_period_starts_on_a_first_day(self) -> None:
        with pytest.raises(ValueError, match="first day"):
            month_period(date(2026, 10, 2))
