from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from arrears.core.synthetic import generate_placements
from arrears.interfaces.cli.base import EXIT_USAGE, ArrearsCommand, parse_date

DEFAULT_ANCHOR = date(2026, 11, 1)


class Command(ArrearsCommand):
    help = (
        "Write a synthetic placement file (default layout) and FILE.manifest.json listing the "
        "deliberately bad lines. Same seed and --today, same bytes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--accounts", type=int, required=True)
        parser.add_argument("--seed", type=int, required=True)
        parser.add_argument("--bad-fraction", type=float, default=0.0)
        parser.add_argument("--out", type=Path, required=True, help="A .csv or .xlsx path.")
        parser.add_argument(
            "--today",
            type=parse_date,
            default=DEFAULT_ANCHOR,
            help=f"The date the file is made as of (default {DEFAULT_ANCHOR}, for reproducibility).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["accounts"] < 1:
            raise CommandError("--accounts must be at least 1", returncode=EXIT_USAGE)
        if not 0.0 <= options["bad_fraction"] < 1.0:
            raise CommandError("--bad-fraction must be in [0, 1)", returncode=EXIT_USAGE)
        out: Path = options["out"]
        generated = generate_placements(
            accounts=options["accounts"],
            seed=options["seed"],
            bad_fraction=options["bad_fraction"],
            today=options["today"],
        )
        with self.progress(options["accounts"], f"Writing {out.name}") as update:
            if out.suffix.lower() == ".xlsx":
                from openpyxl import Workbook

                book = Workbook(write_only=True)
                sheet = book.create_sheet("placements")
                sheet.append(generated.header)
                for n, row in enumerate(generated.rows, 1):
                    sheet.append(row)
                    if n % 1000 == 0:
                        update(n)
                book.save(out)
            else:
                with out.open("w", newline="", encoding="utf-8") as fh:
                    writer = csv.writer(fh)
                    writer.writerow(generated.header)
                    for n, row in enumerate(generated.rows, 1):
                        writer.writerow(row)
                        if n % 1000 == 0:
                            update(n)
            update(options["accounts"])
        manifest = generated.manifest()
        manifest_path = out.with_name(out.name + ".manifest.json")
        manifest_path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        self.emit(
            options,
            {
                "rows": manifest["rows"],
                "bad": len(manifest["bad_lines"]),
                "parties": manifest["parties"],
                "out": str(out),
                "manifest": str(manifest_path),
            },
            f"Wrote {manifest['rows']} rows ({len(manifest['bad_lines'])} bad) for "
            f"{manifest['parties']} parties to {out}; manifest {manifest_path}.",
        )
