"""ISO 4217 currency codes and their minor units, from babel's CLDR data."""

from babel.numbers import get_currency_precision, list_currencies

# Filled lazily by minor_exponent(); read directly on hot paths.
_EXPONENTS: dict[str, int] = {}
_KNOWN: frozenset[str] | None = None


def minor_exponent(currency: str) -> int:
    """Digits after the decimal point for `currency` (USD 2, JPY 0, KWD 3).

    Codes must be upper case and known to babel; anything else raises ValueError.
    """
    global _KNOWN
    exponent = _EXPONENTS.get(currency)
    if exponent is not None:
        return exponent
    if _KNOWN is None:
        _KNOWN = frozenset(list_currencies())
    if not isinstance(currency, str) or currency not in _KNOWN:
        raise ValueError(f"unknown currency code {currency!r}")
    exponent = get_currency_precision(currency)
    _EXPONENTS[currency] = exponent
    return exponent
