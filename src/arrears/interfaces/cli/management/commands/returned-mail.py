from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from arrears.interfaces.cli.base import EXIT_UNREADABLE, ArrearsCommand
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.messaging.returns import letter_returned

COLUMNS = ("reference", "returned_on", "return_reason")


class Command(ArrearsCommand):
    help = (
        "Record the mail vendor's returned mail (CSV: reference, returned_on, return_reason): each "
        "address marked bad, each account routed again; a returned validation notice is sent "
        "again by the next notices run. Bad rows go to --rejects with line and reason. Safe to "
        "repeat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--rejects", type=Path, help="Write refused rows here (CSV).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            with path.open(newline="", encoding="utf-8-sig") as fh:
                rows = list(csv.DictReader(fh))
                header = rows[0].keys() if rows else ()
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            from django.core.management.base import CommandError

            raise CommandError(f"cannot read {path}: {exc}", returncode=EXIT_UNREADABLE) from exc
        actor, now = Actor.system("cli:returned-mail"), self.now()
        counts = {"rows": len(rows), "returned": 0, "duplicates": 0, "rejected": 0, "marked_bad": 0}
        rejects: list[dict[str, str]] = []
        for line, row in enumerate(rows, start=2):
            try:
                missing = [c for c in COLUMNS[:2] if not (row.get(c) or "").strip()]
                if missing:
                    raise ServiceError("is empty", field=missing[0])
                try:
                    returned_on = date.fromisoformat(row["returned_on"].strip())
                except ValueError:
                    raise ServiceError("is not a date (YYYY-MM-DD)", field="returned_on") from None
                done = letter_returned(reference=row["reference"], returned_on=returned_on,
                                       reason=(row.get("return_reason") or "").strip(), actor=actor,
                                       now=now)  # fmt: skip
            except ServiceError as exc:
                code = "not_found" if isinstance(exc, NotFound) else "refused"
                rejects.append({**{k: row.get(k) or "" for k in header}, "line": str(line),
                                "field": exc.field or "", "code": code, "reason": exc.message})  # fmt: skip
                counts["rejected"] += 1
                continue
            counts["duplicates" if done.already else "returned"] += 1
            counts["marked_bad"] += int(done.marked_bad)
        if options["rejects"] is not None:
            with options["rejects"].open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=[*header, "line", "field", "code", "reason"])
                writer.writeheader()
                writer.writerows(rejects)
        self.emit(options, counts,
                  f"{counts['returned']} returned letters recorded ({counts['marked_bad']} "
                  f"addresses marked bad), {counts['duplicates']} already recorded, "
                  f"{counts['rejected']} rejected.")  # fmt: skip
