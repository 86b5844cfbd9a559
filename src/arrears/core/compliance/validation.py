"""The validation notice of Regulation F (12 CFR 1006.34): its period and its content (pure).

The period runs from the day the notice is provided to 30 days after the consumer receives it;
receipt may be assumed 5 days after sending, not counting Saturdays, Sundays and the legal
public holidays of 5 U.S.C. 6103(a). Both numbers come from the federal rule pack.

``ValidationNotice`` holds everything Model Form B-1 prints, computed once: the itemization
from the itemization date (the amount then, interest, fees, payments and credits since) must
add up to the current amount to the cent, or the notice is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from arrears.core.money import Money
from arrears.core.time.business_days import add_business_days


class NoticeError(ValueError):
    """A notice that must not be sent as it stands; the message says what is wrong."""


def assumed_receipt(sent_on: date, *, receipt_business_days: int) -> date:
    """The day receipt may be assumed: that many business days after the send date."""
    return add_business_days(sent_on, receipt_business_days)


def validation_period_end(sent_on: date, *, receipt_business_days: int, period_days: int) -> date:
    """The last day of the validation period (the date the notice prints)."""
    return assumed_receipt(sent_on, receipt_business_days=receipt_business_days) + timedelta(
        days=period_days
    )


@dataclass(frozen=True)
class Party:
    name: str
    address_lines: tuple[str, ...]


@dataclass(frozen=True)
class Itemization:
    itemization_date: date
    basis: str  # charge-off date, last statement date, last payment date, transaction date...
    amount_then: Money
    interest: Money
    fees: Money
    payments_credits: Money  # a positive amount, subtracted
    current: Money

    def __post_init__(self) -> None:
        currencies = {m.currency for m in (self.amount_then, self.interest, self.fees,
                                            self.payments_credits, self.current)}  # fmt: skip
        if len(currencies) != 1:
            raise NoticeError(f"the itemization mixes currencies: {sorted(currencies)}")
        total = self.amount_then + self.interest + self.fees - self.payments_credits
        if total != self.current:
            raise NoticeError(
                f"the itemization does not add up: {self.amount_then} + {self.interest} + "
                f"{self.fees} - {self.payments_credits} = {total}, not {self.current}"
            )


@dataclass(frozen=True)
class ValidationNotice:
    """Everything a validation notice prints, in the order of Model Form B-1."""

    reference: str
    sent_on: date
    period_ends_on: date
    collector: Party
    collector_phone: str
    collector_hours: str
    collector_website: str
    consumer: Party
    creditor_on_itemization_date: str  # for a consumer financial product debt
    account_number_masked: str
    current_creditor: str
    itemization: Itemization
    cfpb_url: str = "www.cfpb.gov/debt-collection"
    spanish_offer: bool = True

    def __post_init__(self) -> None:
        if self.period_ends_on <= self.sent_on:
            raise NoticeError("the validation period must end after the notice is sent")
        if not self.consumer.address_lines:
            raise NoticeError("the consumer has no mailing address")
        if not self.collector.address_lines:
            raise NoticeError("the collector's mailing address is missing")


def mask_account_number(number: str, *, keep: int = 4) -> str:
    """A truncated account number: the last digits only (1006.34(c)(2)(iv) allows truncation)."""
    digits = number.strip()
    if not digits:
        return ""
    return f"ending in {digits[-keep:]}" if len(digits) > keep else digits


@dataclass(frozen=True)
class VerificationLetter:
    """The answer to a dispute or a request for the original creditor (12 CFR 1006.38): what
    the debt is and how it is made up, or the original creditor's name, or, for a dispute that
    repeats one already answered, a notice saying so with a pointer to the earlier answer."""

    reference: str
    sent_on: date
    collector: Party
    consumer: Party
    kind: str  # "verification", "original_creditor" or "duplicative"
    received_on: date  # when the dispute or request came in
    current_creditor: str
    original_creditor: str
    account_number_masked: str
    itemization: Itemization
    disputed_part: Money | None = None
    earlier_answer_on: date | None = None  # for a duplicative dispute

    def __post_init__(self) -> None:
        if self.kind not in ("verification", "original_creditor", "duplicative"):
            raise NoticeError(f"unknown kind of answer: {self.kind}")
        if self.kind == "duplicative" and self.earlier_answer_on is None:
            raise NoticeError("a duplicative notice points to the earlier answer")
        if not self.consumer.address_lines:
            raise NoticeError("the consumer has no mailing address")
