"""Exact integer arithmetic and the wording of amounts and percentages in rationales."""

from __future__ import annotations

from arrears.core.money import format_minor

PPM = 1_000_000


def div_half_even(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-even to an int (denominator > 0)."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


def div_ceil(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded up (towards +infinity; denominator > 0)."""
    return -(-numerator // denominator)


def money_text(minor: int, currency: str) -> str:
    """ "$1,234.50" and "-$12.00" for USD; "1,234.50 EUR" for other currencies."""
    text = format_minor(abs(minor), currency)
    sign = "-" if minor < 0 else ""
    if currency == "USD":
        return f"{sign}${text}"
    return f"{sign}{text} {currency}"


def percent_text(ppm: int) -> str:
    """Parts per million as a percentage, exact, without trailing zeros: 400000 -> "40%",
    333333 -> "33.3333%"."""
    sign = "-" if ppm < 0 else ""
    whole, fraction = divmod(abs(ppm), PPM // 100)
    if fraction == 0:
        return f"{sign}{whole}%"
    digits = f"{fraction:04d}".rstrip("0")
    return f"{sign}{whole}.{digits}%"


def plural(count: int, noun: str) -> str:
    """ "1 payment", "43 payments"."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
