from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from arrears.core.money.text import format_minor
from arrears.interfaces.cli.base import ArrearsCommand, parse_date
from arrears.services.common import Actor, ServiceError
from arrears.services.payments.returns import ach_settle


class Command(ArrearsCommand):
    help = (
        "Post the ACH debits sent to the bank whose effective day has come (by --as-of) as "
        "payments received that day. A re-run posts only what is left."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=parse_date, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"]
        try:
            with self.progress(None, f"ACH debits settled by {as_of}") as update:
                report = ach_settle(
                    as_of=as_of,
                    actor=Actor.system("cli:ach-settle"),
                    progress=lambda done, total: update(done),
                )
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        human = (
            f"Settled {report.settled} ACH debits by {as_of}: {report.posted} posted "
            f"({format_minor(report.applied_minor, 'USD')}), {report.unapplied} left "
            f"unapplied ({format_minor(report.unapplied_minor, 'USD')})."
        )
        self.emit(options, report.as_dict(), human)
