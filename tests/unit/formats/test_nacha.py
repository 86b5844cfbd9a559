"""Reading NACHA files: the public golden files field by field, and every malformed one refused.

Totals are recomputed here from the raw records (positions from the NACHA layout), independently
of the reader, and compared with both the reader's values and the files' own control records.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.formats.nacha import AchError, check_digit, read_ach, records

VALID = [
    "NACHA_SAMPLE_TEL_REVERSAL.ach",
    "cor-example.ach",
    "ppd-debit-fixedLength.ach",
    "ppd-debit.ach",
    "ppd-mixedDebitCredit.ach",
    "return-PPD-custom-reason-code.ach",
    "return-WEB.ach",
    "tel-debit.ach",
    "web-debit.ach",
]
# File -> (line named, words the message carries).
MALFORMED = {
    "20110805A.ach": (93, "the file control's batch count is 5; the file has 4"),
    "adv-invalidFileControl.ach": (2, "SEC code 'ADV' is not one this reader knows"),
    "long-line.ach": (3, "the record is 98 characters long, not 94"),
    "short-line.ach": (5, "the record is cut short at 74 characters, not 94"),
    "ppd-debit-invalid-entryDetail-checkDigit.ach": (
        3,
        "the check digit of RDFI 23138010 is 4, not 5",
    ),
    "crashers/0.ach": (1, "the file does not start with a file header record ('101')"),
    "crashers/1.ach": (1, "the file does not start with a file header record ('101')"),
    "crashers/2.ach": (1, "the file does not start with a file header record ('101')"),
    "crashers/3.ach": (1, "the file does not start with a file header record ('101')"),
    "crashers/4.ach": (1, "the record is 1451 characters long, not 94"),
    "crashers/5.ach": (1, "the file does not start with a file header record ('101')"),
}


def raw_records(path: Path) -> list[str]:
    """The records straight from the bytes: lines padded to 94, or a run of 94-character slices."""
    lines = [line for line in path.read_text(encoding="ascii").splitlines() if line.strip()]
    if len(lines) == 1 and len(lines[0]) > 94:
        return [lines[0][i : i + 94] for i in range(0, len(lines[0]), 94)]
    return [line.ljust(94) for line in lines]


def test_every_golden_file_is_listed_as_valid_or_malformed(testdata: Path):
    found = {str(p.relative_to(testdata / "ach")) for p in (testdata / "ach").rglob("*.ach")}
    assert found == set(VALID) | set(MALFORMED)


@pytest.mark.parametrize("name", VALID)
def test_a_valid_file_reads_to_the_totals_of_its_own_records(testdata: Path, name: str):
    path = testdata / "ach" / name
    ach = read_ach(path.read_text(encoding="ascii"))
    raw = raw_records(path)
    entries = [r for r in raw if r[0] == "6"]
    addenda = [r for r in raw if r[0] == "7"]
    debit_codes = {r[1:3] for r in entries if r[2] in "56789"}
    debits = sum(int(r[29:39]) for r in entries if r[1:3] in debit_codes)
    credits = sum(int(r[29:39]) for r in entries if r[1:3] not in debit_codes)
    file_control = next(r for r in raw if r[0] == "9" and set(r) != {"9"})
    assert len(ach.batches) == sum(1 for r in raw if r[0] == "5") == int(file_control[1:7])
    assert ach.entries_and_addenda == len(entries) + len(addenda) == int(file_control[13:21])
    assert ach.debit_total_minor == debits == int(file_control[31:43])
    assert ach.credit_total_minor == credits == int(file_control[43:55])
    assert ach.entry_hash == sum(int(r[3:11]) for r in entries) % 10**10
    assert ach.entry_hash == int(file_control[21:31])
    assert ach.blocks == -(-len(raw) // 10) == int(file_control[7:13])
    controls = [r for r in raw if r[0] == "8"]
    for batch, control in zip(ach.batches, controls, strict=True):
        assert batch.entries_and_addenda == int(control[4:10])
        assert batch.debit_total_minor == int(control[20:32])
        assert batch.credit_total_minor == int(control[32:44])
    for entry in (e for b in ach.batches for e in b.entries):
        record = raw[entry.line - 1]
        assert (entry.transaction_code, entry.rdfi, entry.amount_minor, entry.trace) == (
            record[1:3], record[3:11], int(record[29:39]), record[79:94],
        )  # fmt: skip
        assert entry.check_digit == int(record[11]) == check_digit(record[3:11])


def test_a_ppd_debit_reads_field_by_field(testdata: Path):
    ach = read_ach((testdata / "ach" / "ppd-debit.ach").read_text(encoding="ascii"))
    assert (ach.immediate_destination, ach.immediate_origin) == ("231380104", "0121042882")
    assert (ach.creation_date, ach.destination_name, ach.origin_name) == (
        "190624", "Federal Reserve Bank", "My Bank Name",
    )  # fmt: skip
    (batch,) = ach.batches
    assert (batch.service_class, batch.sec, batch.company_name, batch.company_id) == (
        "225", "PPD", "Name on Account", "121042882",
    )  # fmt: skip
    assert (batch.entry_description, batch.effective_date, batch.odfi, batch.number) == (
        "REG.SALARY", "190625", "12104288", 1,
    )  # fmt: skip
    (entry,) = batch.entries
    assert (entry.transaction_code, entry.rdfi, entry.check_digit, entry.account) == (
        "27", "23138010", 4, "12345678",
    )  # fmt: skip
    assert (entry.amount_minor, entry.name, entry.trace, entry.debit) == (
        100000000, "Receiver Account Name", "121042880000001", True,
    )  # fmt: skip


def test_a_return_carries_its_reason_and_the_original_trace(testdata: Path):
    ach = read_ach((testdata / "ach" / "return-WEB.ach").read_text(encoding="ascii"))
    first = ach.batches[0].entries[0]
    (addenda,) = first.addenda
    assert (first.transaction_code, first.amount_minor, first.name) == ("26", 12354, "Paul Jones")
    assert addenda.type_code == "99"
    assert addenda.fields["return_code"] == "R01"
    assert addenda.fields["original_trace"] == "091400600000001"
    assert addenda.fields["original_rdfi"] == "09100001"


def test_a_notification_of_change_carries_the_corrected_data(testdata: Path):
    ach = read_ach((testdata / "ach" / "cor-example.ach").read_text(encoding="ascii"))
    (entry,) = ach.batches[0].entries
    (addenda,) = entry.addenda
    assert (ach.batches[0].sec, entry.transaction_code, addenda.type_code) == ("COR", "21", "98")
    assert addenda.fields["change_code"] == "C01"
    assert addenda.fields["original_trace"] == "121042880000001"
    assert addenda.fields["corrected_data"] == "1918171614"


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_file_is_refused_naming_its_line(testdata: Path, name: str):
    line, message = MALFORMED[name]
    text = (testdata / "ach" / name).read_text(encoding="latin-1")
    with pytest.raises(AchError) as refused:
        read_ach(text)
    assert (refused.value.line, refused.value.message) == (line, message)
    assert str(refused.value) == f"line {line}: {message}"


def test_check_digit_of_the_worked_example():
    assert check_digit("23138010") == 4


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_a_routing_number_with_its_check_digit_passes_the_nine_digit_checksum(first8: str):
    digits = [int(d) for d in first8 + str(check_digit(first8))]
    assert sum(d * w for d, w in zip(digits, (3, 7, 1) * 3, strict=True)) % 10 == 0


class TestRecords:
    def test_a_line_stripped_of_its_trailing_blanks_is_padded_back(self):
        assert records("101 abc\n") == ["101 abc".ljust(94)]

    def test_a_short_line_ending_in_a_blank_was_cut_short(self):
        with pytest.raises(AchError, match="line 2: the record is cut short at 11 characters"):
            records("1" * 94 + "\n" + "5225 ABC   \n")

    def test_records_back_to_back_are_split_every_94_characters(self):
        assert records("1" * 94 + "5" * 94) == ["1" * 94, "5" * 94]

    def test_blank_lines_at_the_end_are_ignored(self):
        assert records("1" * 94 + "\n\n  \n") == ["1" * 94]


def test_records_after_the_file_control_must_be_padding(testdata: Path):
    text = (testdata / "ach" / "tel-debit.ach").read_text(encoding="ascii").splitlines()
    text[-1] = "5" + "0" * 93
    with pytest.raises(AchError, match="line 10: only all-9 padding records may follow"):
        read_ach("\n".join(text))


def test_an_empty_file_is_refused():
    with pytest.raises(AchError, match="line 1: the file is empty"):
        read_ach("\n")
