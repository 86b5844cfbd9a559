from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from arrears.interfaces.cli.base import ArrearsCommand
from arrears.services.common import Actor, ServiceError
from arrears.services.supervision.operations import promise_grace_set


class Command(ArrearsCommand):
    help = "Set how many days after its due day a payment still keeps a promise, for a client."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client", help="The client's code.")
        parser.add_argument("--days", type=int, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            before = promise_grace_set(client_code=options["client"], days=options["days"],
                                       actor=Actor.system("cli:promise-grace"), now=timezone.now())  # fmt: skip
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        self.emit(
            options,
            {"client": options["client"], "days": options["days"], "before": before},
            f"Promises on {options['client']}'s accounts: {options['days']} grace days "
            f"(were {before}).",
        )
