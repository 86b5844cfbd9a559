"""Simple interest on principal, exact in integers: day counts, rates in ppm,
caps, and accrual that posts the same cents whatever the run cadence."""

from arrears.core.interest.accrual import (
    Accrual,
    AccrualState,
    accrue,
    close_segment,
    denominator,
    interest_between,
    round_half_even_div,
)
from arrears.core.interest.day_count import DayCount
from arrears.core.interest.rates import InterestTerms, rate_ppm_from_percent

__all__ = [
    "Accrual",
    "AccrualState",
    "DayCount",
    "InterestTerms",
    "accrue",
    "close_segment",
    "denominator",
    "interest_between",
    "rate_ppm_from_percent",
    "round_half_even_div",
]
