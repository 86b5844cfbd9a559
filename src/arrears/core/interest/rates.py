"""Interest rates as integer parts per million, and the terms of an account."""

from __future__ import annotations

import re
from dataclasses import dataclass

from arrears.core.interest.day_count import DayCount

PPM = 1_000_000
_PERCENT = re.compile(r"([0-9]+)(?:\.([0-9]+))?")


def rate_ppm_from_percent(text: str) -> int:
    """Read an annual percentage such as "18.99" or "5.125" as ppm (189_900, 51_250).

    At most four decimals of a percent (one ppm); further digits are accepted
    only when they are zeros. Negative or malformed text raises ValueError.
    """
    match = _PERCENT.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a non-negative percentage: {text!r}")
    whole, fraction = match.groups()
    fraction = fraction or ""
    if fraction[4:].strip("0"):
        raise ValueError(f"{text!r} has more than 4 decimal places of a percent")
    return int(whole) * 10_000 + int(fraction[:4].ljust(4, "0"))


@dataclass(frozen=True, slots=True)
class InterestTerms:
    """Simple interest at `rate_ppm` a year, optionally capped at `cap_rate_ppm`."""

    rate_ppm: int
    day_count: DayCount = DayCount.ACT_365
    cap_rate_ppm: int | None = None

    def __post_init__(self) -> None:
        for name in ("rate_ppm", "cap_rate_ppm"):
            value = getattr(self, name)
            if value is None and name == "cap_rate_ppm":
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, not {type(value).__name__}")
            if value < 0:
                raise ValueError(f"{name} must not be negative: {value}")
        object.__setattr__(self, "day_count", DayCount(self.day_count))

    @property
    def effective_rate_ppm(self) -> int:
        """The rate charged: the lower of rate and cap."""
        if self.cap_rate_ppm is None:
            return self.rate_ppm
        return min(self.rate_ppm, self.cap_rate_ppm)
