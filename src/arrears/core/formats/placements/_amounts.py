"""A small, strict amount parser for placement files: decimal text to integer cents.

Accepted: ``1234``, ``1234.5``, ``1234.56``, ``1,234.56``, ``$1,234.56``, ``-12.00``,
``-$12.00``, ``$-12.00``. Rejected: anything else (more than two decimals, misplaced commas,
exponents, spaces inside, a bare ``.``, ``12.``).
"""

from __future__ import annotations

import re

_AMOUNT = re.compile(r"(-)?\$?(-)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?")


def parse_minor(text: str) -> int:
    """Parse ``text`` (already stripped) to integer cents; raise ValueError if it is not one."""
    if text.isdigit() and text.isascii():
        return int(text) * 100
    match = _AMOUNT.fullmatch(text)
    if match is None or not text.isascii():
        raise ValueError(f"not an amount: {text!r}")
    sign1, sign2, whole, frac = match.groups()
    if sign1 and sign2:
        raise ValueError(f"not an amount: {text!r}")
    cents = int(whole.replace(",", "")) * 100
    if frac:
        cents += int(frac) * (10 if len(frac) == 1 else 1)
    return -cents if (sign1 or sign2) else cents


_RATE = re.compile(r"(\d+)(?:\.(\d{1,4}))?%?")


def parse_rate_ppm(text: str) -> int:
    """Parse an annual percent (``18.99``, ``18.99%``) to parts per million of 1 %.

    ``18.99`` -> 189_900. At most four decimals; raise ValueError otherwise.
    """
    match = _RATE.fullmatch(text)
    if match is None or not text.isascii():
        raise ValueError(f"not a rate: {text!r}")
    whole, frac = match.groups()
    value = int(whole) * 10_000
    if frac:
        value += int(frac.ljust(4, "0"))
    return value
