"""Writing ACH files, checked by recomputing every control from the raw records here (not by
our reader alone), then read back with the reader."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.core.formats.nacha import read_ach
from arrears.core.formats.nacha_writer import (
    AchWriteError,
    FileParties,
    OutgoingBatch,
    OutgoingEntry,
    write_ach,
)

PARTIES = FileParties(
    destination_routing="091000019", origin="1234567890", destination_name="Federal Bank",
    origin_name="Arrears Collections", odfi="09100001", reference="PAY1",
)  # fmt: skip
CREATED = datetime(2026, 11, 24, 9, 30)
ROUTINGS = ["021000021", "011000015", "091000019", "122105278", "026009593", "111000025"]


def routing_ok(nine: str) -> bool:
    weights = [3, 7, 1, 3, 7, 1, 3, 7, 1]
    return sum(int(d) * w for d, w in zip(nine, weights, strict=True)) % 10 == 0


def recompute(text: str) -> dict:
    """Every control figure of a file, from its raw records, with no help from our code."""
    lines = text.split("\n")
    assert lines[-1] == "" and all(len(line) == 94 for line in lines[:-1])
    records = lines[:-1]
    assert len(records) % 10 == 0
    batches, entry_count, file_hash, debit, credit = [], 0, 0, 0, 0
    current = None
    for record in records:
        kind = record[0]
        if kind == "5":
            current = {"service": record[1:4], "n": 0, "hash": 0, "debit": 0, "credit": 0,
                       "number": int(record[87:94])}  # fmt: skip
        elif kind == "6":
            assert current is not None
            assert routing_ok(record[3:12]), record
            amount = int(record[29:39])
            current["n"] += 1
            current["hash"] += int(record[3:11])
            current["debit" if record[2] in "56789" else "credit"] += amount
        elif kind == "8":
            assert current is not None
            assert record[1:4] == current["service"]
            assert int(record[4:10]) == current["n"]
            assert int(record[10:20]) == current["hash"] % 10**10
            assert int(record[20:32]) == current["debit"]
            assert int(record[32:44]) == current["credit"]
            assert int(record[87:94]) == current["number"]
            batches.append(current)
            entry_count += current["n"]
            file_hash += current["hash"]
            debit += current["debit"]
            credit += current["credit"]
            current = None
        elif kind == "9" and record != "9" * 94:
            assert int(record[1:7]) == len(batches)
            assert int(record[7:13]) == len(records) // 10
            assert int(record[13:21]) == entry_count
            assert int(record[21:31]) == file_hash % 10**10
            assert int(record[31:43]) == debit
            assert int(record[43:55]) == credit
    return {"batches": len(batches), "entries": entry_count, "blocks": len(records) // 10,
            "hash": file_hash % 10**10, "debit": debit, "credit": credit,
            "traces": [r[79:94] for r in records if r[0] == "6"]}  # fmt: skip


def entry(routing="021000021", amount=12_345, code="27", who="ACCT-1", name="Jane Roe"):
    return OutgoingEntry(code, routing, "000123456789", amount, who, name, "S ")


def batch(*entries, sec="WEB", on=date(2026, 11, 25)):
    return OutgoingBatch("ARREARS COLL", "1234567890", sec, "PAYMENT", on, tuple(entries))


def test_a_small_file_has_the_exact_records():
    written = write_ach(PARTIES, [batch(entry(), entry("011000015", 500, "37", "ACCT-2", "Bo"))],
                        CREATED)  # fmt: skip
    records = written.text.splitlines()
    assert records[0] == (
        "101 091000019123456789026112409" + "30A094101" + "FEDERAL BANK".ljust(23)
        + "ARREARS COLLECTIONS".ljust(23) + "PAY1    "
    )  # fmt: skip
    assert records[1] == (
        "5225ARREARS COLL    " + " " * 20 + "1234567890WEBPAYMENT   " + " " * 6 + "261125"
        + "   1091000010000001"
    )  # fmt: skip
    assert records[2] == (
        "627021000021000123456789     0000012345ACCT-1         JANE ROE              S 0"
        "091000010000001"
    )  # fmt: skip
    assert records[4] == (
        "82250000020003200003000000012845000000000000" + "1234567890" + " " * 25
        + "091000010000001"
    )  # fmt: skip
    assert (written.batches, written.entries, written.blocks) == (1, 2, 1)
    assert len(records) == 10 and records[-1] == "9" * 94
    assert recompute(written.text)["hash"] == 2100002 + 1100001 == written.entry_hash


def test_files_read_back_to_what_was_written():
    written = write_ach(PARTIES, [batch(entry(), entry(amount=1, code="22")),
                                  batch(entry("122105278", 99, "37"), sec="PPD")], CREATED)  # fmt: skip
    read = read_ach(written.text)
    assert [b.service_class for b in read.batches] == ["200", "225"]
    assert (read.debit_total_minor, read.credit_total_minor) == (12_444, 1)
    assert [e.trace for b in read.batches for e in b.entries] == [
        "091000010000001", "091000010000002", "091000010000003",
    ]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.tuples(
                st.sampled_from(ROUTINGS),
                st.integers(1, 10**10 - 1),
                st.sampled_from(["27", "37", "22", "32"]),
            ),
            min_size=1,
            max_size=30,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_every_control_matches_an_independent_recomputation(shape):
    batches = [
        batch(*[entry(r, a, c, f"ID{i}") for i, (r, a, c) in enumerate(entries)])
        for entries in shape
    ]
    written = write_ach(PARTIES, batches, CREATED)
    again = recompute(written.text)
    assert (again["batches"], again["entries"], again["blocks"]) == (
        written.batches, written.entries, written.blocks,
    )  # fmt: skip
    assert (again["hash"], again["debit"], again["credit"]) == (
        written.entry_hash, written.debit_total_minor, written.credit_total_minor,
    )  # fmt: skip
    assert len(set(again["traces"])) == written.entries
    read_ach(written.text)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ((entry("021000022"),), "fails its check digit"),
        ((entry(amount=0),), "the amount must be positive"),
        ((entry(amount=10**10),), "does not fit 10 digits"),
        ((entry(code="26"),), "transaction code '26' is not one of"),
        ((), "batch 1 has no entries"),
    ],
)
def test_refuses_what_cannot_be_written(entries, message):
    with pytest.raises(AchWriteError, match=message):
        write_ach(PARTIES, [batch(*entries)], CREATED)
