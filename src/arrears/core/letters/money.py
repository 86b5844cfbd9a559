"""Letters about money (pure): what a payment confirmation, the notice before a post-dated
debit, the notice of a returned payment, and the confirmations of a payment plan and of a
settlement say, each checked as it is built.

Every letter shares a ``LetterHead``: who writes (the agency or debt buyer, or a creditor
collecting its own accounts), to whom and where, which account, and any wording the rules in
force require on top (a state's time-barred notice, say). A letter from a debt collector ends
with the debt-collector disclosure (12 CFR 1006.18(e), 15 U.S.C. 1692e(11)); a creditor's own
letter does not carry it.

The notice before a post-dated debit goes out between 3 and 10 business days before the debit
(15 U.S.C. 1692f(2)); business days are the federal ones of ``core.time`` (weekdays less the
legal public holidays of 5 U.S.C. 6103(a)). A notice is sent *n* business days before a debit
when the debit falls on or before the *n*-th business day after the send date, so:

    sent_on is in the window of debit_on  <=>  add_business_days(sent_on, 3) <= debit_on
                                                and debit_on <= add_business_days(sent_on, 10)

``pre_debit_send_window`` gives those send dates as a half-open ``Period``;
``pre_debit_debit_window`` gives the debit dates a notice sent on a day may announce (the
batch job's question).

A settlement letter mentions the IRS only when at least $600 is forgiven (the Form 1099-C
threshold, 26 CFR 1.6050P-1), and then says the amount *may* be reported.

A ``BrokenNotice`` tells the consumer that a promise to pay, a plan or a settlement was not
kept: the payment that did not come, what was received, and the balance owed now.

Amounts are ``Money`` in one currency per letter; the builders ``plan_confirmation`` and
``settlement_confirmation`` take plain values (integer minor units and ``(due_on,
amount_minor)`` pairs) for callers that have no ``Money`` at hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from arrears.core.arrangements import IRS_1099C_THRESHOLD_MINOR, Frequency
from arrears.core.compliance.model import CollectorKind
from arrears.core.compliance.validation import NoticeError, Party
from arrears.core.money import Money
from arrears.core.time import Period, add_business_days, is_business_day

#: 15 U.S.C. 1692f(2): notice "not more than ten nor less than three business days" before
#: a post-dated payment is deposited.
PRE_DEBIT_MIN_BUSINESS_DAYS = 3
PRE_DEBIT_MAX_BUSINESS_DAYS = 10
#: The same section: the notice is owed for a payment "postdated by more than five days"
#: (calendar days from the day the consumer gave it to the day it is due).
POSTDATED_AFTER_DAYS = 5

DEBT_COLLECTOR_KINDS = frozenset({CollectorKind.AGENCY, CollectorKind.DEBT_BUYER})
_ONE_DAY = timedelta(days=1)


class MoneyLetterError(NoticeError):
    """A money letter that must not be sent as it stands; the message says what is wrong."""


# --- the window of a notice before a post-dated debit ---------------------------------------------


def _business_day_on_or_before(day: date) -> date:
    while not is_business_day(day):
        day -= _ONE_DAY
    return day


def _business_day_on_or_after(day: date) -> date:
    while not is_business_day(day):
        day += _ONE_DAY
    return day


def _business_days_before(day: date, n: int) -> date:
    """The ``n``-th business day before ``day`` (``day`` itself not counted)."""
    for _ in range(n):
        day -= _ONE_DAY
        while not is_business_day(day):
            day -= _ONE_DAY
    return day


def in_pre_debit_window(
    sent_on: date,
    debit_on: date,
    *,
    min_days: int = PRE_DEBIT_MIN_BUSINESS_DAYS,
    max_days: int = PRE_DEBIT_MAX_BUSINESS_DAYS,
) -> bool:
    """True when a notice sent on ``sent_on`` comes between ``min_days`` and ``max_days``
    business days before a debit on ``debit_on``."""
    return add_business_days(sent_on, min_days) <= debit_on <= add_business_days(sent_on, max_days)


def pre_debit_send_window(
    debit_on: date,
    *,
    min_days: int = PRE_DEBIT_MIN_BUSINESS_DAYS,
    max_days: int = PRE_DEBIT_MAX_BUSINESS_DAYS,
) -> Period:
    """The days a notice of a debit on ``debit_on`` may be sent, as [first, last + 1 day).

    The first is the ``max_days``-th business day before the debit; the last is the
    ``min_days``-th business day before it, or the weekend and holidays just after that day
    (a notice sent on a Saturday still has the Monday to count). A debit on a day that is not
    a federal business day (the Federal Reserve settles on a Friday that makes up for a
    Saturday holiday) is counted from the business days around it.
    """
    if not 0 < min_days <= max_days:
        raise MoneyLetterError(f"the window needs 0 < min_days <= max_days: {min_days}, {max_days}")
    first = _business_days_before(_business_day_on_or_after(debit_on), max_days)
    last_business = _business_days_before(_business_day_on_or_before(debit_on), min_days)
    after_last = last_business + _ONE_DAY
    while not is_business_day(after_last):
        after_last += _ONE_DAY
    return Period(first, after_last)


def pre_debit_debit_window(
    sent_on: date,
    *,
    min_days: int = PRE_DEBIT_MIN_BUSINESS_DAYS,
    max_days: int = PRE_DEBIT_MAX_BUSINESS_DAYS,
) -> Period:
    """The debit days a notice sent on ``sent_on`` may announce, as [first, last + 1 day)."""
    if not 0 < min_days <= max_days:
        raise MoneyLetterError(f"the window needs 0 < min_days <= max_days: {min_days}, {max_days}")
    return Period(
        add_business_days(sent_on, min_days), add_business_days(sent_on, max_days) + _ONE_DAY
    )


def check_pre_debit_send_date(sent_on: date, debit_on: date) -> None:
    """Refuse (MoneyLetterError) a notice sent outside the window of its debit."""
    if in_pre_debit_window(sent_on, debit_on):
        return
    window = pre_debit_send_window(debit_on)
    assert window.end is not None
    raise MoneyLetterError(
        f"a notice of the debit on {debit_on.isoformat()} goes out between "
        f"{PRE_DEBIT_MIN_BUSINESS_DAYS} and {PRE_DEBIT_MAX_BUSINESS_DAYS} business days before "
        f"it, from {window.start.isoformat()} to {(window.end - _ONE_DAY).isoformat()}, "
        f"not on {sent_on.isoformat()}"
    )


def needs_pre_debit_notice(given_on: date, due_on: date) -> bool:
    """True when a debit the consumer gave on ``given_on`` for ``due_on`` is post-dated by more
    than five days, so it may be made only after a notice inside its window."""
    return (due_on - given_on).days > POSTDATED_AFTER_DAYS


def pre_debit_notice_problem(
    given_on: date, due_on: date, debit_on: date, noticed_on: date | None
) -> str:
    """Why a debit may not be made on ``debit_on`` ("" when it may): a post-dated debit needs
    its notice sent 3 to 10 business days before the day it is made."""
    if not needs_pre_debit_notice(given_on, due_on):
        return ""
    if noticed_on is None:
        return "no notice sent before the post-dated debit"
    if not in_pre_debit_window(noticed_on, debit_on):
        return "notice not sent 3 to 10 business days before the debit"
    return ""


def last_business_day_before(day: date) -> date:
    """The last federal business day strictly before ``day``."""
    return _business_days_before(day, 1)


# --- what every money letter shares ---------------------------------------------------------------


@dataclass(frozen=True)
class LetterHead:
    """Who writes to whom about which account, and the wording the rules add."""

    reference: str
    sent_on: date
    collector: Party  # the agency or debt buyer; a creditor collecting its own accounts
    collector_phone: str
    collector_hours: str
    collector_website: str
    consumer: Party
    account_number: str  # ours: the number to quote with a payment
    creditor: str  # the current creditor
    collector_kind: CollectorKind
    original_creditor: str = ""
    original_account_masked: str = ""  # "ending in 1111"
    disclosures: tuple[str, ...] = ()  # further wording the rules in force require

    def __post_init__(self) -> None:
        object.__setattr__(self, "collector_kind", CollectorKind(self.collector_kind))
        object.__setattr__(self, "disclosures", tuple(self.disclosures))
        if not self.reference.strip():
            raise MoneyLetterError("a letter needs a reference")
        if not self.consumer.name.strip():
            raise MoneyLetterError("the consumer has no name")
        if not self.consumer.address_lines:
            raise MoneyLetterError("the consumer has no mailing address")
        if not self.collector.address_lines:
            raise MoneyLetterError("the collector's mailing address is missing")

    @property
    def from_debt_collector(self) -> bool:
        """True when the letter carries the debt-collector disclosure (12 CFR 1006.18(e))."""
        return self.collector_kind in DEBT_COLLECTOR_KINDS


def _money(value: object, name: str) -> Money:
    if not isinstance(value, Money):
        raise MoneyLetterError(f"{name} must be Money, not {type(value).__name__}")
    try:
        value.minor  # noqa: B018  (raises when finer than a cent)
    except ValueError as exc:
        raise MoneyLetterError(f"{name} is not a whole number of minor units: {value}") from exc
    return value


def _positive(value: object, name: str) -> Money:
    money = _money(value, name)
    if money.minor <= 0:
        raise MoneyLetterError(f"{name} must be more than zero, not {money}")
    return money


def _not_negative(value: object, name: str) -> Money:
    money = _money(value, name)
    if money.minor < 0:
        raise MoneyLetterError(f"{name} must not be negative: {money}")
    return money


def _one_currency(*amounts: Money | None) -> str:
    currencies = {m.currency for m in amounts if m is not None}
    if len(currencies) != 1:
        raise MoneyLetterError(f"a letter is in one currency, not {sorted(currencies)}")
    return currencies.pop()


# --- payment confirmation -------------------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    """Part of a payment applied to one balance bucket: "Fees", "Interest", "Principal"..."""

    bucket: str
    amount: Money

    def __post_init__(self) -> None:
        if not self.bucket.strip():
            raise MoneyLetterError("an applied amount names its bucket")
        _positive(self.amount, f"the amount applied to {self.bucket}")


@dataclass(frozen=True)
class PaymentConfirmation:
    """A receipt: what we received, when and how, what it paid, and the balance after it.

    ``applied`` (when known) and ``unapplied`` add up to the amount to the cent.
    """

    head: LetterHead
    amount: Money
    received_on: date
    method: str  # "ACH", "Card", "Check"...
    payment_reference: str
    balance_after: Money
    applied: tuple[Applied, ...] = ()
    unapplied: Money | None = None  # held, not yet applied
    unapplied_reason: str = ""  # in plain words
    may_be_returned: bool = False  # a check or bank debit that can still come back

    def __post_init__(self) -> None:
        object.__setattr__(self, "applied", tuple(self.applied))
        _positive(self.amount, "the payment")
        _not_negative(self.balance_after, "the balance after the payment")
        if self.unapplied is not None:
            _not_negative(self.unapplied, "the amount held")
        _one_currency(self.amount, self.balance_after, self.unapplied,
                      *(a.amount for a in self.applied))  # fmt: skip
        if not self.method.strip():
            raise MoneyLetterError("say how the payment was made")
        if self.received_on > self.head.sent_on:
            raise MoneyLetterError("a payment is confirmed on or after the day it was received")
        held = self.unapplied.minor if self.unapplied is not None else 0
        if self.applied or held:
            total = sum(a.amount.minor for a in self.applied) + held
            if total != self.amount.minor:
                raise MoneyLetterError(
                    f"the payment of {self.amount} is applied and held as {total} minor units, "
                    f"not {self.amount.minor}"
                )
        if held and not self.unapplied_reason.strip():
            raise MoneyLetterError("say why part of the payment is held")


# --- the notice before a post-dated debit ---------------------------------------------------------


@dataclass(frozen=True)
class PreDebitNotice:
    """Notice of a debit the consumer authorized for a later day (15 U.S.C. 1692f(2)): the
    amount, the day, the bank account, and how and by when to cancel it."""

    head: LetterHead
    amount: Money
    scheduled_for: date  # the day agreed
    debit_on: date  # the banking day it is debited: the day agreed, or the next one
    bank_account: str  # "checking account ending in 6789"
    cancel_by: date  # the last day to reach us to cancel
    bank_name: str = ""
    recurring: bool = False  # one of a series under the same authorization
    returned_fee: Money | None = None  # the fee if the bank returns it unpaid, when one applies

    def __post_init__(self) -> None:
        _positive(self.amount, "the debit")
        if self.returned_fee is not None:
            _positive(self.returned_fee, "the returned-payment fee")
        _one_currency(self.amount, self.returned_fee)
        if not self.bank_account.strip():
            raise MoneyLetterError("name the bank account to be debited")
        if self.debit_on < self.scheduled_for:
            raise MoneyLetterError("a debit is made on or after the day agreed")
        check_pre_debit_send_date(self.head.sent_on, self.debit_on)
        if not self.head.sent_on <= self.cancel_by < self.debit_on:
            raise MoneyLetterError(
                f"the last day to cancel ({self.cancel_by.isoformat()}) must fall between the "
                f"notice ({self.head.sent_on.isoformat()}) and the debit "
                f"({self.debit_on.isoformat()})"
            )


# --- a returned payment ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnedPaymentNotice:
    """A payment the bank sent back: which, when and why, the fee charged (if any), what
    happens next and the balance now."""

    head: LetterHead
    amount: Money
    method: str
    received_on: date
    returned_on: date
    reason: str  # in plain words: "insufficient funds", "account closed"
    added_back: Money  # what had been applied and is owed again
    fee: Money  # the returned-payment fee charged; zero when none
    balance_now: Money
    retry_on: date | None = None  # the day the debit is presented again, when it will be
    authorization_ended: bool = False  # no more debits under the authorization

    def __post_init__(self) -> None:
        _positive(self.amount, "the returned payment")
        _not_negative(self.added_back, "the amount added back")
        _not_negative(self.fee, "the returned-payment fee")
        _not_negative(self.balance_now, "the balance")
        _one_currency(self.amount, self.added_back, self.fee, self.balance_now)
        if self.added_back.minor > self.amount.minor:
            raise MoneyLetterError("more cannot be added back than was paid")
        if not self.reason.strip():
            raise MoneyLetterError("say why the payment was returned")
        if self.returned_on < self.received_on:
            raise MoneyLetterError("a payment comes back on or after the day it was received")
        if self.returned_on > self.head.sent_on:
            raise MoneyLetterError("the notice goes out on or after the day of the return")
        if self.retry_on is not None and self.authorization_ended:
            raise MoneyLetterError("nothing is presented again under an ended authorization")
        if self.retry_on is not None and self.retry_on <= self.returned_on:
            raise MoneyLetterError("a debit is presented again after it came back")


# --- plans and settlements ------------------------------------------------------------------------


@dataclass(frozen=True)
class Instalment:
    """One payment of a plan or settlement: an amount due on a day."""

    due_on: date
    amount: Money

    def __post_init__(self) -> None:
        _positive(self.amount, f"the payment due on {self.due_on}")


def _schedule(instalments: Iterable[Instalment], agreed_on: date) -> tuple[Instalment, ...]:
    rows = tuple(instalments)
    if not rows:
        raise MoneyLetterError("a schedule has at least one payment")
    for row in rows:
        if not isinstance(row, Instalment):
            raise MoneyLetterError(f"a schedule holds Instalments, not {type(row).__name__}")
    for before, after in pairwise(rows):
        if after.due_on <= before.due_on:
            raise MoneyLetterError(
                f"the payment due on {after.due_on.isoformat()} is not after the one before it "
                f"({before.due_on.isoformat()})"
            )
    if rows[0].due_on < agreed_on:
        raise MoneyLetterError(
            f"the first payment ({rows[0].due_on.isoformat()}) is due before the agreement "
            f"({agreed_on.isoformat()})"
        )
    return rows


def instalments_from(rows: Iterable[tuple[date, int]], currency: str) -> tuple[Instalment, ...]:
    """Instalments from plain (due_on, amount_minor) pairs, each checked."""
    built = []
    for row in rows:
        try:
            due_on, minor = row
        except (TypeError, ValueError) as exc:
            raise MoneyLetterError(f"an instalment is (due_on, amount_minor), not {row!r}") from exc
        if isinstance(due_on, datetime) or not isinstance(due_on, date):
            raise MoneyLetterError(f"a due date must be a date, not {type(due_on).__name__}")
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise MoneyLetterError(f"an amount must be int minor units, not {minor!r}")
        built.append(Instalment(due_on, Money.from_minor(minor, currency)))
    return tuple(built)


def _grace(days: object) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise MoneyLetterError(f"the days of grace are a whole number from 0, not {days!r}")
    return days


@dataclass(frozen=True)
class PlanConfirmation:
    """A payment plan as agreed: how often, every payment with its date and amount, the total,
    and what happens when a payment is missed. A plan collects the balance over time; what the
    plan does not cover stays owed."""

    head: LetterHead
    agreed_on: date
    frequency: Frequency
    instalments: tuple[Instalment, ...]
    balance: Money  # owed when the plan was agreed
    grace_days: int = 0  # a payment this many days late still keeps the plan
    payment_method: str = ""  # "by debit from your checking account ending in 6789"
    validation_period_ends_on: date | None = None  # while it runs, the letter says so

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "frequency", Frequency(self.frequency))
        except ValueError as exc:
            known = ", ".join(f.value for f in Frequency)
            raise MoneyLetterError(f"frequency is one of {known}, not {self.frequency!r}") from exc
        object.__setattr__(self, "instalments", _schedule(self.instalments, self.agreed_on))
        _positive(self.balance, "the balance")
        _one_currency(self.balance, *(i.amount for i in self.instalments))
        _grace(self.grace_days)
        if self.agreed_on > self.head.sent_on:
            raise MoneyLetterError("a plan is confirmed on or after the day it was agreed")
        if self.total.minor > self.balance.minor:
            raise MoneyLetterError(
                f"the plan's payments total {self.total}, more than the balance {self.balance}"
            )

    @property
    def total(self) -> Money:
        return Money.from_minor(sum(i.amount.minor for i in self.instalments),
                                self.balance.currency)  # fmt: skip

    @property
    def first_due_on(self) -> date:
        return self.instalments[0].due_on

    @property
    def remaining_after(self) -> Money:
        """What the plan leaves owed when every payment is made (zero for a full plan)."""
        return self.balance - self.total

    @property
    def validation_period_running(self) -> bool:
        ends = self.validation_period_ends_on
        return ends is not None and ends >= self.head.sent_on


@dataclass(frozen=True)
class SettlementConfirmation:
    """A settlement as agreed: the balance, the amount accepted for it, paid at once or by
    instalments, that the account is settled and closed once all payments clear, what happens
    on default, and, when at least $600 is forgiven, that it may be reported to the IRS."""

    head: LetterHead
    agreed_on: date
    balance: Money
    amount: Money  # accepted in full settlement of the balance
    instalments: tuple[Instalment, ...]  # one for a lump sum
    grace_days: int = 0
    payment_method: str = ""
    validation_period_ends_on: date | None = None
    irs_threshold_minor: int = IRS_1099C_THRESHOLD_MINOR

    def __post_init__(self) -> None:
        object.__setattr__(self, "instalments", _schedule(self.instalments, self.agreed_on))
        _positive(self.balance, "the balance")
        _positive(self.amount, "the settlement amount")
        _one_currency(self.balance, self.amount, *(i.amount for i in self.instalments))
        _grace(self.grace_days)
        if self.amount.minor > self.balance.minor:
            raise MoneyLetterError(
                f"the settlement amount {self.amount} is more than the balance {self.balance}"
            )
        scheduled = sum(i.amount.minor for i in self.instalments)
        if scheduled != self.amount.minor:
            raise MoneyLetterError(
                f"the payments total {Money.from_minor(scheduled, self.amount.currency)}, "
                f"not the settlement amount {self.amount}"
            )
        if self.agreed_on > self.head.sent_on:
            raise MoneyLetterError("a settlement is confirmed on or after the day it was agreed")
        if isinstance(self.irs_threshold_minor, bool) or not isinstance(
            self.irs_threshold_minor, int
        ):
            raise MoneyLetterError("the IRS threshold is int minor units")

    @property
    def forgiven(self) -> Money:
        return self.balance - self.amount

    @property
    def lump_sum(self) -> bool:
        return len(self.instalments) == 1

    @property
    def mentions_irs(self) -> bool:
        """True when the forgiven amount reaches the Form 1099-C threshold ($600)."""
        return self.forgiven.minor >= self.irs_threshold_minor

    @property
    def validation_period_running(self) -> bool:
        ends = self.validation_period_ends_on
        return ends is not None and ends >= self.head.sent_on


def plan_confirmation(
    *,
    head: LetterHead,
    agreed_on: date,
    frequency: str,
    instalments: Iterable[tuple[date, int]],
    balance_minor: int,
    currency: str = "USD",
    grace_days: int = 0,
    payment_method: str = "",
    validation_period_ends_on: date | None = None,
) -> PlanConfirmation:
    """A plan confirmation from plain values: ``instalments`` are (due_on, amount_minor)."""
    if isinstance(balance_minor, bool) or not isinstance(balance_minor, int):
        raise MoneyLetterError(f"balance_minor must be int minor units, not {balance_minor!r}")
    return PlanConfirmation(
        head=head, agreed_on=agreed_on, frequency=frequency,  # type: ignore[arg-type]
        instalments=instalments_from(instalments, currency),
        balance=Money.from_minor(balance_minor, currency), grace_days=grace_days,
        payment_method=payment_method, validation_period_ends_on=validation_period_ends_on,
    )  # fmt: skip


def settlement_confirmation(
    *,
    head: LetterHead,
    agreed_on: date,
    balance_minor: int,
    amount_minor: int,
    instalments: Iterable[tuple[date, int]],
    currency: str = "USD",
    grace_days: int = 0,
    payment_method: str = "",
    validation_period_ends_on: date | None = None,
) -> SettlementConfirmation:
    """A settlement confirmation from plain values: ``instalments`` are (due_on,
    amount_minor), one pair for a lump sum."""
    for name, value in (("balance_minor", balance_minor), ("amount_minor", amount_minor)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise MoneyLetterError(f"{name} must be int minor units, not {value!r}")
    return SettlementConfirmation(
        head=head, agreed_on=agreed_on, balance=Money.from_minor(balance_minor, currency),
        amount=Money.from_minor(amount_minor, currency),
        instalments=instalments_from(instalments, currency), grace_days=grace_days,
        payment_method=payment_method, validation_period_ends_on=validation_period_ends_on,
    )  # fmt: skip


# --- broken promises, plans and settlements -------------------------------------------------------


class BrokenKind(StrEnum):
    """What the consumer agreed to and did not keep."""

    PROMISE = "promise"
    PLAN = "plan"
    SETTLEMENT = "settlement"


@dataclass(frozen=True)
class BrokenNotice:
    """The notice that a promise to pay, a plan or a settlement was not kept: what was agreed,
    the payment that did not come (``missed``: its due day and amount), what was received under
    it, the day it ended, and the balance owed now. A broken settlement's reduced amount no
    longer applies, so the letter says what was offered and that the balance is owed again.

    It invites the consumer to call, to set up a new arrangement or to say where a payment is;
    it threatens nothing and adds no charge. While the validation period runs, it says the
    consumer's rights are unchanged, as the confirmations do."""

    head: LetterHead
    kind: BrokenKind
    agreed_on: date
    missed: Instalment
    received: Money  # paid under the arrangement since it was agreed
    ended_on: date
    balance: Money  # owed now
    grace_days: int = 0
    settlement_amount: Money | None = None  # a settlement's agreed amount
    validation_period_ends_on: date | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", BrokenKind(self.kind))
        except ValueError as exc:
            known = ", ".join(k.value for k in BrokenKind)
            raise MoneyLetterError(f"kind is one of {known}, not {self.kind!r}") from exc
        if not isinstance(self.missed, Instalment):
            raise MoneyLetterError("the missed payment is an Instalment")
        _not_negative(self.received, "the amount received")
        _positive(self.balance, "the balance owed")
        _one_currency(self.missed.amount, self.received, self.balance, self.settlement_amount)
        _grace(self.grace_days)
        if self.kind is BrokenKind.SETTLEMENT:
            if self.settlement_amount is None:
                raise MoneyLetterError("a broken settlement names the amount that was agreed")
            _positive(self.settlement_amount, "the settlement amount")
        elif self.settlement_amount is not None:
            raise MoneyLetterError(f"a {self.kind.value} has no settlement amount")
        if self.missed.due_on < self.agreed_on:
            raise MoneyLetterError(
                f"the missed payment ({self.missed.due_on.isoformat()}) is due before the "
                f"agreement ({self.agreed_on.isoformat()})"
            )
        if self.ended_on < self.missed.due_on:
            raise MoneyLetterError(
                f"it ended ({self.ended_on.isoformat()}) before the missed payment was due "
                f"({self.missed.due_on.isoformat()})"
            )
        if self.head.sent_on < self.ended_on:
            raise MoneyLetterError("the notice is sent on or after the day it ended")

    @property
    def amount(self) -> Money:
        """The letter's main amount: the balance owed now."""
        return self.balance

    @property
    def validation_period_running(self) -> bool:
        ends = self.validation_period_ends_on
        return ends is not None and ends >= self.head.sent_on


def broken_notice(
    *,
    head: LetterHead,
    kind: str,
    agreed_on: date,
    missed_on: date,
    missed_minor: int,
    received_minor: int,
    ended_on: date,
    balance_minor: int,
    currency: str = "USD",
    grace_days: int = 0,
    settlement_minor: int | None = None,
    validation_period_ends_on: date | None = None,
) -> BrokenNotice:
    """A broken-arrangement notice from plain values (integer minor units)."""
    for name, value in (("missed_minor", missed_minor), ("received_minor", received_minor),
                        ("balance_minor", balance_minor)):  # fmt: skip
        if isinstance(value, bool) or not isinstance(value, int):
            raise MoneyLetterError(f"{name} must be int minor units, not {value!r}")
    if settlement_minor is not None and (
        isinstance(settlement_minor, bool) or not isinstance(settlement_minor, int)
    ):
        raise MoneyLetterError(
            f"settlement_minor must be int minor units, not {settlement_minor!r}"
        )
    return BrokenNotice(
        head=head, kind=kind,  # type: ignore[arg-type]
        agreed_on=agreed_on, missed=Instalment(missed_on, Money.from_minor(missed_minor, currency)),
        received=Money.from_minor(received_minor, currency), ended_on=ended_on,
        balance=Money.from_minor(balance_minor, currency), grace_days=grace_days,
        settlement_amount=None if settlement_minor is None
        else Money.from_minor(settlement_minor, currency),
        validation_period_ends_on=validation_period_ends_on,
    )  # fmt: skip
