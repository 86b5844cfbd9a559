"""The two files we exchange with a dialer, as spec tables: the call list we give it and the
dispositions it gives back. One table per file drives its writer, its reader and its
documentation (docs/dialer.md).

**Call list** (``arrears dialer-list``, ``GET /api/queues/{code}/dialer-list``): CSV, a header
row, then one row per dialable number of each account, accounts in the queue's rank order and
an account's numbers in priority order (``priority`` 1 is the number to try first). A row per
number, not phone1..phone3 columns: each number has its own allowed windows (a work number may
be closed when the mobile is open), and a dialer loads a record per number and moves to the next
priority when one fails. Windows are the intervals of that day in which the rules allow a call
to that number, as ISO 8601 intervals ``start/end`` separated by ``;``, once in UTC and once in
the consumer's local time (``time_zone``). Usually one (08:00-21:00 local); two when the consumer
named a time inconvenient in the middle of the day; a list never holds a number with none.

**Dispositions** (``arrears dialer-dispositions``, ``POST /api/dialer/dispositions``): CSV with a
header naming the columns in any order (case, spaces and dashes ignored). Each row is one call
the dialer placed; it is recorded as a contact attempt keyed ``dialer:{call_id}``, so loading
the same file again changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from arrears.core.compliance.model import Outcome, Recipient
from arrears.core.formats.placements import normalise_phone

# --- the call list ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallListRow:
    rank: int  # the account's rank in the queue
    account_id: int
    client_code: str
    client_ref: str
    priority: int  # 1 = the number to try first
    phone: str  # E.164
    phone_type: str
    contact_point_id: int
    time_zone: str  # the consumer's zone: the local times below are in it
    zones: tuple[str, ...]  # every zone the consumer may be in; the windows hold in each
    windows: tuple[tuple[datetime, datetime], ...]  # [start, end), aware


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def windows_utc(row: CallListRow) -> str:
    return ";".join(f"{_utc(s)}/{_utc(e)}" for s, e in row.windows)


def windows_local(row: CallListRow) -> str:
    tz = ZoneInfo(row.time_zone)
    return ";".join(f"{s.astimezone(tz).isoformat()}/{e.astimezone(tz).isoformat()}"
                    for s, e in row.windows)  # fmt: skip


@dataclass(frozen=True)
class Column:
    name: str
    what: str
    value: Callable[[CallListRow], str]


CALL_LIST: tuple[Column, ...] = (
    Column("rank", "the account's rank in the queue (1 first)", lambda r: str(r.rank)),
    Column("account", "the Arrears account number: report dispositions against it",
           lambda r: str(r.account_id)),
    Column("client", "the client's code", lambda r: r.client_code),
    Column("client_ref", "the client's reference for the account", lambda r: r.client_ref),
    Column("priority", "this number's place among the account's numbers (1 first)",
           lambda r: str(r.priority)),
    Column("phone", "the number, E.164 (+17165550100)", lambda r: r.phone),
    Column("phone_type", "mobile, home, work, other or empty", lambda r: r.phone_type),
    Column("contact_point", "our id of the number", lambda r: str(r.contact_point_id)),
    Column("time_zone", "the consumer's IANA time zone; local times are in it",
           lambda r: r.time_zone),
    Column("zones", "every zone the consumer may be in, space separated (the windows hold in "
           "each)", lambda r: " ".join(r.zones)),
    Column("window_count", "how many windows the day has for this number",
           lambda r: str(len(r.windows))),
    Column("windows_utc", "the allowed windows, ISO 8601 intervals in UTC, ';' between",
           windows_utc),
    Column("windows_local", "the same windows in the consumer's local time, with offsets",
           windows_local),
)  # fmt: skip
CALL_LIST_HEADER = tuple(c.name for c in CALL_LIST)


def call_list_cells(row: CallListRow) -> list[str]:
    return [c.value(row) for c in CALL_LIST]


def call_list_json(row: CallListRow) -> dict[str, object]:
    """The row for JSON: the same fields, the windows as objects."""
    tz = ZoneInfo(row.time_zone)
    return {
        "rank": row.rank, "account": row.account_id, "client": row.client_code,
        "client_ref": row.client_ref, "priority": row.priority, "phone": row.phone,
        "phone_type": row.phone_type, "contact_point": row.contact_point_id,
        "time_zone": row.time_zone, "zones": list(row.zones),
        "windows": [
            {"start_utc": _utc(s), "end_utc": _utc(e),
             "start_local": s.astimezone(tz).isoformat(), "end_local": e.astimezone(tz).isoformat()}
            for s, e in row.windows
        ],
    }  # fmt: skip


# --- dispositions ---------------------------------------------------------------------------


class DialerResult(StrEnum):
    ANSWERED_RIGHT_PARTY = "ANSWERED_RIGHT_PARTY"
    ANSWERED_THIRD_PARTY = "ANSWERED_THIRD_PARTY"
    NO_ANSWER = "NO_ANSWER"
    BUSY = "BUSY"
    VOICEMAIL_LEFT = "VOICEMAIL_LEFT"
    DISCONNECTED = "DISCONNECTED"
    WRONG_NUMBER = "WRONG_NUMBER"
    ABANDONED = "ABANDONED"


@dataclass(frozen=True)
class ResultMeaning:
    outcome: Outcome
    recipient: Recipient
    disposition: str  # the workspace's word for it (core.work.Disposition), or "" for none
    marks_bad: bool  # the number is not the consumer's, or not in service: mark it bad


# What each result is on the record. A busy signal or a number out of service never reached
# anyone: not connected, so it does not count toward the 7-in-7 presumption (1006.14(b)(3)). An
# abandoned call (the consumer answered, no agent was free) did connect: it is a placed call and
# counts, recorded as no answer since nobody spoke.
RESULTS: dict[DialerResult, ResultMeaning] = {
    DialerResult.ANSWERED_RIGHT_PARTY: ResultMeaning(Outcome.CONVERSATION, Recipient.CONSUMER,
                                                     "right_party", False),
    DialerResult.ANSWERED_THIRD_PARTY: ResultMeaning(Outcome.CONVERSATION, Recipient.THIRD_PARTY,
                                                     "third_party", False),
    DialerResult.NO_ANSWER: ResultMeaning(Outcome.NO_ANSWER, Recipient.CONSUMER, "no_answer",
                                          False),
    DialerResult.BUSY: ResultMeaning(Outcome.NOT_CONNECTED, Recipient.CONSUMER, "", False),
    DialerResult.VOICEMAIL_LEFT: ResultMeaning(Outcome.VOICEMAIL_LEFT, Recipient.CONSUMER,
                                               "voicemail", False),
    DialerResult.DISCONNECTED: ResultMeaning(Outcome.NOT_CONNECTED, Recipient.CONSUMER, "",
                                             True),
    DialerResult.WRONG_NUMBER: ResultMeaning(Outcome.WRONG_PARTY, Recipient.CONSUMER,
                                             "wrong_number", True),
    DialerResult.ABANDONED: ResultMeaning(Outcome.NO_ANSWER, Recipient.CONSUMER, "", False),
}  # fmt: skip


class CallMode(StrEnum):
    PREDICTIVE = "predictive"  # the dialer dialed on its own: an automated call (TCPA)
    PREVIEW = "preview"  # a collector clicked to place it
    MANUAL = "manual"


@dataclass(frozen=True)
class InColumn:
    name: str
    required: bool
    limit: int
    what: str


DISPOSITIONS: tuple[InColumn, ...] = (
    InColumn("call_id", True, 73, "the dialer's unique id of the call; the key of the attempt"),
    InColumn("account", False, 20, "the Arrears account number (``123`` or ``#123``); or give "
             "client_ref"),
    InColumn("client", False, 20, "the client's code, with client_ref"),
    InColumn("client_ref", False, 80, "the client's reference, when account is empty"),
    InColumn("phone", True, 32, "the number dialed (E.164 or a US number as written)"),
    InColumn("started_at", True, 40, "when the call was placed, ISO 8601 with its offset"),
    InColumn("result", True, 30, ", ".join(r.value for r in DialerResult)),
    InColumn("agent", False, 150, "the collector's user name, if an agent took the call"),
    InColumn("mode", False, 12, "predictive (default), preview or manual: predictive calls are "
             "recorded as automated"),
)  # fmt: skip
DISPOSITION_NAMES = tuple(c.name for c in DISPOSITIONS)
REQUIRED = tuple(c.name for c in DISPOSITIONS if c.required)
_E164 = re.compile(r"\+[1-9]\d{6,14}")


class LayoutError(ValueError):
    """The header does not describe a dispositions file."""


@dataclass(frozen=True, slots=True)
class DispositionRow:
    line: int
    call_id: str
    account_id: int | None
    client: str
    client_ref: str
    phone: str  # E.164
    started_at: datetime
    result: DialerResult
    agent: str
    mode: CallMode

    @property
    def meaning(self) -> ResultMeaning:
        return RESULTS[self.result]

    @property
    def key(self) -> str:
        return f"dialer:{self.call_id}"


@dataclass(frozen=True, slots=True)
class DispositionReject:
    line: int
    field: str
    code: str
    reason: str


def _key(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def bind_header(header: list[str]) -> dict[str, int]:
    """Our column names to their positions; LayoutError naming what is missing or doubled."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _key(name)
        if key in DISPOSITION_NAMES:
            if key in positions:
                raise LayoutError(f"column {key!r} appears twice in the header")
            positions[key] = index
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        raise LayoutError(
            f"the header lacks the required column(s) {', '.join(missing)} "
            f"(required: {', '.join(REQUIRED)})"
        )
    return positions


def cells_of(values: list[str], positions: Mapping[str, int]) -> dict[str, str]:
    """A data row's cells by our column names (absent columns empty)."""
    return {
        name: values[i].strip() if (i := positions.get(name)) is not None and i < len(values)
        else ""
        for name in DISPOSITION_NAMES
    }  # fmt: skip


def dialed_phone(text: str) -> str | None:
    """The number as E.164: a US number in any common form, or an international one in E.164."""
    text = text.strip()
    return normalise_phone(text) or (text if _E164.fullmatch(text) else None)


def parse_disposition(cell: Mapping[str, str], line: int) -> DispositionRow | DispositionReject:
    """One record, checked; the first defect makes it a reject naming the field."""

    def get(name: str) -> str:
        return str(cell.get(name) or "").strip()

    for column in DISPOSITIONS:
        value = get(column.name)
        if column.required and not value:
            return DispositionReject(line, column.name, "missing", f"{column.name} is required")
        if len(value) > column.limit:
            return DispositionReject(line, column.name, "too_long",
                                     f"{column.name} is longer than {column.limit} characters")  # fmt: skip
    account: int | None = None
    if get("account"):
        text = get("account").removeprefix("#").strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 18):
            return DispositionReject(line, "account", "invalid_account",
                                     f"account {get('account')!r} is not an account number")  # fmt: skip
        account = int(text)
    elif not get("client_ref"):
        return DispositionReject(line, "account", "missing",
                                 "give the account number, or the client_ref")  # fmt: skip
    phone = dialed_phone(get("phone"))
    if phone is None:
        return DispositionReject(line, "phone", "invalid_phone",
                                 f"phone {get('phone')!r} is not a telephone number")  # fmt: skip
    try:
        started = datetime.fromisoformat(get("started_at"))
    except ValueError:
        started = None
    if started is None or started.tzinfo is None:
        return DispositionReject(
            line, "started_at", "invalid_moment",
            f"started_at {get('started_at')!r} is not an ISO 8601 moment with its offset "
            "(2026-11-02T10:15:00-05:00)",
        )  # fmt: skip
    result_text = get("result").upper().replace(" ", "_").replace("-", "_")
    if result_text not in DialerResult.__members__:
        return DispositionReject(
            line, "result", "invalid_result",
            f"result {get('result')!r} is not one of {', '.join(r.value for r in DialerResult)}",
        )  # fmt: skip
    mode_text = get("mode").lower() or CallMode.PREDICTIVE.value
    if mode_text not in {m.value for m in CallMode}:
        return DispositionReject(line, "mode", "invalid_mode",
                                 f"mode {get('mode')!r} is not predictive, preview or manual")  # fmt: skip
    return DispositionRow(
        line=line, call_id=get("call_id"), account_id=account, client=get("client").upper(),
        client_ref=get("client_ref"), phone=phone, started_at=started,
        result=DialerResult(result_text), agent=get("agent"), mode=CallMode(mode_text),
    )  # fmt: skip
