"""Reading what a collector types into the search box, and matching names despite typos.

A search box takes anything: an account number, a client's reference, a phone number, an email
address, an SSN (full or last four), a ZIP code or a name. :func:`parse_query` lists every
reading of the text that could be meant (``4411`` may be an account number, a client reference
or an SSN's last four), and the search looks each one up through an index.

Names are found through sound keys. Each party stores the American Soundex code of its last and
first name (:func:`name_keys`); a typed name looks up the parties whose two codes equal the
typed words' codes, in either order, then ranks them by Jaro-Winkler similarity of the whole
name (:func:`name_score`). Soundex ignores vowels, ``h``, ``w`` and doubled letters and groups
similar consonants, so the usual typos (``Jonh Smiht``, ``Smyth``, ``Jon``) keep the code; a typo
in a name's first letter does not, and is caught by a second look-up on the other name's code
alone.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass, field

import jellyfish

from arrears.core.pii.normalize import normalize_email, normalize_phone_digits

_LETTERS = re.compile(r"[^a-z]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ZIP = re.compile(r"^\d{5}(-?\d{4})?$")
_SSN = re.compile(r"^\d{3}-?\d{2}-?\d{4}$")
_PHONE_CHARS = re.compile(r"^[\d\s().+-]+$")
# Words a business name carries that say nothing about which business it is.
_BUSINESS_NOISE = frozenset(
    {"the", "inc", "llc", "ltd", "co", "corp", "company", "corporation", "and", "of", "lp", "llp"}
)
# Prefixes that name what the rest of the query is: "ssn:1234", "zip 14201".
_KINDS = {
    "acct": "account",
    "account": "account",
    "ref": "client_ref",
    "ssn": "ssn",
    "phone": "phone",
    "tel": "phone",
    "email": "email",
    "zip": "zip",
    "name": "name",
}


def fold(text: str) -> str:
    """Lower case ASCII letters only: accents folded, punctuation and spaces dropped."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _LETTERS.sub("", ascii_text)


def sound_key(word: str) -> str:
    """The Soundex code of a name (``Smith`` and ``Smiht`` -> ``S530``); empty for no letters."""
    letters = fold(word)
    return jellyfish.soundex(letters) if letters else ""


def name_keys(
    *, first_name: str = "", last_name: str = "", business_name: str = ""
) -> tuple[str, str]:
    """The (last, first) sound keys a party is found by.

    A business is keyed by the first two words of its name that say which business it is
    (``The Acme Supply Co`` -> keys of ``Acme`` and ``Supply``).
    """
    if business_name and not (first_name or last_name):
        words = [w for w in business_name.split() if fold(w) and fold(w) not in _BUSINESS_NOISE]
        words += ["", ""]
        return sound_key(words[0]), sound_key(words[1])
    return sound_key(last_name), sound_key(first_name)


@dataclass(frozen=True)
class SearchQuery:
    """Every reading of a search text; each list is empty when the text cannot mean it."""

    text: str
    account_ids: tuple[int, ...] = ()
    client_refs: tuple[str, ...] = ()
    ssn: str | None = None
    ssn_last4: str | None = None
    phone_digits: str | None = None
    email: str | None = None
    zip_code: str | None = None
    name_words: tuple[str, ...] = ()
    name_pairs: tuple[tuple[str, str], ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not (
            self.account_ids
            or self.client_refs
            or self.ssn
            or self.ssn_last4
            or self.phone_digits
            or self.email
            or self.zip_code
            or self.name_words
        )


def _name_reading(text: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Name words and the (last key, first key) pairs they may mean.

    ``Smith, John`` names the last name first; otherwise both orders are tried, since collectors
    type ``John Smith`` and ``Smith John`` alike. Middle names and initials are left out of the
    keys but kept in the words the ranking compares.
    """
    last_first = "," in text
    words = tuple(w for w in (fold(part) for part in text.replace(",", " ").split()) if w)
    if not words:
        return (), ()
    if len(words) == 1:
        return words, ((sound_key(words[0]), ""),)
    head, tail = sound_key(words[0]), sound_key(words[-1])
    pairs = [(head, tail)] if last_first else [(tail, head), (head, tail)]
    return words, tuple(dict.fromkeys(pairs))


def parse_query(text: str) -> SearchQuery:
    """Every way the text can be read; an unrecognisable text reads as a name."""
    text = " ".join(text.split())
    if not text:
        return SearchQuery(text="")
    kind = None
    head, sep, rest = text.partition(":")
    if not sep:
        head, sep, rest = text.partition(" ")
    if sep and head.lower() in _KINDS and rest.strip():
        kind, text = _KINDS[head.lower()], rest.strip()
    compact = text.replace(" ", "")

    def wanted(name: str) -> bool:
        return kind is None or kind == name

    readings: dict[str, object] = {}
    if wanted("account") and compact.isdigit() and len(compact) <= 18:
        readings["account_ids"] = (int(compact),)
    if wanted("client_ref") and " " not in text and len(text) <= 40 and kind != "name":
        readings["client_refs"] = (text,)
    if wanted("ssn") and _SSN.match(compact):
        readings["ssn"] = compact.replace("-", "")
    if wanted("ssn") and compact.isdigit() and len(compact) == 4:
        readings["ssn_last4"] = compact
    if wanted("phone") and _PHONE_CHARS.match(text):
        with contextlib.suppress(ValueError):
            readings["phone_digits"] = normalize_phone_digits(text)
    if wanted("email") and _EMAIL.match(text):
        readings["email"] = normalize_email(text)
    if wanted("zip") and _ZIP.match(compact):
        readings["zip_code"] = compact.replace("-", "")
    if wanted("name") and any(ch.isalpha() for ch in text) and "@" not in text:
        words, pairs = _name_reading(text)
        readings["name_words"] = words
        readings["name_pairs"] = pairs
    return SearchQuery(text=text, **readings)  # type: ignore[arg-type]


def name_score(
    words: tuple[str, ...],
    *,
    first_name: str = "",
    middle_name: str = "",
    last_name: str = "",
    business_name: str = "",
) -> float:
    """How closely a party's name matches the typed words, from 0 to 1 (1: the same letters).

    The typed words are compared, as one string, with the name written first-last, last-first
    and with its middle name, and the best Jaro-Winkler similarity counts.
    """
    typed = " ".join(words)
    if not typed:
        return 0.0
    first, middle, last = fold(first_name), fold(middle_name), fold(last_name)
    if business_name and not (first or last):
        candidates = [" ".join(fold(w) for w in business_name.split() if fold(w))]
    elif len(words) == 1:
        candidates = [last, first]
    else:
        candidates = [f"{first} {last}", f"{last} {first}"]
        if middle:
            candidates += [f"{first} {middle} {last}", f"{first} {middle[:1]} {last}"]
    scores = [jellyfish.jaro_winkler_similarity(typed, c) for c in candidates if c.strip()]
    return max(scores, default=0.0)
