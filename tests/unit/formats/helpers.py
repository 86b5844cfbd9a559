"""Shared helpers for placement-format tests: a valid default-layout row to vary."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from arrears.core.formats.placements import (
    DEFAULT_HEADER,
    Mapping,
    PlacementRow,
    Reject,
    validate_row,
)

TODAY = date(2025, 6, 30)
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "placements"

GOOD: dict[str, str] = {
    "client_account_ref": "R-1",
    "original_creditor": "Cedar Valley Bank",
    "original_account_number": "5500123412341234",
    "creditor_classification": "08",
    "currency": "USD",
    "principal": "820.00",
    "interest": "",
    "fees": "",
    "costs": "",
    "charge_off_date": "2024-03-31",
    "charge_off_amount": "820.00",
    "date_of_first_delinquency": "2023-11-15",
    "itemization_date": "2024-03-31",
    "itemization_basis": "charge_off",
    "last_payment_date": "",
    "interest_rate": "",
    "interest_day_count": "",
    "party_type": "person",
    "first_name": "Grace",
    "middle_name": "",
    "last_name": "Hopper",
    "suffix": "",
    "business_name": "",
    "ssn": "123-45-6789",
    "date_of_birth": "1985-02-14",
    "address1": "1 Main St",
    "address2": "",
    "city": "Boston",
    "state": "MA",
    "zip": "02108",
    "phone1": "(617) 555-0123",
    "phone1_type": "mobile",
    "phone2": "",
    "phone2_type": "",
    "email": "grace@example.com",
}

BOUND = Mapping.default().bind(list(DEFAULT_HEADER))


def check(**changes: str) -> PlacementRow | Reject:
    """Validate the good row with some fields changed."""
    row = {**GOOD, **changes}
    return validate_row([row[name] for name in DEFAULT_HEADER], 7, BOUND, today=TODAY)


def ok(**changes: str) -> PlacementRow:
    result = check(**changes)
    assert isinstance(result, PlacementRow), result
    return result


def rejected(**changes: str) -> Reject:
    result = check(**changes)
    assert isinstance(result, Reject), result
    return result
