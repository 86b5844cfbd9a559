"""Field checks for placement rows: pure functions, fast on the hot path."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final

import babel.numbers
import phonenumbers

# ISO 4217 currencies with two decimal places (our amounts carry at most two); X-codes
# (metals, testing, "no currency") are not money a consumer owes.
CURRENCIES: Final[frozenset[str]] = frozenset(
    code
    for code in babel.numbers.list_currencies()
    if len(code) == 3
    and not code.startswith("X")
    and babel.numbers.get_currency_precision(code) == 2
)

# --- ZIP ---------------------------------------------------------------------------------


def normalise_zip(text: str) -> str | None:
    """``12345``, ``12345-6789`` or ``123456789`` -> 5 or 9 digits; None if not a ZIP."""
    if len(text) == 10 and text[5] == "-":
        text = text[:5] + text[6:]
    if (len(text) == 5 or len(text) == 9) and text.isdigit() and text.isascii():
        return text
    return None


# --- SSN ---------------------------------------------------------------------------------


def normalise_ssn(text: str) -> str | None:
    """9 digits (dashes/spaces allowed) with a possible area, group and serial; else None."""
    digits = text.replace("-", "").replace(" ", "")
    if len(digits) != 9 or not (digits.isdigit() and digits.isascii()):
        return None
    area = digits[:3]
    if area == "000" or area == "666" or area[0] == "9":
        return None
    if digits[3:5] == "00" or digits[5:] == "0000":
        return None
    return digits


# --- Phone -------------------------------------------------------------------------------

_PHONE_SHAPE = re.compile(r"\+?[0-9 ().\-]+")
_NON_DIGIT = re.compile(r"[^0-9]")
# NPA-NXX -> valid? Filled from the first number seen with the prefix, cross-checked with one
# probe line; None: validity depends on the line number too (a handful of Caribbean
# prefixes), so each number is checked.
_PREFIX_VALID: dict[str, bool | None] = {}
_PROBE_LINE: Final = "5555"


def _nanp_valid(national: str) -> bool:
    number = phonenumbers.PhoneNumber(country_code=1, national_number=int(national))
    return bool(phonenumbers.is_valid_number(number))


def _prefix_valid(national: str) -> bool:
    prefix = national[:6]
    try:
        verdict = _PREFIX_VALID[prefix]
    except KeyError:
        verdict = _nanp_valid(national)
        if national[6:] != _PROBE_LINE and _nanp_valid(prefix + _PROBE_LINE) != verdict:
            verdict = None
        _PREFIX_VALID[prefix] = verdict
    return _nanp_valid(national) if verdict is None else verdict


def normalise_phone(text: str) -> str | None:
    """A valid US/NANP number in a common written form -> E.164 ``+1NXXNXXXXXX``; else None.

    Validity follows ``phonenumbers``; it is cached per NPA-NXX prefix (the few prefixes whose
    validity depends on the line number are checked number by number).
    """
    if _PHONE_SHAPE.fullmatch(text) is None:
        return None
    digits = _NON_DIGIT.sub("", text)
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    elif text[0] == "+" or len(digits) != 10:
        return None
    if digits[0] in "01" or digits[3] in "01":
        return None
    return "+1" + digits if _prefix_valid(digits) else None


# --- Email -------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)


def normalise_email(text: str) -> str | None:
    """Pragmatic syntax check; the domain is lowercased. None if it is not an address."""
    match = _EMAIL.fullmatch(text)
    if match is None:
        return None
    local, domain = match.groups()
    if len(local) > 64 or len(domain) > 253:
        return None
    return f"{local}@{domain.lower()}"


# --- Names -------------------------------------------------------------------------------

NAME_SUFFIXES: Final[frozenset[str]] = frozenset(
    {"jr", "sr", "ii", "iii", "iv", "v", "vi", "md", "phd", "esq", "dds", "dvm"}
)


# Names repeat (a book holds a few thousand first names and a long tail of last names), so the
# folds are remembered: an import folds each name up to three times.
_NAMES_REMEMBERED: Final = 1 << 16


@functools.lru_cache(maxsize=_NAMES_REMEMBERED)
def fold_name(text: str) -> str:
    """Lowercase, accents stripped (NFKD), letters only: ``"O'Brien-Núñez"`` -> ``obriennunez``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isalpha()).casefold()


@functools.lru_cache(maxsize=_NAMES_REMEMBERED)
def fold_last_name(text: str) -> str:
    """``fold_name`` after dropping trailing generational/professional suffixes ("Smith Jr.")."""
    tokens = text.replace(",", " ").split()
    while len(tokens) > 1 and fold_name(tokens[-1]) in NAME_SUFFIXES:
        tokens.pop()
    return fold_name(" ".join(tokens))
