from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from arrears.core.money.text import format_minor
from arrears.interfaces.cli.base import ArrearsCommand
from arrears.services.common import Actor, ServiceError
from arrears.services.payments.returns import ach_returns


class Command(ArrearsCommand):
    help = (
        "Act on the bank's returns and notifications of change for our ACH debits: reverse "
        "returned payments (with the client's fee for funds returns), try R01/R09 again at most "
        "twice within 180 days, end authorizations a return withdraws, and update bank details "
        "from notifications of change. A file read twice acts once. Exits 3 on a malformed file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            with self.progress(None, f"answers in {path.name}") as update:
                report = ach_returns(
                    path,
                    actor=Actor.system("cli:ach-returns"),
                    progress=lambda done, total: update(done),
                )
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        for problem in report.problems:
            self.stderr.write(
                f"line {problem['line']}: {problem['code'] or '-'} {problem['trace']}: "
                f"{problem['reason']}"
            )
        human = (
            f"{path.name}: {report.returns} returns, {report.changes} notifications of change "
            f"({report.duplicates} already read). Reversed {report.reversed} payments "
            f"({format_minor(report.reversed_minor, 'USD')}), {report.fees_charged} fees, "
            f"{report.retries_scheduled} retries scheduled, {report.authorizations_ended} "
            f"authorizations ended, {report.bank_details_updated} bank details updated, "
            f"{len(report.problems)} problems."
        )
        self.emit(options, report.as_dict(), human)
