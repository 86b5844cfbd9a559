"""What returns and notifications of change mean, read by code and from the golden files."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from arrears.core.formats.ach_returns import (
    Correction,
    CorrectionError,
    ReturnKind,
    parse_correction,
    retry_refusal,
    return_reason,
)
from arrears.core.formats.nacha import read_ach

SETTLED = date(2026, 1, 5)


@pytest.mark.parametrize(
    ("code", "kind", "retryable", "ends"),
    [
        ("R01", ReturnKind.FUNDS, True, False),
        ("R09", ReturnKind.FUNDS, True, False),
        ("R02", ReturnKind.ACCOUNT, False, True),
        ("R07", ReturnKind.UNAUTHORIZED, False, True),
        ("R10", ReturnKind.UNAUTHORIZED, False, True),
        ("R08", ReturnKind.STOPPED, False, False),
        ("R11", ReturnKind.OTHER, False, False),
        ("R99", ReturnKind.OTHER, False, False),
    ],
)
def test_each_return_code_says_whether_to_retry_and_whether_the_authorization_ends(
    code, kind, retryable, ends
):
    reason = return_reason(code.lower())
    assert (reason.code, reason.kind, reason.retryable, reason.ends_authorization) == (
        code, kind, retryable, ends,
    )  # fmt: skip


class TestRetry:
    def test_a_funds_return_may_be_tried_again_twice(self):
        nsf = return_reason("R01")
        assert (
            retry_refusal(nsf, retries_so_far=0, first_settled_on=SETTLED, retry_on=SETTLED) == ""
        )
        assert (
            retry_refusal(nsf, retries_so_far=1, first_settled_on=SETTLED, retry_on=SETTLED) == ""
        )
        assert retry_refusal(nsf, retries_so_far=2, first_settled_on=SETTLED,
                             retry_on=SETTLED) == (
            "already tried again 2 times (the most allowed is 2)"
        )  # fmt: skip

    def test_not_after_180_days_from_the_first_settlement(self):
        nsf = return_reason("R09")
        last = SETTLED + timedelta(days=180)
        assert retry_refusal(nsf, retries_so_far=0, first_settled_on=SETTLED, retry_on=last) == ""
        assert (
            retry_refusal(
                nsf, retries_so_far=0, first_settled_on=SETTLED, retry_on=last + timedelta(days=1)
            )
            == "more than 180 days after the first attempt settled on 2026-01-05"
        )

    def test_never_after_a_closed_account(self):
        assert (
            retry_refusal(
                return_reason("R02"), retries_so_far=0, first_settled_on=SETTLED, retry_on=SETTLED
            )
            == "R02 (account closed) is not tried again"
        )


class TestCorrections:
    @pytest.mark.parametrize(
        ("code", "data", "expected"),
        [
            ("C01", "1918171614", Correction("C01", account="1918171614")),
            ("C02", "011000015", Correction("C02", routing="011000015")),
            ("C03", "011000015   55501234",
             Correction("C03", routing="011000015", account="55501234")),
            ("C05", "37", Correction("C05", account_type="savings")),
            ("C06", "55501234".ljust(20) + "27",
             Correction("C06", account="55501234", account_type="checking")),
            ("C07", "011000015" + "55501234".ljust(17) + "32",
             Correction("C07", routing="011000015", account="55501234", account_type="savings")),
        ],
    )  # fmt: skip
    def test_reads_the_corrected_data_laid_out_by_change_code(self, code, data, expected):
        assert parse_correction(code, data) == expected

    @pytest.mark.parametrize(
        ("code", "data", "message"),
        [
            ("C02", "011000016", "fails its check digit"),
            ("C02", "01100001", "is not nine digits"),
            ("C05", "99", "not a checking or savings code"),
            ("C01", "", "not 1 to 17 characters"),
            ("C09", "anything", "carries no bank details"),
        ],
    )
    def test_refuses_corrected_data_it_cannot_use(self, code, data, message):
        with pytest.raises(CorrectionError, match=message):
            parse_correction(code, data)

    def test_the_golden_notification_of_change_carries_a_new_account_number(self, testdata: Path):
        ach = read_ach((testdata / "ach" / "cor-example.ach").read_text())
        (addenda,) = ach.batches[0].entries[0].addenda
        correction = parse_correction(
            addenda.fields["change_code"], addenda.fields["corrected_data"]
        )
        assert correction == Correction("C01", account="1918171614")
        assert addenda.fields["original_trace"] == "121042880000001"

    def test_the_golden_returns_read_as_funds_and_account_returns(self, testdata: Path):
        ach = read_ach((testdata / "ach" / "return-WEB.ach").read_text())
        reasons = [
            return_reason(a.fields["return_code"]) for b in ach.batches for e in b.entries
            for a in e.addenda
        ]  # fmt: skip
        assert [(r.code, r.kind) for r in reasons] == [
            ("R01", ReturnKind.FUNDS), ("R03", ReturnKind.ACCOUNT),
        ]  # fmt: skip
