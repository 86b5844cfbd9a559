"""Dialer endpoints: a queue's call list for a day, and the dispositions a dialer sends back.

Registered on the API by ``routes`` (imported at its end). Both are supervisors' (and
administrators'): the list holds every number of a queue's consumers, and the dispositions write
contact history for any account."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from arrears.core.formats.dialer import DISPOSITIONS, call_list_json
from arrears.data.users.models import Role
from arrears.interfaces.api.routes import ErrorOut, _actor, _require, api
from arrears.services.work.dialer import dialer_dispositions_record, dialer_list

DIALER_ROLES = (Role.SUPERVISOR,)

dialer = Router(tags=["dialer"])


class WindowOut(Schema):
    start_utc: str
    end_utc: str
    start_local: str
    end_local: str


class CallListRowOut(Schema):
    rank: int
    account: int
    client: str
    client_ref: str
    priority: int
    phone: str
    phone_type: str
    contact_point: int
    time_zone: str
    zones: list[str]
    windows: list[WindowOut]


class CallListOut(Schema):
    queue: str
    day: date
    entries: int
    accounts: int
    rows: list[CallListRowOut]
    left_out: dict[str, int] = Field(description="Accounts left out, by the rules that close "
                                     "their day (or no_dialable_phone, worked_this_pass).")  # fmt: skip
    numbers_left_out: dict[str, int] = Field(description="Numbers of listed accounts left out.")


@api.get(
    "/queues/{code}/dialer-list",
    response={200: CallListOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["dialer"],
)
def get_dialer_list(
    request: HttpRequest, code: str, day: date | None = None, automated: bool = True
) -> Status[Any]:
    """The queue's call list for ``day`` (today if omitted): its pending accounts in rank order,
    each dialable number in priority order with the intervals of that day the rules allow a
    call to it, in UTC and in the consumer's local time. ``automated``: the dialer dials by
    itself, so a mobile number needs consent to be autodialed (TCPA)."""
    _require(request, *DIALER_ROLES)
    found = dialer_list(queue_code=code, day=day or timezone.localdate(), now=timezone.now(),
                        actor=_actor(request), automated=automated)  # fmt: skip
    counts = found.counts
    return Status(200, {
        "queue": counts.queue, "day": counts.day, "entries": counts.entries,
        "accounts": counts.accounts, "rows": [call_list_json(r) for r in found.rows],
        "left_out": dict(counts.left_out), "numbers_left_out": dict(counts.numbers_left_out),
    })  # fmt: skip


_HELP = {c.name: c.what for c in DISPOSITIONS}


class DispositionIn(Schema):
    call_id: str = Field(description=_HELP["call_id"])
    account: int | str | None = Field(None, description=_HELP["account"])
    client: str = Field("", description=_HELP["client"])
    client_ref: str = Field("", description=_HELP["client_ref"])
    phone: str = Field(description=_HELP["phone"])
    started_at: str = Field(description=_HELP["started_at"])
    result: str = Field(description=_HELP["result"])
    agent: str = Field("", description=_HELP["agent"])
    mode: str = Field("", description=_HELP["mode"])


class DispositionsIn(Schema):
    records: list[DispositionIn] = Field(min_length=1, max_length=5_000)


class DispositionsOut(Schema):
    rows: int
    recorded: int
    duplicates: int = Field(description="Calls recorded before under the same call_id.")
    made_while_blocked: int = Field(description="Recorded with a Decision that blocked them.")
    marked_bad: int
    unknown_numbers: int = Field(description="Recorded without a contact point: the number is "
                                 "not on file for the account.")  # fmt: skip


@dialer.post("/dispositions", response={200: DispositionsOut, 400: ErrorOut, 403: ErrorOut,
                                        404: ErrorOut})  # fmt: skip
def post_dispositions(request: HttpRequest, payload: DispositionsIn) -> Status[Any]:
    """Record the calls a dialer placed, one attempt each keyed ``dialer:{call_id}`` (sending
    them again changes nothing). Every record is checked first: a bad one is refused naming
    ``records[i].field`` and nothing is recorded. A call the rules would have blocked is still
    recorded, with its Decision, and audited; a disconnected or wrong number is marked bad."""
    _require(request, *DIALER_ROLES)
    report = dialer_dispositions_record(
        [r.dict() for r in payload.records], actor=_actor(request), now=timezone.now()
    )
    return Status(200, report.as_dict())


api.add_router("/dialer", dialer)
