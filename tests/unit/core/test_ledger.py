from datetime import date

import pytest

from arrears.core.ledger import (
    DEFAULT_WATERFALL,
    AlreadyReversed,
    Balances,
    Bucket,
    Entry,
    EntryKind,
    InvalidAmount,
    Ledger,
    LedgerError,
    NothingOwed,
    allocate_payment,
    parse_waterfall,
    replay,
)

D1 = date(2026, 1, 5)
D2 = date(2026, 2, 5)
D3 = date(2026, 3, 5)


def owed(principal: int = 0, interest: int = 0, fees: int = 0, costs: int = 0) -> Balances:
    return Balances(principal=principal, interest=interest, fees=fees, costs=costs)


def loaded_ledger() -> Ledger:
    """Principal 100.00, interest 10.00, fees 5.00, costs 2.00."""
    ledger = Ledger()
    ledger.place(owed(principal=10000), D1)
    ledger.charge_interest(1000, D1)
    ledger.charge_fee(500, D1)
    ledger.charge_cost(200, D1)
    return ledger


class TestBalances:
    def test_total_and_arithmetic(self) -> None:
        a = owed(1, 2, 3, 4)
        b = owed(10, 20, 30, 40)
        assert a.total == 10
        assert a + b == owed(11, 22, 33, 44)
        assert b - a == owed(9, 18, 27, 36)
        assert -a == owed(-1, -2, -3, -4)

    def test_get_and_with_bucket(self) -> None:
        a = owed(1, 2, 3, 4)
        assert [a.get(bucket) for bucket in Bucket] == [1, 2, 3, 4]
        assert a.with_bucket(Bucket.FEES, 99) == owed(1, 2, 99, 4)

    def test_zero(self) -> None:
        assert Balances.ZERO == Balances() == Balances.zero()
        assert Balances.ZERO.is_zero()
        assert not owed(costs=-1).is_zero()

    def test_dict_round_trip(self) -> None:
        a = owed(1, 2, 3, 4)
        assert a.as_dict() == {"principal": 1, "interest": 2, "fees": 3, "costs": 4}
        assert Balances.from_dict(a.as_dict()) == a
        assert Balances.from_dict({"fees": 7}) == owed(fees=7)

    def test_from_dict_refuses_unknown_buckets(self) -> None:
        with pytest.raises(ValueError, match="unknown buckets"):
            Balances.from_dict({"penalties": 1})

    def test_refuses_non_int_amounts(self) -> None:
        with pytest.raises(TypeError):
            Balances(principal=1.5)  # type: ignore[arg-type]


class TestParseWaterfall:
    def test_reads_bucket_names(self) -> None:
        assert parse_waterfall("fees,costs,interest,principal") == DEFAULT_WATERFALL
        assert parse_waterfall(" Principal , interest,fees,costs") == (
            Bucket.PRINCIPAL,
            Bucket.INTEREST,
            Bucket.FEES,
            Bucket.COSTS,
        )

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "fees,costs,interest",
            "fees,costs,interest,principal,fees",
            "fees,fees,interest,principal",
            "fees,costs,interest,penalties",
        ],
    )
    def test_refuses_anything_but_all_four_once(self, text: str) -> None:
        with pytest.raises(ValueError):
            parse_waterfall(text)


class TestAllocatePayment:
    def test_pays_fees_before_principal(self) -> None:
        reduction, unapplied = allocate_payment(owed(10000, 1000, 500, 200), 600)
        assert reduction == owed(fees=-500, costs=-100)
        assert unapplied == 0

    def test_pays_down_every_bucket_in_order(self) -> None:
        reduction, unapplied = allocate_payment(owed(10000, 1000, 500, 200), 2000)
        assert reduction == owed(principal=-300, interest=-1000, fees=-500, costs=-200)
        assert unapplied == 0

    def test_returns_the_overpayment_unapplied(self) -> None:
        reduction, unapplied = allocate_payment(owed(100, 10, 5, 2), 200)
        assert reduction == owed(-100, -10, -5, -2)
        assert unapplied == 83

    def test_negative_bucket_takes_nothing(self) -> None:
        reduction, unapplied = allocate_payment(owed(principal=100, fees=-50), 70)
        assert reduction == owed(principal=-70)
        assert unapplied == 0

    def test_custom_waterfall(self) -> None:
        reduction, _ = allocate_payment(
            owed(100, 10, 5, 2), 105, parse_waterfall("principal,interest,fees,costs")
        )
        assert reduction == owed(principal=-100, interest=-5)

    def test_nothing_owed_leaves_everything_unapplied(self) -> None:
        assert allocate_payment(owed(), 500) == (Balances.ZERO, 500)

    @pytest.mark.parametrize("amount", [0, -1])
    def test_refuses_non_positive_amounts(self, amount: int) -> None:
        with pytest.raises(ValueError):
            allocate_payment(owed(100), amount)


class TestLedgerCharges:
    def test_place_and_charges_post_in_order_with_ids(self) -> None:
        ledger = loaded_ledger()
        assert [(e.id, e.kind) for e in ledger.entries] == [
            (1, EntryKind.PLACEMENT),
            (2, EntryKind.INTEREST),
            (3, EntryKind.FEE),
            (4, EntryKind.CHARGE),
        ]
        assert ledger.balances() == owed(10000, 1000, 500, 200)
        assert ledger.next_id == 5
        assert all(e.cash == 0 for e in ledger.entries)

    def test_place_several_buckets(self) -> None:
        ledger = Ledger()
        entry = ledger.place(owed(principal=5000, fees=250), D1)
        assert entry.amounts == owed(principal=5000, fees=250)

    @pytest.mark.parametrize("amounts", [owed(), owed(principal=100, fees=-1)])
    def test_place_refuses_empty_or_negative(self, amounts: Balances) -> None:
        ledger = Ledger()
        with pytest.raises(InvalidAmount):
            ledger.place(amounts, D1)
        assert ledger.entries == ()

    @pytest.mark.parametrize("method", ["charge_interest", "charge_fee", "charge_cost"])
    @pytest.mark.parametrize("amount", [0, -5])
    def test_charges_refuse_non_positive(self, method: str, amount: int) -> None:
        ledger = loaded_ledger()
        before = ledger.entries
        with pytest.raises(InvalidAmount):
            getattr(ledger, method)(amount, D2)
        assert ledger.entries == before

    def test_balances_through_an_earlier_entry(self) -> None:
        ledger = loaded_ledger()
        assert ledger.balances_through(2) == owed(10000, 1000)
        with pytest.raises(LedgerError):
            ledger.balances_through(99)


class TestLedgerPay:
    def test_payment_follows_the_waterfall(self) -> None:
        ledger = loaded_ledger()
        entry, unapplied = ledger.pay(2000, D2)
        assert entry == Entry(
            id=5,
            kind=EntryKind.PAYMENT,
            effective_on=D2,
            amounts=owed(-300, -1000, -500, -200),
            cash=2000,
        )
        assert unapplied == 0
        assert ledger.balances() == owed(principal=9700)

    def test_overpayment_records_only_the_applied_cash(self) -> None:
        ledger = loaded_ledger()
        entry, unapplied = ledger.pay(12000, D2)
        assert entry.cash == 11700
        assert unapplied == 300
        assert ledger.balances() == Balances.ZERO

    def test_refuses_payment_when_nothing_is_owed(self) -> None:
        ledger = Ledger()
        with pytest.raises(NothingOwed):
            ledger.pay(100, D1)
        assert ledger.entries == ()

    def test_uses_the_ledgers_waterfall(self) -> None:
        ledger = Ledger(waterfall=parse_waterfall("principal,interest,fees,costs"))
        ledger.place(owed(principal=100, fees=50), D1)
        entry, _ = ledger.pay(120, D2)
        assert entry.amounts == owed(principal=-100, fees=-20)


class TestLedgerReversePayment:
    def test_restores_exactly_what_the_payment_took(self) -> None:
        ledger = loaded_ledger()
        payment, _ = ledger.pay(2000, D2)
        reversal = ledger.reverse_payment(payment.id, D3)
        assert reversal.kind is EntryKind.PAYMENT_REVERSAL
        assert reversal.amounts == owed(300, 1000, 500, 200)
        assert reversal.cash == -2000
        assert reversal.reverses == payment.id
        assert ledger.balances() == owed(10000, 1000, 500, 200)

    def test_refuses_a_second_reversal(self) -> None:
        ledger = loaded_ledger()
        payment, _ = ledger.pay(2000, D2)
        ledger.reverse_payment(payment.id, D3)
        before = ledger.entries
        with pytest.raises(AlreadyReversed):
            ledger.reverse_payment(payment.id, D3)
        assert ledger.entries == before

    def test_refuses_after_a_refund(self) -> None:
        ledger = loaded_ledger()
        payment, _ = ledger.pay(2000, D2)
        ledger.refund(payment.id, 100, D3)
        with pytest.raises(AlreadyReversed):
            ledger.reverse_payment(payment.id, D3)

    def test_refuses_non_payments(self) -> None:
        ledger = loaded_ledger()
        with pytest.raises(LedgerError, match="not a payment"):
            ledger.reverse_payment(1, D3)

    def test_refuses_a_date_before_the_payment(self) -> None:
        ledger = loaded_ledger()
        payment, _ = ledger.pay(2000, D2)
        with pytest.raises(LedgerError):
            ledger.reverse_payment(payment.id, D1)


class TestLedgerRefund:
    def test_puts_back_in_reverse_waterfall_order(self) -> None:
        ledger = loaded_ledger()
        payment, _ = ledger.pay(2000, D2)  # took principal 300, interest 1000, fees 500, costs 200
        refund = ledger.refund(payment.id, 1500, D3)
        assert refund.kind is EntryKind.REFUND
        assert refund.amounts == owed(principal=300, interest=1000, costs=200)
        assert refund.cash == -1500
        assert refund.reverses == payment.id
        assert ledger.refundable(payment.id) == 500

    def test_later_refunds_continue_where_earlier_ones_stopped(self) -> None:
        ledger = loaded_ledger()
        payment, _ = ledger.pay(2000, D2)
        ledger.refund(payment.id, 1500, D3)
        second = ledger.refund(payment.id, 500, D3)
        assert second.amounts == owed(fees=500)
        assert ledger.balances() == owed(10000, 1000, 500, 200)
        with pytest.raises(AlreadyReversed):
            ledger.refund(payment.id, 1, D3)

    def test_refuses_more_than_is_left(self) -> None:
        ledger = loaded_ledger()
        payment, _ = ledger.pay(2000, D2)
        ledger.refund(payment.id, 1500, D3)
        before = ledger.entries
        with pytest.raises(InvalidAmount):
            ledger.refund(payment.id, 501, D3)
        assert ledger.entries == before

    def test_refuses_a_reversed_payment(self) -> None:
        ledger = loaded_ledger()
        payment, _ = ledger.pay(2000, D2)
        ledger.reverse_payment(payment.id, D3)
        assert ledger.refundable(payment.id) == 0
        with pytest.raises(AlreadyReversed):
            ledger.refund(payment.id, 100, D3)

    def test_refunds_cannot_be_reversed(self) -> None:
        ledger = loaded_ledger()
        payment, _ = ledger.pay(2000, D2)
        refund = ledger.refund(payment.id, 100, D3)
        with pytest.raises(LedgerError):
            ledger.reverse(refund.id, D3)


class TestLedgerAdjust:
    def test_moves_amounts_between_buckets(self) -> None:
        ledger = loaded_ledger()
        entry = ledger.adjust(owed(principal=1000, interest=-1000), D2)
        assert entry.kind is EntryKind.ADJUSTMENT
        assert ledger.balances() == owed(11000, 0, 500, 200)

    def test_refuses_to_take_a_bucket_below_zero(self) -> None:
        ledger = loaded_ledger()
        before = ledger.entries
        with pytest.raises(LedgerError, match="below zero"):
            ledger.adjust(owed(fees=-501), D2)
        assert ledger.entries == before

    def test_refuses_an_empty_adjustment(self) -> None:
        with pytest.raises(InvalidAmount):
            loaded_ledger().adjust(Balances.ZERO, D2)


class TestLedgerReverse:
    def test_negates_the_entry_exactly(self) -> None:
        ledger = loaded_ledger()
        reversal = ledger.reverse(3, D2)
        assert reversal == Entry(
            id=5, kind=EntryKind.REVERSAL, effective_on=D2, amounts=owed(fees=-500), reverses=3
        )
        assert ledger.balances() == owed(10000, 1000, 0, 200)

    def test_reversing_a_paid_placement_leaves_a_credit(self) -> None:
        ledger = Ledger()
        ledger.place(owed(principal=1000), D1)
        ledger.pay(400, D2)
        ledger.reverse(1, D3)
        assert ledger.balances() == owed(principal=-400)
        with pytest.raises(NothingOwed):
            ledger.pay(1, D3)

    def test_refuses_payments(self) -> None:
        ledger = loaded_ledger()
        payment, _ = ledger.pay(100, D2)
        with pytest.raises(LedgerError, match="reverse_payment"):
            ledger.reverse(payment.id, D3)

    def test_refuses_reversing_twice_or_reversing_a_reversal(self) -> None:
        ledger = loaded_ledger()
        reversal = ledger.reverse(2, D2)
        before = ledger.entries
        with pytest.raises(AlreadyReversed):
            ledger.reverse(2, D3)
        with pytest.raises(LedgerError):
            ledger.reverse(reversal.id, D3)
        assert ledger.entries == before

    def test_refuses_unknown_entries(self) -> None:
        with pytest.raises(LedgerError, match="no entry"):
            loaded_ledger().reverse(42, D2)


class TestLedgerWriteDowns:
    @pytest.mark.parametrize(
        ("operation", "kind"),
        [
            ("settle", EntryKind.SETTLEMENT_WRITEDOWN),
            ("write_off", EntryKind.WRITE_OFF),
            ("recall", EntryKind.RECALL),
        ],
    )
    def test_zeroes_every_positive_bucket(self, operation: str, kind: EntryKind) -> None:
        ledger = loaded_ledger()
        ledger.pay(600, D2)
        entry = getattr(ledger, operation)(D3)
        assert entry.kind is kind
        assert entry.amounts == owed(-10000, -1000, 0, -100)
        assert ledger.balances() == Balances.ZERO

    def test_leaves_negative_buckets_alone(self) -> None:
        ledger = Ledger()
        ledger.place(owed(principal=1000, fees=100), D1)
        ledger.pay(1050, D2)  # fees 100, principal 950
        ledger.reverse(1, D3)  # principal -950, fees -100
        ledger.charge_interest(30, D3)
        assert ledger.settle(D3).amounts == owed(interest=-30)

    def test_refuses_when_nothing_is_owed(self) -> None:
        with pytest.raises(NothingOwed):
            Ledger().write_off(D1)

    def test_a_write_down_can_be_reversed(self) -> None:
        ledger = loaded_ledger()
        settlement = ledger.settle(D2)
        ledger.reverse(settlement.id, D3)
        assert ledger.balances() == owed(10000, 1000, 500, 200)


class TestLedgerLoading:
    def test_rebuilds_state_from_stored_entries(self) -> None:
        original = loaded_ledger()
        payment, _ = original.pay(2000, D2)
        original.refund(payment.id, 1500, D3)
        copy = Ledger(entries=original.entries)
        assert copy.balances() == original.balances()
        assert copy.next_id == original.next_id
        assert copy.refundable(payment.id) == 500
        with pytest.raises(AlreadyReversed):
            copy.reverse_payment(payment.id, D3)

    def test_refuses_ids_out_of_order(self) -> None:
        entries = loaded_ledger().entries
        with pytest.raises(LedgerError, match="increase"):
            Ledger(entries=(entries[1], entries[0]))

    def test_keeps_gaps_in_stored_ids(self) -> None:
        entry = Entry(id=40, kind=EntryKind.PLACEMENT, effective_on=D1, amounts=owed(100))
        ledger = Ledger(entries=[entry])
        assert ledger.next_id == 41
        assert ledger.charge_fee(5, D2).id == 41

    def test_replay_sums_entries(self) -> None:
        ledger = loaded_ledger()
        assert replay(ledger.entries) == ledger.balances() == owed(10000, 1000, 500, 200)
        assert replay([]) == Balances.ZERO

    def test_refuses_unknown_currency(self) -> None:
        with pytest.raises(ValueError):
            Ledger(currency="XYZ")
