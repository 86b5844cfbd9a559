"""plan_payment: interest to the payment's date, the waterfall, and back-dated payments."""

from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from arrears.core.interest import AccrualState, DayCount, InterestTerms, accrue, interest_between
from arrears.core.ledger import DEFAULT_WATERFALL, Balances, Bucket, allocate_payment
from arrears.core.ledger.errors import InvalidAmount
from arrears.core.ledger.posting import Position, plan_payment, plan_reversal

START = date(2026, 1, 1)
TERMS = InterestTerms(rate_ppm=180_000, day_count=DayCount.ACT_365)  # 18 %


def bearing(principal: int, through: date | None = None, posted: int = 0) -> Position:
    return Position(
        balances=Balances(principal=principal, interest=posted),
        waterfall=DEFAULT_WATERFALL,
        terms=TERMS,
        accrual=AccrualState(segment_start=START, accrued_through=through, posted_minor=posted),
    )


class TestWithoutInterest:
    def test_pays_by_the_waterfall_and_keeps_the_rest_unapplied(self):
        position = Position(Balances(principal=1_000, fees=200), DEFAULT_WATERFALL)
        plan = plan_payment(position, 1_500, date(2026, 2, 1))
        assert plan.reduction == Balances(principal=-1_000, fees=-200)
        assert (plan.applied_minor, plan.unapplied_minor) == (1_200, 300)
        assert plan.balances == Balances()
        assert (plan.interest_minor, plan.interest_credit_minor, plan.accrual) == (0, 0, None)

    def test_nothing_owed_applies_nothing(self):
        plan = plan_payment(Position(Balances(), DEFAULT_WATERFALL), 500, date(2026, 2, 1))
        assert plan.reduction.is_zero() and plan.unapplied_minor == 500

    @pytest.mark.parametrize("amount", [0, -1])
    def test_refuses_an_amount_that_is_not_positive(self, amount):
        with pytest.raises(InvalidAmount):
            plan_payment(Position(Balances(principal=1), DEFAULT_WATERFALL), amount, START)


class TestInterest:
    def test_accrues_to_the_payment_date_first(self):
        # 100,000.00 at 18 % for 31 days: 1,528.77.
        plan = plan_payment(bearing(10_000_000), 200_000, date(2026, 2, 1))
        assert plan.interest_minor == 152_877
        assert plan.reduction == Balances(principal=-47_123, interest=-152_877)
        assert plan.accrual == AccrualState(
            segment_start=date(2026, 2, 1),
            closed_numerator=10_000_000 * 180_000 * 31,
            accrued_through=date(2026, 2, 1),
            posted_minor=152_877,
        )
        assert plan.balances == Balances(principal=9_952_877)

    def test_back_dated_payoff_gives_back_the_interest_on_the_days_after_it(self):
        # Accrued through 1 Feb (1,528.77); the consumer paid the balance as it stood on 31 Jan
        # (100,000.00 + 30 days = 1,479.45), so one day's interest, 49.32, comes back first.
        position = bearing(10_000_000, through=date(2026, 2, 1), posted=152_877)
        plan = plan_payment(position, 10_147_945, date(2026, 1, 31))
        assert plan.interest_minor == 0
        assert plan.interest_credit_minor == 4_932
        assert plan.reduction == Balances(principal=-10_000_000, interest=-147_945)
        assert (plan.applied_minor, plan.unapplied_minor) == (10_147_945, 0)
        assert plan.balances == Balances()
        assert plan.accrual is not None and plan.accrual.posted_minor == 147_945

    def test_a_payment_on_the_accrual_date_gives_nothing_back(self):
        position = bearing(10_000_000, through=date(2026, 2, 1), posted=152_877)
        plan = plan_payment(position, 50_000, date(2026, 2, 1))
        assert (plan.interest_minor, plan.interest_credit_minor) == (0, 0)


@settings(max_examples=300, deadline=None)
@given(
    principal=st.integers(1, 50_000_000),
    fees=st.integers(0, 100_000),
    rate=st.integers(1, 360_000),
    day_count=st.sampled_from(list(DayCount)),
    accrued_days=st.integers(0, 400),
    back=st.integers(-60, 60),
    amount=st.integers(1, 60_000_000),
    waterfall=st.permutations(list(Bucket)),
)
# 30/360 counts 1-31 Jan as 30 days but 1-3 and 3-31 Jan as 2 + 28: split at a back-dated
# payment, the month can bear a day more, so a tiny payment leaves interest owed, not credited.
@example(principal=91_931, fees=0, rate=242, day_count=DayCount.THIRTY_360, accrued_days=269,
         back=27, amount=1, waterfall=list(Bucket))  # fmt: skip
def test_no_cent_is_lost_and_interest_matches_the_reference(
    principal, fees, rate, day_count, accrued_days, back, amount, waterfall
):
    terms = InterestTerms(rate_ppm=rate, day_count=day_count)
    through = START + timedelta(days=accrued_days)
    state = AccrualState(segment_start=START)
    run = accrue(state, principal_minor=principal, terms=terms, as_of=through)
    on = max(START, through - timedelta(days=back))
    before = Balances(principal=principal, interest=run.state.posted_minor, fees=fees)
    position = Position(before, tuple(waterfall), terms, run.state)

    plan = plan_payment(position, amount, on)

    # Money: what came in is applied or unapplied; the buckets move by the entries exactly.
    assert plan.applied_minor + plan.unapplied_minor == amount
    assert plan.applied_minor == -plan.reduction.total >= 0
    assert plan.balances == (
        before
        + Balances(interest=plan.interest_minor - plan.interest_credit_minor)
        + plan.reduction
    )
    assert plan.unapplied_minor == 0 or all(v <= 0 for v in plan.balances.as_dict().values())
    # Interest: posted so far equals the one-go reference with principal stepping down on the
    # payment's date, through the later of the payment's date and the last run.
    end = max(on, through)
    paid = -plan.reduction.principal
    # A payment that pays no principal starts no new segment (30/360 would count a split month
    # differently).
    steps = [(START, principal), (on, principal - paid)] if paid else [(START, principal)]
    assert plan.accrual is not None
    assert plan.accrual.posted_minor == interest_between(steps, terms, START, end)
    assert plan.accrual.posted_minor == (
        run.state.posted_minor + plan.interest_minor - plan.interest_credit_minor
    )


@settings(max_examples=200, deadline=None)
@given(
    owed=st.tuples(*[st.integers(0, 1_000_000)] * 4),
    amount=st.integers(1, 5_000_000),
    waterfall=st.permutations(list(Bucket)),
)
def test_without_interest_it_is_the_waterfall(owed, amount, waterfall):
    balances = Balances(*owed)
    plan = plan_payment(Position(balances, tuple(waterfall)), amount, START)
    reduction, unapplied = allocate_payment(balances, amount, tuple(waterfall))
    assert (plan.reduction, plan.unapplied_minor) == (reduction, unapplied)


class TestReversal:
    def test_a_returned_payment_bears_interest_again_from_the_day_it_was_received(self):
        # 100,000.00 at 18 %: 2,000.00 received 1 Feb (1,528.77 interest, 471.23 principal),
        # accrued through 1 Mar, returned 3 Mar. Undone, the account owes as if never paid:
        # 100,000.00 + 61 days' interest = 3,008.22.
        position = bearing(10_000_000)
        paid = plan_payment(position, 200_000, date(2026, 2, 1))
        assert paid.accrual is not None
        run = accrue(
            paid.accrual, principal_minor=paid.balances.principal, terms=TERMS,
            as_of=date(2026, 3, 1),
        )  # fmt: skip
        after = Position(
            paid.balances + Balances(interest=run.post_minor), DEFAULT_WATERFALL, TERMS, run.state
        )
        plan = plan_reversal(
            after, -paid.reduction, paid_on=date(2026, 2, 1), returned_on=date(2026, 3, 3)
        )
        assert plan.restore == Balances(principal=47_123, interest=152_877)
        # 1-3 Mar on 99,528.77 first (98.17 with the running rounding), then the days since
        # 1 Feb on the 471.23 the payment had paid: owed as if never paid.
        assert plan.interest_minor == 9_817
        # 471.23 for the 30 days from 1 Feb to 3 Mar: 6.97.
        assert plan.interest_owed_minor == 697
        assert run.post_minor == 137_431  # 1 Feb to 1 Mar on 99,528.77
        assert plan.balances == Balances(principal=10_000_000, interest=300_822)
        assert plan.accrual is not None and plan.accrual.posted_minor == 300_822

    def test_refuses_a_return_before_the_payment(self):
        with pytest.raises(ValueError, match="before it was received"):
            plan_reversal(
                bearing(100), Balances(principal=1), paid_on=date(2026, 2, 2),
                returned_on=date(2026, 2, 1),
            )  # fmt: skip

    def test_refuses_nothing_to_give_back(self):
        with pytest.raises(InvalidAmount):
            plan_reversal(bearing(100), Balances(), paid_on=START, returned_on=START)


# Found by Hypothesis: a cent of interest paid on the 31st under 30/360 splits nothing.
@example(principal=3330, fees=6096, rate=14749, day_count=DayCount.THIRTY_360, accrued_days=30,
         back=0, later=3, returned_after=0, amount=1,
         waterfall=[Bucket.INTEREST, Bucket.PRINCIPAL, Bucket.COSTS, Bucket.FEES])  # fmt: skip
@settings(max_examples=300, deadline=None)
@given(
    principal=st.integers(1, 50_000_000),
    fees=st.integers(0, 100_000),
    rate=st.integers(1, 360_000),
    day_count=st.sampled_from(list(DayCount)),
    accrued_days=st.integers(0, 400),
    back=st.integers(-60, 60),
    later=st.integers(0, 90),
    returned_after=st.integers(0, 120),
    amount=st.integers(1, 60_000_000),
    waterfall=st.permutations(list(Bucket)),
)
def test_a_reversed_payment_leaves_the_account_as_if_it_was_never_made(
    principal, fees, rate, day_count, accrued_days, back, later, returned_after, amount, waterfall
):
    terms = InterestTerms(rate_ppm=rate, day_count=day_count)
    through = START + timedelta(days=accrued_days)
    run = accrue(AccrualState(segment_start=START), principal_minor=principal, terms=terms,
                 as_of=through)  # fmt: skip
    on = max(START, through - timedelta(days=back))
    before = Balances(principal=principal, interest=run.state.posted_minor, fees=fees)
    paid = plan_payment(Position(before, tuple(waterfall), terms, run.state), amount, on)
    if paid.reduction.is_zero():
        return
    assert paid.accrual is not None
    # Nightly accrual runs on after the payment, then the bank returns it.
    nightly_to = max(on, through) + timedelta(days=later)
    nightly = accrue(paid.accrual, principal_minor=max(paid.balances.principal, 0), terms=terms,
                     as_of=nightly_to)  # fmt: skip
    after = Position(
        paid.balances + Balances(interest=nightly.post_minor), tuple(waterfall), terms,
        nightly.state,
    )  # fmt: skip
    returned_on = on + timedelta(days=returned_after)

    plan = plan_reversal(after, -paid.reduction, paid_on=on, returned_on=returned_on)

    # The buckets get back exactly what the payment took.
    assert plan.restore == -paid.reduction
    assert plan.balances == (
        after.balances + Balances(interest=plan.interest_minor + plan.interest_owed_minor)
        + plan.restore
    )  # fmt: skip
    # Interest: as if the principal had never stepped down (the same day split, for 30/360).
    end = max(nightly_to, returned_on)
    # A payment that took no principal changed no segment: nothing to split at.
    steps = [(START, principal)] + ([(on, principal)] if paid.reduction.principal else [])
    assert plan.accrual is not None
    assert plan.accrual.posted_minor == interest_between(steps, terms, START, end)
    # Every bucket other than interest is back where it was before the payment.
    assert plan.balances.principal == principal
    assert plan.balances.fees == fees
