from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from arrears.data.clients.models import ClientKind, InterestPolicy
from arrears.interfaces.cli.base import ArrearsCommand
from arrears.services.clients.operations import client_add
from arrears.services.common import Actor, ServiceError


class Command(ArrearsCommand):
    help = "Add a client (the creditor who places accounts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="Short code, e.g. ACME (upper-case letters and digits).")
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", choices=ClientKind.values, default=ClientKind.AGENCY)
        parser.add_argument(
            "--interest-policy", choices=InterestPolicy.values, default=InterestPolicy.NONE
        )
        parser.add_argument("--accrue-after-charge-off", action="store_true")
        parser.add_argument("--waterfall", default="fees,costs,interest,principal")
        parser.add_argument("--commission-ppm", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            client = client_add(
                code=options["code"],
                name=options["name"],
                kind=options["kind"],
                interest_policy=options["interest_policy"],
                accrue_after_charge_off=options["accrue_after_charge_off"],
                waterfall=options["waterfall"],
                commission_rate_ppm=options["commission_ppm"],
                actor=Actor.system("cli:add-client"),
            )
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        self.emit(
            options,
            {"client": client.code, "id": client.pk},
            f"Added client {client.code} ({client.name}).",
        )
