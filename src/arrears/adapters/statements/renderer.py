"""Statement documents: the statement and the commission invoice as HTML then PDF, and the
workbook (a sheet of the figures, a sheet of every line).

Amounts go into the workbook as exact decimals (``Decimal``, written as their digits), never
through a float; rates as percentages with four decimals (ppm / 10,000). Card convenience fees
are part of the commission (the agency's in full): the figures say how much of the commission
they are, and each line its fee (the last column, so the columns before keep their places).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from arrears.adapters.documents import html_to_pdf, template_environment
from arrears.core.money import format_minor, minor_exponent
from arrears.core.trust import CashKind, RemitMode, StatementDocument

TEMPLATES = Path(__file__).resolve().parent / "templates"
AMOUNT_FORMAT = "#,##0.00;-#,##0.00"
KIND_NAMES = {
    CashKind.PAYMENT: "Payment",
    CashKind.PAYMENT_REVERSAL: "Returned payment",
    CashKind.REFUND: "Refund",
}


def amount(minor: int, currency: str) -> Decimal:
    """Minor units as an exact decimal amount (12345 USD -> Decimal('123.45'))."""
    exponent = minor_exponent(currency)
    return Decimal(minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def percent(rate_ppm: int) -> Decimal:
    return (Decimal(rate_ppm) / 10_000).quantize(Decimal("0.0001"))


class StatementRenderer:
    def __init__(self) -> None:
        self.env = template_environment(TEMPLATES)

    def _context(self, document: StatementDocument) -> dict[str, Any]:
        counts = Counter(line.kind for line in document.lines)
        earlier = sum(1 for line in document.lines if line.effective_on < document.period_start)

        def money(minor: int) -> str:
            return format_minor(minor, document.currency)

        return {
            "d": document,
            "t": document.totals,
            "gross": document.totals.remit_mode is RemitMode.GROSS,
            "counts": {KIND_NAMES[kind]: counts.get(kind, 0) for kind in CashKind},
            "earlier": earlier,
            "money": money,
        }

    def statement_html(self, document: StatementDocument) -> str:
        return self.env.get_template("statement.html").render(**self._context(document))

    def invoice_html(self, document: StatementDocument) -> str:
        return self.env.get_template("invoice.html").render(**self._context(document))

    def _pdf(self, html: str) -> bytes:
        return html_to_pdf(html, TEMPLATES)

    def statement_pdf(self, document: StatementDocument) -> bytes:
        return self._pdf(self.statement_html(document))

    def invoice_pdf(self, document: StatementDocument) -> bytes:
        return self._pdf(self.invoice_html(document))

    def statement_xlsx(self, document: StatementDocument) -> bytes:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        book = Workbook(write_only=True)
        figures = book.create_sheet("Statement")
        lines = book.create_sheet("Lines")
        cur = document.currency
        bold = Font(bold=True)

        def money_cell(sheet: Any, minor: int) -> WriteOnlyCell:
            cell = WriteOnlyCell(sheet, value=amount(minor, cur))
            cell.number_format = AMOUNT_FORMAT
            return cell

        t = document.totals
        figures.append([WriteOnlyCell(figures, value="Remittance statement"), document.number])
        figures.append(["Client", f"{document.client_code}: {document.client_name}"])
        figures.append(["Period", document.period_start, document.last_day])
        figures.append(["Remit", t.remit_mode.value])
        figures.append(["Currency", cur])
        figures.append(["Lines", t.lines])
        figures.append([])
        for label, minor in (
            ("Collected", t.collected_minor),
            ("Refunds", t.refunds_minor),
            ("Returned payments", t.reversals_minor),
            ("Net collected", t.net_collected_minor),
            ("Commission", t.commission_minor),
            ("of which convenience fees", t.fees_minor),
            ("Client share", t.client_share_minor),
            ("Due to client", t.due_to_client_minor),
            ("Commission invoiced", t.commission_invoice_minor),
        ):
            figures.append([WriteOnlyCell(figures, value=label), money_cell(figures, minor)])

        header = ["Entry", "Date", "Kind", "Account", "Client reference", "Cash",
                  "Rate %", "Commission", "Client share",
                  "of which convenience fee"]  # fmt: skip
        row = []
        for name in header:
            cell = WriteOnlyCell(lines, value=name)
            cell.font = bold
            row.append(cell)
        lines.append(row)
        for line in document.lines:
            lines.append([
                line.entry_id, line.effective_on, line.kind.value, line.account_id,
                line.client_ref, money_cell(lines, line.cash_minor), percent(line.rate_ppm),
                money_cell(lines, line.commission_minor),
                money_cell(lines, line.client_share_minor), money_cell(lines, line.fee_minor),
            ])  # fmt: skip
        buffer = BytesIO()
        book.save(buffer)
        return buffer.getvalue()
