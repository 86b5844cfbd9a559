from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from arrears.interfaces.cli.base import EXIT_UNREADABLE, ArrearsCommand, parse_date
from arrears.services.common import Actor, ServiceError
from arrears.services.placements.operations import placement_import, placement_rows_estimate


class Command(ArrearsCommand):
    help = (
        "Import a client's placement file (CSV or XLSX). Bad rows go to the rejects file with "
        "line, field, code and reason; good rows load. Re-running the same file loads nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--client", required=True, help="The client's code.")
        parser.add_argument("--mapping", type=Path, help="TOML mapping for a non-default layout.")
        parser.add_argument("--rejects", type=Path, help="Rejects CSV (default FILE.rejects.csv).")
        parser.add_argument("--ack", type=Path, help="Acknowledgement CSV (default FILE.ack.csv).")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report only.")
        parser.add_argument("--as-of", type=parse_date, help="Placement date (default today).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        mapping_text = None
        if options["mapping"]:
            try:
                mapping_text = options["mapping"].read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(
                    f"cannot read mapping: {exc}", returncode=EXIT_UNREADABLE
                ) from exc
        total = placement_rows_estimate(path) if path.is_file() else None
        try:
            with self.progress(total, f"Importing {path.name}") as update:
                report = placement_import(
                    client_code=options["client"],
                    path=path,
                    mapping_text=mapping_text,
                    rejects_path=options["rejects"],
                    ack_path=options["ack"],
                    dry_run=options["dry_run"],
                    actor=Actor.system("cli:import-placements"),
                    today=options["as_of"] or self.today(),
                    progress=update,
                )
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        verb = "Would load" if report.dry_run else "Loaded"
        human = (
            f"{verb} {report.loaded} of {report.rows} rows ({report.reopened} reopened, "
            f"{report.rejected} rejected, {report.duplicates} already loaded) for "
            f"{report.parties} parties. Rejects: {report.rejects_path}  "
            f"Acknowledgement: {report.ack_path}"
        )
        payload = report.as_dict()
        self.emit(options, payload, human)
