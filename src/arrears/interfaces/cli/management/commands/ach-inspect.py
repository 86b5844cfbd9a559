from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from arrears.core.money import Money
from arrears.interfaces.cli.base import EXIT_UNREADABLE, ArrearsCommand
from arrears.services.payments.ach import MalformedAchFile, ach_summary, read_ach_file


class Command(ArrearsCommand):
    help = (
        "Show an ACH (NACHA) file's batches, entries and totals after checking every record "
        "and control total. Exits 3 on a malformed file, naming the line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            ach = read_ach_file(path)
        except MalformedAchFile as exc:
            if options.get("json"):
                self.stdout.write(json.dumps({"error": exc.message, "line": exc.line}))
            raise CommandError(exc.message, returncode=EXIT_UNREADABLE) from exc
        summary = ach_summary(ach)
        lines = [
            f"{path.name}: {_count(len(ach.batches), 'batch', 'batches')}, "
            f"{ach.entries_and_addenda} entries and addenda, debits {Money.from_minor(ach.debit_total_minor, 'USD')}, credits "
            f"{Money.from_minor(ach.credit_total_minor, 'USD')}, {_count(ach.blocks, 'block', 'blocks')}"
        ]
        for batch in summary["batch_details"]:
            lines.append(
                f"  batch {batch['number']} {batch['sec']} {batch['company_name']} "
                f"effective {batch['effective_date']}: {_entries(len(batch['entries']))}"
            )
            for entry in batch["entries"]:
                sign = "debit " if entry["debit"] else "credit"
                lines.append(
                    f"    line {entry['line']}: {entry['transaction_code']} {sign} "
                    f"{Money.from_minor(entry['amount_minor'], 'USD')} {entry['name']} "
                    f"RDFI {entry['rdfi']} account {entry['account']} trace {entry['trace']}"
                )
                for addenda in entry["addenda"]:
                    detail = ", ".join(
                        f"{k} {v}" for k, v in addenda.items() if k not in ("line", "type_code")
                    )
                    lines.append(f"      addenda {addenda['type_code']}: {detail}")
        self.emit(options, summary, "\n".join(lines))


def _count(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _entries(count: int) -> str:
    return _count(count, "entry", "entries")
