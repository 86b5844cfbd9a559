"""ACH files as operations see them: read, checked, and shown without full account numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from arrears.core.formats.nacha import AchError, AchFile, Entry, read_ach
from arrears.services.common import ServiceError


class MalformedAchFile(ServiceError):
    """The file cannot be read as an ACH file; the message names the line."""

    code = "unreadable"

    def __init__(self, message: str, *, line: int | None) -> None:
        super().__init__(message, field="file")
        self.line = line


def read_ach_file(path: Path) -> AchFile:
    """The checked file at ``path``, or :class:`MalformedAchFile` naming the first bad line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MalformedAchFile(f"{path}: cannot be read ({exc.strerror})", line=None) from exc
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise MalformedAchFile(
            f"{path.name}: line {line}: a byte that is not ASCII ({raw[exc.start]:#04x})",
            line=line,
        ) from exc
    try:
        return read_ach(text)
    except AchError as exc:
        raise MalformedAchFile(f"{path.name}: {exc}", line=exc.line) from exc


def masked(account: str) -> str:
    """A bank account number as operations may see it: its last four characters."""
    return "*" * max(len(account) - 4, 0) + account[-4:]


def _entry(entry: Entry) -> dict[str, Any]:
    return {
        "line": entry.line,
        "transaction_code": entry.transaction_code,
        "debit": entry.debit,
        "rdfi": entry.rdfi,
        "account": masked(entry.account),
        "amount_minor": entry.amount_minor,
        "individual_id": entry.individual_id,
        "name": entry.name,
        "discretionary": entry.discretionary,
        "trace": entry.trace,
        "addenda": [{"line": a.line, "type_code": a.type_code, **a.fields} for a in entry.addenda],
    }


def ach_summary(ach: AchFile) -> dict[str, Any]:
    """The file's header, totals and every batch and entry (accounts masked)."""
    return {
        "immediate_destination": ach.immediate_destination,
        "immediate_origin": ach.immediate_origin,
        "destination_name": ach.destination_name,
        "origin_name": ach.origin_name,
        "creation_date": ach.creation_date,
        "file_id_modifier": ach.file_id_modifier,
        "batches": len(ach.batches),
        "blocks": ach.blocks,
        "entries_and_addenda": ach.entries_and_addenda,
        "entry_hash": ach.entry_hash,
        "debit_total_minor": ach.debit_total_minor,
        "credit_total_minor": ach.credit_total_minor,
        "batch_details": [
            {
                "line": batch.line,
                "number": batch.number,
                "service_class": batch.service_class,
                "sec": batch.sec,
                "company_name": batch.company_name,
                "company_id": batch.company_id,
                "entry_description": batch.entry_description,
                "effective_date": batch.effective_date,
                "odfi": batch.odfi,
                "entries_and_addenda": batch.entries_and_addenda,
                "entry_hash": batch.entry_hash,
                "debit_total_minor": batch.debit_total_minor,
                "credit_total_minor": batch.credit_total_minor,
                "entries": [_entry(entry) for entry in batch.entries],
            }
            for batch in ach.batches
        ],
    }
