"""The offline gateway answers by the token's name, the same way every time; it remembers what it
did per key, finds it again by the key, and can play an answer lost on the way back or a
gateway that cannot be reached."""

from __future__ import annotations

import pytest

from arrears.adapters.cards.fake import FakeGateway
from arrears.core.cards import (
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    RefundRequest,
    RefundResult,
    RefundStatus,
)


def charge(token: str, key: str = "k-1", fake: FakeGateway | None = None) -> ChargeResult:
    return (fake or FakeGateway()).charge(ChargeRequest(token, 5_000, "USD", key))


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
        result = FakeGateway().refund(RefundRequest(reference, 1_000, "USD", "r-1"))
        assert (result.status, result.amount_minor) == (RefundStatus.SUCCEEDED, 1_000)
        assert result.reference.startswith("re_fake_")

    def test_a_charge_it_never_made_is_not_refunded(self) -> None:
        result = FakeGateway().refund(RefundRequest("pi_3QReal", 1_000, "USD", "r-2"))
        assert (result.status, result.code) == (RefundStatus.FAILED, "resource_missing")


class TestLookingUp:
    def test_a_charge_is_found_by_its_key_as_it_was_answered(self) -> None:
        fake = FakeGateway()
        answered = charge("pm_card_visa", "k-1", fake)

        assert fake.charge_status("k-1") == answered
        assert fake.charge_status("k-2") is None

    def test_a_decline_is_found_and_a_refused_request_left_no_record(self) -> None:
        fake = FakeGateway()
        declined = charge("pm_card_chargeDeclined", "k-d", fake)
        charge("pm_card_missing", "k-m", fake)

        assert fake.charge_status("k-d") == declined
        assert fake.charge_status("k-m") is None

    def test_a_refund_is_found_by_its_key_and_one_refused_is_not(self) -> None:
        fake = FakeGateway()
        reference = charge("pm_card_visa", "k-1", fake).reference
        given = fake.refund(RefundRequest(reference, 1_000, "USD", "r-1"))
        fake.refund(RefundRequest("pi_elsewhere", 1_000, "USD", "r-2"))

        assert fake.refund_status(reference, "r-1") == given
        assert fake.refund_status("pi_elsewhere", "r-2") is None

    def test_a_fresh_fake_has_no_record_of_anything(self) -> None:
        assert FakeGateway().charge_status("k-1") is None
        assert FakeGateway().refund_status("pi_fake_x", "r-1") is None

    def test_it_answers_look_ups_at_once(self) -> None:
        assert FakeGateway.lookup_lag.total_seconds() == 0


class TestPlayingTroubles:
    def test_a_lost_answer_was_charged_all_the_same_and_is_found_and_replayed(self) -> None:
        fake = FakeGateway()
        fake.answers_to_lose = 1

        lost = charge("pm_card_visa", "k-1", fake)
        found = fake.charge_status("k-1")
        again = charge("pm_card_visa", "k-1", fake)

        assert (lost.status, lost.code, lost.reference) == (ChargeStatus.ERROR, "no_answer", "")
        assert found is not None
        assert (found.status, found.amount_minor) == (ChargeStatus.SUCCEEDED, 5_000)
        assert again == found
        assert (len(fake.charges), fake.answers_to_lose) == (1, 0)

    def test_a_lost_refund_answer_was_given_back_all_the_same(self) -> None:
        fake = FakeGateway()
        reference = charge("pm_card_visa", "k-1", fake).reference
        fake.answers_to_lose = 1

        lost = fake.refund(RefundRequest(reference, 700, "USD", "r-1"))

        assert (lost.status, lost.code) == (RefundStatus.ERROR, "no_answer")
        assert fake.refund_status(reference, "r-1") == RefundResult(
            RefundStatus.SUCCEEDED, fake.refunds["r-1"][1].reference, 700
        )

    def test_an_unreachable_fake_does_nothing_and_cannot_say(self) -> None:
        fake = FakeGateway()
        fake.reachable = False

        asked = charge("pm_card_visa", "k-1", fake)
        looked = fake.charge_status("k-1")
        refunded = fake.refund_status("pi_fake_x", "r-1")

        assert (asked.status, asked.code) == (ChargeStatus.ERROR, "no_answer")
        assert looked is not None and looked.status is ChargeStatus.ERROR
        assert refunded is not None and refunded.status is RefundStatus.ERROR
        assert fake.charges == {}
