"""What a consumer owes, split into four buckets of integer minor units."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar


class Bucket(StrEnum):
    PRINCIPAL = "principal"
    INTEREST = "interest"
    FEES = "fees"
    COSTS = "costs"


@dataclass(frozen=True, slots=True)
class Balances:
    """Amounts per bucket in minor units. Used both for balances and for changes."""

    principal: int = 0
    interest: int = 0
    fees: int = 0
    costs: int = 0

    ZERO: ClassVar[Balances]

    def __post_init__(self) -> None:
        # Fast path first: a payment file builds hundreds of thousands of these.
        if (
            type(self.principal) is int
            and type(self.interest) is int
            and type(self.fees) is int
            and type(self.costs) is int
        ):
            return
        for bucket in Bucket:
            value = getattr(self, bucket.value)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{bucket} must be an int, not {type(value).__name__}")

    @classmethod
    def zero(cls) -> Balances:
        return cls.ZERO

    @classmethod
    def from_dict(cls, values: Mapping[str, int]) -> Balances:
        """Build from {"principal": ..., ...}; missing buckets are 0, unknown keys raise."""
        unknown = set(values) - {bucket.value for bucket in Bucket}
        if unknown:
            raise ValueError(f"unknown buckets: {', '.join(sorted(unknown))}")
        return cls(**values)

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.fees + self.costs

    def get(self, bucket: Bucket) -> int:
        name = _NAMES.get(bucket)
        if name is None:
            name = Bucket(bucket).value
        return int(getattr(self, name))

    def with_bucket(self, bucket: Bucket, value: int) -> Balances:
        values = self.as_dict()
        values[Bucket(bucket).value] = value
        return Balances(**values)

    def is_zero(self) -> bool:
        return not (self.principal or self.interest or self.fees or self.costs)

    def as_dict(self) -> dict[str, int]:
        return {
            "principal": self.principal,
            "interest": self.interest,
            "fees": self.fees,
            "costs": self.costs,
        }

    def __add__(self, other: object) -> Balances:
        if not isinstance(other, Balances):
            return NotImplemented
        return Balances(
            self.principal + other.principal,
            self.interest + other.interest,
            self.fees + other.fees,
            self.costs + other.costs,
        )

    def __sub__(self, other: object) -> Balances:
        if not isinstance(other, Balances):
            return NotImplemented
        return Balances(
            self.principal - other.principal,
            self.interest - other.interest,
            self.fees - other.fees,
            self.costs - other.costs,
        )

    def __neg__(self) -> Balances:
        return Balances(-self.principal, -self.interest, -self.fees, -self.costs)


Balances.ZERO = Balances()
_NAMES: dict[str, str] = {str(bucket.value): str(bucket.value) for bucket in Bucket}
