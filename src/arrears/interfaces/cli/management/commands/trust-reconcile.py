from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from arrears.core.money import format_minor
from arrears.core.trust import parse_month
from arrears.interfaces.cli.base import EXIT_USAGE, ArrearsCommand
from arrears.services.common import ServiceError
from arrears.services.trust.queries import trust_reconciliation


class Command(ArrearsCommand):
    help = (
        "Reconcile the trust account for a month: money received against cash applied plus "
        "unapplied cash held, and per client opening unremitted + net collected - remitted - "
        "commission taken = closing unremitted. Any difference is reported (exit 0 either way)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="The month, YYYY-MM.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = parse_month(options["period"])
        except ValueError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        try:
            found = trust_reconciliation(period=period)
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        lines = []
        for cur, cash in sorted(found.cash.items()):
            lines.append(
                f"{cur}: received {format_minor(cash.received_minor, cur)}, applied "
                f"{format_minor(cash.applied_minor, cur)}, unapplied held "
                f"{format_minor(cash.unapplied_minor, cur)}, unapplied given back "
                f"{format_minor(cash.given_back_minor, cur)} (difference "
                f"{format_minor(cash.difference_minor, cur)})"
            )
            if cash.difference_minor:
                self.stderr.write(f"OUT OF BALANCE: {cur} cash received by {cash.difference_minor}")
        for c in found.clients:
            r = c.rollforward
            lines.append(
                f"{c.client} {c.currency}: opening {format_minor(r.opening_unremitted_minor, c.currency)}"
                f" + net collected {format_minor(r.net_collected_minor, c.currency)}"
                f" - remitted {format_minor(r.remitted_to_client_minor, c.currency)}"
                f" - commission {format_minor(r.commission_retained_minor, c.currency)}"
                f" = closing {format_minor(r.closing_unremitted_minor, c.currency)}"
                f" (difference {format_minor(r.difference_minor, c.currency)})"
            )
            if r.difference_minor:
                self.stderr.write(
                    f"OUT OF BALANCE: {c.client} {c.currency} by {r.difference_minor}"
                )
        lines.append("Balanced." if found.balanced else "NOT balanced: see the differences above.")
        self.emit(options, found.as_dict(), "\n".join(lines))
