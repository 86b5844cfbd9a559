"""Reading NACHA ACH files: every record parsed and every control total checked.

A file is 94-character records: a file header (1), batches of a header (5), entries (6) with their
addenda (7) and a control (8), then the file control (9) and all-9 padding to a multiple of ten
records. Records come one a line, or back to back with no line breaks at all. A line shorter than
94 characters is taken as a record whose trailing blanks were stripped, unless it ends in a blank
itself: then it was cut short.

:func:`read_ach` returns the file or raises :class:`AchError` naming the first bad line. Checked:
record lengths, types and order; numeric fields; each entry's RDFI check digit; each batch's
entry and addenda count, entry hash, debit and credit totals, service class and batch number
against its control; the file control's batch, block and entry counts, hash and totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final

RECORD: Final = 94
BLOCKING_FACTOR: Final = 10
_PADDING: Final = "9" * RECORD
# The SEC codes of entries whose records follow the layouts read here.
SEC_CODES: Final = frozenset(
    {"PPD", "WEB", "TEL", "CCD", "COR", "ARC", "BOC", "POP", "RCK", "CIE", "CTX", "IAT"}
)
_WEIGHTS: Final = (3, 7, 1, 3, 7, 1, 3, 7)


class AchError(ValueError):
    """A file that is not a well-formed ACH file; ``line`` is the 1-based record it stops at."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def check_digit(routing8: str) -> int:
    """The check digit of an 8-digit routing number: weights 3, 7, 1 repeated, modulo 10."""
    total = sum(int(digit) * weight for digit, weight in zip(routing8, _WEIGHTS, strict=True))
    return (10 - total % 10) % 10


def is_debit(transaction_code: str) -> bool:
    """Debit codes end in 5 to 9 (27 checking debit, 37 savings, 26 a returned debit, ...)."""
    return transaction_code[1] in "56789"


@dataclass(frozen=True)
class Addenda:
    line: int
    type_code: str
    # 05: payment_information; 98 (notification of change): change_code, original_trace,
    # original_rdfi, corrected_data; 99 (return): return_code, original_trace, date_of_death,
    # original_rdfi, information.
    fields: dict[str, str]
    trace: str


@dataclass(frozen=True)
class Entry:
    line: int
    transaction_code: str
    rdfi: str
    check_digit: int
    account: str
    amount_minor: int
    individual_id: str
    name: str
    discretionary: str
    addenda_indicator: str
    trace: str
    addenda: tuple[Addenda, ...] = ()

    @property
    def debit(self) -> bool:
        return is_debit(self.transaction_code)


@dataclass(frozen=True)
class Batch:
    line: int
    service_class: str
    company_name: str
    company_discretionary: str
    company_id: str
    sec: str
    entry_description: str
    descriptive_date: str
    effective_date: str
    originator_status: str
    odfi: str
    number: int
    entries: tuple[Entry, ...]
    entry_hash: int
    debit_total_minor: int
    credit_total_minor: int

    @property
    def entries_and_addenda(self) -> int:
        return sum(1 + len(entry.addenda) for entry in self.entries)


@dataclass(frozen=True)
class AchFile:
    immediate_destination: str
    immediate_origin: str
    creation_date: str
    creation_time: str
    file_id_modifier: str
    destination_name: str
    origin_name: str
    reference: str
    batches: tuple[Batch, ...]
    blocks: int
    entry_hash: int
    debit_total_minor: int
    credit_total_minor: int
    records: int = field(default=0)

    @property
    def entries_and_addenda(self) -> int:
        return sum(batch.entries_and_addenda for batch in self.batches)


def records(text: str) -> list[str]:
    """The file's 94-character records, with the reasons a record is refused."""
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) == 1 and len(lines[0]) > RECORD and len(lines[0]) % RECORD == 0:
        # Records back to back without line breaks.
        whole = lines[0]
        return [whole[i : i + RECORD] for i in range(0, len(whole), RECORD)]
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        if len(line) > RECORD:
            raise AchError(number, f"the record is {len(line)} characters long, not {RECORD}")
        if len(line) < RECORD:
            if not line or line[-1] == " ":
                raise AchError(
                    number, f"the record is cut short at {len(line)} characters, not {RECORD}"
                )
            line = line.ljust(RECORD)
        out.append(line)
    return out


def _number(record: str, start: int, end: int, line: int, what: str) -> int:
    text = record[start - 1 : end]
    if not (text.isdigit() and text.isascii()):
        raise AchError(line, f"{what} (positions {start}-{end}) is not a number: {text!r}")
    return int(text)


def _text(record: str, start: int, end: int) -> str:
    return record[start - 1 : end].strip()


def read_ach(text: str) -> AchFile:
    """Parse and check a whole ACH file; raise :class:`AchError` at the first problem."""
    recs = records(text)
    if not recs:
        raise AchError(1, "the file is empty")
    if not recs[0].startswith("101"):
        raise AchError(1, "the file does not start with a file header record ('101')")
    header = recs[0]
    if header[34:37] != "094" or header[37:39] != "10":
        raise AchError(1, "the file header's record size and blocking factor are not 094 and 10")
    batches: list[Batch] = []
    index = 1
    control_at: int | None = None
    while index < len(recs):
        record = recs[index]
        line = index + 1
        kind = record[0]
        if kind == "5":
            batch, index = _batch(recs, index)
            batches.append(batch)
            continue
        if kind == "9" and record != _PADDING:
            control_at = index
            break
        raise AchError(line, f"a record of type {kind!r} where a batch header (5) or the file "
                             "control (9) should be")  # fmt: skip
    if control_at is None:
        raise AchError(len(recs), "the file has no file control record (9)")
    for later in range(control_at + 1, len(recs)):
        if recs[later] != _PADDING:
            raise AchError(later + 1, "only all-9 padding records may follow the file control")
    return _file(header, recs, control_at, tuple(batches))


def _file(header: str, recs: list[str], at: int, batches: tuple[Batch, ...]) -> AchFile:
    control = recs[at]
    line = at + 1
    declared_batches = _number(control, 2, 7, line, "the batch count")
    blocks = _number(control, 8, 13, line, "the block count")
    count = _number(control, 14, 21, line, "the entry and addenda count")
    entry_hash = _number(control, 22, 31, line, "the entry hash")
    debits = _number(control, 32, 43, line, "the debit total")
    credits = _number(control, 44, 55, line, "the credit total")
    expect = [
        ("batch count", declared_batches, len(batches)),
        ("block count", blocks, -(-len(recs) // BLOCKING_FACTOR)),
        ("entry and addenda count", count, sum(b.entries_and_addenda for b in batches)),
        ("entry hash", entry_hash, sum(b.entry_hash for b in batches) % 10**10),
        ("debit total", debits, sum(b.debit_total_minor for b in batches)),
        ("credit total", credits, sum(b.credit_total_minor for b in batches)),
    ]
    for what, declared, actual in expect:
        if declared != actual:
            raise AchError(line, f"the file control's {what} is {declared}; the file has {actual}")
    return AchFile(
        immediate_destination=_text(header, 4, 13),
        immediate_origin=_text(header, 14, 23),
        creation_date=header[23:29],
        creation_time=_text(header, 30, 33),
        file_id_modifier=header[33],
        destination_name=_text(header, 41, 63),
        origin_name=_text(header, 64, 86),
        reference=_text(header, 87, 94),
        batches=batches,
        blocks=blocks,
        entry_hash=entry_hash,
        debit_total_minor=debits,
        credit_total_minor=credits,
        records=len(recs),
    )


def _batch(recs: list[str], index: int) -> tuple[Batch, int]:
    head = recs[index]
    head_line = index + 1
    service_class = head[1:4]
    sec = head[50:53]
    if sec not in SEC_CODES:
        raise AchError(head_line, f"SEC code {sec!r} is not one this reader knows")
    number = _number(head, 88, 94, head_line, "the batch number")
    entries: list[Entry] = []
    index += 1
    while index < len(recs) and recs[index][0] in "67":
        record, line = recs[index], index + 1
        if record[0] == "7":
            if not entries:
                raise AchError(line, "an addenda record (7) before any entry in its batch")
            entries[-1] = _with_addenda(entries[-1], record, line)
        else:
            entries.append(_entry(record, line, iat=sec == "IAT"))
        index += 1
    if index >= len(recs) or recs[index][0] != "8":
        at = min(index, len(recs) - 1) + 1
        raise AchError(at, f"the batch that starts on line {head_line} has no batch control (8)")
    control, line = recs[index], index + 1
    for entry in entries:
        if entry.addenda_indicator == "1" and not entry.addenda:
            raise AchError(entry.line, "the entry says it has an addenda record but none follows")
    count = _number(control, 5, 10, line, "the entry and addenda count")
    entry_hash = _number(control, 11, 20, line, "the entry hash")
    debits = _number(control, 21, 32, line, "the debit total")
    credits = _number(control, 33, 44, line, "the credit total")
    actual_hash = sum(int(entry.rdfi) for entry in entries) % 10**10
    expect = [
        ("service class", control[1:4], service_class),
        ("entry and addenda count", count, sum(1 + len(e.addenda) for e in entries)),
        ("entry hash", entry_hash, actual_hash),
        ("debit total", debits, sum(e.amount_minor for e in entries if e.debit)),
        ("credit total", credits, sum(e.amount_minor for e in entries if not e.debit)),
        ("batch number", _number(control, 88, 94, line, "the batch number"), number),
    ]
    for what, declared, actual in expect:
        if declared != actual:
            raise AchError(line, f"the batch control's {what} is {declared}; the batch has "
                                 f"{actual}")  # fmt: skip
    batch = Batch(
        line=head_line,
        service_class=service_class,
        company_name=_text(head, 5, 20),
        # An international (IAT) header holds foreign-exchange fields here instead.
        company_discretionary="" if sec == "IAT" else _text(head, 21, 40),
        company_id=_text(head, 41, 50),
        sec=sec,
        entry_description=_text(head, 54, 63),
        descriptive_date=_text(head, 64, 69),
        effective_date=head[69:75],
        originator_status=head[78],
        odfi=head[79:87],
        number=number,
        entries=tuple(entries),
        entry_hash=entry_hash,
        debit_total_minor=debits,
        credit_total_minor=credits,
    )
    return batch, index + 1


def _entry(record: str, line: int, *, iat: bool) -> Entry:
    code = record[1:3]
    if not (code.isdigit() and code.isascii()):
        raise AchError(line, f"the transaction code {code!r} is not a number")
    rdfi = record[3:11]
    _number(record, 4, 11, line, "the RDFI routing number")
    digit = _number(record, 12, 12, line, "the check digit")
    if digit != check_digit(rdfi):
        raise AchError(line, f"the check digit of RDFI {rdfi} is {check_digit(rdfi)}, not {digit}")
    return Entry(
        line=line,
        transaction_code=code,
        rdfi=rdfi,
        check_digit=digit,
        # An IAT entry holds the account in 40-74; the names travel in its addenda (10-16).
        account=_text(record, 40, 74) if iat else _text(record, 13, 29),
        amount_minor=_number(record, 30, 39, line, "the amount"),
        individual_id="" if iat else _text(record, 40, 54),
        name="" if iat else _text(record, 55, 76),
        discretionary="" if iat else _text(record, 77, 78),
        addenda_indicator=record[78],
        trace=record[79:94],
    )


def _with_addenda(entry: Entry, record: str, line: int) -> Entry:
    type_code = record[1:3]
    fields: dict[str, str]
    if type_code == "99":
        fields = {
            "return_code": record[3:6],
            "original_trace": record[6:21],
            "date_of_death": _text(record, 22, 27),
            "original_rdfi": record[27:35],
            "information": _text(record, 36, 79),
        }
    elif type_code == "98":
        fields = {
            "change_code": record[3:6],
            "original_trace": record[6:21],
            "original_rdfi": record[27:35],
            "corrected_data": _text(record, 36, 64),
        }
    elif type_code == "05":
        fields = {"payment_information": _text(record, 4, 83)}
    else:
        fields = {"content": _text(record, 4, 79)}
    addenda = Addenda(line=line, type_code=type_code, fields=fields, trace=record[79:94])
    return replace(entry, addenda=(*entry.addenda, addenda))
