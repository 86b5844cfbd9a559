"""Splitting cash between the client and the agency without creating or losing a cent.

The commission on an amount is ``amount * rate / 1,000,000`` rounded half to even, and the
client's share is the rest, so share + commission is the cash, always. The rounding is
symmetric (the commission on -x is minus the commission on x), which is what lets a reversal
take back exactly what its payment gave.
"""

from __future__ import annotations

from arrears.core.trust.terms import PPM, _rate


class SplitError(ValueError):
    """Cash that cannot be split as asked (a take-back of more than the payment brought)."""


def commission_on(cash_minor: int, rate_ppm: int) -> int:
    """``cash * rate / 1,000,000`` rounded half to even, in minor units (negative for negative
    cash)."""
    if isinstance(cash_minor, bool) or not isinstance(cash_minor, int):
        raise TypeError(f"cash must be an int (minor units), not {type(cash_minor).__name__}")
    _rate(rate_ppm, "the rate")
    whole, rest = divmod(abs(cash_minor) * rate_ppm, PPM)
    if rest * 2 > PPM or (rest * 2 == PPM and whole % 2 == 1):
        whole += 1
    return -whole if cash_minor < 0 else whole


def split(cash_minor: int, rate_ppm: int) -> tuple[int, int]:
    """``(client_share, commission)`` of an amount of cash; they add up to it."""
    commission = commission_on(cash_minor, rate_ppm)
    return cash_minor - commission, commission


def take_back(
    payment_cash_minor: int, rate_ppm: int, taken_back_before_minor: int, cash_minor: int
) -> tuple[int, int]:
    """``(client_share, commission)`` of a reversal or refund (``cash_minor`` < 0) of a payment
    that brought ``payment_cash_minor`` at ``rate_ppm``, after earlier reversals and refunds of
    it totalling ``taken_back_before_minor`` (<= 0).

    The commission taken back is the commission on everything given back so far less the
    commission on what had been given back before, so however a payment is given back (at
    once or in parts), once all of it is back its commission is back to the cent.
    """
    if cash_minor >= 0:
        raise SplitError(f"a reversal or refund takes cash back (< 0), not {cash_minor}")
    if taken_back_before_minor > 0:
        raise SplitError(f"what was taken back before is <= 0, not {taken_back_before_minor}")
    after = taken_back_before_minor + cash_minor
    if -after > payment_cash_minor:
        raise SplitError(
            f"{-after} would be given back of a payment that brought {payment_cash_minor}"
        )
    commission = commission_on(after, rate_ppm) - commission_on(taken_back_before_minor, rate_ppm)
    return cash_minor - commission, commission
