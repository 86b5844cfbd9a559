from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from arrears.interfaces.cli.base import ArrearsCommand
from arrears.services.compliance.operations import contactability_refresh
from arrears.services.compliance.queries import account_ids_for_refresh


def parse_moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a moment (YYYY-MM-DDTHH:MM+HH:MM)"
        ) from exc
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"'{text}' needs its UTC offset, e.g. +00:00")
    return moment


class Command(ArrearsCommand):
    help = (
        "Work out when each account may next be called, texted, emailed or written to, for the "
        "queues (the nightly run does this; safe to repeat)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", type=parse_moment, help="As of this moment (default now).")
        parser.add_argument(
            "--missing", action="store_true", help="Only accounts never worked out yet."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        at = options["at"] or timezone.now()
        ids = account_ids_for_refresh(missing_only=options["missing"])
        with self.progress(len(ids), "Working out contactability") as update:
            done = contactability_refresh(ids, at=at, progress=update)
        self.emit(
            options,
            {"accounts": done, "at": at.isoformat()},
            f"Contactability worked out for {done} accounts as of {at.isoformat()}.",
        )
