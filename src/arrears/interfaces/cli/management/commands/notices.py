from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from arrears.interfaces.cli.base import ArrearsCommand, parse_date
from arrears.services.common import Actor, document_store, letter_renderer
from arrears.services.compliance.notices import validation_notices_send


class Command(ArrearsCommand):
    help = (
        "Produce the validation notices due on a day: one PDF and one HTML file per notice, "
        "once per debt (a returned notice is re-sent and restarts the period). Safe to repeat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=parse_date, required=True, help="The send date.")
        parser.add_argument("--out", type=Path, required=True, help="Folder for the files.")
        parser.add_argument(
            "--limit", type=int, help="At most this many notices (the rest stay due)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"]
        with self.progress(None, f"Validation notices for {as_of}") as update:
            report = validation_notices_send(
                as_of=as_of, actor=Actor.system("cli:notices"), now=timezone.now(),
                store=document_store(), renderer=letter_renderer(), out_dir=options["out"],
                limit=options["limit"],
                progress=lambda done, total: update(done),
            )  # fmt: skip
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(report.skipped.items()))
        self.emit(
            options,
            {**report.as_dict(), "out": str(options["out"])},
            f"{report.sent} validation notices for {as_of} in {options['out']} "
            f"({report.resent} re-sent after returned mail)"
            + (f"; not sent: {skipped}" if skipped else "")
            + ".",
        )
