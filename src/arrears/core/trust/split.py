"""Splitting cash between the client and the agency without creating or losing a cent.

The commission on an amount is ``amount * rate / 1,000,000`` rounded half to even, and the
client's share is the rest, so share + commission is the cash, always. The rounding is
symmetric (the commission on -x is minus the commission on x), which is what lets a reversal
take back exactly what its payment gave.

A card payment's convenience fee is the agency's in full: it pays our card processing, not the
client's debt. Such a payment is split as ``fee`` (all commission) plus the rest (split at the
rate), so the line's commission is the rate's part plus the fee and the client's share never
holds any of the fee. What is given back of such a payment comes off the rest first and off the
fee last, as the ledger gives the fee back only with the last of the payment.
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


def _fee(cash_minor: int, fee_minor: int) -> int:
    if isinstance(fee_minor, bool) or not isinstance(fee_minor, int):
        raise TypeError(f"a fee must be an int (minor units), not {type(fee_minor).__name__}")
    if fee_minor and not (0 < fee_minor <= cash_minor or cash_minor <= fee_minor < 0):
        raise SplitError(f"a fee of {fee_minor} is not part of cash of {cash_minor}")
    return fee_minor


def split(cash_minor: int, rate_ppm: int, fee_minor: int = 0) -> tuple[int, int]:
    """``(client_share, commission)`` of an amount of cash; they add up to it. ``fee_minor`` of
    the cash (same sign, no more than it) is a convenience fee: all of it is commission, and
    the rate applies to the rest."""
    fee = _fee(cash_minor, fee_minor)
    commission = commission_on(cash_minor - fee, rate_ppm) + fee
    return cash_minor - commission, commission


def _given_back(payment_cash_minor: int, fee_minor: int, back_minor: int) -> tuple[int, int]:
    """``(rate part, fee part)`` of ``back_minor`` (<= 0) given back in all of a payment that
    brought ``payment_cash_minor`` of which ``fee_minor`` was a convenience fee: the rest first,
    the fee with what goes beyond it."""
    fee_part = min(0, back_minor + (payment_cash_minor - fee_minor))
    return back_minor - fee_part, fee_part


def _commission_back(
    payment_cash_minor: int, rate_ppm: int, fee_minor: int, back_minor: int
) -> int:
    rate_part, fee_part = _given_back(payment_cash_minor, fee_minor, back_minor)
    return commission_on(rate_part, rate_ppm) + fee_part


def _check_take_back(payment_cash_minor: int, taken_back_before_minor: int, cash_minor: int) -> int:
    if cash_minor >= 0:
        raise SplitError(f"a reversal or refund takes cash back (< 0), not {cash_minor}")
    if taken_back_before_minor > 0:
        raise SplitError(f"what was taken back before is <= 0, not {taken_back_before_minor}")
    after = taken_back_before_minor + cash_minor
    if -after > payment_cash_minor:
        raise SplitError(
            f"{-after} would be given back of a payment that brought {payment_cash_minor}"
        )
    return after


def fee_taken_back(
    payment_cash_minor: int, fee_minor: int, taken_back_before_minor: int, cash_minor: int
) -> int:
    """The part of a reversal or refund (``cash_minor`` < 0) that gives back the payment's
    convenience fee (<= 0): what it gives back beyond the rest of the payment."""
    after = _check_take_back(payment_cash_minor, taken_back_before_minor, cash_minor)
    _fee(payment_cash_minor, fee_minor)
    return (
        _given_back(payment_cash_minor, fee_minor, after)[1]
        - _given_back(payment_cash_minor, fee_minor, taken_back_before_minor)[1]
    )


def take_back(
    payment_cash_minor: int,
    rate_ppm: int,
    taken_back_before_minor: int,
    cash_minor: int,
    fee_minor: int = 0,
) -> tuple[int, int]:
    """``(client_share, commission)`` of a reversal or refund (``cash_minor`` < 0) of a payment
    that brought ``payment_cash_minor`` at ``rate_ppm``, after earlier reversals and refunds of
    it totalling ``taken_back_before_minor`` (<= 0).

    The commission taken back is the commission on everything given back so far less the
    commission on what had been given back before, so however a payment is given back (at
    once or in parts), once all of it is back its commission is back to the cent. Of a payment
    that carried a convenience fee of ``fee_minor``, the rest is given back first (at the rate)
    and the fee last (all commission): the client's share never gives back any of the fee.
    """
    after = _check_take_back(payment_cash_minor, taken_back_before_minor, cash_minor)
    _fee(payment_cash_minor, fee_minor)
    commission = _commission_back(
        payment_cash_minor, rate_ppm, fee_minor, after
    ) - _commission_back(payment_cash_minor, rate_ppm, fee_minor, taken_back_before_minor)
    return cash_minor - commission, commission
