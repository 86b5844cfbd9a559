from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from arrears.core.compliance import PackError, load_pack
from arrears.interfaces.cli.base import EXIT_UNREADABLE, EXIT_USAGE, ArrearsCommand, parse_date
from arrears.services.compliance.simulation import compliance_simulate

SHOWN = 50


class Command(ArrearsCommand):
    help = (
        "Replay the outbound contact attempts recorded in a period against a candidate rule "
        "pack and report what would change: attempts newly blocked and newly allowed, by rule. "
        "Nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pack", type=Path, required=True, help="The candidate pack (TOML).")
        parser.add_argument("--from", dest="start", type=parse_date, required=True,
                            help="First day (in the operator's time zone).")  # fmt: skip
        parser.add_argument("--to", dest="end", type=parse_date, required=True,
                            help="Day after the last (the period is half-open).")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["pack"]
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}", returncode=EXIT_UNREADABLE) from exc
        try:
            candidate = load_pack(text, source=path.name)
        except PackError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        if options["end"] <= options["start"]:
            raise CommandError("--to must be after --from", returncode=EXIT_USAGE)
        zone = timezone.get_current_timezone()
        start = datetime.combine(options["start"], time(0), tzinfo=zone)
        end = datetime.combine(options["end"], time(0), tzinfo=zone)
        with self.progress(None, f"Replaying attempts against {candidate.label}") as update:
            report = compliance_simulate(
                candidate=candidate, start=start, end=end,
                progress=lambda done, total: update(done),
            )  # fmt: skip
        lines = [
            f"{candidate.label} in place of {report.replaces or 'nothing (a new pack)'}, "
            f"{options['start']} to {options['end']}: {report.attempts} outbound attempts "
            f"replayed; {len(report.newly_blocked)} newly blocked, "
            f"{len(report.newly_allowed)} newly allowed.",
        ]
        for rule, counts in report.by_rule().items():
            lines.append(
                f"  {rule}: {counts['newly_blocked']} newly blocked, "
                f"{counts['newly_allowed']} newly allowed"
            )
        for change in report.changes[:SHOWN]:
            lines.append(
                f"  {change.change.replace('_', ' ')}: attempt {change.attempt_id} on account "
                f"{change.account_id}, {change.channel} at "
                f"{change.at.astimezone(zone):%Y-%m-%d %H:%M %Z} ({', '.join(change.rules)})"
            )
        if len(report.changes) > SHOWN:
            lines.append(f"  … and {len(report.changes) - SHOWN} more (use --json for all).")
        self.emit(options, report.as_dict(), "\n".join(lines))
