"""Writing NACHA ACH files: the records, their controls and the blocking, from plain values.

The caller gives the file's parties, and batches of entries with the full 9-digit routing number
of each receiving bank; everything derived is computed here: each entry's check digit (refused
when the routing number's own does not match), trace numbers, batch and file entry hashes,
debit and credit totals, counts, service class codes and the all-9 padding to a multiple of ten
records. Text fields are upper-cased, stripped of characters outside the ACH character set and
padded or cut to their width; a value that would not fit a numeric field is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from arrears.core.formats.nacha import BLOCKING_FACTOR, RECORD, check_digit, is_debit

# Debits to checking and savings; credits (refunds) to checking and savings.
TRANSACTION_CODES = frozenset({"27", "37", "22", "32"})
_ALLOWED = frozenset(" !\"&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`{|}~%$#")


class AchWriteError(ValueError):
    """A value that cannot be written into an ACH file."""


@dataclass(frozen=True, slots=True)
class OutgoingEntry:
    transaction_code: str
    routing: str  # nine digits, the last one the check digit
    account: str
    amount_minor: int
    individual_id: str
    name: str
    discretionary: str = ""  # WEB: "R " recurring or "S " single; TEL: blank


@dataclass(frozen=True, slots=True)
class OutgoingBatch:
    company_name: str
    company_id: str
    sec: str
    entry_description: str
    effective_date: date
    entries: tuple[OutgoingEntry, ...]
    company_discretionary: str = ""
    descriptive_date: str = ""


@dataclass(frozen=True, slots=True)
class FileParties:
    destination_routing: str  # the ODFI or operator receiving the file: nine digits
    origin: str  # ten characters, usually "1" and the company's tax id
    destination_name: str
    origin_name: str
    odfi: str  # our bank's 8-digit routing number, the start of every trace number
    file_id_modifier: str = "A"
    reference: str = ""


@dataclass(frozen=True, slots=True)
class WrittenFile:
    text: str
    batches: int
    entries: int
    blocks: int
    entry_hash: int
    debit_total_minor: int
    credit_total_minor: int


def _alpha(value: str, width: int) -> str:
    text = "".join(ch for ch in value.upper() if ch in _ALLOWED)
    return text[:width].ljust(width)


def _num(value: int, width: int, what: str) -> str:
    if value < 0 or len(str(value)) > width:
        raise AchWriteError(f"{what} {value} does not fit {width} digits")
    return str(value).rjust(width, "0")


def _digits(value: str, width: int, what: str) -> str:
    if len(value) != width or not value.isdigit() or not value.isascii():
        raise AchWriteError(f"{what} must be {width} digits, got {value!r}")
    return value


def _routing(routing: str, what: str) -> str:
    _digits(routing, 9, what)
    if check_digit(routing[:8]) != int(routing[8]):
        raise AchWriteError(f"{what} {routing} fails its check digit")
    return routing


def write_ach(
    parties: FileParties,
    batches: list[OutgoingBatch],
    created: datetime,
    sequences: Sequence[int] | None = None,
) -> WrittenFile:
    """The file's text (records joined by newlines, ending in one) and its control figures.

    Trace numbers are the ODFI's routing and a 7-digit sequence: 1, 2, 3... in the file, or
    ``sequences`` (one per entry, in order; taken modulo 10^7), so that traces stay unique
    across files and a file written again gets the same ones.
    """
    if not batches:
        raise AchWriteError("a file needs at least one batch")
    odfi = _digits(parties.odfi, 8, "ODFI routing")
    destination = _routing(parties.destination_routing, "immediate destination")
    modifier = parties.file_id_modifier.upper()
    if len(modifier) != 1 or not (modifier.isdigit() or "A" <= modifier <= "Z"):
        raise AchWriteError("the file id modifier is one letter A-Z or digit")
    records = [(
        "1" + "01" + " " + destination + _alpha(parties.origin, 10)
        + created.strftime("%y%m%d") + created.strftime("%H%M") + modifier + "094" + "10" + "1"
        + _alpha(parties.destination_name, 23) + _alpha(parties.origin_name, 23)
        + _alpha(parties.reference, 8)
    )]  # fmt: skip
    total_entries = sum(len(batch.entries) for batch in batches)
    if sequences is not None and len(sequences) != total_entries:
        raise AchWriteError(f"{len(sequences)} trace sequences for {total_entries} entries")
    numbers = iter(sequences) if sequences is not None else iter(range(1, total_entries + 1))
    file_hash = file_debit = file_credit = file_count = 0
    for number, batch in enumerate(batches, start=1):
        if not batch.entries:
            raise AchWriteError(f"batch {number} has no entries")
        debits = [e for e in batch.entries if is_debit(_code(e))]
        service = "225" if len(debits) == len(batch.entries) else "220" if not debits else "200"
        company_id = _alpha(batch.company_id, 10)
        records.append(
            "5" + service + _alpha(batch.company_name, 16)
            + _alpha(batch.company_discretionary, 20) + company_id + _alpha(batch.sec, 3)
            + _alpha(batch.entry_description, 10) + _alpha(batch.descriptive_date, 6)
            + batch.effective_date.strftime("%y%m%d") + "   " + "1" + odfi
            + _num(number, 7, "batch number")
        )  # fmt: skip
        entry_hash = debit = credit = 0
        for entry in batch.entries:
            routing = _routing(entry.routing, f"routing of {entry.individual_id}")
            amount = _num(entry.amount_minor, 10, "amount")
            if entry.amount_minor <= 0:
                raise AchWriteError(f"entry {entry.individual_id}: the amount must be positive")
            trace = next(numbers) % 10**7
            records.append(
                "6" + _code(entry) + routing + _alpha(entry.account, 17)
                + amount + _alpha(entry.individual_id, 15) + _alpha(entry.name, 22)
                + _alpha(entry.discretionary, 2) + "0" + odfi + _num(trace, 7, "trace")
            )  # fmt: skip
            entry_hash += int(routing[:8])
            if is_debit(entry.transaction_code):
                debit += entry.amount_minor
            else:
                credit += entry.amount_minor
        count = len(batch.entries)
        records.append(
            "8" + service + _num(count, 6, "entry count") + _num(entry_hash % 10**10, 10, "hash")
            + _num(debit, 12, "debit total") + _num(credit, 12, "credit total") + company_id
            + " " * 19 + " " * 6 + odfi + _num(number, 7, "batch number")
        )  # fmt: skip
        file_hash += entry_hash
        file_debit += debit
        file_credit += credit
        file_count += count
    blocks = -(-(len(records) + 1) // BLOCKING_FACTOR)
    records.append(
        "9" + _num(len(batches), 6, "batch count") + _num(blocks, 6, "block count")
        + _num(file_count, 8, "entry count") + _num(file_hash % 10**10, 10, "hash")
        + _num(file_debit, 12, "debit total") + _num(file_credit, 12, "credit total") + " " * 39
    )  # fmt: skip
    records.extend(["9" * RECORD] * (blocks * BLOCKING_FACTOR - len(records)))
    for index, record in enumerate(records, start=1):
        assert len(record) == RECORD, f"record {index} is {len(record)} characters"
    return WrittenFile(
        text="\n".join(records) + "\n",
        batches=len(batches),
        entries=file_count,
        blocks=blocks,
        entry_hash=file_hash % 10**10,
        debit_total_minor=file_debit,
        credit_total_minor=file_credit,
    )


def _code(entry: OutgoingEntry) -> str:
    if entry.transaction_code not in TRANSACTION_CODES:
        raise AchWriteError(
            f"transaction code {entry.transaction_code!r} is not one of "
            f"{', '.join(sorted(TRANSACTION_CODES))}"
        )
    return entry.transaction_code
