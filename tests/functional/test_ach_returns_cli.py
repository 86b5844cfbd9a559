"""`arrears ach-settle` and `arrears ach-returns`: the JSON contract and exit codes."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.data.accounts.models import Account
from tests.factories import make_account, make_client
from tests.integration.test_ach_origination import EFFECTIVE
from tests.integration.test_ach_returns import answer_file, sent

pytestmark = pytest.mark.django_db


def run(name: str, *args: str) -> tuple[dict, str]:
    out, err = StringIO(), StringIO()
    call_command(name, *args, "--json", stdout=out, stderr=err)
    return json.loads(out.getvalue().strip().splitlines()[-1]), err.getvalue()


def test_settles_then_reverses_a_returned_debit(tmp_path):
    account = make_account(make_client(), principal=100_000)
    scheduled = sent(tmp_path, account, 5_000)

    settled, _ = run("ach-settle", "--as-of", EFFECTIVE.isoformat())
    path = answer_file(
        tmp_path / "returns.ach",
        [("99", "R01", scheduled.trace), ("99", "R01", "091000010000000")],
    )
    answered, err = run("ach-returns", str(path))

    assert settled == {
        "as_of": "2026-11-25", "settled": 1, "posted": 1, "unapplied": 0,
        "applied_minor": 5_000, "unapplied_minor": 0,
    }  # fmt: skip
    assert answered == {
        "file": "returns.ach", "entries": 2, "returns": 2, "changes": 0, "reversed": 1,
        "reversed_minor": 5_000, "fees_charged": 0, "fee_minor": 0, "retries_scheduled": 1,
        "authorizations_ended": 0, "bank_details_updated": 0, "duplicates": 0, "problems": 1,
        "problem_lines": [{"line": 6, "trace": "091000010000000", "code": "R01",
                           "reason": "no debit of ours has trace 091000010000000"}],
    }  # fmt: skip
    assert "line 6: R01 091000010000000: no debit of ours has trace" in err
    assert Account.objects.get().balance_minor == 100_000


def test_a_malformed_file_exits_3_naming_the_line(tmp_path):
    path = tmp_path / "bad.ach"
    path.write_text("1" * 94 + "\n")
    with pytest.raises(CommandError) as refused:
        run("ach-returns", str(path))
    assert refused.value.returncode == 3
    assert "line 1" in str(refused.value)
