from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import CommandParser

from arrears.core.money.text import format_minor, parse_amount_to_minor
from arrears.interfaces.cli.base import ArrearsCommand
from arrears.services.common import Actor, ServiceError
from arrears.services.payments.refunds import payment_refund


def _amount(text: str) -> int:
    try:
        minor = parse_amount_to_minor(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not an amount like 12.34") from exc
    if minor <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not more than zero")
    return minor


class Command(ArrearsCommand):
    help = (
        "Give back part or all of a payment: first its unapplied cash, then what it applied "
        "(the account owes that again). A card payment taken through the gateway is refunded "
        "there first. Run it again with the same --idempotency-key and nothing is given twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("payment_id", type=int)
        parser.add_argument("--amount", type=_amount, required=True, help="e.g. 12.34")
        parser.add_argument("--reason", required=True, help="Why the money is given back.")
        parser.add_argument(
            "--idempotency-key", help="One per refund; made up when omitted (then not repeatable)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = payment_refund(
                payment_id=options["payment_id"], amount_minor=options["amount"],
                reason=options["reason"], actor=Actor.system("cli:refund-payment"),
                idempotency_key=options["idempotency_key"],
            )  # fmt: skip
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        payload = {
            "refund_id": done.refund_id, "payment_id": done.payment_id,
            "account_id": done.account_id, "amount_minor": done.amount_minor,
            "from_unapplied_minor": done.from_unapplied_minor,
            "from_applied_minor": done.from_applied_minor, "fee_minor": done.fee_minor,
            "entry_ids": list(done.entry_ids), "gateway_reference": done.gateway_reference,
            "duplicate": done.duplicate,
        }  # fmt: skip
        human = (
            f"{'Already given back' if done.duplicate else 'Gave back'} "
            f"{format_minor(done.amount_minor, 'USD')} of payment {done.payment_id} "
            f"({format_minor(done.from_unapplied_minor, 'USD')} unapplied, "
            f"{format_minor(done.from_applied_minor, 'USD')} off account "
            f"#{done.account_id or '-'})"
            + (
                f", through the gateway ({done.gateway_reference})"
                if done.gateway_reference
                else ""
            )
            + "."
        )
        self.emit(options, payload, human)
