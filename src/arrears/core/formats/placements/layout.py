"""The default placement layout: our canonical fields, in order, with their rules.

The order of ``FIELDS`` is the order a row is checked in: a row's reject names its first
defect in this order. The default header of a placement file is the field names themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One column of the canonical layout.

    ``required`` is ``"always"``, ``"person"``, ``"business"`` or ``""`` (optional).
    ``default`` is the value used when the column is absent or empty ("" for none).
    ``max_length`` is 0 for fields that are not free text.
    """

    name: str
    required: str = ""
    default: str = ""
    max_length: int = 0
    description: str = ""


FIELDS: Final[tuple[FieldSpec, ...]] = (
    FieldSpec("client_account_ref", "always", max_length=50,
              description="The client's reference for the account; unique within a client."),
    FieldSpec("original_creditor", "always", max_length=100,
              description="Name of the creditor the debt was originally owed to."),
    FieldSpec("original_account_number", max_length=50,
              description="Account number at the original creditor."),
    FieldSpec("creditor_classification",
              description='Metro 2 K1 creditor classification, "01" to "15".'),
    FieldSpec("currency", default="USD", description="ISO 4217 code of the amounts."),
    FieldSpec("principal", "always", description="Principal owed."),
    FieldSpec("interest", default="0", description="Interest owed at itemization."),
    FieldSpec("fees", default="0", description="Fees owed at itemization."),
    FieldSpec("costs", default="0", description="Costs owed at itemization."),
    FieldSpec("charge_off_date", description="Date the original creditor charged the debt off."),
    FieldSpec("charge_off_amount", description="Balance at charge-off."),
    FieldSpec("date_of_first_delinquency", "always",
              description="Date of first delinquency (never changes; drives reporting periods)."),
    FieldSpec("itemization_date", "always",
              description="Date the itemized amounts are stated as of (Regulation F)."),
    FieldSpec("itemization_basis", default="charge_off",
              description="Which Regulation F itemization date this is."),
    FieldSpec("last_payment_date", description="Date of the last payment to the creditor."),
    FieldSpec("interest_rate", description="Annual contractual interest rate, in percent."),
    FieldSpec("interest_day_count", default="actual/365", description="Interest day count."),
    FieldSpec("party_type", default="person", description="person or business."),
    FieldSpec("first_name", "person", max_length=60, description="Consumer's first name."),
    FieldSpec("middle_name", max_length=60, description="Middle name or initial."),
    FieldSpec("last_name", "person", max_length=60, description="Consumer's last name."),
    FieldSpec("suffix", max_length=60, description="Jr, Sr, III, ..."),
    FieldSpec("business_name", "business", max_length=100, description="Business debtor's name."),
    FieldSpec("ssn", description="Social Security number, 9 digits, dashes allowed."),
    FieldSpec("date_of_birth", description="Consumer's date of birth."),
    FieldSpec("address1", "always", max_length=100, description="Street address."),
    FieldSpec("address2", max_length=100, description="Apartment, suite, unit."),
    FieldSpec("city", "always", max_length=60, description="City."),
    FieldSpec("state", "always", description="USPS state, DC, territory or military code."),
    FieldSpec("zip", "always", description="ZIP code: 12345, 12345-6789 or 123456789."),
    FieldSpec("phone1", description="US/NANP phone number."),
    FieldSpec("phone1_type", default="mobile", description="mobile, home, work or other."),
    FieldSpec("phone2", description="Second US/NANP phone number."),
    FieldSpec("phone2_type", default="mobile", description="mobile, home, work or other."),
    FieldSpec("email", max_length=254, description="Email address."),
)  # fmt: skip

FIELD_NAMES: Final[tuple[str, ...]] = tuple(spec.name for spec in FIELDS)
FIELD_INDEX: Final[dict[str, int]] = {name: i for i, name in enumerate(FIELD_NAMES)}
DEFAULT_HEADER: Final[tuple[str, ...]] = FIELD_NAMES

ITEMIZATION_BASES: Final[tuple[str, ...]] = (
    "last_statement",
    "charge_off",
    "last_payment",
    "transaction",
    "judgment",
)
DAY_COUNTS: Final[tuple[str, ...]] = ("actual/365", "actual/360", "30/360")
PARTY_TYPES: Final[tuple[str, ...]] = ("person", "business")
PHONE_TYPES: Final[tuple[str, ...]] = ("mobile", "home", "work", "other")
CREDITOR_CLASSIFICATIONS: Final[dict[str, str]] = {
    "01": "Retail",
    "02": "Medical/Health Care",
    "03": "Oil Company",
    "04": "Government",
    "05": "Personal Services",
    "06": "Insurance",
    "07": "Educational",
    "08": "Banking",
    "09": "Rental/Leasing",
    "10": "Utilities",
    "11": "Cable/Cellular",
    "12": "Financial",
    "13": "Credit Union",
    "14": "Automotive",
    "15": "Check Guarantee",
}

# USPS codes: the 50 states, DC, the inhabited territories and the military "states".
_STATE_CODES: Final = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR VI GU AS MP AA AE AP"
)
STATES: Final[frozenset[str]] = frozenset(_STATE_CODES.split())

REJECT_CODES: Final[tuple[str, ...]] = (
    "wrong_field_count",
    "missing_required",
    "invalid_date",
    "future_date",
    "date_order",
    "invalid_amount",
    "zero_balance",
    "invalid_currency",
    "invalid_state",
    "invalid_zip",
    "invalid_phone",
    "invalid_email",
    "invalid_ssn",
    "invalid_rate",
    "invalid_choice",
    "too_long",
    "duplicate_reference",
)
"""Every code a placement row can be rejected with. ``duplicate_reference`` is given by the
import service (a reference seen earlier in the same file), not by :func:`validate_row`."""
