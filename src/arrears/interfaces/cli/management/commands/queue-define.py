from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from arrears.interfaces.cli.base import ArrearsCommand
from arrears.services.common import Actor, ServiceError
from arrears.services.work.queues import queue_define


class Command(ArrearsCommand):
    help = "Define a work queue, or change the one with this code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--filters", default="{}",
            help='JSON, e.g. \'{"clients": ["ACME"], "states": ["NY"], "balance_min": "100.00", '
                 '"hold": "none", "no_contact_days": 3}\'',
        )  # fmt: skip
        parser.add_argument("--order", default="balance_high")
        parser.add_argument("--mode", default="pooled", choices=["pooled", "owned"])
        parser.add_argument("--dial-mode", default="manual", choices=["manual", "preview"],
                            help="preview: the workspace offers one-click calls (preview dial).")  # fmt: skip
        parser.add_argument("--member", action="append", default=[],
                            help="A user granted the queue (repeatable).")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            filters = json.loads(options["filters"])
        except json.JSONDecodeError as exc:
            raise CommandError(f"--filters is not JSON: {exc}", returncode=2) from exc
        try:
            queue = queue_define(
                code=options["code"], name=options["name"], filters=filters,
                order=options["order"], mode=options["mode"], members=options["member"],
                dial_mode=options["dial_mode"],
                actor=Actor.system("queue-define"), now=timezone.now(),
            )  # fmt: skip
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        self.emit(
            options,
            {"queue": queue.code, "filters": queue.filters, "order": queue.order,
             "mode": queue.mode, "dial_mode": queue.dial_mode,
             "members": sorted(m.username for m in queue.members.all())},
            f"Queue {queue.code} defined; build it with: arrears queues-build --queue {queue.code}",
        )  # fmt: skip
