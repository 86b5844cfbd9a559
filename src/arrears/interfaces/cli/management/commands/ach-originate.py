from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from arrears.interfaces.cli.base import ArrearsCommand, parse_date
from arrears.services.common import Actor, ServiceError
from arrears.services.payments.origination import ach_originate


class Command(ArrearsCommand):
    help = (
        "Write the NACHA file of the ACH debits due by an effective date (a Federal Reserve "
        "business day). Payments that cannot be collected are held with the reason."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--effective", type=parse_date, required=True)
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        effective = options["effective"]
        try:
            with self.progress(None, f"ACH debits for {effective}") as update:
                report = ach_originate(
                    effective=effective,
                    out=options["out"],
                    actor=Actor.system("cli:ach-originate"),
                    progress=lambda done, total: update(done),
                )
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        for reason, count in sorted(report.held.items()):
            self.stderr.write(f"held: {count} ({reason})")
        total = f"{report.debit_total_minor // 100:,}.{report.debit_total_minor % 100:02d}"
        human = (
            f"Wrote {report.file}: {report.entries} debits, ${total}, {report.batches} batches."
            if report.file
            else f"No ACH debits due by {effective}; no file written."
        )
        self.emit(options, report.as_dict(), human)
