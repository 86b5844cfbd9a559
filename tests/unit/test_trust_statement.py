"""A statement worked out (core.trust.statement): each movement's rate and split, a client's
totals under net and gross remittance, and the reconciliation identities; property: client share
+ commission = collected - refunds - reversals, for every line and every statement, card
convenience fees included (they never reach the client's share)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.trust import (
    CashKind,
    CashReceived,
    CommissionTerms,
    Line,
    Movement,
    OriginalPayment,
    RemitMode,
    Rollforward,
    SplitError,
    Tier,
    commission_on,
    price,
    statement_totals,
)

PLACED = date(2026, 1, 15)
TERMS = CommissionTerms(
    default_rate_ppm=200_000, tiers=(Tier(0, 250_000), Tier(6, 300_000), Tier(12, 350_000))
)
PAY, BACK, REFUND = CashKind.PAYMENT, CashKind.PAYMENT_REVERSAL, CashKind.REFUND


def paid(entry_id: int, cash: int, on: date) -> Movement:
    return Movement(entry_id, PAY, on, cash, PLACED)


def given_back(entry_id: int, kind: CashKind, cash: int, payment: int, on: date) -> Movement:
    return Movement(entry_id, kind, on, cash, PLACED, reverses=payment)


class TestPrice:
    def test_each_payment_earns_the_rate_of_its_age(self) -> None:
        lines = price(TERMS, [paid(1, 10_000, date(2026, 3, 1)), paid(2, 10_000,
                      date(2026, 8, 1)), paid(3, 10_001, date(2027, 2, 1))], {})  # fmt: skip
        assert lines == [
            Line(1, PAY, 10_000, 250_000, 2_500),
            Line(2, PAY, 10_000, 300_000, 3_000),
            Line(3, PAY, 10_001, 350_000, 3_500),  # 3500.35 -> 3500
        ]
        assert [line.client_share_minor for line in lines] == [7_500, 7_000, 6_501]

    def test_a_reversal_takes_back_at_the_rate_its_payment_line_used(self) -> None:
        # The payment was remitted at 25 %; the terms have since changed to a flat 40 %.
        original = OriginalPayment(7, 10_000, date(2026, 9, 1), PLACED, rate_ppm=250_000,
                                   taken_back=((20, -10_000),))  # fmt: skip
        (line,) = price(CommissionTerms(400_000), [given_back(20, BACK, -10_000, 7,
                        date(2026, 10, 2))], {7: original})  # fmt: skip
        assert line == Line(20, BACK, -10_000, 250_000, -2_500)

    def test_a_reversal_of_a_payment_not_yet_remitted_uses_the_rate_the_payment_gets(
        self,
    ) -> None:
        original = OriginalPayment(7, 10_000, date(2026, 8, 1), PLACED, taken_back=((8, -10_000),))
        lines = price(TERMS, [paid(7, 10_000, date(2026, 8, 1)),
                              given_back(8, BACK, -10_000, 7, date(2026, 8, 3))], {7: original})  # fmt: skip
        assert [(line.rate_ppm, line.commission_minor) for line in lines] == [
            (300_000, 3_000), (300_000, -3_000),
        ]  # fmt: skip

    def test_refunds_in_parts_count_what_was_given_back_before(self) -> None:
        # 3 at 50 % earned 2; the refund of 1 was remitted last month (commission 0), the refund
        # of 2 now takes back the other 2.
        terms = CommissionTerms(500_000)
        original = OriginalPayment(7, 3, date(2026, 8, 1), PLACED, rate_ppm=500_000,
                                   taken_back=((9, -1), (12, -2)))  # fmt: skip
        (line,) = price(terms, [given_back(12, REFUND, -2, 7, date(2026, 10, 5))], {7: original})
        assert line == Line(12, REFUND, -2, 500_000, -2)

    def test_a_card_payments_convenience_fee_is_all_commission(self) -> None:
        # 100.00 for the debt and a 2.50 fee, 4 months placed: 25 % of 100.00, plus the fee.
        card = replace(paid(1, 10_250, date(2026, 5, 20)), fee_minor=250)
        (line,) = price(TERMS, [card], {})
        assert line == Line(1, PAY, 10_250, 250_000, 2_750, 250)
        assert line.client_share_minor == 7_500

    def test_a_refund_of_a_card_payment_gives_back_its_fee_last(self) -> None:
        # Remitted last month at 25 % with a 2.50 fee; refunded now as 100.00 then 2.50.
        original = OriginalPayment(7, 10_250, date(2026, 5, 20), PLACED, rate_ppm=250_000,
                                   taken_back=((9, -10_000), (10, -250)), fee_minor=250)  # fmt: skip
        lines = price(TERMS, [given_back(9, REFUND, -10_000, 7, date(2026, 6, 2)),
                              given_back(10, REFUND, -250, 7, date(2026, 6, 2))], {7: original})  # fmt: skip
        assert lines == [
            Line(9, REFUND, -10_000, 250_000, -2_500, 0),
            Line(10, REFUND, -250, 250_000, -250, -250),
        ]
        totals = statement_totals(lines, RemitMode.NET)
        assert (totals.refunds_minor, totals.commission_minor, totals.fees_minor,
                totals.client_share_minor) == (10_250, -2_750, -250, -7_500)  # fmt: skip

    def test_a_fee_larger_than_its_payment_is_refused(self) -> None:
        with pytest.raises(SplitError, match="a fee of 300 is not part of cash of 200"):
            price(TERMS, [replace(paid(1, 200, date(2026, 5, 20)), fee_minor=300)], {})

    def test_a_refund_without_its_payment_is_refused(self) -> None:
        with pytest.raises(SplitError, match="names no payment"):
            price(TERMS, [given_back(12, REFUND, -2, 7, date(2026, 10, 5))], {})


class TestStatementTotals:
    LINES = [
        Line(1, PAY, 10_000, 250_000, 2_500),
        Line(2, PAY, 20_000, 300_000, 6_000),
        Line(3, REFUND, -1_000, 250_000, -250),
        Line(4, BACK, -20_000, 300_000, -6_000),
    ]

    def test_net_remittance_keeps_the_commission(self) -> None:
        totals = statement_totals(self.LINES, RemitMode.NET)
        assert totals.as_dict() == {
            "remit_mode": "net", "lines": 4, "collected_minor": 30_000, "refunds_minor": 1_000,
            "reversals_minor": 20_000, "net_collected_minor": 9_000,
            "commission_minor": 2_250, "fees_minor": 0, "client_share_minor": 6_750,
            "due_to_client_minor": 6_750, "commission_invoice_minor": 0,
        }  # fmt: skip
        assert totals.commission_retained_minor == 2_250

    def test_gross_remittance_remits_everything_and_invoices_the_commission(self) -> None:
        totals = statement_totals(self.LINES, RemitMode.GROSS)
        assert (totals.due_to_client_minor, totals.commission_invoice_minor,
                totals.commission_retained_minor) == (9_000, 2_250, 0)  # fmt: skip

    def test_the_convenience_fees_are_counted_in_the_commission(self) -> None:
        lines = [*self.LINES, Line(5, PAY, 5_300, 250_000, 1_550, 300)]
        totals = statement_totals(lines, RemitMode.NET)
        assert (totals.collected_minor, totals.commission_minor, totals.fees_minor,
                totals.client_share_minor) == (35_300, 3_800, 300, 10_500)  # fmt: skip

    def test_more_given_back_than_collected_is_due_from_the_client(self) -> None:
        totals = statement_totals([Line(4, BACK, -20_000, 300_000, -6_000)], RemitMode.NET)
        assert (totals.net_collected_minor, totals.due_to_client_minor) == (-20_000, -14_000)


@st.composite
def months_of_cash(draw: st.DrawFn) -> tuple[list[Movement], dict[int, OriginalPayment]]:
    """Payments on random days, some reversed, some refunded in parts, in posting order."""
    movements: list[Movement] = []
    takes: dict[int, list[tuple[int, int]]] = {}
    payments: dict[int, Movement] = {}
    next_id = 1
    for _ in range(draw(st.integers(0, 12))):
        on = PLACED + timedelta(days=draw(st.integers(0, 800)))
        cash = draw(st.integers(1, 500_000))
        fee = draw(st.one_of(st.just(0), st.integers(1, min(cash, 2_000))))  # a card fee, or none
        m = Movement(next_id, PAY, on, cash, PLACED, draw(st.integers(0, 2_000_000)),
                     fee_minor=fee)  # fmt: skip
        movements.append(m)
        payments[m.entry_id] = m
        next_id += 1
    for pid, m in payments.items():
        fate = draw(st.sampled_from(["kept", "reversed", "refunded"]))
        if fate == "reversed":
            movements.append(Movement(next_id, BACK, m.effective_on, -m.cash_minor, PLACED,
                                      reverses=pid))  # fmt: skip
            takes.setdefault(pid, []).append((next_id, -m.cash_minor))
            next_id += 1
        elif fate == "refunded":
            left = m.cash_minor
            for _ in range(draw(st.integers(1, 3))):
                if left == 0:
                    break
                part = draw(st.integers(1, left))
                movements.append(Movement(next_id, REFUND, m.effective_on, -part, PLACED,
                                          reverses=pid))  # fmt: skip
                takes.setdefault(pid, []).append((next_id, -part))
                left -= part
                next_id += 1
    originals = {
        pid: OriginalPayment(pid, m.cash_minor, m.effective_on, m.placed_on,
                             m.placed_balance_minor, None, tuple(takes.get(pid, ())),
                             m.fee_minor)
        for pid, m in payments.items()
    }  # fmt: skip
    return movements, originals


TIERED = CommissionTerms(
    default_rate_ppm=330_000,
    tiers=(Tier(0, 250_000), Tier(0, 222_222, 1_000_000), Tier(6, 300_000), Tier(12, 350_000)),
)


class TestProperties:
    @given(month=months_of_cash(), mode=st.sampled_from(list(RemitMode)))
    def test_share_plus_commission_is_collected_less_refunds_less_reversals(
        self, month: tuple[list[Movement], dict[int, OriginalPayment]], mode: RemitMode
    ) -> None:
        movements, originals = month
        lines = price(TIERED, movements, originals)
        for line in lines:
            assert line.client_share_minor + line.commission_minor == line.cash_minor
        t = statement_totals(lines, mode)
        assert t.client_share_minor + t.commission_minor == (
            t.collected_minor - t.refunds_minor - t.reversals_minor
        )
        assert t.net_collected_minor == sum(m.cash_minor for m in movements)
        assert t.due_to_client_minor + t.commission_retained_minor == t.net_collected_minor
        assert t.commission_invoice_minor + t.commission_retained_minor == t.commission_minor

    @given(month=months_of_cash())
    def test_what_is_given_back_in_full_leaves_no_commission_and_no_share(
        self, month: tuple[list[Movement], dict[int, OriginalPayment]]
    ) -> None:
        movements, originals = month
        lines = price(TIERED, movements, originals)
        by_payment: dict[int, list[Line]] = {}
        for m, line in zip(movements, lines, strict=True):
            by_payment.setdefault(m.reverses or m.entry_id, []).append(line)
        for pid, group in by_payment.items():
            if sum(line.cash_minor for line in group) == 0:
                assert sum(line.commission_minor for line in group) == 0
                assert sum(line.client_share_minor for line in group) == 0
            elif not originals[pid].fee_minor:  # commission kept: on the payment, less on
                back = sum(line.cash_minor for line in group[1:])  # what was given back of it
                rate = group[0].rate_ppm
                assert sum(line.commission_minor for line in group) == commission_on(
                    originals[pid].cash_minor, rate
                ) + commission_on(back, rate)

    @given(month=months_of_cash(), mode=st.sampled_from(list(RemitMode)))
    def test_a_fee_changes_only_the_commission_and_by_exactly_the_fee(
        self, month: tuple[list[Movement], dict[int, OriginalPayment]], mode: RemitMode
    ) -> None:
        """The same month without the fees (each payment brought its cash less its fee, and
        each take-back gave back only what it gave back of the rest: the fee goes back last)
        gives every line the same client share, and a commission less by the line's fee."""
        movements, originals = month
        lines = price(TIERED, movements, originals)
        rests = {pid: o.cash_minor - o.fee_minor for pid, o in originals.items()}
        back: dict[int, int] = {}
        twin: list[Movement] = []
        for m in movements:
            if m.reverses is None:
                twin.append(replace(m, cash_minor=m.cash_minor - m.fee_minor, fee_minor=0))
                continue
            before = back.get(m.reverses, 0)
            back[m.reverses] = before - m.cash_minor
            of_rest = min(back[m.reverses], rests[m.reverses]) - min(before, rests[m.reverses])
            twin.append(replace(m, cash_minor=-of_rest))
        kept = [(m, t) for m, t in zip(movements, twin, strict=True) if t.cash_minor]
        twin_originals = {
            pid: replace(o, cash_minor=rests[pid], fee_minor=0, taken_back=tuple(
                (t.entry_id, t.cash_minor) for _, t in kept if t.reverses == pid))
            for pid, o in originals.items()
        }  # fmt: skip
        twin_lines = dict(
            (line.entry_id, line)
            for line in price(TIERED, [t for _, t in kept if t.cash_minor], twin_originals)
        )
        for m, line in zip(movements, lines, strict=True):
            other = twin_lines.get(m.entry_id)
            if other is None:  # all of it was the fee: nothing of it is the client's
                assert (line.client_share_minor, line.commission_minor) == (0, line.cash_minor)
                assert line.fee_minor == line.cash_minor
                continue
            assert line.client_share_minor == other.client_share_minor
            assert line.commission_minor - line.fee_minor == other.commission_minor
        t = statement_totals(lines, mode)
        assert t.fees_minor == sum(line.fee_minor for line in lines)
        assert t.fees_minor == sum(m.fee_minor for m in movements) + sum(
            line.fee_minor for line in lines if line.kind is not PAY
        )
        assert (
            t.client_share_minor
            == statement_totals(list(twin_lines.values()), mode).client_share_minor
        )


class TestReconciliationIdentities:
    def test_cash_received_is_applied_plus_unapplied(self) -> None:
        assert CashReceived(100_000, 70_000, 30_000).difference_minor == 0
        assert CashReceived(100_000, 70_000, 29_000).difference_minor == 1_000

    def test_the_rollforward_compares_the_counted_closing_with_the_expected_one(self) -> None:
        balanced = Rollforward(5_000, 30_000, 26_250, 8_750, 0)
        assert (balanced.expected_closing_minor, balanced.difference_minor) == (0, 0)
        short = Rollforward(5_000, 30_000, 26_250, 8_750, 500)
        assert short.difference_minor == 500
        assert (balanced + short).as_dict()["opening_unremitted_minor"] == 10_000
