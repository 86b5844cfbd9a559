"""Account use cases: recall by file, and the fields that may not change."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from arrears.data.accounts.models import Account
from arrears.data.clients.models import Client
from arrears.services.common import Actor, NotFound, ServiceError, audit_record
from arrears.services.ledger.operations import account_recall
from arrears.services.placements.operations import InputUnreadable
from arrears.services.placements.readers import UnreadableFile, open_rows


class DofdLocked(ServiceError):
    code = "dofd_locked"


def account_dofd_set(
    *, account_id: int, dofd: date, actor: Actor, now: datetime | None = None
) -> Account:
    """Record the date of first delinquency. Once set it never changes (no re-aging)."""
    with transaction.atomic():
        account = Account.objects.select_for_update().filter(pk=account_id).first()
        if account is None:
            raise NotFound(f"no account {account_id}", field="account_id")
        current = account.date_of_first_delinquency
        if current is not None:
            if current == dofd:
                return account
            raise DofdLocked(
                f"the date of first delinquency is {current.isoformat()} and cannot change "
                "once set (FCRA 623(a)(5): no re-aging)",
                field="date_of_first_delinquency",
            )
        account.date_of_first_delinquency = dofd
        account.save(update_fields=["date_of_first_delinquency", "updated_at"])
        audit_record(
            actor=actor, event="account.dofd_set", account_id=account.pk, at=now,
            details={"date_of_first_delinquency": dofd.isoformat()},
        )  # fmt: skip
        return account


@dataclass
class RecallReport:
    rows: int = 0
    recalled: int = 0
    already_recalled: int = 0
    rejected: int = 0
    rejects: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def recall_file(
    *,
    client_code: str,
    path: Path,
    actor: Actor,
    on: date,
    rejects_path: Path | None = None,
    now: datetime | None = None,
) -> RecallReport:
    """Recall the accounts a client lists (column ``client_account_ref``, optional ``reason``).

    Re-running the same file changes nothing: accounts already recalled are counted as such.
    """
    now = now or timezone.now()
    client = Client.objects.filter(code=client_code.strip().upper()).first()
    if client is None:
        raise NotFound(f"no client with code {client_code!r}", field="client")
    report = RecallReport()
    try:
        with open_rows(path) as source:
            header = [h.strip().lower() for h in source.header]
            if "client_account_ref" not in header:
                raise InputUnreadable(
                    "the recall file needs a 'client_account_ref' column", field="file"
                )
            ref_at = header.index("client_account_ref")
            reason_at = header.index("reason") if "reason" in header else None
            rows = list(source.rows)
    except UnreadableFile as exc:
        raise InputUnreadable(str(exc), field="file") from exc
    for line, values in rows:
        report.rows += 1
        ref = values[ref_at].strip() if ref_at < len(values) else ""
        reason = (
            values[reason_at].strip() if reason_at is not None and reason_at < len(values) else ""
        )
        if not ref:
            report.rejects.append(
                {"line": line, "field": "client_account_ref", "code": "missing_required",
                 "reason": "client_account_ref is empty"}
            )  # fmt: skip
            continue
        account_id = (
            Account.objects.filter(client=client, client_ref=ref)
            .values_list("id", flat=True)
            .first()
        )
        if account_id is None:
            report.rejects.append(
                {"line": line, "field": "client_account_ref", "code": "not_found",
                 "reason": f"no account '{ref}' for client {client.code}"}
            )  # fmt: skip
            continue
        if account_recall(
            account_id=account_id,
            on=on,
            reason=reason or "recalled by client",
            actor=actor,
            now=now,
        ):
            report.recalled += 1
        else:
            report.already_recalled += 1
    report.rejected = len(report.rejects)
    if rejects_path is not None:
        with rejects_path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=["line", "field", "code", "reason"])
            writer.writeheader()
            writer.writerows(report.rejects)
    return report
