from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from arrears.core.money import format_minor
from arrears.data.users.models import User
from arrears.interfaces.cli.base import ArrearsCommand, parse_date
from arrears.services.common import Actor, NotFound, ServiceError
from arrears.services.trust.operations import remittance_mark_paid
from arrears.services.trust.queries import remittance_id_of


class Command(ArrearsCommand):
    help = (
        "Record that a remittance statement's amount due was paid to its client: the day and the "
        "check or wire number. The statement goes from issued to paid. Refused (exit 2, nothing "
        "changed): a statement paid before or with nothing due, a day in the future or before "
        "the statement was issued, no reference."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number", help="The statement's number, e.g. REM-ACME-2026-10.")
        parser.add_argument(
            "--on", dest="paid_on", type=parse_date, required=True,
            help="The day the client was paid, YYYY-MM-DD.",
        )  # fmt: skip
        parser.add_argument("--reference", required=True, help="The check or wire number.")
        parser.add_argument(
            "--by", help="The user who made the payment (an accountant or administrator); "
            "default: recorded as the operator's.",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        by = None
        try:
            if options["by"]:
                by = User.objects.filter(username=options["by"].strip()).first()
                if by is None:
                    raise NotFound(f"no user {options['by']!r}", field="by")
            row = remittance_mark_paid(
                remittance_id=remittance_id_of(options["number"]), paid_on=options["paid_on"],
                reference=options["reference"], by=by,
                actor=Actor(label="cli:remittance-paid", user_id=by.pk if by else None),
            )  # fmt: skip
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        amount = format_minor(row.due_to_client_minor, row.currency)
        payload = {
            "remittance": row.pk, "number": row.number, "client": row.client.code,
            "currency": row.currency, "due_to_client_minor": row.due_to_client_minor,
            "status": row.status, "paid_on": row.paid_on, "paid_reference": row.paid_reference,
            "paid_by": by.get_username() if by is not None else None,
        }  # fmt: skip
        self.emit(
            options, payload,
            f"{row.number}: {amount} {row.currency} paid to {row.client.code} on "
            f"{row.paid_on}, reference {row.paid_reference}.",
        )  # fmt: skip
