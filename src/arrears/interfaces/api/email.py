"""Email bounces through the API: the mail provider's webhook (or a script reading its reports)
posts them here, one bounce or a list (``services.messaging.bounces``).

Administrators only (a provider's webhook signs in as a dedicated administrator user): a bounce
changes contact points across every client, so no client grant can scope it. A list is recorded
whole or not at all: a bad bounce is a 400 naming it (``2.address``: the third bounce's
address) and nothing is recorded. Posting the same bounces again changes nothing.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError as PydanticValidationError

from arrears.interfaces.api.routes import ErrorOut, _actor, _require, api
from arrears.services.common import ServiceError
from arrears.services.messaging.bounces import BounceResult, email_bounce_record


class BounceIn(Schema):
    address: str = Field(max_length=254, description="The address that bounced.")
    bounced_on: date
    kind: str = Field(description="hard (the address is bad: no such mailbox, no such domain) "
                      "or soft (try later: mailbox full, server busy)")  # fmt: skip
    reason: str = Field("", max_length=300, description="What the mail server said.")
    reference: str = Field("", max_length=40, description="Our reference of the message that "
                           "bounced (MSG-...), when the report gives it.")  # fmt: skip


class BounceOut(Schema):
    kind: str
    matched: int = Field(description="Our email contact points with that address.")
    marked_bad: int = Field(description="Of those, how many this bounce made bad.")
    repeated: bool = Field(description="Recorded before: nothing changed.")


class BouncesOut(Schema):
    bounces: int
    marked_bad: int
    unmatched: int
    results: list[BounceOut]


email = Router(tags=["email"])


def _out(result: BounceResult) -> dict[str, object]:
    return {"kind": result.kind, "matched": len(result.contact_points),
            "marked_bad": len(result.marked_bad),
            "repeated": result.matched and result.recorded == 0}  # fmt: skip


# One bounce or a list of them. The body is read here rather than by a union type, so that an
# error names the field as a caller wrote it ("bounced_on", "2.bounced_on").
_ONE = BounceIn.model_json_schema()
_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "oneOf": [_ONE, {"type": "array", "items": _ONE}]}}}}}  # fmt: skip


def _bounces(request: HttpRequest) -> tuple[list[BounceIn], bool]:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        raise NinjaValidationError([{"loc": ["body"], "msg": "the body is not JSON"}]) from None
    many = isinstance(body, list)
    items = body if many else [body]
    bounces, errors = [], []
    for n, item in enumerate(items):
        where = [n] if many else []
        try:
            bounces.append(BounceIn.model_validate(item))
        except PydanticValidationError as exc:
            errors += [{"loc": ["body", "payload", *where, *e["loc"]], "msg": e["msg"]}
                       for e in exc.errors()]  # fmt: skip
    if errors:
        raise NinjaValidationError(errors)
    return bounces, many


@email.post("/bounces", response={200: BouncesOut, 400: ErrorOut, 403: ErrorOut, 422: ErrorOut},
            openapi_extra=_BODY)  # fmt: skip
def bounces_record(request: HttpRequest) -> Status[Any]:
    """Record bounces, one or a list: a hard one makes the address bad on every consumer who
    gave it, a soft one is only recorded."""
    _require(request)
    bounces, many = _bounces(request)
    actor, now = _actor(request), timezone.now()
    results = []
    with transaction.atomic():
        for n, bounce in enumerate(bounces):
            try:
                results.append(email_bounce_record(
                    address=bounce.address, bounced_on=bounce.bounced_on, kind=bounce.kind,
                    reason=bounce.reason, actor=actor, now=now, reference=bounce.reference,
                ))  # fmt: skip
            except ServiceError as exc:
                if not many:
                    raise
                raise ServiceError(f"bounce {n + 1}: {exc.message}",
                                   field=f"{n}.{exc.field}") from exc  # fmt: skip
    return Status(200, {
        "bounces": len(results), "marked_bad": sum(len(r.marked_bad) for r in results),
        "unmatched": sum(not r.matched for r in results), "results": [_out(r) for r in results],
    })  # fmt: skip


api.add_router("/email", email)
