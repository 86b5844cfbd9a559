from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from arrears.interfaces.cli.base import ArrearsCommand, parse_date
from arrears.services.common import Actor, document_store, letter_renderer
from arrears.services.letters.money import pre_debit_notices_send


class Command(ArrearsCommand):
    help = (
        "Send the notice of each scheduled ACH debit that falls 3 to 10 business days after "
        "--as-of (15 U.S.C. 1692f(2)): one PDF and one HTML letter per debit, once. Debits too "
        "close to be noticed in time are listed, not sent. Safe to repeat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=parse_date, required=True, help="The send date.")
        parser.add_argument("--out", type=Path, help="Also write the files here, for printing.")
        parser.add_argument(
            "--limit", type=int, help="At most this many notices (the rest stay due)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"]
        out: Path | None = options["out"]
        with self.progress(None, f"Notices of scheduled debits for {as_of}") as update:
            report = pre_debit_notices_send(
                as_of=as_of, actor=Actor.system("cli:pre-debit-notices"), now=timezone.now(),
                out_dir=out, store=document_store(), renderer=letter_renderer(),
                limit=options["limit"], progress=lambda done, total: update(done),
            )  # fmt: skip
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(report.skipped.items()))
        late = ", ".join(str(pk) for pk in report.too_late)
        self.emit(
            options,
            {**report.as_dict(), "out": str(out) if out else None},
            f"{report.sent} notices of scheduled debits for {as_of} (debits from "
            f"{report.debits_from} to {report.debits_to})"
            + (f" in {out}" if out else "")
            + (f"; not sent: {skipped}" if skipped else "")
            + (f"; too late for notice, scheduled debits {late}" if late else "")
            + ".",
        )
