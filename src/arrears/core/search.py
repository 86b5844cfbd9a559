"""Reading what a collector types into the search box, and matching names despite typos.

A search box takes anything: an account number, a client's reference, a phone number, an email
address, an SSN (full or last four), a ZIP code or a name. :func:`parse_query` lists every
reading of the text that could be meant (``4411`` may be an account number, a client reference
or an SSN's last four), and the search looks each one up through an index.

Names are found through sound keys. Each party stores a key of its last and of its first name
(:func:`sound_key`): the name's first letter and the set of Soundex consonant classes of its
other letters, in order of class (``Smith`` -> ``S35``). Vowels, ``h``, ``w``, ``y``, doubled
letters and the order of the consonants do not count, so the usual typos keep the key: a
changed vowel (``Smeth``), two letters swapped (``Harirs``, ``Jonh Smiht``), a letter doubled or
dropped when another of its class remains. A typed name looks up the parties whose two keys
equal the typed words' keys, in either order, then ranks them by Jaro-Winkler similarity of
each name (:func:`name_score`). A typo in a name's first letter changes its key's letter only,
and is caught by a second look-up over the other first letters.
"""

from __future__ import annotations

import contextlib
import functools
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


# Soundex's consonant classes; vowels, h, w and y carry no class.
_CLASS = {letter: str(code) for code, letters in enumerate(
    ("bfpv", "cgjkqsxz", "dt", "l", "mn", "r"), start=1) for letter in letters}  # fmt: skip


@functools.lru_cache(maxsize=1 << 16)  # names repeat; an import keys two a row
def sound_key(word: str) -> str:
    """A name's first letter and its other consonants' classes, as a set in class order.

    ``Smith``, ``Smiht``, ``Smyth`` and ``Smitth`` -> ``S35``; empty for a word with no letters.
    """
    letters = fold(word)
    if not letters:
        return ""
    classes = sorted({_CLASS[ch] for ch in letters[1:] if ch in _CLASS})
    return letters[0].upper() + "".join(classes)


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

    With two or more words, the first and last typed words are compared with the first and last
    name (in whichever order fits better), each by Jaro-Winkler similarity, and averaged; typed
    middle words count a tenth against the middle name when the party has one. One word is
    compared with the last name, or, a little less, with the first. A business compares the
    whole typed text with its name.
    """
    if not words:
        return 0.0
    first, middle, last = fold(first_name), fold(middle_name), fold(last_name)

    def sim(a: str, b: str) -> float:
        return jellyfish.jaro_winkler_similarity(a, b) if a and b else 0.0

    if business_name and not (first or last):
        business = "".join(fold(w) for w in business_name.split())
        return sim("".join(words), business)
    if len(words) == 1:
        return max(sim(words[0], last), 0.9 * sim(words[0], first))
    head, tail = words[0], words[-1]
    score = max((sim(head, first) + sim(tail, last)) / 2, (sim(tail, first) + sim(head, last)) / 2)
    typed_middle = "".join(words[1:-1])
    if typed_middle and middle:
        other = middle[: len(typed_middle)] if len(typed_middle) == 1 else middle
        score = 0.9 * score + 0.1 * sim(typed_middle, other)
    return score
