"""The dialer: the day's call list of a queue, the dispositions it sends back, and preview dialing
from the workspace. Every call goes through compliance and ends up an attempt with its Decision.

**Call list.** A queue's pending entries in rank order, each account's dialable numbers in
priority order, each number with the intervals of that day the rules allow a call to it. The
intervals come from the compliance evaluator itself (``core.compliance.windows`` walks it at the
few moments a verdict can change), so the list says what the workspace would say at each moment
of the day, as the history stands when the list is made. An account no number of which has a
window that day is left out and counted by the rules that close it (a cease, seven calls in
seven days, a hold). Accounts are read 500 at a time (a handful of statements per batch), so a
queue of a hundred thousand entries is a few hundred batches, not a hundred thousand reads.

The list is a plan made before the day's calls: the calls the dialer makes during the day can
close a number (the seventh call of the week); each disposition sent back is judged as it is
recorded, and a call made while blocked is recorded and audited (below).

**Dispositions.** Each call the dialer reports is recorded as an outbound call attempt through
``contact_attempt_record`` with ``already_made``: the call happened, so it is written even when
the rules would have blocked it, with the Decision it was made under and the audit event
``contact.made_while_blocked``. Its key is ``dialer:{call_id}``: the same file loaded again
records nothing new. A disconnected or wrong number marks that number bad. Bad rows go to the
rejects file with their line and reason; the good rows load.

**Preview dialing.** In a queue worked in preview mode, the workspace offers the best number the
rules allow now; the call is placed by the ``Dialer`` port only when the collector clicks, and
the click asks the rules again first. The call's outcome comes back under the dialer's call id,
from the collector's disposition in the workspace or from the dialer's file, whichever is first.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from arrears.core.compliance import Channel, ContactRequest, ContactSnapshot, Decision, evaluate
from arrears.core.compliance.windows import allowed_windows
from arrears.core.formats import dialer as layout
from arrears.core.formats.dialer import CallListRow, CallMode, DispositionReject, DispositionRow
from arrears.core.ports import Dialer
from arrears.core.work.dialing import mask_phone, phone_priority
from arrears.core.work.voicemail import VoicemailError, VoicemailScript, voicemail_text
from arrears.data.accounts.models import Account, AccountParty
from arrears.data.contacts.models import ContactAttempt
from arrears.data.parties.models import ContactPoint, ContactStatus
from arrears.data.users.models import User
from arrears.data.work.models import QueueEntry, WorkQueue
from arrears.services.common import Actor, NotFound, ServiceError, audit_record
from arrears.services.compliance.operations import (
    CLOCK_SLACK,
    ContactBlocked,
    contact_attempt_record,
)
from arrears.services.compliance.snapshots import (
    build_snapshot,
    history_days,
    load_material,
    packs_in_force,
)
from arrears.services.work.actions import contact_point_mark_bad
from arrears.services.work.picking import entries_worked

BATCH = 500
NO_PHONE = "no_dialable_phone"
WORKED = "worked_this_pass"

# --- the call list -----------------------------------------------------------------------------


@dataclass
class DialerCounts:
    queue: str
    day: date
    entries: int = 0  # pending entries read
    accounts: int = 0  # accounts listed (with at least one number)
    rows: int = 0  # numbers listed
    evaluations: int = 0  # how often the rules were asked
    left_out: Counter[str] = field(default_factory=Counter)  # accounts, by what closes them
    numbers_left_out: Counter[str] = field(default_factory=Counter)  # of listed accounts

    def as_dict(self) -> dict[str, Any]:
        return {
            "queue": self.queue, "day": self.day.isoformat(), "entries": self.entries,
            "accounts": self.accounts, "rows": self.rows, "evaluations": self.evaluations,
            "left_out": dict(sorted(self.left_out.items())),
            "numbers_left_out": dict(sorted(self.numbers_left_out.items())),
        }  # fmt: skip


@dataclass(frozen=True)
class DialerList:
    rows: list[CallListRow]
    counts: DialerCounts


def _queue(code: str) -> WorkQueue:
    queue = WorkQueue.objects.filter(code=code.strip().lower()).first()
    if queue is None:
        raise NotFound(f"no queue {code!r}", field="queue")
    return queue


def _valid_on(point: ContactPoint, day: date) -> bool:
    return point.valid_from <= day and (point.valid_to is None or day < point.valid_to)


def dialable_phones(points: Iterable[ContactPoint], day: date) -> list[ContactPoint]:
    """The numbers worth dialing on ``day``, best first: phones with a number, not marked bad,
    valid that day (``core.work.dialing.phone_priority`` orders them)."""
    phones = [
        p for p in points
        if p.kind == "phone" and p.phone_e164 and p.status != ContactStatus.BAD and _valid_on(p, day)
    ]  # fmt: skip
    return sorted(phones, key=lambda p: phone_priority(
        status=p.status, phone_type=p.phone_type, consent=bool(p.consent_source), pk=p.pk))  # fmt: skip


def _day_range(day: date, zone_name: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone_name)
    return (datetime.combine(day, time(0), tzinfo=tz),
            datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz))  # fmt: skip


def _account_rows(
    snap: ContactSnapshot, phones: list[ContactPoint], *, rank: int, client_code: str,
    client_ref: str, day: date, now: datetime, automated: bool, counts: DialerCounts,
) -> tuple[list[CallListRow], list[str]]:  # fmt: skip
    """The account's rows, and for each number left out (in priority order) the rules that close
    its day ("day_over" when the day has ended already)."""
    packs = packs_in_force()
    day_start, day_end = _day_range(day, snap.day_zone)
    start = max(day_start, now)
    rows: list[CallListRow] = []
    closed: list[str] = []
    for point in phones:
        if start >= day_end:
            closed.append("day_over")
            continue
        req = ContactRequest(channel=Channel.CALL, at=start, contact_point_id=str(point.pk),
                             automated=automated)  # fmt: skip
        found = allowed_windows(packs, snap, req, end=day_end)
        counts.evaluations += found.evaluations
        if not found.windows:
            closed.append(",".join(found.rule_ids) or "no_window")
            continue
        rows.append(CallListRow(
            rank=rank, account_id=snap.account_id, client_code=client_code,
            client_ref=client_ref, priority=len(rows) + 1, phone=point.phone_e164,
            phone_type=point.phone_type, contact_point_id=point.pk, time_zone=snap.day_zone,
            zones=snap.zones, windows=tuple((w.start, w.end) for w in found.windows),
        ))  # fmt: skip
    return rows, closed


def dialer_rows(
    *,
    queue_code: str,
    day: date,
    now: datetime,
    counts: DialerCounts | None = None,
    automated: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[CallListRow]:
    """The call list's rows for ``day``, in rank order, a batch of accounts at a time; ``counts``
    (if given) is filled as they are read. ``automated``: the dialer dials by itself (predictive),
    so the TCPA's consent rule for automated calls to mobiles applies."""
    queue = _queue(queue_code)
    counts = counts if counts is not None else DialerCounts(queue=queue.code, day=day)
    pending = QueueEntry.objects.filter(queue=queue, worked_at__isnull=True)
    total = pending.count()
    worked = QueueEntry.objects.filter(queue=queue, worked_at__isnull=False).count()
    if worked:
        counts.left_out[WORKED] += worked
    since = datetime.combine(day, time(0), tzinfo=UTC) - timedelta(
        days=history_days(packs_in_force()) + 1
    )
    after = 0
    while True:
        batch = list(
            pending.filter(rank__gt=after)
            .order_by("rank")
            .values_list("account_id", "rank")[:BATCH]
        )
        if not batch:
            break
        after = batch[-1][1]
        ids = [account_id for account_id, _ in batch]
        materials = load_material(ids, attempts_from=since)
        refs = dict(Account.objects.filter(pk__in=ids).values_list("pk", "client_ref"))
        for account_id, rank in batch:
            counts.entries += 1
            material = materials.get(account_id)
            if material is None:
                continue
            phones = dialable_phones(material.points, day)
            if not phones:
                counts.left_out[NO_PHONE] += 1
                continue
            snap = build_snapshot(material, today=day)
            rows, closed = _account_rows(
                snap, phones, rank=rank, client_code=material.client_code,
                client_ref=refs.get(account_id, ""), day=day, now=now, automated=automated,
                counts=counts,
            )  # fmt: skip
            if not rows:  # counted once, by what closes its best number
                counts.left_out[closed[0]] += 1
                continue
            counts.numbers_left_out.update(closed)
            counts.accounts += 1
            counts.rows += len(rows)
            yield from rows
        if progress is not None:
            progress(counts.entries, total)


def dialer_list(
    *, queue_code: str, day: date, now: datetime, actor: Actor, automated: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> DialerList:  # fmt: skip
    """The whole call list in memory (the API); the audit records who took it."""
    counts = DialerCounts(queue=queue_code.strip().lower(), day=day)
    rows = list(dialer_rows(queue_code=queue_code, day=day, now=now, counts=counts,
                            automated=automated, progress=progress))  # fmt: skip
    with transaction.atomic():
        audit_record(actor=actor, event="dialer.list_taken", at=now, details=counts.as_dict())
    return DialerList(rows=rows, counts=counts)


def dialer_list_write(
    out: TextIO, *, queue_code: str, day: date, now: datetime, actor: Actor,
    automated: bool = True, progress: Callable[[int, int], None] | None = None,
) -> DialerCounts:  # fmt: skip
    """Write the call list as CSV (``core.formats.dialer.CALL_LIST``) as it is read."""
    counts = DialerCounts(queue=queue_code.strip().lower(), day=day)
    writer = csv.writer(out)
    writer.writerow(layout.CALL_LIST_HEADER)
    for row in dialer_rows(queue_code=queue_code, day=day, now=now, counts=counts,
                           automated=automated, progress=progress):  # fmt: skip
        writer.writerow(layout.call_list_cells(row))
    with transaction.atomic():
        audit_record(actor=actor, event="dialer.list_taken", at=now, details=counts.as_dict())
    return counts


# --- dispositions --------------------------------------------------------------------------------


class UnreadableDispositions(ServiceError):
    code = "unreadable"


@dataclass
class DispositionReport:
    file: str = ""
    rows: int = 0
    recorded: int = 0
    duplicates: int = 0  # calls recorded before (the same call id): nothing changed
    rejected: int = 0
    made_while_blocked: int = 0  # recorded with a Decision that blocked them, and audited
    marked_bad: int = 0
    unknown_numbers: int = 0  # recorded without a contact point: not a number on file
    rejects: list[DispositionReject] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "rows": self.rows, "recorded": self.recorded,
            "duplicates": self.duplicates, "rejected": self.rejected,
            "made_while_blocked": self.made_while_blocked, "marked_bad": self.marked_bad,
            "unknown_numbers": self.unknown_numbers,
        }  # fmt: skip


@dataclass(frozen=True)
class _Target:
    account_id: int
    contact_point_id: int | None
    user_id: int | None
    duplicate: bool


# What the recording service calls a field, as the dispositions file names it.
_FIELDS = {"at": "started_at", "contact_point_id": "phone", "key": "call_id",
           "account_id": "account", "outcome": "result", "channel": "result"}  # fmt: skip


def _resolve(rows: Sequence[DispositionRow]) -> dict[int, _Target | DispositionReject]:
    """Each row's account, number on file, agent and whether its call is recorded already; or
    the reject saying which is wrong. A handful of statements for the whole batch."""
    ids = {r.account_id for r in rows if r.account_id is not None}
    known = set(Account.objects.filter(pk__in=ids).values_list("pk", flat=True))
    refs = {r.client_ref for r in rows if r.account_id is None}
    by_ref: dict[str, list[tuple[str, int]]] = {}
    for ref, code, pk in Account.objects.filter(client_ref__in=refs).values_list(
        "client_ref", "client__code", "pk"
    ):
        by_ref.setdefault(ref, []).append((code, pk))
    accounts: dict[int, int | DispositionReject] = {}
    for r in rows:
        if r.account_id is not None:
            accounts[r.line] = r.account_id if r.account_id in known else DispositionReject(
                r.line, "account", "not_found", f"no account {r.account_id}")  # fmt: skip
            continue
        found = [
            pk for code, pk in by_ref.get(r.client_ref, []) if not r.client or code == r.client
        ]
        if len(found) == 1:
            accounts[r.line] = found[0]
        else:
            accounts[r.line] = DispositionReject(
                r.line, "client_ref", "not_found" if not found else "ambiguous",
                f"no account with client_ref {r.client_ref!r}" if not found else
                f"client_ref {r.client_ref!r} is held by several clients: give the client",
            )  # fmt: skip
    found_ids = {a for a in accounts.values() if isinstance(a, int)}
    parties: dict[int, set[int]] = {}
    for account_id, party_id in AccountParty.objects.filter(account_id__in=found_ids).values_list(
        "account_id", "party_id"
    ):
        parties.setdefault(party_id, set()).add(account_id)
    points: dict[tuple[int, str], int] = {}
    for pk, party_id, phone in (
        ContactPoint.objects.filter(
            party_id__in=parties, kind="phone", phone_e164__in={r.phone for r in rows}
        )
        .order_by("pk")
        .values_list("pk", "party_id", "phone_e164")
    ):
        for account_id in parties[party_id]:
            points.setdefault((account_id, phone), pk)
    users = dict(User.objects.filter(username__in={r.agent for r in rows if r.agent})
                 .values_list("username", "pk"))  # fmt: skip
    recorded = dict(ContactAttempt.objects.filter(key__in={r.key for r in rows})
                    .values_list("key", "account_id"))  # fmt: skip
    out: dict[int, _Target | DispositionReject] = {}
    for r in rows:
        account = accounts[r.line]
        if isinstance(account, DispositionReject):
            out[r.line] = account
        elif r.key in recorded and recorded[r.key] != account:
            out[r.line] = DispositionReject(r.line, "call_id", "recorded_elsewhere",
                                            f"call {r.call_id!r} was recorded for another account")  # fmt: skip
        else:
            out[r.line] = _Target(account, points.get((account, r.phone)), users.get(r.agent),
                                  duplicate=r.key in recorded)  # fmt: skip
    return out


def _record(row: DispositionRow, target: _Target, report: DispositionReport, *, actor: Actor,
            now: datetime) -> DispositionReject | None:  # fmt: skip
    """Record one call; a refusal of the recording service becomes the row's reject."""
    meaning = row.meaning
    who = Actor(label=f"dialer:{row.agent}" if row.agent else actor.label,
                user_id=target.user_id if target.user_id is not None else actor.user_id)  # fmt: skip
    try:
        with transaction.atomic():
            recorded = contact_attempt_record(
                account_id=target.account_id, channel=Channel.CALL.value, direction="outbound",
                outcome=meaning.outcome.value, recipient=meaning.recipient.value,
                at=row.started_at, actor=who, now=now, contact_point_id=target.contact_point_id,
                automated=row.mode is CallMode.PREDICTIVE, already_made=True, source="dialer",
                key=row.key, note=f"dialer call {row.call_id}: {row.result.value}",
            )  # fmt: skip
            if not recorded.created:
                report.duplicates += 1
                return None
            attempt = recorded.attempt
            if meaning.disposition:
                attempt.disposition = meaning.disposition
                attempt.save(update_fields=["disposition"])
            if recorded.decision is not None and not recorded.decision.allowed:
                report.made_while_blocked += 1
            audit_record(
                actor=who, event="dialer.call_recorded", account_id=target.account_id, at=now,
                details={"attempt": attempt.pk, "call_id": row.call_id,
                         "result": row.result.value, "mode": row.mode.value},
            )  # fmt: skip
            if target.contact_point_id is None:
                report.unknown_numbers += 1
            elif meaning.marks_bad:
                was = (
                    ContactPoint.objects.filter(pk=target.contact_point_id)
                    .values_list("status", flat=True)
                    .first()
                )
                contact_point_mark_bad(
                    account_id=target.account_id, contact_point_id=target.contact_point_id,
                    reason=f"dialer: {row.result.value.lower().replace('_', ' ')} "
                    f"(call {row.call_id})", actor=who, now=now,
                )  # fmt: skip
                report.marked_bad += was != ContactStatus.BAD
            entries_worked(target.account_id, at=now)
            report.recorded += 1
    except ServiceError as exc:
        name = _FIELDS.get(exc.field or "", exc.field or "line")
        return DispositionReject(row.line, name, exc.code, exc.message)
    return None


def _record_batch(
    rows: list[DispositionRow], report: DispositionReport, *, actor: Actor, now: datetime,
    rejected: Callable[[DispositionRow, DispositionReject], None],
) -> None:  # fmt: skip
    targets = _resolve(rows)
    for row in rows:
        target = targets[row.line]
        if isinstance(target, DispositionReject):
            rejected(row, target)
            continue
        if target.duplicate:
            report.duplicates += 1
            continue
        refusal = _record(row, target, report, actor=actor, now=now)
        if refusal is not None:
            rejected(row, refusal)


class _RejectsWriter:
    def __init__(self, path: Path | None, header: list[str]) -> None:
        self._fh = path.open("w", newline="", encoding="utf-8") if path is not None else None
        self._csv = csv.writer(self._fh) if self._fh is not None else None
        self._width = len(header)
        if self._csv is not None:
            self._csv.writerow([*header, "line", "field", "code", "reason"])

    def add(self, values: list[str], reject: DispositionReject) -> None:
        if self._csv is not None:
            cells = (values + [""] * self._width)[: self._width]
            self._csv.writerow([*cells, reject.line, reject.field, reject.code, reject.reason])

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def dialer_dispositions_file(
    path: Path, *, actor: Actor, now: datetime, rejects_path: Path | None = None,
    progress: Callable[[int], None] | None = None, batch_size: int = 200,
) -> DispositionReport:  # fmt: skip
    """Record every call of a dialer's dispositions file (``core.formats.dialer.DISPOSITIONS``).
    Bad rows go to the rejects file (the original columns plus line, field, code, reason)."""
    from arrears.services.placements.readers import UnreadableFile, open_rows

    report = DispositionReport(file=path.name)
    try:
        source = open_rows(path)
    except (UnreadableFile, OSError) as exc:
        raise UnreadableDispositions(getattr(exc, "message", str(exc)), field="file") from exc
    with source:
        try:
            positions = layout.bind_header(source.header)
        except layout.LayoutError as exc:
            raise UnreadableDispositions(str(exc), field="file") from exc
        rejects = _RejectsWriter(rejects_path, source.header)
        values_of: dict[int, list[str]] = {}
        pending: list[DispositionReject] = []

        def rejected(row: DispositionRow | None, reject: DispositionReject) -> None:
            pending.append(reject)

        def flush() -> None:
            """Write the batch's rejects in line order (a row refused on reading and one
            refused on recording are found at different times)."""
            for reject in sorted(pending, key=lambda r: r.line):
                report.rejected += 1
                report.rejects.append(reject)
                rejects.add(values_of.get(reject.line, []), reject)
            pending.clear()
            values_of.clear()

        batch: list[DispositionRow] = []
        try:
            for line, values in source.rows:
                report.rows += 1
                values_of[line] = values
                if len(values) != len(source.header):
                    rejected(None, DispositionReject(
                        line, "line", "wrong_field_count",
                        f"{len(values)} fields where the header has {len(source.header)}"))  # fmt: skip
                    continue
                parsed = layout.parse_disposition(layout.cells_of(values, positions), line)
                if isinstance(parsed, DispositionReject):
                    rejected(None, parsed)
                    continue
                batch.append(parsed)
                if len(batch) >= batch_size:
                    _record_batch(batch, report, actor=actor, now=now, rejected=rejected)
                    flush()
                    batch = []
                    if progress is not None:
                        progress(report.rows)
            if batch:
                _record_batch(batch, report, actor=actor, now=now, rejected=rejected)
            flush()
        finally:
            rejects.close()
    if progress is not None:
        progress(report.rows)
    with transaction.atomic():
        audit_record(actor=actor, event="dialer.dispositions_loaded", at=now,
                     details=report.as_dict())  # fmt: skip
    return report


def dialer_dispositions_record(
    records: Sequence[Mapping[str, Any]], *, actor: Actor, now: datetime
) -> DispositionReport:
    """Record a dialer's calls sent as records (the API). All or nothing on bad input: every
    record is checked first, and the first defect is refused naming ``records[i].field``; then
    each call is recorded (again: nothing new for a call id already recorded)."""
    rows: list[DispositionRow] = []
    for index, record in enumerate(records):
        cells = {k: "" if v is None else str(v) for k, v in record.items()}
        parsed = layout.parse_disposition(cells, index)
        if isinstance(parsed, DispositionReject):
            raise ServiceError(parsed.reason, field=f"records[{index}].{parsed.field}")
        rows.append(parsed)
    for row in rows:
        if row.started_at > now + CLOCK_SLACK:
            raise ServiceError("a call cannot be recorded before it happens",
                               field=f"records[{row.line}].started_at")  # fmt: skip
    targets = _resolve(rows)
    for row in rows:
        target = targets[row.line]
        if isinstance(target, DispositionReject):
            error = NotFound if target.code == "not_found" else ServiceError
            raise error(target.reason, field=f"records[{row.line}].{target.field}")
    report = DispositionReport(file="api", rows=len(rows))

    def refused(row: DispositionRow, reject: DispositionReject) -> None:
        raise ServiceError(reject.reason, field=f"records[{row.line}].{reject.field}")

    with transaction.atomic():  # all or nothing: a refusal now undoes the records before it
        _record_batch(rows, report, actor=actor, now=now, rejected=refused)
    with transaction.atomic():
        audit_record(actor=actor, event="dialer.dispositions_loaded", at=now,
                     details=report.as_dict())  # fmt: skip
    return report


# --- preview dialing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberChoice:
    contact_point_id: int
    phone: str  # E.164: for the dialer, never shown whole
    masked: str
    phone_type: str
    decision: Decision  # a call to this number now


def dial_choices(
    points: Iterable[ContactPoint], snap: ContactSnapshot, *, at: datetime, day: date
) -> list[NumberChoice]:
    """The consumer's dialable numbers, best first, each with the rules' Decision on a call to
    it at ``at`` (placed by a collector's click: not automated)."""
    packs = packs_in_force()
    return [
        NumberChoice(
            contact_point_id=p.pk, phone=p.phone_e164, masked=mask_phone(p.phone_e164),
            phone_type=p.phone_type,
            decision=evaluate(packs, snap, ContactRequest(
                channel=Channel.CALL, at=at, contact_point_id=str(p.pk))),
        )
        for p in dialable_phones(points, day)
    ]  # fmt: skip


def best_choice(choices: Sequence[NumberChoice]) -> NumberChoice | None:
    """The first number the rules allow now; else the first number (its Decision says why not)."""
    return next((c for c in choices if c.decision.allowed), choices[0] if choices else None)


@dataclass(frozen=True)
class PlacedCall:
    account_id: int
    contact_point_id: int
    masked: str
    call_id: str
    key: str  # the attempt's key when its outcome is recorded: dialer:{call_id}
    at: datetime
    decision: Decision


def preview_call_place(
    *, account_id: int, agent: str, actor: Actor, now: datetime, dialer: Dialer,
    contact_point_id: int | None = None,
) -> PlacedCall:  # fmt: skip
    """Place a collector's call through the dialer, after the rules allow it: to the number
    given, or the best the rules allow now. Blocked: ContactBlocked with the Decision, and
    nothing is placed. Placed: audited with the Decision; the call's outcome is recorded as an
    attempt under ``dialer:{call_id}`` when the collector (or the dialer's file) reports it."""
    since = now - timedelta(days=history_days(packs_in_force()))
    material = load_material(
        [account_id], attempts_from=since, attempts_to=now + timedelta(microseconds=1)
    ).get(account_id)
    if material is None:
        raise NotFound(f"no account {account_id}", field="account_id")
    snap = build_snapshot(material, today=now.date())
    choices = dial_choices(material.points, snap, at=now, day=now.date())
    if contact_point_id is not None:
        choice = next((c for c in choices if c.contact_point_id == contact_point_id), None)
        if choice is None:
            raise ServiceError(f"contact point {contact_point_id} is not a number to dial on "
                               "this account", field="contact_point")  # fmt: skip
    else:
        choice = best_choice(choices)
        if choice is None:
            raise ServiceError("the account has no number to dial", field="contact_point")
    if not choice.decision.allowed:
        raise ContactBlocked(choice.decision)
    reference = (
        f"arrears:{account_id}:{choice.contact_point_id}:{now.astimezone(UTC):%Y%m%dT%H%M%S%f}"
    )
    result = dialer.place_call(agent=agent, to=choice.phone, reference=reference)
    details = {"contact_point": choice.contact_point_id, "to": choice.masked,
               "call_id": result.call_id, "dialer": dialer.name, "reference": reference,
               "pack_version": choice.decision.pack_version}  # fmt: skip
    with transaction.atomic():
        if not result.placed:
            audit_record(actor=actor, event="dialer.call_failed", account_id=account_id, at=now,
                         details={**details, "detail": result.detail})  # fmt: skip
        else:
            audit_record(actor=actor, event="dialer.call_placed", account_id=account_id, at=now,
                         details=details)  # fmt: skip
    if not result.placed:
        raise ServiceError(f"the dialer could not place the call: {result.detail}",
                           field="contact_point")  # fmt: skip
    return PlacedCall(
        account_id=account_id, contact_point_id=choice.contact_point_id, masked=choice.masked,
        call_id=result.call_id, key=f"dialer:{result.call_id}", at=now, decision=choice.decision,
    )  # fmt: skip


def voicemail_for(
    *, client_kind: str, client_name: str, collector: str, at: datetime
) -> tuple[str | None, str]:
    """The limited-content voicemail a collector reads if they reach the consumer's voicemail:
    (the words, "") or (None, why there is none). The business name is the creditor's own for a
    first-party client, else ``ARREARS_VOICEMAIL['business_name']`` (a name that does not say
    debt collection). Never the consumer's name: see ``core.work.voicemail``."""
    conf = {k: str(v) for k, v in settings.ARREARS_VOICEMAIL.items()}
    script = VoicemailScript(
        business_name=client_name if client_kind == "first_party" else conf["business_name"],
        persons=(collector,), phones=(conf["phone"],), salutation="Hello", left_at=at,
        reply_times=conf.get("reply_times", ""), any_representative=True,
    )  # fmt: skip
    try:
        return voicemail_text(script), ""
    except VoicemailError as exc:
        return None, str(exc)
