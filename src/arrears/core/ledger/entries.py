"""Ledger entries: immutable postings that change what a consumer owes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from arrears.core.ledger.balances import Balances


class EntryKind(StrEnum):
    PLACEMENT = "placement"
    INTEREST = "interest"
    FEE = "fee"
    CHARGE = "charge"
    PAYMENT = "payment"
    PAYMENT_REVERSAL = "payment_reversal"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"
    SETTLEMENT_WRITEDOWN = "settlement_writedown"
    WRITE_OFF = "write_off"
    RECALL = "recall"
    REVERSAL = "reversal"


#: Kinds that undo (part of) another entry, named by `Entry.reverses`.
REVERSING_KINDS = frozenset({EntryKind.REVERSAL, EntryKind.PAYMENT_REVERSAL, EntryKind.REFUND})


@dataclass(frozen=True, slots=True)
class Entry:
    """One posting.

    `amounts` is the change to what the consumer owes (placement +, interest +,
    payment -). `cash` is money received (+, payment) or given back (-, refund or
    payment reversal), 0 for entries that move no money. `reverses` names the
    entry a reversal, payment reversal or refund undoes.
    """

    id: int
    kind: EntryKind
    effective_on: date
    amounts: Balances
    reverses: int | None = None
    cash: int = 0


def replay(entries: Iterable[Entry]) -> Balances:
    """The balances that `entries` add up to."""
    principal = interest = fees = costs = 0
    for entry in entries:
        amounts = entry.amounts
        principal += amounts.principal
        interest += amounts.interest
        fees += amounts.fees
        costs += amounts.costs
    return Balances(principal, interest, fees, costs)
