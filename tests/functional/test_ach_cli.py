"""`arrears ach-inspect`: an ACH file's contents for operations, and a refusal naming the line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]


def inspect(path: Path) -> dict:
    out = StringIO()
    call_command("ach-inspect", str(path), "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_a_web_file_shows_its_batches_totals_and_masked_accounts(testdata: Path):
    shown = inspect(testdata / "ach" / "web-debit.ach")
    assert (shown["batches"], shown["entries_and_addenda"], shown["blocks"]) == (3, 6, 2)
    assert (shown["debit_total_minor"], shown["credit_total_minor"]) == (15000, 26820)
    assert shown["entry_hash"] == 50600106
    first = shown["batch_details"][0]
    assert (first["number"], first["sec"], first["effective_date"]) == (1, "WEB", "150305")
    assert [e["amount_minor"] for e in first["entries"]] == [3521, 2300, 2499, 1000]
    assert first["entries"][1]["account"] == "***4221"  # only the last four characters
    assert first["entries"][1]["name"] == "Bob Dole"


def test_a_return_shows_its_reason_code(testdata: Path):
    shown = inspect(testdata / "ach" / "return-WEB.ach")
    addenda = shown["batch_details"][0]["entries"][0]["addenda"][0]
    assert (addenda["type_code"], addenda["return_code"], addenda["line"]) == ("99", "R01", 4)


def test_a_malformed_file_ends_with_the_error_and_exits_3(testdata: Path):
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("ach-inspect", str(testdata / "ach" / "short-line.ach"), "--json", stdout=out)
    assert refused.value.returncode == 3
    assert json.loads(out.getvalue().strip().splitlines()[-1]) == {
        "error": "short-line.ach: line 5: the record is cut short at 74 characters, not 94",
        "line": 5,
    }


def test_a_file_with_a_byte_that_is_not_ascii_names_its_line(tmp_path: Path):
    path = tmp_path / "bad.ach"
    path.write_bytes(b"101 " + b"1" * 90 + b"\n5\xe9\n")
    with pytest.raises(CommandError, match=r"bad.ach: line 2: a byte that is not ASCII \(0xe9\)"):
        call_command("ach-inspect", str(path), stdout=StringIO())


def test_the_command_line_exits_non_zero_on_a_malformed_file(testdata: Path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "arrears.config.settings"}
    proc = subprocess.run(
        [sys.executable, "-m", "arrears.interfaces.cli.entry", "ach-inspect",
         str(testdata / "ach" / "ppd-debit-invalid-entryDetail-checkDigit.ach")],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 3
    assert "line 3: the check digit of RDFI 23138010 is 4, not 5" in proc.stderr


def test_a_missing_file_exits_3(tmp_path: Path):
    with pytest.raises(CommandError, match="cannot be read") as refused:
        call_command("ach-inspect", str(tmp_path / "none.ach"), stdout=StringIO())
    assert refused.value.returncode == 3
