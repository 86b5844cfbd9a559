"""What every `arrears` batch command shares: the --json contract, exit codes, progress.

Contract: with ``--json`` the last line on stdout is one JSON object with the command's counts;
progress and logs go to stderr. Exit 0 when the input was processed (even with rejects), 2 on bad
usage, 3 when the input cannot be read.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from arrears.services.common import NotFound, ServiceError

EXIT_USAGE = 2
EXIT_UNREADABLE = 3


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        import argparse

        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from exc


class ArrearsCommand(BaseCommand):
    """Base for batch commands."""

    json_option = True
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if self.json_option:
            parser.add_argument(
                "--json", action="store_true", help="End stdout with one JSON object of counts."
            )
        return parser

    def today(self) -> date:
        return timezone.localdate()

    def now(self) -> datetime:
        """The clock. With ``ARREARS_DEBUG`` on, ``ARREARS_FAKE_NOW`` (ISO 8601 with its offset)
        stands in for it, so tests that run commands in their own processes fix the moment the
        rules judge; production never reads it."""
        fake = os.environ.get("ARREARS_FAKE_NOW", "")
        if fake and settings.DEBUG:
            return datetime.fromisoformat(fake)
        return timezone.now()

    def emit(self, options: dict[str, Any], payload: dict[str, Any], human: str) -> None:
        if options.get("json"):
            self.stdout.write(json.dumps(payload, sort_keys=True, default=str))
        else:
            self.stdout.write(human)

    def refuse(self, exc: ServiceError) -> CommandError:
        """Map an expected refusal to an exit code."""
        code = EXIT_UNREADABLE if exc.code == "unreadable" else EXIT_USAGE
        if isinstance(exc, NotFound):
            code = EXIT_USAGE
        return CommandError(exc.message, returncode=code)

    @contextmanager
    def progress(self, total: int | None, label: str) -> Iterator[Callable[[int], None]]:
        """A progress bar on stderr when it is a terminal; quiet otherwise."""
        if not sys.stderr.isatty():
            yield lambda done: None
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns = [
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        ]
        with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
            task = bar.add_task(label, total=total)
            yield lambda done: bar.update(task, completed=done)
