"""Trust accounting: what of each payment is the client's and what is our commission, the
remittance statement of a month, and the reconciliation of the money held in trust.

Pure: no Django, no I/O, no clock. Amounts are integer minor units; rates are ppm.
"""

from arrears.core.trust.documents import DocumentLine, StatementDocument, StatementRenderer
from arrears.core.trust.period import month_label, month_period, parse_month
from arrears.core.trust.reconcile import CashReceived, Rollforward
from arrears.core.trust.split import SplitError, commission_on, fee_taken_back, split, take_back
from arrears.core.trust.statement import (
    TAKE_BACK_KINDS,
    CashKind,
    Line,
    Movement,
    OriginalPayment,
    StatementTotals,
    price,
    statement_totals,
)
from arrears.core.trust.terms import (
    PPM,
    CommissionTerms,
    RemitMode,
    TermsError,
    Tier,
    add_months,
    commission_rate,
    months_placed,
)

__all__ = [
    "PPM",
    "TAKE_BACK_KINDS",
    "CashKind",
    "CashReceived",
    "CommissionTerms",
    "DocumentLine",
    "Line",
    "Movement",
    "OriginalPayment",
    "RemitMode",
    "Rollforward",
    "SplitError",
    "StatementDocument",
    "StatementRenderer",
    "StatementTotals",
    "TermsError",
    "Tier",
    "add_months",
    "commission_on",
    "commission_rate",
    "fee_taken_back",
    "month_label",
    "month_period",
    "months_placed",
    "parse_month",
    "price",
    "split",
    "statement_totals",
    "take_back",
]
