from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from arrears.interfaces.cli.base import ArrearsCommand
from arrears.services.common import Actor, ServiceError
from arrears.services.placements.readers import count_rows
from arrears.services.work.dialer import dialer_dispositions_file


class Command(ArrearsCommand):
    help = (
        "Record a dialer's dispositions file (docs/dialer.md): each call as a contact attempt "
        "judged by the rules (a call made while blocked is recorded and audited), keyed by the "
        "dialer's call id so loading the file again changes nothing. Disconnected and wrong "
        "numbers are marked bad."
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
            with self.progress(count_rows(path), f"Recording {path.name}") as update:
                report = dialer_dispositions_file(
                    path, actor=Actor.system("cli:dialer-dispositions"), now=timezone.now(),
                    rejects_path=rejects, progress=update,
                )  # fmt: skip
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        for reject in report.rejects[:20]:
            self.stderr.write(f"line {reject.line}: {reject.field}: {reject.reason}")
        if report.rejected > 20:
            self.stderr.write(f"... {report.rejected - 20} more in {rejects}")
        self.emit(
            options,
            report.as_dict(),
            f"{report.rows} rows: {report.recorded} calls recorded ({report.made_while_blocked} "
            f"made while the rules blocked them), {report.duplicates} already recorded, "
            f"{report.rejected} rejected, {report.marked_bad} numbers marked bad.",
        )
