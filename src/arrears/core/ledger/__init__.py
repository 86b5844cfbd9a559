"""The account ledger: append-only entries over four balance buckets, the payment
waterfall, and the rules for reversals, refunds and write-downs. Amounts are integer
minor units of the account's one currency."""

from arrears.core.ledger.balances import Balances, Bucket
from arrears.core.ledger.entries import Entry, EntryKind, replay
from arrears.core.ledger.errors import AlreadyReversed, InvalidAmount, LedgerError, NothingOwed
from arrears.core.ledger.ledger import Ledger
from arrears.core.ledger.posting import (
    PaymentPlan,
    Position,
    ReversalPlan,
    plan_payment,
    plan_reversal,
)
from arrears.core.ledger.waterfall import DEFAULT_WATERFALL, allocate_payment, parse_waterfall

__all__ = [
    "DEFAULT_WATERFALL",
    "AlreadyReversed",
    "Balances",
    "Bucket",
    "Entry",
    "EntryKind",
    "InvalidAmount",
    "Ledger",
    "LedgerError",
    "NothingOwed",
    "PaymentPlan",
    "Position",
    "ReversalPlan",
    "allocate_payment",
    "parse_waterfall",
    "plan_payment",
    "plan_reversal",
    "replay",
]
