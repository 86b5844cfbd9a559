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
from arrears.services.common import document_store

DEFAULT_RENDERER = "arrears.adapters.statements.renderer.StatementRenderer"


@functools.cache
def statement_renderer() -> StatementRenderer:
    path = getattr(settings, "ARREARS_STATEMENTS", DEFAULT_RENDERER)
    return cast("StatementRenderer", import_string(path)())


def statement_document(remittance: Remittance) -> StatementDocument:
    """The statement as its documents show it: stored totals and every line, in entry order."""
    lines = [
        DocumentLine(entry_id, CashKind(kind), on, account_id, ref, cash, rate, commission)
        for entry_id, kind, on, account_id, ref, cash, rate, commission in (
            RemittanceLine.objects.filter(remittance=remittance)
            .order_by("entry_id")
            .values_list("entry_id", "entry__kind", "entry__effective_on", "entry__account_id",
                         "entry__account__client_ref", "cash_minor", "rate_ppm",
                         "commission_minor")
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


__all__ = ["statement_document", "statement_renderer", "statements_write"]
