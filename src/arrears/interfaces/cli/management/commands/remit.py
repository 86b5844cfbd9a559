from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from arrears.core.money import format_minor
from arrears.core.trust import parse_month
from arrears.interfaces.cli.base import EXIT_USAGE, ArrearsCommand
from arrears.services.common import Actor, ServiceError
from arrears.services.trust.operations import remit


class Command(ArrearsCommand):
    help = (
        "Issue each client's remittance statement for a month: every cash entry not yet remitted "
        "dated before the month's end, split into the client's share and our commission; the "
        "statement and commission invoice (PDF) and the lines (XLSX) of each. First-party "
        "clients are skipped. Running it again for the month creates nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="The month, YYYY-MM.")
        parser.add_argument(
            "--out", type=Path, help="Folder for the documents (default: the document store)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = parse_month(options["period"])
        except ValueError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        try:
            with self.progress(None, f"Remittances for {options['period']}") as update:
                report = remit(
                    period=period,
                    actor=Actor.system("cli:remit"),
                    out=options["out"],
                    progress=lambda done, total: update(done),
                )
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        for skipped in report.skipped:
            self.stderr.write(f"skipped {skipped['client']}: {skipped['reason']}")
        lines = []
        for s in report.statements:
            t = s.totals
            fees = (
                f" (of which convenience fees {format_minor(t.fees_minor, s.currency)})"
                if t.fees_minor
                else ""
            )
            lines.append(
                f"{s.number}{'' if s.created else ' (issued before)'}: net collected "
                f"{format_minor(t.net_collected_minor, s.currency)}, commission "
                f"{format_minor(t.commission_minor, s.currency)}{fees}, due to client "
                f"{format_minor(t.due_to_client_minor, s.currency)} {s.currency}"
            )
        payload = report.as_dict()
        lines.append(
            f"{payload['created']} statements issued, {payload['existing']} issued before, "
            f"{len(report.skipped)} clients skipped."
        )
        self.emit(options, payload, "\n".join(lines))
