"""Clients: add and change the creditors who place accounts."""

from __future__ import annotations

import re

from django.db import transaction

from arrears.core.ledger import parse_waterfall
from arrears.data.clients.models import Client, ClientKind, InterestPolicy
from arrears.services.common import Actor, ServiceError, audit_record

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$")


class ClientExists(ServiceError):
    code = "client_exists"


def client_add(
    *,
    code: str,
    name: str,
    actor: Actor,
    kind: str = ClientKind.AGENCY,
    commission_rate_ppm: int = 0,
    waterfall: str = "fees,costs,interest,principal",
    interest_policy: str = InterestPolicy.NONE,
    accrue_after_charge_off: bool = False,
    rate_cap_ppm: int | None = None,
) -> Client:
    code = code.strip().upper()
    if not _CODE.match(code):
        raise ServiceError(
            "a client code is 1-20 upper-case letters, digits, '-' or '_'", field="code"
        )
    if not name.strip():
        raise ServiceError("a client needs a name", field="name")
    if kind not in ClientKind.values:
        raise ServiceError(f"kind must be one of {', '.join(ClientKind.values)}", field="kind")
    if interest_policy not in InterestPolicy.values:
        raise ServiceError(
            f"interest_policy must be one of {', '.join(InterestPolicy.values)}",
            field="interest_policy",
        )
    if not 0 <= commission_rate_ppm <= 1_000_000:
        raise ServiceError("commission must be between 0 and 100 %", field="commission_rate_ppm")
    try:
        order = parse_waterfall(waterfall)
    except ValueError as exc:
        raise ServiceError(str(exc), field="waterfall") from exc
    with transaction.atomic():
        if Client.objects.filter(code=code).exists():
            raise ClientExists(f"client {code} already exists", field="code")
        client = Client.objects.create(
            code=code,
            name=name.strip(),
            kind=kind,
            commission_rate_ppm=commission_rate_ppm,
            waterfall=",".join(b.value for b in order),
            interest_policy=interest_policy,
            accrue_after_charge_off=accrue_after_charge_off,
            rate_cap_ppm=rate_cap_ppm,
        )
        audit_record(
            actor=actor, event="client.added", details={"client": code, "name": client.name}
        )
    return client
