"""Confidence intervals for comparing a strategy's variants (champion and challengers).

Two kinds of figure are compared: rates (the share of accounts with a conversation) and amounts
per account (cash collected, promises, cost). A rate gets the Wilson score interval, which
stays inside [0, 1] and behaves at 0 and 100 % and on small samples, where the textbook
p ± z·√(p(1-p)/n) collapses to a point. An amount per account gets the normal approximation
mean ± z·s/√n with the sample standard deviation s; the database sends only n, Σx and Σx² (a
set-based query over any number of accounts), from which s² = (nΣx² - (Σx)²) / (n(n-1)) is
computed exactly in integers before the one square root.

Amounts stay exact: the mean is a Decimal quotient of integers, and the bounds, where a float
square root is unavoidable, are rounded back to whole minor units (cents) half-even. Nothing
here rounds the estimate itself; callers show it to the cent with ``to_minor``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

Z95 = 1.959963984540054  # the two-sided 95 % point of the standard normal


@dataclass(frozen=True)
class Rate:
    """``successes`` of ``n``, the rate and its interval (fractions of 1)."""

    successes: int
    n: int
    rate: Decimal | None
    low: Decimal | None
    high: Decimal | None


@dataclass(frozen=True)
class Mean:
    """An amount per unit: ``n`` units summing to ``total`` (minor units, counts or any integer
    measure); ``low``/``high`` are the 95 % bounds rounded to whole units, None when fewer than
    two units leave the spread unknown."""

    n: int
    total: int
    mean: Decimal | None
    low: Decimal | None
    high: Decimal | None


def _fraction(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)


def wilson(successes: int, n: int, z: float = Z95) -> Rate:
    """The Wilson score interval of a rate, bounds to four decimals (0.01 %)."""
    if n < 0 or not 0 <= successes <= max(n, 0):
        raise ValueError(f"{successes} successes of {n} is not a rate")
    if n == 0:
        return Rate(successes, n, None, None, None)
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    low, high = max(0.0, centre - half), min(1.0, centre + half)
    return Rate(successes, n, Decimal(successes) / Decimal(n), _fraction(low), _fraction(high))


def sample_variance(n: int, total: int, squares: int) -> Decimal:
    """The sample variance from n, Σx and Σx², exactly: (nΣx² - (Σx)²) / (n(n-1))."""
    if n < 2:
        raise ValueError("the sample variance needs two or more values")
    numerator = n * squares - total * total
    if numerator < 0:
        raise ValueError("Σx² is too small for Σx: not sums of the same values")
    return Decimal(numerator) / Decimal(n * (n - 1))


def mean_interval(n: int, total: int, squares: int, z: float = Z95, places: int = 0) -> Mean:
    """The mean per unit and its normal-approximation 95 % interval; the bounds are rounded
    half-even to ``places`` decimals of the unit (0: whole cents when the unit is cents)."""
    if n < 0:
        raise ValueError("a count is never negative")
    if n == 0:
        return Mean(0, total, None, None, None)
    mean = Decimal(total) / Decimal(n)
    if n < 2:
        return Mean(n, total, mean, None, None)
    half = z * math.sqrt(float(sample_variance(n, total, squares))) / math.sqrt(n)
    step = Decimal(1).scaleb(-places)
    low = (mean - Decimal(repr(half))).quantize(step, ROUND_HALF_EVEN)
    high = (mean + Decimal(repr(half))).quantize(step, ROUND_HALF_EVEN)
    return Mean(n, total, mean, low, high)


def to_minor(value: Decimal | None) -> int | None:
    """A mean in minor units rounded half-even to a whole minor unit, for showing."""
    if value is None:
        return None
    return int(value.quantize(Decimal(1), ROUND_HALF_EVEN))
