"""The offline gateway answers by the token's name, the same way every time."""

from __future__ import annotations

import pytest

from arrears.adapters.cards.fake import FakeGateway
from arrears.core.cards import ChargeRequest, ChargeStatus, RefundRequest, RefundStatus

FAKE = FakeGateway()


def charge(token: str, key: str = "k-1"):  # type: ignore[no-untyped-def]
    return FAKE.charge(ChargeRequest(token, 5_000, "USD", key))


class TestFakeCharges:
    @pytest.mark.parametrize("token", ["pm_card_visa", "tok_visa", "pm_card_mastercard"])
    def test_an_ordinary_test_token_is_charged(self, token: str) -> None:
        result = charge(token)
        assert (result.status, result.amount_minor) == (ChargeStatus.SUCCEEDED, 5_000)
        assert result.reference.startswith("pi_fake_")

    @pytest.mark.parametrize(
        ("token", "code", "decline"),
        [
            ("pm_card_chargeDeclined", "card_declined", "generic_decline"),
            ("tok_chargeDeclined", "card_declined", "generic_decline"),
            ("pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
            ("tok_insufficient_funds", "card_declined", "insufficient_funds"),
            ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"),
        ],
    )  # fmt: skip
    def test_a_declining_token_is_declined_with_its_reason(
        self, token: str, code: str, decline: str
    ) -> None:
        result = charge(token)
        assert (result.status, result.code, result.decline_code) == (
            ChargeStatus.DECLINED, code, decline,
        )  # fmt: skip

    def test_a_missing_token_is_invalid(self) -> None:
        result = charge("pm_card_missing")
        assert (result.status, result.code) == (ChargeStatus.INVALID, "resource_missing")

    def test_the_same_key_gets_the_same_reference_and_another_key_another(self) -> None:
        assert charge("pm_card_visa", "k-1") == charge("pm_card_visa", "k-1")
        assert charge("pm_card_visa", "k-1").reference != charge("pm_card_visa", "k-2").reference


class TestFakeRefunds:
    def test_a_fake_charge_is_refunded(self) -> None:
        reference = charge("pm_card_visa").reference
        result = FAKE.refund(RefundRequest(reference, 1_000, "USD", "r-1"))
        assert (result.status, result.amount_minor) == (RefundStatus.SUCCEEDED, 1_000)
        assert result.reference.startswith("re_fake_")

    def test_a_charge_it_never_made_is_not_refunded(self) -> None:
        result = FAKE.refund(RefundRequest("pi_3QReal", 1_000, "USD", "r-2"))
        assert (result.status, result.code) == (RefundStatus.FAILED, "resource_missing")
