"""Settlements: amount, discount, forgiven amount, Form 1099-C, and who may agree them."""

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.arrangements import (
    IRS_1099C_THRESHOLD_MINOR,
    ArrangementError,
    AuthorityDecision,
    AuthorityLimits,
    AuthorityOutcome,
    Frequency,
    LimitKind,
    SettlementOffer,
    check_adjustment_authority,
    check_authority,
    schedule_by_count,
    settlement_terms,
)

PPM = 1_000_000


class TestSettlementTerms:
    def test_an_amount_gives_the_discount_and_the_amount_forgiven(self) -> None:
        offer = settlement_terms(300_000, amount_minor=180_000)
        assert (offer.amount_minor, offer.forgiven_minor) == (180_000, 120_000)
        assert (offer.discount_ppm, offer.settled_ppm) == (400_000, 600_000)
        assert offer.needs_1099c

    def test_a_percentage_is_rounded_up_to_the_cent(self) -> None:
        # 60% of $1,234.57 is $740.742: the settlement is $740.75, never less than 60%.
        offer = settlement_terms(123_457, percent_ppm=600_000)
        assert (offer.amount_minor, offer.forgiven_minor) == (74_075, 49_382)
        assert (offer.discount_ppm, offer.settled_ppm) == (399_994, 600_006)

    def test_the_discount_is_rounded_half_to_even(self) -> None:
        # 1/128 = 7,812.5 ppm -> 7,812; 3/128 = 23,437.5 ppm -> 23,438.
        assert settlement_terms(128, amount_minor=127).discount_ppm == 7_812
        assert settlement_terms(128, amount_minor=125).discount_ppm == 23_438

    def test_form_1099c_is_needed_from_600_dollars_forgiven(self) -> None:
        assert IRS_1099C_THRESHOLD_MINOR == 60_000
        assert settlement_terms(100_000, amount_minor=40_000).needs_1099c
        assert not settlement_terms(100_000, amount_minor=40_001).needs_1099c

    def test_the_1099c_threshold_is_a_parameter(self) -> None:
        offer = settlement_terms(100_000, amount_minor=90_000, reporting_threshold_minor=10_000)
        assert offer.needs_1099c

    def test_a_settlement_may_be_paid_in_instalments_of_its_amount(self) -> None:
        schedule = schedule_by_count(180_000, 3, date(2026, 3, 1), Frequency.MONTHLY)
        offer = settlement_terms(300_000, amount_minor=180_000, instalments=schedule)
        assert offer.instalments == schedule

    def test_refuses_instalments_that_do_not_add_up_to_the_amount(self) -> None:
        schedule = schedule_by_count(170_000, 2, date(2026, 3, 1), Frequency.MONTHLY)
        with pytest.raises(ArrangementError, match="instalments total 170000, not the settlement"):
            settlement_terms(300_000, amount_minor=180_000, instalments=schedule)

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({}, "exactly one of amount_minor and percent_ppm"),
            ({"amount_minor": 1, "percent_ppm": 1}, "exactly one of amount_minor and percent_ppm"),
            ({"amount_minor": 0}, "amount_minor must be positive, not 0"),
            ({"amount_minor": 300_001}, "more than the balance_minor 300000"),
            ({"amount_minor": 1_800.00}, "amount_minor must be an int, not float"),
            ({"amount_minor": False}, "amount_minor must be an int, not bool"),
            ({"percent_ppm": 0}, "percent_ppm must be positive, not 0"),
            ({"percent_ppm": PPM + 1}, "percent_ppm must be at most 1000000"),
        ],
    )
    def test_refuses_bad_terms_and_names_them(
        self, kwargs: dict[str, object], message: str
    ) -> None:
        with pytest.raises(ArrangementError, match=message):
            settlement_terms(300_000, **kwargs)  # type: ignore[arg-type]

    def test_refuses_a_balance_that_is_not_positive(self) -> None:
        with pytest.raises(ArrangementError, match="balance_minor must be positive, not 0"):
            settlement_terms(0, amount_minor=1)

    def test_as_dict_is_json(self) -> None:
        schedule = schedule_by_count(180_000, 2, date(2026, 3, 1), Frequency.MONTHLY)
        offer = settlement_terms(300_000, amount_minor=180_000, instalments=schedule)
        stored = json.loads(json.dumps(offer.as_dict()))
        assert stored == {
            "balance_minor": 300_000,
            "amount_minor": 180_000,
            "forgiven_minor": 120_000,
            "discount_ppm": 400_000,
            "reporting_threshold_minor": 60_000,
            "needs_1099c": True,
            "instalments": schedule.as_dict(),
        }


class TestCheckAuthority:
    LIMITS = AuthorityLimits(max_discount_ppm=400_000, max_forgiven_minor=100_000)

    def test_within_every_limit(self) -> None:
        decision = check_authority(settlement_terms(200_000, amount_minor=120_000), self.LIMITS)
        assert decision == AuthorityDecision(())
        assert decision.within
        assert not decision.allowed_with_approval
        assert decision.outcome is AuthorityOutcome.WITHIN
        assert decision.reasons == ()

    def test_a_discount_of_exactly_the_limit_is_within_and_a_cent_more_is_not(self) -> None:
        limits = AuthorityLimits(max_discount_ppm=400_000)
        assert check_authority(settlement_terms(300_000, amount_minor=180_000), limits).within
        over = check_authority(settlement_terms(300_000, amount_minor=179_999), limits)
        assert over.kinds == (LimitKind.OVER_MAX_DISCOUNT,)
        assert over.reasons == (
            "The discount of 40.0003% ($1,200.01 of $3,000.00) is over the limit of 40% "
            "(at most $1,200.00 forgiven).",
        )

    def test_the_discount_is_compared_exactly_not_as_a_rounded_percentage(self) -> None:
        # 4,000,001 / 10,000,000 is 40.00001%: rounded to the ppm it reads 40%, still over.
        offer = settlement_terms(10_000_000, amount_minor=5_999_999)
        assert offer.discount_ppm == 400_000
        decision = check_authority(offer, AuthorityLimits(max_discount_ppm=400_000))
        assert decision.reasons == (
            "The discount of 40% ($40,000.01 of $100,000.00) is over the limit of 40% "
            "(at most $40,000.00 forgiven).",
        )

    def test_over_both_limits_names_each_and_may_be_approved(self) -> None:
        decision = check_authority(settlement_terms(300_000, amount_minor=165_000), self.LIMITS)
        assert not decision.within
        assert decision.allowed_with_approval
        assert decision.outcome is AuthorityOutcome.NEEDS_APPROVAL
        assert decision.kinds == (LimitKind.OVER_MAX_DISCOUNT, LimitKind.OVER_MAX_FORGIVEN)
        assert decision.reasons == (
            "The discount of 45% ($1,350.00 of $3,000.00) is over the limit of 40% "
            "(at most $1,200.00 forgiven).",
            "The amount forgiven, $1,350.00, is over the limit of $1,000.00.",
        )

    def test_over_the_forgiven_limit_alone(self) -> None:
        decision = check_authority(settlement_terms(1_000_000, amount_minor=800_000), self.LIMITS)
        assert decision.kinds == (LimitKind.OVER_MAX_FORGIVEN,)
        assert decision.reasons == (
            "The amount forgiven, $2,000.00, is over the limit of $1,000.00.",
        )

    def test_below_the_state_minimum_no_authority_can_allow_it(self) -> None:
        decision = check_authority(
            settlement_terms(300_000, amount_minor=165_000),
            AuthorityLimits(max_discount_ppm=PPM),
            state_minimum_ppm=600_000,
        )
        assert not decision.within
        assert not decision.allowed_with_approval
        assert decision.outcome is AuthorityOutcome.NOT_ALLOWED
        assert decision.kinds == (LimitKind.BELOW_STATE_MINIMUM,)
        assert not decision.crossed[0].overridable
        assert decision.reasons == (
            "The settlement of $1,650.00 is 55% of the balance of $3,000.00, below the state "
            "minimum of 60% ($1,800.00); no approval can allow it.",
        )

    def test_the_state_minimum_outranks_limits_that_could_be_approved(self) -> None:
        decision = check_authority(
            settlement_terms(300_000, amount_minor=165_000),
            self.LIMITS,
            state_minimum_ppm=600_000,
        )
        assert decision.kinds == (
            LimitKind.BELOW_STATE_MINIMUM,
            LimitKind.OVER_MAX_DISCOUNT,
            LimitKind.OVER_MAX_FORGIVEN,
        )
        assert decision.outcome is AuthorityOutcome.NOT_ALLOWED
        assert not decision.allowed_with_approval

    def test_meeting_the_state_minimum_to_the_cent_is_enough(self) -> None:
        # 60% of $1,000.01 is $600.006: $600.01 meets it, $600.00 does not.
        limits = AuthorityLimits(max_discount_ppm=PPM)
        met = settlement_terms(100_001, amount_minor=60_001)
        short = settlement_terms(100_001, amount_minor=60_000)
        assert check_authority(met, limits, state_minimum_ppm=600_000).within
        assert check_authority(short, limits, state_minimum_ppm=600_000).kinds == (
            LimitKind.BELOW_STATE_MINIMUM,
        )

    def test_as_dict_is_json(self) -> None:
        decision = check_authority(settlement_terms(1_000_000, amount_minor=800_000), self.LIMITS)
        assert json.loads(json.dumps(decision.as_dict())) == {
            "outcome": "needs_approval",
            "crossed": [
                {
                    "kind": "over_max_forgiven",
                    "message": "The amount forgiven, $2,000.00, is over the limit of $1,000.00.",
                }
            ],
        }

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"max_discount_ppm": -1}, "max_discount_ppm must be at least 0"),
            ({"max_discount_ppm": PPM + 1}, "max_discount_ppm must be at most 1000000"),
            ({"max_discount_ppm": 0, "max_forgiven_minor": -1}, "max_forgiven_minor must be"),
            ({"max_discount_ppm": 0.4}, "max_discount_ppm must be an int, not float"),
        ],
    )
    def test_refuses_limits_that_make_no_sense(
        self, kwargs: dict[str, object], message: str
    ) -> None:
        with pytest.raises(ArrangementError, match=message):
            AuthorityLimits(**kwargs)  # type: ignore[arg-type]

    def test_refuses_a_state_minimum_over_100_percent(self) -> None:
        with pytest.raises(ArrangementError, match="state_minimum_ppm must be at most"):
            check_authority(
                settlement_terms(100, amount_minor=100), self.LIMITS, state_minimum_ppm=PPM + 1
            )


class TestAdjustmentAuthority:
    def test_up_to_the_limit_one_person_may_post_it(self) -> None:
        assert check_adjustment_authority(50_000, 50_000).within

    def test_beyond_the_limit_a_second_person_must_approve(self) -> None:
        decision = check_adjustment_authority(50_001, 50_000)
        assert decision.allowed_with_approval
        assert decision.kinds == (LimitKind.OVER_ADJUSTMENT_LIMIT,)
        assert decision.reasons == (
            "The adjustment of $500.01 is over the limit of $500.00; a second person must "
            "approve it.",
        )

    def test_a_negative_adjustment_counts_by_its_size(self) -> None:
        assert not check_adjustment_authority(-75_000, 50_000).within
        assert check_adjustment_authority(-25_000, 50_000).within

    @pytest.mark.parametrize(
        ("amount", "limit", "message"),
        [
            (0, 100, "amount_minor must not be zero"),
            (100, -1, "limit_minor must be at least 0"),
            (1.5, 100, "amount_minor must be an int, not float"),
        ],
    )
    def test_refuses_bad_input(self, amount: object, limit: object, message: str) -> None:
        with pytest.raises(ArrangementError, match=message):
            check_adjustment_authority(amount, limit)  # type: ignore[arg-type]


# -- properties -----------------------------------------------------------------------------

balances = st.integers(min_value=1, max_value=10**12)


@st.composite
def offers(draw: st.DrawFn) -> SettlementOffer:
    balance = draw(balances)
    return settlement_terms(balance, amount_minor=draw(st.integers(1, balance)))


@given(offers())
def test_amount_and_forgiven_add_up_to_the_balance(offer: SettlementOffer) -> None:
    assert offer.amount_minor + offer.forgiven_minor == offer.balance_minor
    assert 0 <= offer.forgiven_minor < offer.balance_minor
    assert offer.discount_ppm + offer.settled_ppm == PPM
    assert offer.needs_1099c == (offer.forgiven_minor >= 60_000)


@given(balances, st.integers(min_value=1, max_value=PPM))
def test_a_percentage_settlement_is_the_smallest_amount_at_least_that_share(
    balance: int, percent: int
) -> None:
    offer = settlement_terms(balance, percent_ppm=percent)
    assert offer.amount_minor * PPM >= balance * percent
    assert (offer.amount_minor - 1) * PPM < balance * percent
    assert offer.amount_minor + offer.forgiven_minor == balance


@given(
    offers(),
    st.integers(min_value=0, max_value=PPM),
    st.none() | st.integers(min_value=0, max_value=10**12),
    st.none() | st.integers(min_value=0, max_value=PPM),
)
def test_the_decision_matches_the_limits_exactly(
    offer: SettlementOffer, max_discount: int, max_forgiven: int | None, state_minimum: int | None
) -> None:
    decision = check_authority(
        offer, AuthorityLimits(max_discount, max_forgiven), state_minimum_ppm=state_minimum
    )
    balance, forgiven = offer.balance_minor, offer.forgiven_minor
    expected = []
    if state_minimum is not None and offer.amount_minor * PPM < balance * state_minimum:
        expected.append(LimitKind.BELOW_STATE_MINIMUM)
    if forgiven * PPM > balance * max_discount:
        expected.append(LimitKind.OVER_MAX_DISCOUNT)
    if max_forgiven is not None and forgiven > max_forgiven:
        expected.append(LimitKind.OVER_MAX_FORGIVEN)
    assert decision.kinds == tuple(expected)
    assert decision.within == (not expected)
    assert decision.allowed_with_approval == (
        bool(expected) and LimitKind.BELOW_STATE_MINIMUM not in expected
    )
    assert len(decision.reasons) == len(expected)
