"""Income and expenditure, and payment plans sized from what a debtor can afford (ADR 21).

Normalizing to a month (``monthly_minor``): each line is brought to a monthly amount on its
own, exactly, and rounded half-even to the minor unit once: weekly x 52/12, biweekly x 26/12,
semimonthly x 2, monthly x 1, annually / 12. Every total (income, expenses, per category,
disposable) is a sum of those rounded line amounts, so the figures a rationale shows always add
up: income - expenses = disposable, to the cent.

Sizing a plan (``propose_plans``): the affordable instalment at a frequency is
disposable monthly x share / 1,000,000, converted to that frequency (weekly x 12/52, biweekly
x 12/26, semimonthly / 2, monthly x 1) in one exact step and rounded DOWN to the minor unit, so
it is never more than the debtor can afford. The plan for a frequency is the one that pays the
balance soonest: instalments of min(affordable, balance), the last one the remainder (which may
be below the client's minimum). It is proposed only when the instalment is at least the
client's minimum (or the whole balance, when that is smaller than the minimum) and the term
is at most the client's maximum. The term runs from the first due date to the end of the last
instalment's period (where the next one would fall due), in months rounded up (see
``arrears.core.arrangements.schedule``): a maximum of 12 months allows exactly 12 monthly
payments, 52 weekly ones, 26 biweekly ones or 24 semimonthly ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from arrears.core.arrangements._numbers import PPM, div_half_even, money_text, percent_text, plural
from arrears.core.arrangements.errors import ArrangementError, require_date, require_int
from arrears.core.arrangements.schedule import (
    Frequency,
    Schedule,
    add_months,
    iter_due_dates,
    plan_term_months,
    schedule_by_amount,
)
from arrears.core.money import minor_exponent


class LineFrequency(StrEnum):
    """How often an income or expense line is received or paid."""

    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    SEMIMONTHLY = "semimonthly"
    MONTHLY = "monthly"
    ANNUALLY = "annually"


class IncomeCategory(StrEnum):
    WAGES = "wages"
    BENEFITS = "benefits"
    PENSION = "pension"
    OTHER = "other"


class ExpenseCategory(StrEnum):
    HOUSING = "housing"
    UTILITIES = "utilities"
    FOOD = "food"
    TRANSPORT = "transport"
    CHILDCARE = "childcare"
    INSURANCE = "insurance"
    HEALTHCARE = "healthcare"
    OTHER_DEBTS = "other_debts"
    OTHER = "other"


# Occurrences a month as a fraction (numerator, denominator).
_PER_MONTH: dict[LineFrequency, tuple[int, int]] = {
    LineFrequency.WEEKLY: (52, 12),
    LineFrequency.BIWEEKLY: (26, 12),
    LineFrequency.SEMIMONTHLY: (2, 1),
    LineFrequency.MONTHLY: (1, 1),
    LineFrequency.ANNUALLY: (1, 12),
}

# How an amount at a plan frequency is said: "$95.19 a week".
_PER: dict[Frequency, str] = {
    Frequency.WEEKLY: "a week",
    Frequency.BIWEEKLY: "every two weeks",
    Frequency.SEMIMONTHLY: "twice a month",
    Frequency.MONTHLY: "a month",
}

ALL_FREQUENCIES: tuple[Frequency, ...] = tuple(Frequency)

#: The longest maximum term a client may set: 100 years.
MAX_TERM_MONTHS = 1200


def _line_frequency(value: object) -> LineFrequency:
    if isinstance(value, str):
        try:
            return LineFrequency(value)
        except ValueError:
            pass
    known = ", ".join(f.value for f in LineFrequency)
    raise ArrangementError(f"frequency must be one of {known}, not {value!r}")


def monthly_minor(amount_minor: int, frequency: LineFrequency | Frequency) -> int:
    """`amount_minor` received or paid at `frequency`, as a monthly amount in minor units.

    Exact, then rounded half-even once: weekly x 52/12, biweekly x 26/12, semimonthly x 2,
    monthly x 1, annually / 12. A plan ``Frequency`` is accepted too (same values).
    """
    amount_minor = require_int(amount_minor, "amount_minor")
    numerator, denominator = _PER_MONTH[_line_frequency(frequency)]
    return div_half_even(amount_minor * numerator, denominator)


def _enum[E: StrEnum](kind: type[E], value: object, name: str) -> E:
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    known = ", ".join(member.value for member in kind)
    raise ArrangementError(f"{name} must be one of {known}, not {value!r}")


def _text(row: Mapping[str, object], key: str, name: str) -> str:
    value = row.get(key, "")
    if not isinstance(value, str):
        raise ArrangementError(f"{name} must be a str, not {type(value).__name__}")
    return value


def _check_line(line: IncomeLine | ExpenseLine, categories: type[StrEnum], word: str) -> None:
    """Validate and normalize a line in place (its dataclass is frozen)."""
    object.__setattr__(line, "category", _enum(categories, line.category, f"{word} category"))
    object.__setattr__(line, "frequency", _line_frequency(line.frequency))
    require_int(line.amount_minor, f"{word} amount_minor", minimum=0)
    if not isinstance(line.description, str):
        raise ArrangementError(f"{word} description must be a str")


def _line_dict(line: IncomeLine | ExpenseLine) -> dict[str, str | int]:
    return {
        "category": line.category.value,
        "amount_minor": line.amount_minor,
        "frequency": line.frequency.value,
        "description": line.description,
    }


@dataclass(frozen=True, slots=True)
class IncomeLine:
    """Money coming in: an amount in minor units (zero allowed) at a frequency of its own."""

    category: IncomeCategory
    amount_minor: int
    frequency: LineFrequency = LineFrequency.MONTHLY
    description: str = ""

    def __post_init__(self) -> None:
        _check_line(self, IncomeCategory, "income")

    @property
    def monthly_minor(self) -> int:
        """The amount normalized to a month (see ``monthly_minor``)."""
        return monthly_minor(self.amount_minor, self.frequency)

    def as_dict(self) -> dict[str, str | int]:
        return _line_dict(self)


@dataclass(frozen=True, slots=True)
class ExpenseLine:
    """Money going out: an amount in minor units (zero allowed) at a frequency of its own."""

    category: ExpenseCategory
    amount_minor: int
    frequency: LineFrequency = LineFrequency.MONTHLY
    description: str = ""

    def __post_init__(self) -> None:
        _check_line(self, ExpenseCategory, "expense")

    @property
    def monthly_minor(self) -> int:
        """The amount normalized to a month (see ``monthly_minor``)."""
        return monthly_minor(self.amount_minor, self.frequency)

    def as_dict(self) -> dict[str, str | int]:
        return _line_dict(self)


@dataclass(frozen=True, slots=True)
class Household:
    """Who the income keeps: at least one adult, and any children."""

    adults: int
    children: int = 0

    def __post_init__(self) -> None:
        require_int(self.adults, "adults", minimum=1)
        require_int(self.children, "children", minimum=0)

    def as_dict(self) -> dict[str, int]:
        return {"adults": self.adults, "children": self.children}


@dataclass(frozen=True, slots=True)
class IncomeExpenditure:
    """A household's income and expenditure statement, in one currency."""

    household: Household
    incomes: tuple[IncomeLine, ...] = ()
    expenses: tuple[ExpenseLine, ...] = ()
    currency: str = "USD"

    def __post_init__(self) -> None:
        if not isinstance(self.household, Household):
            raise ArrangementError("household must be a Household")
        for name, lines, kind in (
            ("incomes", self.incomes, IncomeLine),
            ("expenses", self.expenses, ExpenseLine),
        ):
            if not isinstance(lines, tuple) or not all(isinstance(x, kind) for x in lines):
                raise ArrangementError(f"{name} must be a tuple of {kind.__name__}")
        try:
            minor_exponent(self.currency)
        except ValueError:
            raise ArrangementError(f"unknown currency {self.currency!r}") from None

    @property
    def monthly_income_minor(self) -> int:
        """Total income a month: the sum of each line's rounded monthly amount."""
        return sum(line.monthly_minor for line in self.incomes)

    @property
    def monthly_expenses_minor(self) -> int:
        """Total expenses a month: the sum of each line's rounded monthly amount."""
        return sum(line.monthly_minor for line in self.expenses)

    @property
    def disposable_monthly_minor(self) -> int:
        """Income less expenses a month; negative when expenses are larger."""
        return self.monthly_income_minor - self.monthly_expenses_minor

    def monthly_income_by_category(self) -> dict[IncomeCategory, int]:
        """Monthly income per category, every category listed (zero when none), enum order."""
        totals = dict.fromkeys(IncomeCategory, 0)
        for line in self.incomes:
            totals[line.category] += line.monthly_minor
        return totals

    def monthly_expenses_by_category(self) -> dict[ExpenseCategory, int]:
        """Monthly expenses per category, every category listed (zero when none), enum order."""
        totals = dict.fromkeys(ExpenseCategory, 0)
        for line in self.expenses:
            totals[line.category] += line.monthly_minor
        return totals

    def as_dict(self) -> dict[str, object]:
        """JSON-safe form (strings, ints, lists, dicts) of the inputs and the monthly figures.

        ``from_dict`` reads the inputs back; the figures are there for readers of the stored
        record and are recomputed, not read.
        """
        return {
            "currency": self.currency,
            "household": self.household.as_dict(),
            "incomes": [line.as_dict() for line in self.incomes],
            "expenses": [line.as_dict() for line in self.expenses],
            "monthly_income_minor": self.monthly_income_minor,
            "monthly_expenses_minor": self.monthly_expenses_minor,
            "disposable_monthly_minor": self.disposable_monthly_minor,
            "monthly_income_by_category": {
                category.value: amount
                for category, amount in self.monthly_income_by_category().items()
            },
            "monthly_expenses_by_category": {
                category.value: amount
                for category, amount in self.monthly_expenses_by_category().items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> IncomeExpenditure:
        """Rebuild from ``as_dict()`` (derived figures in `data` are ignored)."""
        data = _mapping(data, "income and expenditure")
        household = _mapping(data.get("household"), "household")
        incomes = tuple(
            IncomeLine(
                category=_enum(IncomeCategory, row.get("category"), "income category"),
                amount_minor=require_int(row.get("amount_minor"), "income amount_minor"),
                frequency=_line_frequency(row.get("frequency", LineFrequency.MONTHLY)),
                description=_text(row, "description", "income description"),
            )
            for row in _rows(data.get("incomes", []), "incomes")
        )
        expenses = tuple(
            ExpenseLine(
                category=_enum(ExpenseCategory, row.get("category"), "expense category"),
                amount_minor=require_int(row.get("amount_minor"), "expense amount_minor"),
                frequency=_line_frequency(row.get("frequency", LineFrequency.MONTHLY)),
                description=_text(row, "description", "expense description"),
            )
            for row in _rows(data.get("expenses", []), "expenses")
        )
        currency = data.get("currency", "USD")
        if not isinstance(currency, str):
            raise ArrangementError("currency must be a str")
        return cls(
            household=Household(
                adults=require_int(household.get("adults"), "adults"),
                children=require_int(household.get("children", 0), "children"),
            ),
            incomes=incomes,
            expenses=expenses,
            currency=currency,
        )


def _mapping(value: object, name: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise ArrangementError(f"{name} must be a mapping, not {type(value).__name__}")
    return value


def _rows(value: object, name: str) -> list[Mapping[str, object]]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ArrangementError(f"{name} must be a list")
    return [_mapping(row, f"{name} line {index + 1}") for index, row in enumerate(value)]


@dataclass(frozen=True, slots=True)
class PlanRules:
    """A client's rules for plans: the smallest instalment it accepts, the longest term it
    accepts (at least 1 month; months from the first due date to the end of the last
    instalment's period, rounded up, so 12 allows 12 monthly payments), and the share of
    disposable income a plan may take, in parts per million (1,000,000 = all of it)."""

    min_payment_minor: int
    max_term_months: int
    share_of_disposable_ppm: int = PPM

    def __post_init__(self) -> None:
        require_int(self.min_payment_minor, "min_payment_minor", minimum=1)
        # Every plan runs at least one period, so a term of 0 months would allow none.
        term = require_int(self.max_term_months, "max_term_months", minimum=1)
        if term > MAX_TERM_MONTHS:
            raise ArrangementError(f"max_term_months must be at most {MAX_TERM_MONTHS}, not {term}")
        share = require_int(self.share_of_disposable_ppm, "share_of_disposable_ppm", minimum=1)
        if share > PPM:
            raise ArrangementError(
                f"share_of_disposable_ppm must be at most {PPM} (100%), not {share}"
            )

    def as_dict(self) -> dict[str, int]:
        return {
            "min_payment_minor": self.min_payment_minor,
            "max_term_months": self.max_term_months,
            "share_of_disposable_ppm": self.share_of_disposable_ppm,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PlanRules:
        data = _mapping(data, "plan rules")
        return cls(
            min_payment_minor=require_int(data.get("min_payment_minor"), "min_payment_minor"),
            max_term_months=require_int(data.get("max_term_months"), "max_term_months"),
            share_of_disposable_ppm=require_int(
                data.get("share_of_disposable_ppm", PPM), "share_of_disposable_ppm"
            ),
        )


def affordable_instalment_minor(
    disposable_monthly_minor: int, frequency: Frequency, share_ppm: int = PPM
) -> int:
    """The most a debtor can pay per instalment at `frequency`: disposable monthly x share,
    converted to the frequency in one exact step and rounded down (0 when nothing is left)."""
    disposable_monthly_minor = require_int(disposable_monthly_minor, "disposable_monthly_minor")
    share_ppm = require_int(share_ppm, "share_ppm", minimum=0)
    if share_ppm > PPM:
        raise ArrangementError(f"share_ppm must be at most {PPM} (100%), not {share_ppm}")
    if disposable_monthly_minor <= 0:
        return 0
    per_month, months = _PER_MONTH[_line_frequency(frequency)]
    # monthly x share / PPM / (per_month / months), floored once.
    return (disposable_monthly_minor * share_ppm * months) // (PPM * per_month)


class NoPlanReason(StrEnum):
    """Why no plan is proposed at a frequency."""

    NO_DISPOSABLE_INCOME = "no_disposable_income"
    BELOW_MINIMUM_PAYMENT = "below_minimum_payment"
    OVER_MAXIMUM_TERM = "over_maximum_term"


@dataclass(frozen=True, slots=True)
class Proposal:
    """The plan proposed at one frequency, with the sentences that explain it."""

    frequency: Frequency
    affordable_minor: int
    schedule: Schedule
    rationale: tuple[str, ...]

    @property
    def instalment_minor(self) -> int:
        """The regular instalment (the last one may be smaller)."""
        return self.schedule.instalment_minor

    @property
    def term_months(self) -> int:
        return self.schedule.term_months

    def as_dict(self) -> dict[str, object]:
        return {
            "frequency": self.frequency.value,
            "affordable_minor": self.affordable_minor,
            "instalment_minor": self.instalment_minor,
            "count": self.schedule.count,
            "term_months": self.term_months,
            "schedule": self.schedule.as_dict(),
            "rationale": list(self.rationale),
        }


@dataclass(frozen=True, slots=True)
class NoPlan:
    """Why nothing is proposed at one frequency. `required_minor` is the instalment the
    client's maximum term would need (set only for ``OVER_MAXIMUM_TERM``)."""

    frequency: Frequency
    reason: NoPlanReason
    affordable_minor: int
    rationale: tuple[str, ...]
    required_minor: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "frequency": self.frequency.value,
            "reason": self.reason.value,
            "affordable_minor": self.affordable_minor,
            "required_minor": self.required_minor,
            "rationale": list(self.rationale),
        }


@dataclass(frozen=True, slots=True)
class Proposals:
    """What ``propose_plans`` found: its inputs, a proposal or a refusal per frequency (in the
    order asked), and the sentences common to all of them."""

    income_expenditure: IncomeExpenditure
    balance_minor: int
    rules: PlanRules
    first_due: date
    proposals: tuple[Proposal, ...]
    no_plans: tuple[NoPlan, ...]
    rationale: tuple[str, ...] = field(default=())

    def get(self, frequency: Frequency) -> Proposal | None:
        """The proposal at `frequency`, or None when there is none."""
        for proposal in self.proposals:
            if proposal.frequency == frequency:
                return proposal
        return None

    def no_plan(self, frequency: Frequency) -> NoPlan | None:
        """Why there is no proposal at `frequency`, or None when there is one (or it was not
        asked for)."""
        for refusal in self.no_plans:
            if refusal.frequency == frequency:
                return refusal
        return None

    def as_dict(self) -> dict[str, object]:
        """JSON-safe form: the inputs, every proposal and refusal, and their rationales."""
        return {
            "balance_minor": self.balance_minor,
            "currency": self.income_expenditure.currency,
            "first_due": self.first_due.isoformat(),
            "rules": self.rules.as_dict(),
            "income_expenditure": self.income_expenditure.as_dict(),
            "rationale": list(self.rationale),
            "proposals": [proposal.as_dict() for proposal in self.proposals],
            "no_plans": [refusal.as_dict() for refusal in self.no_plans],
        }


def max_instalments_within(first: date, frequency: Frequency, max_term_months: int) -> int:
    """How many instalments from `first` fit in a term of `max_term_months` (at least one, as
    the term must be at least 1 month): the most whose last period ends on or before `first`
    moved `max_term_months` months on. A schedule of that many has a term of at most
    `max_term_months`; one more instalment would not."""
    max_term_months = require_int(max_term_months, "max_term_months", minimum=1)
    limit = add_months(require_date(first, "first"), max_term_months)
    dates = iter_due_dates(first, frequency)
    next(dates)  # `first` itself; each later date ends the period of the instalment before it.
    count = 0
    for end in dates:
        if end > limit:
            break
        count += 1
    return count


def propose_plans(
    ie: IncomeExpenditure,
    balance_minor: int,
    rules: PlanRules,
    first: date,
    frequencies: Iterable[Frequency] = ALL_FREQUENCIES,
) -> Proposals:
    """For each frequency, the plan that pays `balance_minor` soonest within what the debtor
    can afford and the client's rules, or why there is none. Deterministic: the same inputs
    give the same proposals and the same sentences."""
    if not isinstance(ie, IncomeExpenditure):
        raise ArrangementError("ie must be an IncomeExpenditure")
    if not isinstance(rules, PlanRules):
        raise ArrangementError("rules must be PlanRules")
    balance_minor = require_int(balance_minor, "balance_minor", minimum=1)
    first = require_date(first, "first")
    if isinstance(frequencies, str):
        raise ArrangementError("frequencies must be a collection of frequencies, not one str")
    asked: list[Frequency] = []
    for value in frequencies:
        frequency = _enum(Frequency, value, "frequency")
        if frequency not in asked:
            asked.append(frequency)
    if not asked:
        raise ArrangementError("frequencies must name at least one frequency")

    currency = ie.currency

    def money(minor: int) -> str:
        return money_text(minor, currency)

    disposable = ie.disposable_monthly_minor
    common = [
        f"Disposable income is {money(disposable)} a month (income "
        f"{money(ie.monthly_income_minor)}, expenses {money(ie.monthly_expenses_minor)})."
    ]
    share = rules.share_of_disposable_ppm
    if share < PPM and disposable > 0:
        common.append(
            f"The client lets a plan take {percent_text(share)} of it: "
            f"{money(disposable * share // PPM)} a month."
        )
    common.append(
        f"The client's minimum is {money(rules.min_payment_minor)} a payment and its longest "
        f"plan is {plural(rules.max_term_months, 'month')}."
    )
    shared = tuple(common)

    proposals: list[Proposal] = []
    refusals: list[NoPlan] = []
    for frequency in asked:
        per = _PER[frequency]
        affordable = affordable_instalment_minor(disposable, frequency, share)
        if disposable <= 0:
            refusals.append(
                NoPlan(
                    frequency,
                    NoPlanReason.NO_DISPOSABLE_INCOME,
                    affordable,
                    (
                        *shared,
                        f"With no disposable income, no {frequency.value} plan is affordable.",
                    ),
                )
            )
            continue
        floor = min(rules.min_payment_minor, balance_minor)
        if affordable < floor:
            what = (
                f"the client's minimum of {money(rules.min_payment_minor)} a payment"
                if floor == rules.min_payment_minor
                else f"the balance of {money(balance_minor)} (less than the client's minimum, "
                "so it is due in one payment)"
            )
            refusals.append(
                NoPlan(
                    frequency,
                    NoPlanReason.BELOW_MINIMUM_PAYMENT,
                    affordable,
                    (
                        *shared,
                        f"At most {money(affordable)} {per} is affordable, below {what}, "
                        f"so no {frequency.value} plan fits.",
                    ),
                )
            )
            continue
        instalment = min(affordable, balance_minor)
        count = -(-balance_minor // instalment)
        fits = max_instalments_within(first, frequency, rules.max_term_months)
        if count > fits:
            required = -(-balance_minor // fits)
            needed = -(-balance_minor // required)
            try:
                span = f"over {plural(plan_term_months(first, frequency, count), 'month')}"
            except ArrangementError:
                span = "running past year 9999"
            refusals.append(
                NoPlan(
                    frequency,
                    NoPlanReason.OVER_MAXIMUM_TERM,
                    affordable,
                    (
                        *shared,
                        f"At {money(instalment)} {per} the balance of {money(balance_minor)} "
                        f"would take {plural(count, 'payment')} {span}, longer than the "
                        f"client's maximum of {plural(rules.max_term_months, 'month')}.",
                        f"Paying within {plural(rules.max_term_months, 'month')} needs "
                        f"{money(required)} {per} ({plural(needed, 'payment')}), "
                        f"so no {frequency.value} plan fits.",
                    ),
                    required_minor=required,
                )
            )
            continue
        schedule = schedule_by_amount(balance_minor, instalment, first, frequency)
        if schedule.count == 1:
            paid = (
                f"The balance of {money(balance_minor)} is paid in one payment on "
                f"{schedule.first_due.isoformat()}."
            )
            detail: tuple[str, ...] = (paid,)
        else:
            paid = (
                f"At {money(instalment)} {per} the balance of {money(balance_minor)} is paid "
                f"in {plural(schedule.count, 'payment')} over "
                f"{plural(schedule.term_months, 'month')}."
            )
            run = (
                f"The payments run from {schedule.first_due.isoformat()} to "
                f"{schedule.last_due.isoformat()}"
            )
            if schedule.final_minor != instalment:
                run += f"; the last is {money(schedule.final_minor)}"
            detail = (paid, f"{run}.")
        proposals.append(
            Proposal(
                frequency,
                affordable,
                schedule,
                (*shared, f"At most {money(affordable)} {per} is affordable.", *detail),
            )
        )
    return Proposals(
        income_expenditure=ie,
        balance_minor=balance_minor,
        rules=rules,
        first_due=first,
        proposals=tuple(proposals),
        no_plans=tuple(refusals),
        rationale=shared,
    )
