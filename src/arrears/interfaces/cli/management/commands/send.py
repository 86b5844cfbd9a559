from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from arrears.interfaces.cli.base import ArrearsCommand, parse_date
from arrears.services.common import Actor
from arrears.services.messaging.send import send_run


class Command(ArrearsCommand):
    help = (
        "Send the letters, emails and texts the strategies planned up to a day, each judged by "
        "the rules as it goes; letters are gathered into a print batch (merged PDF and "
        "manifest). Safe to repeat: nothing is sent twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=parse_date, required=True, help="The send date.")
        parser.add_argument("--out", type=Path, help="Also copy print batches to this folder.")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"]
        with self.progress(None, f"Sending for {as_of}") as update:
            report = send_run(
                as_of=as_of, actor=Actor.system("cli:send"), now=self.now(),
                out_dir=options["out"], progress=lambda done, total: update(done),
            )  # fmt: skip
        sent = ", ".join(f"{n} {kind}" for kind, n in sorted(report.sent.items())) or "nothing"
        blocked = sum(report.blocked.values())
        waiting = sum(report.waiting.values())
        skipped = sum(report.skipped.values())
        self.emit(
            options,
            report.as_dict(),
            f"Sent for {as_of}: {sent}; {blocked} blocked by the rules, {waiting} waiting, "
            f"{skipped} skipped, {report.failed} refused by the channel; "
            f"{len(report.batches)} print batches.",
        )
