from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from arrears.interfaces.cli.base import ArrearsCommand, parse_date
from arrears.services.arrangements.letters import arrangement_letters_send
from arrears.services.common import Actor


class Command(ArrearsCommand):
    help = (
        "Confirm every active plan and settlement in writing that has no confirmation yet, and "
        "tell the consumer of every promise, plan or settlement broken in the last 30 days, "
        "through the rules like any letter (the day's letter run; safe to repeat)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=parse_date, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        report = arrangement_letters_send(as_of=options["as_of"],
                                          actor=Actor.system("cli:arrangement-letters"))  # fmt: skip
        self.emit(
            options,
            report.as_dict(),
            f"Arrangement letters as of {report.as_of}: {report.candidates} waiting, "
            f"{report.sent} sent, {report.blocked} blocked by the rules, "
            f"{len(report.problems)} could not be built; broken notices: "
            f"{report.notices_candidates} due, {report.notices_sent} sent, "
            f"{report.notices_blocked} blocked, {sum(report.notices_skipped.values())} not "
            "needed any more.",
        )
