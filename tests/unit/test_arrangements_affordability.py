"""Income and expenditure, and plans sized from what the debtor can afford."""

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.arrangements import (
    ALL_FREQUENCIES,
    ArrangementError,
    ExpenseCategory,
    ExpenseLine,
    Frequency,
    Household,
    IncomeCategory,
    IncomeExpenditure,
    IncomeLine,
    Instalment,
    LineFrequency,
    NoPlanReason,
    PlanRules,
    add_months,
    affordable_instalment_minor,
    max_instalments_within,
    monthly_minor,
    plan_term_months,
    propose_plans,
)

FIRST = date(2026, 3, 2)
HOUSEHOLD = Household(adults=2, children=1)
PPM = 1_000_000


def statement(income: int, expenses: int) -> IncomeExpenditure:
    return IncomeExpenditure(
        HOUSEHOLD,
        incomes=(IncomeLine(IncomeCategory.WAGES, income),),
        expenses=(ExpenseLine(ExpenseCategory.HOUSING, expenses),),
    )


# Disposable $412.50 a month: income $2,900.00, expenses $2,487.50.
EXAMPLE = statement(290_000, 248_750)


class TestMonthlyMinor:
    @pytest.mark.parametrize(
        ("amount", "frequency", "monthly"),
        [
            (10_000, LineFrequency.WEEKLY, 43_333),  # 43,333.33
            (30_000, LineFrequency.WEEKLY, 130_000),  # x 52/12 exactly
            (10_000, LineFrequency.BIWEEKLY, 21_667),  # 21,666.67
            (10_000, LineFrequency.SEMIMONTHLY, 20_000),
            (10_000, LineFrequency.MONTHLY, 10_000),
            (120_000, LineFrequency.ANNUALLY, 10_000),
            (100, LineFrequency.ANNUALLY, 8),  # 8.33
            (0, LineFrequency.WEEKLY, 0),
        ],
    )
    def test_normalizes_each_frequency_to_a_month(
        self, amount: int, frequency: LineFrequency, monthly: int
    ) -> None:
        assert monthly_minor(amount, frequency) == monthly

    @pytest.mark.parametrize(
        ("amount", "frequency", "monthly"),
        [
            (3, LineFrequency.BIWEEKLY, 6),  # 6.5 -> 6
            (9, LineFrequency.BIWEEKLY, 20),  # 19.5 -> 20
            (6, LineFrequency.ANNUALLY, 0),  # 0.5 -> 0
            (18, LineFrequency.ANNUALLY, 2),  # 1.5 -> 2
            (30, LineFrequency.ANNUALLY, 2),  # 2.5 -> 2
        ],
    )
    def test_rounds_half_to_even(self, amount: int, frequency: LineFrequency, monthly: int) -> None:
        assert monthly_minor(amount, frequency) == monthly

    def test_accepts_a_plan_frequency(self) -> None:
        assert monthly_minor(10_000, Frequency.WEEKLY) == 43_333

    @pytest.mark.parametrize("amount", [12.5, True])
    def test_refuses_a_float_or_bool(self, amount: object) -> None:
        with pytest.raises(ArrangementError, match="amount_minor must be an int"):
            monthly_minor(amount, LineFrequency.MONTHLY)  # type: ignore[arg-type]

    def test_refuses_an_unknown_frequency(self) -> None:
        with pytest.raises(ArrangementError, match=r"frequency must be one of .*annually"):
            monthly_minor(100, "daily")  # type: ignore[arg-type]


class TestIncomeExpenditure:
    def test_totals_and_disposable_income(self) -> None:
        ie = IncomeExpenditure(
            HOUSEHOLD,
            incomes=(
                IncomeLine(IncomeCategory.WAGES, 60_000, LineFrequency.WEEKLY),  # 2,600.00
                IncomeLine(IncomeCategory.BENEFITS, 360_000, LineFrequency.ANNUALLY),  # 300.00
            ),
            expenses=(
                ExpenseLine(ExpenseCategory.HOUSING, 150_000),
                ExpenseLine(ExpenseCategory.FOOD, 15_000, LineFrequency.WEEKLY),  # 650.00
                ExpenseLine(ExpenseCategory.FOOD, 5_000, LineFrequency.SEMIMONTHLY),  # 100.00
                ExpenseLine(ExpenseCategory.UTILITIES, 27_000, LineFrequency.BIWEEKLY),  # 585.00
            ),
        )
        assert ie.monthly_income_minor == 290_000
        assert ie.monthly_expenses_minor == 283_500
        assert ie.disposable_monthly_minor == 6_500
        assert ie.monthly_income_by_category() == {
            IncomeCategory.WAGES: 260_000,
            IncomeCategory.BENEFITS: 30_000,
            IncomeCategory.PENSION: 0,
            IncomeCategory.OTHER: 0,
        }
        by_category = ie.monthly_expenses_by_category()
        assert list(by_category) == list(ExpenseCategory)
        assert by_category[ExpenseCategory.FOOD] == 75_000
        assert by_category[ExpenseCategory.UTILITIES] == 58_500
        assert by_category[ExpenseCategory.OTHER_DEBTS] == 0

    def test_disposable_income_may_be_negative(self) -> None:
        assert statement(100_000, 150_000).disposable_monthly_minor == -50_000

    def test_totals_add_the_rounded_line_amounts(self) -> None:
        # Each 1 cent a week is 4.33 cents a month, rounded to 4: the total is 8, not 9,
        # so the lines shown always add up to the total shown.
        ie = IncomeExpenditure(
            HOUSEHOLD,
            incomes=(
                IncomeLine(IncomeCategory.OTHER, 1, LineFrequency.WEEKLY),
                IncomeLine(IncomeCategory.OTHER, 1, LineFrequency.WEEKLY),
            ),
        )
        assert ie.monthly_income_minor == 8

    def test_an_empty_statement_has_nothing_to_spare(self) -> None:
        assert IncomeExpenditure(HOUSEHOLD).disposable_monthly_minor == 0

    def test_refuses_a_negative_line(self) -> None:
        with pytest.raises(ArrangementError, match="expense amount_minor must be at least 0"):
            ExpenseLine(ExpenseCategory.FOOD, -1)

    def test_refuses_an_unknown_category(self) -> None:
        with pytest.raises(ArrangementError, match="expense category must be one of housing"):
            ExpenseLine("gambling", 100)  # type: ignore[arg-type]

    def test_refuses_a_household_without_an_adult(self) -> None:
        with pytest.raises(ArrangementError, match="adults must be positive, not 0"):
            Household(adults=0, children=2)

    def test_refuses_lines_given_as_a_list(self) -> None:
        with pytest.raises(ArrangementError, match="incomes must be a tuple of IncomeLine"):
            IncomeExpenditure(HOUSEHOLD, incomes=[IncomeLine(IncomeCategory.WAGES, 1)])  # type: ignore[arg-type]

    def test_as_dict_is_json_of_ints_and_strings_and_reads_back(self) -> None:
        ie = IncomeExpenditure(
            HOUSEHOLD,
            incomes=(IncomeLine(IncomeCategory.PENSION, 10_000, LineFrequency.WEEKLY, "state"),),
            expenses=(ExpenseLine(ExpenseCategory.OTHER_DEBTS, 5_000, description="card"),),
        )
        stored = json.loads(json.dumps(ie.as_dict()))
        assert stored["household"] == {"adults": 2, "children": 1}
        assert stored["incomes"] == [
            {
                "category": "pension",
                "amount_minor": 10_000,
                "frequency": "weekly",
                "description": "state",
            }
        ]
        assert (
            stored["monthly_income_minor"],
            stored["monthly_expenses_minor"],
            stored["disposable_monthly_minor"],
        ) == (43_333, 5_000, 38_333)
        assert stored["monthly_expenses_by_category"]["other_debts"] == 5_000
        assert IncomeExpenditure.from_dict(stored) == ie
        assert_only_json_scalars(stored)

    def test_from_dict_names_what_is_wrong(self) -> None:
        stored = EXAMPLE.as_dict()
        stored["expenses"] = [{"category": "housing", "amount_minor": "12.50"}]
        with pytest.raises(ArrangementError, match="expense amount_minor must be an int, not str"):
            IncomeExpenditure.from_dict(stored)
        with pytest.raises(ArrangementError, match="household must be a mapping"):
            IncomeExpenditure.from_dict({"incomes": []})


class TestPlanRules:
    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"min_payment_minor": 0, "max_term_months": 12}, "min_payment_minor must be positive"),
            ({"min_payment_minor": 1, "max_term_months": 0}, "max_term_months must be positive"),
            ({"min_payment_minor": 1, "max_term_months": -1}, "max_term_months must be positive"),
            ({"min_payment_minor": 1, "max_term_months": 1201}, "at most 1200"),
            (
                {"min_payment_minor": 1, "max_term_months": 12, "share_of_disposable_ppm": 0},
                "share_of_disposable_ppm must be positive",
            ),
            (
                {"min_payment_minor": 1, "max_term_months": 12, "share_of_disposable_ppm": PPM + 1},
                "at most 1000000",
            ),
            ({"min_payment_minor": 50.0, "max_term_months": 12}, "must be an int, not float"),
        ],
    )
    def test_refuses_rules_that_make_no_sense(
        self, kwargs: dict[str, object], message: str
    ) -> None:
        with pytest.raises(ArrangementError, match=message):
            PlanRules(**kwargs)  # type: ignore[arg-type]

    def test_round_trips_through_a_dict(self) -> None:
        rules = PlanRules(5_000, 12, 500_000)
        assert PlanRules.from_dict(json.loads(json.dumps(rules.as_dict()))) == rules


class TestAffordableInstalment:
    @pytest.mark.parametrize(
        ("frequency", "affordable"),
        [
            (Frequency.WEEKLY, 9_519),  # 95.1923...
            (Frequency.BIWEEKLY, 19_038),  # 190.3846...
            (Frequency.SEMIMONTHLY, 20_625),
            (Frequency.MONTHLY, 41_250),
        ],
    )
    def test_converts_disposable_income_and_rounds_down(
        self, frequency: Frequency, affordable: int
    ) -> None:
        assert affordable_instalment_minor(41_250, frequency) == affordable

    def test_takes_the_clients_share_in_the_same_step(self) -> None:
        # 412.50 x 50% x 12/52 = 47.596...: 47.59, never rounded up.
        assert affordable_instalment_minor(41_250, Frequency.WEEKLY, 500_000) == 4_759

    def test_nothing_is_affordable_without_disposable_income(self) -> None:
        assert affordable_instalment_minor(-100, Frequency.MONTHLY) == 0
        assert affordable_instalment_minor(0, Frequency.WEEKLY) == 0


class TestMaxInstalmentsWithin:
    @pytest.mark.parametrize(
        ("first", "frequency", "months", "count"),
        [
            (date(2025, 1, 31), Frequency.MONTHLY, 12, 12),
            (date(2025, 1, 31), Frequency.MONTHLY, 1, 1),
            (FIRST, Frequency.WEEKLY, 12, 52),  # 52 weeks is 364 days, the 53rd ends past
            (FIRST, Frequency.WEEKLY, 10, 43),  # 43 weeks is 301 days; 10 months is 306
            (FIRST, Frequency.WEEKLY, 1, 4),  # 28 days; 2026-03-02 to 2026-04-02 is 31
            (FIRST, Frequency.BIWEEKLY, 12, 26),
            (date(2025, 1, 1), Frequency.SEMIMONTHLY, 12, 24),
            (date(2025, 1, 31), Frequency.SEMIMONTHLY, 1, 2),  # to Feb 16 and Feb 28
        ],
    )
    def test_counts_the_instalments_whose_periods_end_within_the_term(
        self, first: date, frequency: Frequency, months: int, count: int
    ) -> None:
        assert max_instalments_within(first, frequency, months) == count

    def test_refuses_a_term_of_no_months(self) -> None:
        with pytest.raises(ArrangementError, match="max_term_months must be positive, not 0"):
            max_instalments_within(FIRST, Frequency.MONTHLY, 0)


class TestProposePlans:
    def test_weekly_plan_pays_the_balance_soonest_and_explains_it(self) -> None:
        proposals = propose_plans(EXAMPLE, 400_000, PlanRules(5_000, 12), FIRST)
        weekly = proposals.get(Frequency.WEEKLY)
        assert weekly is not None
        assert (weekly.instalment_minor, weekly.schedule.count, weekly.term_months) == (
            9_519,
            43,
            10,
        )
        assert weekly.schedule.final_minor == 202  # 400,000 - 42 x 9,519
        assert weekly.schedule.last_due == date(2026, 12, 21)
        assert weekly.rationale == (
            "Disposable income is $412.50 a month (income $2,900.00, expenses $2,487.50).",
            "The client's minimum is $50.00 a payment and its longest plan is 12 months.",
            "At most $95.19 a week is affordable.",
            "At $95.19 a week the balance of $4,000.00 is paid in 43 payments over 10 months.",
            "The payments run from 2026-03-02 to 2026-12-21; the last is $2.02.",
        )

    def test_proposes_every_frequency_in_order_by_default(self) -> None:
        proposals = propose_plans(EXAMPLE, 400_000, PlanRules(5_000, 12), FIRST)
        assert tuple(p.frequency for p in proposals.proposals) == ALL_FREQUENCIES
        assert proposals.no_plans == ()
        summary = {
            p.frequency.value: (p.instalment_minor, p.schedule.count, p.term_months)
            for p in proposals.proposals
        }
        # Each term runs to the end of the last period: weekly 301 days, biweekly 308 days
        # (past 2027-01-02, so 11 months), semimonthly to 2027-01-02, monthly to 2027-01-02.
        assert summary == {
            "weekly": (9_519, 43, 10),
            "biweekly": (19_038, 22, 11),
            "semimonthly": (20_625, 20, 10),
            "monthly": (41_250, 10, 10),
        }

    def test_monthly_plan_schedule(self) -> None:
        monthly = propose_plans(
            EXAMPLE, 100_000, PlanRules(5_000, 12), date(2026, 1, 31), [Frequency.MONTHLY]
        ).get(Frequency.MONTHLY)
        assert monthly is not None
        assert monthly.schedule.instalments == (
            Instalment(date(2026, 1, 31), 41_250),
            Instalment(date(2026, 2, 28), 41_250),
            Instalment(date(2026, 3, 31), 17_500),
        )

    def test_the_clients_share_of_disposable_income_limits_the_instalment(self) -> None:
        proposals = propose_plans(
            EXAMPLE, 100_000, PlanRules(5_000, 12, 500_000), FIRST, [Frequency.MONTHLY]
        )
        monthly = proposals.get(Frequency.MONTHLY)
        assert monthly is not None
        assert monthly.instalment_minor == 20_625
        assert "The client lets a plan take 50% of it: $206.25 a month." in monthly.rationale

    def test_no_disposable_income_gives_no_plan_and_says_why(self) -> None:
        proposals = propose_plans(statement(200_000, 250_000), 100_000, PlanRules(5_000, 12), FIRST)
        assert proposals.proposals == ()
        assert [n.reason for n in proposals.no_plans] == [NoPlanReason.NO_DISPOSABLE_INCOME] * 4
        weekly = proposals.no_plan(Frequency.WEEKLY)
        assert weekly is not None
        assert weekly.affordable_minor == 0
        assert weekly.rationale == (
            "Disposable income is -$500.00 a month (income $2,000.00, expenses $2,500.00).",
            "The client's minimum is $50.00 a payment and its longest plan is 12 months.",
            "With no disposable income, no weekly plan is affordable.",
        )

    def test_an_instalment_below_the_clients_minimum_gives_no_plan(self) -> None:
        # $100.00 a month spare: $23.07 a week is below the $50.00 minimum; $100.00 a month is not.
        proposals = propose_plans(
            statement(200_000, 190_000),
            60_000,
            PlanRules(5_000, 12),
            FIRST,
            [Frequency.WEEKLY, Frequency.MONTHLY],
        )
        weekly = proposals.no_plan(Frequency.WEEKLY)
        assert weekly is not None
        assert weekly.reason is NoPlanReason.BELOW_MINIMUM_PAYMENT
        assert weekly.rationale[-1] == (
            "At most $23.07 a week is affordable, below the client's minimum of $50.00 a "
            "payment, so no weekly plan fits."
        )
        monthly = proposals.get(Frequency.MONTHLY)
        assert monthly is not None
        assert (monthly.instalment_minor, monthly.schedule.count) == (10_000, 6)

    def test_a_plan_longer_than_the_maximum_term_gives_the_instalment_it_would_need(self) -> None:
        proposals = propose_plans(EXAMPLE, 400_000, PlanRules(5_000, 6), FIRST)
        assert proposals.proposals == ()
        weekly = proposals.no_plan(Frequency.WEEKLY)
        assert weekly is not None
        assert weekly.reason is NoPlanReason.OVER_MAXIMUM_TERM
        # 26 weekly periods from 2026-03-02 end by 2026-09-02 (182 of its 184 days); the 27th
        # would end on 2026-09-07. 4,000.00 / 26 = 153.846...: 153.85.
        assert weekly.required_minor == 15_385
        assert weekly.rationale[-2:] == (
            "At $95.19 a week the balance of $4,000.00 would take 43 payments over 10 months, "
            "longer than the client's maximum of 6 months.",
            "Paying within 6 months needs $153.85 a week (26 payments), so no weekly plan fits.",
        )
        monthly = proposals.no_plan(Frequency.MONTHLY)
        assert monthly is not None
        assert monthly.required_minor == 66_667  # 6 monthly payments: 4,000.00 / 6 = 666.666...
        assert monthly.rationale[-2:] == (
            "At $412.50 a month the balance of $4,000.00 would take 10 payments over 10 months, "
            "longer than the client's maximum of 6 months.",
            "Paying within 6 months needs $666.67 a month (6 payments), so no monthly plan fits.",
        )
        biweekly = proposals.no_plan(Frequency.BIWEEKLY)
        assert biweekly is not None
        assert biweekly.rationale[-2] == (
            "At $190.38 every two weeks the balance of $4,000.00 would take 22 payments over "
            "11 months, longer than the client's maximum of 6 months."
        )
        assert biweekly.required_minor == 30_770  # 13 biweekly payments (182 days)

    def test_a_plan_of_exactly_the_maximum_term_is_proposed(self) -> None:
        # 10 monthly payments from 2026-03-02: the last on 2026-12-02, its month ending on
        # 2027-01-02, 10 months from the first.
        monthly = propose_plans(EXAMPLE, 400_000, PlanRules(5_000, 10), FIRST).get(
            Frequency.MONTHLY
        )
        assert monthly is not None
        assert (monthly.schedule.count, monthly.term_months) == (10, 10)
        assert monthly.schedule.ends_on == add_months(FIRST, 10)
        shorter = propose_plans(EXAMPLE, 400_000, PlanRules(5_000, 9), FIRST)
        refusal = shorter.no_plan(Frequency.MONTHLY)
        assert refusal is not None
        assert refusal.reason is NoPlanReason.OVER_MAXIMUM_TERM
        assert refusal.required_minor == 44_445  # 9 monthly payments

    def test_a_twelve_month_maximum_allows_exactly_twelve_monthly_payments(self) -> None:
        first = date(2026, 1, 31)
        twelve = propose_plans(
            EXAMPLE, 12 * 41_250, PlanRules(5_000, 12), first, [Frequency.MONTHLY]
        ).get(Frequency.MONTHLY)
        assert twelve is not None
        assert (twelve.schedule.count, twelve.term_months) == (12, 12)
        assert (twelve.schedule.last_due, twelve.schedule.ends_on) == (
            date(2026, 12, 31),
            date(2027, 1, 31),
        )
        assert twelve.rationale[-2] == (
            "At $412.50 a month the balance of $4,950.00 is paid in 12 payments over 12 months."
        )
        # One cent more needs a 13th payment: refused, with the instalment 12 payments need.
        thirteen = propose_plans(
            EXAMPLE, 12 * 41_250 + 1, PlanRules(5_000, 12), first, [Frequency.MONTHLY]
        )
        assert thirteen.proposals == ()
        refusal = thirteen.no_plan(Frequency.MONTHLY)
        assert refusal is not None
        assert refusal.reason is NoPlanReason.OVER_MAXIMUM_TERM
        assert refusal.required_minor == 41_251
        assert refusal.rationale[-2:] == (
            "At $412.50 a month the balance of $4,950.01 would take 13 payments over 13 months, "
            "longer than the client's maximum of 12 months.",
            "Paying within 12 months needs $412.51 a month (12 payments), so no monthly plan fits.",
        )

    def test_a_balance_within_one_instalment_is_one_payment(self) -> None:
        monthly = propose_plans(
            EXAMPLE, 30_000, PlanRules(5_000, 12), FIRST, [Frequency.MONTHLY]
        ).get(Frequency.MONTHLY)
        assert monthly is not None
        assert monthly.schedule.instalments == (Instalment(FIRST, 30_000),)
        assert (
            monthly.rationale[-1] == "The balance of $300.00 is paid in one payment on 2026-03-02."
        )

    def test_a_balance_below_the_clients_minimum_is_one_payment_of_the_balance(self) -> None:
        weekly = propose_plans(EXAMPLE, 3_000, PlanRules(5_000, 12), FIRST, [Frequency.WEEKLY]).get(
            Frequency.WEEKLY
        )
        assert weekly is not None
        assert weekly.schedule.instalments == (Instalment(FIRST, 3_000),)

    def test_reports_frequencies_in_the_order_asked_without_repeats(self) -> None:
        proposals = propose_plans(
            EXAMPLE,
            400_000,
            PlanRules(5_000, 12),
            FIRST,
            [Frequency.MONTHLY, Frequency.WEEKLY, Frequency.MONTHLY],
        )
        assert [p.frequency for p in proposals.proposals] == [Frequency.MONTHLY, Frequency.WEEKLY]
        assert proposals.get(Frequency.BIWEEKLY) is None
        assert proposals.no_plan(Frequency.BIWEEKLY) is None

    @pytest.mark.parametrize(
        ("balance", "frequencies", "message"),
        [
            (0, ALL_FREQUENCIES, "balance_minor must be positive"),
            (1_000.0, ALL_FREQUENCIES, "balance_minor must be an int, not float"),
            (1_000, (), "at least one frequency"),
            (1_000, ("yearly",), "frequency must be one of"),
            (1_000, "weekly", "a collection of frequencies, not one str"),
        ],
    )
    def test_refuses_bad_input_and_names_it(
        self, balance: object, frequencies: tuple[Frequency, ...], message: str
    ) -> None:
        with pytest.raises(ArrangementError, match=message):
            propose_plans(EXAMPLE, balance, PlanRules(5_000, 12), FIRST, frequencies)  # type: ignore[arg-type]

    def test_the_same_inputs_give_the_same_proposals(self) -> None:
        rules = PlanRules(2_500, 18, 750_000)
        first = propose_plans(EXAMPLE, 512_345, rules, FIRST)
        again = propose_plans(EXAMPLE, 512_345, rules, FIRST)
        assert first == again
        assert json.dumps(first.as_dict()) == json.dumps(again.as_dict())

    def test_as_dict_stores_inputs_proposals_and_reasons_as_json(self) -> None:
        proposals = propose_plans(EXAMPLE, 400_000, PlanRules(5_000, 10), FIRST)
        stored = json.loads(json.dumps(proposals.as_dict()))
        assert_only_json_scalars(stored)
        assert stored["balance_minor"] == 400_000
        assert stored["first_due"] == "2026-03-02"
        assert stored["rules"] == {
            "min_payment_minor": 5_000,
            "max_term_months": 10,
            "share_of_disposable_ppm": PPM,
        }
        assert IncomeExpenditure.from_dict(stored["income_expenditure"]) == EXAMPLE
        assert [p["frequency"] for p in stored["proposals"]] == ["weekly", "semimonthly", "monthly"]
        assert [p["term_months"] for p in stored["proposals"]] == [10, 10, 10]
        assert stored["proposals"][2]["schedule"]["total_minor"] == 400_000
        assert [n["frequency"] for n in stored["no_plans"]] == ["biweekly"]
        assert [n["reason"] for n in stored["no_plans"]] == ["over_maximum_term"]
        assert stored["no_plans"][0]["required_minor"] == 19_048  # 21 biweekly payments
        assert stored["no_plans"][0]["rationale"][-1].startswith("Paying within 10 months needs")


def assert_only_json_scalars(value: object) -> None:
    """Ints, strings and None inside lists and dicts: no floats, no bools."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str)
            assert_only_json_scalars(item)
    elif isinstance(value, list):
        for item in value:
            assert_only_json_scalars(item)
    else:
        assert value is None or isinstance(value, str) or type(value) is int, value


# -- properties -----------------------------------------------------------------------------

line_frequencies = st.sampled_from(LineFrequency)
incomes = st.lists(
    st.builds(
        IncomeLine,
        st.sampled_from(IncomeCategory),
        st.integers(min_value=0, max_value=1_000_000),
        line_frequencies,
    ),
    max_size=4,
).map(tuple)
expenses = st.lists(
    st.builds(
        ExpenseLine,
        st.sampled_from(ExpenseCategory),
        st.integers(min_value=0, max_value=500_000),
        line_frequencies,
    ),
    max_size=6,
).map(tuple)
statements = st.builds(IncomeExpenditure, st.just(HOUSEHOLD), incomes, expenses)
rules = st.builds(
    PlanRules,
    st.integers(min_value=1, max_value=50_000),
    st.integers(min_value=1, max_value=60),
    st.integers(min_value=1, max_value=PPM),
)
# (times a month as numerator, denominator) per plan frequency.
PER_MONTH = {
    Frequency.WEEKLY: (52, 12),
    Frequency.BIWEEKLY: (26, 12),
    Frequency.SEMIMONTHLY: (2, 1),
    Frequency.MONTHLY: (1, 1),
}


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_monthly_normalization_is_exact_for_monthly_amounts(amount: int) -> None:
    assert monthly_minor(amount, LineFrequency.MONTHLY) == amount
    assert monthly_minor(12 * amount, LineFrequency.ANNUALLY) == amount
    assert monthly_minor(3 * amount, LineFrequency.WEEKLY) == 13 * amount
    assert monthly_minor(6 * amount, LineFrequency.BIWEEKLY) == 13 * amount


@given(
    statements,
    st.integers(min_value=1, max_value=5_000_000),
    rules,
    st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)),
)
def test_every_proposal_is_affordable_above_the_minimum_and_within_the_term(
    ie: IncomeExpenditure, balance: int, plan_rules: PlanRules, first: date
) -> None:
    proposals = propose_plans(ie, balance, plan_rules, first)
    disposable = ie.disposable_monthly_minor
    share = plan_rules.share_of_disposable_ppm
    assert len(proposals.proposals) + len(proposals.no_plans) == len(ALL_FREQUENCIES)
    for frequency in ALL_FREQUENCIES:
        times, months = PER_MONTH[frequency]
        proposal = proposals.get(frequency)
        refusal = proposals.no_plan(frequency)
        assert (proposal is None) != (refusal is None)
        affordable = proposal.affordable_minor if proposal else refusal.affordable_minor  # type: ignore[union-attr]
        # Never more than affordable; one cent more would be.
        if disposable > 0:
            assert affordable * times * PPM <= disposable * share * months
            assert (affordable + 1) * times * PPM > disposable * share * months
        if proposal is not None:
            schedule = proposal.schedule
            assert schedule.total_minor == balance
            assert proposal.instalment_minor == min(affordable, balance)  # the soonest plan
            assert all(i.amount_minor <= affordable for i in schedule.instalments)
            assert proposal.instalment_minor >= min(plan_rules.min_payment_minor, balance)
            assert proposal.term_months <= plan_rules.max_term_months
            # The last period ends within the maximum term, not just the last due date.
            assert schedule.ends_on <= add_months(first, plan_rules.max_term_months)
            assert schedule.first_due == first
        else:
            assert refusal is not None
            if refusal.reason is NoPlanReason.NO_DISPOSABLE_INCOME:
                assert disposable <= 0
            elif refusal.reason is NoPlanReason.BELOW_MINIMUM_PAYMENT:
                assert affordable < min(plan_rules.min_payment_minor, balance)
            else:
                fits = max_instalments_within(first, frequency, plan_rules.max_term_months)
                assert -(-balance // min(affordable, balance)) > fits
                assert refusal.required_minor == -(-balance // fits)
                assert refusal.required_minor > affordable


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    st.sampled_from(Frequency),
    st.integers(min_value=1, max_value=60),
)
def test_the_most_instalments_within_a_term_fit_and_one_more_does_not(
    first: date, frequency: Frequency, months: int
) -> None:
    fits = max_instalments_within(first, frequency, months)
    assert fits >= 1
    assert plan_term_months(first, frequency, fits) <= months
    assert plan_term_months(first, frequency, fits + 1) > months
    days = (add_months(first, months) - first).days
    expected = {
        Frequency.WEEKLY: days // 7,
        Frequency.BIWEEKLY: days // 14,
        Frequency.SEMIMONTHLY: 2 * months,
        Frequency.MONTHLY: months,
    }
    assert fits == expected[frequency]
