"""A remittance statement worked out: each cash movement's split, and the client's totals.

Cash movements are the ledger's payments (+), payment reversals (-) and refunds (-). A payment
earns the rate its client's terms give on the day it was received; a reversal or refund takes
back commission at the rate its payment earned (see :func:`take_back`). A card payment's
convenience fee is all commission, and is given back last (see ``core.trust.split``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from arrears.core.trust.split import SplitError, fee_taken_back, split, take_back
from arrears.core.trust.terms import CommissionTerms, RemitMode, commission_rate


class CashKind(StrEnum):
    PAYMENT = "payment"
    PAYMENT_REVERSAL = "payment_reversal"
    REFUND = "refund"


TAKE_BACK_KINDS = frozenset({CashKind.PAYMENT_REVERSAL, CashKind.REFUND})


@dataclass(frozen=True, slots=True)
class Movement:
    """One cash entry of the ledger, to be remitted. ``fee_minor``: of a payment's cash, the
    card convenience fee it paid (the agency's in full)."""

    entry_id: int
    kind: CashKind
    effective_on: date
    cash_minor: int
    placed_on: date
    placed_balance_minor: int = 0
    reverses: int | None = None
    fee_minor: int = 0


@dataclass(frozen=True, slots=True)
class OriginalPayment:
    """The payment a reversal or refund gives back: what it brought, the rate its remittance
    line used (None when it has not been remitted yet), every reversal and refund of it in
    the ledger as ``(entry id, cash)``, and the convenience fee of its cash (its line's, once
    remitted)."""

    entry_id: int
    cash_minor: int
    effective_on: date
    placed_on: date
    placed_balance_minor: int = 0
    rate_ppm: int | None = None
    taken_back: tuple[tuple[int, int], ...] = ()
    fee_minor: int = 0


@dataclass(frozen=True, slots=True)
class Line:
    """One movement priced. ``commission_minor`` includes ``fee_minor``, the convenience fee
    part of the cash (negative when given back), so the client's share never holds a fee."""

    entry_id: int
    kind: CashKind
    cash_minor: int
    rate_ppm: int
    commission_minor: int
    fee_minor: int = 0

    @property
    def client_share_minor(self) -> int:
        return self.cash_minor - self.commission_minor


def payment_rate(terms: CommissionTerms, payment: OriginalPayment | Movement) -> int:
    if isinstance(payment, OriginalPayment) and payment.rate_ppm is not None:
        return payment.rate_ppm
    return commission_rate(
        terms, payment.placed_on, payment.effective_on, payment.placed_balance_minor
    )


def price(
    terms: CommissionTerms,
    movements: Iterable[Movement],
    originals: Mapping[int, OriginalPayment],
) -> list[Line]:
    """Each movement's line: its rate and its commission (the share is the rest).

    ``originals`` holds the payment of every reversal and refund among the movements. Earlier
    take-backs of the same payment are those in ``OriginalPayment.taken_back`` with a smaller
    entry id (entries are numbered in the order they were posted).
    """
    lines: list[Line] = []
    for m in movements:
        if m.kind is CashKind.PAYMENT:
            if m.cash_minor < 0:
                raise SplitError(f"payment entry #{m.entry_id} brought {m.cash_minor} (< 0)")
            rate = payment_rate(terms, m)
            fee = m.fee_minor
            _, commission = split(m.cash_minor, rate, fee)
        else:
            if m.reverses is None or m.reverses not in originals:
                raise SplitError(f"{m.kind} entry #{m.entry_id} names no payment it gives back")
            original = originals[m.reverses]
            rate = payment_rate(terms, original)
            before = sum(cash for eid, cash in original.taken_back if eid < m.entry_id)
            _, commission = take_back(
                original.cash_minor, rate, before, m.cash_minor, original.fee_minor
            )
            fee = fee_taken_back(original.cash_minor, original.fee_minor, before, m.cash_minor)
        lines.append(Line(m.entry_id, m.kind, m.cash_minor, rate, commission, fee))
    return lines


@dataclass(frozen=True, slots=True)
class StatementTotals:
    """A client's figures for one statement. Refunds and reversals are positive amounts
    (what went back); ``net_collected = collected - refunds - reversals = client share +
    commission``. ``fees_minor`` is the part of the commission that is card convenience fees
    (those collected less those given back)."""

    remit_mode: RemitMode
    lines: int
    collected_minor: int
    refunds_minor: int
    reversals_minor: int
    commission_minor: int
    client_share_minor: int
    fees_minor: int = 0

    @property
    def net_collected_minor(self) -> int:
        return self.collected_minor - self.refunds_minor - self.reversals_minor

    @property
    def due_to_client_minor(self) -> int:
        """What leaves trust for the client: the share (net), or everything (gross). Negative
        when more went back than came in: the client owes it."""
        if self.remit_mode is RemitMode.NET:
            return self.client_share_minor
        return self.net_collected_minor

    @property
    def commission_invoice_minor(self) -> int:
        """What the commission invoice asks the client to pay: the commission when remitting
        gross; nothing when remitting net (the commission was kept from the remittance)."""
        return self.commission_minor if self.remit_mode is RemitMode.GROSS else 0

    @property
    def commission_retained_minor(self) -> int:
        """Commission the agency takes out of trust itself (net remittance only)."""
        return self.commission_minor if self.remit_mode is RemitMode.NET else 0

    def as_dict(self) -> dict[str, object]:
        return {
            "remit_mode": self.remit_mode.value,
            "lines": self.lines,
            "collected_minor": self.collected_minor,
            "refunds_minor": self.refunds_minor,
            "reversals_minor": self.reversals_minor,
            "net_collected_minor": self.net_collected_minor,
            "commission_minor": self.commission_minor,
            "fees_minor": self.fees_minor,
            "client_share_minor": self.client_share_minor,
            "due_to_client_minor": self.due_to_client_minor,
            "commission_invoice_minor": self.commission_invoice_minor,
        }


def statement_totals(lines: Sequence[Line], remit_mode: RemitMode) -> StatementTotals:
    collected = refunds = reversals = commission = share = fees = 0
    for line in lines:
        if line.kind is CashKind.PAYMENT:
            collected += line.cash_minor
        elif line.kind is CashKind.REFUND:
            refunds -= line.cash_minor
        else:
            reversals -= line.cash_minor
        commission += line.commission_minor
        share += line.client_share_minor
        fees += line.fee_minor
    return StatementTotals(
        remit_mode, len(lines), collected, refunds, reversals, commission, share, fees
    )
