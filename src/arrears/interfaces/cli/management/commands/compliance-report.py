from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from arrears.interfaces.cli.base import EXIT_USAGE, ArrearsCommand, parse_date
from arrears.services.compliance.reports import compliance_report


class Command(ArrearsCommand):
    help = (
        "The compliance officer's report for a period: call attempts per debt per 7 days, "
        "blocks by rule, and disputes received, answered, open and overdue."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", type=parse_date, required=True)
        parser.add_argument("--to", dest="end", type=parse_date, required=True,
                            help="The day after the last (the period is half-open).")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        if options["end"] <= options["start"]:
            raise CommandError("--to must be after --from", returncode=EXIT_USAGE)
        zone = timezone.get_current_timezone()
        report = compliance_report(
            start=datetime.combine(options["start"], time(0), tzinfo=zone),
            end=datetime.combine(options["end"], time(0), tzinfo=zone),
            today=self.today(),
        )
        lines = [
            f"Compliance report {options['start']} to {options['end']}",
            f"Debts called: {report.debts_called}; most counted calls in any 7 days: "
            + ", ".join(f"{k}: {v}" for k, v in report.attempts_distribution.items()),
            f"Debts over 7 calls in 7 days: {len(report.debts_over_limit)}",
            "Blocked now, by rule: "
            + (", ".join(f"{rule} {sum(c.values())}" for rule, c in report.blocked_now.items())
               or "none"),
            "Made while blocked, by rule: "
            + (", ".join(f"{rule} {n}" for rule, n in report.made_while_blocked.items())
               or "none"),
            f"Disputes: {report.disputes_received} received, {report.disputes_answered} "
            f"answered (median {report.median_days_to_answer} days), {report.disputes_open} "
            f"open, {report.disputes_overdue} overdue",
        ]  # fmt: skip
        self.emit(options, report.as_dict(), "\n".join(lines))
