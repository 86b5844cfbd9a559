from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from arrears.interfaces.cli.base import EXIT_UNREADABLE, ArrearsCommand, parse_date
from arrears.services.common import Actor, ServiceError
from arrears.services.work.dialer import dialer_list_write


class Command(ArrearsCommand):
    help = (
        "Write a queue's call list for a day (docs/dialer.md): its pending accounts in rank "
        "order, each dialable number in priority order with the windows of that day the rules "
        "allow a call to it, in UTC and local time. Accounts the rules close all day are left "
        "out and counted by rule."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", required=True, help="The queue's code.")
        parser.add_argument("--day", type=parse_date, help="YYYY-MM-DD (default today).")
        parser.add_argument("--out", type=Path, required=True, help="The CSV file to write.")
        parser.add_argument(
            "--manual", action="store_true",
            help="The dialer will not dial by itself (agents click): mobile numbers without "
            "consent to be autodialed are listed too.",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        day = options["day"] or self.today()
        try:
            handle = out.open("w", newline="", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror}", returncode=2) from exc
        try:
            with handle, self.progress(None, f"Call list {options['queue']} {day}") as update:
                counts = dialer_list_write(
                    handle, queue_code=options["queue"], day=day, now=timezone.now(),
                    actor=Actor.system("cli:dialer-list"), automated=not options["manual"],
                    progress=lambda done, total: update(done),
                )  # fmt: skip
        except ServiceError as exc:
            out.unlink(missing_ok=True)
            raise self.refuse(exc) from exc
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc}", returncode=EXIT_UNREADABLE) from exc
        left = ", ".join(f"{n} {why}" for why, n in sorted(counts.left_out.items())) or "none"
        self.stderr.write(f"{counts.entries} entries read, {counts.evaluations} rule evaluations")
        self.emit(
            options,
            counts.as_dict(),
            f"{counts.rows} numbers of {counts.accounts} accounts written to {out}; "
            f"left out: {left}.",
        )
