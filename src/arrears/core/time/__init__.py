"""Time as values: half-open periods and U.S. federal business days. No clock here."""

from arrears.core.time.business_days import (
    add_business_days,
    federal_holidays,
    is_business_day,
    is_settlement_day,
    next_business_day,
    next_settlement_day,
)
from arrears.core.time.period import Period

__all__ = [
    "Period",
    "add_business_days",
    "federal_holidays",
    "is_business_day",
    "is_settlement_day",
    "next_business_day",
    "next_settlement_day",
]
