"""A remittance's documents: the statement and the commission invoice (PDF) and the workbook of
its lines (XLSX), rendered by the adapter the settings name (``ARREARS_STATEMENTS``; WeasyPrint
and openpyxl by default) from the stored statement, so writing them again gives the same
figures."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from arrears.core.trust import (
    CashKind,
    DocumentLine,
    RemitMode,
    StatementDocument,
    StatementRenderer,
    StatementTotals,
    month_label,
)
from arrears.data.trust.models import Remittance, RemittanceLine
from arrears.services.common import NotFound, ServiceError, document_store

DEFAULT_RENDERER = "arrears.adapters.statements.renderer.StatementRenderer"


@functools.cache
def statement_renderer() -> StatementRenderer:
    path = getattr(settings, "ARREARS_STATEMENTS", DEFAULT_RENDERER)
    return cast("StatementRenderer", import_string(path)())


def statement_document(remittance: Remittance) -> StatementDocument:
    """The statement as its documents show it: stored totals and every line, in entry order."""
    lines = [
        DocumentLine(entry_id, CashKind(kind), on, account_id, ref, cash, rate, commission, fee)
        for entry_id, kind, on, account_id, ref, cash, rate, commission, fee in (
            RemittanceLine.objects.filter(remittance=remittance)
            .order_by("entry_id")
            .values_list("entry_id", "entry__kind", "entry__effective_on", "entry__account_id",
                         "entry__account__client_ref", "cash_minor", "rate_ppm",
                         "commission_minor", "fee_minor")
        )
    ]  # fmt: skip
    collector = settings.ARREARS_COLLECTOR
    client = remittance.client
    return StatementDocument(
        number=remittance.number,
        agency_name=str(collector["name"]),
        agency_address=tuple(collector["address_lines"]),
        client_code=client.code,
        client_name=client.name,
        period_start=remittance.period_start,
        period_end=remittance.period_end,
        issued_on=timezone.localdate(remittance.created_at),
        currency=remittance.currency,
        totals=StatementTotals(
            remit_mode=RemitMode(remittance.remit_mode),
            lines=remittance.lines_count,
            collected_minor=remittance.collected_minor,
            refunds_minor=remittance.refunds_minor,
            reversals_minor=remittance.reversals_minor,
            commission_minor=remittance.commission_minor,
            client_share_minor=remittance.client_share_minor,
            fees_minor=remittance.fees_minor,
        ),
        lines=lines,
    )


def _write(folder: Path, name: str, content: bytes) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    partial = folder / (name + ".partial")
    with partial.open("wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    partial.replace(target)
    return str(target)


def statements_write(
    remittance_ids: Sequence[int], *, out: Path | None = None
) -> dict[int, list[str]]:
    """Render each remittance's statement PDF, invoice PDF and workbook; returns the files
    (paths under ``out``, else document store keys) per remittance."""
    renderer = statement_renderer()
    written: dict[int, list[str]] = {}
    for remittance in Remittance.objects.filter(pk__any_of=list(remittance_ids)).select_related(
        "client"
    ):
        document = statement_document(remittance)
        files = [
            (f"{document.number}.pdf", renderer.statement_pdf(document)),
            (f"{document.invoice_number}.pdf", renderer.invoice_pdf(document)),
            (f"{document.number}.xlsx", renderer.statement_xlsx(document)),
        ]
        names = []
        for name, content in files:
            if out is not None:
                names.append(_write(out, name, content))
            else:
                key = f"remittances/{month_label(remittance.period_start)}/{name}"
                document_store().put(key, content)
                names.append(key)
        written[remittance.pk] = names
    return written


# The documents of one statement a screen or the API hands out, rendered on request from the
# stored statement: kind -> (file name suffix, content type).
DOCUMENT_KINDS = {
    "statement": (".pdf", "application/pdf"),
    "invoice": (".pdf", "application/pdf"),
    "lines": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def remittance_file(remittance_id: int, kind: str) -> tuple[str, str, bytes]:
    """``(file name, content type, content)`` of one of a statement's documents (``kind``:
    statement, invoice or lines), rendered now from the stored statement, as ``remit`` wrote
    it. NotFound (field ``remittance_id``) for no such statement, ServiceError (``kind``) for
    another kind."""
    if kind not in DOCUMENT_KINDS:
        raise ServiceError(f"kind must be one of {', '.join(DOCUMENT_KINDS)}", field="kind")
    remittance = Remittance.objects.select_related("client").filter(pk=remittance_id).first()
    if remittance is None:
        raise NotFound(f"no remittance {remittance_id}", field="remittance_id")
    document = statement_document(remittance)
    renderer = statement_renderer()
    suffix, content_type = DOCUMENT_KINDS[kind]
    if kind == "statement":
        return f"{document.number}{suffix}", content_type, renderer.statement_pdf(document)
    if kind == "invoice":
        return f"{document.invoice_number}{suffix}", content_type, renderer.invoice_pdf(document)
    return f"{document.number}{suffix}", content_type, renderer.statement_xlsx(document)


__all__ = [
    "DOCUMENT_KINDS",
    "remittance_file",
    "statement_document",
    "statement_renderer",
    "statements_write",
]
