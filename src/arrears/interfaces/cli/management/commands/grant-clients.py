from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from arrears.interfaces.cli.base import ArrearsCommand
from arrears.services.accounts.access import clients_grant, clients_revoke
from arrears.services.common import Actor, ServiceError


class Command(ArrearsCommand):
    help = (
        "Grant a collector the accounts of these clients (or take them back with --revoke). "
        "Supervisors, compliance, accountants and admins see every client without a grant."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user", help="The user name.")
        parser.add_argument("clients", nargs="+", metavar="CLIENT_CODE")
        parser.add_argument("--revoke", action="store_true", help="Take the clients back.")

    def handle(self, *args: Any, **options: Any) -> None:
        change = clients_revoke if options["revoke"] else clients_grant
        verb = "revoked from" if options["revoke"] else "granted to"
        try:
            done = change(
                username=options["user"], client_codes=options["clients"], by=None,
                actor=Actor.system("cli:grant-clients"), now=timezone.now(),
            )  # fmt: skip
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        changed = ", ".join(done.changed) or "nothing new"
        holds = ", ".join(done.clients) or "no client"
        self.emit(
            options,
            {"user": done.username, "changed": done.changed, "unchanged": done.unchanged,
             "clients": done.clients},
            f"{changed} {verb} {done.username}; {done.username} now holds {holds}.",
        )  # fmt: skip
