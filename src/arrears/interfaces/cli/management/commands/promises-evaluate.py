from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from arrears.interfaces.cli.base import ArrearsCommand, parse_date
from arrears.services.common import Actor
from arrears.services.work.promises import promises_evaluate


class Command(ArrearsCommand):
    help = (
        "Judge open promises to pay kept or broken as of a day, from the ledger (the nightly "
        "run; safe to repeat: a decided promise never changes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=parse_date, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        report = promises_evaluate(as_of=options["as_of"],
                                   actor=Actor.system("cli:promises-evaluate"))  # fmt: skip
        self.emit(
            options,
            report.as_dict(),
            f"Promises as of {report.as_of}: {report.judged} open judged, {report.kept} kept, "
            f"{report.broken} broken, {report.still_open} still open.",
        )
