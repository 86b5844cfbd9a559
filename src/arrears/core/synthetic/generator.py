"""Deterministic synthetic placement files in the default layout.

``generate_placements(accounts=1_000_000, seed=7, bad_fraction=0.02, today=...)`` streams rows
(constant memory) and, once they have all been read, a manifest of what the validator and the
import must find: every bad line with its one defect, and the number of distinct parties.

Determinism: one ``random.Random(seed)`` drives everything; nothing depends on ``hash()`` of
a string or on set order. Uniqueness without memory: people's (last name, first name, date of
birth) and SSNs come from keyed permutations of the person number, so two people never share
them by accident; deliberate "twins" (same name and birth date, different SSNs) are added on
purpose and counted as two parties, as the import links them.
"""

from __future__ import annotations

import math
import random
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any, Final

from arrears.core.formats.placements import (
    DEFAULT_HEADER,
    FIELD_NAMES,
    REJECT_CODES,
    normalise_phone,
)
from arrears.core.synthetic._data import (
    BUSINESS_FORMS,
    BUSINESS_TRADES,
    BUSINESS_WORDS,
    CITIES,
    CREDITORS,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    MIDDLE_NAMES,
    STREET_NAMES,
    STREET_TYPES,
    SUFFIXES,
    UNIT_WORDS,
)

_I: Final = {name: i for i, name in enumerate(FIELD_NAMES)}
_PERSON_START: Final = _I["party_type"]  # fields from here on describe the party
_DOB_START: Final = date(1940, 1, 1).toordinal()
_DOB_DAYS: Final = date(2004, 12, 31).toordinal() - _DOB_START + 1
_SSN_AREAS: Final = 898  # 001-665 and 667-899
_SSN_SPACE: Final = _SSN_AREAS * 99 * 9999
_BUSINESS_SPACE: Final = (
    len(BUSINESS_WORDS) * (len(BUSINESS_WORDS) - 1) * len(BUSINESS_TRADES) * len(BUSINESS_FORMS)
)

# Every reject code but wrong_field_count (a generated row always has the header's width).
DEFECTS: Final[tuple[str, ...]] = tuple(c for c in REJECT_CODES if c != "wrong_field_count")
"""The defects a bad synthetic row carries (exactly one each)."""


class _Shuffle:
    """A keyed permutation of ``range(n)``: a 4-round Feistel network with cycle walking."""

    __slots__ = ("half", "k0", "k1", "k2", "k3", "mask", "n")

    def __init__(self, n: int, rng: random.Random) -> None:
        bits = max(2, (n - 1).bit_length())
        bits += bits & 1
        self.n = n
        self.half = bits // 2
        self.mask = (1 << self.half) - 1
        self.k0, self.k1, self.k2, self.k3 = (rng.getrandbits(32) for _ in range(4))

    def __call__(self, i: int) -> int:
        half, mask, n = self.half, self.mask, self.n
        x = i
        while True:
            left, right = x >> half, x & mask
            for key in (self.k0, self.k1, self.k2, self.k3):
                mixed = ((right ^ key) * 0x2C1B3C6D + key) & 0xFFFFFFFF
                left, right = right, left ^ ((mixed ^ (mixed >> 13)) & mask)
            x = (left << half) | right
            if x < n:
                return x


@dataclass
class _State:
    rows: int = 0
    parties: int = 0
    bad_lines: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False


class Generated:
    """A synthetic placement file: ``header``, streaming ``rows``, then ``manifest()``."""

    def __init__(self, header: list[str], rows: Iterator[list[str]], state: _State) -> None:
        self.header = header
        self.rows = rows
        self._state = state

    def manifest(self) -> dict[str, Any]:
        """``{"rows": N, "bad_lines": [{"line", "defect"}...], "parties": P}``.

        Only once every row has been read: raises RuntimeError before that.
        """
        state = self._state
        if not state.done:
            raise RuntimeError("read every row before asking for the manifest")
        return {"rows": state.rows, "bad_lines": list(state.bad_lines), "parties": state.parties}


def generate_placements(
    *, accounts: int, seed: int, bad_fraction: float = 0.0, today: date
) -> Generated:
    """A deterministic placement file of ``accounts`` rows (same seed -> same rows)."""
    if accounts < 0:
        raise ValueError("accounts must be 0 or more")
    if not 0.0 <= bad_fraction <= 1.0:
        raise ValueError("bad_fraction must be between 0 and 1")
    state = _State()
    maker = _Maker(seed=seed, today=today)
    return Generated(list(DEFAULT_HEADER), _rows(maker, state, accounts, bad_fraction), state)


def _rows(maker: _Maker, state: _State, accounts: int, bad_fraction: float) -> Iterator[list[str]]:
    rng = maker.rng
    pool: list[list[Any]] = []  # [person fields, accounts still to place]
    recent_refs: list[str] = []
    for index in range(accounts):
        line = index + 2
        state.rows = index + 1
        if bad_fraction and rng.random() < bad_fraction:
            defect = DEFECTS[rng.randrange(len(DEFECTS))]
            if defect == "duplicate_reference" and not recent_refs:
                defect = "missing_required"
            row = maker.bad_row(index, defect, recent_refs)
            state.bad_lines.append({"line": line, "defect": defect})
            yield row
            continue
        if pool and rng.random() < 0.25:
            slot = rng.randrange(len(pool))
            person, left = pool[slot]
            if left <= 1:
                pool[slot] = pool[-1]
                pool.pop()
            else:
                pool[slot][1] = left - 1
        else:
            person = maker.person()
            state.parties += 1
            if rng.random() < 0.15 and len(pool) < 256:
                pool.append([person, rng.randint(1, 3)])
        row = maker.account(index) + person
        ref = row[0]
        if len(recent_refs) < 64:
            recent_refs.append(ref)
        else:
            recent_refs[rng.randrange(64)] = ref
        yield row
    state.done = True


class _Maker:
    """Builds accounts and people from one RNG."""

    def __init__(self, *, seed: int, today: date) -> None:
        self.rng = rng = random.Random(seed)
        self.today = today
        self.today_ord = today.toordinal()
        self.tag = "".join(rng.choice("BCDFGHJKLMNPQRSTVWXZ") for _ in range(3))
        self.identity = _Shuffle(len(LAST_NAMES) * len(FIRST_NAMES) * _DOB_DAYS, rng)
        self.ssns = _Shuffle(_SSN_SPACE, rng)
        self.businesses = _Shuffle(_BUSINESS_SPACE, rng)
        self.people = 0
        self.business_count = 0
        self.last_ssn_identity: tuple[str, str, str] | None = None
        # Each area code gets a fixed set of working exchanges, as a real one has.
        self.exchanges: dict[str, tuple[str, ...]] = {}
        for _city, _state, _zip, codes in CITIES:
            for npa in codes:
                if npa not in self.exchanges:
                    self.exchanges[npa] = self._exchanges(npa)

    # --- accounts ------------------------------------------------------------------------

    def ref(self, index: int) -> str:
        return f"A{self.tag}{index + 1:08d}"

    def account(self, index: int) -> list[str]:
        u = self.rng.random
        creditor, klass, style = _one(u, CREDITORS)
        principal = int(min(25_000.0, max(50.0, math.exp(self.rng.gauss(6.9, 1.0)))) * 100)
        principal = min(principal + int(u() * 100), 2_500_000)
        interest = fees = costs = 0
        rate = ""
        day_count = ""
        if u() < 0.6:
            rate = f"{int(u() * 2400) / 100:.2f}" if u() < 0.9 else "0"
            day_count = _one(u, ("actual/365", "actual/365", "actual/360", "30/360"))
        if u() < 0.4:
            interest = principal * _between(u, 1, 29) // 100
        if u() < 0.25:
            fees = _one(u, (2500, 3500, 3900, 4000, 7500, 15000))
        if u() < 0.03:
            costs = _between(u, 5000, 40000)
        co = self.today_ord - _between(u, 30, 6 * 365)
        dofd = co - _between(u, 30, 180)
        co_text = date.fromordinal(co).isoformat()
        last_payment = ""
        if u() < 0.6:
            last_payment = date.fromordinal(dofd - _between(u, 1, 120)).isoformat()
        if style == "card":
            number = f"4{_between(u, 10**14, 10**15 - 1)}"
        elif style == "medical":
            number = f"MRN{_between(u, 10**6, 10**7 - 1)}"
        elif style == "telecom":
            number = f"{_between(u, 10**8, 10**9 - 1)}-{_between(u, 1, 98):02d}"
        else:
            number = f"{_between(u, 10**9, 10**10 - 1)}"
        return [
            self.ref(index), creditor, number, klass, "USD", _money(principal),
            _money(interest) if interest else "", _money(fees) if fees else "",
            _money(costs) if costs else "", co_text,
            _money(principal + interest + fees) if u() < 0.8 else "",
            date.fromordinal(dofd).isoformat(), co_text, "charge_off", last_payment, rate,
            day_count,
        ]  # fmt: skip

    # --- people --------------------------------------------------------------------------

    def _exchanges(self, npa: str) -> tuple[str, ...]:
        u = self.rng.random
        found: list[str] = []
        while len(found) < 40:
            nxx = _between(u, 200, 999)
            if nxx % 100 == 11 or nxx == 555 or f"{nxx}" in found:
                continue
            if normalise_phone(f"{npa}{nxx}5555") is not None:
                found.append(f"{nxx}")
        return tuple(found)

    def _phone(self, codes: tuple[str, ...]) -> str:
        u = self.rng.random
        while True:
            npa = _one(u, codes)
            digits = f"{npa}{_one(u, self.exchanges[npa])}{int(u() * 10000):04d}"
            if normalise_phone(digits) is None:
                continue
            style = int(u() * 5)
            if style == 0:
                return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
            if style == 1:
                return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
            if style == 2:
                return digits
            if style == 3:
                return f"+1 {digits[:3]} {digits[3:6]} {digits[6:]}"
            return f"{digits[:3]}.{digits[3:6]}.{digits[6:]}"

    def _address(self, *, business: bool) -> tuple[str, str, str, str, str, tuple[str, ...]]:
        u = self.rng.random
        city, state, zip5, codes = _one(u, CITIES)
        street = f"{_between(u, 1, 9899)} {_one(u, STREET_NAMES)} {_one(u, STREET_TYPES)}"
        unit = ""
        if business and u() < 0.5:
            unit = f"Suite {_between(u, 1, 40) * 10}"
        elif not business and u() < 0.2:
            unit = f"{_one(u, UNIT_WORDS)} {_between(u, 1, 30)}{_one(u, ('A', 'B', 'C', ''))}"
        zip_code = f"{int(zip5) + int(u() * 6):05d}"
        if u() < 0.15:
            zip_code += f"-{_between(u, 1, 9999):04d}"
        return street, unit, city, state, zip_code, codes

    def _ssn(self) -> str:
        j = self.ssns(self.people)
        area, rest = divmod(j, 99 * 9999)
        group, serial = divmod(rest, 9999)
        area += 1
        if area >= 666:
            area += 1
        text = f"{area:03d}{group + 1:02d}{serial + 1:04d}"
        return f"{text[:3]}-{text[3:5]}-{text[5:]}" if self.rng.random() < 0.8 else text

    def person(self, *, fresh: bool = False) -> list[str]:
        """A new party's fields (``party_type`` onwards). ``fresh``: never a twin, no pool."""
        rng = self.rng
        self.people += 1
        if not fresh and rng.random() < 0.05:
            return self._business()
        twin = self.last_ssn_identity
        is_twin = not fresh and twin is not None and rng.random() < 0.005
        if is_twin and twin is not None:
            first, last, dob = twin
            self.last_ssn_identity = None
        else:
            j = self.identity(self.people)
            j, day = divmod(j, _DOB_DAYS)
            last_i, first_i = divmod(j, len(FIRST_NAMES))
            first, last = FIRST_NAMES[first_i], LAST_NAMES[last_i]
            dob = date.fromordinal(_DOB_START + day).isoformat()
        ssn = self._ssn() if is_twin or rng.random() < 0.85 else ""
        if ssn and not fresh:
            self.last_ssn_identity = (first, last, dob)
        u = rng.random
        middle = _one(u, MIDDLE_NAMES) if u() < 0.3 else ""
        suffix = _one(u, SUFFIXES) if u() < 0.03 else ""
        street, unit, city, state, zip_code, codes = self._address(business=False)
        phone1 = self._phone(codes) if u() < 0.9 else ""
        phone1_type = _one(u, ("mobile", "mobile", "mobile", "home", "work"))
        phone2 = ""
        phone2_type = ""
        if phone1 and u() < 0.3:
            phone2 = self._phone(codes)
            phone2_type = _one(u, ("home", "work", "mobile", "other"))
        email = ""
        if u() < 0.7:
            local = _ascii(first) + _one(u, (".", "_", "")) + _ascii(last)
            if u() < 0.5:
                local += str(_between(u, 1, 99))
            email = f"{local}@{_one(u, EMAIL_DOMAINS)}"
        return [
            "person", first, middle, last, suffix, "", ssn, dob, street, unit, city, state,
            zip_code, phone1, phone1_type if phone1 else "", phone2, phone2_type, email,
        ]  # fmt: skip

    def _business(self) -> list[str]:
        rng = self.rng
        number = self.business_count
        self.business_count += 1
        name = _business_name(self.businesses(number % _BUSINESS_SPACE))
        if number >= _BUSINESS_SPACE:
            name += f" {number // _BUSINESS_SPACE + 1}"
        street, unit, city, state, zip_code, codes = self._address(business=True)
        phone1 = self._phone(codes)
        email = ""
        if rng.random() < 0.5:
            email = f"billing@{_ascii(name.split()[0])}{number}.com"
        return [
            "business", "", "", "", "", name, "", "", street, unit, city, state, zip_code,
            phone1, "work", "", "", email,
        ]  # fmt: skip

    # --- bad rows ------------------------------------------------------------------------

    def bad_row(self, index: int, defect: str, recent_refs: list[str]) -> list[str]:
        """A row with exactly one defect, for a one-off person."""
        rng = self.rng
        row = self.account(index) + self.person(fresh=True)
        at = _I
        pick = rng.randrange
        if defect == "missing_required":
            name = (
                "client_account_ref", "original_creditor", "principal",
                "date_of_first_delinquency", "itemization_date", "first_name", "last_name",
                "address1", "city", "state", "zip",
            )[pick(11)]  # fmt: skip
            row[at[name]] = ""
        elif defect == "invalid_date":
            name = ("charge_off_date", "date_of_first_delinquency", "itemization_date",
                    "last_payment_date", "date_of_birth")[pick(5)]  # fmt: skip
            year = row[at[name]][:4] or "2020"
            row[at[name]] = (f"{year}-02-30", f"{year}-13-01", f"03/15/{year}", "unknown",
                            f"{year}-2-3", f"{year}-04-31")[pick(6)]  # fmt: skip
        elif defect == "future_date":
            name = ("charge_off_date", "last_payment_date", "date_of_birth")[pick(3)]
            row[at[name]] = date.fromordinal(
                self.today_ord + (1 + int(rng.random() * (400 - 1 + 1)))
            ).isoformat()
        elif defect == "date_order":
            co = date.fromisoformat(row[at["charge_off_date"]])
            if rng.random() < 0.5:
                row[at["date_of_first_delinquency"]] = (
                    co + timedelta(days=(1 + int(rng.random() * (20 - 1 + 1))))
                ).isoformat()
            else:
                dofd = date.fromisoformat(row[at["date_of_first_delinquency"]])
                row[at["itemization_date"]] = (
                    dofd - timedelta(days=(1 + int(rng.random() * (60 - 1 + 1))))
                ).isoformat()
        elif defect == "invalid_amount":
            name = ("principal", "principal", "interest", "fees", "costs",
                    "charge_off_amount")[pick(6)]  # fmt: skip
            row[at[name]] = ("12.345", "1,23.00", "abc", "-250.00", "$12,34", "1.2.3", "12 50",
                            "1e3")[pick(8)]  # fmt: skip
        elif defect == "zero_balance":
            row[at["principal"]] = ("0", "0.00", "$0.00")[pick(3)]
            for name in ("interest", "fees", "costs"):
                row[at[name]] = ("", "0", "0.00")[pick(3)]
        elif defect == "invalid_currency":
            row[at["currency"]] = ("US$", "DOLLARS", "USDD", "XYZ", "$")[pick(5)]
        elif defect == "invalid_state":
            row[at["state"]] = ("XX", "ZZ", "Calif", "QC", "ON", "UK", "N.Y.")[pick(7)]
        elif defect == "invalid_zip":
            row[at["zip"]] = ("1234", "123456", "ABCDE", "12345-67", "0213", "12 345")[pick(6)]
        elif defect == "invalid_phone":
            name = "phone1" if rng.random() < 0.7 or not row[at["phone1"]] else "phone2"
            row[at[name]] = ("555-0123", "(123) 456-7890", "+44 20 7946 0958", "617-055-0123",
                            "call me", "(555) 123-4567", "617-555-01234")[pick(7)]  # fmt: skip
        elif defect == "invalid_email":
            row[at["email"]] = ("jane.doe@", "jane@@example.com", "jane@example",
                               "jane doe@example.com", "@example.com", "jane@exa_mple.com",
                               "jane.@example.com")[pick(7)]  # fmt: skip
        elif defect == "invalid_ssn":
            row[at["ssn"]] = ("000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567",
                             "123-45-0000", "12345678", "1234567890", "12-345-678X")[pick(8)]  # fmt: skip
        elif defect == "invalid_rate":
            row[at["interest_rate"]] = ("101", "-1", "18.99999", "abc", "12,5", "250%")[pick(6)]
        elif defect == "invalid_choice":
            name, value = (
                ("party_type", "individual"), ("phone1_type", "cell"),
                ("interest_day_count", "act/365"), ("itemization_basis", "statement"),
                ("creditor_classification", "16"), ("creditor_classification", "99"),
            )[pick(6)]  # fmt: skip
            row[at[name]] = value
        elif defect == "too_long":
            name, limit = (
                ("client_account_ref", 50), ("original_creditor", 100), ("first_name", 60),
                ("last_name", 60), ("address1", 100), ("city", 60),
            )[pick(6)]  # fmt: skip
            base = row[at[name]] or "X"
            row[at[name]] = (base + " " + "Longfield" * 20)[: limit + 1 + pick(10)]
        elif defect == "duplicate_reference":
            row[0] = recent_refs[pick(len(recent_refs))]
        else:  # pragma: no cover - DEFECTS is closed
            raise ValueError(defect)
        return row


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _one[T](u: Callable[[], float], items: Sequence[T]) -> T:
    """A uniform choice; cheaper than ``Random.choice`` on the same stream."""
    return items[int(u() * len(items))]


def _between(u: Callable[[], float], low: int, high: int) -> int:
    """A uniform integer in [low, high]."""
    return low + int(u() * (high - low + 1))


@cache
def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _business_name(j: int) -> str:
    words = len(BUSINESS_WORDS)
    j, first = divmod(j, words)
    j, second = divmod(j, words - 1)
    if second >= first:
        second += 1
    form, trade = divmod(j, len(BUSINESS_TRADES))
    return (
        f"{BUSINESS_WORDS[first]} {BUSINESS_WORDS[second]} {BUSINESS_TRADES[trade]} "
        f"{BUSINESS_FORMS[form]}"
    )
