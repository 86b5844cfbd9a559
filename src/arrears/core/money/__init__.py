"""Money as an exact value: Decimal amounts in one ISO 4217 currency, integer minor units,
allocation that never creates or loses a cent, and fast strict parsing of amount text."""

from arrears.core.money.allocation import allocate_minor
from arrears.core.money.currency import minor_exponent
from arrears.core.money.money import CurrencyMismatch, Money
from arrears.core.money.text import format_minor, parse_amount_to_minor

__all__ = [
    "CurrencyMismatch",
    "Money",
    "allocate_minor",
    "format_minor",
    "minor_exponent",
    "parse_amount_to_minor",
]
