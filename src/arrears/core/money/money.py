"""Money: an exact Decimal amount in one ISO 4217 currency."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_05UP,
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)

from arrears.core.money.allocation import allocate_minor
from arrears.core.money.currency import minor_exponent

# Arithmetic on amounts never rounds: precision is as large as Decimal allows.
_EXACT = Context(
    prec=MAX_PREC,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
_ROUNDINGS = frozenset(
    {
        ROUND_05UP,
        ROUND_CEILING,
        ROUND_DOWN,
        ROUND_FLOOR,
        ROUND_HALF_DOWN,
        ROUND_HALF_EVEN,
        ROUND_HALF_UP,
        ROUND_UP,
    }
)
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")


class CurrencyMismatch(ValueError):
    """Raised when two amounts in different currencies meet."""


def _check_factor(factor: object) -> Decimal | None:
    if isinstance(factor, float):
        raise TypeError("cannot multiply Money by a float; use int or Decimal")
    if isinstance(factor, bool):
        return None
    if isinstance(factor, int):
        return Decimal(factor)
    if isinstance(factor, Decimal):
        if not factor.is_finite():
            raise ValueError(f"cannot multiply Money by {factor}")
        return factor
    return None


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount of one currency. Floats are refused; ints become Decimals.

    The amount may carry more precision than the currency's minor unit (e.g.
    after multiplying by a rate); `rounded()` brings it back, with a named mode.
    Comparing or combining amounts in different currencies raises
    CurrencyMismatch, including `==`.
    """

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        amount: object = self.amount
        if isinstance(amount, float):
            raise TypeError("Money amount must not be a float; use Decimal or str via Money.of")
        if isinstance(amount, bool):
            raise TypeError("Money amount must be a Decimal or int, not bool")
        if isinstance(amount, int):
            object.__setattr__(self, "amount", Decimal(amount))
        elif not isinstance(amount, Decimal):
            raise TypeError(f"Money amount must be a Decimal or int, not {type(amount).__name__}")
        elif not amount.is_finite():
            raise ValueError(f"Money amount must be finite, not {amount}")
        minor_exponent(self.currency)

    # -- construction -------------------------------------------------------

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in `currency`, at the currency's precision (prints "USD 0.00")."""
        return cls.from_minor(0, currency)

    @classmethod
    def of(cls, value: str | int | Decimal, currency: str) -> Money:
        """Build from "125.40", "1,234.5", an int or a Decimal (never a float)."""
        if isinstance(value, str):
            text = value.strip()
            if _NUMBER.fullmatch(text) is None:
                raise ValueError(f"not an amount: {value!r}")
            return cls(Decimal(text.replace(",", "")), currency)
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise TypeError(f"Money.of takes str, int or Decimal, not {type(value).__name__}")
        return cls(Decimal(value), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        """Build from integer minor units: from_minor(12540, "USD") is USD 125.40."""
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise TypeError(f"minor must be an int, not {type(minor).__name__}")
        return cls(Decimal(minor).scaleb(-minor_exponent(currency), _EXACT), currency)

    # -- conversion ---------------------------------------------------------

    @property
    def minor(self) -> int:
        """The amount in integer minor units; ValueError if it has finer precision."""
        scaled = self.amount.scaleb(minor_exponent(self.currency), _EXACT)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{self} has more precision than {self.currency} minor units")
        return int(scaled)

    def rounded(self, rounding: str = ROUND_HALF_EVEN) -> Money:
        """Round to the currency's minor unit with the named decimal rounding mode."""
        if rounding not in _ROUNDINGS:
            raise ValueError(f"unknown rounding mode {rounding!r}")
        quantum = Decimal(1).scaleb(-minor_exponent(self.currency))
        return Money(self.amount.quantize(quantum, rounding, _EXACT), self.currency)

    def is_zero(self) -> bool:
        return self.amount.is_zero()

    def allocate(self, ratios: Sequence[int | Decimal]) -> list[Money]:
        """Split by `ratios`; the parts, in minor units, always sum to the whole.

        Uses largest remainder on minor units (see allocate_minor). The amount
        must be a whole number of minor units (round first). Ratios may be ints
        or Decimals, non-negative and not all zero.
        """
        weights = _integer_ratios(ratios)
        return [
            Money.from_minor(part, self.currency) for part in allocate_minor(self.minor, weights)
        ]

    # -- arithmetic ---------------------------------------------------------

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} cannot be combined")

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(_EXACT.add(self.amount, other.amount), self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(_EXACT.subtract(self.amount, other.amount), self.currency)

    def __neg__(self) -> Money:
        return Money(self.amount.copy_negate(), self.currency)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money(self.amount.copy_abs(), self.currency)

    def __mul__(self, factor: object) -> Money:
        value = _check_factor(factor)
        if value is None:
            return NotImplemented
        return Money(_EXACT.multiply(self.amount, value), self.currency)

    def __rmul__(self, factor: object) -> Money:
        return self.__mul__(factor)

    # -- comparison ---------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.amount == other.amount

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.amount >= other.amount

    def __str__(self) -> str:
        """ "USD 125.40": at least the currency's decimals, more if the amount has them."""
        exponent = minor_exponent(self.currency)
        amount = self.amount
        if amount.is_zero():
            amount = amount.copy_abs()
        places = max(exponent, -int(amount.as_tuple().exponent))
        quantum = Decimal(1).scaleb(-places)
        return f"{self.currency} {amount.quantize(quantum, context=_EXACT):f}"


def _integer_ratios(ratios: Sequence[int | Decimal]) -> list[int]:
    """Scale int/Decimal ratios to integers with the same proportions."""
    places = 0
    for ratio in ratios:
        if isinstance(ratio, float):
            raise TypeError("ratios must not be floats; use int or Decimal")
        if isinstance(ratio, Decimal):
            if not ratio.is_finite():
                raise ValueError(f"ratio must be finite, not {ratio}")
            places = max(places, -int(ratio.as_tuple().exponent))
        elif isinstance(ratio, bool) or not isinstance(ratio, int):
            raise TypeError(f"ratios must be int or Decimal, not {type(ratio).__name__}")
    return [
        int(ratio.scaleb(places, _EXACT)) if isinstance(ratio, Decimal) else ratio * 10**places
        for ratio in ratios
    ]
