from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from arrears.interfaces.cli.base import ArrearsCommand, parse_date
from arrears.services.common import Actor, document_store
from arrears.services.compliance.retention import retention_purge


class Command(ArrearsCommand):
    help = (
        "Destroy the personal data of debts whose retention period has run (3 years after the "
        "last collection activity): names, SSNs, contact points, notes and documents go; "
        "financial rows stay, anonymized. Safe to repeat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=parse_date, required=True)
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be purged; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"]
        with self.progress(None, f"Purging as of {as_of}") as update:
            report = retention_purge(
                as_of=as_of, actor=Actor.system("cli:purge"), now=timezone.now(),
                store=document_store(), dry_run=options["dry_run"],
                progress=lambda done, total: update(done),
            )  # fmt: skip
        verb = "Would purge" if report.dry_run else "Purged"
        self.emit(
            options,
            report.as_dict(),
            f"{verb} as of {as_of} ({report.retention_years}-year retention): "
            f"{report.accounts} accounts, {report.parties} parties "
            f"({report.parties_kept_for_other_debts} kept for debts still held), "
            f"{report.contact_points} contact points, {report.bank_accounts} bank accounts, "
            f"{report.documents} documents, {report.placement_files} placement files.",
        )
