from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from arrears.data.work.models import WorkQueue
from arrears.interfaces.cli.base import ArrearsCommand
from arrears.services.common import Actor, ServiceError
from arrears.services.work.queues import queue_build


class Command(ArrearsCommand):
    help = (
        "Build work queues: rank the accounts each holds now and start a new pass (what was "
        "worked today stays worked). The morning run does this for every active queue."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", action="append", default=[],
                            help="A queue's code (repeatable); default every active queue.")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        codes = options["queue"] or list(
            WorkQueue.objects.filter(active=True).order_by("code").values_list("code", flat=True)
        )
        now = timezone.now()
        reports = []
        with self.progress(len(codes), "Building queues") as update:
            for done, code in enumerate(codes, start=1):
                try:
                    reports.append(queue_build(code, now=now, actor=Actor.system("queues-build")))
                except ServiceError as exc:
                    raise self.refuse(exc) from exc
                update(done)
        lines = [f"{r.queue}: {r.accounts} accounts ({r.kept_worked} already worked today, "
                 f"{r.judged} judged for the first time) in {r.seconds:.1f} s" for r in reports]  # fmt: skip
        self.emit(
            options,
            {"queues": len(reports), "accounts": sum(r.accounts for r in reports),
             "built": [r.as_dict() for r in reports]},
            "\n".join(lines) or "No active queue.",
        )  # fmt: skip
