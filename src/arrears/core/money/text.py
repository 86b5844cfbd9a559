"""Reading and writing amounts as text, exactly and fast (no Decimal)."""

import re

from arrears.core.money.currency import _EXPONENTS, minor_exponent

_POW10: tuple[int, ...] = tuple(10**n for n in range(19))

# sign, optional "$", sign (so "-$5" and "$-5" both read), integer part with
# optional thousands commas in groups of three, optional fraction.
_AMOUNT = re.compile(r"([+-]?)(\$?)([+-]?)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?")


def parse_amount_to_minor(text: str, currency: str = "USD") -> int:
    """Parse a decimal amount such as "1,234.50", "-3.10" or "$12" into minor units.

    Accepted: surrounding whitespace, one leading sign, a leading "$", thousands
    commas in groups of three, a fraction of at most the currency's minor digits
    (further digits are accepted only when they are zeros, since the value is
    still exact). Everything else (exponents, NaN, inf, "1.", ".5", "1,23",
    more significant decimals than the currency allows) raises ValueError.
    """
    exponent = _EXPONENTS.get(currency)
    if exponent is None:
        exponent = minor_exponent(currency)
    if not isinstance(text, str):
        raise TypeError(f"amount text must be a str, not {type(text).__name__}")
    text = text.strip()
    # Fast path for the common shapes "1234", "1234.5", "-1234.50" (ASCII digits only).
    negative = text[:1] == "-"
    body = text[1:] if negative else text
    whole, dot, fraction = body.partition(".")
    if (
        whole.isdigit()
        and whole.isascii()
        and (not dot or (len(fraction) <= exponent and fraction.isdigit() and fraction.isascii()))
    ):
        minor = int(whole) * _POW10[exponent]
        if fraction:
            minor += int(fraction) * _POW10[exponent - len(fraction)]
        return -minor if negative else minor
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise ValueError(f"not an amount: {text!r}")
    sign: str = match[1]
    inner_sign: str = match[3]
    digits: str = match[4]
    decimals: str | None = match[5]
    if sign and inner_sign:
        raise ValueError(f"not an amount: {text!r}")
    minor = int(digits.replace(",", "")) * _POW10[exponent]
    if decimals is not None:
        if len(decimals) > exponent:
            if decimals[exponent:].strip("0"):
                raise ValueError(f"{text!r} has more than {exponent} decimal places for {currency}")
            decimals = decimals[:exponent]
        if decimals:
            minor += int(decimals) * _POW10[exponent - len(decimals)]
    return -minor if "-" in (sign, inner_sign) else minor


def format_minor(minor: int, currency: str) -> str:
    """Format minor units as "1,234.50" (grouped, no symbol, exact)."""
    exponent = _EXPONENTS.get(currency)
    if exponent is None:
        exponent = minor_exponent(currency)
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise TypeError(f"minor must be an int, not {type(minor).__name__}")
    sign = "-" if minor < 0 else ""
    if exponent == 0:
        return f"{sign}{abs(minor):,}"
    whole, fraction = divmod(abs(minor), _POW10[exponent])
    return f"{sign}{whole:,}.{fraction:0{exponent}d}"
