"""What a remittance statement and its commission invoice say, and the port that renders them.

The statement document is plain data; an adapter (``arrears.adapters.statements``) turns it into
a PDF (the statement and the invoice, with the totals) and a workbook (the totals and every
line). A statement of a large client has tens of thousands of lines: the workbook carries them,
the PDF carries the figures and a count per kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from arrears.core.trust.statement import CashKind, StatementTotals


@dataclass(frozen=True, slots=True)
class DocumentLine:
    entry_id: int
    kind: CashKind
    effective_on: date
    account_id: int
    client_ref: str
    cash_minor: int
    rate_ppm: int
    commission_minor: int
    fee_minor: int = 0  # the convenience fee part of the cash, in the commission

    @property
    def client_share_minor(self) -> int:
        return self.cash_minor - self.commission_minor


@dataclass(frozen=True, slots=True)
class StatementDocument:
    number: str  # REM-<client>-<YYYY-MM>[-<currency>]; the invoice is INV-...
    agency_name: str
    agency_address: tuple[str, ...]
    client_code: str
    client_name: str
    period_start: date
    period_end: date  # exclusive
    issued_on: date
    currency: str
    totals: StatementTotals
    lines: Sequence[DocumentLine]

    @property
    def invoice_number(self) -> str:
        return "INV-" + self.number.removeprefix("REM-")

    @property
    def last_day(self) -> date:
        return self.period_end - timedelta(days=1)


class StatementRenderer(Protocol):
    def statement_pdf(self, document: StatementDocument) -> bytes: ...

    def invoice_pdf(self, document: StatementDocument) -> bytes: ...

    def statement_xlsx(self, document: StatementDocument) -> bytes: ...
