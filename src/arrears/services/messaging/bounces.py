"""Bounces: mail servers telling us, after they accepted a message, that it could not be
delivered. A hard bounce (no such mailbox, domain gone) makes the address bad, so no rule will
pick it again and collectors see why; a soft one (mailbox full, try later) is only recorded.

Bounces arrive by address, from a provider's webhook (``POST /api/email/bounces``) or a file
(``arrears email-bounces``). The address is found through the email blind index, the same way
search and imports find it, so one bounce reaches every consumer who gave that address. Each
contact point gets one audit event per bounce, in the transaction that marks it; the bounce
(kind, day, reference) is the idempotency key, so a webhook delivered twice or a file read
again changes nothing. An address we do not hold is not an error: it is counted as unmatched.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from arrears.core.formats.placements import normalise_email
from arrears.data.accounts.models import AccountParty
from arrears.data.audit.models import AuditEvent
from arrears.data.messaging.models import MessageStatus, OutboundMessage
from arrears.data.parties.models import ContactKind, ContactPoint, ContactStatus
from arrears.services.common import (
    Actor,
    ServiceError,
    audit_record,
    blind_indexer,
    require_choice,
)
from arrears.services.compliance.operations import contactability_refresh
from arrears.services.strategies.routing import accounts_reroute

KINDS = ("hard", "soft")
EVENT = "contact_point.bounced"
COLUMNS = ("address", "bounced_on", "kind", "reason", "reference")
REQUIRED = ("address", "bounced_on", "kind")


class UnreadableBounceFile(ServiceError):
    code = "unreadable"


@dataclass(frozen=True)
class BounceResult:
    kind: str
    contact_points: tuple[int, ...]  # every email contact point with the address
    marked_bad: tuple[int, ...]  # those this bounce made bad
    recorded: int  # audit events written; 0 when the bounce was recorded before

    @property
    def matched(self) -> bool:
        return bool(self.contact_points)


def _index_keys(address: str) -> list[str]:
    """Blind index keys the address may be stored under: as imports keep it (domain lower
    case), and all lower case, since providers often report it so."""
    normal = normalise_email(address.strip())
    if normal is None:
        raise ServiceError(f"{address!r} is not an email address", field="address")
    index = blind_indexer().index
    return sorted({index("email", normal), index("email", normal.lower())})


def email_bounce_record(
    *,
    address: str,
    bounced_on: date,
    kind: str,
    reason: str,
    actor: Actor,
    now: datetime,
    reference: str = "",
) -> BounceResult:
    """Record one bounce of ``address``; on a hard bounce its contact points become bad."""
    require_choice(kind, KINDS, "kind")
    if bounced_on > timezone.localdate(now):
        raise ServiceError("a bounce cannot come from the future", field="bounced_on")
    keys = _index_keys(address)
    reason, reference = reason.strip()[:300], reference.strip()[:40]
    with transaction.atomic():
        points = list(
            ContactPoint.objects.select_for_update()
            .filter(kind=ContactKind.EMAIL, value_index__in=keys)
            .order_by("pk")
        )
        marked: list[int] = []
        recorded = 0
        for point in points:
            key = {"contact_point": point.pk, "kind": kind, "bounced_on": bounced_on.isoformat(),
                   "reference": reference}  # fmt: skip
            seen = AuditEvent.objects.filter(
                party_id=point.party_id, event=EVENT,
                **{f"details__{name}": value for name, value in key.items()},
            ).exists()  # fmt: skip
            if seen:
                continue
            became_bad = kind == "hard" and point.status != ContactStatus.BAD
            if became_bad:
                point.status = ContactStatus.BAD
                point.save(update_fields=["status"])
                marked.append(point.pk)
            audit_record(actor=actor, event=EVENT, party_id=point.party_id, at=now,
                         details={**key, "reason": reason, "marked_bad": became_bad})  # fmt: skip
            recorded += 1
        if marked:
            parties = [p.party_id for p in points if p.pk in marked]
            accounts = AccountParty.objects.filter(party_id__in=parties).values_list(
                "account_id", flat=True
            )
            contactability_refresh(sorted(set(accounts)), at=now)
            accounts_reroute(sorted(set(accounts)), as_of=bounced_on, now=now)
        if reference and kind == "hard":
            # The message the bounce answers, when the provider kept our reference.
            OutboundMessage.objects.filter(reference=reference, channel="email").update(
                status=MessageStatus.BOUNCED, error=reason[:300], updated_at=now
            )
    return BounceResult(kind=kind, contact_points=tuple(p.pk for p in points),
                        marked_bad=tuple(marked), recorded=recorded)  # fmt: skip


# --- a file of bounces -------------------------------------------------------------------------


@dataclass(frozen=True)
class BounceReject:
    line: int
    field: str
    reason: str


@dataclass
class BounceFileReport:
    file: str
    rows: int = 0
    hard: int = 0
    soft: int = 0
    marked_bad: int = 0
    unmatched: int = 0
    repeated: int = 0  # bounces recorded before (the file read again)
    rejected: int = 0
    rejects: list[BounceReject] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "rows": self.rows, "hard": self.hard, "soft": self.soft,
            "marked_bad": self.marked_bad, "unmatched": self.unmatched,
            "repeated": self.repeated, "rejected": self.rejected,
        }  # fmt: skip


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ServiceError(f"{text!r} is not a date (YYYY-MM-DD)", field="bounced_on") from None


def email_bounces_file(
    path: Path,
    *,
    actor: Actor,
    now: datetime,
    rejects_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> BounceFileReport:
    """Record every bounce of a CSV (or XLSX) file with the columns ``address, bounced_on, kind,
    reason, reference`` (the last two may be left out). A bad row goes to the rejects file (its
    columns plus line, field and reason) and the others are recorded; reading the file again
    records nothing new."""
    from arrears.services.placements.readers import UnreadableFile, open_rows

    report = BounceFileReport(file=path.name)
    try:
        source = open_rows(path)
    except (UnreadableFile, OSError) as exc:
        raise UnreadableBounceFile(getattr(exc, "message", str(exc)), field="file") from exc
    with source:
        header = [h.strip().lower() for h in source.header]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise UnreadableBounceFile(
                f"the header lacks {', '.join(missing)} (columns: {', '.join(COLUMNS)})",
                field="file",
            )
        where = {name: header.index(name) for name in COLUMNS if name in header}
        writer = _RejectsWriter(rejects_path, source.header)
        try:
            for line, values in source.rows:
                report.rows += 1
                try:
                    if len(values) != len(header):
                        raise ServiceError(f"{len(values)} fields where the header has "
                                           f"{len(header)}", field="row")  # fmt: skip
                    cell = {name: values[i].strip() for name, i in where.items()}
                    kind = cell["kind"].lower()
                    result = email_bounce_record(
                        address=cell["address"], bounced_on=_parse_day(cell["bounced_on"]),
                        kind=kind, reason=cell.get("reason", ""), actor=actor, now=now,
                        reference=cell.get("reference", ""),
                    )  # fmt: skip
                except ServiceError as exc:
                    reject = BounceReject(line=line, field=exc.field or "row", reason=exc.message)
                    report.rejected += 1
                    report.rejects.append(reject)
                    writer.add(values, reject)
                    continue
                report.hard += kind == "hard"
                report.soft += kind == "soft"
                report.marked_bad += len(result.marked_bad)
                report.unmatched += not result.matched
                report.repeated += result.matched and result.recorded == 0
                if progress is not None:
                    progress(report.rows)
        finally:
            writer.close()
    audit_record(actor=actor, event="email.bounce_file_read", at=now, details=report.as_dict())
    return report


class _RejectsWriter:
    def __init__(self, path: Path | None, header: list[str]) -> None:
        self._fh = path.open("w", newline="", encoding="utf-8") if path is not None else None
        self._csv = csv.writer(self._fh) if self._fh is not None else None
        self._width = len(header)
        if self._csv is not None:
            self._csv.writerow([*header, "line", "field", "reason"])

    def add(self, values: list[str], reject: BounceReject) -> None:
        if self._csv is not None:
            cells = (values + [""] * self._width)[: self._width]
            self._csv.writerow([*cells, reject.line, reject.field, reject.reason])

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
