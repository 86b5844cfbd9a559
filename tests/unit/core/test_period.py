from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.core.time import Period

JAN1 = date(2026, 1, 1)
FEB1 = date(2026, 2, 1)
MAR1 = date(2026, 3, 1)


class TestPeriodValidation:
    def test_rejects_end_before_start(self) -> None:
        with pytest.raises(ValueError, match="after start"):
            Period(FEB1, JAN1)

    def test_rejects_empty_period(self) -> None:
        with pytest.raises(ValueError, match="after start"):
            Period(JAN1, JAN1)

    def test_rejects_datetimes(self) -> None:
        with pytest.raises(TypeError):
            Period(datetime(2026, 1, 1, 9, 0), FEB1)

    def test_open_period(self) -> None:
        period = Period(JAN1)
        assert period.is_open
        assert period.days is None

    def test_closed_period_counts_days(self) -> None:
        period = Period(JAN1, FEB1)
        assert not period.is_open
        assert period.days == 31


class TestPeriodContains:
    def test_is_half_open(self) -> None:
        period = Period(JAN1, FEB1)
        assert period.contains(JAN1)
        assert period.contains(date(2026, 1, 31))
        assert not period.contains(FEB1)
        assert not period.contains(date(2025, 12, 31))

    def test_open_period_contains_everything_from_start(self) -> None:
        period = Period(JAN1)
        assert period.contains(date(2999, 1, 1))
        assert not period.contains(date(2025, 12, 31))


class TestPeriodEndsBefore:
    def test_ends_before_the_end_day_itself(self) -> None:
        period = Period(JAN1, FEB1)
        assert period.ends_before(FEB1)
        assert not period.ends_before(date(2026, 1, 31))

    def test_open_period_never_ends(self) -> None:
        assert not Period(JAN1).ends_before(date(2999, 1, 1))


class TestPeriodOverlaps:
    def test_adjacent_periods_do_not_overlap(self) -> None:
        assert not Period(JAN1, FEB1).overlaps(Period(FEB1, MAR1))
        assert Period(JAN1, FEB1).intersection(Period(FEB1, MAR1)) is None

    def test_one_shared_day_overlaps(self) -> None:
        a = Period(JAN1, date(2026, 2, 2))
        b = Period(FEB1, MAR1)
        assert a.overlaps(b)
        assert a.intersection(b) == Period(FEB1, date(2026, 2, 2))

    def test_open_periods(self) -> None:
        assert Period(JAN1).overlaps(Period(MAR1))
        assert Period(JAN1).intersection(Period(MAR1)) == Period(MAR1)
        assert Period(JAN1).intersection(Period(date(2025, 6, 1), FEB1)) == Period(JAN1, FEB1)
        assert not Period(FEB1).overlaps(Period(JAN1, FEB1))


def periods() -> st.SearchStrategy[Period]:
    return st.builds(
        lambda start, length: Period(start, None if length is None else start + length),
        st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 3, 1)),
        st.one_of(
            st.none(), st.timedeltas(min_value=timedelta(days=1), max_value=timedelta(days=60))
        ),
    )


class TestPeriodAlgebra:
    @settings(max_examples=300)
    @given(a=periods(), b=periods(), d=st.dates(date(2024, 12, 1), date(2025, 6, 1)))
    def test_intersection_contains_exactly_the_shared_days(
        self, a: Period, b: Period, d: date
    ) -> None:
        both = a.intersection(b)
        assert (both is not None) == a.overlaps(b) == b.overlaps(a)
        in_both = a.contains(d) and b.contains(d)
        assert in_both == (both is not None and both.contains(d))
