"""Normal forms of identifiers, so equal values index equally."""

from __future__ import annotations


def normalize_ssn(text: str) -> str:
    """Digits only; raises ValueError unless exactly nine digits remain."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) != 9:
        raise ValueError("an SSN has nine digits")
    return digits


def mask_ssn(last4: str | None) -> str:
    return f"***-**-{last4}" if last4 else "not on file"


def normalize_phone_digits(text: str) -> str:
    """National significant digits of a NANP number: ``+1 (617) 555-0123`` -> ``6175550123``."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise ValueError("a NANP phone number has ten digits")
    return digits


def normalize_email(text: str) -> str:
    return text.strip().lower()
