from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from arrears.interfaces.cli.base import ArrearsCommand
from arrears.services.common import Actor, ServiceError
from arrears.services.supervision.operations import team_define


class Command(ArrearsCommand):
    help = "Define a team of collectors, or change the one with this code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("--name", required=True)
        parser.add_argument("--supervisor", help="The supervisor's user name.")
        parser.add_argument("--member", action="append",
                            help="A collector in the team (repeatable); given, it replaces the "
                                 "members, and a collector leaves any other team.")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            team = team_define(
                code=options["code"], name=options["name"], supervisor=options["supervisor"],
                members=options["member"], actor=Actor.system("cli:team-define"),
                now=timezone.now(),
            )  # fmt: skip
        except ServiceError as exc:
            raise self.refuse(exc) from exc
        members = sorted(m.user.get_username() for m in team.memberships.select_related("user"))
        self.emit(
            options,
            {"team": team.code, "name": team.name, "members": members,
             "supervisor": team.supervisor.get_username() if team.supervisor else None},
            f"Team {team.code} ({team.name}): {', '.join(members) or 'no members yet'}.",
        )  # fmt: skip
