from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from arrears.interfaces.cli.base import ArrearsCommand, parse_date
from arrears.services.demo.operations import demo_load, demo_users_ensure


class Command(ArrearsCommand):
    help = "Load the demo portfolio into an empty database (does nothing when accounts exist)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--accounts", type=int, default=2400)
        parser.add_argument("--seed", type=int, default=20261101)
        parser.add_argument("--as-of", type=parse_date, help="Demo 'today' (default today).")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stderr.write("Loading the demo portfolio (first run only)…")
        today = options["as_of"] or self.today()
        now = timezone.now()
        if options["as_of"]:
            now = datetime.combine(today, now.astimezone(UTC).timetz())
        report = demo_load(
            today=today,
            now=now,
            accounts=options["accounts"],
            seed=options["seed"],
        )
        if report is None:
            demo_users_ensure()
            self.emit(options, {"loaded": False}, "Demo portfolio already loaded; nothing to do.")
            return
        self.emit(
            options,
            {"loaded": True, **report.as_dict()},
            f"Demo portfolio: {report.accounts} accounts, {report.payments} payments, "
            f"{report.holds} holds, {report.contact_attempts} contact attempts "
            f"({report.attempts_refused} refused by the rules), "
            f"{report.validation_notices} validation notices, "
            f"{report.interest_entries} interest entries.",
        )
