"""A client's commission terms and the rate one payment earns under them.

Rates are parts per million (25 % = 250,000). The rate depends on how long the account had been
placed with us when the money came (its age in whole months) and, optionally, on its balance
at placement: the tiers form a ladder of age rows, and within a row, of balance bands.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

PPM = 1_000_000


class RemitMode(StrEnum):
    """How the money leaves trust.

    ``net``: the agency keeps its commission and remits the client's share.
    ``gross``: the agency remits everything collected and invoices the commission.
    """

    NET = "net"
    GROSS = "gross"


class TermsError(ValueError):
    """Terms that cannot be applied (a rate out of range, two tiers for the same place)."""


def _rate(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int (ppm), not {type(value).__name__}")
    if not 0 <= value <= PPM:
        raise TermsError(f"{what} must be between 0 and {PPM:,} ppm, not {value:,}")
    return value


@dataclass(frozen=True, slots=True)
class Tier:
    """From ``from_months`` whole months after placement (and, within that age row, from a
    balance at placement of ``from_balance_minor``), commission is ``rate_ppm``."""

    from_months: int
    rate_ppm: int
    from_balance_minor: int = 0

    def __post_init__(self) -> None:
        if self.from_months < 0:
            raise TermsError(f"a tier starts at 0 months or later, not {self.from_months}")
        if self.from_balance_minor < 0:
            raise TermsError(f"a balance band starts at 0 or more, not {self.from_balance_minor}")
        _rate(self.rate_ppm, "a tier's rate")


@dataclass(frozen=True, slots=True)
class CommissionTerms:
    """The default rate, the tiers that replace it, and how the money is remitted."""

    default_rate_ppm: int
    tiers: tuple[Tier, ...] = ()
    remit_mode: RemitMode = RemitMode.NET

    def __post_init__(self) -> None:
        _rate(self.default_rate_ppm, "the default rate")
        seen: set[tuple[int, int]] = set()
        for tier in self.tiers:
            place = (tier.from_months, tier.from_balance_minor)
            if place in seen:
                raise TermsError(
                    f"two tiers start at {tier.from_months} months and a balance of "
                    f"{tier.from_balance_minor}"
                )
            seen.add(place)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter (Jan 31 + 1
    month = Feb 28 or 29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def months_placed(placed_on: date, paid_on: date) -> int:
    """Whole months from placement to payment: the number of monthly anniversaries reached
    (an anniversary in a shorter month falls on its last day). Money received before the
    placement day counts as month 0."""
    if paid_on <= placed_on:
        return 0
    months = (paid_on.year - placed_on.year) * 12 + paid_on.month - placed_on.month
    if add_months(placed_on, months) > paid_on:
        months -= 1
    return months


def commission_rate(
    terms: CommissionTerms, placed_on: date, paid_on: date, placed_balance_minor: int = 0
) -> int:
    """The rate a payment received on ``paid_on`` earns, in ppm.

    The age row is the tier row with the greatest ``from_months`` the account has reached;
    within it, the band with the greatest ``from_balance_minor`` the balance at placement
    reaches. No row reached, or no band of the row reached: the default rate.
    """
    if not terms.tiers:
        return terms.default_rate_ppm
    age = months_placed(placed_on, paid_on)
    rows = [t.from_months for t in terms.tiers if t.from_months <= age]
    if not rows:
        return terms.default_rate_ppm
    row = max(rows)
    bands = [
        t
        for t in terms.tiers
        if t.from_months == row and t.from_balance_minor <= placed_balance_minor
    ]
    if not bands:
        return terms.default_rate_ppm
    return max(bands, key=lambda t: t.from_balance_minor).rate_ppm
