from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from arrears.interfaces.cli.base import ArrearsCommand, parse_date
from arrears.services.arrangements.evaluate import arrangements_evaluate
from arrears.services.common import Actor


class Command(ArrearsCommand):
    help = (
        "Judge active payment plans and settlements as of a day from the ledger: instalments "
        "kept or broken (with the client's grace days), paid settlements written down, broken "
        "arrangements ended with a callback (the nightly run; safe to repeat)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=parse_date, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        report = arrangements_evaluate(as_of=options["as_of"],
                                       actor=Actor.system("cli:arrangements-evaluate"))  # fmt: skip
        self.emit(
            options,
            report.as_dict(),
            f"Arrangements as of {report.as_of}: {report.judged} judged, "
            f"{report.instalments_kept} instalments kept, {report.instalments_broken} broken; "
            f"{report.completed} completed ({report.settled} settled), {report.broken} broken.",
        )
