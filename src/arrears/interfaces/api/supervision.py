"""The supervisor's endpoints: the floor's figures for a day, monthly targets and teams.

Registered on the API by ``routes`` (imported at its end). Reassigning accounts is
``POST /api/queues/assignments`` (work.py). Money is decimal text, never a float."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from arrears.data.users.models import Role
from arrears.interfaces.api.routes import ErrorOut, _actor, _amount, _minor, _require, api
from arrears.services.supervision.operations import target_set, team_define
from arrears.services.supervision.queries import Figures, floor_summary

SUPERVISE_ROLES = (Role.SUPERVISOR,)

supervisor = Router(tags=["supervision"])


class AttemptsOut(Schema):
    calls: int
    texts: int
    emails: int
    right_party: int
    right_party_rate: Decimal | None = Field(description="Percent of calls, one decimal.")


class PromisesOut(Schema):
    made_today: int
    made_month: int
    promised_month: str = Field(description="Amount promised in the promises made this month.")
    kept_month: int
    broken_month: int


class FiguresOut(Schema):
    collected_today: str
    collected_month: str
    target: str | None
    percent_of_target: Decimal | None = Field(description="Month to date, one decimal.")
    attempts: AttemptsOut
    promises: PromisesOut
    owned: int = Field(description="Accounts assigned now.")


class WorkingOut(Schema):
    account_id: int
    account: str
    queue: str | None
    since: datetime
    until: datetime


class CollectorOut(FiguresOut):
    username: str
    name: str
    role: str
    team: str | None
    working: WorkingOut | None


class TeamOut(FiguresOut):
    code: str
    name: str
    supervisor: str | None
    members: list[str]


class LedgerOut(Schema):
    collected_today: str
    collected_month: str


class QueueDepthOut(Schema):
    code: str
    name: str
    mode: str
    in_pass: int
    offered: int
    blocked: int
    leased: int
    worked: int


class SummaryOut(Schema):
    day: date
    month_start: date
    currency: str
    collectors: list[CollectorOut]
    teams: list[TeamOut]
    unattributed: FiguresOut
    floor: FiguresOut
    ledger: LedgerOut
    reconciles: bool = Field(description="The rows and the unattributed row add up to the ledger.")
    queues: list[QueueDepthOut]


def _figures(f: Figures, currency: str) -> dict[str, Any]:
    return {
        "collected_today": _amount(f.collected.today_minor, currency),
        "collected_month": _amount(f.collected.month_minor, currency),
        "target": _amount(f.target_minor, currency) if f.target_minor is not None else None,
        "percent_of_target": f.percent_of_target,
        "attempts": {"calls": f.attempts.calls, "texts": f.attempts.texts,
                     "emails": f.attempts.emails, "right_party": f.attempts.right_party,
                     "right_party_rate": f.attempts.right_party_rate},
        "promises": {"made_today": f.promises.made_today, "made_month": f.promises.made_month,
                     "promised_month": _amount(f.promises.made_month_minor, currency),
                     "kept_month": f.promises.kept_month,
                     "broken_month": f.promises.broken_month},
        "owned": f.owned,
    }  # fmt: skip


@supervisor.get("/summary", response={200: SummaryOut, 403: ErrorOut})
def get_summary(request: HttpRequest, day: date | None = None) -> Status[Any]:
    """The floor's figures for a day (default today, local time) and its month to date, per
    collector and team, with the unattributed row, the floor's total beside the ledger's, and
    every queue's depths now (supervisors)."""
    _require(request, *SUPERVISE_ROLES)
    s = floor_summary(day=day or timezone.localdate(), now=timezone.now())
    cur = s.currency
    collectors = []
    for r in s.collectors:
        w = r.working
        collectors.append({
            **_figures(r.figures, cur), "username": r.user.get_username(),
            "name": r.user.get_full_name(), "role": r.user.role,
            "team": r.team.code if r.team else None,
            "working": None if w is None else {
                "account_id": w.account_id, "account": w.account_label, "queue": w.queue_code,
                "since": w.since.astimezone(UTC), "until": w.until.astimezone(UTC)},
        })  # fmt: skip
    teams = [{
        **_figures(t.figures, cur), "code": t.team.code, "name": t.team.name,
        "supervisor": t.team.supervisor.get_username() if t.team.supervisor else None,
        "members": [m.user.get_username() for m in t.members],
    } for t in s.teams]  # fmt: skip
    return Status(200, {
        "day": s.day, "month_start": s.month_start, "currency": cur, "collectors": collectors,
        "teams": teams, "unattributed": _figures(s.unattributed, cur),
        "floor": _figures(s.floor, cur),
        "ledger": {"collected_today": _amount(s.ledger.today_minor, cur),
                   "collected_month": _amount(s.ledger.month_minor, cur)},
        "reconciles": s.reconciles,
        "queues": [{"code": d.queue.code, "name": d.queue.name, "mode": d.queue.mode,
                    "in_pass": d.in_pass, "offered": d.offered, "blocked": d.blocked,
                    "leased": d.leased, "worked": d.worked} for d in s.queues],
    })  # fmt: skip


class TargetIn(Schema):
    collector: str | None = Field(None, description="A collector's user name; or give team.")
    team: str | None = Field(None, description="A team's code; or give collector.")
    month: date = Field(description="The month's first day, e.g. 2026-11-01.")
    amount: str = Field(description="Decimal text above zero, e.g. '5000.00'.")


class TargetOut(Schema):
    collector: str | None
    team: str | None
    month: date
    amount: str
    currency: str
    set_by: str
    set_at: datetime


@api.put("/targets", response={200: TargetOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
         tags=["supervision"])  # fmt: skip
def put_target(request: HttpRequest, payload: TargetIn) -> Status[Any]:
    """Set what a collector or a team is to collect in a month; it replaces that month's target
    (supervisors)."""
    _require(request, *SUPERVISE_ROLES)
    target = target_set(collector=payload.collector, team=payload.team, month=payload.month,
                        amount_minor=_minor(payload.amount, "amount"), actor=_actor(request),
                        now=timezone.now())  # fmt: skip
    return Status(200, {
        "collector": payload.collector or None, "team": payload.team or None,
        "month": target.month, "amount": _amount(target.amount_minor, target.currency),
        "currency": target.currency, "set_by": target.set_by,
        "set_at": target.set_at.astimezone(UTC),
    })  # fmt: skip


class TeamIn(Schema):
    name: str
    supervisor: str | None = Field(None, description="A supervisor's user name.")
    members: list[str] | None = Field(
        None, description="Collectors' user names; replaces the members. Omit to keep them."
    )


class TeamDefinedOut(Schema):
    code: str
    name: str
    supervisor: str | None
    members: list[str]


@api.put("/teams/{code}", response={200: TeamDefinedOut, 400: ErrorOut, 403: ErrorOut},
         tags=["supervision"])  # fmt: skip
def put_team(request: HttpRequest, code: str, payload: TeamIn) -> Status[Any]:
    """Create a team or change it; a collector named here leaves any other team (supervisors)."""
    _require(request, *SUPERVISE_ROLES)
    team = team_define(code=code, name=payload.name, supervisor=payload.supervisor,
                       members=payload.members, actor=_actor(request), now=timezone.now())  # fmt: skip
    return Status(200, {
        "code": team.code, "name": team.name,
        "supervisor": team.supervisor.get_username() if team.supervisor else None,
        "members": sorted(m.user.get_username() for m in team.memberships.select_related("user")),
    })  # fmt: skip


api.add_router("/supervisor", supervisor)
