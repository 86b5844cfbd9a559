from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from arrears.interfaces.cli.base import ArrearsCommand, parse_date
from arrears.services.accounts.operations import recall_file
from arrears.services.common import Actor, ServiceError


class Command(ArrearsCommand):
    help = "Recall accounts a client takes back (CSV/XLSX with client_account_ref[, reason])."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--client", required=True)
        parser.add_argument("--rejects", type=Path)
        parser.add_argument("--as-of", type=parse_date, help="Recall date (default today).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = recall_file(
                client_code=options["client"],
                path=options["file"],
                actor=Actor.system("cli:recall-accounts"),
                on=options["as_of"] or self.today(),
                rejects_path=options["rejects"],
            )
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        for reject in report.rejects:
            self.stderr.write(f"line {reject['line']}: {reject['reason']}")
        payload = report.as_dict()
        payload.pop("rejects")
        self.emit(
            options,
            payload,
            f"Recalled {report.recalled} of {report.rows} ({report.already_recalled} already "
            f"recalled, {report.rejected} rejected).",
        )
