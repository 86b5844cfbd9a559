from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from arrears.interfaces.cli.base import ArrearsCommand
from arrears.services.common import Actor, ServiceError
from arrears.services.messaging.bounces import email_bounces_file
from arrears.services.placements.readers import count_rows


class Command(ArrearsCommand):
    help = (
        "Record the email bounces of a CSV file (columns: address, bounced_on, kind, reason, "
        "reference). A hard bounce makes the address bad on every consumer who gave it; a soft "
        "one is only recorded. Bad rows go to the rejects file; a file read twice changes "
        "nothing. Exits 3 on a file that cannot be read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--rejects", type=Path, help="Where to write bad rows (default FILE.rejects.csv)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        rejects = options["rejects"] or path.with_name(path.name + ".rejects.csv")
        try:
            with self.progress(count_rows(path), f"Bounces in {path.name}") as update:
                report = email_bounces_file(
                    path,
                    actor=Actor.system("cli:email-bounces"),
                    now=timezone.now(),
                    rejects_path=rejects,
                    progress=update,
                )
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        for reject in report.rejects[:20]:
            self.stderr.write(f"line {reject.line}: {reject.field}: {reject.reason}")
        if report.rejected > 20:
            self.stderr.write(f"... {report.rejected - 20} more in {rejects}")
        self.emit(
            options,
            report.as_dict(),
            f"{report.rows} rows: {report.hard} hard and {report.soft} soft bounces, "
            f"{report.marked_bad} addresses marked bad, {report.unmatched} not ours, "
            f"{report.repeated} recorded before, {report.rejected} rejected.",
        )
