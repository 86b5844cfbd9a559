"""Row validation: one line of a placement file -> a PlacementRow, or a Reject naming its
first defect in canonical field order (see ``layout.FIELDS``).

This is the hot path of an import (a million rows a file), so it is written straight-line:
one C-level pick of the mapped cells, then each field in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from arrears.core.formats.placements._amounts import parse_minor, parse_rate_ppm
from arrears.core.formats.placements._checks import (
    CURRENCIES,
    fold_last_name,
    fold_name,
    normalise_email,
    normalise_phone,
    normalise_ssn,
    normalise_zip,
)
from arrears.core.formats.placements.layout import (
    CREDITOR_CLASSIFICATIONS,
    DAY_COUNTS,
    ITEMIZATION_BASES,
    PARTY_TYPES,
    PHONE_TYPES,
    STATES,
)
from arrears.core.formats.placements.mapping import BoundMapping

MAX_RATE_PPM: Final = 100 * 10_000


@dataclass(frozen=True, slots=True)
class Reject:
    """Why one line of a file was not loaded: its first defect."""

    line: int
    field: str
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class PlacementRow:
    """One valid placement line, parsed. Amounts are integer minor units (cents)."""

    client_account_ref: str
    original_creditor: str
    original_account_number: str | None
    creditor_classification: str | None
    currency: str
    principal_minor: int
    interest_minor: int
    fees_minor: int
    costs_minor: int
    charge_off_date: date | None
    charge_off_amount_minor: int | None
    date_of_first_delinquency: date
    itemization_date: date
    itemization_basis: str
    last_payment_date: date | None
    interest_rate_ppm: int | None
    interest_day_count: str
    party_type: str
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    suffix: str | None
    business_name: str | None
    ssn: str | None
    date_of_birth: date | None
    address1: str
    address2: str | None
    city: str
    state: str
    zip: str
    phones: tuple[tuple[str, str], ...]
    email: str | None
    line: int

    @property
    def balance_minor(self) -> int:
        return self.principal_minor + self.interest_minor + self.fees_minor + self.costs_minor


def _show(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _missing(line: int, name: str) -> Reject:
    return Reject(line, name, "missing_required", f"{name} is required but empty")


def _too_long(line: int, name: str, text: str, limit: int) -> Reject:
    return Reject(
        line,
        name,
        "too_long",
        f"{name} '{_show(text)}' is {len(text)} characters long; at most {limit} are allowed",
    )


def _choice(line: int, name: str, text: str, allowed: Sequence[str]) -> Reject:
    return Reject(
        line,
        name,
        "invalid_choice",
        f"{name} '{_show(text)}' is not one of: {', '.join(allowed)}",
    )


def _bad_amount(line: int, name: str, text: str) -> Reject:
    return Reject(
        line,
        name,
        "invalid_amount",
        f"{name} '{_show(text)}' is not an amount (expected e.g. 1234.56, at most 2 decimals)",
    )


def _amount(text: str) -> int | None:
    """Cents, or None if ``text`` is not a non-negative amount."""
    whole, dot, frac = text.partition(".")
    if whole.isdigit() and whole.isascii():
        if not dot:
            return int(whole) * 100
        if len(frac) == 2 and frac.isdigit() and frac.isascii():
            return int(whole) * 100 + int(frac)
    try:
        value = parse_minor(text)
    except ValueError:
        return None
    return value if value >= 0 else None


def _amount_reject(line: int, name: str, text: str) -> Reject:
    if text.lstrip("$").startswith("-"):
        try:
            parse_minor(text)
        except ValueError:
            pass
        else:
            return Reject(
                line,
                name,
                "invalid_amount",
                f"{name} '{text}' is negative; amounts must be 0 or more",
            )
    return _bad_amount(line, name, text)


def _date(text: str, name: str, line: int, bound: BoundMapping, today: date) -> date | Reject:
    try:
        value = bound.parse_date(text)
    except ValueError as exc:
        what = "a real date" if str(exc) == "calendar" else "a date"
        return Reject(
            line,
            name,
            "invalid_date",
            f"{name} '{_show(text)}' is not {what} (expected {bound.date_expected})",
        )
    if value > today:
        return Reject(
            line,
            name,
            "future_date",
            f"{name} '{text}' is in the future (today is {today.isoformat()})",
        )
    return value


_CLASSIFICATION_ALIASES: Final[dict[str, str]] = {
    **{code: code for code in CREDITOR_CLASSIFICATIONS},
    **{code.lstrip("0"): code for code in CREDITOR_CLASSIFICATIONS},
}


def validate_row(
    values: Sequence[str], line: int, bound: BoundMapping, *, today: date
) -> PlacementRow | Reject:
    """Validate and parse one data row (``line`` as the reader numbers it)."""
    if len(values) != bound.width:
        return Reject(
            line,
            "*",
            "wrong_field_count",
            f"the line has {len(values)} fields but the header has {bound.width}",
        )
    if bound.pad:
        values = [*values, ""]
    cells = list(map(str.strip, bound.pick(values)))
    for i, default in bound.default_items:
        if not cells[i]:
            cells[i] = default
    (
        ref, creditor, account_no, klass, currency, principal, interest, fees, costs,
        co_date_text, co_amount_text, dofd_text, item_text, basis, lp_text, rate_text, day_count,
        party_type, first, middle, last, suffix, business, ssn_text, dob_text, address1,
        address2, city, state, zip_text, phone1, phone1_type, phone2, phone2_type, email_text,
    ) = cells  # fmt: skip

    if not ref:
        return _missing(line, "client_account_ref")
    if len(ref) > 50:
        return _too_long(line, "client_account_ref", ref, 50)
    if not creditor:
        return _missing(line, "original_creditor")
    if len(creditor) > 100:
        return _too_long(line, "original_creditor", creditor, 100)
    if len(account_no) > 50:
        return _too_long(line, "original_account_number", account_no, 50)
    classification: str | None = None
    if klass:
        classification = _CLASSIFICATION_ALIASES.get(klass)
        if classification is None:
            return _choice(line, "creditor_classification", klass, list(CREDITOR_CLASSIFICATIONS))
    if not currency:
        return _missing(line, "currency")
    currency = currency.upper()
    if currency not in CURRENCIES:
        return Reject(
            line,
            "currency",
            "invalid_currency",
            f"currency '{_show(currency)}' is not an ISO 4217 code with 2 decimals (e.g. USD)",
        )

    if not principal:
        return _missing(line, "principal")
    principal_minor = _amount(principal)
    if principal_minor is None:
        return _amount_reject(line, "principal", principal)
    interest_minor = _amount(interest) if interest else 0
    if interest_minor is None:
        return _amount_reject(line, "interest", interest)
    fees_minor = _amount(fees) if fees else 0
    if fees_minor is None:
        return _amount_reject(line, "fees", fees)
    costs_minor = _amount(costs) if costs else 0
    if costs_minor is None:
        return _amount_reject(line, "costs", costs)
    if principal_minor + interest_minor + fees_minor + costs_minor == 0:
        return Reject(
            line,
            "principal",
            "zero_balance",
            "the balance is zero: principal + interest + fees + costs = 0.00",
        )

    co_date: date | None = None
    if co_date_text:
        parsed = _date(co_date_text, "charge_off_date", line, bound, today)
        if isinstance(parsed, Reject):
            return parsed
        co_date = parsed
    co_amount: int | None = None
    if co_amount_text:
        co_amount = _amount(co_amount_text)
        if co_amount is None:
            return _amount_reject(line, "charge_off_amount", co_amount_text)

    if not dofd_text:
        return _missing(line, "date_of_first_delinquency")
    parsed = _date(dofd_text, "date_of_first_delinquency", line, bound, today)
    if isinstance(parsed, Reject):
        return parsed
    dofd = parsed
    if co_date is not None and dofd > co_date:
        return Reject(
            line,
            "date_of_first_delinquency",
            "date_order",
            f"date_of_first_delinquency '{dofd_text}' is after charge_off_date '{co_date_text}'",
        )
    if not item_text:
        return _missing(line, "itemization_date")
    parsed = _date(item_text, "itemization_date", line, bound, today)
    if isinstance(parsed, Reject):
        return parsed
    item_date = parsed
    if item_date < dofd:
        return Reject(
            line,
            "itemization_date",
            "date_order",
            f"itemization_date '{item_text}' is before date_of_first_delinquency '{dofd_text}'",
        )
    basis = basis.lower()
    if basis not in ITEMIZATION_BASES:
        return _choice(line, "itemization_basis", basis, ITEMIZATION_BASES)

    lp_date: date | None = None
    if lp_text:
        parsed = _date(lp_text, "last_payment_date", line, bound, today)
        if isinstance(parsed, Reject):
            return parsed
        lp_date = parsed
    rate_ppm: int | None = None
    if rate_text:
        try:
            rate_ppm = parse_rate_ppm(rate_text)
        except ValueError:
            rate_ppm = None
        if rate_ppm is None or rate_ppm > MAX_RATE_PPM:
            return Reject(
                line,
                "interest_rate",
                "invalid_rate",
                f"interest_rate '{_show(rate_text)}' is not an annual percent from 0 to 100 "
                "with at most 4 decimals (e.g. 18.99)",
            )
    day_count = day_count.lower()
    if day_count not in DAY_COUNTS:
        return _choice(line, "interest_day_count", day_count, DAY_COUNTS)

    party_type = party_type.lower()
    if party_type not in PARTY_TYPES:
        return _choice(line, "party_type", party_type, PARTY_TYPES)
    is_person = party_type == "person"
    if not first and is_person:
        return _missing(line, "first_name")
    if len(first) > 60:
        return _too_long(line, "first_name", first, 60)
    if len(middle) > 60:
        return _too_long(line, "middle_name", middle, 60)
    if not last and is_person:
        return _missing(line, "last_name")
    if len(last) > 60:
        return _too_long(line, "last_name", last, 60)
    if len(suffix) > 60:
        return _too_long(line, "suffix", suffix, 60)
    if not business and not is_person:
        return _missing(line, "business_name")
    if len(business) > 100:
        return _too_long(line, "business_name", business, 100)

    ssn: str | None = None
    if ssn_text:
        ssn = normalise_ssn(ssn_text)
        if ssn is None:
            return Reject(
                line,
                "ssn",
                "invalid_ssn",
                f"ssn '{_show(ssn_text)}' is not a possible SSN (9 digits; area not 000, 666 "
                "or 900-999; group not 00; serial not 0000)",
            )
    dob: date | None = None
    if dob_text:
        parsed = _date(dob_text, "date_of_birth", line, bound, today)
        if isinstance(parsed, Reject):
            return parsed
        dob = parsed

    if not address1:
        return _missing(line, "address1")
    if len(address1) > 100:
        return _too_long(line, "address1", address1, 100)
    if len(address2) > 100:
        return _too_long(line, "address2", address2, 100)
    if not city:
        return _missing(line, "city")
    if len(city) > 60:
        return _too_long(line, "city", city, 60)
    if not state:
        return _missing(line, "state")
    state = state.upper()
    if state not in STATES:
        return Reject(
            line,
            "state",
            "invalid_state",
            f"state '{_show(state)}' is not a USPS state, DC, territory or military code",
        )
    if not zip_text:
        return _missing(line, "zip")
    zip_code = normalise_zip(zip_text)
    if zip_code is None:
        return Reject(
            line,
            "zip",
            "invalid_zip",
            f"zip '{_show(zip_text)}' is not a ZIP code (expected 12345 or 12345-6789)",
        )

    phones: tuple[tuple[str, str], ...] = ()
    e164 = normalise_phone(phone1) if phone1 else None
    if phone1 and e164 is None:
        return _bad_phone(line, "phone1", phone1)
    phone1_type = phone1_type.lower()
    if phone1_type not in PHONE_TYPES:
        return _choice(line, "phone1_type", phone1_type, PHONE_TYPES)
    if e164 is not None:
        phones = ((e164, phone1_type),)
    e164_2 = normalise_phone(phone2) if phone2 else None
    if phone2 and e164_2 is None:
        return _bad_phone(line, "phone2", phone2)
    phone2_type = phone2_type.lower()
    if phone2_type not in PHONE_TYPES:
        return _choice(line, "phone2_type", phone2_type, PHONE_TYPES)
    if e164_2 is not None and e164_2 != e164:
        phones = (*phones, (e164_2, phone2_type))

    email: str | None = None
    if email_text:
        if len(email_text) > 254:
            return _too_long(line, "email", email_text, 254)
        email = normalise_email(email_text)
        if email is None:
            return Reject(
                line,
                "email",
                "invalid_email",
                f"email '{_show(email_text)}' is not an email address",
            )

    return PlacementRow(
        ref, creditor, account_no or None, classification, currency,
        principal_minor, interest_minor, fees_minor, costs_minor,
        co_date, co_amount, dofd, item_date, basis, lp_date, rate_ppm, day_count, party_type,
        first or None, middle or None, last or None, suffix or None, business or None,
        ssn, dob, address1, address2 or None, city, state, zip_code, phones, email, line,
    )  # fmt: skip


def _bad_phone(line: int, name: str, text: str) -> Reject:
    return Reject(
        line,
        name,
        "invalid_phone",
        f"{name} '{_show(text)}' is not a valid US phone number (e.g. (617) 555-0123)",
    )


def person_key(row: PlacementRow) -> tuple[str, str, date] | None:
    """Normalised (last name, first name, date of birth) for linking people without an SSN.

    Lowercase, accents stripped, letters only, suffixes dropped. None for businesses, without
    a date of birth, or when a name folds to nothing.
    """
    if row.party_type != "person" or row.date_of_birth is None:
        return None
    last = fold_last_name(row.last_name or "")
    first = fold_name(row.first_name or "")
    if not last or not first:
        return None
    return (last, first, row.date_of_birth)
