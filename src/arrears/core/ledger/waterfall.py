"""The payment waterfall: the order in which a payment pays the buckets."""

from __future__ import annotations

import functools

from arrears.core.ledger.balances import Balances, Bucket
from arrears.core.ledger.errors import InvalidAmount

DEFAULT_WATERFALL: tuple[Bucket, ...] = (
    Bucket.FEES,
    Bucket.COSTS,
    Bucket.INTEREST,
    Bucket.PRINCIPAL,
)


@functools.lru_cache(maxsize=64)
def check_waterfall(waterfall: tuple[Bucket, ...]) -> tuple[Bucket, ...]:
    """Return `waterfall` as Buckets if it names each of the four exactly once."""
    buckets = tuple(Bucket(bucket) for bucket in waterfall)
    if len(buckets) != len(Bucket) or set(buckets) != set(Bucket):
        names = ", ".join(bucket.value for bucket in buckets)
        raise ValueError(f"a waterfall must name each bucket exactly once, got: {names}")
    return buckets


def parse_waterfall(text: str) -> tuple[Bucket, ...]:
    """Read "fees,costs,interest,principal" (spaces and case ignored)."""
    names = [name.strip().lower() for name in text.split(",")]
    try:
        buckets = tuple(Bucket(name) for name in names)
    except ValueError:
        raise ValueError(f"unknown bucket in waterfall {text!r}") from None
    return check_waterfall(buckets)


def allocate_payment(
    owed: Balances, amount: int, waterfall: tuple[Bucket, ...] = DEFAULT_WATERFALL
) -> tuple[Balances, int]:
    """Apply a payment of `amount` minor units to `owed` in waterfall order.

    Returns (reduction, unapplied): reduction is a negative (or zero) Balances,
    unapplied >= 0 is what is left when every bucket is paid. A bucket with a
    zero or negative balance takes nothing.
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be an int, not {type(amount).__name__}")
    if amount <= 0:
        raise InvalidAmount(f"a payment must be positive, got {amount}")
    reduction: dict[str, int] = {}
    left = amount
    for bucket in check_waterfall(waterfall):
        name = str(bucket.value)
        take = min(left, max(getattr(owed, name), 0))
        reduction[name] = -take
        left -= take
    return Balances(**reduction), left
