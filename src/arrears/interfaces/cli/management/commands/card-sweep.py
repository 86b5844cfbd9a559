from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from django.core.management.base import CommandParser

from arrears.interfaces.cli.base import ArrearsCommand
from arrears.services.common import Actor, ServiceError
from arrears.services.payments.sweep import DEFAULT_OLDER_THAN, card_sweep


def _minutes(text: str) -> int:
    try:
        minutes = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of minutes") from exc
    if minutes < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not 0 or more")
    return minutes


class Command(ArrearsCommand):
    help = (
        "Look up at the card gateway the card charges and refunds left without an answer "
        "(pending or error, last asked more than --older-than-minutes ago), and settle each as "
        "the gateway says: post what was charged, record what was declined, mark not_found what "
        "it has no record of (its key may be used again), leave what it cannot answer about. "
        "Safe to repeat: nothing is posted twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-minutes", type=_minutes,
            default=int(DEFAULT_OLDER_THAN.total_seconds() // 60),
            help="Leave attempts asked more recently than this (default %(default)s).",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with self.progress(None, "Unanswered card attempts") as update:
                report = card_sweep(
                    older_than=timedelta(minutes=options["older_than_minutes"]),
                    actor=Actor.system("cli:card-sweep"),
                    progress=lambda done, total: update(done),
                )
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        human = (
            f"Card sweep ({report.gateway}, asked before {report.asked_before:%Y-%m-%d %H:%M}): "
            f"{report.charges_checked} charges checked, {report.charges_completed} posted, "
            f"{report.charges_declined} declined, {report.charges_unknown} unknown to the "
            f"gateway, {report.charges_waiting} waiting; {report.refunds_checked} refunds "
            f"checked, {report.refunds_completed} booked, {report.refunds_failed} failed, "
            f"{report.refunds_unknown} unknown to the gateway, {report.refunds_waiting} waiting, "
            f"{report.refunds_in_doubt} in doubt; {report.unreachable} without an answer"
            + (f"; {report.other_gateway} sent to another gateway, left" if report.other_gateway
               else "")
            + "."
        )  # fmt: skip
        self.emit(options, report.as_dict(), human)
