from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from arrears.interfaces.cli.base import ArrearsCommand
from arrears.services.accounts.search import search_accounts
from arrears.services.common import Actor, ServiceError


class Command(ArrearsCommand):
    help = (
        "Find accounts by account number, client reference, name (typos tolerated), phone, "
        "email, SSN (full or last 4) or ZIP, best first. Prefixes narrow the reading: "
        "ssn:6789, zip:14201, phone:, email:, ref:, name:. SSN searches are audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", nargs="+", help="What to search for.")
        parser.add_argument("--limit", type=int, default=20, help="At most this many accounts.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["limit"] <= 1000:
            raise self.refuse(ServiceError("limit must be between 1 and 1000", field="limit"))
        result = search_accounts(
            " ".join(options["text"]), limit=options["limit"], actor=Actor.system("cli:search")
        )
        hits = [
            {"account_id": h.account_id, "client": h.client_code, "client_ref": h.client_ref,
             "name": h.party_name, "status": h.status, "balance": str(h.balance.amount),
             "currency": h.balance.currency, "matched_by": h.matched_by, "score": h.score}
            for h in result.hits
        ]  # fmt: skip
        lines = [f"{h['account_id']:>9}  {h['client']:<8} {h['client_ref']:<16} "
                 f"{h['name']:<30} {h['balance']:>12}  {h['matched_by']}" for h in hits]  # fmt: skip
        self.emit(
            options,
            {"query": result.query.text, "read_as": result.readings, "hits": hits},
            "\n".join(lines) or "No account matches.",
        )
