from datetime import date

import pytest

from arrears.core.time import (
    add_business_days,
    federal_holidays,
    is_business_day,
    is_settlement_day,
    next_business_day,
    next_settlement_day,
)


class TestFederalHolidays:
    def test_2026_lists_the_eleven_observed_days(self) -> None:
        assert federal_holidays(2026) == {
            date(2026, 1, 1): "New Year's Day",
            date(2026, 1, 19): "Martin Luther King Jr. Day",
            date(2026, 2, 16): "Washington's Birthday",
            date(2026, 5, 25): "Memorial Day",
            date(2026, 6, 19): "Juneteenth National Independence Day",
            date(2026, 7, 3): "Independence Day (observed)",
            date(2026, 9, 7): "Labor Day",
            date(2026, 10, 12): "Columbus Day",
            date(2026, 11, 11): "Veterans Day",
            date(2026, 11, 26): "Thanksgiving Day",
            date(2026, 12, 25): "Christmas Day",
        }

    def test_saturday_holiday_is_observed_on_friday(self) -> None:
        # Independence Day 2026 is a Saturday.
        assert date(2026, 7, 4) not in federal_holidays(2026)
        assert not is_business_day(date(2026, 7, 3))

    def test_sunday_holiday_is_observed_on_monday(self) -> None:
        # Juneteenth 2022 was a Sunday; Christmas 2022 too.
        holidays_2022 = federal_holidays(2022)
        assert holidays_2022[date(2022, 6, 20)] == "Juneteenth National Independence Day (observed)"
        assert holidays_2022[date(2022, 12, 26)] == "Christmas Day (observed)"

    def test_saturday_new_year_is_observed_in_the_year_before(self) -> None:
        # 2022-01-01 was a Saturday: observed Friday 2021-12-31.
        assert federal_holidays(2021)[date(2021, 12, 31)] == "New Year's Day (observed)"
        assert date(2022, 1, 1) not in federal_holidays(2022)
        assert not is_business_day(date(2021, 12, 31))

    def test_juneteenth_starts_in_2021(self) -> None:
        assert date(2020, 6, 19) not in federal_holidays(2020)
        assert len(federal_holidays(2020)) == 10
        assert date(2021, 6, 18) in federal_holidays(2021)

    def test_inauguration_day_is_not_a_holiday(self) -> None:
        assert is_business_day(date(2021, 1, 20))
        assert is_business_day(date(2017, 1, 20))

    def test_ad_hoc_closures_are_not_holidays(self) -> None:
        # Executive-order closures (e.g. 2025-12-24, 2025-12-26) are not 6103(a) holidays.
        assert is_business_day(date(2025, 12, 24))
        assert is_business_day(date(2025, 12, 26))

    def test_returns_a_copy(self) -> None:
        federal_holidays(2026).clear()
        assert len(federal_holidays(2026)) == 11


class TestIsBusinessDay:
    def test_weekdays_are_business_days(self) -> None:
        assert is_business_day(date(2025, 11, 7))  # Friday

    def test_weekends_are_not(self) -> None:
        assert not is_business_day(date(2025, 11, 8))
        assert not is_business_day(date(2025, 11, 9))

    def test_holidays_are_not(self) -> None:
        assert not is_business_day(date(2025, 11, 11))
        assert not is_business_day(date(2025, 11, 27))


class TestNextBusinessDay:
    def test_is_strictly_after(self) -> None:
        assert next_business_day(date(2025, 11, 5)) == date(2025, 11, 6)

    def test_skips_weekend_and_holiday(self) -> None:
        # Fri 2025-11-07 -> Mon 11-10; Mon 11-10 -> Wed 11-12 (Veterans Day Tue).
        assert next_business_day(date(2025, 11, 7)) == date(2025, 11, 10)
        assert next_business_day(date(2025, 11, 10)) == date(2025, 11, 12)

    def test_crosses_the_year_end(self) -> None:
        # 2028-01-01 is a Saturday, observed Friday 2027-12-31: next is Monday 2028-01-03.
        assert next_business_day(date(2027, 12, 30)) == date(2028, 1, 3)


class TestAddBusinessDays:
    def test_five_business_days_over_veterans_day(self) -> None:
        # Sent Friday 2025-11-07: Mon 10, Wed 12, Thu 13, Fri 14, Mon 17.
        assert add_business_days(date(2025, 11, 7), 5) == date(2025, 11, 17)

    def test_zero_returns_the_same_day_even_on_a_weekend(self) -> None:
        assert add_business_days(date(2025, 11, 8), 0) == date(2025, 11, 8)

    def test_starting_on_a_weekend_counts_from_monday(self) -> None:
        assert add_business_days(date(2025, 11, 8), 1) == date(2025, 11, 10)

    def test_thanksgiving_week(self) -> None:
        # Wed 2025-11-26 + 1 -> Fri 11-28 (Thanksgiving Thursday).
        assert add_business_days(date(2025, 11, 26), 1) == date(2025, 11, 28)

    def test_refuses_negative_counts(self) -> None:
        with pytest.raises(ValueError):
            add_business_days(date(2025, 11, 7), -1)


class TestSettlementDays:
    """Federal Reserve business days: a Saturday holiday is not made up on the Friday."""

    @pytest.mark.parametrize(
        ("day", "open_"),
        [
            (date(2026, 7, 3), True),  # Independence Day on a Saturday: the Banks open Friday
            (date(2027, 12, 24), True),  # Christmas 2027 is a Saturday
            (date(2027, 12, 31), True),  # so is New Year's Day 2028
            (date(2027, 7, 5), False),  # Independence Day 2027 is a Sunday: closed Monday
            (date(2022, 12, 26), False),
            (date(2026, 11, 26), False),  # Thanksgiving
            (date(2026, 11, 27), True),
            (date(2026, 11, 28), False),  # a Saturday
        ],
    )
    def test_knows_when_the_federal_reserve_settles(self, day, open_):
        assert is_settlement_day(day) is open_

    def test_next_settlement_day_is_the_day_itself_when_open(self):
        assert next_settlement_day(date(2026, 11, 25)) == date(2026, 11, 25)
        assert next_settlement_day(date(2026, 11, 26)) == date(2026, 11, 27)
        assert next_settlement_day(date(2027, 7, 3)) == date(2027, 7, 6)
