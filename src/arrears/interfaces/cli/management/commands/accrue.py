from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from arrears.interfaces.cli.base import ArrearsCommand, parse_date
from arrears.services.common import Actor
from arrears.services.ledger.accrual import interest_accrue


class Command(ArrearsCommand):
    help = "Accrue interest through a date on every account that may bear it (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=parse_date, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"]
        with self.progress(None, f"Accruing through {as_of}") as update:
            report = interest_accrue(
                as_of=as_of,
                actor=Actor.system("cli:accrue"),
                progress=lambda done, total: update(done),
            )
        if report.no_op:
            self.stderr.write(
                f"Nothing to do: interest is already accrued through "
                f"{report.latest_accrued_through} on every eligible account."
            )
        self.emit(
            options,
            report.as_dict(),
            f"Accrued through {as_of}: {report.entries} entries on {report.accounts} accounts "
            f"({report.skipped_already_accrued} already accrued through that date).",
        )
