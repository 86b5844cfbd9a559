from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandParser

from arrears.interfaces.cli.base import ArrearsCommand, parse_date
from arrears.services.common import Actor, ServiceError
from arrears.services.strategies.nightly import PHASES, nightly_run


class Command(ArrearsCommand):
    help = (
        "The nightly run of a day: interest accrued, promises and arrangements judged, "
        "accounts routed into the strategies and their due steps planned, work queues rebuilt. "
        "Safe to repeat; a run that stopped goes on from the phase it was in. Sends nothing: "
        "`arrears send` does."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=parse_date, required=True, help="The day to run.")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"]
        with self.progress(len(PHASES), f"Nightly run of {as_of}") as update:

            def phase(name: str) -> None:
                update(PHASES.index(name))
                if not sys.stderr.isatty():
                    self.stderr.write(f"nightly {as_of}: {name}")

            try:
                report = nightly_run(as_of=as_of, actor=Actor.system("cli:nightly"),
                                     now=self.now(), progress=phase)  # fmt: skip
            except ServiceError as exc:
                raise self.refuse(exc) from exc
            update(len(PHASES))
        if report.already_done:
            human = f"The nightly run of {as_of} had already finished; nothing to do."
        else:
            strategies = report.phases.get("strategies", {})
            entered = sum(strategies.get("entered", {}).values())
            planned = sum(strategies.get("planned", {}).values())
            human = (
                f"Nightly run of {as_of} finished ({', '.join(report.ran) or 'nothing left'}): "
                f"{entered} accounts entered a strategy, {planned} actions planned, "
                f"{strategies.get('routed', 0)} routed to a queue."
            )
        self.emit(options, report.as_dict(), human)
