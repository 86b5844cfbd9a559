"""Instalment schedules: due dates at each frequency, amounts that add up, and the term."""

import json
from datetime import date, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.arrangements import (
    MAX_INSTALMENTS,
    ArrangementError,
    Frequency,
    Instalment,
    Schedule,
    add_months,
    due_dates,
    iter_due_dates,
    months_spanned,
    nth_due_date,
    period_end,
    plan_term_months,
    schedule_by_amount,
    schedule_by_count,
    term_months,
)

D = date


def days(first: date, frequency: Frequency, count: int) -> list[str]:
    return [d.isoformat() for d in due_dates(first, frequency, count)]


class TestWeeklyAndBiweekly:
    def test_weekly_dates_are_seven_days_apart(self) -> None:
        assert days(D(2025, 12, 24), Frequency.WEEKLY, 4) == [
            "2025-12-24",
            "2025-12-31",
            "2026-01-07",
            "2026-01-14",
        ]

    def test_biweekly_dates_are_fourteen_days_apart_through_a_leap_day(self) -> None:
        assert days(D(2024, 2, 15), Frequency.BIWEEKLY, 3) == [
            "2024-02-15",
            "2024-02-29",
            "2024-03-14",
        ]


class TestMonthly:
    def test_monthly_schedule_keeps_the_31st_after_february(self) -> None:
        assert days(D(2025, 1, 31), Frequency.MONTHLY, 5) == [
            "2025-01-31",
            "2025-02-28",
            "2025-03-31",
            "2025-04-30",
            "2025-05-31",
        ]

    def test_monthly_schedule_falls_on_february_29th_in_a_leap_year(self) -> None:
        assert days(D(2024, 1, 31), Frequency.MONTHLY, 3) == [
            "2024-01-31",
            "2024-02-29",
            "2024-03-31",
        ]

    def test_monthly_schedule_from_the_30th_crosses_the_year_end(self) -> None:
        assert days(D(2025, 11, 30), Frequency.MONTHLY, 4) == [
            "2025-11-30",
            "2025-12-30",
            "2026-01-30",
            "2026-02-28",
        ]

    def test_monthly_schedule_from_february_29th_stays_on_the_29th(self) -> None:
        assert days(D(2024, 2, 29), Frequency.MONTHLY, 3) == [
            "2024-02-29",
            "2024-03-29",
            "2024-04-29",
        ]


class TestSemimonthly:
    def test_from_the_1st_pays_the_1st_and_the_16th(self) -> None:
        assert days(D(2025, 1, 1), Frequency.SEMIMONTHLY, 4) == [
            "2025-01-01",
            "2025-01-16",
            "2025-02-01",
            "2025-02-16",
        ]

    def test_from_the_15th_the_30th_is_clamped_to_the_end_of_february(self) -> None:
        assert days(D(2025, 1, 15), Frequency.SEMIMONTHLY, 6) == [
            "2025-01-15",
            "2025-01-30",
            "2025-02-15",
            "2025-02-28",
            "2025-03-15",
            "2025-03-30",
        ]

    def test_from_the_14th_pays_february_29th_in_a_leap_year_and_28th_otherwise(self) -> None:
        assert days(D(2024, 2, 14), Frequency.SEMIMONTHLY, 2) == ["2024-02-14", "2024-02-29"]
        assert days(D(2023, 2, 14), Frequency.SEMIMONTHLY, 4) == [
            "2023-02-14",
            "2023-02-28",
            "2023-03-14",
            "2023-03-29",
        ]

    def test_from_the_16th_pays_the_1st_of_the_next_month(self) -> None:
        assert days(D(2025, 1, 16), Frequency.SEMIMONTHLY, 4) == [
            "2025-01-16",
            "2025-02-01",
            "2025-02-16",
            "2025-03-01",
        ]

    def test_from_the_30th_pays_the_same_pair_as_from_the_15th(self) -> None:
        assert days(D(2025, 1, 30), Frequency.SEMIMONTHLY, 5) == [
            "2025-01-30",
            "2025-02-15",
            "2025-02-28",
            "2025-03-15",
            "2025-03-30",
        ]

    def test_from_the_31st_pays_the_16th_and_the_last_day_of_each_month(self) -> None:
        assert days(D(2024, 1, 31), Frequency.SEMIMONTHLY, 7) == [
            "2024-01-31",
            "2024-02-16",
            "2024-02-29",
            "2024-03-16",
            "2024-03-31",
            "2024-04-16",
            "2024-04-30",
        ]

    def test_crosses_the_year_end(self) -> None:
        assert days(D(2025, 12, 20), Frequency.SEMIMONTHLY, 3) == [
            "2025-12-20",
            "2026-01-05",
            "2026-01-20",
        ]


class TestDueDateInputs:
    def test_a_frequency_may_be_given_as_its_text(self) -> None:
        assert due_dates(D(2025, 1, 1), "weekly", 2) == (D(2025, 1, 1), D(2025, 1, 8))  # type: ignore[arg-type]

    @pytest.mark.parametrize("count", [0, -1])
    def test_refuses_a_count_that_is_not_positive(self, count: int) -> None:
        with pytest.raises(ArrangementError, match="count must be positive"):
            due_dates(D(2025, 1, 1), Frequency.WEEKLY, count)

    @pytest.mark.parametrize("count", [True, 2.0])
    def test_refuses_a_bool_or_float_count(self, count: object) -> None:
        with pytest.raises(ArrangementError, match="count must be an int"):
            due_dates(D(2025, 1, 1), Frequency.WEEKLY, count)  # type: ignore[arg-type]

    def test_refuses_a_datetime_as_the_first_date(self) -> None:
        with pytest.raises(ArrangementError, match="first must be a date, not datetime"):
            due_dates(datetime(2025, 1, 1, 9), Frequency.WEEKLY, 1)

    def test_refuses_an_unknown_frequency(self) -> None:
        with pytest.raises(ArrangementError, match="frequency must be one of weekly"):
            due_dates(D(2025, 1, 1), "fortnightly", 1)  # type: ignore[arg-type]

    def test_refuses_dates_past_year_9999(self) -> None:
        with pytest.raises(ArrangementError, match="outside years 1 to 9999"):
            due_dates(D(9999, 11, 30), Frequency.MONTHLY, 3)
        with pytest.raises(ArrangementError, match="past year 9999"):
            due_dates(D(9999, 12, 20), Frequency.SEMIMONTHLY, 3)
        with pytest.raises(ArrangementError, match="past year 9999"):
            due_dates(D(9999, 12, 30), Frequency.WEEKLY, 2)

    def test_refuses_more_than_the_most_instalments(self) -> None:
        with pytest.raises(ArrangementError, match="more than the 10000 allowed"):
            due_dates(D(2025, 1, 1), Frequency.WEEKLY, MAX_INSTALMENTS + 1)

    def test_checks_the_arguments_of_the_iterator_at_once(self) -> None:
        with pytest.raises(ArrangementError, match="first must be a date"):
            iter_due_dates("2025-01-01", Frequency.WEEKLY)  # type: ignore[arg-type]

    def test_nth_due_date_finds_a_date_far_ahead_directly(self) -> None:
        assert nth_due_date(D(2025, 1, 31), Frequency.SEMIMONTHLY, 3) == D(2025, 3, 16)
        assert nth_due_date(D(2025, 1, 31), Frequency.MONTHLY, 13) == D(2026, 2, 28)
        assert nth_due_date(D(2025, 1, 1), Frequency.BIWEEKLY, 26) == D(2025, 12, 31)


class TestTerm:
    def test_one_monthly_payment_is_a_term_of_one_month(self) -> None:
        schedule = schedule_by_count(10_000, 1, D(2025, 1, 15), Frequency.MONTHLY)
        assert schedule.ends_on == D(2025, 2, 15)
        assert term_months(schedule) == 1

    def test_one_weekly_payment_is_a_term_of_one_month(self) -> None:
        schedule = schedule_by_count(10_000, 1, D(2025, 1, 15), Frequency.WEEKLY)
        assert schedule.ends_on == D(2025, 1, 22)  # 7 days, rounded up to a month
        assert term_months(schedule) == 1

    def test_twelve_monthly_payments_are_twelve_months(self) -> None:
        schedule = schedule_by_count(120_000, 12, D(2025, 1, 31), Frequency.MONTHLY)
        assert schedule.last_due == D(2025, 12, 31)
        assert schedule.ends_on == D(2026, 1, 31)
        assert term_months(schedule) == 12

    def test_twelve_monthly_payments_from_february_28th_are_twelve_months(self) -> None:
        schedule = schedule_by_count(120_000, 12, D(2025, 2, 28), Frequency.MONTHLY)
        assert (schedule.last_due, schedule.ends_on) == (D(2026, 1, 28), D(2026, 2, 28))
        assert term_months(schedule) == 12

    def test_a_monthly_period_ends_by_the_monthly_rule_anchored_to_the_first_day(self) -> None:
        # From Jan 31 the second payment is on Feb 28; its period ends on Mar 31, not Mar 28.
        schedule = schedule_by_count(20_000, 2, D(2025, 1, 31), Frequency.MONTHLY)
        assert (schedule.last_due, schedule.ends_on) == (D(2025, 2, 28), D(2025, 3, 31))
        assert term_months(schedule) == 2

    def test_43_weekly_payments_are_ten_months(self) -> None:
        schedule = schedule_by_count(430_000, 43, D(2026, 3, 2), Frequency.WEEKLY)
        assert schedule.last_due == D(2026, 12, 21)  # 294 days on
        assert schedule.ends_on == D(2026, 12, 28)  # 301 days on
        assert term_months(schedule) == 10

    def test_52_weekly_payments_are_twelve_months(self) -> None:
        schedule = schedule_by_count(520_000, 52, D(2026, 3, 2), Frequency.WEEKLY)
        assert schedule.ends_on == D(2027, 3, 1)  # 364 days on
        assert term_months(schedule) == 12

    def test_26_biweekly_payments_are_twelve_months(self) -> None:
        schedule = schedule_by_count(260_000, 26, D(2026, 3, 2), Frequency.BIWEEKLY)
        assert schedule.ends_on == D(2027, 3, 1)  # 364 days on
        assert term_months(schedule) == 12

    def test_24_semimonthly_payments_from_the_1st_are_twelve_months(self) -> None:
        schedule = schedule_by_count(240_000, 24, D(2025, 1, 1), Frequency.SEMIMONTHLY)
        assert (schedule.last_due, schedule.ends_on) == (D(2025, 12, 16), D(2026, 1, 1))
        assert term_months(schedule) == 12

    def test_a_semimonthly_period_ends_on_the_next_date_of_the_sequence(self) -> None:
        # From the 31st the dates are the 16th and the month's last day.
        assert period_end(D(2025, 1, 31), Frequency.SEMIMONTHLY, D(2025, 1, 31)) == D(2025, 2, 16)
        assert period_end(D(2025, 1, 31), Frequency.SEMIMONTHLY, D(2025, 2, 16)) == D(2025, 2, 28)
        assert period_end(D(2025, 1, 31), Frequency.SEMIMONTHLY, D(2025, 12, 31)) == D(2026, 1, 16)
        assert period_end(D(2025, 1, 1), Frequency.SEMIMONTHLY, D(2025, 1, 1)) == D(2025, 1, 16)

    def test_a_period_of_a_hand_built_schedule_ends_on_the_next_date_after_its_last(
        self,
    ) -> None:
        # An agreed exception off the monthly dates: the period ends on the next date of the
        # sequence from the first due date, after the last payment.
        schedule = Schedule(
            Frequency.MONTHLY,
            (Instalment(D(2025, 1, 31), 100), Instalment(D(2025, 2, 10), 100)),
        )
        assert schedule.ends_on == D(2025, 2, 28)
        assert term_months(schedule) == 1
        weekly = Schedule(
            Frequency.WEEKLY,
            (Instalment(D(2025, 1, 1), 100), Instalment(D(2025, 1, 10), 100)),
        )
        assert weekly.ends_on == D(2025, 1, 17)

    def test_period_end_refuses_a_date_before_the_first(self) -> None:
        with pytest.raises(ArrangementError, match="before the first due date"):
            period_end(D(2025, 1, 31), Frequency.MONTHLY, D(2025, 1, 30))

    def test_period_end_refuses_an_end_past_year_9999(self) -> None:
        with pytest.raises(ArrangementError, match="ends past year 9999"):
            period_end(D(9999, 12, 1), Frequency.MONTHLY, D(9999, 12, 1))
        with pytest.raises(ArrangementError, match="ends past year 9999"):
            period_end(D(9999, 12, 1), Frequency.SEMIMONTHLY, D(9999, 12, 16))
        with pytest.raises(ArrangementError, match="ends past year 9999"):
            period_end(D(9999, 12, 1), Frequency.WEEKLY, D(9999, 12, 29))

    def test_plan_term_months_is_the_term_of_the_schedule_it_would_build(self) -> None:
        assert plan_term_months(D(2025, 1, 31), Frequency.MONTHLY, 12) == 12
        assert plan_term_months(D(2026, 3, 2), Frequency.WEEKLY, 43) == 10
        assert plan_term_months(D(2026, 3, 2), Frequency.WEEKLY, 1) == 1
        with pytest.raises(ArrangementError, match="count must be positive, not 0"):
            plan_term_months(D(2025, 1, 1), Frequency.WEEKLY, 0)

    def test_january_31st_to_february_28th_is_one_month(self) -> None:
        assert months_spanned(D(2025, 1, 31), D(2025, 2, 28)) == 1

    def test_a_day_past_a_whole_month_rounds_up(self) -> None:
        assert months_spanned(D(2025, 1, 15), D(2025, 2, 15)) == 1
        assert months_spanned(D(2025, 1, 15), D(2025, 2, 16)) == 2

    def test_the_clamped_day_counts_as_a_whole_month(self) -> None:
        # Jan 30 + 1 month is Feb 28; Mar 1 is past it, so 2 months.
        assert months_spanned(D(2025, 1, 30), D(2025, 3, 1)) == 2
        assert months_spanned(D(2025, 1, 30), D(2025, 2, 28)) == 1

    def test_an_end_on_or_before_the_start_is_zero_months(self) -> None:
        assert months_spanned(D(2025, 3, 1), D(2025, 3, 1)) == 0
        assert months_spanned(D(2025, 3, 1), D(2025, 2, 1)) == 0


class TestScheduleByAmount:
    def test_the_last_instalment_is_the_remainder(self) -> None:
        schedule = schedule_by_amount(100_000, 30_000, D(2025, 1, 31), Frequency.MONTHLY)
        assert schedule.instalments == (
            Instalment(D(2025, 1, 31), 30_000),
            Instalment(D(2025, 2, 28), 30_000),
            Instalment(D(2025, 3, 31), 30_000),
            Instalment(D(2025, 4, 30), 10_000),
        )
        assert (schedule.total_minor, schedule.instalment_minor, schedule.final_minor) == (
            100_000,
            30_000,
            10_000,
        )

    def test_an_exact_multiple_has_no_zero_instalment_at_the_end(self) -> None:
        schedule = schedule_by_amount(90_000, 30_000, D(2025, 1, 1), Frequency.WEEKLY)
        assert [i.amount_minor for i in schedule.instalments] == [30_000, 30_000, 30_000]

    def test_an_instalment_of_the_total_or_more_is_one_payment(self) -> None:
        schedule = schedule_by_amount(5_000, 9_999, D(2025, 1, 1), Frequency.WEEKLY)
        assert schedule.instalments == (Instalment(D(2025, 1, 1), 5_000),)

    @pytest.mark.parametrize(
        ("total", "instalment", "message"),
        [
            (0, 100, "total_minor must be positive, not 0"),
            (-5, 100, "total_minor must be positive, not -5"),
            (100, 0, "instalment_minor must be positive, not 0"),
            (100.0, 10, "total_minor must be an int, not float"),
            (100, 10.5, "instalment_minor must be an int, not float"),
            (True, 1, "total_minor must be an int, not bool"),
        ],
    )
    def test_refuses_bad_amounts_and_names_them(
        self, total: object, instalment: object, message: str
    ) -> None:
        with pytest.raises(ArrangementError, match=message):
            schedule_by_amount(total, instalment, D(2025, 1, 1), Frequency.MONTHLY)  # type: ignore[arg-type]

    def test_refuses_more_instalments_than_allowed(self) -> None:
        with pytest.raises(ArrangementError, match="needs 10001 instalments"):
            schedule_by_amount(10_001, 1, D(2025, 1, 1), Frequency.WEEKLY)

    def test_an_arrangement_error_is_a_value_error(self) -> None:
        with pytest.raises(ValueError):
            schedule_by_amount(0, 1, D(2025, 1, 1), Frequency.WEEKLY)


class TestScheduleByCount:
    def test_amounts_differ_by_at_most_a_cent_and_the_larger_come_first(self) -> None:
        first = D(2025, 1, 1)
        by_three = schedule_by_count(100_000, 3, first, Frequency.MONTHLY)
        assert [i.amount_minor for i in by_three.instalments] == [33_334, 33_333, 33_333]
        by_three_more = schedule_by_count(100_001, 3, first, Frequency.MONTHLY)
        assert [i.amount_minor for i in by_three_more.instalments] == [33_334, 33_334, 33_333]

    def test_dates_follow_the_frequency(self) -> None:
        schedule = schedule_by_count(1_000, 2, D(2025, 1, 31), Frequency.SEMIMONTHLY)
        assert schedule.instalments == (
            Instalment(D(2025, 1, 31), 500),
            Instalment(D(2025, 2, 16), 500),
        )
        assert schedule.frequency is Frequency.SEMIMONTHLY

    def test_refuses_more_instalments_than_minor_units(self) -> None:
        with pytest.raises(ArrangementError, match="cannot be split into 4 instalments"):
            schedule_by_count(3, 4, D(2025, 1, 1), Frequency.WEEKLY)

    def test_refuses_a_count_that_is_not_positive(self) -> None:
        with pytest.raises(ArrangementError, match="count must be positive, not 0"):
            schedule_by_count(100, 0, D(2025, 1, 1), Frequency.WEEKLY)


class TestSchedule:
    def test_reads_its_first_and_last_due_dates_count_and_total(self) -> None:
        schedule = schedule_by_count(10_000, 4, D(2025, 1, 1), Frequency.BIWEEKLY)
        assert (schedule.first_due, schedule.last_due) == (D(2025, 1, 1), D(2025, 2, 12))
        assert (schedule.count, schedule.total_minor, schedule.term_months) == (4, 10_000, 2)

    def test_refuses_no_instalments(self) -> None:
        with pytest.raises(ArrangementError, match="at least one instalment"):
            Schedule(Frequency.WEEKLY, ())

    def test_refuses_dates_that_do_not_increase(self) -> None:
        with pytest.raises(ArrangementError, match="instalment 2 is due on 2025-01-01, not after"):
            Schedule(
                Frequency.WEEKLY,
                (Instalment(D(2025, 1, 1), 100), Instalment(D(2025, 1, 1), 100)),
            )

    def test_refuses_an_instalment_of_zero(self) -> None:
        with pytest.raises(ArrangementError, match="instalment amount_minor must be positive"):
            Instalment(D(2025, 1, 1), 0)

    def test_as_dict_is_json_and_reads_back(self) -> None:
        schedule = schedule_by_amount(10_000, 4_000, D(2025, 1, 31), Frequency.MONTHLY)
        stored = json.loads(json.dumps(schedule.as_dict()))
        assert stored == {
            "frequency": "monthly",
            "total_minor": 10_000,
            "instalments": [
                {"due_on": "2025-01-31", "amount_minor": 4_000},
                {"due_on": "2025-02-28", "amount_minor": 4_000},
                {"due_on": "2025-03-31", "amount_minor": 2_000},
            ],
        }
        assert Schedule.from_dict(stored) == schedule

    def test_from_dict_refuses_a_total_that_is_not_the_sum(self) -> None:
        stored = schedule_by_count(10_000, 2, D(2025, 1, 1), Frequency.WEEKLY).as_dict()
        stored["total_minor"] = 9_999
        with pytest.raises(ArrangementError, match="is not the sum of its instalments"):
            Schedule.from_dict(stored)

    def test_from_dict_refuses_a_bad_date(self) -> None:
        with pytest.raises(ArrangementError, match="'due_on' is not a date: '2025-02-30'"):
            Schedule.from_dict(
                {
                    "frequency": "weekly",
                    "instalments": [{"due_on": "2025-02-30", "amount_minor": 1}],
                }
            )


# -- properties -----------------------------------------------------------------------------

firsts = st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31))
frequencies = st.sampled_from(Frequency)
totals = st.integers(min_value=1, max_value=10**12)


def assert_well_formed(schedule: Schedule, total: int) -> None:
    assert schedule.total_minor == total
    assert sum(i.amount_minor for i in schedule.instalments) == total
    assert all(i.amount_minor > 0 for i in schedule.instalments)
    due = [i.due_on for i in schedule.instalments]
    assert all(a < b for a, b in pairwise(due))


@given(totals, st.integers(min_value=1, max_value=10**12), firsts, frequencies)
def test_schedules_by_amount_sum_to_the_total_with_a_smaller_last_instalment(
    total: int, instalment: int, first: date, frequency: Frequency
) -> None:
    instalment = max(instalment, -(-total // 500))  # keep to 500 instalments at most
    schedule = schedule_by_amount(total, instalment, first, frequency)
    assert_well_formed(schedule, total)
    amounts = [i.amount_minor for i in schedule.instalments]
    assert all(amount == min(instalment, total) for amount in amounts[:-1])
    assert 0 < amounts[-1] <= min(instalment, total)


@given(totals, st.integers(min_value=1, max_value=500), firsts, frequencies)
def test_schedules_by_count_sum_to_the_total_and_differ_by_at_most_one(
    total: int, count: int, first: date, frequency: Frequency
) -> None:
    total = max(total, count)
    schedule = schedule_by_count(total, count, first, frequency)
    assert_well_formed(schedule, total)
    amounts = [i.amount_minor for i in schedule.instalments]
    assert len(amounts) == count
    assert max(amounts) - min(amounts) <= 1
    assert amounts == sorted(amounts, reverse=True)


@given(firsts, frequencies, st.integers(min_value=1, max_value=120))
def test_due_dates_strictly_increase_and_match_the_direct_computation(
    first: date, frequency: Frequency, count: int
) -> None:
    dates = due_dates(first, frequency, count)
    assert dates[0] == first
    assert all(a < b for a, b in pairwise(dates))
    assert [nth_due_date(first, frequency, i) for i in range(count)] == list(dates)


@given(firsts, st.integers(min_value=2, max_value=60))
def test_monthly_dates_keep_the_first_day_clamped_to_each_month(first: date, count: int) -> None:
    for due in due_dates(first, Frequency.MONTHLY, count):
        month_end = (due.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        assert due.day == min(first.day, month_end.day)


@given(firsts, st.integers(min_value=2, max_value=30))
def test_semimonthly_dates_are_two_a_month_after_the_first_month(first: date, months: int) -> None:
    dates = due_dates(first, Frequency.SEMIMONTHLY, 2 * months + 2)
    by_month: dict[tuple[int, int], int] = {}
    for due in dates:
        by_month[(due.year, due.month)] = by_month.get((due.year, due.month), 0) + 1
    counts = list(by_month.values())
    # The first month has one date or two, the last one or two; every month between has two.
    assert all(count == 2 for count in counts[1:-1])
    assert all(12 <= (b - a).days <= 16 for a, b in pairwise(dates))


@given(firsts, frequencies, st.integers(min_value=1, max_value=120))
def test_the_term_runs_to_where_the_next_instalment_would_fall_due(
    first: date, frequency: Frequency, count: int
) -> None:
    schedule = schedule_by_count(10**6, count, first, frequency)
    assert schedule.ends_on == nth_due_date(first, frequency, count)
    assert schedule.ends_on == period_end(first, frequency, schedule.last_due)
    assert schedule.term_months == months_spanned(first, schedule.ends_on)
    assert schedule.term_months == plan_term_months(first, frequency, count)
    assert schedule.term_months >= 1
    # The term is in whole months: the end falls within its last month, never before it.
    assert add_months(first, schedule.term_months - 1) < schedule.ends_on
    assert schedule.ends_on <= add_months(first, schedule.term_months)


@given(firsts, st.integers(min_value=1, max_value=120))
def test_n_monthly_payments_are_n_months(first: date, count: int) -> None:
    assert schedule_by_count(10**6, count, first, Frequency.MONTHLY).term_months == count


@given(firsts, st.integers(min_value=1, max_value=60))
def test_two_semimonthly_payments_a_month_are_that_many_months(first: date, months: int) -> None:
    assert schedule_by_count(10**6, 2 * months, first, Frequency.SEMIMONTHLY).term_months == months


@given(firsts, st.dates(min_value=D(2000, 1, 1), max_value=D(2110, 12, 31)))
def test_months_spanned_is_the_smallest_whole_month_count_reaching_the_end(
    start: date, end: date
) -> None:
    months = months_spanned(start, end)
    assert months >= 0
    assert add_months(start, months) >= end
    if months > 0:
        assert add_months(start, months - 1) < end
