from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.core.interest import (
    AccrualState,
    DayCount,
    InterestTerms,
    accrue,
    close_segment,
    denominator,
    interest_between,
    rate_ppm_from_percent,
    round_half_even_div,
)

JAN1 = date(2026, 1, 1)
JAN31 = date(2026, 1, 31)
APR = 189_900  # 18.99 %
TERMS = InterestTerms(APR)


class TestRoundHalfEvenDiv:
    @pytest.mark.parametrize(
        ("n", "d", "q"),
        [
            (5, 2, 2),
            (7, 2, 4),
            (-5, 2, -2),
            (-7, 2, -4),
            (5, -2, -2),
            (-5, -2, 2),
            (1, 3, 0),
            (2, 3, 1),
            (-2, 3, -1),
            (0, 7, 0),
            (156082191780, 100_000_000, 1561),
        ],
    )
    def test_rounds_to_nearest_ties_to_even(self, n: int, d: int, q: int) -> None:
        assert round_half_even_div(n, d) == q

    def test_refuses_zero_divisor(self) -> None:
        with pytest.raises(ZeroDivisionError):
            round_half_even_div(1, 0)

    @settings(max_examples=500)
    @given(n=st.integers(-(10**30), 10**30), d=st.integers(-(10**15), 10**15).filter(bool))
    def test_agrees_with_exact_fractions(self, n: int, d: int) -> None:
        assert round_half_even_div(n, d) == round(Fraction(n, d))


class TestDayCount:
    def test_bases(self) -> None:
        assert [dc.basis for dc in DayCount] == [365, 360, 360]
        assert DayCount("30/360") is DayCount.THIRTY_360

    def test_actual_counts_calendar_days(self) -> None:
        assert DayCount.ACT_365.days(JAN1, JAN31) == 30
        assert DayCount.ACT_360.days(date(2024, 2, 1), date(2024, 3, 1)) == 29

    @pytest.mark.parametrize(
        ("start", "end", "days"),
        [
            # D1 = 31 -> 30: Jan "30" to Feb "30" is 30 days, plus Feb 30 -> Mar 1 is 1.
            (date(2026, 1, 31), date(2026, 3, 1), 31),
            (date(2026, 1, 30), date(2026, 3, 31), 60),  # D1 = 30 and D2 = 31 -> 30
            (date(2026, 1, 15), date(2026, 1, 31), 16),  # D2 = 31 kept when D1 < 30
            (date(2026, 2, 28), date(2026, 3, 31), 33),  # no end-of-February rule
            (date(2025, 12, 31), date(2026, 1, 31), 30),
            (date(2026, 1, 1), date(2027, 1, 1), 360),
            (date(2026, 3, 1), date(2026, 1, 31), -30),  # not antisymmetric
        ],
    )
    def test_thirty_360_is_us_bond_basis(self, start: date, end: date, days: int) -> None:
        assert DayCount.THIRTY_360.days(start, end) == days


class TestRatePpmFromPercent:
    @pytest.mark.parametrize(
        ("text", "ppm"),
        [
            ("18.99", 189_900),
            ("5.125", 51_250),
            ("0.0001", 1),
            ("0", 0),
            ("100", 1_000_000),
            (" 6 ", 60_000),
            ("18.990000", 189_900),
        ],
    )
    def test_reads_percent_as_ppm(self, text: str, ppm: int) -> None:
        assert rate_ppm_from_percent(text) == ppm

    @pytest.mark.parametrize(
        "text", ["", "-1", "-0.5", "5.12345", "abc", "1e2", "18.99%", ".5", "5.", "1,000"]
    )
    def test_refuses_negative_or_malformed(self, text: str) -> None:
        with pytest.raises(ValueError):
            rate_ppm_from_percent(text)


class TestInterestTerms:
    def test_cap_limits_the_rate(self) -> None:
        assert InterestTerms(300_000, cap_rate_ppm=APR).effective_rate_ppm == APR
        assert InterestTerms(50_000, cap_rate_ppm=APR).effective_rate_ppm == 50_000
        assert InterestTerms(APR).effective_rate_ppm == APR

    def test_refuses_negative_rates(self) -> None:
        with pytest.raises(ValueError):
            InterestTerms(-1)
        with pytest.raises(ValueError):
            InterestTerms(APR, cap_rate_ppm=-1)

    def test_denominator(self) -> None:
        assert denominator(TERMS) == 365_000_000
        assert denominator(InterestTerms(APR, DayCount.THIRTY_360)) == 360_000_000


class TestInterestBetween:
    def test_thousand_dollars_at_18_99_for_30_days(self) -> None:
        # 100000 * 189900 * 30 / 365e6 = 1560.82 -> 1561
        assert interest_between([(JAN1, 100_000)], TERMS, JAN1, JAN31) == 1561

    def test_exact_half_cent_rounds_to_even(self) -> None:
        # actual/360: 100000 * 189900 * 30 / 360e6 = 1582.5 -> 1582
        terms = InterestTerms(APR, DayCount.ACT_360)
        assert interest_between([(JAN1, 100_000)], terms, JAN1, JAN31) == 1582

    def test_principal_steps_are_piecewise_constant(self) -> None:
        steps = [(date(2025, 12, 1), 100_000), (date(2026, 1, 11), 50_000)]
        # 10 days on 1000.00 and 20 days on 500.00, one rounding at the end.
        numerator = 100_000 * APR * 10 + 50_000 * APR * 20
        expected = round_half_even_div(numerator, 365_000_000)
        assert expected == 1041
        assert interest_between(steps, TERMS, JAN1, JAN31) == expected

    def test_no_principal_before_the_first_step(self) -> None:
        assert interest_between([(date(2026, 1, 21), 100_000)], TERMS, JAN1, JAN31) == 520

    def test_negative_principal_accrues_nothing(self) -> None:
        assert interest_between([(JAN1, -100_000)], TERMS, JAN1, JAN31) == 0

    def test_empty_range(self) -> None:
        assert interest_between([(JAN1, 100_000)], TERMS, JAN31, JAN31) == 0
        with pytest.raises(ValueError):
            interest_between([(JAN1, 100_000)], TERMS, JAN31, JAN1)


class TestAccrue:
    def test_first_run_posts_the_interest_due(self) -> None:
        result = accrue(AccrualState(JAN1), principal_minor=100_000, terms=TERMS, as_of=JAN31)
        assert result.post_minor == 1561
        assert result.skipped is None
        assert result.state == AccrualState(JAN1, 0, JAN31, 1561)

    def test_daily_runs_post_the_same_cents_as_one_run(self) -> None:
        state = AccrualState(JAN1)
        posted = []
        for day in range(1, 31):
            result = accrue(
                state, principal_minor=100_000, terms=TERMS, as_of=JAN1 + timedelta(days=day)
            )
            posted.append(result.post_minor)
            state = result.state
        assert sum(posted) == 1561
        assert posted[:3] == [52, 52, 52]  # 52.03 each day, no drift from rounding each day

    def test_rerun_for_a_date_already_done_is_a_no_op(self) -> None:
        done = accrue(AccrualState(JAN1), principal_minor=100_000, terms=TERMS, as_of=JAN31).state
        for as_of in (JAN31, date(2026, 1, 15)):
            again = accrue(done, principal_minor=100_000, terms=TERMS, as_of=as_of)
            assert again.post_minor == 0
            assert again.state == done
            assert again.skipped == "already accrued through 2026-01-31"

    def test_zero_or_negative_principal_accrues_nothing(self) -> None:
        for principal in (0, -500):
            result = accrue(AccrualState(JAN1), principal_minor=principal, terms=TERMS, as_of=JAN31)
            assert result.post_minor == 0
            assert result.state.accrued_through == JAN31

    def test_cap_applies(self) -> None:
        capped = InterestTerms(360_000, cap_rate_ppm=APR)
        result = accrue(AccrualState(JAN1), principal_minor=100_000, terms=capped, as_of=JAN31)
        assert result.post_minor == 1561

    def test_refuses_a_date_before_the_current_segment(self) -> None:
        state = AccrualState(JAN31)
        with pytest.raises(ValueError):
            accrue(state, principal_minor=100_000, terms=TERMS, as_of=JAN1)


class TestCloseSegment:
    def test_banks_the_numerator_and_starts_a_new_segment(self) -> None:
        mid = date(2026, 1, 11)
        state = close_segment(AccrualState(JAN1), principal_minor=100_000, terms=TERMS, on=mid)
        assert state == AccrualState(mid, closed_numerator=100_000 * APR * 10)
        result = accrue(state, principal_minor=50_000, terms=TERMS, as_of=JAN31)
        assert result.post_minor == 1041

    def test_payment_between_runs(self) -> None:
        state = accrue(
            AccrualState(JAN1), principal_minor=100_000, terms=TERMS, as_of=date(2026, 1, 6)
        ).state
        state = close_segment(state, principal_minor=100_000, terms=TERMS, on=date(2026, 1, 11))
        final = accrue(state, principal_minor=50_000, terms=TERMS, as_of=JAN31)
        assert state.posted_minor + final.post_minor == 1041

    def test_backdated_close_gives_back_interest_on_the_next_run(self) -> None:
        state = accrue(AccrualState(JAN1), principal_minor=100_000, terms=TERMS, as_of=JAN31).state
        state = close_segment(state, principal_minor=100_000, terms=TERMS, on=date(2026, 1, 11))
        # Principal was paid to zero on Jan 11: only 10 days of interest were due.
        result = accrue(state, principal_minor=0, terms=TERMS, as_of=date(2026, 2, 1))
        assert result.state.posted_minor == 520
        assert result.post_minor == 520 - 1561

    def test_refuses_a_date_before_the_segment(self) -> None:
        with pytest.raises(ValueError):
            close_segment(AccrualState(JAN31), principal_minor=1, terms=TERMS, on=JAN1)


terms_strategy = st.builds(
    InterestTerms,
    rate_ppm=st.integers(0, 400_000),
    day_count=st.sampled_from(list(DayCount)),
    cap_rate_ppm=st.one_of(st.none(), st.integers(0, 400_000)),
)


@st.composite
def histories(draw: st.DrawFn) -> tuple[date, list[tuple[date, int]], list[date]]:
    """An itemization date, principal steps from it, and a set of run dates."""
    start = draw(st.dates(date(2023, 1, 1), date(2027, 12, 31)))
    principal = st.one_of(st.integers(-50_000, 10**9), st.just(0))
    offsets = draw(st.lists(st.integers(1, 500), max_size=6, unique=True))
    steps = [(start, draw(principal))] + [
        (start + timedelta(days=offset), draw(principal)) for offset in sorted(offsets)
    ]
    runs = draw(st.lists(st.integers(0, 540), min_size=1, max_size=25, unique=True))
    return start, steps, sorted(start + timedelta(days=run) for run in runs)


class TestAccrualIsCadenceIndependent:
    @settings(max_examples=1000)
    @given(history=histories(), terms=terms_strategy, runs_first=st.booleans())
    def test_any_cadence_posts_exactly_the_one_shot_interest(
        self,
        history: tuple[date, list[tuple[date, int]], list[date]],
        terms: InterestTerms,
        runs_first: bool,
    ) -> None:
        start, steps, runs = history
        # Events in date order; on a shared date, runs_first decides which goes first.
        events = [(d, 0 if runs_first else 1, "close", p) for d, p in steps[1:]]
        events += [(d, 1 if runs_first else 0, "run", 0) for d in runs]
        events.sort()

        state = AccrualState(start)
        principal = steps[0][1]
        total_posted = 0
        for when, _, what, new_principal in events:
            if what == "close":
                state = close_segment(state, principal_minor=principal, terms=terms, on=when)
                principal = new_principal
            else:
                result = accrue(state, principal_minor=principal, terms=terms, as_of=when)
                assert result.skipped is None
                total_posted += result.post_minor
                state = result.state
                # After every run, all that was posted equals the one-shot reference.
                assert total_posted == interest_between(steps, terms, start, when)
                assert state.posted_minor == total_posted

        # A run for an earlier date (or the same date) changes nothing.
        for earlier in (runs[0], runs[-1]):
            again = accrue(state, principal_minor=principal, terms=terms, as_of=earlier)
            assert again.post_minor == 0
            assert again.state == state
            assert again.skipped == f"already accrued through {runs[-1].isoformat()}"

    @settings(max_examples=300)
    @given(history=histories(), terms=terms_strategy)
    def test_interest_never_negative_and_monotone_in_time(
        self, history: tuple[date, list[tuple[date, int]], list[date]], terms: InterestTerms
    ) -> None:
        start, steps, runs = history
        amounts = [interest_between(steps, terms, start, run) for run in runs]
        assert amounts == sorted(amounts)
        assert amounts[0] >= 0
