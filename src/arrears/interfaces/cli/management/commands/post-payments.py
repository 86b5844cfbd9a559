from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from arrears.interfaces.cli.base import ArrearsCommand
from arrears.services.common import Actor, ServiceError
from arrears.services.payments.posting import payments_post_file
from arrears.services.placements.readers import count_rows


class Command(ArrearsCommand):
    help = (
        "Post a bank or lockbox payment file (docs/payment-file.md). Idempotent by payment "
        "reference; payments that match no account wait in unapplied cash."
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
            with self.progress(count_rows(path), f"Posting {path.name}") as update:
                report = payments_post_file(
                    path,
                    actor=Actor.system("cli:post-payments"),
                    rejects_path=rejects,
                    progress=lambda done, total: update(done),
                )
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        for reject in report.rejects[:20]:
            self.stderr.write(f"line {reject.line}: {reject.field}: {reject.reason}")
        if report.rejected > 20:
            self.stderr.write(f"... {report.rejected - 20} more in {rejects}")
        applied = f"{report.applied_minor // 100:,}.{report.applied_minor % 100:02d}"
        waiting = f"{report.unapplied_minor // 100:,}.{report.unapplied_minor % 100:02d}"
        self.emit(
            options,
            report.as_dict(),
            f"{report.rows} rows: {report.posted} posted (${applied}), {report.unapplied} "
            f"left in unapplied cash (${waiting}), {report.rejected} rejected, "
            f"{report.duplicates} already posted.",
        )
