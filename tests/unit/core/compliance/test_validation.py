"""The validation period and the notice's itemization (12 CFR 1006.34)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.compliance import PackSet, shipped_packs
from arrears.core.compliance.validation import (
    Itemization,
    NoticeError,
    assumed_receipt,
    mask_account_number,
    validation_period_end,
)
from arrears.core.money import Money
from arrears.core.time.business_days import is_business_day

PACKS = PackSet(shipped_packs())
DAYS = {
    "receipt_business_days": PACKS.constant("validation_receipt_business_days"),
    "period_days": PACKS.constant("validation_period_days"),
}


def usd(text: str) -> Money:
    return Money.of(text, "USD")


class TestPeriod:
    def test_the_numbers_come_from_the_federal_pack(self) -> None:
        assert DAYS == {"receipt_business_days": 5, "period_days": 30}

    def test_a_notice_sent_friday_7_november_2025_ends_its_period_wednesday_17_december(self):
        # Mon 10 (1), Veterans Day Tue 11 skipped, Wed 12 (2), Thu 13 (3), Fri 14 (4), Mon 17 (5).
        assert assumed_receipt(date(2025, 11, 7), receipt_business_days=5) == date(2025, 11, 17)
        end = validation_period_end(date(2025, 11, 7), **DAYS)
        assert end == date(2025, 12, 17)
        assert end.strftime("%A") == "Wednesday"

    def test_a_notice_sent_before_thanksgiving_skips_the_holiday_and_the_weekend(self) -> None:
        # Tue 24 Nov 2026: Wed 25 (1), Thanksgiving Thu 26 skipped, Fri 27 (2), Mon 30 (3),
        # Tue 1 Dec (4), Wed 2 Dec (5); plus 30 days.
        assert validation_period_end(date(2026, 11, 24), **DAYS) == date(2027, 1, 1)

    @given(st.dates(min_value=date(2021, 11, 30), max_value=date(2035, 12, 31)))
    def test_receipt_is_a_business_day_five_to_thirteen_days_after_sending(self, sent) -> None:
        receipt = assumed_receipt(sent, receipt_business_days=5)
        assert is_business_day(receipt)
        # Five business days span a weekend unless sent on one, and at most two holidays.
        low = 7 if sent.weekday() < 5 else 5
        assert low <= (receipt - sent).days <= 13
        assert validation_period_end(sent, **DAYS) == receipt + timedelta(days=30)


class TestItemization:
    def test_adds_up_to_the_cent(self) -> None:
        item = Itemization(date(2026, 1, 1), "charge-off date", usd("1000.00"), usd("12.34"),
                           usd("25.00"), usd("100.00"), usd("937.34"))  # fmt: skip
        assert item.current == usd("937.34")

    def test_a_cent_out_is_refused(self) -> None:
        with pytest.raises(NoticeError, match="does not add up"):
            Itemization(date(2026, 1, 1), "charge-off date", usd("1000.00"), usd("12.34"),
                        usd("25.00"), usd("100.00"), usd("937.35"))  # fmt: skip

    def test_mixed_currencies_are_refused(self) -> None:
        with pytest.raises(NoticeError, match="mixes currencies"):
            Itemization(date(2026, 1, 1), "charge-off date", usd("1.00"), Money.of("0", "EUR"),
                        usd("0"), usd("0"), usd("1.00"))  # fmt: skip


def test_account_numbers_are_truncated_to_the_last_four() -> None:
    assert mask_account_number("4111111111111111") == "ending in 1111"
    assert mask_account_number("123") == "123"
    assert mask_account_number("") == ""
